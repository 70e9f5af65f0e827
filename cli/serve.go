package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/reusebench/reusebench/server"
)

// serveSynopsis is the synopsis of `reusebench serve`.
const serveSynopsis = "usage: reusebench serve [--addr HOST:PORT] [--tls [--http2] [--cert-out FILE] | --h2c]\n" +
	"    [--latency DURATION] [--stall EVERY:FOR] [--size BYTES] [--fail FRACTION[:STATUS]]\n" +
	"    [--status CODE] [--retry-after S] [--fail-burst N] [--idle-close D] [--close-after N[:quiet]]\n" +
	"    [--drop-after N] [--forget-idle D[:rst|:silent]] [--reset FRACTION] [--slow-headers D]\n" +
	"    [--trickle BYTES/S]\n" +
	"Fault modes combine; see the README's \"reusebench serve\" for what a client sees with each."

// serveExamples ends `reusebench serve -h`.
const serveExamples = `  # plain HTTP/1.1 on 127.0.0.1:8080, the target of the run examples
  reusebench serve
  # HTTPS with HTTP/2, its certificate written for the client's --cacert
  reusebench serve --addr 127.0.0.1:8443 --tls --http2 --cert-out target.pem
  # a keep-alive timeout shorter than the client's, and a NAT that forgets idle connections
  reusebench serve --idle-close 1s --forget-idle 5s:rst
`

// serveCountsEvery is how often `reusebench serve` prints its counts.
const serveCountsEvery = 10 * time.Second

// serveCmd runs `reusebench serve`: the embedded target as a standalone
// server, until ctx is cancelled (Ctrl-C). It prints the URL on stdout, and
// a description, the counts every 10 seconds and the counts at exit on
// stderr. It returns the exit status: 0 after Ctrl-C or -h, 1 when it
// cannot listen, 2 for bad input.
func serveCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	stderr = &serveSyncWriter{w: stderr} // net/http's error log writes from other goroutines
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "listen on `HOST:PORT` (port 0 picks a free port)")
	useTLS := fs.Bool("tls", false, "serve HTTPS with a self-signed certificate made at start")
	http2 := fs.Bool("http2", false, "with --tls: offer HTTP/2 (h2) as well as HTTP/1.1")
	h2c := fs.Bool("h2c", false, "without --tls: accept plain-text HTTP/2 with prior knowledge as well as HTTP/1.1")
	latencyArg := fs.String("latency", "0s", "add a fixed service `DURATION` to every request, e.g. 20ms")
	stallArg := fs.String("stall", "", "answer nothing for FOR at the start of every EVERY, as `EVERY:FOR`, e.g. 2s:500ms")
	sizeArg := fs.String("size", "64", "`BYTES` in the body of /")
	failArg := fs.String("fail", "", "answer a FRACTION of requests to / with STATUS (default 503), as `FRACTION[:STATUS]`, e.g. 0.1:503")
	certOut := fs.String("cert-out", "", "with --tls: write the server certificate (PEM) to `FILE`, for a client's --cacert")
	var ff faultFlags
	ff.define(fs)

	switch err := parseArgs(fs, args); {
	case errors.Is(err, flag.ErrHelp):
		help(stdout, fs, serveSynopsis+"\n\nRuns the embedded target on its own: its URL on stdout, what it counted on stderr\n"+
			"every 10 s and at Ctrl-C.\n", serveExamples)
		return 0
	case err != nil:
		return flagError(stderr, "serve", err)
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "reusebench serve: unexpected argument %q: serve takes only flags; run 'reusebench serve -h' for flags\n", fs.Arg(0))
		return 2
	}

	cfg, err := serveConfig(*addr, *useTLS, *http2, *h2c, *latencyArg, *stallArg, *sizeArg, *failArg, *certOut)
	if err == nil {
		err = ff.apply(&cfg)
	}
	if err != nil {
		fmt.Fprintf(stderr, "reusebench serve: %v\n", err)
		return 2
	}
	cfg.ErrorLog = log.New(stderr, "reusebench serve: ", 0)

	srv, err := server.Start(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "reusebench serve: %s\n", strings.TrimPrefix(err.Error(), "target: "))
		return 1
	}
	if *certOut != "" {
		if err := os.WriteFile(*certOut, srv.CertPEM(), 0o644); err != nil {
			fmt.Fprintf(stderr, "reusebench serve: write certificate: %v\n", err)
			srv.Close()
			return 1
		}
	}

	fmt.Fprintln(stdout, srv.URL())
	fmt.Fprintf(stderr, "reusebench serve: %s on %s: / answers %s; latency %v, stall %v, %s; also /login, /protected, /echo, /redirect/N; Ctrl-C to stop\n",
		serveMode(cfg), srv.Addr(), serveBody(cfg.BodySize), cfg.Latency, cfg.Stall, serveFailText(cfg))
	if *certOut != "" {
		fmt.Fprintf(stderr, "reusebench serve: certificate written to %s (pass it to --cacert)\n", *certOut)
	}
	if d := cfg.Faults.Describe(); d != "" {
		fmt.Fprintf(stderr, "reusebench serve: faults: %s\n", d)
	}

	tick := time.NewTicker(serveCountsEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			fmt.Fprintln(stderr, srv.Counts())
		case <-ctx.Done():
			closeErr := srv.Close()
			fmt.Fprintln(stderr, srv.Counts())
			if closeErr != nil {
				fmt.Fprintf(stderr, "reusebench serve: %s\n", strings.TrimPrefix(closeErr.Error(), "target: "))
			}
			return 0
		}
	}
}

