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
// fails in a way listed in On, sleeping an exponential backoff with full
// jitter between attempts (Base·2^attempt, at most Cap).
type Retry struct {
	Max       int
	Statuses  map[int]bool
	Classes   map[trace.ErrorClass]bool
	Base, Cap time.Duration
}

// DefaultRetryOn is the retry-on list used when a profile sets retries but not retry-on.
const DefaultRetryOn = "502,503,504,reset,timeout"

// ParseRetryOn parses a retry-on list: HTTP statuses and the words reset,
// timeout, eof, refused.
func ParseRetryOn(s string) (map[int]bool, map[trace.ErrorClass]bool, error) {
	statuses := map[int]bool{}
	classes := map[trace.ErrorClass]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch f {
		case "reset":
			classes[trace.ErrReset] = true
		case "eof":
			classes[trace.ErrEOF] = true
		case "refused":
			classes[trace.ErrRefused] = true
		case "timeout":
			for _, c := range []trace.ErrorClass{trace.ErrTimeout, trace.ErrDialTimeout, trace.ErrTLSTimeout, trace.ErrHeaderTimeout} {
				classes[c] = true
			}
		default:
			code, err := strconv.Atoi(f)
			if err != nil || code < 100 || code > 599 {
				return nil, nil, fmt.Errorf("retry-on: %q is not a status (100-599) nor one of reset, timeout, eof, refused", f)
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

// retryable reports whether an attempt ending as s should be retried.
func (r *Retry) retryable(s *trace.Sample) bool {
	if r.Max == 0 {
		return false
	}
	if s.Status != 0 {
		return r.Statuses[s.Status]
	}
	return r.Classes[s.Err]
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
