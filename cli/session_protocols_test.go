package cli

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

// TestH2C checks the protocol knobs reach the wire: h2c multiplexes every
// request over one plain-text connection, and over TLS only http2=true
// negotiates HTTP/2.
func TestH2C(t *testing.T) {
	t.Run("h2c", func(t *testing.T) {
		srv := servertest.Start(t, server.Config{H2C: true})
		const n = 50
		p := runOne(t, "-c", "1", "-n", fmt.Sprint(n), "-p", "h2c=shared,h2c=true", srv.URL()+"/")
		c := settled(t, srv, p.Connections.Opened)
		if p.Protocol != "HTTP/2.0" || p.Connections.Opened != 1 || p.Connections.RequestsPerConn != n {
			t.Errorf("results: protocol %q, %d connections, %.1f requests per connection; want HTTP/2.0, 1, %d",
				p.Protocol, p.Connections.Opened, p.Connections.RequestsPerConn, n)
		}
		if c.Protocols["HTTP/2.0"] != n || c.Requests != n || c.Accepted != 1 {
			t.Errorf("target: protocols %v over %d connections, want %d×HTTP/2.0 over 1", c.Protocols, c.Accepted, n)
		}
	})
	t.Run("tls", func(t *testing.T) {
		srv := servertest.Start(t, server.Config{TLS: true, HTTP2: true})
		ca := filepath.Join(t.TempDir(), "ca.pem")
		writeFile(t, ca, srv.CertPEM())
		const n = 30
		for _, tt := range []struct {
			spec, proto string
		}{
			{"h2=shared,http2=true", "HTTP/2.0"},
			{"shared", "HTTP/1.1"},
			{"h1=shared,http2=false", "HTTP/1.1"},
		} {
			t.Run(tt.spec, func(t *testing.T) {
				srv.Reset()
				p := runOne(t, "-c", "2", "-n", fmt.Sprint(n), "--cacert", ca, "-p", tt.spec, srv.URL()+"/")
				c := settled(t, srv, p.Connections.Opened)
				if c.Protocols[tt.proto] != n || len(c.Protocols) != 1 {
					t.Errorf("target saw protocols %v, want %d×%s", c.Protocols, n, tt.proto)
				}
				if p.Protocol != tt.proto || p.Errors.Total != 0 {
					t.Errorf("results: protocol %q, errors %+v; want %s and none", p.Protocol, p.Errors, tt.proto)
				}
				if c.TLSHandshakes != p.Connections.TLSHandshakes || c.Accepted != p.Connections.Opened {
					t.Errorf("target accepted %d connections with %d handshakes, results opened %d with %d",
						c.Accepted, c.TLSHandshakes, p.Connections.Opened, p.Connections.TLSHandshakes)
				}
			})
		}
	})
}

// TestSourceAddress checks local-addr picks the source IP the target sees.
func TestSourceAddress(t *testing.T) {
	probe, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot bind 127.0.0.2 on this machine (%v): local-addr needs a second loopback address", err)
	}
	probe.Close()
	srv := servertest.Start(t, server.Config{})
	for _, tt := range []struct {
		spec string
		n    int64
	}{
		{"shared,local-addr=127.0.0.2", 20},
		{"fresh,local-addr=127.0.0.2", 10},
	} {
		t.Run(tt.spec, func(t *testing.T) {
			srv.Reset()
			p := runOne(t, "-c", "2", "-n", fmt.Sprint(tt.n), "-p", tt.spec, srv.URL()+"/")
			c := settled(t, srv, p.Connections.Opened)
			if p.Errors.Total != 0 || c.Requests != tt.n {
				t.Errorf("errors %+v, target served %d; want none and %d", p.Errors, c.Requests, tt.n)
			}
			if c.BySource["127.0.0.2"] != p.Connections.Opened || p.Connections.Opened == 0 {
				t.Errorf("target accepted %d connections from 127.0.0.2, results opened %d", c.BySource["127.0.0.2"], p.Connections.Opened)
			}
			if got := c.BySource["127.0.0.1"]; got != 0 {
				t.Errorf("target accepted %d connections from 127.0.0.1, want none (by source: %v)", got, c.BySource)
			}
			if p.Options["local-addr"] != "127.0.0.2" {
				t.Errorf("results options local-addr %q, want 127.0.0.2", p.Options["local-addr"])
			}
		})
	}
	t.Run("bad local-addr", func(t *testing.T) {
		srv.Reset()
		r := runCLI(t, "-n", "1", "-p", "shared,local-addr=nope", srv.URL()+"/")
		if c := srv.Counts(); c.Accepted != 0 {
			t.Errorf("a run with a bad local-addr reached the target: %v", c)
		}
		if r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("a bad local-addr: "+
				"the run exits %d (want 2, bad input) after printing the profile header; stderr:\n%s", r.code, r.stderr)
		}
		if !strings.Contains(r.stderr, "local-addr") {
			t.Errorf("stderr %q does not name local-addr", r.stderr)
		}
	})
}

