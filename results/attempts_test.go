package results

import (
	"maps"
	"slices"
	"testing"
	"time"
)

func TestMergeFaults(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	mk := func(sent, stale int64, msgs ...string) *Profile {
		return &Profile{
			Name: "p", Started: t0, Ended: t0.Add(time.Second), DurationS: 1,
			Errors:    Errors{ByClass: map[string]int64{"stale": stale}, Total: stale, Examples: map[string][]string{"stale": msgs}},
			Attempts:  &Attempts{Sent: sent, TransportRetries: stale, Retried: map[string]int64{"stale": stale}},
			Abandoned: 1,
			Rate:      &Rate{Target: 10, NotSent: 2},
			Server:    &ServerCounts{Read: sent, Stale: stale, ClosedBy: map[string]int64{"forget_idle": stale}},
		}
	}
	out, err := MergeProfiles(mk(10, 2, "a", "b"), mk(5, 1, "b", "c", "d"))
	if err != nil {
		t.Fatal(err)
	}
	if a := out.Attempts; a.Sent != 15 || a.TransportRetries != 3 || a.Retried["stale"] != 3 {
		t.Errorf("attempts %+v", a)
	}
	if out.Abandoned != 2 || out.Rate.NotSent != 4 {
		t.Errorf("abandoned %d, not sent %d; want 2 and 4", out.Abandoned, out.Rate.NotSent)
	}
	if s := out.Server; s.Read != 15 || s.Stale != 3 || !maps.Equal(s.ClosedBy, map[string]int64{"forget_idle": 3}) {
		t.Errorf("server %+v", s)
	}
	if got := out.Errors.Examples["stale"]; !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("examples %q, want three distinct ones", got)
	}
}
