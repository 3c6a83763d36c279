package smtpd_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mugai/mugai/smtpd"
)

// TestCommandLineDeadline: a command line must arrive whole within
// CommandTimeout of our last reply; trickling it a byte at a time does not
// buy more time (issue 19, item 4).
func TestCommandLineDeadline(t *testing.T) {
	h := start(t, func(h *harness, cfg *smtpd.Config) { cfg.CommandTimeout = 600 * time.Millisecond })
	c := h.session()
	begin := time.Now()
	for _, b := range "NOOP\r\n" {
		c.conn.Write([]byte(string(b)))
		time.Sleep(200 * time.Millisecond)
	}
	// What arrived by the deadline ("NOO", or "NOOP" without its CRLF) may
	// be answered as a command of its own (go-smtp's line reader hands
	// over a partial line), then the connection ends with 421 4.4.2.
	code, msg := c.reply()
	if code != 421 {
		code, msg = c.reply()
	}
	if code != 421 || !strings.HasPrefix(msg, "4.4.2 ") {
		t.Fatalf("trickled command: %d %s, want 421 4.4.2", code, msg)
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("cut after %v with a 600ms command deadline", d)
	}
	c.wantClosed()
}

// TestDataDeadline: the message must arrive within DataTimeout plus the
// time its size earns at MinDataRate (Postfix's smtpd_min_data_rate), so
// a sender trickling a byte at a time is cut and a steady one is not.
func TestDataDeadline(t *testing.T) {
	h := start(t, func(h *harness, cfg *smtpd.Config) {
		cfg.DataTimeout = 800 * time.Millisecond
		cfg.MinDataRate = 20 << 10 // 20 KiB/s: 10 KiB earn 500ms
		cfg.MaxMessageBytes = 1 << 20
	})
	t.Run("trickle", func(t *testing.T) {
		c := h.inData()
		c.raw("Subject: trickle\r\n\r\n")
		begin := time.Now()
		done := make(chan struct{})
		go func() {
			defer close(done)
			for time.Since(begin) < 6*time.Second {
				if _, err := c.conn.Write([]byte("x")); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
		c.wantReply(451, "4.4.2")
		if d := time.Since(begin); d > 4*time.Second {
			t.Errorf("a trickling sender was cut after %v (DataTimeout 800ms)", d)
		}
		c.wantClosed()
		<-done
	})
	t.Run("steady sender of a large message", func(t *testing.T) {
		c := h.inData()
		c.raw("Subject: steady\r\n\r\n")
		line := strings.Repeat("y", 1022) + "\r\n"
		begin := time.Now()
		for range 40 { // 400 KiB in 2 s: 200 KiB/s, ten times MinDataRate
			c.raw(strings.Repeat(line, 10))
			time.Sleep(50 * time.Millisecond)
		}
		if time.Since(begin) < 2*800*time.Millisecond {
			t.Fatal("the test sent too fast to prove anything")
		}
		c.raw(".\r\n")
		c.wantReply(250, "2.0.0")
	})
}

// TestReservedConnections: the last ReservedConnections slots go only to
// addresses that hold no connection yet, so a few clients at their
// per-IP limit cannot lock everyone else out.
func TestReservedConnections(t *testing.T) {
	h := start(t, func(h *harness, cfg *smtpd.Config) {
		cfg.MaxConnections = 4
		cfg.MaxConnectionsPerIP = 4
		cfg.ReservedConnections = 2
	})
	greet := func(ip string) int {
		_, code, _ := h.dialFrom(ip)
		return code
	}
	for i, want := range []struct {
		ip   string
		code int
	}{
		{"127.0.0.1", 220}, {"127.0.0.1", 220}, // the shared slots
		{"127.0.0.1", 421}, // .1 holds connections: no reserved slot
		{"127.0.0.2", 220}, // a new address gets one
		{"127.0.0.2", 421}, // but only one
		{"127.0.0.3", 220}, // the last one
		{"127.0.0.4", 421}, // all taken
	} {
		if got := greet(want.ip); got != want.code {
			t.Fatalf("connection %d from %s: %d, want %d", i+1, want.ip, got, want.code)
		}
	}
}
