package loadgen

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/reusebench/reusebench/pool"
)

// MaxProfiles is the most profiles a sweep may make: profiles × values ×
// load levels. More would leave each profile too little of a round (and of
// the machine) to measure anything.
const MaxProfiles = 64

// Sweep is a --sweep KEY=V1,V2,... resolved: a knob of the table and the
// values each profile is run at, smallest first for knobs whose values are
// numbers (Knob.Number: 0 as what it stands for), in the order given for the
// others (false,true).
type Sweep struct {
	Key    string
	Values []string
}

// Swept places a profile in a sweep: the profile it was expanded from, the
// knob and the value it sets.
type Swept struct {
	// From is the name of the -p profile the sweep expanded.
	From string
	// Key is the knob swept, Value its value in this profile, as given.
	Key, Value string
	// Number is Value as a number (Knob.Number), nil for knobs whose values
	// are not numbers and where it is infinite (0 meaning no limit).
	Number *float64
}

// sweepUsage is how a --sweep is written, for errors.
const sweepUsage = "want KEY=V1,V2,... e.g. max-idle-per-host=1,2,4,8 or max-idle-per-host=1..64 (powers of two), http2=false,true"

// ParseSweep parses "KEY=V1,V2,...", where for counts an entry "A..B" stands
// for A, 2A, 4A, … up to B (B included): 1..64 is 1,2,4,8,16,32,64. The key
// must be a knob of the table and every value one the knob accepts (its own
// parser decides); a value may not appear twice, and a sweep needs two
// values at least. Values are kept as written, for profile names, and
// sorted as Sweep says.
func ParseSweep(spec string) (Sweep, error) {
	key, list, ok := strings.Cut(spec, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return Sweep{}, fmt.Errorf("%q: %s", spec, sweepUsage)
	}
	kn, ok := LookupKnob(key)
	if !ok {
		return Sweep{}, fmt.Errorf("unknown key %q (keys: %s)", key, KnobNames())
	}
	s := Sweep{Key: key}
	seen := map[string]bool{}
	for _, entry := range strings.Split(list, ",") {
		entry = strings.TrimSpace(entry)
		vals, err := kn.expand(entry)
		if err != nil {
			return Sweep{}, err
		}
		for _, v := range vals {
			if seen[v] {
				return Sweep{}, fmt.Errorf("%s=%s: value %s is given twice", key, list, v)
			}
			seen[v] = true
			s.Values = append(s.Values, v)
			if len(s.Values) > MaxProfiles {
				return Sweep{}, fmt.Errorf("%s=%s: more than %d values", key, list, MaxProfiles)
			}
		}
	}
	if len(s.Values) < 2 {
		return Sweep{}, fmt.Errorf("%s=%s: a sweep needs two values at least (%s)", key, list, sweepUsage)
	}
	if _, ok := kn.Number(s.Values[0]); ok { // every value parsed, so all are numbers
		slices.SortStableFunc(s.Values, func(a, b string) int {
			x, _ := kn.Number(a)
			y, _ := kn.Number(b)
			return cmp.Compare(x, y)
		})
	}
	return s, nil
}

// expand turns one entry of a sweep's list into its values: a value the
// knob accepts, or for a count a range A..B (doubling from A, B included).
func (k Knob) expand(entry string) ([]string, error) {
	if entry == "" {
		return nil, fmt.Errorf("%s: an empty value (%s)", k.Name, sweepUsage)
	}
	from, to, isRange := strings.Cut(entry, "..")
	if !isRange {
		scratch := Profile{Pool: pool.DefaultOptions(pool.Shared, 1)}
		if err := k.set(&scratch, entry); err != nil {
			return nil, err
		}
		return []string{entry}, nil
	}
	if k.kind != countKind {
		return nil, fmt.Errorf("%s=%s: a range A..B is for counts; list %s's values instead", k.Name, entry, k.Name)
	}
	lo, err := parseCount(k.Name, strings.TrimSpace(from))
	if err != nil {
		return nil, err
	}
	hi, err := parseCount(k.Name, strings.TrimSpace(to))
	if err != nil {
		return nil, err
	}
	if lo < 1 || hi < lo {
		return nil, fmt.Errorf("%s=%s: a range A..B needs 1 ≤ A ≤ B (it doubles from A to B)", k.Name, entry)
	}
	var out []string
	for v := lo; v <= hi && len(out) <= MaxProfiles; v *= 2 {
		out = append(out, fmt.Sprint(v))
		if v > hi/2 {
			break // the next doubling passes hi (and cannot overflow)
		}
	}
	if last := fmt.Sprint(hi); out[len(out)-1] != last {
		out = append(out, last)
	}
	return out, nil
}

// Expand returns one profile per value of the sweep: spec with KEY=V added
// (parsed as ParseProfile parses "spec,KEY=V"), named NAME/KEY=V, in the
// order of the values. A spec that sets the key itself is refused: the
// sweep would silently override it.
func (s Sweep) Expand(spec string, d Defaults) ([]Profile, error) {
	fields := strings.Split(spec, ",")
	for _, f := range fields[1:] {
		if k, _, ok := strings.Cut(f, "="); ok && strings.TrimSpace(k) == s.Key {
			return nil, fmt.Errorf("profile %q sets %s itself; --sweep %s sets it in every profile it makes", spec, s.Key, s.Key)
		}
	}
	kn, ok := LookupKnob(s.Key)
	if !ok {
		return nil, fmt.Errorf("unknown key %q (keys: %s)", s.Key, KnobNames())
	}
	out := make([]Profile, 0, len(s.Values))
	for _, v := range s.Values {
		p, err := ParseProfile(spec+","+s.Key+"="+v, d)
		if err != nil {
			return nil, err
		}
		sw := &Swept{From: p.Name, Key: s.Key, Value: v}
		if n, ok := kn.Number(v); ok && !math.IsInf(n, 0) {
			sw.Number = &n
		}
		p.Name = sweptName(p.Name, s.Key, v)
		p.Swept = sw
		out = append(out, p)
	}
	return out, nil
}

// sweptName is the name of the profile a sweep makes of profile name with
// key=value: "shared/max-idle-per-host=4".
func sweptName(name, key, value string) string { return name + "/" + key + "=" + value }
