package stats

import (
	"runtime"
	"runtime/metrics"
	"syscall"
	"time"

	"github.com/reusebench/reusebench/results"
)

// The runtime metrics a ClientMeter reads: Go's scheduling latency (the
// time goroutines wait to run), the CPU time of its stop-the-world GC
// pauses (a pause's wall time times GOMAXPROCS), the GC's CPU time in all,
// and GOGC.
const (
	metricSched = "/sched/latencies:seconds"
	metricGC    = "/cpu/classes/gc/pause:cpu-seconds"
	metricGCCPU = "/cpu/classes/gc/total:cpu-seconds"
	metricGOGC  = "/gc/gogc:percent"
)

// ClientMeter measures the generator's own cost over a profile's rounds:
// the process's CPU time (user + system), Go's scheduling latency and its
// GC pauses. A load generator's CPU is taken from the system it measures,
// and its scheduling delay lands in the latencies it reports: these say
// when the figures describe the client rather than the server. Begin and
// End bracket each round; they are not safe for concurrent use.
type ClientMeter struct {
	samples       []metrics.Sample
	cpu0          time.Duration
	wall0         time.Time
	sched0        []uint64
	gc0, gcCPU0   float64
	gcCPU         float64
	gogc          *int // GOGC at the last Begin; nil if the runtime does not say
	cpu, wall     time.Duration
	sched         []uint64
	gcPause       time.Duration
	schedBuckets  []float64
	haveHistogram bool
	// procs is the most GOMAXPROCS seen at a Begin.
	procs int
}

// NewClientMeter returns a meter with nothing measured yet.
func NewClientMeter() *ClientMeter {
	return &ClientMeter{samples: []metrics.Sample{{Name: metricSched}, {Name: metricGC}, {Name: metricGCCPU}, {Name: metricGOGC}}}
}

// Begin starts a round's measurement.
func (m *ClientMeter) Begin() {
	m.procs = max(m.procs, runtime.GOMAXPROCS(0))
	m.wall0, m.cpu0 = time.Now(), processCPU()
	metrics.Read(m.samples)
	m.sched0 = counts(m.samples[0])
	m.gc0, m.gcCPU0 = cpuSeconds(m.samples[1]), cpuSeconds(m.samples[2])
	if v := m.samples[3].Value; v.Kind() == metrics.KindUint64 {
		gogc := int(int64(v.Uint64())) // GOGC=off reads as -1
		m.gogc = &gogc
	}
}

// End ends the round begun by Begin and adds it to the profile's totals.
func (m *ClientMeter) End() {
	m.cpu += processCPU() - m.cpu0
	m.wall += time.Since(m.wall0)
	metrics.Read(m.samples)
	m.sched = addDiff(m.sched, counts(m.samples[0]), m.sched0)
	pause := (cpuSeconds(m.samples[1]) - m.gc0) / float64(runtime.GOMAXPROCS(0))
	m.gcPause += time.Duration(pause * float64(time.Second))
	m.gcCPU += cpuSeconds(m.samples[2]) - m.gcCPU0
	if h := histogram(m.samples[0]); h != nil {
		m.schedBuckets, m.haveHistogram = h.Buckets, true
	}
}

// Result is what the rounds measured, for the results file: CPU seconds,
// their share of the wall time times GOMAXPROCS, the p99 of scheduling
// latency and the GC pauses added up.
func (m *ClientMeter) Result() results.Client {
	c := results.Client{CPUS: m.cpu.Seconds()}
	if m.wall > 0 {
		c.CPUShare = m.cpu.Seconds() / (m.wall.Seconds() * float64(max(m.procs, 1)))
	}
	if m.haveHistogram {
		c.SchedP99Ms = 1000 * quantile(m.sched, m.schedBuckets, 0.99)
	}
	c.GCPauseTotalMs = float64(m.gcPause) / float64(time.Millisecond)
	c.GCCPUS = m.gcCPU
	c.GOGC = m.gogc
	return c
}

// processCPU is the process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func histogram(s metrics.Sample) *metrics.Float64Histogram {
	if s.Value.Kind() != metrics.KindFloat64Histogram {
		return nil
	}
	return s.Value.Float64Histogram()
}

func counts(s metrics.Sample) []uint64 {
	if h := histogram(s); h != nil {
		return append([]uint64(nil), h.Counts...)
	}
	return nil
}

// addDiff adds now − before to acc, bucket by bucket.
func addDiff(acc, now, before []uint64) []uint64 {
	if len(acc) < len(now) {
		acc = append(acc, make([]uint64, len(now)-len(acc))...)
	}
	for i := range now {
		var b uint64
		if i < len(before) {
			b = before[i]
		}
		acc[i] += now[i] - b
	}
	return acc
}

// quantile returns the upper bound of the bucket holding quantile q of the
// counts (bucket i spans buckets[i] to buckets[i+1]), or 0 when empty. An
// unbounded top bucket reports its lower bound.
func quantile(counts []uint64, buckets []float64, q float64) float64 {
	var n uint64
	for _, c := range counts {
		n += c
	}
	if n == 0 || len(buckets) != len(counts)+1 {
		return 0
	}
	rank := uint64(q*float64(n-1)) + 1
	var seen uint64
	for i, c := range counts {
		seen += c
		if seen >= rank {
			if hi := buckets[i+1]; hi < 1e300 {
				return hi
			}
			return buckets[i]
		}
	}
	return buckets[len(buckets)-1]
}

// cpuSeconds reads a cumulative CPU-seconds metric (0 if unsupported).
func cpuSeconds(s metrics.Sample) float64 {
	if s.Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return s.Value.Float64()
}
