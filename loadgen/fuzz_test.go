package loadgen

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The fuzz tests run their seed corpora (testdata/fuzz/FuzzXxx) with go
// test; go test -fuzz=FuzzXxx explores further. Every parser must return an
// error, never panic, and its errors are one line.

// oneLine fails t when err spans lines.
func oneLine(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.ContainsAny(err.Error(), "\r\n") {
		t.Errorf("error spans lines: %q", err)
	}
}

// FuzzParseProfile checks that a profile spec parses or fails, and that a
// parsed profile's options, written back as a spec, parse to the same
// options.
func FuzzParseProfile(f *testing.F) {
	f.Fuzz(func(t *testing.T, spec string) {
		p, err := ParseProfile(spec, Defaults{Workers: 4})
		oneLine(t, err)
		if err != nil {
			return
		}
		again := "again=" + string(p.Pool.Strategy)
		opts := p.Options()
		for _, k := range Knobs() {
			if v, ok := opts[k.Name]; ok {
				again += "," + k.Name + "=" + strings.ReplaceAll(v, ",", "+")
			}
		}
		q, err := ParseProfile(again, Defaults{Workers: 4})
		if err != nil {
			t.Fatalf("%q parsed, but its options %q do not: %v", spec, again, err)
		}
		for k, v := range opts {
			if q.Options()[k] != v {
				t.Errorf("%q: option %s=%s reads back as %s", spec, k, v, q.Options()[k])
			}
		}
	})
}

// FuzzParseTargets checks that a targets file parses or fails with one line,
// and that every target parsed has an http(s) URL with a host, a known
// method and headers that parse back.
func FuzzParseTargets(f *testing.F) {
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data string) {
		ts, err := ParseTargets(strings.NewReader(data), dir, http.Header{})
		oneLine(t, err)
		for _, tg := range ts {
			if (tg.URL.Scheme != "http" && tg.URL.Scheme != "https") || tg.URL.Host == "" || !isMethod(tg.Method) {
				t.Errorf("target %s %s accepted", tg.Method, tg.URL)
			}
			for k, vs := range tg.Header {
				for _, v := range vs {
					if _, _, err := ParseHeader(k + ": " + v); err != nil {
						t.Errorf("header %q: %q accepted, but does not parse back: %v", k, v, err)
					}
				}
			}
		}
	})
}

// FuzzParseHeader checks that a header line parses to a token name and a
// value without control characters, and that no error quotes what follows
// the name: a secret planted there, or in a line without a colon, never
// appears in an error.
func FuzzParseHeader(f *testing.F) {
	f.Fuzz(func(t *testing.T, name, value string) {
		for _, line := range []string{name + ":S3CR3T" + value, strings.ReplaceAll(name, ":", "") + " S3CR3T" + strings.ReplaceAll(value, ":", "")} {
			k, v, err := ParseHeader(line)
			oneLine(t, err)
			if err != nil {
				if strings.Contains(err.Error(), "S3CR3T") {
					t.Errorf("ParseHeader(%q): error %q quotes the value", line, err)
				}
				continue
			}
			if !ValidToken(k) || !validHeaderValue(v) {
				t.Errorf("ParseHeader(%q) = %q, %q: not a token and a clean value", line, k, v)
			}
			if k2, v2, err := ParseHeader(k + ": " + v); err != nil || k2 != k || v2 != v {
				t.Errorf("%q: %q: %q does not parse back: %q, %q, %v", line, k, v, k2, v2, err)
			}
		}
	})
}

// FuzzParseRetryOn checks that a retry-on list parses to statuses in
// 100-599 or fails.
func FuzzParseRetryOn(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		statuses, _, err := ParseRetryOn(s)
		oneLine(t, err)
		for code := range statuses {
			if code < 100 || code > 599 {
				t.Errorf("ParseRetryOn(%q) accepted status %d", s, code)
			}
		}
	})
}

// FuzzParseBackoff checks that a backoff parses to 0 < BASE ≤ MAX, whose
// every delay is within [0, MAX], or fails.
func FuzzParseBackoff(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		base, cap, err := ParseBackoff(s)
		oneLine(t, err)
		if err != nil {
			return
		}
		if base <= 0 || cap < base {
			t.Fatalf("ParseBackoff(%q) = %v, %v", s, base, cap)
		}
		r := Retry{Max: 1, Base: base, Cap: cap}
		for _, attempt := range []int{0, 1, 10, 40} {
			if d := r.backoff(attempt); d < 0 || d > cap {
				t.Errorf("%q: backoff(%d) = %v, outside [0, %v]", s, attempt, d, cap)
			}
		}
	})
}

// FuzzRedact checks that a redacted URL shows no user-info but REDACTED
// and no query value or fragment but REDACTED, whether it parsed or not.
func FuzzRedact(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw string) {
		shown := RedactString(raw)
		if _, q, ok := strings.Cut(strings.SplitN(shown, "#", 2)[0], "?"); ok {
			checkQuery(t, raw, q)
		}
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		out := RedactURL(u, false)
		r, err := url.Parse(out)
		if err != nil {
			return // Go's own String does not always parse back
		}
		if r.User != nil && r.User.String() != Redacted {
			t.Errorf("RedactURL(%q) = %q keeps user-info", raw, out)
		}
		checkQuery(t, raw, r.RawQuery)
		if r.Fragment != "" && r.Fragment != Redacted {
			t.Errorf("RedactURL(%q) = %q keeps the fragment", raw, out)
		}
	})
}

// checkQuery fails t unless every value of q is empty or REDACTED and
// every bare word REDACTED.
func checkQuery(t *testing.T, raw, q string) {
	t.Helper()
	if q == "" {
		return
	}
	for _, part := range strings.Split(q, "&") {
		k, v, hasEq := strings.Cut(part, "=")
		if (hasEq && v != "" && v != Redacted) || (!hasEq && k != "" && k != Redacted) {
			t.Errorf("%q: query part %q shown", raw, part)
		}
	}
}
