// Package results is the results.json contract between a run and every
// report: its types, its atomic write, its validating read, and the merge of
// several files (runs of several machines, or rounds of several runs) into
// one. Every summary in a file is derived from its histograms.
package results

import "time"

// Version is the results file format written by this build.
const Version = 1

// Results is the content of a results.json file: the contract between a run and
// every report. It holds numbers and encoded histograms only, so a saved file can
// be re-rendered and several files can be merged.
type Results struct {
	Version  int       `json:"version"`
	Started  time.Time `json:"started"`
	Target   string    `json:"target"`
	Settings Settings  `json:"settings"`
	Profiles []Profile `json:"profiles"`
}

// Settings are the run-wide settings, shared by every profile of a run.
type Settings struct {
	Concurrency int     `json:"concurrency"`
	DurationS   float64 `json:"duration_s,omitempty"`
	Requests    int64   `json:"requests,omitempty"`
	WarmupS     float64 `json:"warmup_s"`
	Rate        float64 `json:"rate"`
	MaxWorkers  int     `json:"max_workers,omitempty"`
}

// Profile is everything measured for one profile.
type Profile struct {
	Name     string            `json:"name"`
	Strategy string            `json:"strategy"`
	Options  map[string]string `json:"options"`
	Requests int64             `json:"requests"`
	Errors   Errors            `json:"errors"`
	// Status counts final HTTP status codes, keyed by the code as a string.
	Status map[string]int64 `json:"status"`
	// Protocol is the negotiated protocol ("HTTP/1.1", "HTTP/2.0"); several are
	// joined with "+" when a profile saw more than one.
	Protocol string `json:"protocol"`
	// Started and Ended bound the measured window; merges use their union.
	Started     time.Time   `json:"started"`
	Ended       time.Time   `json:"ended"`
	DurationS   float64     `json:"duration_s"`
	Throughput  float64     `json:"throughput"`
	Connections Connections `json:"connections"`
	// Latency summarises the total phase (service time, from the actual send).
	Latency Latency `json:"latency_ms"`
	// LatencyCorrected summarises latency from the intended time (open model only).
	LatencyCorrected *Latency `json:"latency_corrected_ms,omitempty"`
	// Phases summarises each phase that happened at least once, by phase name.
	Phases  map[string]PhaseSummary `json:"phases"`
	Rate    *Rate                   `json:"rate,omitempty"`
	Retries *Retries                `json:"retries,omitempty"`
	// Hosts counts requests and new connections per target host (several targets).
	Hosts map[string]HostCounts `json:"hosts,omitempty"`
	// Series is one point per second of the measured window.
	Series []Point `json:"series"`
	// Server is what the embedded target counted for this profile, when the
	// run used it: the other side's view of the same connections and requests.
	Server *ServerCounts `json:"server,omitempty"`
	// Notes explain figures that differ for a known reason.
	Notes []string `json:"notes,omitempty"`
	// Checks lists disagreements found by cross-checking counters; empty when
	// every check passed.
	Checks []string `json:"checks,omitempty"`
	// Histograms maps a histogram name (a phase, "corrected", "first_attempt") to
	// its standard compressed HDR encoding (base64 text), in microseconds.
	Histograms map[string]string `json:"histograms"`
}

// Errors counts failed requests, by error class.
type Errors struct {
	Total   int64            `json:"total"`
	ByClass map[string]int64 `json:"by_class"`
}

// Connections counts what happened to connections during the measured window.
type Connections struct {
	// Opened is the number of connections the pool dialed successfully.
	Opened int64 `json:"opened"`
	// Reused is the number of requests that got an already used connection.
	Reused int64 `json:"reused"`
	// Unused is the number of dialed connections closed without carrying a request.
	Unused          int64   `json:"unused"`
	TLSHandshakes   int64   `json:"tls_handshakes"`
	TLSResumed      int64   `json:"tls_resumed"`
	RequestsPerConn float64 `json:"requests_per_conn"`
}

// ServerCounts are the embedded target's own counts for one profile.
type ServerCounts struct {
	Accepted      int64 `json:"accepted"`
	Requests      int64 `json:"requests"`
	Unused        int64 `json:"unused"`
	TLSHandshakes int64 `json:"tls_handshakes"`
	TLSResumed    int64 `json:"tls_resumed"`
}

// Latency is a percentile summary in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// PhaseSummary is a percentile summary of one phase and how often it happened.
type PhaseSummary struct {
	Latency
	Count int64 `json:"count"`
}

// Rate describes an open-model run: the requested and achieved arrival rates.
type Rate struct {
	Target   float64 `json:"target"`
	Achieved float64 `json:"achieved"`
	// Late counts arrivals that waited more than a millisecond for a worker.
	Late      int64   `json:"late"`
	MaxLateMs float64 `json:"max_late_ms"`
	Workers   int     `json:"workers"`
}

// Retries counts requests that needed more than one attempt.
type Retries struct {
	RequestsRetried int64 `json:"requests_retried"`
	Total           int64 `json:"total"`
}

// HostCounts counts requests and new connections for one target host.
type HostCounts struct {
	Requests int64 `json:"requests"`
	Opened   int64 `json:"opened"`
}

// Point is one second of a profile's run. Requests counts every request that
// completed in that second, failed ones included; Errors counts the failed.
type Point struct {
	// Second is the offset of this second from the profile's start.
	Second   int64   `json:"t"`
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	NewConns int64   `json:"new_conns"`
	Reused   int64   `json:"reused"`
	P50      float64 `json:"p50_ms"`
	P99      float64 `json:"p99_ms"`
	// Span is the part of this second inside the measured window, in
	// seconds, when that is less than the whole second (the last second of a
	// run); zero means a whole second. Rates divide by it.
	Span float64 `json:"span_s,omitempty"`
}
