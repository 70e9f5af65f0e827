package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestLabelInterleaving(t *testing.T) {
	s := startServer(t, Config{})
	a := newProfileClient(&http.Transport{})
	b := newProfileClient(&http.Transport{})
	// The rounds of two profiles, interleaved as a run does. Each profile
	// keeps its connections open across its rounds, and each round sets
	// its profile's label first.
	const keep = "" // no SetLabel before the round
	rounds := []struct {
		setLabel string
		client   *profileClient
		newConns int // opened by the round's first requests, one each
		more     int // then sent one by one over the kept connections
	}{
		{"a", a, 2, 1},
		{"b", b, 1, 1},
		{"a", a, 0, 4},
		{"b", b, 0, 1},
	}
	for _, r := range rounds {
		if r.setLabel != keep {
			s.SetLabel(r.setLabel)
		}
		if r.newConns > 0 {
			r.client.open(t, s, r.newConns)
		}
		r.client.get(t, s, r.more)
	}
	a.tr.CloseIdleConnections()
	b.tr.CloseIdleConnections()
	waitLabelClosed(t, s, "a", 2)
	waitLabelClosed(t, s, "b", 1)

	// a: 2 connections, opened in its first round with one request each,
	// then 1 + 4 requests over them: 7 requests, all 200 over HTTP/1.1; both
	// connections closed, neither unused. How the 5 later requests spread
	// over the 2 connections is the Transport's choice: the client's trace
	// tells MaxPerConn.
	// b: 1 connection, opened with one request, then 1 + 1 over it: 3
	// requests, all on that connection (MaxPerConn 3); closed, not unused.
	aConns, aMax := a.maxPerConn()
	bConns, bMax := b.maxPerConn()
	if aConns != 2 || bConns != 1 || bMax != 3 {
		t.Fatalf("client side: a used %d connections, b used %d with at most %d requests on one; want 2, 1 and 3",
			aConns, bConns, bMax)
	}
	tests := []struct {
		label string
		want  Counts
	}{
		{"a", Counts{
			Accepted: 2, Closed: 2, Requests: 7, Unused: 0, MaxPerConn: aMax,
			Statuses: map[int]int64{200: 7}, BySource: map[string]int64{"127.0.0.1": 2},
			Protocols: map[string]int64{"HTTP/1.1": 7},
		}},
		{"b", Counts{
			Accepted: 1, Closed: 1, Requests: 3, Unused: 0, MaxPerConn: 3,
			Statuses: map[int]int64{200: 3}, BySource: map[string]int64{"127.0.0.1": 1},
			Protocols: map[string]int64{"HTTP/1.1": 3},
		}},
		{"", Counts{}}, // the default label, never current while a client dialled
		{"never set", Counts{}},
	}
	for _, tc := range tests {
		t.Run("label "+tc.label, func(t *testing.T) {
			checkCounts(t, s.LabelCounts(tc.label), tc.want)
		})
	}
	// The epoch counts are the sum of both.
	checkCounts(t, s.Counts(), Counts{
		Accepted: 3, Closed: 3, Requests: 10, MaxPerConn: max(aMax, 3),
		Statuses: map[int]int64{200: 10}, BySource: map[string]int64{"127.0.0.1": 3},
		Protocols: map[string]int64{"HTTP/1.1": 10},
	})
}

