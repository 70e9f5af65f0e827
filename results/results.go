// Package results is the results.json contract between a run and every
// report: its types, its atomic write, its validating read, and the merge of
// several files (runs of several machines, or rounds of several runs) into
// one. Every summary in a file is derived from its histograms.
package results

import "time"

// Version is the results file format written by this build. Version 2
// added rounds: settings.rounds, order, seed and baseline; per profile
// rounds, intervals and vs_baseline. Version 3 added sweeps: settings.sweep,
// per profile load (written on every profile) and sweep, and the run's
// recommendation; segments (settings.segment, merged), round histograms and
// the generator's own cost (client) came with it, and so did every attempt
// accounted for: per profile attempts (sent, retries, transport_retries,
// redirects, retried), abandoned, errors.examples, rate.not_sent,
// server.read, aborted, dropped, reset, stale and closed_by; settings
// max_errors, max_error_rate_pct and no_redirects. connections.reused
// counts attempts on a used connection, a request's silent retries
// included.
const Version = 3

// Results is the content of a results.json file: the contract between a run and
// every report. It holds numbers and encoded histograms only, so a saved file can
// be re-rendered and several files can be merged.
type Results struct {
	Version  int       `json:"version"`
	Started  time.Time `json:"started"`
	Target   string    `json:"target"`
	Settings Settings  `json:"settings"`
	Profiles []Profile `json:"profiles"`
	// Merged describes the segments a merge of a segmented run put
	// together; absent otherwise.
	Merged *Merged `json:"merged,omitempty"`
	// Recommendation is a sweep's recommendation: one per swept profile
	// and load level (stats.Assess fills it).
	Recommendation []Recommendation `json:"recommendation,omitempty"`
}

// Merged is what a merge of a segmented run's files found: the run, its
// segments, those missing (a partial merge) and how far apart the
// generators started.
type Merged struct {
	RunID    string `json:"run_id"`
	Segments int    `json:"segments"`
	Missing  []int  `json:"missing,omitempty"`
	// StartSkewMs is the latest start of a generator's measured window
	// minus the earliest, in milliseconds.
	StartSkewMs float64 `json:"start_skew_ms"`
}

// Settings are the run-wide settings, shared by every profile of a run.
type Settings struct {
	Concurrency int     `json:"concurrency"`
	DurationS   float64 `json:"duration_s,omitempty"`
	Requests    int64   `json:"requests,omitempty"`
	WarmupS     float64 `json:"warmup_s"`
	Rate        float64 `json:"rate"`
	MaxWorkers  int     `json:"max_workers,omitempty"`
	// MaxErrors and MaxErrorRate are the error limits that stop a profile
	// early (--max-errors, --max-error-rate); NoRedirects says 3xx responses
	// were counted as responses, not followed.
	MaxErrors    int64   `json:"max_errors,omitempty"`
	MaxErrorRate float64 `json:"max_error_rate_pct,omitempty"`
	NoRedirects  bool    `json:"no_redirects,omitempty"`
	// Rounds is how many rounds each profile's measured window was split
	// into; the rounds of all profiles ran interleaved.
	Rounds int `json:"rounds,omitempty"`
	// Order is the profile names in the order they ran, one list per round.
	Order [][]string `json:"order,omitempty"`
	// Seed is the seed of a shuffled order (--seed), absent for the
	// balanced rotation.
	Seed *uint64 `json:"seed,omitempty"`
	// Baseline names the profile the others are compared with.
	Baseline string `json:"baseline,omitempty"`
	// Segment says which part of a run split across generators this file
	// holds (--segment); absent for a whole run.
	Segment *Segment `json:"segment,omitempty"`
	// Sweep describes a sweep of a knob or of the load. With a load sweep,
	// Concurrency (or Rate) is the largest level; each profile's own is
	// Profile.Load.
	Sweep *Sweep `json:"sweep,omitempty"`
}

// Segment is one generator's part of a run split across Count generators.
// Every segment of one run has the same RunID.
type Segment struct {
	Index int    `json:"index"`
	Count int    `json:"count"`
	RunID string `json:"run_id"`
	// StartAt is when the measured window was to start on every generator
	// (--start-at, or the rendezvous's announced start); Started is when it
	// did start on this one.
	StartAt time.Time `json:"start_at,omitzero"`
	Started time.Time `json:"started"`
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
	// Attempts counts every request put on the wire; absent from files
	// written before it was added.
	Attempts *Attempts `json:"attempts,omitempty"`
	// Abandoned counts requests in flight when the run was interrupted
	// (Ctrl-C): neither successes nor errors, and not in the latencies, but
	// their attempts count in Attempts.
	Abandoned int64 `json:"abandoned,omitempty"`
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
	// Client is the generator's own cost while the profile ran: when it is
	// high, the figures describe the client, not the server.
	Client *Client `json:"client,omitempty"`
	// Load is the load the profile ran at (Results.LoadOf reads older
	// files too).
	Load *ProfileLoad `json:"load,omitempty"`
	// Sweep places the profile in a sweep: the profile it was expanded from
	// and the knob's value in it.
	Sweep *SweepPoint `json:"sweep,omitempty"`
	// Rounds are the profile's figures in each round it ran, in order.
	Rounds []Round `json:"rounds,omitempty"`
	// Intervals are the centre and 95 % interval of the per-round figures.
	Intervals *Intervals `json:"intervals,omitempty"`
	// VsBaseline compares the profile's rounds with the baseline's (absent
	// on the baseline itself).
	VsBaseline *Comparison `json:"vs_baseline,omitempty"`
	// Histograms maps a histogram name (a phase, "corrected", "first_attempt") to
	// its standard compressed HDR encoding (base64 text), in microseconds.
	Histograms map[string]string `json:"histograms"`
}

