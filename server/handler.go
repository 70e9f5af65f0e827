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

// serveHTTP is the http.Handler of the target: it counts each request
// read, applies the connection faults, serves the endpoints and counts how
// each request ended. It needs the connection record that connContext puts
// in the request context.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rec, _ := r.Context().Value(connKey{}).(*connRecord)
	var fc *faultConn
	if rec != nil {
		fc = rec.fc
	}
	var body bodySummary
	if r.URL.Path == "/echo" {
		body = summarize(r.Body)
	} else {
		io.Copy(io.Discard, r.Body)
	}
	req := s.begin(rec, r.URL.Path == "/")
	f := s.cfg.Faults
	switch {
	case fc != nil && fc.finishing.Load(): // it crossed the target's FIN
		s.end(req, stale)
		fc.closeNow(ReasonCloseAfter)
		return
	case fc != nil && f.DropAfter > 0 && req.nth == int64(f.DropAfter):
		s.end(req, dropped)
		fc.closeNow(ReasonDropAfter)
		return
	}
	if !s.delay(r.Context()) {
		s.end(req, aborted)
		return
	}
	closing := fc != nil && f.CloseAfter > 0 && req.nth >= int64(f.CloseAfter)
	if closing && !f.CloseQuiet {
		w.Header().Set("Connection", "close") // net/http closes after the response
		fc.setReason(ReasonCloseAfter)
	}
	o := s.respond(w, r, req, fc, body)
	if closing && f.CloseQuiet && o == answered {
		http.NewResponseController(w).Flush()
		fc.finish(ReasonCloseAfter)
	}
	s.end(req, o)
}

// respond serves r's endpoint and says how it ended.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, req *request, fc *faultConn, body bodySummary) outcome {
	switch r.URL.Path {
	case "/":
		return s.root(w, r, req, fc)
	case "/login":
		s.commit(req, http.StatusOK, r.Proto)
		http.SetCookie(w, &http.Cookie{Name: "session", Value: s.newToken(), Path: "/"})
		writeText(w, http.StatusOK, "logged in\n")
	case "/protected":
		if c, err := r.Cookie("session"); err == nil && s.validToken(c.Value) {
			s.commit(req, http.StatusOK, r.Proto)
			writeText(w, http.StatusOK, "ok\n")
			return answered
		}
		s.commit(req, http.StatusUnauthorized, r.Proto)
		writeText(w, http.StatusUnauthorized, "unauthorized: GET /login first for a session cookie\n")
	case "/echo":
		s.commit(req, http.StatusOK, r.Proto)
		writeText(w, http.StatusOK, echo(r, body))
	default:
		if to, ok := redirectTarget(r.URL.Path); ok {
			s.commit(req, http.StatusFound, r.Proto)
			w.Header().Set("Location", to)
			writeText(w, http.StatusFound, "redirect to "+to+"\n")
			return answered
		}
		s.commit(req, http.StatusNotFound, r.Proto)
		writeText(w, http.StatusNotFound, "not found: the target serves /, /login, /protected, /echo and /redirect/N\n")
	}
	return answered
}

// root serves "/": the body, or an injected failure, with the response
// faults.
func (s *Server) root(w http.ResponseWriter, r *http.Request, req *request, fc *faultConn) outcome {
	f := s.cfg.Faults
	h := w.Header()
	if f.SlowHeaders > 0 {
		w.WriteHeader(http.StatusEarlyHints) // sent at once: the first response byte
		if !s.sleep(r.Context(), f.SlowHeaders) {
			return aborted
		}
	}
	if s.failsAt(req.seq) {
		if f.RetryAfter > 0 {
			h.Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		s.commit(req, s.cfg.FailStatus, r.Proto)
		writeText(w, s.cfg.FailStatus, fmt.Sprintf("reusebench target: injected failure %d\n", req.seq))
		return answered
	}
	resetting := fc != nil && s.resets.fails(req.seq)
	if !resetting {
		s.commit(req, http.StatusOK, r.Proto)
	}
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.FormatInt(s.bodySize, 10))
	w.WriteHeader(http.StatusOK)
	if resetting {
		s.writeBody(r.Context(), w, s.bodySize/2)
		http.NewResponseController(w).Flush()
		fc.abort(ReasonReset)
		return reset
	}
	s.writeBody(r.Context(), w, s.bodySize)
	return answered
}

// failsAt reports whether request seq on "/" gets an injected failure:
// FailRate spread evenly, or over runs of FailBurst requests.
func (s *Server) failsAt(seq uint64) bool {
	if b := uint64(s.cfg.Faults.FailBurst); b > 1 && seq > 0 {
		return s.fail.fails((seq-1)/b + 1)
	}
	return s.fail.fails(seq)
}

// writeBody writes n body bytes, at Faults.Trickle bytes a second when set.
// It stops early when a write fails, ctx ends or the server closes.
func (s *Server) writeBody(ctx context.Context, w http.ResponseWriter, n int64) {
	rate := int64(s.cfg.Faults.Trickle)
	piece := int64(len(s.chunk))
	if rate > 0 {
		piece = min(piece, max(1, rate/20))
	}
	rc := http.NewResponseController(w)
	for left := n; left > 0; {
		k := min(left, piece)
		if rate > 0 {
			if !s.sleep(ctx, time.Duration(k)*time.Second/time.Duration(rate)) {
				return
			}
		}
		if _, err := w.Write(s.chunk[:k]); err != nil {
			return
		}
		if rate > 0 {
			rc.Flush()
		}
		left -= k
	}
}

// maxRedirectChain bounds N in /redirect/N.
const maxRedirectChain = 100

// redirectTarget returns where /redirect/N sends a client: /redirect/N-1,
// or / from /redirect/1.
func redirectTarget(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/redirect/")
	if !ok {
		return "", false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 || n > maxRedirectChain {
		return "", false
	}
	if n == 1 {
		return "/", true
	}
	return "/redirect/" + strconv.Itoa(n-1), true
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