func TestLabelReset(t *testing.T) {
	s := startServer(t, Config{})
	x := newProfileClient(&http.Transport{})
	a := newProfileClient(&http.Transport{})
	a2 := newProfileClient(&http.Transport{})

	x.get(t, s, 1) // before any SetLabel: label ""
	s.SetLabel("a")
	a.get(t, s, 2)
	s.Reset()

	// Counts starts over (both connections stay open); the labels do not.
	checkCounts(t, s.Counts(), Counts{Open: 2})
	beforeReset := Counts{
		Accepted: 1, Active: 1, Open: 1, Requests: 2, MaxPerConn: 2,
		Statuses: map[int]int64{200: 2}, BySource: map[string]int64{"127.0.0.1": 1},
		Protocols: map[string]int64{"HTTP/1.1": 2},
	}
	checkCounts(t, s.LabelCounts("a"), beforeReset)

	// After Reset: one more request on a's kept connection, and a new
	// connection with one request, still labelled "a" (Reset keeps the
	// current label).
	a.get(t, s, 1)
	a2.get(t, s, 1)
	x.tr.CloseIdleConnections()
	a.tr.CloseIdleConnections()
	a2.tr.CloseIdleConnections()
	waitLabelClosed(t, s, "", 1)
	waitLabelClosed(t, s, "a", 2)

	tests := []struct {
		name string
		got  Counts
		want Counts
	}{
		// As before labels: only a2's connection was accepted since Reset;
		// both requests since Reset count, one per connection.
		{"Counts", s.Counts(), Counts{
			Accepted: 1, Closed: 1, Requests: 2, MaxPerConn: 1,
			Statuses: map[int]int64{200: 2}, BySource: map[string]int64{"127.0.0.1": 1},
			Protocols: map[string]int64{"HTTP/1.1": 2},
		}},
		{"label a", s.LabelCounts("a"), Counts{
			Accepted: 2, Closed: 2, Requests: 4, MaxPerConn: 3,
			Statuses: map[int]int64{200: 4}, BySource: map[string]int64{"127.0.0.1": 2},
			Protocols: map[string]int64{"HTTP/1.1": 4},
		}},
		{"default label", s.LabelCounts(""), Counts{
			Accepted: 1, Closed: 1, Requests: 1, MaxPerConn: 1,
			Statuses: map[int]int64{200: 1}, BySource: map[string]int64{"127.0.0.1": 1},
			Protocols: map[string]int64{"HTTP/1.1": 1},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkCounts(t, tc.got, tc.want)
		})
	}
}

func TestWaitLabelClosed(t *testing.T) {
	s := startServer(t, Config{})
	s.SetLabel("a")
	a := newProfileClient(&http.Transport{})
	a.get(t, s, 1)
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		label   string
		n       int64
		wantErr bool
	}{
		{"nothing to wait for", canceled, "never set", 0, false},
		{"label never set", canceled, "never set", 1, true},
		{"open connection", canceled, "a", 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.WaitLabelClosed(tc.ctx, tc.label, tc.n)
			if !tc.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), `labelled "`+tc.label+`"`) {
				t.Fatalf("err = %v, want one wrapping context.Canceled that names label %q", err, tc.label)
			}
		})
	}
	a.tr.CloseIdleConnections()
	waitLabelClosed(t, s, "a", 1)
}

func TestLabelRequestsFollowCurrentLabel(t *testing.T) {
	// A connection accepted under "w" (a warm-up's) and used after
	// SetLabel("a") stays w's connection, but the requests sent over it from
	// then on are a's: w has 1 connection and 1 request, a 0 connections
	// and 2 requests, and no connection of either is unused.
	s := startServer(t, Config{})
	c := newProfileClient(&http.Transport{})
	s.SetLabel("w")
	c.open(t, s, 1)
	s.SetLabel("a")
	c.get(t, s, 2)
	c.tr.CloseIdleConnections()
	waitLabelClosed(t, s, "w", 1)
	checkCounts(t, s.LabelCounts("w"), Counts{Accepted: 1, Closed: 1, Requests: 1, MaxPerConn: 1,
		Statuses: map[int]int64{200: 1}, BySource: map[string]int64{"127.0.0.1": 1},
		Protocols: map[string]int64{"HTTP/1.1": 1}})
	checkCounts(t, s.LabelCounts("a"), Counts{Requests: 2, MaxPerConn: 3,
		Statuses: map[int]int64{200: 2}, BySource: map[string]int64{},
		Protocols: map[string]int64{"HTTP/1.1": 2}})
}
