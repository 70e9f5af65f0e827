package loadgen

import (
	"testing"
	"time"
)

func TestPacerIntendedTimes(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		rate float64
		n    int
	}{
		{10, 50}, {200, 1000}, {3, 30}, {10000, 100000}, {20000, 40000},
	}
	for _, tt := range tests {
		p := NewPacer(start, tt.rate)
		var last time.Time
		for i := range tt.n {
			got := p.Next()
			want := start.Add(time.Duration(float64(i) / tt.rate * float64(time.Second)))
			if d := got.Sub(want); d < -time.Microsecond || d > time.Microsecond {
				t.Fatalf("rate %v: arrival %d due %v after start, want %v", tt.rate, i, got.Sub(start), want.Sub(start))
			}
			if i > 0 && !got.After(last) {
				t.Fatalf("rate %v: arrival %d not after arrival %d", tt.rate, i, i-1)
			}
			last = got
		}
	}
}
