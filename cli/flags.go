package cli

import (
	"errors"
	"fmt"
	"strings"
)

// listFlag is a repeatable string flag.
type listFlag []string

// String joins the values given so far (flag.Value).
func (l *listFlag) String() string { return strings.Join(*l, ", ") }

// Set adds one value (flag.Value).
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// usageError is bad input from the user: one line, exit status 2.
type usageError struct{ msg string }

// Error returns the one line shown to the user.
func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// exitCode maps an error to the process's exit status: 2 for usage errors,
// 1 for everything else.
func exitCode(err error) int {
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}
