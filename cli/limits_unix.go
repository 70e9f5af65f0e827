//go:build unix

package cli

import (
	"fmt"
	"syscall"
)

// fileLimit returns the soft and hard limits on open files (RLIMIT_NOFILE).
func fileLimit() (soft, hard uint64, err error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, 0, fmt.Errorf("getrlimit: %w", err)
	}
	return uint64(r.Cur), uint64(r.Max), nil
}

// raiseFileLimit sets the soft limit on open files to n (at most the hard
// limit).
func raiseFileLimit(n uint64) error {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return fmt.Errorf("getrlimit: %w", err)
	}
	r.Cur = min(n, uint64(r.Max))
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return fmt.Errorf("setrlimit: %w", err)
	}
	return nil
}
