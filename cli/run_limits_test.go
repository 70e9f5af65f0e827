package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

func TestPreflightOpenFiles(t *testing.T) {
	soft, _, err := fileLimit()
	if err != nil {
		t.Skip(err)
	}
	// A fleet far beyond any open-file limit is one line and exit 2, before
	// the embedded target starts or any request goes out.
	var stdout, stderr bytes.Buffer
	code := runCmd(context.Background(), []string{"-c", "100000000", "-n", "1", "-p", "shared"}, &stdout, &stderr)
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if code != 2 || len(lines) != 1 || !strings.Contains(lines[0], "open files") || stdout.Len() != 0 || strings.Contains(stderr.String(), "embedded target at") {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and one line about open files, before the target starts", code, stdout.String(), stderr.String())
	}
	// Within the limit, nothing is said.
	rc := &runConfig{concurrency: 8, urls: []string{"http://x/"}}
	stderr.Reset()
	if err := preflight(rc, &stderr); err != nil || stderr.Len() != 0 {
		t.Errorf("-c 8 with a limit of %d: %v, %q", soft, err, stderr.String())
	}
}

func TestRunLimitFlags(t *testing.T) {
	for _, args := range [][]string{{"--max-errors", "-1"}, {"--max-error-rate", "101"}} {
		if _, err := parseRun(args, io.Discard); err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("%v: %v, want an error naming %s", args, err, args[0])
		}
	}
	// --max-errors against a target that fails everything: the profile
	// stops after 3 errors, with a note; --no-redirects is recorded.
	srv := servertest.Start(t, server.Config{FailRate: 1})
	var stdout bytes.Buffer
	code := runCmd(context.Background(), []string{"-c", "1", "-n", "50", "-p", "shared", "--max-errors", "3", "--no-redirects", "--json",
		srv.URL() + "/"}, &stdout, io.Discard)
	var res results.Results
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil || code != 0 {
		t.Fatalf("exit %d: %v", code, err)
	}
	p := res.Profiles[0]
	if p.Requests != 3 || len(p.Notes) == 0 || !strings.Contains(strings.Join(p.Notes, " "), "stopped early") ||
		res.Settings.MaxErrors != 3 || !res.Settings.NoRedirects || p.Attempts == nil || p.Attempts.Sent != 3 {
		t.Errorf("requests %d, notes %q, settings %+v, attempts %+v; want a stop after 3", p.Requests, p.Notes, res.Settings, p.Attempts)
	}
}
