package results

// Attempts counts every request a profile put on the wire, which is what a
// server reads: the first attempt of each request, the profile's retries,
// net/http's silent retries and the redirects followed, each counted once
// it was written to a connection.
type Attempts struct {
	// Sent counts requests written to a connection, answered or not.
	Sent int64 `json:"sent"`
	// Retries counts the profile's retries (retries=): attempts after a
	// request's first, whether or not they reached the wire.
	Retries int64 `json:"retries"`
	// TransportRetries counts the requests net/http's transport sent again
	// on its own after a reused connection failed before answering.
	TransportRetries int64 `json:"transport_retries"`
	// Redirects counts redirects followed.
	Redirects int64 `json:"redirects"`
	// Retried counts the attempts that were sent again, by the class of
	// their failure: "stale" for the transport's retries, the failed
	// attempt's class for the profile's.
	Retried map[string]int64 `json:"retried,omitempty"`
}

// MaxExamples is how many example messages a results file keeps per error
// class.
const MaxExamples = 3

// mergeFaults adds p's attempts, abandoned requests, arrivals not sent,
// example messages and the target's request counts into out, through a,
// which notes a count that would overflow.
func mergeFaults(a *acc, out, p *Profile) {
	if pa := p.Attempts; pa != nil {
		if out.Attempts == nil {
			out.Attempts = &Attempts{}
		}
		o := out.Attempts
		a.add(&o.Sent, pa.Sent)
		a.add(&o.Retries, pa.Retries)
		a.add(&o.TransportRetries, pa.TransportRetries)
		a.add(&o.Redirects, pa.Redirects)
		if len(pa.Retried) > 0 {
			if o.Retried == nil {
				o.Retried = map[string]int64{}
			}
			a.addCounts(o.Retried, pa.Retried)
		}
	}
	a.add(&out.Abandoned, p.Abandoned)
	if p.Rate != nil && out.Rate != nil {
		a.add(&out.Rate.NotSent, p.Rate.NotSent)
	}
	for class, msgs := range p.Errors.Examples {
		if out.Errors.Examples == nil {
			out.Errors.Examples = map[string][]string{}
		}
		for _, m := range msgs {
			if len(out.Errors.Examples[class]) < MaxExamples && !contains(out.Errors.Examples[class], m) {
				out.Errors.Examples[class] = append(out.Errors.Examples[class], m)
			}
		}
	}
	if s, o := p.Server, out.Server; s != nil && o != nil {
		a.add(&o.Read, s.Read)
		a.add(&o.Aborted, s.Aborted)
		a.add(&o.Dropped, s.Dropped)
		a.add(&o.Reset, s.Reset)
		a.add(&o.Stale, s.Stale)
		if len(s.ClosedBy) > 0 {
			if o.ClosedBy == nil {
				o.ClosedBy = map[string]int64{}
			}
			a.addCounts(o.ClosedBy, s.ClosedBy)
		}
	}
}
