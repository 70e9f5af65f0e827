package loadgen

import (
	"context"
	"net/http"

	"github.com/reusebench/reusebench/trace"
)

// worker is what one worker keeps from request to request: its tracer,
// the request it sent last, sent again when the next is to the same target,
// and the sample it hands the sink. None of it is made per request.
type worker struct {
	id     int
	tracer *trace.Tracer
	// req is the request last built, for target reqFor, and cookie its
	// Cookie header as built: a client with a jar adds the jar's cookies to
	// the header on every send, so it is put back before the next.
	req    *http.Request
	reqFor int
	cookie []string
	// sample is the last request's sample, handed to the sink by pointer.
	sample trace.Sample
}

// newWorker returns worker id's state; its requests run under ctx.
func newWorker(ctx context.Context, id int) *worker {
	return &worker{id: id, tracer: trace.NewTracer(ctx)}
}

// request returns the request to send to target i: the last one again
// when it went to the same target, has no body (a body is read once), and
// carries the tracer's context still (the tracer retires its hooks after a
// request that may fire them late); else a new one.
func (w *worker) request(ts *targets, i int, cookies []*http.Cookie) *http.Request {
	ctx := w.tracer.Context()
	if req := w.req; req != nil && w.reqFor == i && req.Context() == ctx {
		if w.cookie != nil {
			req.Header["Cookie"] = w.cookie
		} else {
			delete(req.Header, "Cookie")
		}
		return req
	}
	req := ts.newRequest(ctx, i, cookies)
	if ts.list[i].Body != nil {
		w.req = nil
		return req
	}
	w.req, w.reqFor, w.cookie = req, i, req.Header["Cookie"]
	return req
}
