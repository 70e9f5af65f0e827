package plots

import (
	"bufio"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/trace"
)

var keep = flag.String("plots.keep", "", "also write the test plots under this directory, to look at them")

// encode returns the results-file form of a histogram of values in µs.
func encode(t *testing.T, values []int64) string {
	t.Helper()
	h := hdrhistogram.New(1, 60_000_000, 3)
	for _, v := range values {
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	enc, err := results.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// kind shapes a synthetic profile.
type kind struct {
	name            string
	requests        int
	medianMs        float64 // of the total
	connsPerRequest float64 // 1 for fresh, small for a shared pool
	corrected       bool
	seconds         int
	errorsOnly      bool
	noHistograms    bool
}

// profile builds a plausible profile of k, deterministic for a seed.
func profile(t *testing.T, k kind, seed uint64) results.Profile {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	p := results.Profile{Name: k.name, Requests: int64(k.requests), Histograms: map[string]string{},
		Phases: map[string]results.PhaseSummary{}}
	total := make([]int64, k.requests)
	corr := make([]int64, k.requests)
	for i := range total {
		v := k.medianMs * 1000 * math.Exp(0.5*rng.NormFloat64())
		if rng.IntN(200) == 0 {
			v *= 20 // a tail
		}
		total[i] = max(int64(v), 1)
		corr[i] = total[i] + int64(rng.ExpFloat64()*k.medianMs*2000)
	}
	if !k.noHistograms && k.requests > 0 {
		p.Histograms["total"] = encode(t, total)
		if k.corrected {
			p.Histograms["corrected"] = encode(t, corr)
		}
	}
	conns := int64(math.Ceil(float64(k.requests) * k.connsPerRequest))
	if k.requests > 0 {
		m := k.medianMs
		p.Phases = map[string]results.PhaseSummary{
			"wait":    {Latency: results.Latency{Mean: 0.05 * m, P99: 0.4 * m}, Count: p.Requests},
			"dns":     {Latency: results.Latency{Mean: 0.3, P99: 0.9}, Count: conns},
			"connect": {Latency: results.Latency{Mean: 0.2 * m, P99: 0.5 * m}, Count: conns},
			"tls":     {Latency: results.Latency{Mean: 0.6 * m, P99: 1.2 * m}, Count: conns},
			"ttfb":    {Latency: results.Latency{Mean: 0.5 * m, P99: 3 * m}, Count: p.Requests},
			"body":    {Latency: results.Latency{Mean: 0.1 * m, P99: 0.4 * m}, Count: p.Requests},
		}
		p.Latency.Mean = 0.65*m + float64(conns)/float64(k.requests)*(0.8*m+0.3)
	}
	for s := range k.seconds {
		n := int64(k.requests / max(k.seconds, 1))
		pt := results.Point{Second: int64(s), Requests: n, P50: k.medianMs, P99: k.medianMs * (4 + rng.Float64())}
		if k.errorsOnly {
			pt.Errors = n
		} else {
			pt.NewConns = min(int64(math.Ceil(float64(n)*k.connsPerRequest*(0.5+rng.Float64()))), n)
			pt.Reused = max(n-pt.NewConns, 0)
		}
		p.Series = append(p.Series, pt)
	}
	if k.errorsOnly {
		p.Errors.Total = p.Requests
	}
	return p
}

func makeResults(t *testing.T, rate float64, kinds ...kind) *results.Results {
	t.Helper()
	res := &results.Results{
		Version: results.Version, Started: time.Date(2025, 6, 1, 14, 30, 0, 0, time.UTC),
		Target: "https://127.0.0.1:8443/small", Settings: results.Settings{Concurrency: 16, Rate: rate},
	}
	for i, k := range kinds {
		res.Profiles = append(res.Profiles, profile(t, k, uint64(i+1)))
	}
	return res
}

func TestHistogramRoundTrip(t *testing.T) {
	p := results.Profile{Name: "x", Histograms: map[string]string{"total": encode(t, []int64{1000, 2000, 3000})}}
	h, err := p.Histogram("total")
	if err != nil || h.TotalCount() != 3 {
		t.Fatalf("decode: %v, %v", h, err)
	}
}

func TestWrite(t *testing.T) {
	three := []kind{
		{name: "shared", requests: 20000, medianMs: 2, connsPerRequest: 0.0008, corrected: true, seconds: 30},
		{name: "go-default", requests: 15000, medianMs: 3, connsPerRequest: 0.3, corrected: true, seconds: 30},
		{name: "fresh", requests: 6000, medianMs: 9, connsPerRequest: 1, seconds: 30},
	}
	var eight []kind
	for i := range 8 {
		eight = append(eight, kind{name: fmt.Sprintf("per-worker-idle%ds-h%d", 30*i, 1+i%2), requests: 3000 + 500*i,
			medianMs: 1 + float64(i), connsPerRequest: float64(i) / 8, seconds: 10 + i})
	}
	tests := []struct {
		name string
		res  *results.Results
		// colored lists the profiles whose colour must appear in the line plots.
		colored []int
		hgrms   int
	}{
		{"three", makeResults(t, 0, three...), []int{0, 1, 2}, 3},
		{"open model", makeResults(t, 2500, three...), []int{0, 1, 2}, 3},
		{"single", makeResults(t, 0, three[0]), []int{0}, 1},
		{"eight", makeResults(t, 0, eight...), []int{0, 1, 2, 3, 4, 5, 6, 7}, 8},
		{"edge cases", makeResults(t, 0,
			kind{name: "ok", requests: 2000, medianMs: 2, connsPerRequest: 0.01, seconds: 5},
			kind{name: "idle"}, // zero requests, no histogram, no series
			kind{name: "no-hist", requests: 100, medianMs: 1, seconds: 1, noHistograms: true},
			kind{name: "refused", requests: 50, medianMs: 0.2, connsPerRequest: 1, seconds: 1, errorsOnly: true},
			kind{name: "one", requests: 1, medianMs: 4, connsPerRequest: 1, seconds: 1},
			kind{name: "a very long profile name / with spaces and slashes", requests: 300, medianMs: 3, seconds: 3},
		), []int{0, 5}, 4},
		{"all zero", &results.Results{Profiles: []results.Profile{{Name: "z", Requests: 3,
			Series:     []results.Point{{Second: 0, Requests: 3}},
			Phases:     map[string]results.PhaseSummary{"ttfb": {Count: 3}},
			Histograms: map[string]string{"total": encode(t, []int64{0, 0, 0})}}}}, nil, 1},
		{"no profiles", &results.Results{}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if *keep != "" {
				dir = filepath.Join(*keep, strings.ReplaceAll(tt.name, " ", "-"))
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			paths, err := Write(tt.res, dir)
			if err != nil {
				t.Fatalf("Write: %v", err)
			}
			pngs := []string{LatencyFile, PhasesFile, TimelineFile, ConnectionsFile}
			if len(tt.res.Profiles) > 0 { // no summary of no profiles
				pngs = append(pngs, SummaryFile)
			}
			if want := len(pngs) + tt.hgrms; len(paths) != want {
				t.Fatalf("wrote %d files, want %d: %v", len(paths), want, paths)
			}
			for _, name := range pngs {
				img := decodePNG(t, filepath.Join(dir, name))
				colors := distinctColors(img)
				if len(colors) < 50 {
					t.Errorf("%s: only %d distinct colours: blank?", name, len(colors))
				}
				if name == PhasesFile && len(tt.res.Profiles) > 0 && tt.name != "all zero" {
					for j, ph := range trace.Steps() {
						if !colors[PhaseColor(j)] {
							t.Errorf("%s: phase %s colour missing", name, ph)
						}
					}
				}
				if name != PhasesFile && name != SummaryFile { // these colour phases, verdicts
					for _, i := range tt.colored {
						if !colors[ProfileColor(i)] {
							t.Errorf("%s: colour of profile %d (%s) missing", name, i, tt.res.Profiles[i].Name)
						}
					}
				}
			}
			for i, name := range HgrmNames(tt.res) {
				path := filepath.Join(dir, name)
				if _, err := os.Stat(path); err != nil {
					continue // profiles without a total histogram have no file
				}
				checkHgrm(t, path, &tt.res.Profiles[i])
			}
		})
	}
}

func TestWriteReportsBadHistogram(t *testing.T) {
	t.Parallel()
	res := makeResults(t, 0, kind{name: "a", requests: 100, medianMs: 1, seconds: 2},
		kind{name: "b", requests: 100, medianMs: 1, seconds: 2})
	res.Profiles[1].Histograms["total"] = "not base64!"
	paths, err := Write(res, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "plots: latency.png:") || !strings.Contains(err.Error(), "b.hgrm") {
		t.Fatalf("want errors naming latency.png and b.hgrm, got %v", err)
	}
	if len(paths) != 6 { // 5 PNGs and a.hgrm
		t.Errorf("wrote %v, want the 5 PNGs and a.hgrm", paths)
	}
	if _, err := Write(nil, t.TempDir()); err == nil {
		t.Error("nil results: want an error")
	}
	if _, err := Write(res, filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing directory: want an error")
	}
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != Width || b.Dy() != Height {
		t.Errorf("%s: %dx%d, want %dx%d", path, b.Dx(), b.Dy(), Width, Height)
	}
	return img
}

func distinctColors(img image.Image) map[color.RGBA]bool {
	seen := map[color.RGBA]bool{}
	switch m := img.(type) { // fast paths: the race detector makes At slow
	case *image.RGBA:
		for i := 0; i+3 < len(m.Pix); i += 4 {
			seen[color.RGBA{m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3]}] = true
		}
		return seen
	case *image.NRGBA:
		for i := 0; i+3 < len(m.Pix); i += 4 {
			if m.Pix[i+3] == 0xff { // opaque: the same as premultiplied
				seen[color.RGBA{m.Pix[i], m.Pix[i+1], m.Pix[i+2], 0xff}] = true
			}
		}
		return seen
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}] = true
		}
	}
	return seen
}

