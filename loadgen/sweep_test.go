package loadgen_test

import (
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/reusebench/reusebench/loadgen"
)

func TestParseSweep(t *testing.T) {
	tests := []struct {
		spec    string
		want    []string
		wantErr string
	}{
		{spec: "max-idle-per-host=1,2,4", want: []string{"1", "2", "4"}},
		// Numbers are sorted, smallest first: names and run order follow.
		{spec: "max-idle-per-host=32, 8 ,2", want: []string{"2", "8", "32"}},
		// 0 is what it stands for: Go's default of 2 idle connections (a
		// tie with 2 keeps the order given), no limit for max-conns-per-host.
		{spec: "max-idle=4,0,2,1", want: []string{"1", "2", "4", "0"}},
		{spec: "max-conns-per-host=0,16,4", want: []string{"4", "16", "0"}},
		{spec: "idle-timeout=90s,100ms,1s", want: []string{"100ms", "1s", "90s"}},
		// Values that are not numbers keep the order given.
		{spec: "http2=true,false", want: []string{"true", "false"}},
		// Powers of two from 1 up to 64, both ends included.
		{spec: "max-idle-per-host=1..64", want: []string{"1", "2", "4", "8", "16", "32", "64"}},
		// Doubling from 3: 3, 6, 12, then 20 itself (24 would pass it).
		{spec: "max-conns-per-host=3..20", want: []string{"3", "6", "12", "20"}},
		// Ranges and values mix.
		{spec: "max-idle-per-host=100,1..4", want: []string{"1", "2", "4", "100"}},
		{spec: "http2=false,true", want: []string{"false", "true"}},
		{spec: "idle-timeout=100ms,1s,90s", want: []string{"100ms", "1s", "90s"}},
		{spec: "retry-on=502+503,reset", want: []string{"502+503", "reset"}},
		{spec: "nope=1,2", wantErr: `unknown key "nope" (keys: max-idle,`},
		{spec: "max-idle-per-host", wantErr: "want KEY=V1,V2"},
		{spec: "=1,2", wantErr: "want KEY=V1,V2"},
		{spec: "max-idle-per-host=1,x", wantErr: "max-idle-per-host=x: want a whole number ≥ 0"},
		{spec: "max-idle-per-host=1,-2", wantErr: "max-idle-per-host=-2: want a whole number ≥ 0"},
		{spec: "http2=false,maybe", wantErr: "http2=maybe: want true or false"},
		{spec: "idle-timeout=1s,soon", wantErr: "idle-timeout=soon: want a duration"},
		{spec: "local-addr=127.0.0.1,nowhere", wantErr: "local-addr=nowhere: want an IP address"},
		{spec: "max-idle-per-host=1,,2", wantErr: "an empty value"},
		{spec: "max-idle-per-host=4", wantErr: "two values at least"},
		{spec: "max-idle-per-host=1..4,4", wantErr: "value 4 is given twice"},
		{spec: "max-idle-per-host=0..8", wantErr: "needs 1 ≤ A ≤ B"},
		{spec: "max-idle-per-host=8..2", wantErr: "needs 1 ≤ A ≤ B"},
		{spec: "max-idle-per-host=1..x", wantErr: "max-idle-per-host=x: want a whole number"},
		{spec: "idle-timeout=1s..8s", wantErr: "a range A..B is for counts"},
		{spec: "http2=false..true", wantErr: "a range A..B is for counts"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			s, err := loadgen.ParseSweep(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Values, tt.want) {
				t.Errorf("values %q, want %q", s.Values, tt.want)
			}
		})
	}
}

// TestParseSweepLimit: a list longer than MaxProfiles is refused while it is
// read, and the longest doubling range of an int stays short.
func TestParseSweepLimit(t *testing.T) {
	var vals []string
	for i := 1; i <= loadgen.MaxProfiles+1; i++ {
		vals = append(vals, strconv.Itoa(i))
	}
	if _, err := loadgen.ParseSweep("max-idle=" + strings.Join(vals, ",")); err == nil ||
		!strings.Contains(err.Error(), "more than 64 values") {
		t.Errorf("65 values: error %v, want more than 64 values", err)
	}
	s, err := loadgen.ParseSweep("max-idle=1..9223372036854775807")
	if err != nil {
		t.Fatal(err)
	}
	// 2^0 … 2^62, then the end itself: 64 values.
	if len(s.Values) != 64 || s.Values[62] != "4611686018427387904" || s.Values[63] != "9223372036854775807" {
		t.Errorf("%d values ending %q", len(s.Values), s.Values[len(s.Values)-2:])
	}
}

