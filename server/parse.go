package server

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// Stall makes the server answer nothing for For at the start of every
// Every: requests that arrive, or would be answered, in a stall window are
// held until the window ends, then released together. Windows are
// [k*Every, k*Every+For) measured from the server's start. A zero Every
// means no stalls; otherwise 0 < For < Every.
type Stall struct {
	Every, For time.Duration
}

// String formats st as ParseStall reads it ("2s:500ms"), or "none".
func (st Stall) String() string {
	if st.Every == 0 {
		return "none"
	}
	return st.Every.String() + ":" + st.For.String()
}

// validate reports a Stall that is neither zero nor 0 < For < Every.
func (st Stall) validate() error {
	switch {
	case st.Every == 0 && st.For == 0:
		return nil
	case st.Every <= 0 || st.For <= 0:
		return fmt.Errorf("target: stall %v: EVERY and FOR must both be positive", st)
	case st.For >= st.Every:
		return fmt.Errorf("target: stall %v: FOR (%v) must be shorter than EVERY (%v)", st, st.For, st.Every)
	}
	return nil
}

// remaining returns how long a request at elapsed since the start must
// wait for the current stall window to end (0 outside a window).
func (st Stall) remaining(elapsed time.Duration) time.Duration {
	if st.Every <= 0 || st.For <= 0 || elapsed < 0 {
		return 0
	}
	if off := elapsed % st.Every; off < st.For {
		return st.For - off
	}
	return 0
}

// ParseStall parses "EVERY:FOR", such as "2s:500ms" (stall 500ms at the
// start of every 2s). Both are Go durations, both positive, FOR < EVERY.
func ParseStall(s string) (Stall, error) {
	every, dur, ok := strings.Cut(s, ":")
	if !ok {
		return Stall{}, fmt.Errorf("stall %q: want EVERY:FOR, two durations such as 2s:500ms", s)
	}
	e, err := time.ParseDuration(strings.TrimSpace(every))
	if err != nil {
		return Stall{}, fmt.Errorf("stall %q: EVERY %q is not a duration (want EVERY:FOR such as 2s:500ms)", s, every)
	}
	f, err := time.ParseDuration(strings.TrimSpace(dur))
	if err != nil {
		return Stall{}, fmt.Errorf("stall %q: FOR %q is not a duration (want EVERY:FOR such as 2s:500ms)", s, dur)
	}
	st := Stall{Every: e, For: f}
	switch {
	case e <= 0 || f <= 0:
		return Stall{}, fmt.Errorf("stall %q: EVERY and FOR must both be positive (e.g. 2s:500ms)", s)
	case f >= e:
		return Stall{}, fmt.Errorf("stall %q: FOR must be shorter than EVERY (e.g. 2s:500ms)", s)
	}
	return st, nil
}

// ParseFail parses "FRACTION[:STATUS]", such as "0.1" or "0.1:503": the
// fraction of requests to "/" to fail, in [0,1], and their status, in
// 200..599 (503 when omitted).
func ParseFail(s string) (rate float64, status int, err error) {
	frac, st, hasStatus := strings.Cut(s, ":")
	rate, err = strconv.ParseFloat(strings.TrimSpace(frac), 64)
	if err != nil || rate < 0 || rate > 1 || math.IsNaN(rate) {
		return 0, 0, fmt.Errorf("fail %q: FRACTION must be a number in [0,1] (want FRACTION[:STATUS] such as 0.1:503)", s)
	}
	status = 503
	if hasStatus {
		status, err = strconv.Atoi(strings.TrimSpace(st))
		if err != nil || status < 200 || status > 599 {
			return 0, 0, fmt.Errorf("fail %q: STATUS must be an HTTP status in 200..599 (want FRACTION[:STATUS] such as 0.1:503)", s)
		}
	}
	return rate, status, nil
}

// failRule decides which requests fail: request k (from 1) fails when
// floor(k*p/q) != floor((k-1)*p/q), so exactly floor(n*p/q) of the first n
// do. p/q is the rate as a fraction, so 0.1 fails exactly 1 in 10 and 1/3.0
// exactly 1 in 3, with no floating-point drift. q == 0 never fails.
type failRule struct{ p, q uint64 }

// maxFailDen bounds the denominator of a failRule.
const maxFailDen = 1_000_000_000

