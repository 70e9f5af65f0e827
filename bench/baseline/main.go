// Command baseline is the yardstick for reusebench's own overhead: the
// smallest closed-loop load generator net/http allows, with the transport a
// reusebench `shared` profile builds (HTTP/1.1, idle pool sized to the
// fleet) and no measurement at all. bench/overhead.sh runs it back to back
// with `reusebench run -p shared` against the same target, and bench/peers.sh
// runs it next to hey and reusebench against nginx, in both modes: -fresh
// disables keep-alive (a new connection for every request, like a reusebench
// `fresh` profile; TLS sessions are not resumed).
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	c := flag.Int("c", 50, "workers")
	d := flag.Duration("d", 5*time.Second, "duration")
	fresh := flag.Bool("fresh", false, "disable keep-alive: a new connection for every request")
	cacert := flag.String("cacert", "", "PEM `FILE` of CA certificates to trust for an https target")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: baseline [-c N] [-d DURATION] [-fresh] [-cacert FILE] URL")
		os.Exit(2)
	}
	url := flag.Arg(0)
	var protos http.Protocols
	protos.SetHTTP1(true)
	tr := &http.Transport{
		MaxIdleConns:        max(100, *c),
		MaxIdleConnsPerHost: max(2, *c),
		IdleConnTimeout:     90 * time.Second,
		DisableKeepAlives:   *fresh,
		Protocols:           &protos,
	}
	if *cacert != "" {
		pem, err := os.ReadFile(*cacert)
		if err != nil {
			fmt.Fprintln(os.Stderr, "baseline:", err)
			os.Exit(1)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			fmt.Fprintln(os.Stderr, "baseline: no certificates in", *cacert)
			os.Exit(1)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: roots}
	}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), *d)
	defer cancel()
	var done, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range *c {
		wg.Go(func() {
			for ctx.Err() == nil {
				req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
				if err != nil {
					failed.Add(1)
					return
				}
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				done.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	fmt.Printf("%.0f\n", float64(done.Load())/elapsed)
	fmt.Fprintf(os.Stderr, "baseline: %d requests, %d errors in %.2fs\n", done.Load(), failed.Load(), elapsed)
}
