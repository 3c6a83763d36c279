package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/internal/authtest"
	"github.com/mugai/mugai/internal/sanitizetest"
	"github.com/mugai/mugai/internal/smtptest"
	"github.com/mugai/mugai/sandbox"
	"github.com/mugai/mugai/smtpd"
)

// workerCommand makes this test binary a conversion worker, as mugai's
// hidden subcommand does.
const workerCommand = "__convert"

func TestMain(m *testing.M) {
	if len(os.Args) == 2 && os.Args[1] == workerCommand {
		os.Exit(sandbox.Worker(os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// testOptions are Build's options for tests: quiet, with this test binary
// as the conversion worker, and a DNS guard that fails the test when a
// query would leave loopback (sender authentication is on by default: a
// test's configuration points dns.servers at an authtest server, see
// authDNS, or sets auth.enabled: false).
func testOptions(t testing.TB) Options {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Options{Logger: slog.New(slog.DiscardHandler), Worker: Worker{Exe: exe, Args: []string{workerCommand}},
		DNS: &DNS{Guard: authtest.LoopbackOnly(t)}}
}

// authDNS starts a DNS server on loopback for a relay's sender
// authentication; yaml is the dns section that points at it.
func authDNS(t testing.TB) (s *authtest.DNSServer, yaml string) {
	t.Helper()
	s = authtest.StartDNS(t)
	return s, fmt.Sprintf("dns: {servers: [%q], timeout: 200ms, attempts: 1}\n", s.Addr)
}

// build is Build of yaml with testOptions; with the vault on (the
// default), on a fresh vault in a temporary directory, opened as serve
// opens it (keys made at first start, recipient links).
func build(t testing.TB, yaml string) (*Gateway, error) {
	t.Helper()
	return buildWith(t, yaml, testOptions(t))
}

// buildWith is Build of yaml with opts.
func buildWith(t testing.TB, yaml string, opts Options) (*Gateway, error) {
	t.Helper()
	cfg, err := config.Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return Build(cfg, withTestVault(t, cfg, opts))
}

// withTestVault is opts with cfg's vault opened as serve opens it, in a
// temporary directory unless cfg names one (not the default), and as the
// sender history when opts has none.
func withTestVault(t testing.TB, cfg *config.Config, opts Options) Options {
	t.Helper()
	if !cfg.Vault.Enabled {
		return opts
	}
	if cfg.Vault.Backend == config.VaultSQLite && cfg.Vault.Path == config.Default().Vault.Path {
		cfg.Vault.Path = t.TempDir()
	}
	ctx := context.Background()
	v, err := OpenVault(ctx, cfg, opts.Logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	opts.Vault = v
	if opts.History == nil {
		opts.History = v
	}
	if cfg.Listen.Console != "" {
		if opts.Links, err = NewLinks(ctx, cfg, v, opts.Logger); err != nil {
			t.Fatal(err)
		}
	}
	return opts
}

// startRelay runs the gateway built from yaml in-process, with the real
// sanitizer and smtpd, on a loopback port.
func startRelay(t testing.TB, yaml string) string {
	t.Helper()
	return startRelayWith(t, yaml, testOptions(t))
}

// startRelayWith is startRelay with opts.
func startRelayWith(t testing.TB, yaml string, opts Options) string {
	t.Helper()
	gw, err := buildWith(t, yaml, opts)
	if err != nil {
		t.Fatal(err)
	}
	return serveGateway(t, gw)
}

// serveGateway serves gw's SMTP on a loopback port until the test ends
// and returns the address.
func serveGateway(t testing.TB, gw *Gateway) string {
	t.Helper()
	srv, err := smtpd.New(gw.ServerConfig())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return ln.Addr().String()
}

const htmlMail = "From: a@example.jp\r\nTo: x@example.lg.jp\r\nSubject: links\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>See <a href=\"https://example.jp/page\">the page</a>.</p>\r\n"

func TestRoutes(t *testing.T) {
	lgwan := smtptest.NewServer(t, nil)
	strictHop := smtptest.NewServer(t, nil)
	internet := smtptest.NewServer(t, nil)
	_, dnsYAML := authDNS(t)
	addr := startRelay(t, dnsYAML+fmt.Sprintf(`
hostname: gw.test.example
listen: {smtp: "127.0.0.1:0"}
relay:
  domains: [city.example.lg.jp, soumu.city.example.lg.jp]
  networks: [127.0.0.0/8]
  internal_networks: [127.0.0.2/32]
delivery: {next_hop: "%s", tls: none}
policies:
  strict: {links: remove, language: en}
  outbound: {passthrough: true}
routes:
  - client_networks: [127.0.0.2/32]
    policy: outbound
    next_hop: "%s"
  - recipient_domains: [soumu.city.example.lg.jp]
    policy: strict
    next_hop: "%s"
`, lgwan.Addr, internet.Addr, strictHop.Addr))

	send := func(t *testing.T, from netip.Addr, rcpts ...string) error {
		t.Helper()
		c := dialFrom(t, addr, from)
		defer c.Close()
		if err := c.Mail("a@example.jp"); err != nil {
			return err
		}
		for _, r := range rcpts {
			if err := c.Rcpt(r); err != nil {
				return err
			}
		}
		w, err := c.Data()
		if err != nil {
			return err
		}
		io.WriteString(w, htmlMail)
		return w.Close()
	}
	loop := netip.MustParseAddr("127.0.0.1")

	// Default route: the sanitize section (links defanged, Japanese).
	if err := send(t, loop, "kikaku@city.example.lg.jp"); err != nil {
		t.Fatal(err)
	}
	m := lgwan.WaitMessages(1, 5*time.Second)
	if len(m) != 1 || !strings.Contains(bodyOf(t, m[0].Data), "hxxps://example[.]jp/page") {
		t.Fatalf("default route: %d messages", len(m))
	}

	// The strict route: links removed, English notice, its own next hop.
	if err := send(t, loop, "somu@soumu.city.example.lg.jp"); err != nil {
		t.Fatal(err)
	}
	m = strictHop.WaitMessages(1, 5*time.Second)
	if len(m) != 1 {
		t.Fatal("strict route: nothing at its next hop")
	}
	if body := bodyOf(t, m[0].Data); strings.Contains(body, "example[.]jp") || !strings.Contains(body, "[Sanitization notice]") {
		t.Errorf("strict route body:\n%s", body)
	}

	// Recipients of different routes need separate transactions.
	if err := send(t, loop, "kikaku@city.example.lg.jp", "somu@soumu.city.example.lg.jp"); !isReply(err, 451, "4.5.3") {
		t.Errorf("mixed routes: got %v, want 451 4.5.3", err)
	}

	// A foreign domain is refused for Internet-side clients...
	if err := send(t, loop, "someone@example.com"); !isReply(err, 550, "5.7.1") {
		t.Errorf("foreign domain: got %v", err)
	}
	// ...but mail leaving the LGWAN goes anywhere, unchanged.
	if err := send(t, netip.MustParseAddr("127.0.0.2"), "someone@example.com"); err != nil {
		t.Fatalf("outbound: %v", err)
	}
	m = internet.WaitMessages(1, 5*time.Second)
	if len(m) != 1 || !bytes.Contains(m[0].Data, []byte(`<a href="https://example.jp/page">`)) {
		t.Errorf("outbound passthrough changed the message or lost it")
	}
}

// dialFrom connects to the relay at addr from the loopback address from.
func dialFrom(t *testing.T, addr string, from netip.Addr) *smtp.Client {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: from.AsSlice()}, Timeout: 5 * time.Second}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClient(conn, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// isReply reports whether err is the SMTP reply code with enhanced code.
func isReply(err error, code int, enhanced string) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code == code && strings.HasPrefix(te.Msg, enhanced+" ")
}

func bodyOf(t *testing.T, data []byte) string {
	t.Helper()
	texts, err := sanitizetest.Check(data, sanitizetest.Options{AllowReceived: true, AllowAuthResults: true})
	if err != nil {
		t.Fatalf("not sanitized: %v\n%s", err, data)
	}
	return texts[0].Body
}

// TestRelayCheckIsOnTheSentAddress: relay.domains is checked on the
// address the next hop receives, so a quoted local part cannot carry a
// recipient of another domain, a parameter or a source route past it
// (issue 19), and whatever is accepted reaches the next hop in one
// canonical RFC 5321 form.
func TestRelayCheckIsOnTheSentAddress(t *testing.T) {
	lgwan := smtptest.NewServer(t, nil)
	_, dnsYAML := authDNS(t)
	addr := startRelay(t, dnsYAML+fmt.Sprintf(`
listen: {smtp: "127.0.0.1:0"}
relay: {domains: [city.example.lg.jp], networks: [127.0.0.0/8]}
delivery: {next_hop: "%s", tls: none}
`, lgwan.Addr))
	for _, tt := range []struct {
		from, rcpt string
		code       int
		enhanced   string
		hop        string // the RCPT line the next hop gets
	}{
		{"a@example.jp", `"victim@evil.example> ORCPT=rfc822;x"@city.example.lg.jp`, 553, "5.1.3", ""},
		{"a@example.jp", `"victim@evil.example"@city.example.lg.jp`, 553, "5.1.3", ""},
		{"a@example.jp", "victim@evil.example@city.example.lg.jp", 553, "5.1.3", ""},
		{"a@example.jp", "victim%evil.example@city.example.lg.jp", 550, "5.7.1", ""},
		{"a@example.jp", "kikaku@city.example.lg.jp@evil.example", 553, "5.1.3", ""},
		{`"a@evil.example> RET=FULL"@example.jp`, "kikaku@city.example.lg.jp", 553, "5.1.7", ""},
		{"a@example.jp", `"kikaku"@CITY.example.lg.jp.`, 250, "", "RCPT TO:<kikaku@city.example.lg.jp>"},
		{"a@example.jp", `"ki kaku"@city.example.lg.jp`, 250, "", `RCPT TO:<"ki kaku"@city.example.lg.jp>`},
	} {
		before := len(lgwan.Commands())
		c, err := smtp.Dial(addr)
		if err != nil {
			t.Fatal(err)
		}
		err = c.Mail(tt.from)
		if err == nil {
			err = c.Rcpt(tt.rcpt)
		}
		c.Close()
		switch {
		case tt.code == 250 && err != nil:
			t.Errorf("<%s> <%s>: %v", tt.from, tt.rcpt, err)
		case tt.code != 250 && !isReply(err, tt.code, tt.enhanced):
			t.Errorf("<%s> <%s>: got %v, want %d %s", tt.from, tt.rcpt, err, tt.code, tt.enhanced)
		}
		var rcpts []string
		for _, l := range lgwan.Commands()[before:] {
			if strings.HasPrefix(l, "RCPT ") {
				rcpts = append(rcpts, l)
			}
			if strings.Contains(l, "evil") {
				t.Errorf("<%s> <%s>: next hop got %q", tt.from, tt.rcpt, l)
			}
		}
		if want := tt.hop; (want == "" && len(rcpts) > 0) || (want != "" && (len(rcpts) != 1 || rcpts[0] != want)) {
			t.Errorf("<%s> <%s>: next hop got %q, want %q", tt.from, tt.rcpt, rcpts, want)
		}
	}
}

// TestConverterFailsClosed: conversions are never run unconfined or
// half-configured. A gateway whose worker cannot convert, or whose
// external converter's program is missing, refuses to start.
func TestConverterFailsClosed(t *testing.T) {
	if _, err := build(t, "converters:\n  pdf: /nonexistent/pdftotext -\n"); err == nil || !strings.Contains(err.Error(), "converter for pdf") {
		t.Errorf("missing external converter: got %v, want a start-up error", err)
	}
	conv, err := sandbox.New(sandbox.Converter{Exe: "/bin/false"})
	if err != nil {
		t.Fatal(err)
	}
	if err := checkConverter(conv); err == nil {
		t.Error("a worker that cannot convert passed the start-up check")
	}
}
