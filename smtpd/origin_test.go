package smtpd_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net/netip"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/mugai/mugai/internal/smtptest"
	"github.com/mugai/mugai/smtpd"
)

// envelopes records the Envelope of every message the Filter sees.
type envelopes chan smtpd.Envelope

func (e envelopes) filter() smtpd.Filter {
	return smtpd.FilterFunc(func(ctx context.Context, env *smtpd.Envelope, dst io.Writer, src *smtpd.Original) (smtpd.FilterResult, error) {
		e <- *env
		return upperFilter().Filter(ctx, env, dst, src)
	})
}

func (e envelopes) next(t *testing.T) smtpd.Envelope {
	t.Helper()
	select {
	case env := <-e:
		return env
	case <-time.After(5 * time.Second):
		t.Fatal("no message reached the filter")
		return smtpd.Envelope{}
	}
}

// startForwarding runs a server whose forwarders are forwarders, with the
// Envelopes recorded.
func startForwarding(t *testing.T, forwarders string, edit func(h *harness, cfg *smtpd.Config)) (*harness, envelopes) {
	envs := make(envelopes, 10)
	h := start(t, func(h *harness, cfg *smtpd.Config) {
		cfg.Router = h.routeWith(envs.filter(), testHop(h.hop.Addr).Begin)
		if forwarders != "" {
			cfg.Forwarders = []netip.Prefix{netip.MustParsePrefix(forwarders)}
		}
		if edit != nil {
			edit(h, cfg)
		}
	})
	return h, envs
}

func TestXForwardFromForwarder(t *testing.T) {
	h, envs := startForwarding(t, "127.0.0.1/32", nil)
	c := h.session()
	ehlo := c.expect(250, "EHLO mx.city.test")
	for _, kw := range []string{"XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE", "XCLIENT NAME ADDR PORT PROTO HELO LOGIN DESTADDR DESTPORT"} {
		if !strings.Contains(ehlo, kw) {
			t.Errorf("EHLO lacks %q:\n%s", kw, ehlo)
		}
	}
	// As Postfix sends it: in two commands, xtext-encoded, pipelined with
	// the transaction (its smtp client does, when PIPELINING is offered).
	c.raw("XFORWARD NAME=mail.example.jp ADDR=203.0.113.7 PORT=41234 PROTO=ESMTP\r\n" +
		"XFORWARD HELO=mail.example.jp+2Etest IDENT=4AbCd SOURCE=REMOTE\r\n" +
		"MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.jp>\r\nDATA\r\n")
	for _, want := range []int{250, 250, 250, 250, 354} {
		if code, msg := c.reply(); code != want {
			t.Fatalf("pipelined reply %d %s, want %d", code, msg, want)
		}
	}
	c.raw(simpleBody + ".\r\n")
	c.wantReply(250, "2.0.0")

	env := envs.next(t)
	want := smtpd.Origin{Via: smtpd.ViaXForward, Addr: netip.MustParseAddr("203.0.113.7"), Port: 41234,
		Name: "mail.example.jp", Helo: "mail.example.jp.test", Proto: "ESMTP", Ident: "4AbCd"}
	if env.Forwarded == nil || *env.Forwarded != want || env.Origin() != want {
		t.Fatalf("Forwarded = %+v, Origin() = %+v, want %+v", env.Forwarded, env.Origin(), want)
	}
	if env.Helo != "mx.city.test" || env.Client.Addr() != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("the connection's own client changed: %s %s", env.Helo, env.Client)
	}
	msgs := h.hop.WaitMessages(1, 5*time.Second)
	if !strings.Contains(string(msgs[0].Data), "Received: from mx.city.test ([127.0.0.1])\r\n"+
		"\t(original client mail.example.jp [203.0.113.7] port 41234 helo=mail.example.jp.test ident=4AbCd via XFORWARD)\r\n"+
		"\tby mugai.test (mugai) with ESMTP id "+env.ID) {
		t.Errorf("Received: header:\n%s", msgs[0].Data)
	}
	if logs := h.logs.String(); !strings.Contains(logs, `"origin":{"via":"xforward","addr":"203.0.113.7","name":"mail.example.jp","helo":"mail.example.jp.test","ident":"4AbCd","port":41234}`) {
		t.Errorf("log line lacks the origin:\n%s", logs)
	}

	// The attributes end with the transaction (XFORWARD_README).
	if code, msg := c.sendMail("alice@example.org", []string{"bob@example.jp"}, simpleBody); code != 250 {
		t.Fatalf("second message: %d %s", code, msg)
	}
	if env := envs.next(t); env.Forwarded != nil || env.Origin().Via != smtpd.ViaConnection || env.Origin().Addr != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("second transaction: Forwarded %+v, Origin %+v", env.Forwarded, env.Origin())
	}
	// And with RSET: a later MAIL does not inherit them.
	c.expect(250, "XFORWARD ADDR=198.51.100.1")
	c.expect(250, "RSET")
	if code, msg := c.sendMail("alice@example.org", []string{"bob@example.jp"}, simpleBody); code != 250 {
		t.Fatalf("third message: %d %s", code, msg)
	}
	if env := envs.next(t); env.Forwarded != nil {
		t.Errorf("XFORWARD survived RSET: %+v", env.Forwarded)
	}
}

