// Package server is the embedded loopback HTTP server that reusebench drives
// by default, in tests and in demos.
//
// Its main duty is to count, from the server's side, the connections it
// accepts and the requests it serves, so that the client's claims about
// connection reuse can be checked against the truth seen by the other end.
// Counts are exact: every event is counted once, under one lock, and a
// snapshot is consistent.
//
// Endpoints:
//
//	/           BodySize bytes of application/octet-stream, status 200
//	            (or FailStatus for the FailRate fraction of requests);
//	            the response faults act here (see Faults)
//	/login      sets the cookie "session=<token>; Path=/", status 200
//	/protected  200 with a session cookie issued by /login, else 401
//	/echo       the request line, the headers and a body summary as text
//	/redirect/N 302 to /redirect/N-1, and /redirect/1 to /: N redirects
//	            before the body of / (N from 1 to 100)
//
// Any other path answers 404. Latency and Stall apply to every path, and
// every path counts in Read, Requests and Statuses. The connection faults
// (Faults) act on every connection, whatever its requests' paths.
package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Server. The zero value serves plain HTTP/1.1 on
// 127.0.0.1 with a random port.
type Config struct {
	// Addr is the listen address; default "127.0.0.1:0". Ignored when
	// Listener is set.
	Addr string
	// TLS serves HTTPS with an in-memory self-signed ECDSA P-256
	// certificate generated at Start (SANs 127.0.0.1, ::1, 127.0.0.2 and
	// localhost). Session tickets are enabled so clients can resume.
	TLS bool
	// HTTP2 offers "h2" via ALPN next to "http/1.1". It needs TLS.
	HTTP2 bool
	// H2C accepts plain-text HTTP/2 with prior knowledge next to HTTP/1.1.
	// It needs plain HTTP (not TLS).
	H2C bool
	// Latency is a fixed service delay added to every request.
	Latency time.Duration
	// Stall makes the server periodically answer nothing (see Stall).
	Stall Stall
	// BodySize is the number of bytes in the body of "/". Zero means the
	// default of 64; a negative value means an empty body.
	BodySize int
	// FailRate is the fraction in [0,1] of requests to "/" answered with
	// FailStatus instead of 200. It is deterministic: request k on "/"
	// (counting from 1 since Start or Reset) fails when
	// floor(k*FailRate) != floor((k-1)*FailRate), so exactly
	// floor(n*FailRate) of n requests fail.
	FailRate float64
	// FailStatus is the status of failed requests; default 503. It must be
	// in 200..599.
	FailStatus int
	// Faults are the fault modes: connections closed, dropped, reset or
	// forgotten, slow headers and bodies, bursts of failures.
	Faults Faults
	// RequireClientCert makes a TLS server require and verify a client
	// certificate signed by one of ClientCAs.
	RequireClientCert bool
	// ClientCAs verifies client certificates when RequireClientCert is set.
	ClientCAs *x509.CertPool
	// Listener, if set, is served instead of listening on Addr (for example
	// a PipeListener in deterministic tests). The Server owns it from Start
	// on: Close closes it, and so does a failed Start.
	Listener net.Listener
	// ErrorLog receives net/http's own errors (such as TLS handshake
	// failures). Nil discards them.
	ErrorLog *log.Logger
}

// DefaultBodySize is the size of the body of "/" when Config.BodySize is 0.
const DefaultBodySize = 64

// closeTimeout bounds how long Close waits for connections and handlers to
// finish after closing them.
const closeTimeout = 10 * time.Second

// Validate reports the first problem with c, or nil. Start calls it; a
// caller that wants to tell bad configuration from a failure to listen can
// call it first.
func (c Config) Validate() error {
	switch {
	case c.HTTP2 && !c.TLS:
		return errors.New("target: HTTP2 needs TLS (use H2C for plain-text HTTP/2)")
	case c.H2C && c.TLS:
		return errors.New("target: H2C is plain-text HTTP/2 and cannot be combined with TLS (use HTTP2)")
	case c.RequireClientCert && !c.TLS:
		return errors.New("target: RequireClientCert needs TLS")
	case c.RequireClientCert && c.ClientCAs == nil:
		return errors.New("target: RequireClientCert needs ClientCAs")
	case c.Latency < 0:
		return fmt.Errorf("target: latency %v: must not be negative", c.Latency)
	case c.FailRate < 0 || c.FailRate > 1 || c.FailRate != c.FailRate:
		return fmt.Errorf("target: fail rate %v: must be a fraction in [0,1]", c.FailRate)
	case c.FailStatus != 0 && (c.FailStatus < 200 || c.FailStatus > 599):
		return fmt.Errorf("target: fail status %d: must be in 200..599", c.FailStatus)
	}
	if err := c.Faults.validate(c.HTTP2 || c.H2C); err != nil {
		return err
	}
	return c.Stall.validate()
}

// Server is a running target. Its methods are safe for concurrent use.
type Server struct {
	cfg       Config
	srv       *http.Server
	ln        net.Listener
	url       string
	certPEM   []byte
	certPool  *x509.CertPool
	start     time.Time
	chunk     []byte // body bytes, written repeatedly for large bodies
	bodySize  int64
	fail      failRule
	resets    failRule
	closing   atomic.Bool // set by Close before it closes connections
	tokenKey  []byte
	done      chan struct{} // closed by Close: releases held requests
	serveDone chan struct{} // closed when http.Server.Serve returns
	closeOnce sync.Once
	closeErr  error

	mu       sync.Mutex
	c        counters                 // guarded by mu
	accepts  int64                    // connections accepted since Start, never reset; guarded by mu
	conns    map[net.Conn]*connRecord // open connections, guarded by mu
	inflight int                      // handlers running, guarded by mu
	changed  chan struct{}            // closed and cleared on close events; guarded by mu
}

