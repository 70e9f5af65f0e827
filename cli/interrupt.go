package cli

import (
	"context"
	"errors"
	"syscall"

	"github.com/reusebench/reusebench/results"
)

// Interrupt is the cause of a context cancelled by a signal (Ctrl-C's
// SIGINT, SIGTERM): main cancels cli.Main's context with it, and a command
// stopped by it exits 128 + the signal's number, as a shell reports it.
type Interrupt struct {
	Signal syscall.Signal
}

// Error names the signal.
func (i Interrupt) Error() string {
	switch i.Signal {
	case syscall.SIGINT:
		return "interrupted (Ctrl-C)"
	case syscall.SIGTERM:
		return "terminated (SIGTERM)"
	}
	return "stopped by " + i.Signal.String()
}

// Unwrap returns context.Canceled: what a request cut short by the signal
// fails with is a cancellation, whose cause it is (net/http returns the
// cause), and is classified so.
func (i Interrupt) Unwrap() error { return context.Canceled }

// ExitCode is the exit status of a process stopped by the signal: 130 for
// SIGINT, 143 for SIGTERM.
func (i Interrupt) ExitCode() int { return 128 + int(i.Signal) }

// interruptCode is the exit status of a command whose context ctx is done:
// that of the signal that cancelled it, or 130 (an interrupt) when none did.
func interruptCode(ctx context.Context) int {
	var i Interrupt
	if errors.As(context.Cause(ctx), &i) {
		return i.ExitCode()
	}
	return 128 + int(syscall.SIGINT)
}

// Abandon is what main calls before it exits at once on a second
// interrupt: it removes the temporary file of a results.json being written,
// so the folder holds the last complete results.json and nothing else.
func Abandon() { results.RemovePending() }
