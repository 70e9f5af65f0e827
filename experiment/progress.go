package experiment

import (
	"time"

	"github.com/reusebench/reusebench/results"
)

// EventKind says what an Event reports.
type EventKind int

// The events of a run, in the order they happen for each profile.
const (
	// ProfileStarted: a profile's fleet is about to start.
	ProfileStarted EventKind = iota
	// Tick: the profile is running; Elapsed and Requests say how far.
	Tick
	// ProfileDone: the profile finished; Result holds what it measured.
	ProfileDone
)

// TickEvery is how often a running profile reports a Tick.
const TickEvery = 2 * time.Second

// Event is one step of a run's progress, for a renderer on stderr.
type Event struct {
	Kind EventKind
	// Index and Count place the profile in the run (Index from 0).
	Index, Count int
	Name         string
	Strategy     string
	// Load describes how the profile is driven.
	Load Load
	// Elapsed and Requests are the time since the profile started and the
	// requests it completed (Tick).
	Elapsed  time.Duration
	Requests int64
	// Result is the profile's results (ProfileDone).
	Result *results.Profile
}
