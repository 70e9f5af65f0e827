package loadgen

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	tests := []struct {
		in        string
		want      string
		showQuery string // with showQuery; "" means the same as want
	}{
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/", ""},
		{"https://user:pw@example.com/a?api_key=s3cret&x=1", "https://REDACTED@example.com/a?api_key=REDACTED&x=REDACTED",
			"https://REDACTED@example.com/a?api_key=s3cret&x=1"},
		{"https://tok@example.com/", "https://REDACTED@example.com/", ""},
		{"http://h/p?token", "http://h/p?REDACTED", "http://h/p?token"},
		{"http://h/p?a=&b", "http://h/p?a=&REDACTED", "http://h/p?a=&b"},
		{"http://h/p#access_token=x", "http://h/p#REDACTED", "http://h/p#access_token=x"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := RedactURL(u, false); got != tt.want {
			t.Errorf("RedactURL(%s) = %s, want %s", tt.in, got, tt.want)
		}
		want := tt.showQuery
		if want == "" {
			want = tt.want
		}
		if got := RedactURL(u, true); got != want {
			t.Errorf("RedactURL(%s, showQuery) = %s, want %s", tt.in, got, want)
		}
	}
}

func TestRedactString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ftp://u:p@h/x?k=v", "ftp://REDACTED@h/x?k=REDACTED"},
		{"http://u:pa/ss@h/", "http://REDACTED@h/"},
		{"h:1?secret", "h:1?REDACTED"},
		{"http://h/%zz?k=v#f", "http://h/%zz?k=REDACTED#REDACTED"},
		{"u:pw@proxy:3128", "REDACTED@proxy:3128"},
	}
	for _, tt := range tests {
		if got := RedactString(tt.in); got != tt.want {
			t.Errorf("RedactString(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		in, name, value, wantErr string
	}{
		{in: "X-Api-Key: s3cret", name: "X-Api-Key", value: "s3cret"},
		{in: "Accept:", name: "Accept", value: ""},
		{in: "X-Api-Key s3cret", wantErr: "want 'Name: Value'"},
		{in: "Bearer s3cret:x", wantErr: "not a token"},
		{in: ": s3cret", wantErr: "empty header name"},
		{in: "X-A: s3cret\r\nEvil: 1", wantErr: "control character"},
	}
	for _, tt := range tests {
		name, value, err := ParseHeader(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseHeader(%q) error %v, want one containing %q", tt.in, err, tt.wantErr)
			} else if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("ParseHeader(%q) error %q quotes the secret", tt.in, err)
			}
			continue
		}
		if err != nil || name != tt.name || value != tt.value {
			t.Errorf("ParseHeader(%q) = %q, %q, %v; want %q, %q", tt.in, name, value, err, tt.name, tt.value)
		}
	}
}

func TestCheckMethod(t *testing.T) {
	for _, m := range []string{"GET", "PURGE", "M-SEARCH"} {
		if err := CheckMethod(m); err != nil {
			t.Errorf("CheckMethod(%q): %v", m, err)
		}
	}
	for _, m := range []string{"", "GE T", "GET\n", "(GET)"} {
		if err := CheckMethod(m); err == nil {
			t.Errorf("CheckMethod(%q) accepted it", m)
		}
	}
}

// TestTargetsErrorsQuoteNoSecret checks that no error of a targets file
// quotes a header value, a header line without a colon, or a URL's
// user-info and query values.
func TestTargetsErrorsQuoteNoSecret(t *testing.T) {
	for _, in := range []string{
		"GET ftp://u:s3cret@h/?k=s3cret\n",
		"X-Api-Key s3cret\nGET http://h/\n",
		"GET http://h/\nX-Api-Key s3cret\n",
		"GET http://h/\nBearer s3cret:x\n",
		"GET http://h/\nX-A: s3cret\x01\n",
		"GET http://u:s3cret@h/?k=v\n@missing.txt\n",
	} {
		_, err := ParseTargets(strings.NewReader(in), t.TempDir(), http.Header{})
		if err == nil {
			t.Errorf("%q: no error", in)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error %q quotes the secret or spans lines", in, err)
		}
	}
}

// TestTargetsBodyReadOnce checks that targets naming one body file share
// one copy of it.
func TestTargetsBodyReadOnce(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "b.json"), []byte(`{"a":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	in := "POST http://h/1\n@b.json\nPOST http://h/2\n@b.json\n"
	ts, err := ParseTargets(strings.NewReader(in), dir, http.Header{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || len(ts[0].Body) == 0 || &ts[0].Body[0] != &ts[1].Body[0] {
		t.Errorf("the two targets do not share one body: %q, %q", ts[0].Body, ts[1].Body)
	}
}
