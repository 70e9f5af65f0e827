package loadgen

import (
	"bufio"
	"errors"
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
// with # are ignored. Every target starts from a copy of base's headers. A
// body file named by several targets is read once, and they share it.
// Errors name the line and what is valid, and never quote a header line
// or a URL's secrets.
func ParseTargets(r io.Reader, dir string, base http.Header) ([]Target, error) {
	var out []Target
	bodies := map[string][]byte{}
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
			return nil, fmt.Errorf("targets line %d: want `METHOD URL` first (e.g. GET http://127.0.0.1:8080/; methods: %s)", line, methodList)
		}
		t := &out[len(out)-1]
		if name, ok := strings.CutPrefix(text, "@"); ok {
			if !filepath.IsAbs(name) {
				name = filepath.Join(dir, name)
			}
			b, ok := bodies[name]
			if !ok {
				var err error
				if b, err = os.ReadFile(name); err != nil {
					return nil, fmt.Errorf("targets line %d: body: %w", line, err)
				}
				bodies[name] = b
			}
			t.Body = b
			continue
		}
		k, v, err := ParseHeader(text)
		if errors.Is(err, ErrHeaderLine) {
			return nil, fmt.Errorf("targets line %d: neither `METHOD URL` (methods: %s), a `Name: Value` header nor an @FILE body", line, methodList)
		} else if err != nil {
			return nil, fmt.Errorf("targets line %d: %w", line, err)
		}
		t.Header.Add(k, v)
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
		return nil, fmt.Errorf("target %q: want an http:// or https:// URL with a host", RedactString(raw))
	}
	return u, nil
}

// methodList is the methods a targets file line may start with.
const methodList = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE, CONNECT"

func isMethod(s string) bool {
	switch s {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT":
		return true
	}
	return false
}