// newFailRule returns the rule for rate: its shortest decimal form when
// that has at most 9 decimals (0.1 = 1/10), else the first continued-
// fraction convergent within 1e-12 (relative) of it (1/3.0 = 1/3), else the
// last one with a denominator up to 1e9.
func newFailRule(rate float64) failRule {
	switch {
	case !(rate > 0):
		return failRule{}
	case rate >= 1:
		return failRule{1, 1}
	}
	if dec := strconv.FormatFloat(rate, 'f', -1, 64); len(dec) <= len("0.")+9 {
		p, err := strconv.ParseUint(strings.TrimPrefix(dec, "0."), 10, 64)
		if err == nil && p > 0 {
			q := uint64(1)
			for range len(dec) - len("0.") {
				q *= 10
			}
			g := gcd(p, q)
			return failRule{p / g, q / g}
		}
	}
	h0, h1 := uint64(0), uint64(1) // numerators of the previous two convergents
	k0, k1 := uint64(1), uint64(0) // denominators
	x := rate
	for range 64 {
		a := math.Floor(x)
		if a > maxFailDen {
			break
		}
		ai := uint64(a)
		h2, k2 := ai*h1+h0, ai*k1+k0
		if k2 > maxFailDen {
			break
		}
		h0, h1, k0, k1 = h1, h2, k1, k2
		frac := x - a
		if math.Abs(float64(h2)/float64(k2)-rate) <= 1e-12*rate || frac == 0 {
			break
		}
		x = 1 / frac
	}
	if k1 == 0 || h1 == 0 {
		return failRule{}
	}
	return failRule{h1, k1}
}

// fails reports whether request k (from 1) fails.
func (f failRule) fails(k uint64) bool {
	if f.q == 0 || k == 0 {
		return false
	}
	return f.floor(k) != f.floor(k-1)
}

// floor returns floor(k*p/q) without overflow (p <= q, so it fits).
func (f failRule) floor(k uint64) uint64 {
	hi, lo := bits.Mul64(k, f.p)
	quo, _ := bits.Div64(hi, lo, f.q)
	return quo
}

// gcd returns the greatest common divisor of a and b.
func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// ParseCloseAfter parses "N[:quiet]", such as "100" or "100:quiet": close
// each connection after N requests (N ≥ 1), with "Connection: close" on the
// last response, or quietly (a FIN after it, no header).
func ParseCloseAfter(s string) (n int, quiet bool, err error) {
	num, mode, hasMode := strings.Cut(s, ":")
	n, err = strconv.Atoi(strings.TrimSpace(num))
	if err != nil || n < 1 {
		return 0, false, fmt.Errorf("close-after %q: N must be a whole number ≥ 1 (want N[:quiet] such as 100 or 100:quiet)", s)
	}
	switch strings.TrimSpace(mode) {
	case "":
		if hasMode {
			return 0, false, fmt.Errorf("close-after %q: empty mode (want N[:quiet] such as 100:quiet)", s)
		}
	case "quiet":
		quiet = true
	default:
		return 0, false, fmt.Errorf("close-after %q: mode %q is not quiet (want N[:quiet] such as 100:quiet)", s, mode)
	}
	return n, quiet, nil
}

// ParseForgetIdle parses "DURATION[:rst|:silent]", such as "1s" or
// "1s:silent": forget connections idle for DURATION (> 0), answering their
// next request with a reset (the default) or with silence.
func ParseForgetIdle(s string) (d time.Duration, silent bool, err error) {
	dur, mode, hasMode := strings.Cut(s, ":")
	d, err = time.ParseDuration(strings.TrimSpace(dur))
	if err != nil || d <= 0 {
		return 0, false, fmt.Errorf("forget-idle %q: DURATION must be a positive duration (want DURATION[:rst|:silent] such as 1s or 1s:silent)", s)
	}
	switch strings.TrimSpace(mode) {
	case "rst":
	case "silent":
		silent = true
	case "":
		if hasMode {
			return 0, false, fmt.Errorf("forget-idle %q: empty mode (want DURATION[:rst|:silent] such as 1s:silent)", s)
		}
	default:
		return 0, false, fmt.Errorf("forget-idle %q: mode %q is neither rst nor silent (want DURATION[:rst|:silent])", s, mode)
	}
	return d, silent, nil
}
