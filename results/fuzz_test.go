package results_test

import (
	"bytes"
	"testing"

	"github.com/reusebench/reusebench/results"
)

// FuzzParse checks that any content either is refused or reads as a valid
// results file that reads back the same once written: the reader never
// panics, and what it accepts it has normalized.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := results.Parse(b)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := results.Encode(&out, res); err != nil {
			t.Fatal(err)
		}
		again, err := results.Parse(out.Bytes())
		if err != nil {
			t.Fatalf("accepted, but its own encoding is refused: %v", err)
		}
		var out2 bytes.Buffer
		if err := results.Encode(&out2, again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), out2.Bytes()) {
			t.Errorf("reading changed an accepted file again:\n%s\n%s", out.Bytes(), out2.Bytes())
		}
	})
}