// checkHgrm checks the .hgrm at path: percentile rows of four numbers in
// milliseconds, ending at the histogram's maximum, and the "#[" footer.
func checkHgrm(t *testing.T, path string, p *results.Profile) {
	t.Helper()
	h, err := p.Histogram("total")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows int
	var last float64
	var footer []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "Value"):
		case strings.HasPrefix(line, "#["):
			footer = append(footer, line)
		default:
			fields := strings.Fields(line)
			if len(fields) != 4 {
				t.Fatalf("%s: row %q has %d fields", path, line, len(fields))
			}
			for _, s := range fields {
				if _, err := strconv.ParseFloat(s, 64); err != nil && s != "inf" {
					t.Fatalf("%s: row %q: %v", path, line, err)
				}
			}
			last, _ = strconv.ParseFloat(fields[0], 64)
			rows++
		}
	}
	if rows < 2 || len(footer) != 3 || !strings.HasPrefix(footer[0], "#[Mean") {
		t.Fatalf("%s: %d rows, footer %q", path, rows, footer)
	}
	maxMs := float64(h.Max()) / 1000
	if math.Abs(last-maxMs) > 0.001+maxMs*1e-6 {
		t.Errorf("%s: last row value %.3f, want the max %.3f ms", path, last, maxMs)
	}
}
