// Package servertest starts the embedded target for tests, as
// net/http/httptest starts a server: on loopback or on an in-memory network,
// closed when the test ends, with its Close error reported.
package servertest

import (
	"context"
	"testing"
	"time"

	"github.com/reusebench/reusebench/server"
)

// WaitTimeout bounds every wait on a server in tests: long enough for a
// loaded 2-core machine, short enough that a hung test fails by itself.
const WaitTimeout = 20 * time.Second

// Start starts a target with cfg on loopback and closes it when the test
// ends, failing the test if it cannot start or does not close cleanly.
func Start(t testing.TB, cfg server.Config) *server.Server {
	t.Helper()
	srv, err := server.Start(cfg)
	if err != nil {
		t.Fatalf("server.Start: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("server Close: %v", err)
		}
	})
	return srv
}

// Pipe starts a target on an in-memory network, for tests inside a
// testing/synctest bubble: clients dial it with the returned listener's
// DialContext. It is closed when the test ends.
func Pipe(t testing.TB, cfg server.Config) (*server.Server, *server.PipeListener) {
	t.Helper()
	pl := server.NewPipeListener()
	cfg.Listener = pl
	return Start(t, cfg), pl
}

// Context returns a context bounded by WaitTimeout and cancelled when the
// test ends.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), WaitTimeout)
	t.Cleanup(cancel)
	return ctx
}