// serveConfig checks the flag values of `reusebench serve` and turns them
// into a server.Config. Its errors are one line naming what is valid.
func serveConfig(addr string, useTLS, http2, h2c bool, latencyArg, stallArg, sizeArg, failArg, certOut string) (server.Config, error) {
	cfg := server.Config{Addr: addr, TLS: useTLS, HTTP2: http2, H2C: h2c}
	switch {
	case http2 && !useTLS:
		return cfg, errors.New("--http2 needs --tls (for plain-text HTTP/2 use --h2c)")
	case h2c && useTLS:
		return cfg, errors.New("--h2c is plain-text HTTP/2 and cannot be combined with --tls (use --http2)")
	case certOut != "" && !useTLS:
		return cfg, errors.New("--cert-out needs --tls")
	}
	latency, err := time.ParseDuration(latencyArg)
	if err != nil || latency < 0 {
		return cfg, fmt.Errorf("--latency %q: want a duration of 0 or more, such as 20ms or 1.5s", latencyArg)
	}
	cfg.Latency = latency
	size, err := strconv.Atoi(sizeArg)
	if err != nil || size < 0 {
		return cfg, fmt.Errorf("--size %q: want a whole number of bytes, 0 or more", sizeArg)
	}
	cfg.BodySize = size
	if size == 0 {
		cfg.BodySize = -1 // target: negative means an empty body, 0 the default
	}
	if stallArg != "" {
		if cfg.Stall, err = server.ParseStall(stallArg); err != nil {
			return cfg, fmt.Errorf("--%w", err) // "--stall "x": want EVERY:FOR ..."
		}
	}
	if failArg != "" {
		if cfg.FailRate, cfg.FailStatus, err = server.ParseFail(failArg); err != nil {
			return cfg, fmt.Errorf("--%w", err) // "--fail "x": FRACTION must be ..."
		}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, errors.New(strings.TrimPrefix(err.Error(), "target: "))
	}
	return cfg, nil
}

// serveMode describes the protocols a Config serves.
func serveMode(cfg server.Config) string {
	switch {
	case cfg.TLS && cfg.HTTP2:
		return "HTTPS (HTTP/1.1 and HTTP/2)"
	case cfg.TLS:
		return "HTTPS (HTTP/1.1)"
	case cfg.H2C:
		return "HTTP (HTTP/1.1 and h2c)"
	}
	return "HTTP (HTTP/1.1)"
}

// serveBody describes the body of "/" for a Config.BodySize.
func serveBody(size int) string {
	switch {
	case size < 0:
		return "an empty body"
	case size == 0:
		return "64 bytes"
	}
	return strconv.Itoa(size) + " bytes"
}

// serveFailText describes the failure injection of a Config.
func serveFailText(cfg server.Config) string {
	if cfg.FailRate == 0 {
		return "no injected failures"
	}
	s := fmt.Sprintf("%g of requests to / fail with %d", cfg.FailRate, cfg.FailStatus)
	if b := cfg.Faults.FailBurst; b > 1 {
		s += fmt.Sprintf(" in runs of %d", b)
	}
	if ra := cfg.Faults.RetryAfter; ra > 0 {
		s += fmt.Sprintf(" (Retry-After: %d)", ra)
	}
	return s
}

// serveSyncWriter serializes writes to w: the counts, the description and
// net/http's error log are written from different goroutines.
type serveSyncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// Write writes p to the underlying writer under the lock.
func (w *serveSyncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}
