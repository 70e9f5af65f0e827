package server

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseStall(t *testing.T) {
	tests := []struct {
		in   string
		want Stall
		err  string
	}{
		{"2s:500ms", Stall{2 * time.Second, 500 * time.Millisecond}, ""},
		{" 1m : 1s ", Stall{time.Minute, time.Second}, ""},
		{"2s", Stall{}, "want EVERY:FOR"},
		{"", Stall{}, "want EVERY:FOR"},
		{"x:1s", Stall{}, "EVERY \"x\" is not a duration"},
		{"2s:y", Stall{}, "FOR \"y\" is not a duration"},
		{"1s:1s", Stall{}, "FOR must be shorter than EVERY"},
		{"1s:2s", Stall{}, "FOR must be shorter than EVERY"},
		{"0s:0s", Stall{}, "positive"},
		{"-1s:1s", Stall{}, "positive"},
	}
	for _, tc := range tests {
		got, err := ParseStall(tc.in)
		if tc.err == "" && (err != nil || got != tc.want) {
			t.Errorf("ParseStall(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "\n")) {
			t.Errorf("ParseStall(%q) error = %v, want one line containing %q", tc.in, err, tc.err)
		}
	}
	if s := (Stall{2 * time.Second, 500 * time.Millisecond}).String(); s != "2s:500ms" {
		t.Errorf("String = %q", s)
	}
}

func TestParseFail(t *testing.T) {
	tests := []struct {
		in         string
		wantRate   float64
		wantStatus int
		err        string
	}{
		{"0.1", 0.1, 503, ""},
		{"0.1:500", 0.1, 500, ""},
		{"1:429", 1, 429, ""},
		{"0", 0, 503, ""},
		{"1.5", 0, 0, "FRACTION must be a number in [0,1]"},
		{"-0.1", 0, 0, "FRACTION"},
		{"x", 0, 0, "FRACTION"},
		{"NaN", 0, 0, "FRACTION"},
		{"0.1:abc", 0, 0, "STATUS must be an HTTP status in 200..599"},
		{"0.1:99", 0, 0, "STATUS"},
		{"0.1:600", 0, 0, "STATUS"},
	}
	for _, tc := range tests {
		rate, status, err := ParseFail(tc.in)
		if tc.err == "" && (err != nil || rate != tc.wantRate || status != tc.wantStatus) {
			t.Errorf("ParseFail(%q) = %v, %v, %v; want %v, %v", tc.in, rate, status, err, tc.wantRate, tc.wantStatus)
		}
		if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("ParseFail(%q) error = %v, want one containing %q", tc.in, err, tc.err)
		}
	}
}

func TestFailRule(t *testing.T) {
	tests := []struct {
		rate float64
		p, q uint64
	}{
		{0, 0, 0}, {1, 1, 1}, {0.25, 1, 4}, {0.1, 1, 10}, {0.3, 3, 10}, {1.0 / 3, 1, 3},
		{2.0 / 3, 2, 3}, {0.999, 999, 1000}, {0.05, 1, 20}, {0.7, 7, 10}, {1e-9, 1, 1_000_000_000}, {1.0 / 7, 1, 7}, {0.123456789, 123456789, 1_000_000_000}, {1e-12, 0, 0},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.rate), func(t *testing.T) {
			f := newFailRule(tc.rate)
			if f.p != tc.p || f.q != tc.q {
				t.Fatalf("newFailRule(%v) = %d/%d, want %d/%d", tc.rate, f.p, f.q, tc.p, tc.q)
			}
			// Exactly floor(n*p/q) of the first n requests fail, for every n.
			var fails uint64
			for k := uint64(1); k <= 3000; k++ {
				if f.fails(k) {
					fails++
				}
				if tc.q != 0 && fails != k*tc.p/tc.q || tc.q == 0 && fails != 0 {
					t.Fatalf("%d failures in the first %d requests", fails, k)
				}
			}
		})
	}
	// No overflow far out.
	f := newFailRule(0.5)
	if !f.fails(1<<63) || f.fails(1<<63-1) {
		t.Error("fails near 2^63 is wrong")
	}
}

func TestParseCloseAfter(t *testing.T) {
	tests := []struct {
		in    string
		n     int
		quiet bool
		err   string
	}{
		{"100", 100, false, ""},
		{"1:quiet", 1, true, ""},
		{" 7 : quiet ", 7, true, ""},
		{"0", 0, false, "≥ 1"},
		{"x", 0, false, "whole number"},
		{"5:", 0, false, "empty mode"},
		{"5:loud", 0, false, "is not quiet"},
	}
	for _, tc := range tests {
		n, quiet, err := ParseCloseAfter(tc.in)
		if tc.err == "" && (err != nil || n != tc.n || quiet != tc.quiet) {
			t.Errorf("ParseCloseAfter(%q) = %d, %v, %v; want %d, %v", tc.in, n, quiet, err, tc.n, tc.quiet)
		}
		if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("ParseCloseAfter(%q) error = %v, want one containing %q", tc.in, err, tc.err)
		}
	}
}

func TestParseForgetIdle(t *testing.T) {
	tests := []struct {
		in     string
		d      time.Duration
		silent bool
		err    string
	}{
		{"1s", time.Second, false, ""},
		{"1s:rst", time.Second, false, ""},
		{"500ms:silent", 500 * time.Millisecond, true, ""},
		{"0s", 0, false, "positive"},
		{"x", 0, false, "positive duration"},
		{"1s:", 0, false, "empty mode"},
		{"1s:loud", 0, false, "neither rst nor silent"},
	}
	for _, tc := range tests {
		d, silent, err := ParseForgetIdle(tc.in)
		if tc.err == "" && (err != nil || d != tc.d || silent != tc.silent) {
			t.Errorf("ParseForgetIdle(%q) = %v, %v, %v; want %v, %v", tc.in, d, silent, err, tc.d, tc.silent)
		}
		if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("ParseForgetIdle(%q) error = %v, want one containing %q", tc.in, err, tc.err)
		}
	}
}

// FuzzParseFaults checks that the fault parsers never panic, return one
// line on error, and accept only what Validate accepts.
func FuzzParseFaults(f *testing.F) {
	for _, s := range []string{"100", "100:quiet", "1s", "1s:silent", "1s:rst", "", ":", "-1", "1e9", "9999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, quiet, err := ParseCloseAfter(s); err == nil {
			if e := (Config{Faults: Faults{CloseAfter: n, CloseQuiet: quiet}}).Validate(); e != nil {
				t.Errorf("ParseCloseAfter(%q) = %d, %v, which Validate rejects: %v", s, n, quiet, e)
			}
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseCloseAfter(%q): a multi-line error", s)
		}
		if d, silent, err := ParseForgetIdle(s); err == nil {
			if e := (Config{Faults: Faults{ForgetIdle: d, ForgetSilent: silent}}).Validate(); e != nil {
				t.Errorf("ParseForgetIdle(%q) = %v, %v, which Validate rejects: %v", s, d, silent, e)
			}
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseForgetIdle(%q): a multi-line error", s)
		}
	})
}
