package results

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// ReadStream reads, and validates as ReadFile does, every results document
// in r: what `kubectl logs` prints
// for the pods of a run that wrote `--format json`, one document after
// another. Lines outside a document (a pod's progress on stderr, log
// prefixes) are skipped: a document starts at a line that is exactly "{" and
// ends at the next line that is exactly "}", as results are written. It
// returns an error when a document does not decode or none is found.
func ReadStream(r io.Reader) ([]*Results, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 64<<20)
	var out []*Results
	var doc bytes.Buffer
	in := false
	line := 0
	start := 0
	for sc.Scan() {
		line++
		text := sc.Bytes()
		switch {
		case !in && string(text) == "{":
			in, start = true, line
			doc.Reset()
			doc.Write(text)
			doc.WriteByte('\n')
		case in:
			doc.Write(text)
			doc.WriteByte('\n')
			if string(text) == "}" {
				in = false
				res, err := Parse(doc.Bytes())
				if err != nil {
					return nil, fmt.Errorf("results document at line %d: %w", start, err)
				}
				out = append(out, res)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read results stream: %w", err)
	}
	if in {
		return nil, fmt.Errorf("results document at line %d does not end", start)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no results document in the input (run the generators with --format json)")
	}
	return out, nil
}
