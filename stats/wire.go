package stats

import (
	"strconv"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/trace"
)

// wireCounts are a shard's counts of what went on the wire, and its example
// error messages; they add up across shards.
type wireCounts struct {
	sent, transportRetries, redirects int64
	retried                           [trace.NumErrorClasses]int64
	abandoned                         int64
	lastNew                           int64 // requests whose last attempt had a connection's first use
	examples                          [trace.NumErrorClasses][results.MaxExamples]string
}

// addSample counts s's attempts. It allocates only to keep a new example
// message.
func (w *wireCounts) addSample(s *trace.Sample) {
	w.sent += int64(s.Wire.Sent)
	w.transportRetries += int64(s.Wire.TransportRetries)
	w.redirects += int64(s.Wire.Redirects)
	for i, n := range s.Retried {
		w.retried[i] += int64(n)
	}
	if s.Abandoned {
		w.abandoned++
		return
	}
	if s.GotConn && !s.Reused {
		w.lastNew++
	}
	if s.Failed() {
		w.exampleOf(s)
	}
}

// exampleOf keeps s's message as an example of its class, formatting it
// only when it may be kept: never once the class has its examples, and not
// for a status already among them (compared without formatting).
func (w *wireCounts) exampleOf(s *trace.Sample) {
	slots := &w.examples[s.Err]
	if slots[len(slots)-1] != "" {
		return
	}
	if s.Cause == nil {
		for _, m := range slots {
			if m != "" && isStatus(m, s.Status) {
				return
			}
		}
	}
	if msg := s.ErrMsg(); msg != "" {
		w.example(s.Err, msg)
	}
}

// isStatus reports whether msg is the status line of code ("503 Service
// Unavailable"), without allocating.
func isStatus(msg string, code int) bool {
	var b [8]byte
	d := strconv.AppendInt(b[:0], int64(code), 10)
	return len(msg) > len(d) && msg[:len(d)] == string(d) && msg[len(d)] == ' '
}

// example keeps msg for class unless it is known or the slots are full.
func (w *wireCounts) example(class trace.ErrorClass, msg string) {
	slots := &w.examples[class]
	for i := range slots {
		switch slots[i] {
		case msg:
			return
		case "":
			slots[i] = msg
			return
		}
	}
}

func (w *wireCounts) add(o *wireCounts) {
	w.sent += o.sent
	w.transportRetries += o.transportRetries
	w.redirects += o.redirects
	for i := range w.retried {
		w.retried[i] += o.retried[i]
	}
	w.abandoned += o.abandoned
	w.lastNew += o.lastNew
	for class := range o.examples {
		for _, m := range o.examples[class] {
			if m != "" {
				w.example(trace.ErrorClass(class), m)
			}
		}
	}
}

// attempts returns the results' attempts; retries are the profile's.
func (w *wireCounts) attempts(retries int64) *results.Attempts {
	a := &results.Attempts{Sent: w.sent, Retries: retries, TransportRetries: w.transportRetries, Redirects: w.redirects}
	for class, n := range w.retried {
		if name := trace.ErrorClass(class).String(); n > 0 && class != int(trace.ErrNone) {
			if a.Retried == nil {
				a.Retried = map[string]int64{}
			}
			a.Retried[name] += n
		}
	}
	return a
}

// exampleMap returns the example messages by class name, nil without any.
func (w *wireCounts) exampleMap() map[string][]string {
	var m map[string][]string
	for class := range w.examples {
		for _, msg := range w.examples[class] {
			if msg == "" {
				continue
			}
			if m == nil {
				m = map[string][]string{}
			}
			name := trace.ErrorClass(class).String()
			m[name] = append(m[name], msg)
		}
	}
	return m
}
