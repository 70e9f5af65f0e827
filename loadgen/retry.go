package loadgen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/reusebench/reusebench/trace"
)

// Retry is a profile's retry policy: up to Max more attempts when an attempt
// fails in a way listed in Statuses or Classes, sleeping an exponential
// backoff with full jitter between attempts (Base·2^attempt, at most Cap),
// or the response's Retry-After when that is longer (a Retry-After beyond
// Cap ends the request instead). Requests whose method is not idempotent
// are retried only with Unsafe.
type Retry struct {
	Max       int
	Statuses  map[int]bool
	Classes   map[trace.ErrorClass]bool
	Base, Cap time.Duration
	// Unsafe retries requests whose method is not idempotent (POST, PATCH,
	// CONNECT) and that carry no Idempotency-Key header.
	Unsafe bool
}

// DefaultRetryOn is the retry-on list used when a profile sets retries but not retry-on.
const DefaultRetryOn = "502,503,504,reset,timeout"

// ParseRetryOn parses a retry-on list: HTTP statuses and the words reset,
// timeout, eof, refused, stale. A stale connection fails with a reset or an
// EOF, so reset and eof include stale.
func ParseRetryOn(s string) (map[int]bool, map[trace.ErrorClass]bool, error) {
	statuses := map[int]bool{}
	classes := map[trace.ErrorClass]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch f {
		case "reset":
			classes[trace.ErrReset], classes[trace.ErrStale] = true, true
		case "eof":
			classes[trace.ErrEOF], classes[trace.ErrStale] = true, true
		case "stale":
			classes[trace.ErrStale] = true
		case "refused":
			classes[trace.ErrRefused] = true
		case "timeout":
			for _, c := range []trace.ErrorClass{trace.ErrTimeout, trace.ErrDialTimeout, trace.ErrTLSTimeout, trace.ErrHeaderTimeout} {
				classes[c] = true
			}
		default:
			code, err := strconv.Atoi(f)
			if err != nil || code < 100 || code > 599 {
				return nil, nil, fmt.Errorf("retry-on: %q is not a status (100-599) nor one of reset, timeout, eof, refused, stale", f)
			}
			statuses[code] = true
		}
	}
	return statuses, classes, nil
}

// ParseBackoff parses BASE[:MAX] ("50ms:2s"); MAX defaults to 32×BASE.
func ParseBackoff(s string) (base, maxDelay time.Duration, err error) {
	b, m, hasMax := strings.Cut(s, ":")
	base, err = time.ParseDuration(b)
	if err != nil || base <= 0 {
		return 0, 0, fmt.Errorf("backoff: %q: want BASE[:MAX] durations, e.g. 50ms:2s", s)
	}
	maxDelay = 32 * base
	if base > math.MaxInt64/32 { // 32×BASE would overflow
		maxDelay = math.MaxInt64
	}
	if hasMax {
		maxDelay, err = time.ParseDuration(m)
		if err != nil || maxDelay < base {
			return 0, 0, fmt.Errorf("backoff: %q: MAX must be a duration of at least BASE", s)
		}
	}
	return base, maxDelay, nil
}

// retryable reports whether an attempt of t ending as s should be retried.
func (r *Retry) retryable(s *trace.Sample, t *Target) bool {
	if r.Max == 0 || !r.Unsafe && !idempotent(t) {
		return false
	}
	if s.Status != 0 && (s.Err == trace.ErrNone || s.Err == trace.ErrHTTP4xx || s.Err == trace.ErrHTTP5xx) {
		return r.Statuses[s.Status]
	}
	return r.Classes[s.Err]
}

// idempotent reports whether sending t twice is safe (RFC 9110 §9.2.2):
// GET, HEAD, OPTIONS, TRACE, PUT and DELETE are, and so is a request with an
// Idempotency-Key header.
func idempotent(t *Target) bool {
	switch t.Method {
	case "", "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return true
	}
	return t.Header.Get("Idempotency-Key") != "" || t.Header.Get("X-Idempotency-Key") != ""
}

// wait returns the sleep before attempt+1 (attempt counts from 0): the
// backoff, or retryAfter when that is longer. It returns false when
// retryAfter is longer than Cap: the server asked for more patience than
// the policy has, and the request ends instead.
func (r *Retry) wait(attempt int, retryAfter time.Duration) (time.Duration, bool) {
	if retryAfter > r.Cap {
		return 0, false
	}
	return max(r.backoff(attempt), retryAfter), true
}

// backoff returns the sleep before attempt+1 (attempt counts from 0).
func (r *Retry) backoff(attempt int) time.Duration {
	d := r.Cap // BASE·2^attempt, at most Cap, without overflow
	if n := min(max(attempt, 0), 62); r.Base > 0 && r.Base <= r.Cap>>n {
		d = r.Base << n
	}
	if d <= 0 {
		return 0
	}
	if d == math.MaxInt64 {
		return time.Duration(rand.Int64N(int64(d)))
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}
