package experiment

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/reusebench/reusebench/loadgen"
)

// StartAt returns a Start for a run whose generators were all given the
// same instant: the run id is runID, or, when empty, derived from the
// instant and the number of segments, so every generator finds the same.
func StartAt(at time.Time, seg loadgen.Segment, runID string) func(context.Context) (time.Time, string, error) {
	if runID == "" {
		sum := sha256.Sum256([]byte(at.UTC().Format(time.RFC3339Nano) + "/" + strconv.Itoa(max(seg.Count, 1))))
		runID = hex.EncodeToString(sum[:6])
	}
	return func(context.Context) (time.Time, string, error) { return at, runID, nil }
}

// RendezvousLead is how far ahead of the moment every generator has arrived
// segment 0 sets the start: time for its word to reach them.
const RendezvousLead = time.Second

// Rendezvous returns a Start that meets the run's other generators at addr:
// segment 0 listens there and waits until all the other segments have
// connected, then tells each to start RendezvousLead from then and gives
// them a fresh run id; the others connect (retrying until ctx ends, as they
// may start before segment 0 does) and wait for that word. The delay is
// sent, not an instant, so the generators' clocks need not agree: each
// starts when the delay has passed since the word reached it.
func Rendezvous(addr string, seg loadgen.Segment) func(context.Context) (time.Time, string, error) {
	return func(ctx context.Context) (time.Time, string, error) {
		if seg.Index == 0 {
			return lead(ctx, addr, max(seg.Count, 1))
		}
		return follow(ctx, addr, seg)
	}
}

// lead is segment 0's side: listen, gather count−1 others, announce.
func lead(ctx context.Context, addr string, count int) (time.Time, string, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", listenAddr(addr))
	if err != nil {
		return time.Time{}, "", fmt.Errorf("rendezvous: listen %s: %w", addr, err)
	}
	defer ln.Close()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var mu sync.Mutex
	joined := map[int]net.Conn{}
	defer func() {
		for _, c := range joined {
			c.Close()
		}
	}()
	for len(joined) < count-1 {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return time.Time{}, "", fmt.Errorf("rendezvous: %d of %d generators arrived: %w", len(joined)+1, count, ctx.Err())
			}
			return time.Time{}, "", fmt.Errorf("rendezvous: accept: %w", err)
		}
		index, err := hello(c, count)
		mu.Lock()
		if err == nil && joined[index] != nil {
			err = fmt.Errorf("segment %d/%d arrived twice", index, count)
		}
		if err != nil {
			fmt.Fprintf(c, "ERROR %s\n", err)
			c.Close()
			mu.Unlock()
			continue
		}
		joined[index] = c
		mu.Unlock()
	}
	id, err := newRunID()
	if err != nil {
		return time.Time{}, "", err
	}
	at := time.Now().Add(RendezvousLead)
	for _, c := range joined {
		c.SetWriteDeadline(time.Now().Add(RendezvousLead / 2))
		fmt.Fprintf(c, "START %d %s\n", RendezvousLead.Milliseconds(), id)
	}
	return at, id, nil
}

// listenAddr is where segment 0 listens for addr: addr itself when its host
// is an IP address (127.0.0.1:7070 in a test), else every interface on its
// port (reusebench-0.reusebench:7070 names segment 0's own pod, which may not
// resolve yet when it starts).
func listenAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || net.ParseIP(host) != nil {
		return addr
	}
	return net.JoinHostPort("", port)
}

// hello reads a follower's greeting, "HELLO index count".
func hello(c net.Conn, count int) (int, error) {
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return 0, fmt.Errorf("no greeting: %w", err)
	}
	var index, n int
	if _, err := fmt.Sscanf(line, "HELLO %d %d", &index, &n); err != nil {
		return 0, fmt.Errorf("bad greeting %q", strings.TrimSpace(line))
	}
	if n != count || index < 1 || index >= count {
		return 0, fmt.Errorf("segment %d/%d does not belong to a run of %d segments", index, n, count)
	}
	return index, nil
}

// follow is the side of the other segments: connect, greet, wait for the
// word.
func follow(ctx context.Context, addr string, seg loadgen.Segment) (time.Time, string, error) {
	var d net.Dialer
	var c net.Conn
	for {
		var err error
		if c, err = d.DialContext(ctx, "tcp", addr); err == nil {
			break
		}
		if ctx.Err() != nil {
			return time.Time{}, "", fmt.Errorf("rendezvous: reach segment 0 at %s: %w", addr, err)
		}
		select {
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
		}
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if _, err := fmt.Fprintf(c, "HELLO %d %d\n", seg.Index, seg.Count); err != nil {
		return time.Time{}, "", fmt.Errorf("rendezvous: greet segment 0: %w", err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	got := time.Now()
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return time.Time{}, "", fmt.Errorf("rendezvous: waiting for segment 0's word: %w", err)
	}
	if msg, ok := strings.CutPrefix(strings.TrimSpace(line), "ERROR "); ok {
		return time.Time{}, "", errors.New("rendezvous: segment 0 refused: " + msg)
	}
	var ms int64
	var id string
	if _, err := fmt.Sscanf(line, "START %d %s", &ms, &id); err != nil {
		return time.Time{}, "", fmt.Errorf("rendezvous: unexpected word %q from segment 0", strings.TrimSpace(line))
	}
	return got.Add(time.Duration(ms) * time.Millisecond), id, nil
}

// newRunID returns 12 random hex digits.
func newRunID() (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("run id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
