package trace

import (
	"context"
	"net"
)

// Wire counts what a request put on the wire. One call of Do can put
// several requests on the wire: net/http's transport repeats an idempotent
// request on a new connection by itself when a reused connection fails
// before answering, and a client follows redirects. A fleet adds up the
// Wire of a request's attempts, so its profile's retries count too.
type Wire struct {
	// Sent counts requests written to a connection: every attempt that
	// reached the wire, whether answered or not. A server reads exactly
	// these.
	Sent int32
	// TransportRetries counts the requests net/http's transport sent again
	// on its own, after a reused connection failed before any response byte
	// (each also counts as a stale attempt in Sample.Retried).
	TransportRetries int32
	// Redirects counts redirects followed.
	Redirects int32
	// NewConns and ReusedConns count the attempts that got a connection:
	// its first use, and a connection that had carried a request before.
	NewConns, ReusedConns int32
}

// Add adds o's counts to w.
func (w *Wire) Add(o Wire) {
	w.Sent += o.Sent
	w.TransportRetries += o.TransportRetries
	w.Redirects += o.Redirects
	w.NewConns += o.NewConns
	w.ReusedConns += o.ReusedConns
}

// WriteCounter is implemented by connections that count the bytes written
// to them (the pool's connections do), counting a write before it is
// made: a request reached the wire when the count grew while it held the
// connection. httptrace's WroteRequest cannot tell, as it fires once the
// request is in the transport's buffer, before the write that may fail.
type WriteCounter interface {
	Written() int64
}

// hop is one request of a Do on one connection: from GotConn to the next
// GetConn (a transport retry or a redirect) or the end of Do.
type hop struct {
	open      bool // GotConn seen, hop not yet ended
	reused    bool // the connection had carried a request before
	wrote     bool // WroteRequest without an error (used without a WriteCounter)
	firstByte bool // a response byte arrived
	counter   WriteCounter
	written   int64 // counter's count at GotConn
}

// attemptKey is the context key under which Do keeps its attempt, for
// Redirected.
type attemptKey struct{}

// Redirected counts a redirect that the client of the request whose
// context is ctx is about to follow. An http.Client's CheckRedirect calls
// it (the pool's clients do): the next request of the Do is the redirect's,
// not a retry.
func Redirected(ctx context.Context) {
	a, ok := ctx.Value(attemptKey{}).(*attempt)
	if !ok {
		return
	}
	a.stamp(func() {
		a.wire.Redirects++
		a.redirecting = true
	})
}

// startHop is GotConn's part of the counting: a holds the lock.
func (a *attempt) startHop(reused bool, counter WriteCounter, written int64) {
	a.hop = hop{open: true, reused: reused, counter: counter, written: written}
	if reused {
		a.wire.ReusedConns++
	} else {
		a.wire.NewConns++
	}
}

// endHop ends the current hop, counting its request if it reached the
// wire. a holds the lock, or is done.
func (a *attempt) endHop() {
	if !a.hop.open {
		return
	}
	sent := a.hop.wrote
	if c := a.hop.counter; c != nil {
		sent = c.Written() > a.hop.written
	}
	if sent {
		a.wire.Sent++
	}
	a.last = a.hop
	a.hop = hop{}
}

// nextHop is GetConn's part of the counting: a request of the Do is about
// to get a connection. After a hop that got one, it is a redirect's
// request, or else the transport's retry of a request its reused
// connection failed. a holds the lock.
func (a *attempt) nextHop() {
	if a.hop.open {
		a.endHop()
		if !a.redirecting {
			a.wire.TransportRetries++
			a.retried[ErrStale]++
		}
	}
	a.redirecting = false
}

// writeCounter finds the WriteCounter under c and its count now.
func writeCounter(c net.Conn) (WriteCounter, int64) {
	wc, ok := findConn[WriteCounter](c)
	if !ok {
		return nil, 0
	}
	return wc, wc.Written()
}
