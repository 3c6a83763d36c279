package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mugai/mugai/internal/smtptest"
)

// TestHealthcheck runs "mugai healthcheck" against a running "mugai
// serve": healthy while it runs (SMTP and /healthz), -ready follows the
// next hop, and unhealthy once the gateway stopped.
func TestHealthcheck(t *testing.T) {
	next := smtptest.NewServer(t, nil)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "mugai.yaml")
	writeHTTPConfig(t, cfgPath, next.Addr, "")
	g, base := startHTTPGateway(t, dir, cfgPath)
	httpAddr := strings.TrimPrefix(base, "http://")

	// The config has port 0 for both listeners; the flags name the real
	// ones (a deployed config names fixed ports and needs no flags).
	check := func(extra ...string) (string, string, int) {
		args := append([]string{"healthcheck", "-config", cfgPath, "-smtp", g.addr, "-http", httpAddr, "-timeout", "3s"}, extra...)
		return runBinary(t, nil, args...)
	}
	out, errOut, code := check()
	if code != 0 || !strings.Contains(out, "smtp "+g.addr+": 220 gw.test.example") || !strings.Contains(out, "/healthz: 200 OK ok") {
		t.Errorf("healthy gateway: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if out, errOut, code := check("-ready"); code != 0 || !strings.Contains(out, "/readyz: 200 OK ready") {
		t.Errorf("-ready, next hop up: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	next.Close()
	// The readiness result is cached for a few seconds.
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, errOut, code := check("-ready")
		if code == 1 && strings.Contains(errOut, "503") && strings.Contains(errOut, "fail smtp:"+next.Addr) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("-ready with the next hop down: exit %d, stderr %q", code, errOut)
		}
		time.Sleep(500 * time.Millisecond)
	}
	// Liveness does not depend on the next hop.
	if _, errOut, code := check(); code != 0 {
		t.Errorf("healthz with the next hop down: exit %d, %s", code, errOut)
	}

	g.signal(t, syscall.SIGTERM)
	<-g.done
	if _, errOut, code := check(); code != 1 || !strings.HasPrefix(errOut, "mugai: healthcheck: smtp "+g.addr) {
		t.Errorf("stopped gateway: exit %d, stderr %q", code, errOut)
	}
}

// TestHealthcheckSMTPOnly: without listen.http only SMTP is checked.
func TestHealthcheckSMTPOnly(t *testing.T) {
	next := smtptest.NewServer(t, nil)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "mugai.yaml")
	writeConfig(t, cfgPath, next.Addr, "")
	g := startGateway(t, dir, "-config", cfgPath)
	out, errOut, code := runBinary(t, nil, "healthcheck", "-config", cfgPath, "-smtp", g.addr)
	if code != 0 || strings.Contains(out, "http") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if _, errOut, code := runBinary(t, nil, "healthcheck", "-config", cfgPath, "-smtp", g.addr, "extra"); code != 1 || !strings.Contains(errOut, "unexpected argument") {
		t.Errorf("extra argument: exit %d, %q", code, errOut)
	}
}

// TestHealthcheckBehindProxy: when the health check's own address is a
// load balancer's (listen.proxy_protocol_networks), it sends a PROXY v2
// LOCAL header; without one the gateway would wait for it and refuse.
func TestHealthcheckBehindProxy(t *testing.T) {
	next := smtptest.NewServer(t, nil)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "mugai.yaml")
	writeConfig(t, cfgPath, next.Addr, "")
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("listen:\n"), []byte("listen:\n  proxy_protocol_networks: [127.0.0.1/32]\n"), 1)
	if err := os.WriteFile(cfgPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	g := startGateway(t, dir, "-config", cfgPath)
	out, errOut, code := runBinary(t, nil, "healthcheck", "-config", cfgPath, "-smtp", g.addr)
	if code != 0 || !strings.Contains(out, "220 gw.test.example") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	// Without the header (a config without the key): refused as promised.
	if got, err := checkSMTP(g.addr, 10*time.Second, nil); err != nil || !strings.HasPrefix(got, "421 4.3.5") {
		t.Errorf("no PROXY header from the balancer's address: %q, %v; want 421 4.3.5", got, err)
	}
}

// fakeSMTP answers every connection with greeting and returns its address.
func fakeSMTP(t *testing.T, greeting string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte(greeting))
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			buf := make([]byte, 64)
			if n, _ := c.Read(buf); strings.HasPrefix(string(buf[:n]), "QUIT") {
				c.Write([]byte("221 bye\r\n"))
			}
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func TestCheckSMTP(t *testing.T) {
	for _, tc := range []struct {
		greeting string
		want     string // last line, "" for an error
	}{
		{"220 gw ESMTP\r\n", "220 gw ESMTP"},
		{"220-gw ESMTP\r\n220-more\r\n220 last\r\n", "220 last"},
		// A client outside relay.networks is refused, but the process
		// serves: healthy.
		{"554 5.7.1 gw Access denied\r\n", "554 5.7.1 gw Access denied"},
		{"HTTP/1.1 400 Bad Request\r\n", ""},
		{"", ""},
	} {
		got, err := checkSMTP(fakeSMTP(t, tc.greeting), time.Second, nil)
		if tc.want == "" && err == nil {
			t.Errorf("%q: no error, got %q", tc.greeting, got)
		}
		if tc.want != "" && (err != nil || got != tc.want) {
			t.Errorf("%q: %q, %v; want %q", tc.greeting, got, err, tc.want)
		}
	}
}

func TestDialAddr(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:2525": "127.0.0.1:2525",
		":25":            "127.0.0.1:25",
		"0.0.0.0:25":     "127.0.0.1:25",
		"[::]:25":        "[::1]:25",
		"[::1]:9125":     "[::1]:9125",
		"gw.example:25":  "gw.example:25",
		"nonsense":       "nonsense",
	} {
		if got := dialAddr(in); got != want {
			t.Errorf("dialAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
