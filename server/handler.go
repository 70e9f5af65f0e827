package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// serveHTTP is the http.Handler of the target: it serves the endpoints and
// counts each request. It needs the connection record that connContext puts
// in the request context.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rec, _ := r.Context().Value(connKey{}).(*connRecord)
	var body bodySummary
	if r.URL.Path == "/echo" {
		body = summarize(r.Body)
	} else {
		io.Copy(io.Discard, r.Body)
	}
	req := s.begin(rec, r.URL.Path == "/")
	if !s.delay(r.Context()) {
		s.end(req, true)
		return
	}
	defer s.end(req, false)

	h := w.Header()
	switch r.URL.Path {
	case "/":
		if s.fail.fails(req.seq) {
			s.commit(req, s.cfg.FailStatus, r.Proto)
			writeText(w, s.cfg.FailStatus, fmt.Sprintf("reusebench target: injected failure %d\n", req.seq))
			return
		}
		s.commit(req, http.StatusOK, r.Proto)
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Length", strconv.FormatInt(s.bodySize, 10))
		w.WriteHeader(http.StatusOK)
		for left := s.bodySize; left > 0; {
			n := min(left, int64(len(s.chunk)))
			if _, err := w.Write(s.chunk[:n]); err != nil {
				return
			}
			left -= n
		}
	case "/login":
		s.commit(req, http.StatusOK, r.Proto)
		http.SetCookie(w, &http.Cookie{Name: "session", Value: s.newToken(), Path: "/"})
		writeText(w, http.StatusOK, "logged in\n")
	case "/protected":
		if c, err := r.Cookie("session"); err == nil && s.validToken(c.Value) {
			s.commit(req, http.StatusOK, r.Proto)
			writeText(w, http.StatusOK, "ok\n")
			return
		}
		s.commit(req, http.StatusUnauthorized, r.Proto)
		writeText(w, http.StatusUnauthorized, "unauthorized: GET /login first for a session cookie\n")
	case "/echo":
		s.commit(req, http.StatusOK, r.Proto)
		writeText(w, http.StatusOK, echo(r, body))
	default:
		s.commit(req, http.StatusNotFound, r.Proto)
		writeText(w, http.StatusNotFound, "not found: the target serves /, /login, /protected and /echo\n")
	}
}

// writeText writes a text/plain response with Content-Length.
func writeText(w http.ResponseWriter, status int, text string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(text)))
	w.WriteHeader(status)
	io.WriteString(w, text)
}

// bodySummary describes a request body read by /echo.
type bodySummary struct {
	n   int64
	sum []byte
}

// summarize reads r to EOF (or the first error) and returns its length and
// SHA-256.
func summarize(r io.Reader) bodySummary {
	h := sha256.New()
	n, _ := io.Copy(h, r)
	return bodySummary{n: n, sum: h.Sum(nil)}
}

// echo describes r as text, HTTP-like: the request line, "Host: ..." and
// every other header as "Key: Value" lines (sorted by key, one line per
// value), an empty line, then "body: N bytes, sha256 HEX".
func echo(r *http.Request, body bodySummary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s\n", r.Method, r.URL.RequestURI(), r.Proto)
	fmt.Fprintf(&b, "Host: %s\n", r.Host)
	for _, k := range slices.Sorted(maps.Keys(r.Header)) {
		for _, v := range r.Header[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	fmt.Fprintf(&b, "\nbody: %d bytes, sha256 %s\n", body.n, hex.EncodeToString(body.sum))
	return b.String()
}

// delay applies Stall and Latency: a request is held while it arrives in a
// stall window, then waits Latency, then is held again if that ends inside
// a stall window. It returns false if the request's context ends or the
// server closes first.
func (s *Server) delay(ctx context.Context) bool {
	if !s.holdStall(ctx) {
		return false
	}
	if s.cfg.Latency > 0 {
		if !s.sleep(ctx, s.cfg.Latency) {
			return false
		}
		return s.holdStall(ctx)
	}
	return true
}

// holdStall waits until the end of the current stall window, if any.
// Every request held in one window computes the same end and wakes
// together.
func (s *Server) holdStall(ctx context.Context) bool {
	d := s.cfg.Stall.remaining(time.Since(s.start))
	if d <= 0 {
		return true
	}
	return s.sleep(ctx, d)
}

// sleep waits d, returning false early if ctx ends or the server closes.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-s.done:
	}
	return false
}

// tokenMACSize is the number of HMAC bytes in a session token.
const tokenMACSize = 16

// newToken returns a fresh session token: a random nonce and its HMAC
// under the server's key, so tokens are checked without storing them.
func (s *Server) newToken() string {
	nonce := make([]byte, 16)
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(nonce) + "." +
		base64.RawURLEncoding.EncodeToString(s.tokenMAC(nonce))
}

// validToken reports whether tok was issued by newToken.
func (s *Server) validToken(tok string) bool {
	n64, m64, ok := strings.Cut(tok, ".")
	if !ok {
		return false
	}
	nonce, err := base64.RawURLEncoding.DecodeString(n64)
	if err != nil {
		return false
	}
	mac, err := base64.RawURLEncoding.DecodeString(m64)
	if err != nil {
		return false
	}
	return hmac.Equal(mac, s.tokenMAC(nonce))
}

// tokenMAC returns the truncated HMAC-SHA256 of nonce.
func (s *Server) tokenMAC(nonce []byte) []byte {
	m := hmac.New(sha256.New, s.tokenKey)
	m.Write(nonce)
	return m.Sum(nil)[:tokenMACSize]
}
