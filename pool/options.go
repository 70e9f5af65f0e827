// Package pool builds the HTTP client a profile's requests go through, one per
// session strategy, and counts the connections those clients dial and close.
// It uses only the standard library.
package pool

import (
	"fmt"
	"time"
)

// Strategy is how requests get an HTTP client.
type Strategy string

// The session strategies.
const (
	// Shared is one client and pool for the whole fleet, like one requests.Session.
	Shared Strategy = "shared"
	// PerWorker is one client and pool per worker.
	PerWorker Strategy = "per-worker"
	// Fresh is a new connection for every request, closed by the client after
	// its response, like a bare requests.get: on the wire, a new client per
	// request. (Over HTTP/1.1 one transport that keeps no idle connection
	// does it; over HTTP/2 a client per request.)
	Fresh Strategy = "fresh"
)

// Strategies lists the valid strategies, for help texts and errors.
var Strategies = []Strategy{Shared, PerWorker, Fresh}

// ParseStrategy returns the strategy named s.
func ParseStrategy(s string) (Strategy, error) {
	for _, st := range Strategies {
		if string(st) == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("unknown strategy %q (valid: shared, per-worker, fresh)", s)
}

// Options are a profile's pool knobs, resolved: every field holds the value
// used, defaults included.
type Options struct {
	Strategy Strategy
	// MaxIdle is http.Transport.MaxIdleConns (0 means no limit).
	MaxIdle int
	// MaxIdlePerHost is http.Transport.MaxIdleConnsPerHost.
	MaxIdlePerHost int
	// MaxConnsPerHost is http.Transport.MaxConnsPerHost (0 means no limit).
	MaxConnsPerHost int
	// IdleTimeout is http.Transport.IdleConnTimeout (0 means no limit).
	IdleTimeout time.Duration
	// KeepAlive false sets http.Transport.DisableKeepAlives.
	KeepAlive bool
	// HTTP2 offers HTTP/2 by ALPN over TLS; without it profiles speak HTTP/1.1.
	HTTP2 bool
	// H2C speaks HTTP/2 with prior knowledge to plain-HTTP targets.
	H2C bool
	// TLSResume makes every connection of the pool share one
	// tls.ClientSessionCache, so new connections can resume sessions.
	TLSResume bool
	// DialTimeout bounds the TCP connect, TLSTimeout the TLS handshake,
	// HeaderTimeout the wait for response headers (0: none) and Timeout the
	// whole request (http.Client.Timeout, 0: none).
	DialTimeout, TLSTimeout, HeaderTimeout, Timeout time.Duration
	// LocalAddr is the source IP for new connections ("" lets the system choose).
	LocalAddr string
}

// DefaultOptions returns the options of a strategy before any knob is set, for
// a fleet of workers: the idle pool is sized to the fleet, so a shared client
// keeps a connection for every worker.
func DefaultOptions(s Strategy, workers int) Options {
	return Options{
		Strategy:       s,
		MaxIdle:        max(100, workers),
		MaxIdlePerHost: max(2, workers),
		IdleTimeout:    90 * time.Second,
		KeepAlive:      true,
		DialTimeout:    10 * time.Second,
		TLSTimeout:     10 * time.Second,
		Timeout:        30 * time.Second,
	}
}
