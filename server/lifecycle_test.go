package server

import (
	"context"
	"errors"
	"io"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestReset(t *testing.T) {
	s := startServer(t, Config{})
	tr := &http.Transport{}
	c := &http.Client{Transport: tr}
	for range 3 {
		get(t, c, s.URL()+"/")
	}
	s.Reset()
	checkCounts(t, s.Counts(), Counts{Open: 1})
	// The connection from before the Reset keeps serving and its requests
	// count, but it never counts as accepted or closed.
	for range 2 {
		get(t, c, s.URL()+"/")
	}
	tr.CloseIdleConnections()
	if err := s.WaitOpen(waitCtx(t), 0); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, s.Counts(), Counts{
		Requests: 2, MaxPerConn: 2,
		Statuses:  map[int]int64{200: 2},
		Protocols: map[string]int64{"HTTP/1.1": 2},
	})
	get(t, c, s.URL()+"/")
	got := closeAndWait(t, s, tr)
	checkCounts(t, got, Counts{
		Accepted: 1, Closed: 1, Requests: 3, MaxPerConn: 2,
		Statuses:  map[int]int64{200: 3},
		BySource:  map[string]int64{"127.0.0.1": 1},
		Protocols: map[string]int64{"HTTP/1.1": 3},
	})
}

func TestWaitClosedContext(t *testing.T) {
	s := startServer(t, Config{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := s.WaitClosed(ctx, 1)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "closed 0") {
		t.Errorf("WaitClosed with a cancelled context = %v, want context.Canceled quoting the counts", err)
	}
	if err := s.WaitOpen(ctx, 0); err != nil {
		t.Errorf("WaitOpen(0) with nothing open = %v", err)
	}
}

func TestConcurrentCounts(t *testing.T) {
	const workers, each = 8, 50
	s := startServer(t, Config{FailRate: 0.1})
	tr := &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}
	c := &http.Client{Transport: tr}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				path := []string{"/", "/echo", "/missing"}[(w+i)%3]
				resp, err := c.Get(s.URL() + path)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	got := closeAndWait(t, s, tr)
	var sum int64
	for _, v := range got.Statuses {
		sum += v
	}
	if got.Requests != workers*each || sum != got.Requests || got.Accepted > workers ||
		got.Accepted != got.Closed || got.Open != 0 || got.Active != 0 {
		t.Errorf("counts %+v: want %d requests, statuses summing to them, at most %d connections, all closed",
			got, workers*each, workers)
	}
	// Worker w sends paths (w+i)%3 for i in 0..49: 50 consecutive residues
	// from w%3, so the residues w%3 and (w+1)%3 get 17 requests and (w+2)%3
	// gets 16. Over w = 0..7 (w%3 = 0,1,2,0,1,2,0,1):
	//   "/"        (0): 16 for w%3 == 1 (w = 1, 4, 7), 17 for the other 5: 133
	//   "/echo"    (1): 16 for w%3 == 2 (w = 2, 5),    17 for the other 6: 134
	//   "/missing" (2): 16 for w%3 == 0 (w = 0, 3, 6), 17 for the other 5: 133
	// FailRate 0.1 fails exactly floor(133/10) = 13 of the 133 requests to
	// "/" with the default 503; the other 120 and every /echo answer 200
	// (120 + 134 = 254); every /missing is a 404 (133). 254 + 13 + 133 = 400.
	want := map[int]int64{200: 254, 503: 13, 404: 133}
	if !maps.Equal(got.Statuses, want) {
		t.Errorf("statuses %v, want exactly %v (133 to /, 13 of them failed; 134 to /echo; 133 to /missing)", got.Statuses, want)
	}
}
