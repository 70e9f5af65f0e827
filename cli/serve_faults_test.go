package cli

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reusebench/reusebench/server"
)

func TestServeFaultFlags(t *testing.T) {
	parse := func(args ...string) (server.Config, error) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var ff faultFlags
		ff.define(fs)
		fail := fs.String("fail", "", "")
		if err := fs.Parse(args); err != nil {
			return server.Config{}, err
		}
		cfg, err := serveConfig("127.0.0.1:0", false, false, false, "0s", "", "64", *fail, "")
		if err != nil {
			return cfg, err
		}
		return cfg, ff.apply(&cfg)
	}
	cfg, err := parse("--idle-close", "1s", "--close-after", "100:quiet", "--drop-after", "3", "--forget-idle", "2s:silent",
		"--reset", "0.1", "--slow-headers", "200ms", "--trickle", "1000", "--fail", "0.2", "--status", "429", "--retry-after", "2", "--fail-burst", "10")
	want := server.Faults{IdleClose: time.Second, CloseAfter: 100, CloseQuiet: true, DropAfter: 3, ForgetIdle: 2 * time.Second,
		ForgetSilent: true, Reset: 0.1, SlowHeaders: 200 * time.Millisecond, Trickle: 1000, RetryAfter: 2, FailBurst: 10}
	if err != nil || cfg.Faults != want || cfg.FailRate != 0.2 || cfg.FailStatus != 429 {
		t.Errorf("every fault: %+v (fail %v:%d), %v; want %+v", cfg.Faults, cfg.FailRate, cfg.FailStatus, err, want)
	}
	if cfg, err := parse("--status", "429"); err != nil || cfg.FailRate != 1 || cfg.FailStatus != 429 {
		t.Errorf("--status alone: fail %v:%d, %v; want every request 429", cfg.FailRate, cfg.FailStatus, err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--idle-close", "0s"}, "--idle-close \"0s\": want a positive duration"},
		{[]string{"--close-after", "x"}, "--close-after \"x\": N must be"},
		{[]string{"--forget-idle", "1s:loud"}, "neither rst nor silent"},
		{[]string{"--reset", "2"}, "--reset 2: want a fraction"},
		{[]string{"--status", "99"}, "--status 99"},
		{[]string{"--retry-after", "3"}, "give --fail FRACTION or --status CODE too"},
		{[]string{"--drop-after", "-1"}, "--drop-after -1"},
	} {
		if _, err := parse(tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: %v, want one line containing %q", tc.args, err, tc.want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestServeDropAfter(t *testing.T) {
	// `serve --drop-after 1` on loopback: a GET meets EOF, and the counts at
	// exit say the request was read and dropped.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int)
	go func() {
		done <- serveCmd(ctx, []string{"--addr", "127.0.0.1:0", "--drop-after", "1"}, &stdout, &stderr)
	}()
	var url string
	for deadline := time.Now().Add(10 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		url = strings.TrimSpace(stdout.String())
	}
	if url == "" {
		t.Fatalf("serve printed no URL; stderr: %s", stderr.String())
	}
	c := &http.Client{Timeout: 10 * time.Second}
	if _, err := c.Get(url + "/"); err == nil || !strings.Contains(err.Error(), "EOF") {
		t.Errorf("GET: %v, want EOF", err)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d", code)
	}
	out := stderr.String()
	for _, want := range []string{"faults: request 1 on each connection is dropped unanswered", "read 1, requests 0", "1 dropped", "drop_after 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
}
