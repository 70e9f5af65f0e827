package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reusebench/reusebench/plots"
	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

// planted are the secrets a run is given: none may appear in any output.
var planted = []string{"URLPASS7", "QUERYVAL7", "HEADERVAL7", "COOKIEVAL7", "BEARERTOK7", "BASICPASS7", "PROXYPASS7", "TGTQUERY7", "TGTHEADER7", "FRAGMENT7"}

// leaks returns the planted secrets (and their base64 forms, as basic auth
// sends them) that b holds.
func leaks(b []byte) []string {
	var found []string
	for _, s := range planted {
		for _, form := range []string{s, base64.StdEncoding.EncodeToString([]byte("alice:" + s)), base64.StdEncoding.EncodeToString([]byte("urluser:" + s))} {
			if bytes.Contains(b, []byte(form)) {
				found = append(found, form)
			}
		}
	}
	return found
}

// TestNoSecretInAnyOutput runs with every kind of secret planted (URL
// user-info, query values, a fragment, -H, --cookie, --bearer, --basic,
// proxy credentials, a targets file's query and header) and greps every
// output for them: stdout in each format, stderr, results.json, each .hgrm
// and the text drawn in every PNG. The runs must also have used the
// secrets: the requests succeeded.
func TestNoSecretInAnyOutput(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	proxy := newForwardProxy(t)
	proxyURL := strings.Replace(proxy.URL(), "http://", "http://puser:PROXYPASS7@", 1)
	target := strings.Replace(srv.URL(), "http://", "http://urluser:URLPASS7@", 1) + "/?api_key=QUERYVAL7&token#FRAGMENT7"
	targets := filepath.Join(t.TempDir(), "targets.txt")
	writeFile(t, targets, []byte(fmt.Sprintf("GET %s/?sig=TGTQUERY7\nX-Target-Key: TGTHEADER7\nGET %s/\n", srv.URL(), srv.URL())))
	runs := [][]string{
		{"--format", "table", "-H", "X-Api-Key: HEADERVAL7", "--cookie", "sid=COOKIEVAL7", "--bearer", "BEARERTOK7",
			"--proxy", proxyURL, target},
		{"--format", "json", "--basic", "alice:BASICPASS7", "--targets", targets},
	}
	for i, args := range runs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			dir := t.TempDir()
			var stdout, stderr bytes.Buffer
			all := append([]string{"run", "-n", "40", "-c", "2", "--rounds", "2", "-o", dir, "-p", "a=shared", "-p", "b=fresh"}, args...)
			if code := dispatch(context.Background(), all, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			outputs := map[string][]byte{"stdout": stdout.Bytes(), "stderr": stderr.Bytes()}
			res, err := results.ReadFile(filepath.Join(dir, "results.json"))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range res.Profiles {
				if p.Status["200"] != 40 {
					t.Errorf("%s: statuses %v, want 40×200: the secrets were not sent as meant", p.Name, p.Status)
				}
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			pngs := 0
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".png") {
					pngs++
					continue
				}
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				outputs[e.Name()] = b
			}
			if pngs != 5 || outputs["a.hgrm"] == nil || outputs["b.hgrm"] == nil {
				t.Errorf("folder holds %d PNGs and %d other files, want 5 PNGs, results.json and two .hgrm", pngs, len(outputs)-2)
			}
			texts, err := plots.Texts(res)
			if err != nil {
				t.Fatal(err)
			}
			outputs["text drawn in the PNGs"] = []byte(strings.Join(texts, "\n"))
			if !strings.Contains(string(outputs["text drawn in the PNGs"]), "REDACTED") {
				t.Errorf("the plots do not show the redacted target: %q", res.Target)
			}
			for _, format := range []string{"table", "markdown", "csv", "json"} {
				var out bytes.Buffer
				if code := dispatch(context.Background(), []string{"report", "--plots=false", "--format", format, filepath.Join(dir, "results.json")}, &out, &stderr); code != 0 {
					t.Fatalf("report --format %s: exit %d", format, code)
				}
				outputs["report --format "+format] = out.Bytes()
			}
			for name, b := range outputs {
				if found := leaks(b); len(found) > 0 {
					t.Errorf("%s holds the secrets %q", name, found)
				}
			}
		})
	}
}

