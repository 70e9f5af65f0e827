//go:build !race

package trace_test

// raceEnabled: the race detector is on, and allocation counts vary.
const raceEnabled = false
