package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// Encode writes res as indented JSON, the results.json format.
func Encode(w io.Writer, res *Results) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		return fmt.Errorf("results json: %w", err)
	}
	return nil
}

// pending holds the temporary files WriteFile is filling, for
// RemovePending.
var pending sync.Map

// RemovePending removes the temporary files of writes still in progress,
// for a process about to exit at once (a second Ctrl-C): the folder keeps
// the last complete file and no half-written one. The writes themselves then
// fail.
func RemovePending() {
	pending.Range(func(k, _ any) bool {
		os.Remove(k.(string))
		return true
	})
}

// WriteFile writes res to path atomically: into a temporary file in the same
// folder, synced, then renamed over path, so a crash mid-write leaves the
// previous file whole.
func WriteFile(path string, res *Results) error {
	if err := WriteAtomic(path, func(w io.Writer) error { return Encode(w, res) }); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	return nil
}

// WriteAtomic writes path atomically with what fill writes: into a
// temporary file in the same folder (removed by RemovePending if the
// process must exit first), synced, made 0644, then renamed over path. The
// report's plots are written so too.
func WriteAtomic(path string, fill func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	pending.Store(f.Name(), true)
	defer pending.Delete(f.Name())
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := fill(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// ReadFile reads one results.json file and validates it (Validate): a
// report can trust what it returns. Its errors say why the file was
// refused.
func ReadFile(path string) (*Results, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("%s is larger than %d MiB: not a results.json file this build reads", path, MaxFileSize>>20)
	}
	r, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s is %w", path, err)
	}
	return r, nil
}

// Parse decodes and validates the content of a results.json file.
func Parse(b []byte) (*Results, error) {
	var r Results
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("not a results.json file: %w", err)
	}
	if r.Version == 0 || len(r.Profiles) == 0 {
		return nil, errors.New("not a results.json file (no version or no profiles)")
	}
	if err := Validate(&r); err != nil {
		return nil, fmt.Errorf("not a valid results file: %w", err)
	}
	return &r, nil
}
