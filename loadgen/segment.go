package loadgen

import (
	"fmt"
	"strconv"
	"strings"
)

// Segment is one generator's share of a run split across Count generators,
// as k6's execution segments split a test: segment Index (from 0) of Count.
// The union of the segments is exactly the single-machine run: the open
// model's arrivals are dealt out (segment I sends global arrivals I, I+N,
// I+2N, …, each at its global intended time), a request count splits
// exactly and workers split with the remainder spread over the first
// segments. The zero value, and 0/1, is the whole run.
type Segment struct {
	Index, Count int
}

// Whole reports whether s is the whole run (no split).
func (s Segment) Whole() bool { return s.Count <= 1 }

// String returns "I/N".
func (s Segment) String() string { return fmt.Sprintf("%d/%d", s.Index, max(s.Count, 1)) }

// ParseSegment parses "I/N": segment I (0-based) of N, with 0 ≤ I < N.
func ParseSegment(v string) (Segment, error) {
	i, n, ok := strings.Cut(v, "/")
	index, err1 := strconv.Atoi(strings.TrimSpace(i))
	count, err2 := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err1 != nil || err2 != nil || count < 1 || index < 0 || index >= count {
		return Segment{}, fmt.Errorf("segment %q: want I/N, segment I (from 0) of N generators, e.g. 0/4", v)
	}
	return Segment{Index: index, Count: count}, nil
}

// share returns the segment's part of n things dealt out one by one: n/N,
// plus one for the first n mod N segments.
func (s Segment) share(n int64) int64 {
	if s.Whole() {
		return n
	}
	c := int64(s.Count)
	out := n / c
	if int64(s.Index) < n%c {
		out++
	}
	return out
}

// Requests is the segment's share of a request count: the segments' shares
// add up to n exactly.
func (s Segment) Requests(n int64) int64 { return s.share(n) }

// Workers is the segment's share of a fleet of w workers (0 stays 0).
func (s Segment) Workers(w int) int { return int(s.share(int64(w))) }

// Rate is the segment's share of a rate: what it sends a second.
func (s Segment) Rate(r float64) float64 {
	if s.Whole() {
		return r
	}
	return r / float64(s.Count)
}

// Mine reports whether the global arrival with index i (from 0) is the
// segment's: i ≡ Index (mod Count).
func (s Segment) Mine(i int64) bool {
	return s.Whole() || i%int64(s.Count) == int64(s.Index)
}
