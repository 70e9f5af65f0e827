package cli

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"

	"github.com/reusebench/reusebench/loadgen"
)

// maxRate is the highest -r: beyond it the pacer's arithmetic means
// nothing (no generator sends ten million requests a second).
const maxRate = 10_000_000

// checkValues rejects flag values no run can use, each with one line that
// names what is valid and quotes no secret: it runs before anything is
// started or sent.
func (rc *runConfig) checkValues() error {
	switch {
	case math.IsNaN(rc.rate) || math.IsInf(rc.rate, 0) || rc.rate > maxRate:
		return usagef("-r %v: want a finite rate in requests a second, at most %g (or 0 for the closed model)", rc.rate, float64(maxRate))
	case rc.timeout < 0:
		return usagef("--timeout %v: want a duration of 0 or more (0 for none)", rc.timeout)
	case rc.targetsFile != "" && (rc.method != "" || rc.body != ""):
		return usagef("-m and --body do not apply with --targets: give each target's method on its line and its body as an @FILE line after it")
	}
	if rc.method != "" {
		if err := loadgen.CheckMethod(rc.method); err != nil {
			return usagef("-m: %v", err)
		}
	}
	if !headerValue(rc.bearer) {
		return usagef("--bearer: the token holds a control character (a line break?); want the bare token")
	}
	return nil
}

// requestMethod is -m, or GET when it was not given.
func (rc *runConfig) requestMethod() string {
	if rc.method == "" {
		return http.MethodGet
	}
	return rc.method
}

// headerValue reports whether v can be sent in a header value: no control
// character.
func headerValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// parseHeaders parses -H 'Name: Value' flags. An error names the flag by its
// position and quotes none of it: header lines carry secrets.
func parseHeaders(list []string) (http.Header, error) {
	h := http.Header{}
	for i, kv := range list {
		k, v, err := loadgen.ParseHeader(kv)
		if err != nil {
			return nil, usagef("-H #%d: %v", i+1, err)
		}
		h.Add(k, v)
	}
	return h, nil
}

// parseCookies parses --cookie 'name=value' flags; an error quotes nothing
// of the cookie.
func parseCookies(list []string) ([]*http.Cookie, error) {
	var out []*http.Cookie
	for i, kv := range list {
		cs, err := http.ParseCookie(kv)
		if err != nil || len(cs) != 1 {
			return nil, usagef("--cookie #%d: want one name=value, the name a token and the value without spaces, commas, semicolons or quotes", i+1)
		}
		out = append(out, cs[0])
	}
	return out, nil
}

// parseProxy parses --proxy: an http:// URL with a host. Its user-info
// (proxy credentials) is used but never shown.
func parseProxy(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	shown := loadgen.RedactString(raw)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return nil, usagef("--proxy %q: want an http://HOST:PORT proxy URL", shown)
	case u.Scheme == "https":
		return nil, usagef("--proxy %q: a TLS (https://) proxy is not supported; want the proxy's plain http://HOST:PORT", shown)
	case u.Path != "" && u.Path != "/" || u.RawQuery != "":
		return nil, usagef("--proxy %q: want only http://HOST:PORT, no path or query", shown)
	}
	return u, nil
}

// prepareOutDir creates -o DIR and checks that results.json can be
// written there, before the run sends its first request: an hour's run must
// not be lost to a typo.
func prepareOutDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usagef("-o %s: %v", dir, unwrapPath(err))
	}
	f, err := os.CreateTemp(dir, ".reusebench-check-*")
	if err != nil {
		return usagef("-o %s: cannot write there: %v", dir, unwrapPath(err))
	}
	f.Close()
	os.Remove(f.Name())
	if fi, err := os.Stat(filepath.Join(dir, "results.json")); err == nil && !fi.Mode().IsRegular() {
		return usagef("-o %s: %s is not a regular file", dir, filepath.Join(dir, "results.json"))
	}
	return nil
}

// unwrapPath drops the path an *os.PathError repeats.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}
