package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
)

// Target is one request the fleet sends.
type Target struct {
	Method string
	URL    *url.URL
	Header http.Header
	Body   []byte
}

// targets hands out targets round-robin, each with its request template.
type targets struct {
	list  []Target
	tmpls []*http.Request
	next  atomic.Uint64
}

func newTargets(list []Target) (*targets, error) {
	t := &targets{list: list, tmpls: make([]*http.Request, len(list))}
	for i := range list {
		tmpl, err := template(&list[i])
		if err != nil {
			return nil, err
		}
		t.tmpls[i] = tmpl
	}
	return t, nil
}

func (t *targets) pick() int {
	if len(t.list) == 1 {
		return 0
	}
	return int((t.next.Add(1) - 1) % uint64(len(t.list)))
}

// template builds t's request once: URL parsed and headers set; each send
// clones it.
func template(t *Target) (*http.Request, error) {
	req, err := http.NewRequest(t.Method, t.URL.String(), nil)
	if err != nil {
		var ue *url.Error // it quotes the whole URL, secrets and all
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("loadgen: build request %s %s: %w", t.Method, RedactURL(t.URL, false), err)
	}
	for k, v := range t.Header {
		req.Header[k] = v
	}
	// Host overrides the URL's host only when the target sets it: empty, the
	// request says URL.Host all the same, and a client copies the URL of a
	// request with a Host on every send.
	req.Host = t.Header.Get("Host")
	return req, nil
}

// newRequest returns a fresh request for target i: a request and its body
// are used once.
func (t *targets) newRequest(ctx context.Context, i int, cookies []*http.Cookie) *http.Request {
	req := t.tmpls[i].Clone(ctx)
	if body := t.list[i].Body; body != nil {
		req.ContentLength = int64(len(body))
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return req
}
