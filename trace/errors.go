package trace

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
)

// ErrorClass classifies why a request failed.
type ErrorClass uint8

// The error classes, as reported in results files under errors.by_class.
const (
	ErrNone ErrorClass = iota
	// ErrTimeout is the whole-request timeout (http.Client.Timeout or a deadline).
	ErrTimeout
	// ErrDialTimeout is a TCP connect that took longer than the dial timeout.
	ErrDialTimeout
	// ErrTLSTimeout is a TLS handshake that took longer than the TLS timeout.
	ErrTLSTimeout
	// ErrHeaderTimeout is a response header that took longer than the header timeout.
	ErrHeaderTimeout
	ErrRefused
	ErrReset
	ErrEOF
	ErrTLS
	ErrDNS
	ErrCanceled
	ErrHTTP4xx
	ErrHTTP5xx
	// ErrStale is a reused connection that failed before any response
	// byte (EOF or a reset): the server had closed or forgotten it. Go's
	// transport retries idempotent requests on a new connection by itself;
	// the others fail with this class.
	ErrStale
	// ErrClientResources is the client running out of its own resources:
	// file descriptors (EMFILE, ENFILE), local ports (EADDRNOTAVAIL) or
	// buffers (ENOBUFS). It is no fault of the server.
	ErrClientResources
	ErrOther
	numErrorClasses
)

// NumErrorClasses is the number of error classes, ErrNone included.
const NumErrorClasses = int(numErrorClasses)

var errorNames = [NumErrorClasses]string{
	"", "timeout", "dial_timeout", "tls_timeout", "header_timeout", "refused",
	"reset", "eof", "tls", "dns", "canceled", "http_4xx", "http_5xx", "stale", "client_resources", "other",
}

// String returns the class's name as used in results files.
func (c ErrorClass) String() string {
	if int(c) < NumErrorClasses {
		return errorNames[c]
	}
	return "other"
}

// StatusClass returns the error class of an HTTP status: ErrNone below 400.
func StatusClass(status int) ErrorClass {
	switch {
	case status >= 500:
		return ErrHTTP5xx
	case status >= 400:
		return ErrHTTP4xx
	}
	return ErrNone
}

// StagedTimeout is implemented by errors that know which step of a dial timed
// out ("dial" or "tls"); the pool returns such errors, so its timeouts keep
// their own class after net/http wraps them.
type StagedTimeout interface {
	error
	TimeoutStage() string
}

// Classify returns the class of an error returned by http.Client.Do or while
// reading a body.
func Classify(err error) ErrorClass {
	if err == nil {
		return ErrNone
	}
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recordErr tls.RecordHeaderError
	var alertErr tls.AlertError
	var staged StagedTimeout
	if errors.As(err, &staged) {
		switch staged.TimeoutStage() {
		case "dial":
			return ErrDialTimeout
		case "tls":
			return ErrTLSTimeout
		}
	}
	switch {
	case strings.Contains(err.Error(), "timeout awaiting response headers"):
		return ErrHeaderTimeout
	case errors.Is(err, context.Canceled):
		return ErrCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return ErrTimeout
	case errors.As(err, &dnsErr):
		return ErrDNS
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr),
		errors.As(err, &recordErr), errors.As(err, &alertErr):
		return ErrTLS
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE),
		errors.Is(err, syscall.EADDRNOTAVAIL), errors.Is(err, syscall.ENOBUFS):
		return ErrClientResources
	case errors.Is(err, syscall.ECONNREFUSED):
		return ErrRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return ErrReset
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return ErrEOF
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return ErrTimeout
	}
	if strings.Contains(err.Error(), "tls:") {
		return ErrTLS
	}
	return ErrOther
}

// TimeoutError is the error of a request that took longer than its
// client's Timeout. A Tracer enforces http.Client.Timeout itself, with one
// timer for all its requests, instead of the deadline context, timer and
// body wrapper the client builds for each.
type TimeoutError struct {
	After time.Duration // the client's Timeout
}

func (e *TimeoutError) Error() string {
	return "whole-request timeout (" + e.After.String() + ") exceeded"
}

// Is makes a TimeoutError a context.DeadlineExceeded, as the client's own
// timeout error is.
func (e *TimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// Timeout reports true (net.Error).
func (e *TimeoutError) Timeout() bool { return true }

// Temporary reports false (net.Error).
func (e *TimeoutError) Temporary() bool { return false }
