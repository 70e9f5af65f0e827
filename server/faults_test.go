package server

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

func TestDropAfter(t *testing.T) {
	// Request 2 of each connection is read and dropped: Go's transport
	// retries it on a new connection, where it is request 1. The caller
	// sees 10 successes; the target read 1 + 2×9 requests on 10 connections.
	synctest.Test(t, func(t *testing.T) {
		s, c, tr := pipeClient(t, Config{Faults: Faults{DropAfter: 2}})
		var w wire
		w.attach(tr)
		for i := range 10 {
			if code, err := w.do(c, "GET", s.URL()+"/"); code != 200 || err != nil {
				t.Fatalf("GET %d: %d, %v", i, code, err)
			}
		}
		got := settle(t, s, tr)
		checkWire(t, got, &w)
		if got.Read != 19 || got.Requests != 10 || got.Dropped != 9 || got.Accepted != 10 || got.ClosedBy[ReasonDropAfter] != 9 {
			t.Errorf("counts %v; want 19 read, 10 answered, 9 dropped on 10 connections", got)
		}
	})
	// Request 1 dropped: on a new connection Go does not retry; every GET
	// fails with EOF.
	synctest.Test(t, func(t *testing.T) {
		s, c, tr := pipeClient(t, Config{Faults: Faults{DropAfter: 1}})
		var w wire
		w.attach(tr)
		for i := range 3 {
			if _, err := w.do(c, "GET", s.URL()+"/"); !errors.Is(err, io.EOF) {
				t.Errorf("GET %d: %v, want EOF", i, err)
			}
		}
		got := settle(t, s, tr)
		checkWire(t, got, &w)
		if got.Read != 3 || got.Dropped != 3 || got.Requests != 0 {
			t.Errorf("counts %v; want 3 read and dropped", got)
		}
	})
}

func TestCloseAfter(t *testing.T) {
	for _, quiet := range []bool{false, true} {
		name := map[bool]string{false: "with Connection: close", true: "quiet"}[quiet]
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, c, tr := pipeClient(t, Config{Faults: Faults{CloseAfter: 3, CloseQuiet: quiet}})
				var w wire
				w.attach(tr)
				for i := range 9 {
					if code, err := w.do(c, "GET", s.URL()+"/"); code != 200 || err != nil {
						t.Fatalf("GET %d: %d, %v", i, code, err)
					}
				}
				got := settle(t, s, tr)
				checkWire(t, got, &w)
				// Quiet, a GET may cross the FIN: counted stale, retried
				// silently on the new connection it would have opened anyway.
				if got.Requests != 9 || got.MaxPerConn != 3 || got.Accepted != 3 || got.ClosedBy[ReasonCloseAfter] != 3 {
					t.Errorf("counts %v; want 9 answered, 3 a connection, every connection closed after its 3rd", got)
				}
				if !quiet && got.Stale != 0 {
					t.Errorf("%d stale requests despite Connection: close", got.Stale)
				}
			})
		})
	}
}

// rawRequest writes a GET / on a raw connection.
func rawRequest(t *testing.T, bw io.Writer) {
	t.Helper()
	if _, err := io.WriteString(bw, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
}

func TestStaleAfterFIN(t *testing.T) {
	// A client that writes a request after the target's FIN, before it
	// reads it: the target reads it, counts it stale and answers nothing.
	for _, tc := range []struct {
		name string
		f    Faults
		wait time.Duration
	}{
		{"close-after quiet", Faults{CloseAfter: 1, CloseQuiet: true}, 0},
		{"idle-close", Faults{IdleClose: time.Second}, 1500 * time.Millisecond}, // lingering until 2s
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				pl := NewPipeListener()
				s, err := Start(Config{Listener: pl, Faults: tc.f})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				conn, err := pl.DialContext(t.Context(), "tcp", "")
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				br := bufio.NewReader(conn)
				rawRequest(t, conn)
				resp, err := http.ReadResponse(br, nil)
				if err != nil || resp.StatusCode != 200 {
					t.Fatalf("first response: %v, %v", resp, err)
				}
				io.Copy(io.Discard, resp.Body)
				time.Sleep(tc.wait)
				synctest.Wait() // the target has sent its FIN and lingers
				rawRequest(t, conn)
				if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
					t.Errorf("after the FIN: %v, want EOF", err)
				}
				conn.Close()
				if err := s.WaitClosed(t.Context(), 1); err != nil {
					t.Fatal(err)
				}
				got := s.Counts()
				if got.Read != 2 || got.Requests != 1 || got.Stale != 1 || got.ClosedBy[tc.f.reasonWant()] != 1 {
					t.Errorf("counts %v; want 2 read, 1 answered, 1 stale", got)
				}
			})
		})
	}
}

