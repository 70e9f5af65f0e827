package loadgen

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// ParseTargets reads a targets file: each target is a line `METHOD URL`,
// followed by optional `Key: Value` header lines and an optional `@FILE`
// line naming its body (relative to dir). Blank lines and lines starting
// with # are ignored. Every target starts from a copy of base's headers.
func ParseTargets(r io.Reader, dir string, base http.Header) ([]Target, error) {
	var out []Target
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if method, raw, ok := strings.Cut(text, " "); ok && isMethod(method) {
			u, err := ParseURL(strings.TrimSpace(raw))
			if err != nil {
				return nil, fmt.Errorf("targets line %d: %w", line, err)
			}
			out = append(out, Target{Method: method, URL: u, Header: base.Clone()})
			continue
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("targets line %d: %q: want `METHOD URL` first (e.g. GET http://127.0.0.1:8080/)", line, text)
		}
		t := &out[len(out)-1]
		if name, ok := strings.CutPrefix(text, "@"); ok {
			if !filepath.IsAbs(name) {
				name = filepath.Join(dir, name)
			}
			b, err := os.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("targets line %d: body: %w", line, err)
			}
			t.Body = b
			continue
		}
		k, v, ok := strings.Cut(text, ":")
		if !ok || strings.TrimSpace(k) == "" || strings.ContainsAny(strings.TrimSpace(k), " \t") {
			return nil, fmt.Errorf("targets line %d: %q is neither `METHOD URL`, a `Key: Value` header nor an @FILE body", line, text)
		}
		t.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("targets: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("targets: no `METHOD URL` line")
	}
	return out, nil
}

// ParseURL parses a target URL: http or https with a host.
func ParseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("target %q: want an http:// or https:// URL", raw)
	}
	return u, nil
}

func isMethod(s string) bool {
	switch s {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT":
		return true
	}
	return false
}