// Errors counts failed requests, by error class of their final attempt.
type Errors struct {
	Total   int64            `json:"total"`
	ByClass map[string]int64 `json:"by_class"`
	// Examples holds up to three distinct messages per class, with no
	// secret in them (URLs without user info or query values).
	Examples map[string][]string `json:"examples,omitempty"`
}

// Connections counts what happened to connections during the measured window.
type Connections struct {
	// Opened is the number of connections the pool dialed successfully.
	Opened int64 `json:"opened"`
	// Reused is the number of attempts on the wire that got an already
	// used connection (a request's silent retries count apart).
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
	// Read counts every request the target read, answered or not: it
	// equals attempts.sent. Aborted, Dropped, Reset and Stale are the ones
	// not answered (client gone, dropped, reset mid-body, arrived on a
	// connection the target had closed or forgotten).
	Read    int64 `json:"read,omitempty"`
	Aborted int64 `json:"aborted,omitempty"`
	Dropped int64 `json:"dropped,omitempty"`
	Reset   int64 `json:"reset,omitempty"`
	Stale   int64 `json:"stale,omitempty"`
	// ClosedBy counts the connections that closed, by who closed them and
	// why ("client", "idle_close", "close_after", ...).
	ClosedBy map[string]int64 `json:"closed_by,omitempty"`
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
	// NotSent counts arrivals due before the end of the measured window
	// that found no free worker by then: counted, never sent.
	NotSent int64 `json:"not_sent"`
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

// Round is one round of a profile: a slice of its measured window, run
// between other profiles' rounds.
type Round struct {
	// Round numbers the round from 1.
	Round      int          `json:"round"`
	Started    time.Time    `json:"started"`
	DurationS  float64      `json:"duration_s"`
	Requests   int64        `json:"requests"`
	Errors     int64        `json:"errors"`
	Throughput float64      `json:"throughput"`
	Latency    RoundLatency `json:"latency_ms"`
	// Opened is the connections the pool opened during the round.
	Opened int64 `json:"opened"`
	// Histogram is the round's latency histogram at 2 significant digits, in
	// the standard compressed encoding, so that the rounds of a run's
	// segments merge exactly.
	Histogram string `json:"histogram,omitempty"`
}

// RoundLatency is a round's latency percentiles in milliseconds.
type RoundLatency struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

// Intervals are the per-round statistics of a profile.
type Intervals struct {
	Throughput Interval `json:"throughput"`
	P50        Interval `json:"p50"`
	P99        Interval `json:"p99"`
}

// Interval is the median of per-round values with its confidence interval.
type Interval struct {
	Center float64 `json:"center"`
	Lo     float64 `json:"lo"`
	Hi     float64 `json:"hi"`
	// N is the number of rounds it rests on.
	N int `json:"n"`
	// Warning says why the interval means less than it says (too few
	// rounds, values dropped).
	Warning string `json:"warning,omitempty"`
}

// Comparison is a profile against a baseline: the ratio of each figure.
type Comparison struct {
	Baseline   string `json:"baseline"`
	Throughput Ratio  `json:"throughput"`
	P50        Ratio  `json:"p50"`
	P99        Ratio  `json:"p99"`
}

// The verdicts of a Ratio.
const (
	Better = "better"
	Worse  = "worse"
	Same   = "same" // no significant difference
)

// Ratio is a figure of one profile over the baseline's, with its interval
// and verdict: Better, Worse or Same. For latency lower is better.
type Ratio struct {
	Ratio   float64 `json:"ratio"`
	Lo      float64 `json:"lo"`
	Hi      float64 `json:"hi"`
	Verdict string  `json:"verdict"`
	// N is the number of paired rounds it rests on.
	N       int    `json:"n"`
	Warning string `json:"warning,omitempty"`
}

// Client is what the load generator itself used while a profile ran: CPU
// seconds (user + system, of the whole process: with the embedded target,
// the target's too), their share of the cores (GOMAXPROCS), the p99 of Go's
// scheduling latency, and the GC's stop-the-world pauses added up; then
// the CPU seconds the GC took in all (pauses, marking, assists: part of
// cpu_s) and the GOGC it ran with (absent in files before it was recorded).
type Client struct {
	CPUS           float64 `json:"cpu_s"`
	CPUShare       float64 `json:"cpu_share"`
	SchedP99Ms     float64 `json:"sched_p99_ms"`
	GCPauseTotalMs float64 `json:"gc_pause_total_ms"`
	GCCPUS         float64 `json:"gc_cpu_s,omitempty"`
	GOGC           *int    `json:"gogc,omitempty"`
}
