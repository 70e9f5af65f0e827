package server

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Faults are the target's fault modes, each off at its zero value; they
// combine. Connection faults (IdleClose, CloseAfter, DropAfter, ForgetIdle)
// act on HTTP/1.1 connections, whatever the path, and cannot be combined
// with HTTP/2; response faults (Reset, SlowHeaders, Trickle) act on the
// responses of "/". Every request read counts in Counts.Read, and every
// connection the target closes counts in Counts.ClosedBy under its reason.
type Faults struct {
	// IdleClose closes a keep-alive connection idle for this long, as a
	// server whose keep-alive timeout is shorter than the client's idle
	// timeout does. The target sends a FIN and reads on for up to
	// LingerTimeout, so a request that crossed the FIN is counted (Stale)
	// instead of being lost to a reset. What a client sees: Go's transport
	// notices the FIN on an idle connection at once and drops it from its
	// pool, so at most request rates nothing; a request written in the
	// instant of the close meets EOF on a reused connection, which Go
	// retries on a new connection without telling the caller when the
	// request is idempotent (class stale otherwise). Reason "idle_close".
	IdleClose time.Duration
	// CloseAfter closes a connection once it has answered this many
	// requests. The last response carries "Connection: close", so the client
	// opens a new connection for its next request and nothing fails. With
	// CloseQuiet it does not: the target answers normally and then sends a
	// FIN (reading on as with IdleClose), and a client that reuses the
	// connection before it sees the FIN meets EOF, a stale reuse that Go
	// retries silently for idempotent requests. Reason "close_after".
	CloseAfter int
	CloseQuiet bool
	// DropAfter reads the DropAfter-th request on each connection and
	// closes the connection without answering it (Counts.Dropped). What a
	// client sees: EOF before any response byte. On a new connection
	// (DropAfter 1) that is an error (class eof); on a reused one Go's
	// transport retries an idempotent request on a new connection without
	// telling the caller, so the target reads more requests than the
	// caller sent. Reason "drop_after".
	DropAfter int
	// Reset is the fraction in [0,1] of responses to "/" reset in the middle
	// of the body: the header and half the body, then a TCP reset
	// (Counts.Reset), chosen as deterministically as FailRate. What a client
	// sees: status 200, then "connection reset by peer" while reading the
	// body (class reset); Go never retries it, as the response had begun.
	// Over HTTP/2 the reset ends every stream on the connection. Reason
	// "reset".
	Reset float64
	// SlowHeaders sends an interim "103 Early Hints" response at once and the
	// final header this much later. What a client sees: a short ttfb (the
	// first byte came at once), but a header timeout counts until the
	// final header and fires (class header_timeout).
	SlowHeaders time.Duration
	// Trickle sends the body of "/" at this many bytes a second, in pieces
	// of a twentieth of that. What a client sees: a long body phase; a
	// whole-request timeout fires while it reads (class timeout), a header
	// timeout does not.
	Trickle int
	// RetryAfter, in whole seconds, is sent as "Retry-After" with every
	// injected failure (FailRate), such as 429 or 503: a profile retrying
	// that status waits at least this long.
	RetryAfter int
	// FailBurst makes injected failures come in runs of this many
	// consecutive requests to "/", failing the same fraction overall
	// (0 or 1: spread out evenly).
	FailBurst int
	// ForgetIdle forgets a connection idle for this long without telling
	// the client, as a NAT or a load balancer with an idle timeout does: no
	// FIN is sent. The next bytes on it are counted as a stale request and
	// answered with a TCP reset, or, with ForgetSilent, with nothing (the
	// target reads and discards until the client closes). What a client
	// sees: its pool keeps the connection and reuses it, at any request
	// rate; then "connection reset by peer" before any response byte, which
	// Go's transport retries silently for idempotent requests (class stale
	// otherwise), or with silence a header or whole-request timeout.
	// Reason "forget_idle".
	ForgetIdle   time.Duration
	ForgetSilent bool
}