func TestXForwardRefusedFromElsewhere(t *testing.T) {
	// 127.0.0.2 may connect (Networks is 127.0.0.0/8) but is no forwarder.
	h, envs := startForwarding(t, "127.0.0.1/32", nil)
	c, code, _ := h.dialFrom("127.0.0.2")
	if code != 220 {
		t.Fatalf("greeting %d", code)
	}
	ehlo := c.expect(250, "EHLO client.test")
	if strings.Contains(ehlo, "XFORWARD") || strings.Contains(ehlo, "XCLIENT") {
		t.Errorf("advertised to a client outside the forwarders:\n%s", ehlo)
	}
	for _, cmd := range []string{"XFORWARD ADDR=203.0.113.7 HELO=mail.example.jp", "XCLIENT ADDR=203.0.113.7"} {
		if code, msg := c.cmd(cmd); code != 550 || msg != "5.7.0 Error: insufficient authorization" {
			t.Errorf("%s: %d %s, want Postfix's 550 5.7.0", cmd, code, msg)
		}
	}
	if code, msg := c.sendMail("alice@example.org", []string{"bob@example.jp"}, simpleBody); code != 250 {
		t.Fatalf("message: %d %s", code, msg)
	}
	if env := envs.next(t); env.Forwarded != nil || env.Client.Addr() != netip.MustParseAddr("127.0.0.2") {
		t.Errorf("Forwarded %+v, Client %s", env.Forwarded, env.Client)
	}
	// Without Forwarders nobody may.
	h2, _ := startForwarding(t, "", nil)
	c2 := h2.session()
	if code, _ := c2.cmd("XFORWARD ADDR=203.0.113.7"); code != 550 {
		t.Errorf("no forwarders configured: XFORWARD got %d", code)
	}
}

func TestXForwardBadValues(t *testing.T) {
	h, envs := startForwarding(t, "127.0.0.1/32", func(h *harness, cfg *smtpd.Config) { cfg.MaxProtocolErrors = 100 })
	c := h.session()
	long := strings.Repeat("a", 256)
	for _, tc := range []struct {
		cmd  string
		code int
	}{
		{"XFORWARD", 501},
		{"XFORWARD ADDR", 501},
		{"XFORWARD FOO=bar", 501},
		{"XFORWARD LOGIN=x", 501}, // an XCLIENT attribute
		{"XFORWARD ADDR=999.1.1.1", 501},
		{"XFORWARD ADDR=[203.0.113.7]", 501},
		{"XFORWARD ADDR=IPV6:fe80::1%25eth0", 501},
		{"XFORWARD ADDR=IPV6:fe80::1+25eth0", 501},
		{"XFORWARD ADDR=mail.example.jp", 501},
		{"XFORWARD PORT=70000", 501},
		{"XFORWARD PORT=-1", 501},
		{"XFORWARD NAME=bad..name", 501},
		{"XFORWARD NAME=a(b)", 501},
		{"XFORWARD HELO=" + long, 501},
		{"XFORWARD HELO=evil+0D+0AX-Header:+20x", 501},
		{"XFORWARD HELO=a+00b", 501},
		{"XFORWARD HELO=a+E2+80+AEb", 501}, // U+202E, a bidi override
		{"XFORWARD HELO=bad+zz", 501},
		{"XFORWARD HELO=bad+4", 501},
		{"XFORWARD IDENT=" + strings.Repeat("+41", 256), 501},
		{"XFORWARD PROTO=" + strings.Repeat("A", 65), 501},
		{"XFORWARD SOURCE=ELSEWHERE", 501},
		// The valid ones, the last of each attribute winning.
		{"XFORWARD NAME=[TEMPUNAVAIL] ADDR=[unavailable] PORT=[UNAVAILABLE]", 250},
		{"xforward addr=IPv6:2001:DB8::1 helo=[192.0.2.1] name=host_1.example.jp.", 250},
		{"XFORWARD HELO=" + long[:255] + " SOURCE=LOCAL", 250},
		{"XFORWARD ADDR=IPV6:fe80::1%eth0 HELO=x", 501}, // refused whole: HELO stays
	} {
		code, msg := c.cmd(tc.cmd)
		if code != tc.code {
			t.Errorf("%.60s: %d %s, want %d", tc.cmd, code, msg, tc.code)
		}
		if code == 501 && !strings.HasPrefix(msg, "5.5.4 ") {
			t.Errorf("%.60s: %d %s, want 5.5.4", tc.cmd, code, msg)
		}
	}
	c.expect(250, "MAIL FROM:<alice@example.org>")
	if code, msg := c.cmd("XFORWARD ADDR=203.0.113.7"); code != 503 || !strings.HasPrefix(msg, "5.5.1 ") {
		t.Errorf("XFORWARD in a transaction: %d %s, want 503 5.5.1", code, msg)
	}
	c.expect(250, "RCPT TO:<bob@example.jp>")
	c.expect(354, "DATA")
	c.raw(simpleBody + ".\r\n")
	c.wantReply(250, "2.0.0")
	env := envs.next(t)
	want := smtpd.Origin{Via: smtpd.ViaXForward, Addr: netip.MustParseAddr("2001:db8::1"),
		Name: "host_1.example.jp.", Helo: long[:255], Local: true}
	if env.Forwarded == nil || *env.Forwarded != want {
		t.Fatalf("Forwarded = %+v, want %+v", env.Forwarded, want)
	}
	msgs := h.hop.WaitMessages(1, 5*time.Second)
	if !strings.Contains(string(msgs[0].Data), "(original client host_1.example.jp. [IPv6:2001:db8::1] helo=aaa") {
		t.Errorf("Received: header:\n%.600s", msgs[0].Data)
	}
}

