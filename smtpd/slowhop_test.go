package smtpd_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mugai/mugai/delivery"
	"github.com/mugai/mugai/internal/smtptest"
	"github.com/mugai/mugai/smtpd"
)

// TestSlowNextHopRecipient: a next hop slower than RecipientTimeout costs
// the client a 451 4.4.2 in time, for that recipient and the rest of the
// transaction, and the session goes on (issue 19, item 5).
func TestSlowNextHopRecipient(t *testing.T) {
	h := start(t, func(h *harness, cfg *smtpd.Config) {
		cfg.RecipientTimeout = 500 * time.Millisecond
		cfg.Router = h.routeWith(upperFilter(), testHopSlow(h.hop.Addr).Begin)
	})
	h.hop.SetBehavior(smtptest.Behavior{Delay: time.Second}) // Begin alone takes 4 s
	c := h.session()
	c.expect(250, "MAIL FROM:<alice@example.org>")
	begin := time.Now()
	if code, msg := c.cmd("RCPT TO:<bob@example.jp>"); code != 451 || !strings.HasPrefix(msg, "4.4.2 ") {
		t.Fatalf("first recipient: %d %s, want 451 4.4.2", code, msg)
	}
	if d := time.Since(begin); d > 3*time.Second {
		t.Errorf("the 451 took %v with a 500ms budget", d)
	}
	if code, msg := c.cmd("RCPT TO:<carol@example.jp>"); code != 451 || !strings.HasPrefix(msg, "4.4.2 ") {
		t.Fatalf("second recipient: %d %s, want 451 4.4.2", code, msg)
	}
	c.expect(250, "RSET")
	c.expect(250, "NOOP")
	// The second recipient did not open a second connection.
	if n := countPrefix(h.hop.Commands(), "EHLO "); n > 1 {
		t.Errorf("the next hop was greeted %d times", n)
	}
}

// countPrefix counts the lines that start with prefix.
func countPrefix(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// TestSlowNextHopEnvelope: once the recipients of a transaction waited
// EnvelopeTime for the next hop, the rest get 452 4.5.3 at once and the
// message goes to those accepted.
func TestSlowNextHopEnvelope(t *testing.T) {
	h := start(t, func(h *harness, cfg *smtpd.Config) {
		cfg.RecipientTimeout = 5 * time.Second
		cfg.EnvelopeTime = 600 * time.Millisecond
		cfg.Router = h.routeWith(upperFilter(), testHopSlow(h.hop.Addr).Begin)
	})
	h.hop.SetBehavior(smtptest.Behavior{Delay: 100 * time.Millisecond})
	c := h.session()
	c.expect(250, "MAIL FROM:<alice@example.org>")
	var accepted []string
	deferred := 0
	begin := time.Now()
	for i := range 30 {
		rcpt := "user" + itoa(i) + "@example.jp"
		code, msg := c.cmd("RCPT TO:<" + rcpt + ">")
		switch {
		case code == 250 && deferred == 0:
			accepted = append(accepted, rcpt)
		case code == 452 && strings.HasPrefix(msg, "4.5.3 "):
			deferred++
		default:
			t.Fatalf("%s: %d %s", rcpt, code, msg)
		}
	}
	if len(accepted) == 0 || deferred == 0 {
		t.Fatalf("%d accepted, %d deferred: want some of each", len(accepted), deferred)
	}
	if d := time.Since(begin); d > 600*time.Millisecond+5*time.Second {
		t.Errorf("recipients took %v", d)
	}
	// The deferred recipients were never sent to the next hop.
	if n := countPrefix(h.hop.Commands(), "RCPT "); n != len(accepted) {
		t.Errorf("next hop got %d RCPT commands for %d accepted recipients", n, len(accepted))
	}
	c.expect(354, "DATA")
	c.raw(simpleBody + ".\r\n")
	c.wantReply(250, "2.0.0")
	m := h.hop.Messages()
	if len(m) != 1 || strings.Join(m[0].Rcpts, ",") != strings.Join(accepted, ",") {
		t.Fatalf("next hop got %+v, want the %d accepted recipients", m, len(accepted))
	}
}

// TestSlowNextHopAfterAccepted: when the next hop runs out of time after
// some recipients were accepted, the message is not delivered to them
// either: the end of data gets the same 451 4.4.2.
func TestSlowNextHopAfterAccepted(t *testing.T) {
	h := start(t, func(h *harness, cfg *smtpd.Config) {
		cfg.RecipientTimeout = 2 * time.Second
		cfg.Router = h.routeWith(upperFilter(), testHopSlow(h.hop.Addr).Begin)
	})
	c := h.session()
	c.expect(250, "MAIL FROM:<alice@example.org>")
	c.expect(250, "RCPT TO:<bob@example.jp>")
	h.hop.SetBehavior(smtptest.Behavior{Delay: 5 * time.Second})
	if code, msg := c.cmd("RCPT TO:<carol@example.jp>"); code != 451 || !strings.HasPrefix(msg, "4.4.2 ") {
		t.Fatalf("slow recipient: %d %s", code, msg)
	}
	if code, msg := c.cmd("DATA"); code != 354 {
		t.Fatalf("DATA: %d %s", code, msg)
	}
	c.raw(simpleBody + ".\r\n")
	c.wantReply(451, "4.4.2")
	if n := len(h.hop.Messages()); n != 0 {
		t.Fatalf("next hop got %d messages", n)
	}
}

// testHopSlow is testHop with timeouts longer than the next hop's delays,
// so that only the relay's own budgets end a wait.
func testHopSlow(addr string) *delivery.NextHop {
	h := testHop(addr)
	h.CommandTimeout, h.DataTimeout = 10*time.Second, 10*time.Second
	return h
}