func TestSweepExpand(t *testing.T) {
	d := loadgen.Defaults{Workers: 16}
	s, err := loadgen.ParseSweep("max-idle-per-host=1..4")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := s.Expand("pool=shared,idle-timeout=5s", d)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i, p := range ps {
		names = append(names, p.Name)
		want := 1 << i // 1, 2, 4
		if p.Pool.MaxIdlePerHost != want || p.Pool.IdleTimeout.Seconds() != 5 {
			t.Errorf("%s: max idle per host %d, idle timeout %v; want %d and 5s", p.Name, p.Pool.MaxIdlePerHost, p.Pool.IdleTimeout, want)
		}
		sw := p.Swept
		if sw == nil || sw.From != "pool" || sw.Key != "max-idle-per-host" || sw.Number == nil || *sw.Number != float64(want) {
			t.Errorf("%s: swept %+v, want from pool, key max-idle-per-host, number %d", p.Name, sw, want)
		}
	}
	if want := []string{"pool/max-idle-per-host=1", "pool/max-idle-per-host=2", "pool/max-idle-per-host=4"}; !reflect.DeepEqual(names, want) {
		t.Errorf("names %q, want %q", names, want)
	}

	// Unnamed specs are named by their strategy; a retry-on list before the
	// swept key ends where the key starts.
	s2 := loadgen.Sweep{Key: "http2", Values: []string{"false", "true"}}
	ps, err = s2.Expand("shared,retries=1,retry-on=502,503", d)
	if err != nil {
		t.Fatal(err)
	}
	if ps[0].Name != "shared/http2=false" || ps[1].Name != "shared/http2=true" || ps[0].Pool.HTTP2 || !ps[1].Pool.HTTP2 {
		t.Errorf("profiles %q %v, %q %v", ps[0].Name, ps[0].Pool.HTTP2, ps[1].Name, ps[1].Pool.HTTP2)
	}
	if !ps[1].Retry.Statuses[503] || ps[1].Retry.Statuses[504] || ps[1].Swept.Number != nil {
		t.Errorf("retry-on %q, number %v: want 502,503 and no number for a bool", ps[1].RetryOn, ps[1].Swept.Number)
	}

	if _, err := s.Expand("shared,max-idle-per-host=8", d); err == nil || !strings.Contains(err.Error(), "sets max-idle-per-host itself") {
		t.Errorf("a spec setting the swept key: error %v", err)
	}
	if _, err := s.Expand("pooled", d); err == nil || !strings.Contains(err.Error(), "valid: shared") {
		t.Errorf("a bad strategy: error %v", err)
	}
}

// TestKnobNumber: the number each kind of value stands for, 0 included.
func TestKnobNumber(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		key, value string
		want       float64
		ok         bool
	}{
		{"max-idle-per-host", "16", 16, true},
		{"max-idle-per-host", "0", 2, true},    // Go's DefaultMaxIdleConnsPerHost
		{"max-conns-per-host", "0", inf, true}, // no limit
		{"idle-timeout", "1500ms", 1.5, true},
		{"idle-timeout", "0", inf, true}, // no idle timeout
		{"retries", "0", 0, true},
		{"max-idle-per-host", "x", 0, false},
		{"http2", "true", 0, false},
		{"local-addr", "127.0.0.2", 0, false},
	}
	for _, tt := range tests {
		k, ok := loadgen.LookupKnob(tt.key)
		if !ok {
			t.Fatalf("no knob %s", tt.key)
		}
		if n, ok := k.Number(tt.value); n != tt.want || ok != tt.ok {
			t.Errorf("%s=%s: %v, %v; want %v, %v", tt.key, tt.value, n, ok, tt.want, tt.ok)
		}
	}
}

// FuzzParseSweep: any input either fails with an error or gives 2 to 64
// distinct values, each one its knob accepts in a profile.
func FuzzParseSweep(f *testing.F) {
	for _, s := range []string{"max-idle-per-host=1..64", "http2=false,true", "idle-timeout=1s,2s", "max-idle=3..20,7",
		"retry-on=502+503,reset", "x=1", "max-idle=..", "max-idle=1..", ",=,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := loadgen.ParseSweep(spec)
		if err != nil {
			return
		}
		if len(s.Values) < 2 || len(s.Values) > loadgen.MaxProfiles {
			t.Fatalf("%q: %d values", spec, len(s.Values))
		}
		seen := map[string]bool{}
		for _, v := range s.Values {
			if seen[v] {
				t.Fatalf("%q: %s twice", spec, v)
			}
			seen[v] = true
			if strings.Contains(v, ",") {
				t.Fatalf("%q: value %q holds a comma", spec, v)
			}
		}
	})
}