// Start validates cfg, listens (unless cfg.Listener is set) and serves in
// the background until Close.
func Start(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		if cfg.Listener != nil {
			cfg.Listener.Close()
		}
		return nil, err
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.FailStatus == 0 {
		cfg.FailStatus = http.StatusServiceUnavailable
	}
	s := &Server{
		cfg:       cfg,
		fail:      newFailRule(cfg.FailRate),
		resets:    newFailRule(cfg.Faults.Reset),
		tokenKey:  make([]byte, 32),
		done:      make(chan struct{}),
		serveDone: make(chan struct{}),
		conns:     make(map[net.Conn]*connRecord),
	}
	s.c.reset()
	s.bodySize = int64(cfg.BodySize)
	switch {
	case cfg.BodySize == 0:
		s.bodySize = DefaultBodySize
	case cfg.BodySize < 0:
		s.bodySize = 0
	}
	s.chunk = make([]byte, min(s.bodySize, 32<<10))
	for i := range s.chunk {
		s.chunk[i] = 'a' + byte(i%26)
	}
	rand.Read(s.tokenKey) // never fails (crypto/rand panics instead)

	ln := cfg.Listener
	if ln == nil {
		var err error
		ln, err = net.Listen("tcp", cfg.Addr)
		if err != nil {
			return nil, fmt.Errorf("target: listen %s: %w", cfg.Addr, listenCause(err))
		}
	}
	s.ln = ln
	ln = &faultListener{Listener: ln, s: s}

	var protos http.Protocols
	protos.SetHTTP1(true)
	protos.SetHTTP2(cfg.TLS && cfg.HTTP2)
	protos.SetUnencryptedHTTP2(cfg.H2C)
	errorLog := cfg.ErrorLog
	if errorLog == nil {
		errorLog = log.New(io.Discard, "", 0)
	}
	s.srv = &http.Server{
		Handler:     http.HandlerFunc(s.serveHTTP),
		ConnContext: s.connContext,
		ConnState:   s.connState,
		ErrorLog:    errorLog,
		Protocols:   &protos,
		IdleTimeout: cfg.Faults.IdleClose,
	}
	scheme := "http"
	if cfg.TLS {
		scheme = "https"
		cert, certPEM, err := selfSignedCert()
		if err != nil {
			ln.Close()
			return nil, err
		}
		s.certPEM = certPEM
		s.certPool = x509.NewCertPool()
		s.certPool.AddCert(cert.Leaf)
		tc := &tls.Config{
			MinVersion:   tls.VersionTLS12,
			Certificates: []tls.Certificate{cert},
		}
		if cfg.RequireClientCert {
			tc.ClientAuth = tls.RequireAndVerifyClientCert
			tc.ClientCAs = cfg.ClientCAs
		}
		s.srv.TLSConfig = tc
	}
	s.url = scheme + "://" + ln.Addr().String()
	s.start = time.Now()
	go func() {
		defer close(s.serveDone)
		if cfg.TLS {
			s.srv.ServeTLS(ln, "", "")
		} else {
			s.srv.Serve(ln)
		}
	}()
	return s, nil
}

// listenCause strips the "listen tcp 127.0.0.1:8080: bind:" layers from a
// listen error, keeping the cause (such as "address already in use")
// for errors.Is.
func listenCause(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		err = op.Err
	}
	var sys *os.SyscallError
	if errors.As(err, &sys) && sys.Err != nil {
		err = sys.Err
	}
	return err
}

// URL returns the base URL, "http://127.0.0.1:PORT" or "https://...".
func (s *Server) URL() string { return s.url }

// Addr returns the listener's address as host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// CertPool returns a pool trusting the server's certificate, or nil when the
// server is not TLS. Callers must not modify it.
func (s *Server) CertPool() *x509.CertPool { return s.certPool }

// CertPEM returns the server certificate in PEM, or nil when the server is
// not TLS.
func (s *Server) CertPEM() []byte { return append([]byte(nil), s.certPEM...) }

// Close closes the listener and all connections, releases requests held by
// Latency or Stall, and waits (up to 10 seconds) until every connection has
// been counted as closed and every handler has returned. Calling Close again
// returns the first result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.closing.Store(true)
		err := s.srv.Close()
		close(s.done)
		<-s.serveDone
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		werr := s.waitFor(ctx, func() bool { return len(s.conns) == 0 && s.inflight == 0 })
		if werr != nil {
			s.mu.Lock()
			werr = fmt.Errorf("target: close: %d connections and %d handlers still running: %w",
				len(s.conns), s.inflight, werr)
			s.mu.Unlock()
		}
		s.closeErr = errors.Join(err, werr)
	})
	return s.closeErr
}

// waitFor blocks until cond, evaluated with s.mu held, is true or ctx is
// done. cond is re-evaluated after every connection close and, while
// closing, after every handler return.
func (s *Server) waitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return nil
		}
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// notifyLocked wakes waitFor callers. s.mu must be held.
func (s *Server) notifyLocked() {
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
}
