package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

func TestResetMidBody(t *testing.T) {
	// Half the responses to / are reset after half their body: the client
	// gets a 200, then a reset while it reads. Go does not retry those.
	synctest.Test(t, func(t *testing.T) {
		s, c, tr := pipeClient(t, Config{BodySize: 1000, Faults: Faults{Reset: 0.5}})
		var w wire
		w.attach(tr)
		var ok, resets int
		for i := range 10 {
			code, err := w.do(c, "GET", s.URL()+"/")
			switch {
			case err == nil && code == 200:
				ok++
			case code == 200 && errors.Is(err, syscall.ECONNRESET):
				resets++
			default:
				t.Errorf("GET %d: %d, %v; want 200, or 200 and a reset", i, code, err)
			}
		}
		got := settle(t, s, tr)
		checkWire(t, got, &w)
		if ok != 5 || resets != 5 || got.Reset != 5 || got.Requests != 5 || got.ClosedBy[ReasonReset] != 5 {
			t.Errorf("client %d ok, %d reset; counts %v; want 5 and 5", ok, resets, got)
		}
	})
}

func TestSlowHeaders(t *testing.T) {
	// The 103 comes at once, the final header 2 s later: a 1 s header
	// timeout fires, though the first byte came at once.
	synctest.Test(t, func(t *testing.T) {
		s, c, tr := pipeClient(t, Config{Faults: Faults{SlowHeaders: 2 * time.Second}})
		var first time.Duration
		start := time.Now()
		trace := &httptrace.ClientTrace{GotFirstResponseByte: func() { first = time.Since(start) }}
		req, _ := http.NewRequest("GET", s.URL()+"/", nil)
		resp, err := c.Do(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET: %v, %v", resp, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if total := time.Since(start); first != 0 || total != 2*time.Second {
			t.Errorf("first byte after %v, response after %v; want at once and 2s", first, total)
		}
		tr.ResponseHeaderTimeout = time.Second
		if _, err := c.Get(s.URL() + "/"); err == nil || !strings.Contains(err.Error(), "timeout awaiting response headers") {
			t.Errorf("with a 1s header timeout: %v, want it to fire", err)
		}
		got := settle(t, s, tr)
		if got.Read != 2 || got.Requests != 1 || got.Aborted != 1 {
			t.Errorf("counts %v; want 2 read, 1 answered, 1 aborted", got)
		}
	})
}

func TestTrickle(t *testing.T) {
	// 1000 bytes at 500 bytes/s: the body takes 2 s; a 1 s whole-request
	// timeout fires while reading it.
	synctest.Test(t, func(t *testing.T) {
		s, c, tr := pipeClient(t, Config{BodySize: 1000, Faults: Faults{Trickle: 500}})
		start := time.Now()
		if code, _ := get(t, c, s.URL()+"/"); code != 200 || time.Since(start) != 2*time.Second {
			t.Errorf("GET: %d after %v, want 200 after 2s", code, time.Since(start))
		}
		c.Timeout = time.Second
		resp, err := c.Get(s.URL() + "/")
		if err != nil {
			t.Fatalf("with a 1s timeout: %v, want the header at once", err)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("with a 1s timeout: %v, want the deadline while reading the body", err)
		}
		got := settle(t, s, tr)
		if got.Read != 2 || got.Requests != 2 {
			t.Errorf("counts %v; want 2 read and answered (the second cut short by the client)", got)
		}
	})
}

func TestFailBurstAndRetryAfter(t *testing.T) {
	// A quarter of the requests fail, in runs of 5: requests 16-20 of 20,
	// each with Retry-After: 3.
	synctest.Test(t, func(t *testing.T) {
		s, c, _ := pipeClient(t, Config{FailRate: 0.25, FailStatus: 429, Faults: Faults{FailBurst: 5, RetryAfter: 3}})
		var failed []int
		for i := 1; i <= 20; i++ {
			resp, err := c.Get(s.URL() + "/")
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 429 {
				failed = append(failed, i)
				if ra := resp.Header.Get("Retry-After"); ra != "3" {
					t.Errorf("request %d: Retry-After %q, want 3", i, ra)
				}
			}
		}
		if len(failed) != 5 || failed[0] != 16 || failed[4] != 20 {
			t.Errorf("failed requests %v, want 16 to 20", failed)
		}
	})
}

func TestFaultsValidate(t *testing.T) {
	bad := []struct {
		cfg  Config
		want string
	}{
		{Config{Faults: Faults{Reset: 1.5}}, "fraction"},
		{Config{Faults: Faults{CloseQuiet: true}}, "CloseQuiet needs CloseAfter"},
		{Config{Faults: Faults{ForgetSilent: true}}, "ForgetSilent needs ForgetIdle"},
		{Config{H2C: true, Faults: Faults{DropAfter: 1}}, "HTTP/1.1"},
		{Config{TLS: true, HTTP2: true, Faults: Faults{IdleClose: time.Second}}, "HTTP/1.1"},
		{Config{Faults: Faults{IdleClose: -time.Second}}, "negative"},
		{Config{Faults: Faults{CloseAfter: -1}}, "negative"},
	}
	for _, tc := range bad {
		if err := tc.cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error containing %q", tc.cfg.Faults, err, tc.want)
		}
	}
	all := Faults{IdleClose: time.Second, CloseAfter: 100, DropAfter: 3, Reset: 0.1, SlowHeaders: time.Second,
		Trickle: 1000, ForgetIdle: 2 * time.Second, ForgetSilent: true}
	if err := (Config{TLS: true, Faults: all}).Validate(); err != nil {
		t.Errorf("every fault at once over HTTPS/1.1: %v", err)
	}
	d := all.Describe()
	for _, want := range []string{"idle for 1s are closed", "close after 100 requests (with Connection: close)",
		"request 3", "forgotten without a FIN", "silence", "0.1 of responses", "103", "1000 bytes/s"} {
		if !strings.Contains(d, want) {
			t.Errorf("Describe() = %q, missing %q", d, want)
		}
	}
	if (Faults{}).Describe() != "" {
		t.Error("no faults should describe as empty")
	}
}