func TestXClient(t *testing.T) {
	h, envs := startForwarding(t, "127.0.0.1/32", nil)
	c := h.session()
	// Like nginx's mail proxy: the client's address and name, then the
	// client's own EHLO.
	if code, msg := c.cmd("XCLIENT NAME=spike.example.org ADDR=198.51.100.9 PORT=2525 LOGIN=[UNAVAILABLE]"); code != 220 || !strings.HasPrefix(msg, "mugai.test ESMTP") {
		t.Fatalf("XCLIENT: %d %s, want the 220 greeting", code, msg)
	}
	if code, msg := c.cmd("MAIL FROM:<alice@example.org>"); code != 503 {
		t.Fatalf("MAIL right after XCLIENT: %d %s, want 503 (greet first)", code, msg)
	}
	c.expect(250, "EHLO spike.example.org")
	if code, msg := c.sendMail("alice@example.org", []string{"bob@example.jp"}, simpleBody); code != 250 {
		t.Fatalf("message: %d %s", code, msg)
	}
	want := smtpd.Origin{Via: smtpd.ViaXClient, Addr: netip.MustParseAddr("198.51.100.9"), Port: 2525,
		Name: "spike.example.org", Helo: "spike.example.org"}
	env := envs.next(t)
	if env.Forwarded == nil || *env.Forwarded != want {
		t.Fatalf("Forwarded = %+v, want %+v", env.Forwarded, want)
	}
	if env.Client.Addr() != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("Client = %s: relay policy must keep judging the connecting MTA", env.Client)
	}
	// For the whole session; a HELO given with XCLIENT stays (XCLIENT_README).
	c.expect(220, "XCLIENT HELO=given.example.org PROTO=esmtp")
	c.expect(250, "EHLO proxy.test")
	if code, msg := c.sendMail("alice@example.org", []string{"bob@example.jp"}, simpleBody); code != 250 {
		t.Fatalf("message: %d %s", code, msg)
	}
	want.Helo, want.Proto = "given.example.org", "esmtp"
	if env := envs.next(t); env.Forwarded == nil || *env.Forwarded != want || env.Helo != "proxy.test" {
		t.Fatalf("second session message: Forwarded = %+v, Helo %q; want %+v", env.Forwarded, env.Helo, want)
	}
	for _, tc := range []struct {
		cmd  string
		code int
	}{
		{"XCLIENT PROTO=LMTP", 501}, // SMTP or ESMTP only
		{"XCLIENT IDENT=x", 501},    // an XFORWARD attribute
		{"XCLIENT DESTADDR=nowhere", 501},
		{"XCLIENT DESTPORT=99999", 501},
		{"XCLIENT DESTADDR=192.0.2.1 DESTPORT=25", 220},
	} {
		if code, msg := c.cmd(tc.cmd); code != tc.code {
			t.Errorf("%s: %d %s, want %d", tc.cmd, code, msg, tc.code)
		}
	}
	c.expect(250, "EHLO again.test")
	c.expect(250, "MAIL FROM:<alice@example.org>")
	if code, _ := c.cmd("XCLIENT ADDR=192.0.2.1"); code != 503 {
		t.Errorf("XCLIENT in a transaction: %d, want 503", code)
	}
}

