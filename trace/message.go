package trace

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxMessage bounds an example error message, in bytes.
const maxMessage = 200

// Message returns err's text as an example for a results file, with no
// secret in it: a URL keeps its scheme, host, path and query keys, and
// loses its user info and every query value ("token=…"); header values
// never appear in the errors net/http returns. It is at most 200 bytes.
func Message(err error) string {
	if err == nil {
		return ""
	}
	var msg string
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = ue.Op + " " + strconv.Quote(SafeURL(ue.URL)) + ": " + Message(ue.Err)
	} else {
		msg = err.Error()
	}
	if len(msg) > maxMessage {
		cut := maxMessage - len("…")
		for cut > 0 && !utf8Start(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}

// utf8Start reports whether b starts a UTF-8 sequence.
func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// SafeURL returns raw without user info and fragment, and with every
// query value replaced by "…": "https://host/path?token=…". Text that does
// not parse as a URL is replaced whole.
func SafeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(a URL)"
	}
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, p := range parts {
			k, _, _ := strings.Cut(p, "=")
			parts[i] = k + "=…"
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	return u.String()
}

// ParseRetryAfter reads a Retry-After header value, whole seconds or an
// HTTP date, as a wait from now; 0 when absent, past or malformed.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
