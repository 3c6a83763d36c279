package auth

import (
	"bytes"
	"context"
	"io"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mugai/mugai/internal/authtest"
)

// The world of the tests: example.jp sends from 192.0.2.10 and signs with
// selector s1 (RSA) and s2 (Ed25519); city.example.lg.jp is the relay's
// own domain.
const (
	senderIP   = "192.0.2.10"
	strangerIP = "198.51.100.99"
)

var (
	keysOnce sync.Once
	rsaKey   *authtest.Key
	edKey    *authtest.Key
	otherKey *authtest.Key // of attacker.example
)

// testKeys makes the keys once per test binary; RSA keys are slow.
func testKeys(t testing.TB) (rsa, ed, other *authtest.Key) {
	keysOnce.Do(func() {
		rsaKey = authtest.NewRSAKey(t, "example.jp", "s1")
		edKey = authtest.NewEd25519Key(t, "example.jp", "s2")
		otherKey = authtest.NewRSAKey(t, "attacker.example", "x")
	})
	return rsaKey, edKey, otherKey
}

// world starts a DNS server with the records of the example world.
func world(t testing.TB) *authtest.DNSServer {
	t.Helper()
	s := authtest.StartDNS(t)
	rsa, ed, other := testKeys(t)
	s.TXT("example.jp", "v=spf1 ip4:192.0.2.0/28 -all")
	s.TXT("_dmarc.example.jp", "v=DMARC1; p=reject; rua=mailto:d@example.jp")
	rsa.Publish(s)
	ed.Publish(s)
	s.TXT("attacker.example", "v=spf1 ip4:198.51.100.0/24 -all")
	other.Publish(s)
	s.TXT("_dmarc.city.example.lg.jp", "v=DMARC1; p=none")
	return s
}

type checkerOption func(*Config)

func newChecker(t testing.TB, s *authtest.DNSServer, opts ...checkerOption) *Checker {
	t.Helper()
	d, err := NewDNS(DNSConfig{Servers: []string{s.Addr}, Timeout: authtest.Timeout, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Resolver: d, ProtectedDomains: []string{"city.example.lg.jp"}, Timeout: 5 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := NewChecker(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// message builds a CRLF message with the given header lines and body.
func message(headers []string, body string) []byte {
	var b bytes.Buffer
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	return b.Bytes()
}

// plain is a message from yamada@example.jp.
func plain(from string) []byte {
	return message([]string{
		"From: " + from,
		"To: soumu@city.example.lg.jp",
		"Subject: 見積書の送付",
		"Date: Mon, 2 Jun 2025 10:00:00 +0900",
		"Message-ID: <1@example.jp>",
	}, "お世話になっております。\n見積書を添付します。\n")
}

func input(ip, mailFrom string) Input {
	return Input{Client: netip.MustParseAddr(ip), Helo: "mail.example.jp", MailFrom: mailFrom}
}

func check(t testing.TB, c *Checker, in Input, msg []byte) *Results {
	t.Helper()
	res, err := c.Check(context.Background(), in, bytes.NewReader(msg))
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return res
}

// bytesSection is a fresh reader over a spooled message.
func bytesSection(r io.ReaderAt, n int64) io.Reader { return io.NewSectionReader(r, 0, n) }
