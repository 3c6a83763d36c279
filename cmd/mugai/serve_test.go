package main

import (
	"bufio"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mugai/mugai/internal/authtest"
	"github.com/mugai/mugai/internal/sanitizetest"
	"github.com/mugai/mugai/internal/smtptest"
)

// gatewayProcess is a running "mugai serve".
type gatewayProcess struct {
	cmd  *exec.Cmd
	addr string
	logs chan string // every log line, as it comes
	done chan error
}

var listeningLine = regexp.MustCompile(`msg="mugai listening" addr=(\S+)`)

// vaultAttr finds the vault id on a message's log line.
var vaultAttr = regexp.MustCompile(`vault=([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})`)

// startGateway runs the built binary with args in dir and waits until it
// listens. It is stopped with SIGKILL at the end of the test if still up.
func startGateway(t *testing.T, dir string, args ...string) *gatewayProcess {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve"}, args...)...)
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	g := &gatewayProcess{cmd: cmd, logs: make(chan string, 1000), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			t.Log("mugai: " + sc.Text())
			if strings.Contains(sc.Text(), dnsGuardLog) {
				// A query beyond loopback: point dns.servers at a
				// loopback server (testDNS) or set auth.enabled: false.
				t.Errorf("mugai asked a DNS server beyond loopback: %s", sc.Text())
			}
			select {
			case g.logs <- sc.Text():
			default:
			}
		}
		g.done <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	line := g.waitLog(t, "mugai listening", 10*time.Second)
	m := listeningLine.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no address in %q", line)
	}
	g.addr = m[1]
	return g
}

// waitLog waits for a log line containing s.
func (g *gatewayProcess) waitLog(t *testing.T, s string, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line := <-g.logs:
			if strings.Contains(line, s) {
				return line
			}
		case err := <-g.done:
			t.Fatalf("mugai exited (%v) before logging %q", err, s)
		case <-deadline:
			t.Fatalf("no log line with %q after %v", s, timeout)
		}
	}
}

