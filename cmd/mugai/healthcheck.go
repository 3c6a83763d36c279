package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pires/go-proxyproto"

	"github.com/mugai/mugai/config"

	// The time zone database inside the binary: the container image is
	// FROM scratch and has no /usr/share/zoneinfo, yet TZ=Asia/Tokyo
	// must work for the Received: dates and the logs. (About 450 KB.)
	_ "time/tzdata"
)

// defaultHealthTimeout bounds each check of "mugai healthcheck": below
// Docker's default HEALTHCHECK timeout of 30 s, above a busy gateway's
// greeting delay.
const defaultHealthTimeout = 5 * time.Second

// healthcheck implements "mugai healthcheck": exit 0 when the running
// gateway answers, 1 when it does not. It is the container image's
// HEALTHCHECK (the image has no shell and no curl) and works for any
// monitoring script. It checks:
//
//   - SMTP (listen.smtp, or -smtp): a connection gets an SMTP greeting.
//     Any greeting counts, a 554 to a client outside relay.networks
//     included: it shows the process serves. From an address in
//     listen.proxy_protocol_networks it first sends a PROXY v2 LOCAL
//     header, as a load balancer's own check does, since the gateway
//     answers nothing else from there.
//   - HTTP (listen.http, or -http), only when set: GET /healthz (or
//     /readyz with -ready, which also checks the next hops) answers 200.
func (e *env) healthcheck(args []string) int {
	fs := e.newFlagSet("healthcheck")
	cfgPath := fs.String("config", "", "config file (default: the embedded defaults)")
	smtpAddr := fs.String("smtp", "", "SMTP address to check (default: listen.smtp)")
	httpAddr := fs.String("http", "", "HTTP address to check (default: listen.http; not checked when both are empty)")
	ready := fs.Bool("ready", false, "check /readyz instead of /healthz")
	timeout := fs.Duration("timeout", defaultHealthTimeout, "time allowed for each check")
	if err := fs.Parse(args); err != nil {
		return e.fail(exitError, "healthcheck: %v", err)
	}
	if fs.NArg() > 0 {
		return e.fail(exitError, "healthcheck: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return e.fail(exitError, "%s", oneLine(err))
	}
	if *smtpAddr == "" {
		*smtpAddr = cfg.Listen.SMTP
	}
	if *httpAddr == "" {
		*httpAddr = cfg.Listen.HTTP
	}

	addr := dialAddr(*smtpAddr)
	greeting, err := checkSMTP(addr, *timeout, cfg.Listen.ProxyProtocolNetworks)
	if err != nil {
		return e.fail(exitError, "healthcheck: smtp %s: %v", addr, err)
	}
	fmt.Fprintf(e.stdout, "smtp %s: %s\n", addr, greeting)
	if *httpAddr != "" {
		path := "/healthz"
		if *ready {
			path = "/readyz"
		}
		url := "http://" + dialAddr(*httpAddr) + path
		status, err := checkHTTP(url, *timeout)
		if err != nil {
			return e.fail(exitError, "healthcheck: %s: %v", url, err)
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", url, status)
	}
	return exitOK
}

// dialAddr turns a listen address into one to connect to: a wildcard
// host (all addresses) is reached on loopback.
func dialAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen // let the dial say what is wrong
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}

// checkSMTP connects, reads the greeting and says QUIT. It returns the
// greeting's last line. A connection from proxyNets starts with a PROXY
// v2 LOCAL header ("the connection was established on purpose by the
// proxy without being relayed", the protocol spec).
func checkSMTP(addr string, timeout time.Duration, proxyNets config.Prefixes) (string, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	if la, ok := c.LocalAddr().(*net.TCPAddr); ok && proxyNets.Contains(la.AddrPort().Addr()) {
		local := &proxyproto.Header{Version: 2, Command: proxyproto.LOCAL, TransportProtocol: proxyproto.UNSPEC}
		if _, err := local.WriteTo(c); err != nil {
			return "", fmt.Errorf("PROXY header: %w", err)
		}
	}
	br := bufio.NewReader(io.LimitReader(c, 64<<10))
	var line string
	for {
		// RFC 5321 §4.2: "NNN-text" continues, "NNN text" ends a reply.
		line, err = br.ReadString('\n')
		if err != nil {
			return "", fmt.Errorf("no greeting: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if len(line) < 3 {
			return "", fmt.Errorf("not an SMTP greeting: %q", line)
		}
		if _, err := strconv.Atoi(line[:3]); err != nil {
			return "", fmt.Errorf("not an SMTP greeting: %q", line)
		}
		if len(line) == 3 || line[3] != '-' {
			break
		}
	}
	// Say goodbye, so the gateway logs a client that quit, not a broken
	// connection; its answer does not change the verdict.
	if _, err := io.WriteString(c, "QUIT\r\n"); err == nil {
		br.ReadString('\n')
	}
	return line, nil
}

// checkHTTP GETs url and wants 200.
func checkHTTP(url string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	// No proxy: the gateway is on this host (HTTP_PROXY set for the
	// image's other traffic must not take this request elsewhere).
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	first, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return resp.Status + " " + first, nil
}
