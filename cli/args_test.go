package cli

import (
	"bytes"
	"context"
	"flag"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestInterspersed(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.Int("c", 8, "")
	fs.Bool("insecure", false, "")
	fs.Bool("plots", true, "")
	fs.Duration("d", time.Second, "")
	fs.String("format", "table", "")
	for _, tt := range []struct {
		args, want []string
	}{
		{nil, []string{"--"}},
		{[]string{"URL"}, []string{"--", "URL"}},
		{[]string{"URL", "-c", "50"}, []string{"-c", "50", "--", "URL"}},
		{[]string{"-c", "50", "URL"}, []string{"-c", "50", "--", "URL"}},
		// A boolean flag takes no value: the URL after it stays an argument.
		{[]string{"--insecure", "URL", "-d", "2s"}, []string{"--insecure", "-d", "2s", "--", "URL"}},
		{[]string{"A", "--plots=false", "B", "--format=json"}, []string{"--plots=false", "--format=json", "--", "A", "B"}},
		// "--" ends the flags, and "-" alone is an argument.
		{[]string{"A", "--", "-c", "B"}, []string{"--", "A", "-c", "B"}},
		{[]string{"-", "-c", "1"}, []string{"-c", "1", "--", "-"}},
		// Unknown flags stay flags, for Parse to report; a missing value
		// too.
		{[]string{"URL", "--nope", "x"}, []string{"--nope", "--", "URL", "x"}},
		{[]string{"URL", "--insecure", "-c"}, []string{"--insecure", "-c"}},
	} {
		if got := interspersed(fs, tt.args); !slices.Equal(got, tt.want) {
			t.Errorf("interspersed(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
}

// The run flags parse the same wherever they stand among the URLs.
func TestParseRunInterspersed(t *testing.T) {
	for _, args := range [][]string{
		{"-c", "50", "--insecure", "-p", "shared", "http://a/", "http://b/"},
		{"http://a/", "-c", "50", "http://b/", "--insecure", "-p", "shared"},
		{"http://a/", "http://b/", "-p=shared", "--insecure=true", "-c=50"},
	} {
		rc, err := parseRun(args, nil)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		if rc.concurrency != 50 || !rc.insecure || !slices.Equal(rc.profileSpec, []string{"shared"}) ||
			!slices.Equal(rc.urls, []string{"http://a/", "http://b/"}) {
			t.Errorf("%q: -c %d, insecure %v, profiles %q, urls %q", args, rc.concurrency, rc.insecure, rc.profileSpec, rc.urls)
		}
	}
}

// A flag error is one line that says where the flags are, for every
// command; -h prints the help on stdout, ending with examples.
func TestFlagErrorsAndHelp(t *testing.T) {
	for _, cmd := range []string{"run", "serve", "report", "compare"} {
		var stdout, stderr bytes.Buffer
		if code := dispatch(context.Background(), []string{cmd, "--no-such-flag"}, &stdout, &stderr); code != 2 {
			t.Errorf("%s --no-such-flag: exit %d, want 2", cmd, code)
		}
		want := "reusebench " + cmd + ": flag provided but not defined: -no-such-flag; run 'reusebench " + cmd + " -h' for flags\n"
		if stderr.String() != want || stdout.Len() > 0 {
			t.Errorf("%s --no-such-flag: stderr %q, stdout %q; want stderr %q", cmd, stderr.String(), stdout.String(), want)
		}

		stdout.Reset()
		stderr.Reset()
		if code := dispatch(context.Background(), []string{cmd, "-h"}, &stdout, &stderr); code != 0 {
			t.Errorf("%s -h: exit %d, want 0", cmd, code)
		}
		out := stdout.String()
		ex := strings.LastIndex(out, "\nexamples:\n")
		if !strings.HasPrefix(out, "usage: reusebench "+cmd) || ex < 0 || stderr.Len() > 0 {
			t.Errorf("%s -h: want usage, then examples at the end, on stdout only; got stdout:\n%s\nstderr:\n%s", cmd, out, stderr.String())
			continue
		}
		if n := strings.Count(out[ex:], "\n  reusebench "+cmd); n < 2 || n > 3 {
			t.Errorf("%s -h: %d examples of reusebench %s, want 2 or 3:\n%s", cmd, n, cmd, out[ex:])
		}
		for _, line := range strings.Split(out, "\n") {
			if len([]rune(line)) > 100 && !strings.HasPrefix(line, "    \t") {
				t.Errorf("%s -h: a line of %d columns: %q", cmd, len([]rune(line)), line)
			}
		}
	}
}

func TestVersion(t *testing.T) {
	for _, tt := range []struct {
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		{nil, false, "reusebench devel go"},
		{&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}}, true, "reusebench v1.2.3 go1.26.8 "},
		{&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, true, "reusebench devel go1.26.8 "},
		{&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "60a5d73f0123456789abcdef"}, {Key: "vcs.modified", Value: "true"}}}, true,
			"reusebench devel (60a5d73f0123, modified) go1.26.8 "},
	} {
		if got := version(tt.bi, tt.ok); !strings.HasPrefix(got, tt.want) {
			t.Errorf("version(%+v) = %q, want it to start with %q", tt.bi, got, tt.want)
		}
	}
	for _, arg := range []string{"version", "--version", "-version"} {
		var stdout, stderr bytes.Buffer
		if code := dispatch(context.Background(), []string{arg}, &stdout, &stderr); code != 0 ||
			!strings.HasPrefix(stdout.String(), "reusebench ") || !strings.Contains(stdout.String(), " go1.") || stderr.Len() > 0 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", arg, code, stdout.String(), stderr.String())
		}
	}
}