// TestForwardCommandsInsideMessage: a line of message text that looks
// like XFORWARD or XCLIENT is text, in DATA and in a BDAT chunk, even
// when the commands after the message are pipelined behind it.
func TestForwardCommandsInsideMessage(t *testing.T) {
	h, envs := startForwarding(t, "127.0.0.1/32", nil)
	c := h.session()
	body := "From: alice@example.org\r\nSubject: x\r\n\r\nXFORWARD ADDR=6.6.6.6\r\nXCLIENT ADDR=6.6.6.6\r\n"
	c.raw("MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.jp>\r\nDATA\r\n")
	for _, want := range []int{250, 250, 354} {
		if code, msg := c.reply(); code != want {
			t.Fatalf("reply %d %s, want %d", code, msg, want)
		}
	}
	c.raw(body + ".\r\nXFORWARD ADDR=192.0.2.7\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.jp>\r\n" +
		"BDAT " + itoa(len(body)) + " LAST\r\n" + body)
	for _, want := range []int{250, 250, 250, 250, 250} {
		if code, msg := c.reply(); code != want {
			t.Fatalf("reply %d %s, want %d", code, msg, want)
		}
	}
	if env := envs.next(t); env.Forwarded != nil {
		t.Errorf("DATA text taken for a command: %+v", env.Forwarded)
	}
	if env := envs.next(t); env.Forwarded == nil || env.Forwarded.Addr != netip.MustParseAddr("192.0.2.7") {
		t.Errorf("BDAT message: Forwarded %+v, want 192.0.2.7 from the XFORWARD between the messages", env.Forwarded)
	}
	for i, m := range h.hop.WaitMessages(2, 5*time.Second) {
		if !strings.Contains(string(m.Data), "XFORWARD ADDR=6.6.6.6\r\nXCLIENT ADDR=6.6.6.6\r\n") {
			t.Errorf("message %d lost its text:\n%s", i, m.Data)
		}
	}
}

// TestXForwardInsideTLS: commandConn does STARTTLS, so the commands work
// inside TLS too, and clear text pipelined after STARTTLS is dropped.
func TestXForwardInsideTLS(t *testing.T) {
	ca := smtptest.NewCA(t)
	h, envs := startForwarding(t, "127.0.0.1/32", func(h *harness, cfg *smtpd.Config) {
		cfg.TLSConfig = ca.ServerTLS(t, "mugai.test")
	})
	c := h.session()
	c.raw("STARTTLS\r\nXFORWARD ADDR=6.6.6.6\r\n") // the second line is an injection
	c.wantReply(220, "2.0.0")
	tc := tls.Client(c.conn, &tls.Config{RootCAs: ca.Pool(), ServerName: "mugai.test"})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	c = &client{t: t, conn: tc, r: textproto.NewReader(bufio.NewReader(tc))}
	if code, _ := c.cmd("MAIL FROM:<alice@example.org>"); code != 503 {
		t.Errorf("MAIL before EHLO inside TLS: %d, want 503", code)
	}
	ehlo := c.expect(250, "EHLO client.test")
	if strings.Contains(ehlo, "STARTTLS") || !strings.Contains(ehlo, "XFORWARD") {
		t.Errorf("EHLO inside TLS:\n%s", ehlo)
	}
	if code, _ := c.cmd("STARTTLS"); code != 502 {
		t.Errorf("second STARTTLS: %d, want 502", code)
	}
	c.expect(250, "XFORWARD ADDR=203.0.113.7 HELO=mail.example.jp")
	if code, msg := c.sendMail("alice@example.org", []string{"bob@example.jp"}, simpleBody); code != 250 {
		t.Fatalf("message: %d %s", code, msg)
	}
	env := envs.next(t)
	if env.TLS == nil || env.Forwarded == nil || env.Forwarded.Addr != netip.MustParseAddr("203.0.113.7") {
		t.Fatalf("TLS %v, Forwarded %+v", env.TLS != nil, env.Forwarded)
	}
	msgs := h.hop.WaitMessages(1, 5*time.Second)
	if !strings.Contains(string(msgs[0].Data), "via XFORWARD)\r\n\t(using TLSv1.3 with cipher") {
		t.Errorf("Received: header:\n%.500s", msgs[0].Data)
	}
}
