package server

import (
	"math"
	"strings"
	"testing"
)

// The fuzz tests run their seed corpora (testdata/fuzz/FuzzXxx) with go
// test; go test -fuzz=FuzzXxx explores further.

// FuzzParseStall checks that --stall parses to 0 < FOR < EVERY, which
// validates and reads back from its String, or fails with one line.
func FuzzParseStall(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		st, err := ParseStall(s)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("error spans lines: %q", err)
			}
			return
		}
		if st.For <= 0 || st.For >= st.Every || st.validate() != nil {
			t.Fatalf("ParseStall(%q) = %v", s, st)
		}
		if again, err := ParseStall(st.String()); err != nil || again != st {
			t.Errorf("ParseStall(%q) = %v, whose String %q reads back as %v, %v", s, st, st.String(), again, err)
		}
		at := st.For / 2 // half-way into the first stall, or the second when it fits
		if st.Every <= math.MaxInt64-st.For {
			at += st.Every
		}
		if r := st.remaining(at); r <= 0 || r > st.For {
			t.Errorf("%v: remaining half-way into a stall = %v", st, r)
		}
	})
}

// FuzzParseFail checks that --fail parses to a fraction in [0,1] and a
// status in 200..599, whose rule fails exactly floor(n·p/q) of the first n
// requests, or fails with one line.
func FuzzParseFail(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		rate, status, err := ParseFail(s)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("error spans lines: %q", err)
			}
			return
		}
		if !(rate >= 0 && rate <= 1) || status < 200 || status > 599 {
			t.Fatalf("ParseFail(%q) = %v, %d", s, rate, status)
		}
		rule := newFailRule(rate)
		if rule.q != 0 && rule.p > rule.q {
			t.Fatalf("rate %v: rule %d/%d above 1", rate, rule.p, rule.q)
		}
		var failed uint64
		for k := uint64(1); k <= 1000; k++ {
			if rule.fails(k) {
				failed++
			}
		}
		if rule.q != 0 && failed != rule.floor(1000) {
			t.Errorf("rate %v (%d/%d): %d of 1000 failed, want %d", rate, rule.p, rule.q, failed, rule.floor(1000))
		}
	})
}
