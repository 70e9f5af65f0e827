package trace_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"

	"github.com/reusebench/reusebench/pool"
	"github.com/reusebench/reusebench/trace"
)

// urlErr wraps err the way http.Client.Do does.
func urlErr(err error) error {
	return &url.Error{Op: "Get", URL: "http://127.0.0.1:1/", Err: err}
}

// dialErr wraps a syscall error the way net.Dialer does.
func dialErr(errno syscall.Errno) error {
	return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)}
}

// headerTimeout mimics net/http's unexported error for ResponseHeaderTimeout:
// a net.Error whose Timeout is true and whose text is the transport's.
type headerTimeout struct{}

func (headerTimeout) Error() string   { return "net/http: timeout awaiting response headers" }
func (headerTimeout) Timeout() bool   { return true }
func (headerTimeout) Temporary() bool { return true }

// plainTimeout is a net.Error that timed out for no reason Classify knows.
type plainTimeout struct{}

func (plainTimeout) Error() string   { return "i/o timeout" }
func (plainTimeout) Timeout() bool   { return true }
func (plainTimeout) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want trace.ErrorClass
	}{
		{"nil", nil, trace.ErrNone},
		{"context.Canceled", context.Canceled, trace.ErrCanceled},
		{"context.Canceled in url.Error", urlErr(context.Canceled), trace.ErrCanceled},
		{"context.DeadlineExceeded", context.DeadlineExceeded, trace.ErrTimeout},
		{"client timeout", urlErr(fmt.Errorf("%w (Client.Timeout exceeded while awaiting headers)", context.DeadlineExceeded)), trace.ErrTimeout},
		{"os.ErrDeadlineExceeded", urlErr(&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}), trace.ErrTimeout},
		{"other net.Error timeout", urlErr(plainTimeout{}), trace.ErrTimeout},
		{"DNS error", urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "nosuch.invalid", IsNotFound: true}}), trace.ErrDNS},
		{"bare DNS error", &net.DNSError{Err: "server misbehaving", Name: "x.invalid"}, trace.ErrDNS},
		{"ECONNREFUSED", urlErr(dialErr(syscall.ECONNREFUSED)), trace.ErrRefused},
		{"ECONNRESET", urlErr(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), trace.ErrReset},
		{"EPIPE", urlErr(&net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)}), trace.ErrReset},
		{"io.EOF", urlErr(io.EOF), trace.ErrEOF},
		{"io.ErrUnexpectedEOF", io.ErrUnexpectedEOF, trace.ErrEOF},
		{"wrapped io.ErrUnexpectedEOF", fmt.Errorf("reading body: %w", io.ErrUnexpectedEOF), trace.ErrEOF},
		{"x509.UnknownAuthorityError", urlErr(x509.UnknownAuthorityError{}), trace.ErrTLS},
		{"x509.UnknownAuthorityError in CertificateVerificationError",
			urlErr(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), trace.ErrTLS},
		{"x509.HostnameError", urlErr(x509.HostnameError{Certificate: &x509.Certificate{}, Host: "example.invalid"}), trace.ErrTLS},
		{"tls.RecordHeaderError", urlErr(tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), trace.ErrTLS},
		{"tls alert", urlErr(&net.OpError{Op: "remote error", Err: tls.AlertError(40)}), trace.ErrTLS},
		{"pool dial timeout", urlErr(&pool.TimeoutError{Stage: "dial", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}}), trace.ErrDialTimeout},
		{"pool tls timeout", urlErr(&pool.TimeoutError{Stage: "tls", Err: context.DeadlineExceeded}), trace.ErrTLSTimeout},
		{"header timeout", urlErr(headerTimeout{}), trace.ErrHeaderTimeout},
		{"header timeout as text", errors.New("net/http: timeout awaiting response headers"), trace.ErrHeaderTimeout},
		{"unknown", urlErr(errors.New("something else")), trace.ErrOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := trace.Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestStatusClass(t *testing.T) {
	tests := []struct {
		status int
		want   trace.ErrorClass
	}{
		{0, trace.ErrNone},
		{100, trace.ErrNone},
		{200, trace.ErrNone},
		{204, trace.ErrNone},
		{304, trace.ErrNone},
		{399, trace.ErrNone},
		{400, trace.ErrHTTP4xx},
		{404, trace.ErrHTTP4xx},
		{499, trace.ErrHTTP4xx},
		{500, trace.ErrHTTP5xx},
		{503, trace.ErrHTTP5xx},
		{599, trace.ErrHTTP5xx},
	}
	for _, tt := range tests {
		if got := trace.StatusClass(tt.status); got != tt.want {
			t.Errorf("StatusClass(%d) = %q, want %q", tt.status, got, tt.want)
		}
	}
}

// The names are the results file's keys: they must not change by accident.
func TestNames(t *testing.T) {
	classes := map[trace.ErrorClass]string{
		trace.ErrNone: "", trace.ErrTimeout: "timeout", trace.ErrDialTimeout: "dial_timeout",
		trace.ErrTLSTimeout: "tls_timeout", trace.ErrHeaderTimeout: "header_timeout",
		trace.ErrRefused: "refused", trace.ErrReset: "reset", trace.ErrEOF: "eof", trace.ErrTLS: "tls",
		trace.ErrDNS: "dns", trace.ErrCanceled: "canceled", trace.ErrHTTP4xx: "http_4xx",
		trace.ErrHTTP5xx: "http_5xx", trace.ErrStale: "stale", trace.ErrClientResources: "client_resources",
		trace.ErrOther:                          "other",
		trace.ErrorClass(trace.NumErrorClasses): "other",
	}
	if len(classes) != trace.NumErrorClasses+1 {
		t.Fatalf("table covers %d classes, NumErrorClasses is %d", len(classes)-1, trace.NumErrorClasses)
	}
	for c, want := range classes {
		if got := c.String(); got != want {
			t.Errorf("ErrorClass(%d).String() = %q, want %q", c, got, want)
		}
	}
	phases := []string{"wait", "dns", "connect", "tls", "ttfb", "body", "total"}
	if len(phases) != trace.NumPhases {
		t.Fatalf("NumPhases = %d, want %d", trace.NumPhases, len(phases))
	}
	for i, want := range phases {
		if got := trace.Phase(i).String(); got != want {
			t.Errorf("Phase(%d).String() = %q, want %q", i, got, want)
		}
	}
	if got := trace.Phase(trace.NumPhases).String(); got != "phase?" {
		t.Errorf("out-of-range phase String() = %q", got)
	}
}

func TestSampleLatency(t *testing.T) {
	var s trace.Sample
	base := s.Start
	s.Start = base.Add(100)
	s.End = base.Add(350)
	if got := s.Latency(); got != 250 {
		t.Errorf("Latency = %v, want 250ns", got)
	}
	if got := s.Corrected(); got != 250 {
		t.Errorf("Corrected without Intended = %v, want Latency 250ns", got)
	}
	s.Intended = base.Add(40)
	if got := s.Corrected(); got != 310 {
		t.Errorf("Corrected = %v, want 310ns (End − Intended)", got)
	}
	if s.Failed() {
		t.Error("Failed with ErrNone")
	}
	s.Err = trace.ErrHTTP4xx
	if !s.Failed() {
		t.Error("not Failed with ErrHTTP4xx")
	}
}
