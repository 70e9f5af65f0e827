package loadgen

import (
	"errors"
	"fmt"
	"strings"
)

// ErrHeaderLine is the error of a header line without a colon. It quotes
// nothing of the line: a header line is where secrets go.
var ErrHeaderLine = errors.New("want 'Name: Value' (no ':' in it)")

// tokenChars names the characters of a token (RFC 9110 §5.6.2), for errors.
const tokenChars = "letters, digits and !#$%&'*+-.^_`|~"

// ParseHeader parses one header line, "Name: Value", as -H and a targets
// file give it: the name must be a token, the value may hold no control
// character but a tab. Errors never quote the value, nor a name that is
// not a valid one (a line such as "Bearer abc:def" has its secret there).
func ParseHeader(line string) (name, value string, err error) {
	k, v, ok := strings.Cut(line, ":")
	if !ok {
		return "", "", ErrHeaderLine
	}
	name, value = strings.TrimSpace(k), strings.TrimSpace(v)
	switch {
	case name == "":
		return "", "", errors.New("empty header name before ':' (want 'Name: Value')")
	case !ValidToken(name):
		return "", "", fmt.Errorf("the header name before ':' is not a token: want %s, no spaces", tokenChars)
	case !validHeaderValue(value):
		return "", "", fmt.Errorf("header %s: its value holds a control character (a line break?); want printable text", name)
	}
	return name, value, nil
}

// ValidToken reports whether s is a token (RFC 9110 §5.6.2): what an HTTP
// method and a header name must be.
func ValidToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// CheckMethod returns an error naming what a method must be unless m is
// one. It quotes m only when it is short and printable.
func CheckMethod(m string) error {
	if ValidToken(m) {
		return nil
	}
	if len(m) <= 20 && printable(m) {
		return fmt.Errorf("method %q: want a token such as GET, POST or PURGE (%s)", m, tokenChars)
	}
	return fmt.Errorf("method: want a token such as GET, POST or PURGE (%s)", tokenChars)
}

// validHeaderValue reports whether v may be sent as a header value: no
// control character other than a horizontal tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// printable reports whether s is plain printable ASCII.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