// TestShowQuery checks that --show-query keeps query values, and only
// them: user-info stays redacted.
func TestShowQuery(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	target := strings.Replace(srv.URL(), "http://", "http://urluser:URLPASS7@", 1) + "/?page=2"
	var stdout bytes.Buffer
	if code := dispatch(context.Background(), []string{"run", "--json", "-n", "5", "-c", "1", "-p", "shared", "--show-query", target}, &stdout, &bytes.Buffer{}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	want := strings.Replace(srv.URL(), "http://", "http://REDACTED@", 1) + "/?page=2"
	if !strings.Contains(stdout.String(), `"target": "`+want+`"`) || len(leaks(stdout.Bytes())) > 0 {
		t.Errorf("results with --show-query: want target %s:\n%s", want, stdout.String())
	}
}

// TestBadValuesRefused checks that every bad flag value is refused with one
// line naming what is valid, exit status 2, quoting no secret, before any
// request reaches the target.
func TestBadValuesRefused(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	url := srv.URL() + "/"
	dir := t.TempDir()
	targets := filepath.Join(dir, "targets.txt")
	writeFile(t, targets, []byte("GET "+url+"\n"))
	badTargets := filepath.Join(dir, "bad-targets.txt")
	writeFile(t, badTargets, []byte("GET "+url+"\nX-Api-Key HEADERVAL7\n"))
	badURLTargets := filepath.Join(dir, "bad-url-targets.txt")
	writeFile(t, badURLTargets, []byte("GET ftp://u:URLPASS7@h/?k=QUERYVAL7\n"))
	for _, tc := range []struct {
		args []string
		want string // names what is valid
	}{
		{[]string{"-r", "NaN", url}, "want a finite rate"},
		{[]string{"-r", "Inf", url}, "want a finite rate"},
		{[]string{"-r", "1e300", url}, "at most 1e+07"},
		{[]string{"--timeout", "-1s", url}, "want a duration of 0 or more"},
		{[]string{"-m", "G(T", url}, "want a token such as GET"},
		{[]string{"-H", "X-Api-Key HEADERVAL7", url}, "want 'Name: Value'"},
		{[]string{"-H", "Bearer HEADERVAL7:x", url}, "not a token"},
		{[]string{"-H", "X-Api-Key: HEADERVAL7\r\nX-Evil: 1", url}, "control character"},
		{[]string{"--cookie", "sid COOKIEVAL7", url}, "want one name=value"},
		{[]string{"--bearer", "BEARERTOK7\n", url}, "the bare token"},
		{[]string{"--basic", "BASICPASS7", url}, "want user:pass"},
		{[]string{"--proxy", "https://u:PROXYPASS7@127.0.0.1:3128", url}, "want the proxy's plain http://HOST:PORT"},
		{[]string{"--proxy", "http://u:PROXYPASS7@[::1", url}, "want an http://HOST:PORT proxy URL"},
		{[]string{"ftp://u:URLPASS7@h/?k=QUERYVAL7"}, "want an http:// or https:// URL"},
		{[]string{"http://u:URLPASS7@h/%zz?k=QUERYVAL7"}, "want an http:// or https:// URL"},
		{[]string{"--targets", badTargets}, "a `Name: Value` header"},
		{[]string{"--targets", badURLTargets}, "want an http:// or https:// URL"},
		{[]string{"--targets", targets, "-m", "POST"}, "-m and --body do not apply with --targets"},
		{[]string{"--targets", targets, "--body", "x"}, "-m and --body do not apply with --targets"},
		{[]string{"-p", "h=shared,h2c=true"}, "use http2=true"}, // the embedded target is https
		{[]string{"-p", "shared,retry-on=503", url}, "used only with retries=N"},
		{[]string{"-p", "shared,backoff=1s", url}, "used only with retries=N"},
		{[]string{"-p", "shared,max-idle-per-host=0", url}, "want 1 or more"},
		{[]string{"-o", "/dev/null/x", url}, "-o /dev/null/x"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := dispatch(context.Background(), append([]string{"run", "-n", "5"}, tc.args...), &stdout, &stderr)
			line := stderr.String()
			if code != 2 || !strings.Contains(line, tc.want) || strings.Count(line, "\n") != 1 || stdout.Len() > 0 {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing on stdout and one line containing %q", code, stdout.String(), line, tc.want)
			}
			if found := leaks(stderr.Bytes()); len(found) > 0 {
				t.Errorf("stderr %q quotes the secrets %q", line, found)
			}
		})
	}
	if c := srv.Counts(); c.Accepted != 0 || c.Requests != 0 {
		t.Errorf("the target accepted %d connections and served %d requests for runs that were refused", c.Accepted, c.Requests)
	}
}
