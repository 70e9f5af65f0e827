package server

import (
	"context"
	"net"
	"sync"
)

// PipeListener is an in-memory net.Listener: DialContext hands one end of a
// new in-memory connection to Accept and returns the other. Nothing touches
// the network, so a server and client on it can run inside a
// testing/synctest bubble, where real sockets never count as durably
// blocked. The connection behaves like TCP where the target's faults need
// it: writes are buffered, a server can send a FIN and keep reading, close
// with a reset, and a write to a closed end resets the connection.
//
// Server-side connections report RemoteAddr 127.0.0.1:PORT with a new PORT
// per connection (from 49152 up) and LocalAddr Addr(); the client side
// mirrors them. Typical use, inside synctest.Test:
//
//	pl := target.NewPipeListener()
//	srv, err := target.Start(target.Config{Listener: pl})
//	tr := &http.Transport{DialContext: pl.DialContext}
//	resp, err := (&http.Client{Transport: tr}).Get(srv.URL() + "/")
//	...
//	tr.CloseIdleConnections()
//	srv.Close()
type PipeListener struct {
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
	addr      *net.TCPAddr

	mu       sync.Mutex
	nextPort int // guarded by mu
}

// NewPipeListener returns an open PipeListener. Its Addr is 127.0.0.1:0.
func NewPipeListener() *PipeListener {
	return &PipeListener{
		conns:    make(chan net.Conn),
		done:     make(chan struct{}),
		addr:     &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 0},
		nextPort: 49152,
	}
}

// Accept waits for a DialContext and returns the server end of its pipe.
// After Close it returns an error wrapping net.ErrClosed.
func (l *PipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, &net.OpError{Op: "accept", Net: "pipe", Addr: l.addr, Err: net.ErrClosed}
	}
}

// Close stops Accept and DialContext. Connections already made stay open.
func (l *PipeListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return nil
}

// Addr returns the listener's fake address, 127.0.0.1:0.
func (l *PipeListener) Addr() net.Addr { return l.addr }

// DialContext connects to the listener, whatever network and addr say: it
// waits until Accept takes the server end of a new net.Pipe and returns the
// client end. It fails if ctx ends first or the listener is closed. Its
// signature matches http.Transport.DialContext.
func (l *PipeListener) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	select {
	case <-l.done:
		return nil, &net.OpError{Op: "dial", Net: "pipe", Addr: l.addr, Err: net.ErrClosed}
	default:
	}
	l.mu.Lock()
	port := l.nextPort
	l.nextPort++
	if l.nextPort > 65535 {
		l.nextPort = 49152
	}
	l.mu.Unlock()
	client := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	sc, cc := memPipe(l.addr, client)
	select {
	case l.conns <- sc:
		return cc, nil
	case <-ctx.Done():
		sc.Close()
		cc.Close()
		return nil, &net.OpError{Op: "dial", Net: "pipe", Addr: l.addr, Err: ctx.Err()}
	case <-l.done:
		sc.Close()
		cc.Close()
		return nil, &net.OpError{Op: "dial", Net: "pipe", Addr: l.addr, Err: net.ErrClosed}
	}
}
