package pool

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sync/atomic"
)

// jar is a session's cookie jar: net/http/cookiejar, asked only once it
// holds a cookie. A client asks its jar for cookies on every request, and
// cookiejar parses the host and takes its lock to find none; most targets
// set no cookie, and then a session's request costs what a jar-less one
// does. A client hands the jar only the cookies a response sets.
type jar struct {
	filled  atomic.Bool
	cookies *cookiejar.Jar
}

func newJar() (*jar, error) {
	j, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	return &jar{cookies: j}, nil
}

// SetCookies stores cookies for u (http.CookieJar).
func (j *jar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	if len(cookies) == 0 {
		return
	}
	j.cookies.SetCookies(u, cookies)
	j.filled.Store(true)
}

// Cookies returns the cookies to send to u (http.CookieJar): none before
// any was set.
func (j *jar) Cookies(u *url.URL) []*http.Cookie {
	if !j.filled.Load() {
		return nil
	}
	return j.cookies.Cookies(u)
}
