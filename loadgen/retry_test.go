package loadgen_test

import (
	"maps"
	"testing"
	"time"

	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/trace"
)

func TestParseRetryOn(t *testing.T) {
	timeouts := []trace.ErrorClass{trace.ErrTimeout, trace.ErrDialTimeout, trace.ErrTLSTimeout, trace.ErrHeaderTimeout}
	tests := []struct {
		in           string
		wantStatuses []int
		wantClasses  []trace.ErrorClass
		wantErr      bool
	}{
		{"503", []int{503}, nil, false},
		{"502,503,504", []int{502, 503, 504}, nil, false},
		// A stale connection fails with a reset or an EOF: both include it.
		{" 429 , reset ", []int{429}, []trace.ErrorClass{trace.ErrReset, trace.ErrStale}, false},
		{"eof,refused", nil, []trace.ErrorClass{trace.ErrEOF, trace.ErrStale, trace.ErrRefused}, false},
		{"stale", nil, []trace.ErrorClass{trace.ErrStale}, false},
		{"timeout", nil, timeouts, false},
		{loadgen.DefaultRetryOn, []int{502, 503, 504}, append([]trace.ErrorClass{trace.ErrReset, trace.ErrStale}, timeouts...), false},
		{"100,599", []int{100, 599}, nil, false},
		{"", nil, nil, true},
		{"99", nil, nil, true},
		{"600", nil, nil, true},
		{"5xx", nil, nil, true},
		{"503,", nil, nil, true},
		{"Reset", nil, nil, true},
		{"dns", nil, nil, true},
		{"503;504", nil, nil, true},
	}
	for _, tt := range tests {
		statuses, classes, err := loadgen.ParseRetryOn(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseRetryOn(%q) = %v, %v; want an error", tt.in, statuses, classes)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseRetryOn(%q): %v", tt.in, err)
			continue
		}
		wantS := map[int]bool{}
		for _, s := range tt.wantStatuses {
			wantS[s] = true
		}
		wantC := map[trace.ErrorClass]bool{}
		for _, c := range tt.wantClasses {
			wantC[c] = true
		}
		if !maps.Equal(statuses, wantS) || !maps.Equal(classes, wantC) {
			t.Errorf("ParseRetryOn(%q) = %v, %v; want %v, %v", tt.in, statuses, classes, wantS, wantC)
		}
	}
}

func TestParseBackoff(t *testing.T) {
	tests := []struct {
		in        string
		base, max time.Duration
		wantErr   bool
	}{
		{"50ms", 50 * time.Millisecond, 1600 * time.Millisecond, false},
		{"1ms", time.Millisecond, 32 * time.Millisecond, false},
		{"50ms:2s", 50 * time.Millisecond, 2 * time.Second, false},
		{"10ms:10ms", 10 * time.Millisecond, 10 * time.Millisecond, false},
		{"", 0, 0, true},
		{"50", 0, 0, true},
		{"0s", 0, 0, true},
		{"-1ms", 0, 0, true},
		{"abc", 0, 0, true},
		{"50ms:", 0, 0, true},
		{"50ms:abc", 0, 0, true},
		{"50ms:10ms", 0, 0, true},
		{":2s", 0, 0, true},
	}
	for _, tt := range tests {
		base, maxDelay, err := loadgen.ParseBackoff(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseBackoff(%q) error %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && (base != tt.base || maxDelay != tt.max) {
			t.Errorf("ParseBackoff(%q) = %v, %v; want %v, %v", tt.in, base, maxDelay, tt.base, tt.max)
		}
	}
}
