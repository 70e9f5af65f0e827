package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestFailRate(t *testing.T) {
	tests := []struct {
		rate       float64
		status     int
		n          int
		wantStatus int
		wantFails  int64
	}{
		{0.25, 0, 400, 503, 100},
		{0.1, 500, 1000, 500, 100},
		{1.0 / 3, 429, 300, 429, 100},
		{0.3, 0, 10, 503, 3},
		{0, 0, 50, 503, 0},
		{1, 0, 50, 503, 50},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%v of %d", tc.rate, tc.n), func(t *testing.T) {
			s := startServer(t, Config{FailRate: tc.rate, FailStatus: tc.status})
			c := &http.Client{}
			for round := range 2 { // Reset restarts the sequence
				for range tc.n {
					get(t, c, s.URL()+"/")
				}
				// Other paths do not advance the sequence.
				get(t, c, s.URL()+"/echo")
				got := s.Counts().Statuses
				if got[tc.wantStatus] != tc.wantFails || got[200] != int64(tc.n)-tc.wantFails+1 {
					t.Errorf("round %d: statuses %v, want %d × %d and %d × 200",
						round, got, tc.wantFails, tc.wantStatus, int64(tc.n)-tc.wantFails+1)
				}
				s.Reset()
			}
		})
	}
}

func TestRootBody(t *testing.T) {
	tests := []struct {
		size, want int
	}{{0, DefaultBodySize}, {-1, 0}, {1, 1}, {100_000, 100_000}}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.size), func(t *testing.T) {
			s := startServer(t, Config{BodySize: tc.size})
			resp, err := http.Get(s.URL() + "/")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) != tc.want || resp.ContentLength != int64(tc.want) ||
				resp.Header.Get("Content-Type") != "application/octet-stream" {
				t.Errorf("got %d bytes, Content-Length %d, Content-Type %q; want %d application/octet-stream",
					len(b), resp.ContentLength, resp.Header.Get("Content-Type"), tc.want)
			}
		})
	}
}

func TestLoginProtected(t *testing.T) {
	s := startServer(t, Config{})
	other := startServer(t, Config{})
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar}
	forged := func(tok string) int {
		req, _ := http.NewRequest("GET", s.URL()+"/protected", nil)
		req.AddCookie(&http.Cookie{Name: "session", Value: tok})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code, _ := get(t, c, s.URL()+"/protected"); code != 401 {
		t.Errorf("/protected before /login = %d, want 401", code)
	}
	resp, err := c.Get(s.URL() + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if sc := resp.Header.Get("Set-Cookie"); !strings.HasPrefix(sc, "session=") || !strings.HasSuffix(sc, "; Path=/") {
		t.Errorf("Set-Cookie %q, want session=<token>; Path=/", sc)
	}
	if code, _ := get(t, c, s.URL()+"/protected"); code != 200 {
		t.Errorf("/protected after /login = %d, want 200", code)
	}
	// Another server's token, a tampered one and garbage are refused.
	resp, err = http.Get(other.URL() + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	otherTok := resp.Cookies()[0].Value
	for _, tok := range []string{otherTok, otherTok[:len(otherTok)-2] + "AA", "x", "a.b", ""} {
		if code := forged(tok); code != 401 {
			t.Errorf("/protected with session=%q = %d, want 401", tok, code)
		}
	}
	got := s.Counts().Statuses
	if got[200] != 2 || got[401] != 6 {
		t.Errorf("statuses %v, want 2 × 200 and 6 × 401", got)
	}
}

func TestEcho(t *testing.T) {
	s := startServer(t, Config{})
	body := "hello, target"
	req, err := http.NewRequest("POST", s.URL()+"/echo?q=1", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Test", "yes")
	req.Header.Add("X-Multi", "a")
	req.Header.Add("X-Multi", "b")
	req.SetBasicAuth("user", "pass")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	for _, want := range []string{
		"POST /echo?q=1 HTTP/1.1\n",
		"\nHost: " + s.Addr() + "\n",
		"\nX-Test: yes\n",
		"\nX-Multi: a\nX-Multi: b\n",
		"\nAuthorization: Basic dXNlcjpwYXNz\n",
		"\nContent-Length: 13\n",
		"\n\nbody: 13 bytes, sha256 " + hex.EncodeToString(sum[:]) + "\n",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("echo output lacks %q:\n%s", want, b)
		}
	}
}

func TestNotFound(t *testing.T) {
	s := startServer(t, Config{})
	if code, _ := get(t, http.DefaultClient, s.URL()+"/nope"); code != 404 {
		t.Errorf("GET /nope = %d, want 404", code)
	}
	if got := s.Counts(); got.Requests != 1 || got.Statuses[404] != 1 {
		t.Errorf("counts %+v, want 1 request with status 404", got)
	}
}

func TestListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Start(Config{Addr: ln.Addr().String()})
	want := "target: listen " + ln.Addr().String() + ": address already in use"
	if err == nil || err.Error() != want || !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("Start on a used address = %v, want %q wrapping EADDRINUSE", err, want)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error; "" for valid
	}{
		{"zero", Config{}, ""},
		{"full TLS", Config{TLS: true, HTTP2: true, Latency: time.Millisecond, Stall: Stall{2 * time.Second, time.Second}, FailRate: 0.5, FailStatus: 500}, ""},
		{"h2 without TLS", Config{HTTP2: true}, "HTTP2 needs TLS"},
		{"h2c with TLS", Config{H2C: true, TLS: true}, "H2C"},
		{"client cert without TLS", Config{RequireClientCert: true}, "needs TLS"},
		{"client cert without CAs", Config{TLS: true, RequireClientCert: true}, "ClientCAs"},
		{"negative latency", Config{Latency: -1}, "latency"},
		{"fail rate above 1", Config{FailRate: 1.5}, "fail rate"},
		{"fail status", Config{FailStatus: 99}, "fail status"},
		{"stall FOR too long", Config{Stall: Stall{time.Second, time.Second}}, "shorter"},
		{"stall without EVERY", Config{Stall: Stall{For: time.Second}}, "positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Validate() = %v, want error containing %q", err, tc.want)
			}
			if tc.want != "" {
				if s, err := Start(tc.cfg); err == nil {
					s.Close()
					t.Error("Start accepted an invalid Config")
				}
			}
		})
	}
}
