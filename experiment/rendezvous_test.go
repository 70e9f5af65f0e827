package experiment_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reusebench/reusebench/experiment"
	"github.com/reusebench/reusebench/loadgen"
)

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestRendezvous(t *testing.T) {
	// Three segments, the followers up before segment 0 listens: all three
	// return the same run id and a start in the future of when they called.
	addr := freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	type got struct {
		at, called time.Time
		id         string
		err        error
	}
	out := make([]got, 3)
	var wg sync.WaitGroup
	for _, i := range []int{2, 1, 0} {
		wg.Go(func() {
			called := time.Now()
			at, id, err := experiment.Rendezvous(addr, loadgen.Segment{Index: i, Count: 3})(ctx)
			out[i] = got{at, called, id, err}
		})
		if i != 0 {
			time.Sleep(50 * time.Millisecond) // let the followers dial first, and retry
		}
	}
	wg.Wait()
	for i, g := range out {
		if g.err != nil {
			t.Fatalf("segment %d: %v", i, g.err)
		}
		if g.id == "" || g.id != out[0].id {
			t.Errorf("segment %d: run id %q, segment 0's %q", i, g.id, out[0].id)
		}
		if !g.at.After(g.called) {
			t.Errorf("segment %d: start %v is not after the call %v", i, g.at, g.called)
		}
	}
}

func TestRendezvousRefusals(t *testing.T) {
	// A follower of a run of another size is refused with a reason; the
	// leader goes on waiting, and gives up when its context ends.
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	leaderErr := make(chan error, 1)
	go func() {
		_, _, err := experiment.Rendezvous(addr, loadgen.Segment{Index: 0, Count: 2})(ctx)
		leaderErr <- err
	}()
	fctx, fcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer fcancel()
	_, _, err := experiment.Rendezvous(addr, loadgen.Segment{Index: 1, Count: 3})(fctx)
	if err == nil || !strings.Contains(err.Error(), "does not belong to a run of 2 segments") {
		t.Errorf("a follower of a 3-segment run: %v, want it refused", err)
	}
	cancel()
	if err := <-leaderErr; err == nil || !strings.Contains(err.Error(), "1 of 2 generators arrived") {
		t.Errorf("leader after cancel: %v, want it to say who arrived", err)
	}
}

func TestStartAtRunID(t *testing.T) {
	// Every generator given the same instant and count derives the same run
	// id; another instant gives another; --run-id wins.
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	id := func(at time.Time, seg loadgen.Segment, runID string) string {
		_, got, err := experiment.StartAt(at, seg, runID)(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	a := id(at, loadgen.Segment{Index: 0, Count: 4}, "")
	b := id(at, loadgen.Segment{Index: 3, Count: 4}, "")
	c := id(at.Add(time.Second), loadgen.Segment{Index: 0, Count: 4}, "")
	if a != b || a == c || len(a) != 12 {
		t.Errorf("run ids %q, %q (same run) and %q (another): want the first two equal, 12 hex digits", a, b, c)
	}
	if got := id(at, loadgen.Segment{Count: 4}, "nightly-42"); got != "nightly-42" {
		t.Errorf("run id %q, want the one given", got)
	}
}
