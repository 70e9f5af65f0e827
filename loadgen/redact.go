package loadgen

import (
	"net/url"
	"strings"
)

// Redacted replaces a secret wherever a URL is shown: results files,
// tables, plots, progress and error messages.
const Redacted = "REDACTED"

// RedactURL returns u as reusebench shows it: user-info replaced by
// REDACTED, every query value by REDACTED (key=REDACTED, and a bare
// query word, which may be a token, by REDACTED) and the fragment by
// REDACTED. showQuery keeps the query and the fragment as they are, for
// URLs that carry no secret there; user-info is never shown.
func RedactURL(u *url.URL, showQuery bool) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		c.User = url.User(Redacted)
	}
	if !showQuery {
		c.RawQuery = redactQuery(c.RawQuery)
		c.ForceQuery = c.ForceQuery && c.RawQuery == ""
		if c.Fragment != "" || c.RawFragment != "" {
			c.Fragment, c.RawFragment = Redacted, ""
		}
	}
	return c.String()
}

// RedactString redacts a URL given as text that may not parse, for error
// messages: everything between "://" and the last '@' before the query is
// replaced by REDACTED (a password may hold a '/'), the query as RedactURL
// does, the fragment by REDACTED. It redacts too much rather than too little.
func RedactString(raw string) string {
	rest, frag, hasFrag := strings.Cut(raw, "#")
	head, query, hasQuery := strings.Cut(rest, "?")
	if scheme, after, ok := strings.Cut(head, "://"); ok {
		if at := strings.LastIndex(after, "@"); at >= 0 {
			head = scheme + "://" + Redacted + after[at:]
		}
	} else if at := strings.LastIndex(head, "@"); at >= 0 {
		head = Redacted + head[at:]
	}
	out := head
	if hasQuery {
		out += "?" + redactQuery(query)
	}
	if hasFrag && frag != "" {
		out += "#" + Redacted
	} else if hasFrag {
		out += "#"
	}
	return out
}

// redactQuery replaces each value of a raw query by REDACTED, and each
// bare word (no '='), which may itself be a token, too. Empty values stay
// empty: there is nothing to hide.
func redactQuery(q string) string {
	if q == "" {
		return ""
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, v, hasEq := strings.Cut(p, "=")
		switch {
		case hasEq && v != "":
			parts[i] = k + "=" + Redacted
		case !hasEq && p != "":
			parts[i] = Redacted
		}
	}
	return strings.Join(parts, "&")
}