func (g *gatewayProcess) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := g.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// writeConfig writes a gateway config that listens on a free loopback
// port and relays to nextHop. The vault is on, as by default, in
// ./mugai-vault of the directory the gateway runs in (the test's own),
// with its console on a free loopback port; sender authentication's DNS
// is a server of the test's own on loopback.
func writeConfig(t *testing.T, path, nextHop, extra string) {
	t.Helper()
	cfg := fmt.Sprintf("hostname: gw.test.example\nlisten:\n  smtp: 127.0.0.1:0\n  console: 127.0.0.1:0\nrelay:\n  domains: [city.example.lg.jp]\n  networks: [127.0.0.0/8]\ndelivery:\n  next_hop: %s\n  tls: none\n%s%s", nextHop, testDNS(t, nil), extra)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

// testDNS is a dns section pointing at a DNS server on loopback that
// serves s's records (a fresh, empty one when s is nil).
func testDNS(t *testing.T, s *authtest.DNSServer) string {
	t.Helper()
	if s == nil {
		s = authtest.StartDNS(t)
	}
	return fmt.Sprintf("dns:\n  servers: [%q]\n", s.Addr)
}

// swaks sends a message file with swaks; the test is skipped when swaks
// is not installed (.ci/run installs it).
func swaks(t *testing.T, addr, from, to, file string) (string, error) {
	t.Helper()
	path, err := exec.LookPath("swaks")
	if err != nil {
		t.Skip("swaks is not installed (apt-get install swaks; .ci/run does it)")
	}
	out, err := exec.Command(path, "--server", addr, "--from", from, "--to", to,
		"--data", file, "--timeout", "20", "--hide-informational").CombinedOutput()
	return string(out), err
}

// TestServeEndToEnd runs the binary with a config file, sends real mail
// with swaks, and checks what the next hop received; then reloads the
// config with SIGHUP and stops with SIGTERM.
func TestServeEndToEnd(t *testing.T) {
	if _, err := exec.LookPath("swaks"); err != nil {
		t.Skip("swaks is not installed (apt-get install swaks; .ci/run does it)")
	}
	next := smtptest.NewServer(t, nil)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "mugai.yaml")
	writeConfig(t, cfgPath, next.Addr, "")
	g := startGateway(t, dir, "-config", cfgPath)
	msgFile := filepath.Join("..", "..", "testdata", "golden", "mixed-attachments.eml")

	if out, err := swaks(t, g.addr, "yamada@example.jp", "soumu@city.example.lg.jp", msgFile); err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	msgs := next.WaitMessages(1, 10*time.Second)
	if len(msgs) != 1 {
		t.Fatalf("next hop got %d messages", len(msgs))
	}
	got := msgs[0]
	if got.From != "yamada@example.jp" || len(got.Rcpts) != 1 || got.Rcpts[0] != "soumu@city.example.lg.jp" {
		t.Errorf("envelope %s -> %v", got.From, got.Rcpts)
	}
	texts, err := sanitizetest.Check(got.Data, sanitizetest.Options{AllowReceived: true, AllowAuthResults: true})
	if err != nil {
		t.Fatalf("next hop got an unsanitized message: %v\n%s", err, got.Data)
	}
	if !strings.Contains(texts[0].Body, "【無害化のお知らせ】") || strings.Contains(string(got.Data), "TVqQ") {
		t.Errorf("unexpected body:\n%s", texts[0].Body)
	}
	if !strings.HasPrefix(string(got.Data), "Received: from ") || !strings.Contains(string(got.Data), "by gw.test.example (mugai)") {
		t.Errorf("no Received header of ours:\n%.300s", got.Data)
	}

	// A recipient outside relay.domains is refused; nothing is relayed.
	if out, err := swaks(t, g.addr, "yamada@example.jp", "someone@example.com", msgFile); err == nil || !strings.Contains(out, "550 5.7.1") {
		t.Errorf("foreign recipient: err %v\n%s", err, out)
	}

	// A message that fails closed is quarantined (the vault keeps it):
	// the sender gets 250, the recipient a notice with its vault id.
	amb := filepath.Join("..", "..", "testdata", "golden", "ambiguous-two-boundaries.eml")
	if out, err := swaks(t, g.addr, "yamada@example.jp", "soumu@city.example.lg.jp", amb); err != nil {
		t.Errorf("ambiguous message: err %v\n%s", err, out)
	}
	msgs = next.WaitMessages(2, 10*time.Second)
	if len(msgs) != 2 || !strings.Contains(decodedBody(t, msgs[1].Data), "原本を隔離しました") {
		t.Errorf("quarantine: %d messages", len(msgs))
	}
	if line := g.waitLog(t, "quarantined:ambiguous", 10*time.Second); !strings.Contains(line, "vault=") {
		t.Errorf("log line without vault=: %s", line)
	}

	// Every transaction so far used the one pooled connection.
	if n, open := next.Connections(), next.OpenConnections(); n != 1 || open != 1 {
		t.Errorf("%d connections to the next hop, %d open; want 1 kept open", n, open)
	}

	// SIGHUP with a broken file keeps the old configuration...
	os.WriteFile(cfgPath, []byte("sanitize:\n  language: klingon\n"), 0o644)
	g.signal(t, syscall.SIGHUP)
	g.waitLog(t, "reload failed", 10*time.Second)
	// ...and with a good one switches to it: English notices now, and the
	// old configuration's idle connection is closed with QUIT.
	writeConfig(t, cfgPath, next.Addr, "sanitize:\n  language: en\n")
	g.signal(t, syscall.SIGHUP)
	g.waitLog(t, "configuration reloaded", 10*time.Second)
	waitOpen(t, next, 0)
	if out, err := swaks(t, g.addr, "yamada@example.jp", "soumu@city.example.lg.jp", msgFile); err != nil {
		t.Fatalf("swaks after reload: %v\n%s", err, out)
	}
	msgs = next.WaitMessages(3, 10*time.Second)
	if len(msgs) != 3 || !strings.Contains(decodedBody(t, msgs[2].Data), "[Sanitization notice]") {
		t.Errorf("after reload: %d messages; want an English notice", len(msgs))
	}
	if n := next.Connections(); n != 2 {
		t.Errorf("%d connections to the next hop, want 2 (a new one after the reload)", n)
	}

	g.signal(t, syscall.SIGTERM)
	select {
	case err := <-g.done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("mugai did not stop on SIGTERM")
	}
	if len(next.Messages()) != 3 {
		t.Errorf("next hop got %d messages in all, want 3", len(next.Messages()))
	}
	// Every original is in the vault, with its outcome.
	out, errOut, code := runBinaryIn(t, dir, nil, "vault", "list", "-config", cfgPath)
	if code != 0 || strings.Count(out, "delivered") != 3 {
		t.Errorf("vault list: %d %s %s", code, out, errOut)
	}
	waitOpen(t, next, 0)
	quits := 0
	for _, c := range next.Commands() {
		if c == "QUIT" {
			quits++
		}
	}
	if quits != 2 {
		t.Errorf("%d QUIT, want 2: one at the reload, one at the stop", quits)
	}
}

