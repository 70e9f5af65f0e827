package results_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reusebench/reusebench/results"
)

func TestWriteFileIsAtomic(t *testing.T) {
	// A second write replaces the first whole, through a temporary file in
	// the same folder that does not outlive the write.
	dir := t.TempDir()
	path := filepath.Join(dir, "results.json")
	for _, name := range []string{"first", "second"} {
		res := &results.Results{Version: results.Version, Started: time.Unix(0, 0).UTC(),
			Profiles: []results.Profile{{Name: name}}}
		if err := results.WriteFile(path, res); err != nil {
			t.Fatal(err)
		}
		got, err := results.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Profiles) != 1 || got.Profiles[0].Name != name {
			t.Fatalf("read back %+v, want one profile %q", got.Profiles, name)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want results.json alone: %v", len(entries), entries)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("results.json mode %v (%v), want 0644", fi.Mode(), err)
	}
}

func TestWriteFileLeavesNothingOnError(t *testing.T) {
	// Writing into a folder that does not exist fails before anything is
	// created.
	path := filepath.Join(t.TempDir(), "missing", "results.json")
	if err := results.WriteFile(path, &results.Results{Version: results.Version}); err == nil {
		t.Fatal("write into a missing folder succeeded")
	}
}

func TestReadFileRejects(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"not json", "hello", "is not a results.json file"},
		{"no version", `{"profiles":[{"name":"a"}]}`, "no version or no profiles"},
		{"no profiles", `{"version":1,"profiles":[]}`, "no version or no profiles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "results.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := results.ReadFile(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := results.ReadFile(filepath.Join(t.TempDir(), "nope.json")); err == nil {
		t.Error("a missing file was read")
	}
}
