package server

import (
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// memHalf is one direction of an in-memory connection: the bytes one end
// wrote that the other has not read yet, and whether the writer shut down
// (FIN) or reset (RST) that direction.
type memHalf struct {
	mu   sync.Mutex
	buf  []byte        // guarded by mu
	fin  bool          // guarded by mu; reads drain buf, then get io.EOF
	rst  bool          // guarded by mu; reads drain buf, then get ECONNRESET
	wake chan struct{} // guarded by mu; closed and replaced on every change
}

func newMemHalf() *memHalf { return &memHalf{wake: make(chan struct{})} }

// notifyLocked wakes readers waiting on h. h.mu must be held.
func (h *memHalf) notifyLocked() {
	close(h.wake)
	h.wake = make(chan struct{})
}

// memConn is one end of an in-memory connection that behaves like TCP where
// the faults of the target need it: writes never wait for the reader (they
// are buffered, as in a socket buffer); CloseWrite sends a FIN while the
// other direction stays open; closing with unread data, or writing to an
// end that has closed, resets the connection, as Linux does; the target's
// abort resets it on purpose. Deadlines wake blocked reads. Every wait is
// on a channel, so a client and a server on it can run inside a
// testing/synctest bubble.
type memConn struct {
	in, out       *memHalf // what this end reads, what it writes
	peer          *memConn
	local, remote net.Addr

	// mu orders writes with Close and CloseWrite: a write either lands
	// before the FIN or fails, as on a socket.
	mu       sync.Mutex
	closed   atomic.Bool   // set under mu; read without it
	wrShut   bool          // guarded by mu: CloseWrite called
	rdl, wdl time.Time     // guarded by mu: read and write deadlines
	dlWake   chan struct{} // guarded by mu: closed on close and deadline changes
}

// memPipe returns the two ends of a new in-memory connection: a's address
// is aAddr and b's is bAddr.
func memPipe(aAddr, bAddr net.Addr) (a, b *memConn) {
	ab, ba := newMemHalf(), newMemHalf()
	a = &memConn{in: ba, out: ab, local: aAddr, remote: bAddr, dlWake: make(chan struct{})}
	b = &memConn{in: ab, out: ba, local: bAddr, remote: aAddr, dlWake: make(chan struct{})}
	a.peer, b.peer = b, a
	return a, b
}

func (c *memConn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: c.local, Addr: c.remote, Err: err}
}

// Read reads what the peer wrote, waiting for it, for the peer's FIN or
// reset, for Close or for the read deadline.
func (c *memConn) Read(b []byte) (int, error) {
	for {
		c.mu.Lock()
		dl, dlWake := c.rdl, c.dlWake
		c.mu.Unlock()
		if c.closed.Load() {
			return 0, c.opError("read", net.ErrClosed)
		}
		h := c.in
		h.mu.Lock()
		switch {
		case len(h.buf) > 0: // what arrived before a reset is still read, as on Linux
			n := copy(b, h.buf)
			h.buf = h.buf[n:]
			h.mu.Unlock()
			return n, nil
		case h.rst:
			h.mu.Unlock()
			return 0, c.opError("read", os.NewSyscallError("read", syscall.ECONNRESET))
		case h.fin:
			h.mu.Unlock()
			return 0, io.EOF
		}
		wake := h.wake
		h.mu.Unlock()
		if dl.IsZero() {
			select {
			case <-wake:
			case <-dlWake:
			}
			continue
		}
		d := time.Until(dl)
		if d <= 0 {
			return 0, c.opError("read", os.ErrDeadlineExceeded)
		}
		t := time.NewTimer(d)
		select {
		case <-wake:
		case <-dlWake:
		case <-t.C:
		}
		t.Stop()
	}
}

// Write buffers b for the peer. Writing to a peer that has closed succeeds
// once and resets the connection, as on TCP.
func (c *memConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed.Load():
		return 0, c.opError("write", net.ErrClosed)
	case c.wrShut:
		return 0, c.opError("write", os.NewSyscallError("write", syscall.EPIPE))
	case !c.wdl.IsZero() && !time.Now().Before(c.wdl):
		return 0, c.opError("write", os.ErrDeadlineExceeded)
	}
	if c.peer.closed.Load() {
		c.in.mu.Lock()
		defer c.in.mu.Unlock()
		if c.in.rst {
			return 0, c.opError("write", os.NewSyscallError("write", syscall.ECONNRESET))
		}
		c.in.rst = true // the peer's kernel answers with a reset
		c.in.notifyLocked()
		return len(b), nil
	}
	h := c.out
	h.mu.Lock()
	defer h.mu.Unlock()
	h.buf = append(h.buf, b...)
	h.notifyLocked()
	return len(b), nil
}

// Close closes this end: the peer reads EOF after what was written, or a
// reset when this end leaves unread data behind (as Linux does).
func (c *memConn) Close() error { return c.shut(false) }

// reset closes this end with a reset (SO_LINGER 0 on a socket): the peer
// reads what was written before it, then ECONNRESET.
func (c *memConn) reset() error { return c.shut(true) }

func (c *memConn) shut(rst bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return c.opError("close", net.ErrClosed)
	}
	c.closed.Store(true)
	close(c.dlWake)
	c.dlWake = make(chan struct{})
	c.in.mu.Lock()
	unread := len(c.in.buf) > 0
	c.in.buf = nil
	c.in.mu.Unlock()
	h := c.out
	h.mu.Lock()
	if rst || unread {
		h.rst = true
	} else {
		h.fin = true
	}
	h.notifyLocked()
	h.mu.Unlock()
	return nil
}

// CloseWrite sends a FIN: the peer reads EOF after what was written, and
// this end can still read.
func (c *memConn) CloseWrite() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return c.opError("close", net.ErrClosed)
	}
	c.wrShut = true
	h := c.out
	h.mu.Lock()
	h.fin = true
	h.notifyLocked()
	h.mu.Unlock()
	return nil
}

// LocalAddr returns this end's address.
func (c *memConn) LocalAddr() net.Addr { return c.local }

// RemoteAddr returns the peer's address.
func (c *memConn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline sets both deadlines.
func (c *memConn) SetDeadline(t time.Time) error {
	c.setDeadlines(&t, &t)
	return nil
}

// SetReadDeadline sets the read deadline; a blocked Read re-checks it.
func (c *memConn) SetReadDeadline(t time.Time) error {
	c.setDeadlines(&t, nil)
	return nil
}

// SetWriteDeadline sets the write deadline (writes never block; a past
// deadline fails them).
func (c *memConn) SetWriteDeadline(t time.Time) error {
	c.setDeadlines(nil, &t)
	return nil
}

func (c *memConn) setDeadlines(rd, wr *time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rd != nil {
		c.rdl = *rd
	}
	if wr != nil {
		c.wdl = *wr
	}
	close(c.dlWake)
	c.dlWake = make(chan struct{})
}
