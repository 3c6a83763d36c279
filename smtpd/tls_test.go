package smtpd_test

import (
	"crypto/tls"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/mugai/mugai/delivery"
	"github.com/mugai/mugai/internal/smtptest"
	"github.com/mugai/mugai/smtpd"
)

func TestSTARTTLSBothSides(t *testing.T) {
	ca := smtptest.NewCA(t)
	tlsHop := smtptest.NewServer(t, ca.ServerTLS(t, "nexthop.test"))
	h := start(t, func(h *harness, cfg *smtpd.Config) {
		cfg.TLSConfig = ca.ServerTLS(t, "mugai.test")
		hop := testHop(tlsHop.Addr)
		hop.TLS, hop.RootCAs, hop.ServerName = delivery.TLSRequired, ca.Pool(), "nexthop.test"
		cfg.Router = h.routeWith(upperFilter(), hop.Begin)
	})

	if ehlo := h.session().expect(250, "EHLO client.test"); !strings.Contains(ehlo, "STARTTLS") {
		t.Fatalf("STARTTLS not offered:\n%s", ehlo)
	}

	c, err := smtp.DialStartTLS(h.addr, &tls.Config{RootCAs: ca.Pool(), ServerName: "mugai.test"})
	if err != nil {
		t.Fatalf("STARTTLS to mugai: %v", err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.SendMail("alice@example.org", []string{"bob@example.jp"}, strings.NewReader(simpleBody)); err != nil {
		t.Fatalf("send: %v", err)
	}
	c.Quit()

	msgs := tlsHop.Messages()
	if len(msgs) != 1 || !msgs[0].TLS {
		t.Fatalf("next hop messages %+v", msgs)
	}
	re := regexp.MustCompile(`^Received: from client\.test \(\[127\.0\.0\.1\]\)\r\n` +
		`\t\(using TLSv1\.3 with cipher TLS_[A-Z0-9_]+\)\r\n` +
		`\tby mugai\.test \(mugai\) with ESMTPS id [A-Z2-7]{12}\r\n`)
	if !re.Match(msgs[0].Data) {
		t.Errorf("Received: header:\n%s", msgs[0].Data)
	}
}

func TestNoSTARTTLSWithoutConfig(t *testing.T) {
	h := start(t, nil)
	c, _, _ := h.dial()
	if ehlo := c.expect(250, "EHLO client.test"); strings.Contains(ehlo, "STARTTLS") {
		t.Fatalf("STARTTLS offered without a TLS config:\n%s", ehlo)
	}
	for _, ext := range []string{"PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "CHUNKING", "SMTPUTF8", "SIZE " + strconv.Itoa(smtpd.DefaultMaxMessageBytes)} {
		if !strings.Contains(c.expect(250, "EHLO client.test"), ext) {
			t.Errorf("EHLO lacks %s", ext)
		}
	}
}

func TestRequiredTLSNextHopWithoutTLS(t *testing.T) {
	ca := smtptest.NewCA(t)
	h := start(t, func(h *harness, cfg *smtpd.Config) {
		hop := testHop(h.hop.Addr) // the harness's next hop offers no TLS
		hop.TLS, hop.RootCAs = delivery.TLSRequired, ca.Pool()
		cfg.Router = h.routeWith(upperFilter(), hop.Begin)
	})
	c := h.session()
	c.expect(250, "MAIL FROM:<alice@example.org>")
	if code, msg := c.cmd("RCPT TO:<bob@example.jp>"); code != 451 || !strings.HasPrefix(msg, "4.7.4 ") {
		t.Fatalf("got %d %s, want 451 4.7.4", code, msg)
	}
	if n := len(h.hop.Messages()); n != 0 {
		t.Fatalf("%d messages sent in plain text", n)
	}
}
