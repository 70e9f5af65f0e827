package experiment

import (
	"time"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/stats"
)

// EventKind says what an Event reports.
type EventKind int

// The events of a run, in the order they happen for each profile.
const (
	// RoundStarted: a round of a profile is about to start.
	RoundStarted EventKind = iota
	// Tick: the round is running; Elapsed, Requests and Live say how far.
	Tick
	// RoundDone: the round finished; Figures holds what it measured.
	RoundDone
	// ProfileDone: every round of the profile finished and its pool is
	// closed; Result holds what it measured.
	ProfileDone
)

// TickEvery is how often a running round reports a Tick: often enough for a
// live view; a renderer of plain lines prints only some of them.
const TickEvery = 250 * time.Millisecond

// Event is one step of a run's progress, for a renderer on stderr.
type Event struct {
	Kind EventKind
	// Index and Count place the profile in the run (Index from 0).
	Index, Count int
	Name         string
	Strategy     string
	// Load describes how the profile is driven.
	Load Load
	// LoadSwept says the profiles run at different loads (a sweep of -c or
	// -r): Load is this profile's alone.
	LoadSwept bool
	// Round and Rounds place the round in the run (Round from 1).
	Round, Rounds int
	// Figures is the round's results (RoundDone).
	Figures *results.Round
	// Elapsed and Requests are the time since the round started and the
	// profile's requests so far (Tick).
	Elapsed  time.Duration
	Requests int64
	// Live is the profile's counts so far and its last second of measured
	// time (Tick and RoundDone).
	Live stats.Live
	// Result is the profile's results (ProfileDone).
	Result *results.Profile
}
