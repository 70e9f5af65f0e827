package cli

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/reusebench/reusebench/server"
)

// faultFlags are the fault-mode flags of `reusebench serve`, as given.
type faultFlags struct {
	idleClose, closeAfter, forgetIdle, slowHeaders string
	dropAfter, trickle, status, retryAfter, burst  int
	reset                                          float64
}

// define adds the fault flags to fs. Each help text says what a client
// sees.
func (ff *faultFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&ff.idleClose, "idle-close", "", "close keep-alive connections idle for `DURATION` with a FIN (Go clients notice it and redial; a request crossing the FIN is stale)")
	fs.StringVar(&ff.closeAfter, "close-after", "", "close each connection after `N[:quiet]` requests: with Connection: close on the last, or :quiet without (a client reusing it in time meets EOF)")
	fs.IntVar(&ff.dropAfter, "drop-after", 0, "read request `N` on each connection and close without answering (EOF; Go retries it silently on a reused connection)")
	fs.StringVar(&ff.forgetIdle, "forget-idle", "", "forget connections idle for DURATION without a FIN, as a NAT does: their next request gets a reset (rst, the default) or silence, as `DURATION[:rst|:silent]`")
	fs.Float64Var(&ff.reset, "reset", 0, "reset a `FRACTION` of responses to / in the middle of the body (status 200, then connection reset by peer)")
	fs.StringVar(&ff.slowHeaders, "slow-headers", "", "send a 103 at once and the final header `DURATION` later (short ttfb, but a header timeout fires)")
	fs.IntVar(&ff.trickle, "trickle", 0, "send the body of / at `BYTES/S` (a long body phase; a whole-request timeout fires while reading)")
	fs.IntVar(&ff.status, "status", 0, "the `CODE` of injected failures, e.g. 429 (default 503); without --fail, every request to / gets it")
	fs.IntVar(&ff.retryAfter, "retry-after", 0, "send Retry-After: `SECONDS` with every injected failure")
	fs.IntVar(&ff.burst, "fail-burst", 0, "inject --fail's failures in runs of `N` consecutive requests (the same fraction overall)")
}

// apply checks the fault flags and sets them in cfg. Its errors are one
// line naming what is valid.
func (ff *faultFlags) apply(cfg *server.Config) error {
	f := &cfg.Faults
	var err error
	if f.IdleClose, err = positiveDuration("idle-close", ff.idleClose); err != nil {
		return err
	}
	if f.SlowHeaders, err = positiveDuration("slow-headers", ff.slowHeaders); err != nil {
		return err
	}
	if ff.closeAfter != "" {
		if f.CloseAfter, f.CloseQuiet, err = server.ParseCloseAfter(ff.closeAfter); err != nil {
			return fmt.Errorf("--%w", err)
		}
	}
	if ff.forgetIdle != "" {
		if f.ForgetIdle, f.ForgetSilent, err = server.ParseForgetIdle(ff.forgetIdle); err != nil {
			return fmt.Errorf("--%w", err)
		}
	}
	switch {
	case ff.dropAfter < 0:
		return fmt.Errorf("--drop-after %d: want a request number ≥ 1 (0: off)", ff.dropAfter)
	case ff.reset < 0 || ff.reset > 1 || ff.reset != ff.reset:
		return fmt.Errorf("--reset %v: want a fraction in [0,1]", ff.reset)
	case ff.trickle < 0:
		return fmt.Errorf("--trickle %d: want bytes a second ≥ 1 (0: off)", ff.trickle)
	case ff.retryAfter < 0:
		return fmt.Errorf("--retry-after %d: want whole seconds ≥ 1 (0: off)", ff.retryAfter)
	case ff.burst < 0:
		return fmt.Errorf("--fail-burst %d: want a run length ≥ 1 (0: spread evenly)", ff.burst)
	case ff.status != 0 && (ff.status < 200 || ff.status > 599):
		return fmt.Errorf("--status %d: want an HTTP status in 200..599, e.g. 429", ff.status)
	case (ff.burst > 0 || ff.retryAfter > 0) && cfg.FailRate == 0 && ff.status == 0:
		return errors.New("--fail-burst and --retry-after shape injected failures: give --fail FRACTION or --status CODE too")
	}
	f.DropAfter, f.Reset, f.Trickle, f.RetryAfter, f.FailBurst = ff.dropAfter, ff.reset, ff.trickle, ff.retryAfter, ff.burst
	if ff.status != 0 {
		cfg.FailStatus = ff.status
		if cfg.FailRate == 0 {
			cfg.FailRate = 1
		}
	}
	if err := cfg.Validate(); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "target: "))
	}
	return nil
}

// positiveDuration parses the value of --name: "" is off, otherwise a
// duration above zero.
func positiveDuration(name, v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--%s %s: want a positive duration such as 1s or 500ms", name, strconv.Quote(v))
	}
	return d, nil
}