// reasonWant is the close reason of the first fault set in f (for tests).
func (f Faults) reasonWant() string {
	if f.IdleClose > 0 {
		return ReasonIdleClose
	}
	return ReasonCloseAfter
}

func TestIdleClose(t *testing.T) {
	// Go's transport sees the FIN of an idle connection and drops it: the
	// next request opens a new connection, nothing fails, nothing is stale.
	synctest.Test(t, func(t *testing.T) {
		s, c, tr := pipeClient(t, Config{Faults: Faults{IdleClose: time.Second}})
		var w wire
		w.attach(tr)
		for i := range 3 {
			if code, err := w.do(c, "GET", s.URL()+"/"); code != 200 || err != nil {
				t.Fatalf("GET %d: %d, %v", i, code, err)
			}
			time.Sleep(1500 * time.Millisecond)
		}
		got := settle(t, s, tr)
		checkWire(t, got, &w)
		if got.Accepted != 3 || got.Read != 3 || got.Stale != 0 || got.ClosedBy[ReasonIdleClose] != 3 {
			t.Errorf("counts %v; want 3 connections closed idle, 3 requests", got)
		}
	})
}

func TestForgetIdle(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		name := map[bool]string{false: "http", true: "https"}[useTLS]
		t.Run(name+" reset", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, c, tr := pipeClient(t, Config{TLS: useTLS, Faults: Faults{ForgetIdle: time.Second}})
				var w wire
				w.attach(tr)
				for i := range 3 {
					if code, err := w.do(c, "GET", s.URL()+"/"); code != 200 || err != nil {
						t.Fatalf("GET %d: %d, %v", i, code, err)
					}
					time.Sleep(2 * time.Second)
				}
				got := settle(t, s, tr)
				checkWire(t, got, &w)
				// GETs 2 and 3 go out on a forgotten connection, meet a
				// reset and are retried by Go on a new one.
				if got.Read != 5 || got.Requests != 3 || got.Stale != 2 || got.Accepted != 3 || got.ClosedBy[ReasonForgetIdle] != 2 {
					t.Errorf("counts %v; want 5 read, 3 answered, 2 stale on 3 connections", got)
				}
				if w.gotConn.Load() != 5 {
					t.Errorf("the client's requests got %d connections, want 5", w.gotConn.Load())
				}
			})
		})
	}
	t.Run("POST is not retried", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s, c, tr := pipeClient(t, Config{Faults: Faults{ForgetIdle: time.Second}})
			var w wire
			w.attach(tr)
			w.do(c, "POST", s.URL()+"/")
			time.Sleep(2 * time.Second)
			if _, err := w.do(c, "POST", s.URL()+"/"); !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("POST on a forgotten connection: %v, want a reset", err)
			}
			got := settle(t, s, tr)
			checkWire(t, got, &w)
			if got.Read != 2 || got.Stale != 1 {
				t.Errorf("counts %v; want 2 read, 1 stale", got)
			}
		})
	})
	t.Run("silent", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s, c, tr := pipeClient(t, Config{Faults: Faults{ForgetIdle: time.Second, ForgetSilent: true}})
			tr.ResponseHeaderTimeout = 5 * time.Second
			var w wire
			w.attach(tr)
			w.do(c, "GET", s.URL()+"/")
			time.Sleep(2 * time.Second)
			start := time.Now()
			if _, err := w.do(c, "GET", s.URL()+"/"); err == nil || !strings.Contains(err.Error(), "timeout awaiting response headers") {
				t.Errorf("GET on a silently forgotten connection: %v, want a header timeout", err)
			}
			if d := time.Since(start); d != 5*time.Second {
				t.Errorf("the GET failed after %v, want the 5s header timeout", d)
			}
			got := settle(t, s, tr)
			checkWire(t, got, &w)
			if got.Read != 2 || got.Stale != 1 || got.ClosedBy[ReasonForgetIdle] != 1 {
				t.Errorf("counts %v; want 2 read, 1 stale", got)
			}
		})
	})
}
