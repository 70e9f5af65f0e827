package trace

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Tracer traces the requests of one worker, one after another. Its hooks,
// the httptrace.ClientTrace holding them and the context carrying it are
// built once and serve request after request, so tracing a request
// allocates nothing of its own. A request whose hooks may still fire once
// it is done (one that failed: a dial or a read may still be running; one
// whose response came before its WroteRequest) retires them: the late hooks
// find them done and are dropped, and the next request gets new ones. The
// zero Tracer traces under context.Background. A Tracer is not safe for
// concurrent use: one per worker.
type Tracer struct {
	parent context.Context
	a      *attempt // nil until the first request, and once retired
	// hostOf is the URL host was derived from: a worker sending the same
	// request again derives it once.
	hostOf *url.URL
	host   string
	// clientOf is the client last given to Do, and untimed a copy of it
	// without its Timeout: the tracer enforces that itself (TimeoutError).
	clientOf, untimed *http.Client
}

// NewTracer returns a tracer whose requests run under parent.
func NewTracer(parent context.Context) *Tracer { return &Tracer{parent: parent} }

// Context returns the context the tracer's next request should carry: its
// hooks, under the tracer's parent. It is the same from request to request
// until a request retires the hooks (see Tracer); a request built with it
// and sent again must then be given the new one. Do attaches the context
// to a request that carries another, at the cost of a copy of the request.
func (t *Tracer) Context() context.Context {
	if t.a == nil {
		parent := t.parent
		if parent == nil {
			parent = context.Background()
		}
		t.a = newAttempt(parent)
	}
	return t.a.ctx
}

// Close releases the tracer's context (its parent keeps it until Close);
// the tracer can still be used after it, and builds a new one then.
func (t *Tracer) Close() {
	if t.a != nil {
		t.a.cancel(context.Canceled)
		t.a = nil
	}
}

// Do sends req with client as one traced attempt, reads the body to EOF
// and closes it (so the connection can return to the pool), and returns
// the sample, as the package-level Do. req itself is not modified.
func (t *Tracer) Do(client *http.Client, req *http.Request) Sample {
	ctx := t.Context()
	a := t.a
	if req.Context() != ctx {
		req = req.WithContext(ctx)
	}
	a.begin()
	c := client
	if client.Timeout > 0 {
		if client != t.clientOf {
			t.clientOf = client
			t.untimed = &http.Client{Transport: client.Transport, CheckRedirect: client.CheckRedirect, Jar: client.Jar}
		}
		c = t.untimed
		a.startTimer(client.Timeout)
	}
	start := time.Now()
	resp, err := c.Do(req)
	var s Sample
	s.Start = start
	if req.URL != t.hostOf {
		t.hostOf, t.host = req.URL, HostPort(req.URL)
	}
	s.Host = t.host
	var bytes int64
	if err == nil {
		s.Status = resp.StatusCode
		s.Proto = resp.Proto
		if v := resp.Header.Get("Retry-After"); v != "" {
			s.RetryAfter = ParseRetryAfter(v, time.Now())
		}
		bytes, err = io.Copy(io.Discard, resp.Body)
		if cerr := resp.Body.Close(); err == nil {
			err = cerr
		}
	}
	end := time.Now()
	if passed := a.stopTimer(); a.end(err != nil || passed) {
		t.Close() // retired: late hooks find a done; the next request gets new ones
	}

	s.End = end
	s.Bytes = bytes
	s.Err = Classify(err)
	if (s.Err == ErrEOF || s.Err == ErrReset) && a.last.reused && !a.last.firstByte {
		s.Err = ErrStale // the server had closed or forgotten the connection
	}
	if s.Err != ErrNone {
		s.Cause = err
	} else {
		s.Err = StatusClass(s.Status)
	}
	s.Wire, s.Retried = a.wire, a.retried
	a.fill(&s, end, err == nil)
	return s
}
