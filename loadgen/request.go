package loadgen

import (
	"bytes"
	"context"
	"fmt"
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

// targets hands out targets round-robin.
type targets struct {
	list []Target
	next atomic.Uint64
}

func (t *targets) pick() *Target {
	if len(t.list) == 1 {
		return &t.list[0]
	}
	return &t.list[(t.next.Add(1)-1)%uint64(len(t.list))]
}

// newRequest builds a fresh request for t: a request and its body are used once.
func newRequest(ctx context.Context, t *Target, cookies []*http.Cookie) (*http.Request, error) {
	var body *bytes.Reader
	if t.Body != nil {
		body = bytes.NewReader(t.Body)
	}
	var req *http.Request
	var err error
	if body != nil {
		req, err = http.NewRequestWithContext(ctx, t.Method, t.URL.String(), body)
	} else {
		req, err = http.NewRequestWithContext(ctx, t.Method, t.URL.String(), nil)
	}
	if err != nil {
		return nil, fmt.Errorf("loadgen: build request %s %s: %w", t.Method, t.URL.Redacted(), err)
	}
	for k, v := range t.Header {
		req.Header[k] = v
	}
	if h := t.Header.Get("Host"); h != "" {
		req.Host = h
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return req, nil
}
