// Package trace turns net/http/httptrace hooks into one Sample per request
// attempt. It knows nothing about load or statistics.
package trace

import (
	"net/http"
	"strconv"
	"time"
)

// Phase names one span of a request.
type Phase uint8

// The phases of a request, in the order they happen.
const (
	// Wait is GetConn→GotConn less the dial of the connection the request got:
	// time spent queueing for a connection from the pool.
	Wait Phase = iota
	// DNS is the host lookup of a new connection.
	DNS
	// Connect is the TCP connect of a new connection.
	Connect
	// TLS is the TLS handshake of a new connection.
	TLS
	// TTFB is request written → first response byte.
	TTFB
	// Body is first response byte → body drained.
	Body
	// Total is the whole attempt, from the call to the body drained.
	Total
)

// NumPhases is the number of phases, Total included.
const NumPhases = int(Total) + 1

// NumSteps is the number of phases that make up a request: every phase but
// Total, which spans them.
const NumSteps = int(Total)

// Phases returns every phase in the order they happen, Total last: the order
// of tables and results files.
func Phases() [NumPhases]Phase {
	var ps [NumPhases]Phase
	for i := range ps {
		ps[i] = Phase(i)
	}
	return ps
}

// Steps returns the phases that make up a request, in order (Phases without
// Total): the order of stacked bars.
func Steps() [NumSteps]Phase {
	var ps [NumSteps]Phase
	for i := range ps {
		ps[i] = Phase(i)
	}
	return ps
}

var phaseNames = [NumPhases]string{"wait", "dns", "connect", "tls", "ttfb", "body", "total"}

// String returns the phase's name as used in flags, tables and results files.
func (p Phase) String() string {
	if int(p) < NumPhases {
		return phaseNames[p]
	}
	return "phase?"
}

// Sample is what happened on one request: plain data, safe to copy.
type Sample struct {
	// Intended is when the open model scheduled the request (zero in the closed model).
	Intended time.Time
	// Start is when the first attempt was handed to the client.
	Start time.Time
	// End is when the last attempt's body was drained (or the attempt failed).
	End time.Time
	// Phases holds each phase's duration; only phases marked in Has happened.
	Phases [NumPhases]time.Duration
	// Has marks the phases that happened on this request.
	Has [NumPhases]bool
	// GotConn is true when the request obtained a connection.
	GotConn bool
	// Reused is true when the connection had carried a request before: from
	// the connection's own count when it keeps one (see Claimer), else
	// GotConnInfo.Reused.
	Reused bool
	// TraceReused is GotConnInfo.Reused as httptrace reported it.
	TraceReused bool
	// WasIdle is GotConnInfo.WasIdle and IdleTime how long it had been idle.
	WasIdle  bool
	IdleTime time.Duration
	// TLSHandshake is true when the request's new connection did a TLS
	// handshake, and TLSResumed when that handshake resumed a session.
	TLSHandshake bool
	TLSResumed   bool
	// Proto is the response's protocol, e.g. "HTTP/1.1" or "HTTP/2.0".
	Proto string
	// Host is the target host the request went to.
	Host string
	// Status is the final HTTP status code, 0 when no response arrived.
	Status int
	// Bytes is the number of response body bytes read.
	Bytes int64
	// Err classifies the failure; ErrNone when the request got a response.
	Err ErrorClass
	// Retries is how many attempts after the first this request needed.
	Retries int
	// FirstAttempt is the latency of the first attempt when Retries > 0.
	FirstAttempt time.Duration
	// Wire counts the requests the attempts put on the wire and the
	// connections they got.
	Wire Wire
	// Retried counts, by class, why attempts of this request were sent
	// again: stale for the transport's silent retries, the failed
	// attempt's class for the profile's retries.
	Retried [NumErrorClasses]int32
	// Cause is the transport error the request failed with (nil when it got
	// a response): ErrMsg formats it, only when a message is wanted.
	Cause error
	// RetryAfter is the response's Retry-After, as a wait (0: none).
	RetryAfter time.Duration
	// Abandoned marks a request cut short by the end of the run's context
	// (Ctrl-C): it was in flight and is neither a success nor an error.
	Abandoned bool
}

// Latency is the request's total latency (all attempts, backoff included).
func (s *Sample) Latency() time.Duration { return s.End.Sub(s.Start) }

// Corrected is the latency from the intended time, or Latency in the closed model.
func (s *Sample) Corrected() time.Duration {
	if s.Intended.IsZero() {
		return s.Latency()
	}
	return s.End.Sub(s.Intended)
}

// Failed reports whether the request counts as an error: a transport failure
// or an HTTP status of 400 or above.
func (s *Sample) Failed() bool { return s.Err != ErrNone }

// Conn is what the pool knows of one dialed connection: one per dial, so the
// dns, connect and tls phases are recorded exactly once per connection.
type Conn struct {
	// At is when the dial started.
	At time.Time
	// Host is the address dialed.
	Host string
	// DNS, Connect and Handshake are the durations of the dial's steps; a step
	// that did not happen is zero and its Has flag false. HasConnect means the
	// connection was opened (TCP connected), even if a later step failed.
	DNS, Connect, Handshake          time.Duration
	HasDNS, HasConnect, HasHandshake bool
	// Resumed reports a resumed TLS session.
	Resumed bool
	// Err classifies a failed dial (ErrNone when it succeeded).
	Err ErrorClass
}

// ErrMsg is the failure's text with no secret in it, for example messages:
// the transport error (Message), or the status line of a failed status, ""
// when the request did not fail. It is formatted on each call, off the
// per-request path: the recorder asks only for messages it keeps.
func (s *Sample) ErrMsg() string {
	switch {
	case s.Err == ErrNone:
		return ""
	case s.Cause != nil:
		return Message(s.Cause)
	case s.Status != 0:
		return strconv.Itoa(s.Status) + " " + http.StatusText(s.Status)
	}
	return ""
}