// newClientCA makes a CA and a client certificate signed by it, writes the
// client's certificate and key as PEM files in dir and returns a pool
// holding the CA.
func newClientCA(t *testing.T, dir string) (pool *x509.CertPool, certFile, keyFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test client CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true, IsCA: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "reusebench client"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem")
	writeFile(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	writeFile(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	pool = x509.NewCertPool()
	pool.AddCert(caCert)
	return pool, certFile, keyFile
}

// TestClientCert checks --cert/--key present a client certificate the
// target verifies, and that without it the target completes no handshake.
func TestClientCert(t *testing.T) {
	dir := t.TempDir()
	cas, certFile, keyFile := newClientCA(t, dir)
	srv := servertest.Start(t, server.Config{TLS: true, RequireClientCert: true, ClientCAs: cas})
	ca := filepath.Join(dir, "target-ca.pem")
	writeFile(t, ca, srv.CertPEM())
	for _, tt := range []struct {
		spec string
		n    int64
	}{
		{"shared", 20},
		{"fresh", 8},
	} {
		t.Run("with cert "+tt.spec, func(t *testing.T) {
			srv.Reset()
			p := runOne(t, "-c", "2", "-n", fmt.Sprint(tt.n), "--cacert", ca, "--cert", certFile, "--key", keyFile, "-p", tt.spec, srv.URL()+"/")
			c := settled(t, srv, p.Connections.Opened)
			if p.Status["200"] != tt.n || p.Errors.Total != 0 || c.Statuses[200] != tt.n {
				t.Errorf("results status %v errors %+v, target %v; want %d×200", p.Status, p.Errors, c.Statuses, tt.n)
			}
			// Every connection that carried a request completed a handshake
			// with the certificate; with -c 2 Go may cancel a spare dial
			// mid-handshake, so opened can exceed handshakes by the unused.
			used := p.Connections.Opened - p.Connections.Unused
			if c.TLSHandshakes < used || c.TLSHandshakes > p.Connections.Opened || c.TLSHandshakes == 0 || p.Connections.TLSHandshakes != c.TLSHandshakes {
				t.Errorf("target completed %d handshakes, results opened %d connections with %d handshakes",
					c.TLSHandshakes, p.Connections.Opened, p.Connections.TLSHandshakes)
			}
		})
	}
	t.Run("without cert", func(t *testing.T) {
		srv.Reset()
		const n = 4
		p := runOne(t, "-c", "1", "-n", fmt.Sprint(n), "--cacert", ca, "-p", "shared", srv.URL()+"/")
		c := settled(t, srv, p.Connections.Opened)
		if p.Requests != n || p.Errors.ByClass["tls"] != n {
			t.Errorf("results: %d requests, errors %+v; want all %d of class tls", p.Requests, p.Errors, n)
		}
		if c.TLSHandshakes != 0 || c.Requests != 0 {
			t.Errorf("target completed %d handshakes and served %d requests without a client certificate, want none", c.TLSHandshakes, c.Requests)
		}
		if c.Accepted != p.Connections.Opened {
			t.Errorf("target accepted %d connections, results opened %d", c.Accepted, p.Connections.Opened)
		}
	})
	t.Run("cert without key", func(t *testing.T) {
		srv.Reset()
		wantUsage(t, "--cert and --key go together", "-n", "1", "--cacert", ca, "--cert", certFile, srv.URL()+"/")
		wantUsage(t, "--cert and --key go together", "-n", "1", "--cacert", ca, "--key", keyFile, srv.URL()+"/")
		if c := srv.Counts(); c.Accepted != 0 {
			t.Errorf("a refused run reached the target: %v", c)
		}
	})
}

// TestSeveralTargets checks requests go round-robin over several targets,
// each with its own method, headers and body.
func TestSeveralTargets(t *testing.T) {
	t.Run("urls", func(t *testing.T) {
		a := servertest.Start(t, server.Config{})
		b := servertest.Start(t, server.Config{})
		const n = 40
		p := runOne(t, "-c", "2", "-n", fmt.Sprint(n), "-p", "shared", a.URL()+"/", b.URL()+"/")
		if p.Requests != n || p.Errors.Total != 0 {
			t.Errorf("results: %d requests, errors %+v; want %d and none", p.Requests, p.Errors, n)
		}
		if len(p.Hosts) != 2 {
			t.Fatalf("results hosts %v, want %s and %s", p.Hosts, a.Addr(), b.Addr())
		}
		var opened int64
		for _, srv := range []*server.Server{a, b} {
			h, ok := p.Hosts[srv.Addr()]
			if !ok {
				t.Errorf("results hosts %v lack %s", p.Hosts, srv.Addr())
				continue
			}
			opened += h.Opened
			c := settled(t, srv, h.Opened)
			if c.Requests != n/2 || h.Requests != n/2 {
				t.Errorf("%s served %d requests, results say %d; want %d each", srv.Addr(), c.Requests, h.Requests, n/2)
			}
			if c.Accepted != h.Opened || h.Opened == 0 {
				t.Errorf("%s accepted %d connections, results opened %d to it", srv.Addr(), c.Accepted, h.Opened)
			}
		}
		if opened != p.Connections.Opened {
			t.Errorf("hosts opened %d connections in all, results %d", opened, p.Connections.Opened)
		}
	})
	t.Run("targets file", func(t *testing.T) {
		srv := servertest.Start(t, server.Config{})
		dir := t.TempDir()
		body1 := []byte(`{"first": true}` + "\n")
		body2 := []byte("second body, from a file in a sub-folder\n")
		writeFile(t, filepath.Join(dir, "one.json"), body1)
		if err := os.Mkdir(filepath.Join(dir, "bodies"), 0o700); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "bodies", "two.txt"), body2)
		// One counter per target: its own method, header and body, the -H
		// header every target gets, and none of the other target's header.
		match := func(method, tag string, body []byte) func(*http.Request, []byte) bool {
			return func(r *http.Request, got []byte) bool {
				return r.Method == method && bytes.Equal(got, body) &&
					strings.Join(r.Header.Values("X-Target"), ",") == tag &&
					r.Header.Get("X-Common") == "c" && r.URL.Path == "/check"
			}
		}
		one := newCountingServer(t, match(http.MethodPost, "one", body1))
		two := newCountingServer(t, match(http.MethodPut, "two", body2))
		targets := filepath.Join(dir, "targets.txt")
		writeFile(t, targets, fmt.Appendf(nil, "POST %s/check\nX-Target: one\n@one.json\n\nPUT %s/check\nX-Target: two\n@bodies/two.txt\n\nPOST %s/echo\nContent-Type: text/plain\n@%s\n",
			one.URL, two.URL, srv.URL(), filepath.Join(dir, "one.json")))
		const n = 30
		p := runOne(t, "-c", "2", "-n", fmt.Sprint(n), "-H", "X-Common: c", "-p", "shared", "--targets", targets)
		c := settled(t, srv, p.Hosts[srv.Addr()].Opened)
		for _, cs := range []*countingServer{one, two} {
			if cs.total.Load() != n/3 || cs.matched.Load() != n/3 {
				t.Errorf("%s saw %d requests, %d with the right method, headers and body; want %d", cs.URL, cs.total.Load(), cs.matched.Load(), n/3)
			}
		}
		if c.Statuses[200] != n/3 || c.Protocols["HTTP/1.1"] != n/3 || c.Requests != n/3 {
			t.Errorf("target served %d requests, statuses %v, protocols %v; want %d×200 over HTTP/1.1", c.Requests, c.Statuses, c.Protocols, n/3)
		}
		if len(p.Hosts) != 3 || p.Requests != n || p.Errors.Total != 0 {
			t.Errorf("results: hosts %v, %d requests, errors %+v; want 3 hosts, %d requests, none", p.Hosts, p.Requests, p.Errors, n)
		}
	})
}
