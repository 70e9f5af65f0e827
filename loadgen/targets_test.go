package loadgen

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestParseTargets(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "body.json"), []byte(`{"a":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	base := http.Header{"X-Base": {"1"}}
	tests := []struct {
		name    string
		in      string
		want    []string // "METHOD URL headers body"
		wantErr string
	}{
		{name: "one", in: "GET http://127.0.0.1:8080/\n", want: []string{"GET http://127.0.0.1:8080/ 1 0"}},
		{name: "headers, body, comments",
			in:   "# login first\nGET http://127.0.0.1:8080/login\n\nPOST https://127.0.0.1:8443/echo\nContent-Type: application/json\n@body.json\n",
			want: []string{"GET http://127.0.0.1:8080/login 1 0", "POST https://127.0.0.1:8443/echo 2 7"}},
		{name: "header first", in: "X-A: 1\nGET http://x/\n", wantErr: "want `METHOD URL` first"},
		{name: "bad url", in: "GET ftp://x/\n", wantErr: "want an http:// or https:// URL"},
		{name: "junk", in: "GET http://x/\nthis is junk\n", wantErr: "neither"},
		{name: "missing body", in: "GET http://x/\n@nope.txt\n", wantErr: "body"},
		{name: "empty", in: "# nothing\n", wantErr: "no `METHOD URL` line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTargets(strings.NewReader(tt.in), dir, base)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d targets, want %d", len(got), len(tt.want))
			}
			for i, g := range got {
				s := g.Method + " " + g.URL.String() + " " + strconv.Itoa(len(g.Header)) + " " + strconv.Itoa(len(g.Body))
				if s != tt.want[i] {
					t.Errorf("target %d = %q, want %q", i, s, tt.want[i])
				}
			}
			got[0].Header.Set("X-Base", "changed")
			if base.Get("X-Base") != "1" {
				t.Error("targets share the base header map")
			}
		})
	}
}
