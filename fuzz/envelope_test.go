package fuzz

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mugai/mugai/delivery"
	"github.com/mugai/mugai/internal/smtptest"
	"github.com/mugai/mugai/smtpd"
	"github.com/mugai/mugai/smtpd/reply"
)

// The relay domain of FuzzSMTPEnvelope.
const envelopeDomain = "example.jp"

// wire is RFC 5321's grammar for the commands the relay sends the next
// hop (§4.1.1.2, §4.1.1.3, §4.1.2, §4.1.3; RFC 6531 §3.3 for UTF-8 in a
// local part), written out here independently of smtpd: MAIL with only
// the parameters mugai's client adds, RCPT with none, each with exactly
// one path. Domains must be ASCII (mugai sends A-labels).
var wire = func() *regexp.Regexp {
	const (
		atext  = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-]|[^\\x00-\\x7f]"
		dotStr = "(?:" + atext + ")+(?:\\.(?:" + atext + ")+)*"
		quoted = `"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e]|[^\x00-\x7f])*"`
		label  = "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
		domain = label + "(?:\\." + label + ")*" + `|\[[0-9.]+\]|\[IPv6:[0-9A-Fa-f:.]+\]`
		path   = "(?P<local>" + dotStr + "|" + quoted + ")@(?P<domain>" + domain + ")"
	)
	return regexp.MustCompile(`^(?:MAIL FROM:<(?:|` + path + `)>(?: BODY=8BITMIME)?(?: SIZE=[0-9]+)?(?: SMTPUTF8)?` +
		`|RCPT TO:<` + strings.NewReplacer("?P<local>", "?P<rlocal>", "?P<domain>", "?P<rdomain>").Replace(path) + `>)$`)
}()

// envelopeRelay is a relay for example.jp in front of a recording next
// hop, with a Router that checks the domain and records every recipient
// it passed.
type envelopeRelay struct {
	addr string
	hop  *smtptest.Server

	mu      sync.Mutex
	checked map[string]bool
	seen    int // next hop command lines already checked
}

func startEnvelopeRelay(f *testing.F) *envelopeRelay {
	r := &envelopeRelay{hop: smtptest.NewServer(f, nil), checked: map[string]bool{}}
	hop := &delivery.NextHop{Addr: r.hop.Addr, HeloName: "relay.test", TLS: delivery.TLSNone,
		ConnectTimeout: 2 * time.Second, CommandTimeout: 2 * time.Second, DataTimeout: 2 * time.Second,
		Logger: slog.New(slog.DiscardHandler)}
	route := smtpd.Route{Name: "fuzz", Filter: copyFilter(), Begin: hop.Begin}
	r.addr = serveRelay(f, smtpd.RouterFunc(func(_ *smtpd.Envelope, rcpt string) (smtpd.Route, error) {
		// The relay check, as the gateway's: on the canonical address.
		if m, err := smtpd.ParseMailbox(rcpt); err != nil || m.Domain != envelopeDomain {
			return smtpd.Route{}, reply.New(reply.MailboxUnavailable, reply.SecurityDeliveryNotAuthorized, "Relay not permitted")
		}
		r.mu.Lock()
		r.checked[rcpt] = true
		r.mu.Unlock()
		return route, nil
	}))
	return r
}

// checkNextHop checks the MAIL and RCPT lines the next hop received since
// the last call.
func (r *envelopeRelay) checkNextHop(t *testing.T) {
	cmds := r.hop.Commands()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, line := range cmds[r.seen:] {
		verb := strings.ToUpper(line[:min(4, len(line))])
		if verb != "MAIL" && verb != "RCPT" {
			continue
		}
		if err := wellFormed(line); err != nil {
			t.Fatalf("next hop got %q: %v", line, err)
		}
		if verb != "RCPT" {
			continue
		}
		m := wire.FindStringSubmatch(line)
		addr := m[wire.SubexpIndex("rlocal")] + "@" + m[wire.SubexpIndex("rdomain")]
		if !r.checked[addr] {
			t.Fatalf("next hop got %q, but the relay check was never asked about %q", line, addr)
		}
		if d := m[wire.SubexpIndex("rdomain")]; !strings.EqualFold(d, envelopeDomain) {
			t.Fatalf("next hop got %q: domain %q is not the relay domain", line, d)
		}
	}
	r.seen = len(cmds)
}

// wellFormed checks a MAIL or RCPT line against the grammar, and what a
// regular expression cannot: valid UTF-8 without controls or format
// characters (which Go's regexp would match as U+FFFD or non-ASCII).
func wellFormed(line string) error {
	if !wire.MatchString(line) {
		return fmt.Errorf("not an RFC 5321 MAIL or RCPT command with one path")
	}
	if !utf8.ValidString(line) {
		return fmt.Errorf("invalid UTF-8")
	}
	for _, c := range line {
		if unicode.In(c, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) {
			return fmt.Errorf("control or format character %U", c)
		}
	}
	return nil
}

// FuzzSMTPEnvelope sends MAIL FROM and RCPT TO with arguments of any
// bytes (quoted local parts, parameters, source routes, controls, 8-bit,
// CR LF and whole extra commands) to a relay for example.jp in front of a
// next hop that records every command line. Whatever the client sends,
// every MAIL and RCPT the next hop receives is one well-formed RFC 5321
// path (no parameter but those mugai adds) and every RCPT names exactly
// an address that the relay check passed, in the relay domain: a quoted
// local part never carries another recipient, a parameter or a source
// route past the check (issue 19).
func FuzzSMTPEnvelope(f *testing.F) {
	for _, s := range [][2]string{
		{"<alice@example.org>", "<bob@example.jp>"},
		{"<alice@example.org>", `<"victim@evil.example> ORCPT=rfc822;x"@example.jp>`},
		{"<alice@example.org>", `<"a@evil.example"@example.jp>`},
		{`<"a@evil.example> RET=FULL ENVID=x AUTH=<>"@example.org>`, "<bob@example.jp>"},
		{"<>", "<@relay.example,@x.example:bob@example.jp>"},
		{"<alice@example.org> SMTPUTF8", "<山田@example.jp>"},
		{"<alice@example.org>", `<"bob smith"@EXAMPLE.JP.>`},
		{"<alice@example.org>", "<bob\x00@example.jp>"},
		{"<alice@example.org>", "<victim%evil.example@example.jp>"},
		{"<alice@example.org>", `<"b\"o\\b"@example.jp>`},
		{"<a..b@example.org>", "<.bob.@example.jp>"},
		{"<alice@[127.0.0.1]>", "<bob@[IPv6:::1]>"},
		{"<alice@example.org>", "<bob@example.jp>\r\nRCPT TO:<x@evil.example>"},
	} {
		f.Add(s[0], s[1])
	}
	relay := startEnvelopeRelay(f)
	f.Fuzz(func(t *testing.T, mail, rcpt string) {
		c, err := net.Dial("tcp", relay.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		transcript := "EHLO client.test\r\nMAIL FROM:" + mail + "\r\nRCPT TO:" + rcpt +
			"\r\nRCPT TO:<" + rcpt + ">\r\nRCPT TO:<carol@example.jp>\r\nQUIT\r\n"
		go func() {
			c.Write([]byte(transcript))
			c.(*net.TCPConn).CloseWrite()
		}()
		// Past 64 KiB after its last reply the server stops reading and
		// the kernel may reset (see FuzzSMTPSession).
		if _, err := io.ReadAll(c); err != nil && !(errors.Is(err, syscall.ECONNRESET) && len(transcript) > 64<<10) {
			t.Fatalf("session did not end: %v", err)
		}
		relay.checkNextHop(t)
	})
}
