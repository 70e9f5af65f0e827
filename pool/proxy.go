package pool

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// transportProxy is the Proxy the transport sees: plain-HTTP requests go
// through the configured proxy as usual, while https requests are left to the
// pool's TLS dialer, which opens the CONNECT tunnel itself so that it can
// time and count the handshake on the connection (the transport would do the
// handshake itself, reported only to the request that started the dial).
func (p *Pool) transportProxy(req *http.Request) (*url.URL, error) {
	if p.cfg.Proxy == nil || req.URL.Scheme == "https" {
		return nil, nil
	}
	return p.cfg.Proxy(req)
}

// proxyFor returns the proxy for an https connection to addr, or nil.
func (p *Pool) proxyFor(addr string) (*url.URL, error) {
	if p.cfg.Proxy == nil {
		return nil, nil
	}
	req := &http.Request{Method: http.MethodConnect, URL: &url.URL{Scheme: "https", Host: addr}, Header: http.Header{}}
	u, err := p.cfg.Proxy(req)
	if err != nil {
		return nil, fmt.Errorf("proxy for %s: %w", addr, err)
	}
	return u, nil
}

// connectTunnel asks the proxy on c for a tunnel to addr.
func connectTunnel(ctx context.Context, c net.Conn, proxy *url.URL, addr string) (net.Conn, error) {
	if d, ok := ctx.Deadline(); ok {
		c.SetDeadline(d)
		defer c.SetDeadline(time.Time{})
	}
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	req := "CONNECT " + addr + " HTTP/1.1\r\nHost: " + addr + "\r\n"
	if u := proxy.User; u != nil {
		pass, _ := u.Password()
		req += "Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pass)) + "\r\n"
	}
	if _, err := c.Write([]byte(req + "\r\n")); err != nil {
		return nil, fmt.Errorf("proxy %s: CONNECT %s: %w", proxy.Host, addr, err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		return nil, fmt.Errorf("proxy %s: CONNECT %s: %w", proxy.Host, addr, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("proxy %s: CONNECT %s: %s", proxy.Host, addr, resp.Status)
	}
	if br.Buffered() > 0 {
		return nil, fmt.Errorf("proxy %s: CONNECT %s: unexpected bytes after the response", proxy.Host, addr)
	}
	return c, nil
}
