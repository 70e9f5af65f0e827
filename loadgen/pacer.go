// Package loadgen schedules and executes requests: the closed model (every
// worker sends again as soon as its response is read) and the open model
// (arrivals at a fixed rate, picked up by free workers), warm-up, duration or
// count bounds, retries and cancellation. It emits one trace.Sample per
// request to a Sink.
package loadgen

import (
	"math"
	"time"

	"golang.org/x/time/rate"
)

// Pacer computes the intended time of each arrival of an open-model run. It
// drives a rate.Limiter on virtual time, the previous arrival's intended time,
// so a late wake-up of the scheduler never loses tokens nor moves an intended
// time: arrival i is due at start + i/rate.
type Pacer struct {
	lim  *rate.Limiter
	next time.Time
	rate float64
}

// NewPacer returns a pacer for perSecond arrivals a second, the first due at
// start. The burst is about 10 ms of arrivals and the bucket starts drained,
// as rate.Limiter wants for high rates (see LIBRARY-NOTES).
func NewPacer(start time.Time, perSecond float64) *Pacer {
	burst := max(1, int(math.Ceil(perSecond/100)))
	lim := rate.NewLimiter(rate.Limit(perSecond), burst)
	lim.ReserveN(start, burst)
	// The drained bucket's next token is due one interval after start; take
	// it as arrival 0's slot, so arrival 0 is due at start.
	return &Pacer{lim: lim, next: start, rate: perSecond}
}

// Next returns the intended time of the next arrival.
func (p *Pacer) Next() time.Time {
	t := p.next
	r := p.lim.ReserveN(t, 1)
	p.next = t.Add(r.DelayFrom(t))
	return t
}
