package cli

import (
	"fmt"
	"net/textproto"
	"strings"

	"github.com/reusebench/reusebench/loadgen"
)

// secretRef is one secret of a run's flags, as a generated manifest keeps
// it: out of the file, in the Kubernetes Secret the pods read, under Key,
// set as the environment variable Env that the pod's args name as $(Env).
type secretRef struct {
	Key, Env string
	// What says what the value is, for the comment that tells how to
	// create the Secret: "the --bearer token".
	What string
}

// secretHeaderWords mark a request header whose value is a credential:
// Authorization, Proxy-Authorization, Cookie, X-Api-Key, X-Auth-Token...
var secretHeaderWords = []string{"authorization", "cookie", "token", "key", "secret", "auth", "session", "password", "signature", "credential"}

// secretHeader reports whether a header named name carries a credential.
func secretHeader(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretHeaderWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// hideSecrets returns run's args (flags first, as interspersed orders
// them) with every value that may hold a secret replaced by $(ENV), and
// the secrets so replaced: --bearer and --basic whole, a --cookie's value,
// the value of a -H header named like a credential, and a --proxy or
// target URL that reusebench would redact (user-info, a query, a
// fragment) whole. What is not a secret stays as it was given.
func hideSecrets(args []string) ([]string, []secretRef) {
	fs := newRunFlags(&runConfig{})
	ordered := interspersed(fs, args)
	var out []string
	var refs []secretRef
	add := func(key, what string) string {
		env := "REUSEBENCH_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(key))
		for _, r := range refs { // one secret per key: a second --cookie of the same name
			if r.Key == key {
				return "$(" + env + ")"
			}
		}
		refs = append(refs, secretRef{Key: key, Env: env, What: what})
		return "$(" + env + ")"
	}
	hide := func(name, value string) string {
		switch name {
		case "bearer":
			return add("bearer", "the --bearer token")
		case "basic":
			return add("basic", "the --basic user:pass")
		case "cookie":
			if k, _, ok := strings.Cut(value, "="); ok {
				return k + "=" + add("cookie-"+secretKeyPart(k), "the value of --cookie "+k)
			}
			return add("cookie", "the --cookie")
		case "H":
			if k, _, ok := strings.Cut(value, ":"); ok && secretHeader(strings.TrimSpace(k)) {
				k = textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k))
				return k + ": " + add("header-"+secretKeyPart(k), "the value of -H "+k)
			}
		case "proxy":
			if loadgen.RedactString(value) != value {
				return add("proxy", "the --proxy URL")
			}
		}
		return value
	}
	urls := 0
	positional := false
	for i := 0; i < len(ordered); i++ {
		a := ordered[i]
		switch {
		case positional:
			if loadgen.RedactString(a) != a {
				urls++
				a = add(fmt.Sprintf("url-%d", urls), fmt.Sprintf("target URL %d", urls))
			}
		case a == "--":
			positional = true
			if !dashArg(ordered[i+1:]) {
				continue // interspersed added it; nothing after it looks like a flag
			}
		default:
			name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			f := fs.Lookup(name)
			switch {
			case hasValue:
				a = a[:len(a)-len(value)] + hide(name, value)
			case f != nil && !isBool(f) && i+1 < len(ordered):
				out = append(out, a)
				i++
				a = hide(name, ordered[i])
			}
		}
		out = append(out, a)
	}
	return out, refs
}

// dashArg reports whether an argument starts with '-', so "--" must stay
// before them.
func dashArg(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			return true
		}
	}
	return false
}

// secretKeyPart makes s a part of a Kubernetes Secret key: lower case,
// letters, digits, '-' and '.'.
func secretKeyPart(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' {
			b.WriteRune(c)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}
