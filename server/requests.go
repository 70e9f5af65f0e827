package server

// outcome is how a request that the target read ended.
type outcome uint8

const (
	answered outcome = iota // a response was committed (counted in Requests)
	aborted                 // not answered: the client went away or the server closed
	dropped                 // not answered on purpose: Faults.DropAfter
	reset                   // reset in the middle of the body: Faults.Reset
	stale                   // arrived on a connection the target had closed for writing or forgotten
)

// request is one request from its begin to its end: the connection it came
// on (nil without a record), the counts it goes to (the epoch's and the
// label's current when it was read), its sequence number on "/" (0 for
// other paths) and its number on its connection (from 1).
type request struct {
	conn  *connRecord
	epoch *tally
	label *tally
	seq   uint64
	nth   int64
}

// begin records a request read on rec (nil if the request came without a
// record). The request counts for the label current now: only one client
// sends at a time in a run of interleaved rounds, while a connection may be
// older than the current label (a warm-up's, kept for the rounds).
func (s *Server) begin(rec *connRecord, root bool) *request {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inflight++
	req := &request{conn: rec, epoch: s.c.cur, label: s.c.labels.cur}
	req.epoch.read++
	req.label.read++
	if rec != nil {
		rec.started++
		req.nth = rec.started
	}
	if root {
		s.c.rootSeq++
		req.seq = s.c.rootSeq
	}
	return req
}

// commit counts a request answered with status, just before the response
// is written (so a client that has read it sees it counted).
func (s *Server) commit(req *request, status int, proto string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range [...]*tally{req.epoch, req.label} {
		t.requests++
		t.statuses[status]++
		t.protocols[proto]++
	}
	if rec := req.conn; rec != nil {
		if rec.servedEpoch != s.c.epoch {
			rec.servedEpoch = s.c.epoch
			rec.served = 0
		}
		rec.served++
		req.epoch.maxPerConn = max(req.epoch.maxPerConn, rec.served)
		rec.answered++
		req.label.maxPerConn = max(req.label.maxPerConn, rec.answered)
	}
}

// end records how a request ended; only answered ones were committed. Its
// counts go where its begin's did.
func (s *Server) end(req *request, o outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inflight--
	for _, t := range [...]*tally{req.epoch, req.label} {
		switch o {
		case aborted:
			t.aborted++
		case dropped:
			t.dropped++
		case reset:
			t.reset++
		case stale:
			t.stale++
		}
	}
	if s.inflight == 0 {
		s.notifyLocked() // Close and WaitIdle wait for handlers
	}
}

// staleRequest counts a request that arrived on rec after the target had
// closed the connection for writing or forgotten it: read, never answered,
// and never seen by a handler.
func (s *Server) staleRequest(rec *connRecord) {
	s.end(s.begin(rec, false), stale)
}