// waitOpen waits up to ten seconds for the next hop to have n open
// connections.
func waitOpen(t *testing.T, next *smtptest.Server, n int) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); next.OpenConnections() != n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("the next hop has %d open connections, want %d", next.OpenConnections(), n)
		}
	}
}

func decodedBody(t *testing.T, data []byte) string {
	t.Helper()
	texts, err := sanitizetest.Check(data, sanitizetest.Options{AllowReceived: true, AllowAuthResults: true})
	if err != nil || len(texts) == 0 {
		t.Fatalf("check: %v", err)
	}
	return texts[0].Body
}

// TestServeDefaultConfig is the README's quick start: "mugai serve" with
// no config listens on 127.0.0.1:2525 and delivers into ./mugai-outbox.
// Sender authentication is on, with the system's resolvers: mail from
// this machine (a forwarder that sends no XFORWARD) has no known original
// client, so SPF asks nothing; the sender's domain is under .invalid,
// which the resolver answers itself (RFC 6761), so DMARC asks nothing
// either. The test binary's DNS guard fails the test on any query.
func TestServeDefaultConfig(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:2525", "127.0.0.1:8025"} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Skip(addr + " is in use; the default config cannot be tested here")
		}
	}
	dir := t.TempDir()
	g := startGateway(t, dir)
	if g.addr != "127.0.0.1:2525" {
		t.Errorf("default listen address %s", g.addr)
	}
	msg := "From: a@mugai-test.invalid\r\nTo: b@example.lg.jp\r\nSubject: quick start\r\nContent-Type: text/html\r\n\r\n<b>hello</b>\r\n"
	if err := smtp.SendMail(g.addr, nil, "a@mugai-test.invalid", []string{"b@example.lg.jp"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "mugai-outbox", "new", "*"))
	if len(files) != 1 {
		t.Fatalf("%d files in mugai-outbox/new", len(files))
	}
	b, _ := os.ReadFile(files[0])
	if !strings.Contains(string(b), "X-Mugai-Sanitized: yes") {
		t.Errorf("maildir file is not a sanitized message:\n%s", b)
	}
	if !strings.Contains(string(b), "spf=none reason=\"client address unknown\"") || !strings.Contains(string(b), "dmarc=none") {
		t.Errorf("Authentication-Results of mail from this machine:\n%s", b)
	}
	// The vault is on: a key pair made at first start (the identity
	// private), the original kept, its id and the recipient link in the
	// notice, the console on loopback.
	if st, err := os.Stat(filepath.Join(dir, "mugai-vault", "identity.txt")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("identity file: %v %v", st, err)
	}
	line := g.waitLog(t, "smtpd: message", 5*time.Second)
	m := vaultAttr.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no vault id on the log line: %s", line)
	}
	// The maildir's own Return-Path: first, then what the relay wrote.
	_, relayed, _ := strings.Cut(string(b), "\r\n")
	if body := decodedBody(t, []byte(relayed)); !strings.Contains(body, "受付番号 "+m[1]) || !strings.Contains(body, "http://127.0.0.1:8025/r/") {
		t.Errorf("notice without the vault id and link:\n%s", body)
	}
	if out, _, code := runBinaryIn(t, dir, nil, "vault", "show", m[1]); code != 0 || !regexp.MustCompile(`State: +delivered`).MatchString(out) {
		t.Errorf("vault show: %d\n%s", code, out)
	}
	if tmp, _ := os.ReadDir(filepath.Join(dir, "mugai-outbox", "tmp")); len(tmp) != 0 {
		t.Errorf("%d files left in tmp/", len(tmp))
	}
	g.signal(t, syscall.SIGTERM)
	<-g.done
}