// LingerTimeout bounds how long the target reads on after it sent a FIN
// (IdleClose, quiet CloseAfter) before it closes the connection for good.
const LingerTimeout = time.Second

// The reasons a connection closed, as keys of Counts.ClosedBy.
const (
	ReasonClient     = "client"      // the client closed it or asked to, or net/http did on a protocol error
	ReasonShutdown   = "shutdown"    // the target was closing
	ReasonIdleClose  = "idle_close"  // Faults.IdleClose
	ReasonCloseAfter = "close_after" // Faults.CloseAfter
	ReasonDropAfter  = "drop_after"  // Faults.DropAfter
	ReasonReset      = "reset"       // Faults.Reset
	ReasonForgetIdle = "forget_idle" // Faults.ForgetIdle
)

// CloseReasons lists the reasons of Counts.ClosedBy in the order they are
// printed.
func CloseReasons() []string {
	return []string{ReasonClient, ReasonShutdown, ReasonIdleClose, ReasonCloseAfter, ReasonDropAfter, ReasonReset, ReasonForgetIdle}
}

// closedByText formats closed connections by reason, "client 3, idle_close 2",
// in CloseReasons order, leaving out the zeros.
func closedByText(by map[string]int64) string {
	var parts []string
	for _, r := range CloseReasons() {
		if n := by[r]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", r, n))
		}
	}
	return strings.Join(parts, ", ")
}

// connFaults reports whether f has a fault that acts on connections.
func (f Faults) connFaults() bool {
	return f.IdleClose > 0 || f.CloseAfter > 0 || f.DropAfter > 0 || f.ForgetIdle > 0
}

// validate reports the first problem with f, or nil; h2 says the target
// speaks HTTP/2.
func (f Faults) validate(h2 bool) error {
	switch {
	case f.IdleClose < 0 || f.SlowHeaders < 0 || f.ForgetIdle < 0:
		return errors.New("target: fault durations must not be negative")
	case f.CloseAfter < 0 || f.DropAfter < 0 || f.Trickle < 0 || f.RetryAfter < 0 || f.FailBurst < 0:
		return errors.New("target: fault counts must not be negative")
	case f.Reset < 0 || f.Reset > 1 || f.Reset != f.Reset:
		return fmt.Errorf("target: reset %v: must be a fraction in [0,1]", f.Reset)
	case f.CloseQuiet && f.CloseAfter == 0:
		return errors.New("target: CloseQuiet needs CloseAfter")
	case f.ForgetSilent && f.ForgetIdle == 0:
		return errors.New("target: ForgetSilent needs ForgetIdle")
	case h2 && f.connFaults():
		return errors.New("target: idle-close, close-after, drop-after and forget-idle act on HTTP/1.1 connections: not with HTTP/2")
	}
	return nil
}

// Describe lists the active faults in words, "" when there are none.
func (f Faults) Describe() string {
	var parts []string
	add := func(format string, args ...any) { parts = append(parts, fmt.Sprintf(format, args...)) }
	if f.IdleClose > 0 {
		add("connections idle for %v are closed", f.IdleClose)
	}
	if f.CloseAfter > 0 {
		how := "with Connection: close"
		if f.CloseQuiet {
			how = "without Connection: close"
		}
		add("connections close after %d requests (%s)", f.CloseAfter, how)
	}
	if f.DropAfter > 0 {
		add("request %d on each connection is dropped unanswered", f.DropAfter)
	}
	if f.ForgetIdle > 0 {
		how := "a reset"
		if f.ForgetSilent {
			how = "silence"
		}
		add("connections idle for %v are forgotten without a FIN (their next request gets %s)", f.ForgetIdle, how)
	}
	if f.Reset > 0 {
		add("%g of responses to / are reset mid-body", f.Reset)
	}
	if f.SlowHeaders > 0 {
		add("the final header comes %v after a 103", f.SlowHeaders)
	}
	if f.Trickle > 0 {
		add("the body of / trickles at %d bytes/s", f.Trickle)
	}
	return strings.Join(parts, "; ")
}
