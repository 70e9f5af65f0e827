//go:build !unix

package cli

import "errors"

// errNoLimit says the system keeps no open-file limit to check.
var errNoLimit = errors.New("no open-file limit on this system")

// fileLimit reports that there is no limit to check.
func fileLimit() (soft, hard uint64, err error) { return 0, 0, errNoLimit }

// raiseFileLimit does nothing.
func raiseFileLimit(uint64) error { return errNoLimit }