// TestServeRefusesBadConfig: a config that cannot be loaded is a one-line
// error and exit 1, before anything listens.
func TestServeRefusesBadConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "bad.yaml")
	os.WriteFile(cfg, []byte("listen:\n  smtp: nowhere\n"), 0o644)
	_, errOut, code := runBinary(t, nil, "serve", "-config", cfg)
	if code != 1 || !strings.Contains(errOut, cfg+":2:") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestServeDKIM relays mail signed by go-msgauth and by Debian's
// independent dkimsign (python3-dkim; skipped without it, .ci/run
// installs it) through `mugai serve`: the rebuilt message cannot carry
// the signature, but its Authentication-Results say it passed, and so
// does DMARC. The DNS is a server of the test's own on loopback.
func TestServeDKIM(t *testing.T) {
	s := authtest.StartDNS(t)
	key := authtest.NewRSAKey(t, "sender.jp", "mugai")
	key.Publish(s)
	s.TXT("_dmarc.sender.jp", "v=DMARC1; p=reject")
	next := smtptest.NewServer(t, nil)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "mugai.yaml")
	cfg := fmt.Sprintf("hostname: gw.test.example\nlisten:\n  smtp: 127.0.0.1:0\nrelay:\n  domains: [city.example.lg.jp]\n"+
		"  networks: [127.0.0.0/8]\ndelivery:\n  next_hop: %s\n  tls: none\n%s", next.Addr, testDNS(t, s))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	g := startGateway(t, dir, "-config", cfgPath)
	msg := []byte("From: 山田 <yamada@sender.jp>\r\nTo: soumu@city.example.lg.jp\r\nSubject: =?UTF-8?B?6KaL56mN5pu4?=\r\n" +
		"Date: Mon, 06 Oct 2025 10:00:00 +0900\r\nMessage-ID: <dkim@sender.jp>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\nお世話になっております。  \r\n見積書を送ります。\r\n\r\n")
	n := 0
	for _, tc := range []struct {
		name string
		sign func(t *testing.T) []byte
	}{
		{"go-msgauth relaxed/relaxed", func(t *testing.T) []byte { return key.Sign(t, msg) }},
		{"dkimsign relaxed/relaxed", func(t *testing.T) []byte { return key.SignExternal(t, msg, "relaxed", "relaxed") }},
		{"dkimsign simple/simple", func(t *testing.T) []byte { return key.SignExternal(t, msg, "simple", "simple") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signed := tc.sign(t)
			if err := smtp.SendMail(g.addr, nil, "yamada@sender.jp", []string{"soumu@city.example.lg.jp"}, signed); err != nil {
				t.Fatal(err)
			}
			n++
			msgs := next.WaitMessages(n, 10*time.Second)
			if len(msgs) != n {
				t.Fatalf("next hop got %d messages", len(msgs))
			}
			got := string(msgs[n-1].Data)
			ar := strings.Join(strings.Fields(authResults(got)), " ")
			for _, want := range []string{"gw.test.example;", "dkim=pass header.d=sender.jp", "dmarc=pass header.from=sender.jp"} {
				if !strings.Contains(ar, want) {
					t.Errorf("Authentication-Results: %s\nlacks %q", ar, want)
				}
			}
			if strings.Contains(got, "DKIM-Signature") || strings.Contains(got, "なりすまし") {
				t.Errorf("the signature survived, or the message was tagged:\n%s", got)
			}
			g.waitLog(t, "auth.dkim=pass auth.dmarc=pass", 5*time.Second)
		})
	}
}

// authResults returns the unfolded Authentication-Results value of a
// message's header.
func authResults(msg string) string {
	head, _, _ := strings.Cut(msg, "\r\n\r\n")
	_, v, ok := strings.Cut(head, "\r\nAuthentication-Results: ")
	if !ok {
		return ""
	}
	var b strings.Builder
	for i, line := range strings.Split(v, "\r\n") {
		if i > 0 && !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "\t") {
			break
		}
		b.WriteString(line)
	}
	return b.String()
}
