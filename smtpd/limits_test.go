package smtpd_test

import (
	"bufio"
	"io"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/mugai/mugai/smtpd"
)

// dialFrom connects from a given loopback address (Linux routes all of
// 127.0.0.0/8 to the loopback interface).
func (h *harness) dialFrom(ip string) (*client, int, string) {
	h.t.Helper()
	d := net.Dialer{Timeout: 2 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	conn, err := d.Dial("tcp", h.addr)
	if err != nil {
		h.t.Skipf("cannot dial from %s: %v", ip, err)
	}
	h.t.Cleanup(func() { conn.Close() })
	c := &client{t: h.t, conn: conn, r: textproto.NewReader(bufio.NewReader(conn))}
	code, msg := c.reply()
	return c, code, msg
}

func TestConnectionLimits(t *testing.T) {
	t.Run("total", func(t *testing.T) {
		h := start(t, func(h *harness, cfg *smtpd.Config) { cfg.MaxConnections = 2 })
		c1, code1, _ := h.dial()
		_, code2, _ := h.dialFrom("127.0.0.2")
		c3, code3, msg3 := h.dialFrom("127.0.0.3")
		if code1 != 220 || code2 != 220 || code3 != 421 || !strings.HasPrefix(msg3, "4.7.0 ") {
			t.Fatalf("greetings %d %d %d %s", code1, code2, code3, msg3)
		}
		c3.wantClosed()
		c1.expect(221, "QUIT")
		c1.wantClosed()
		// The slot is released once the server has closed its side.
		deadline := time.Now().Add(3 * time.Second)
		for {
			_, code, _ := h.dial()
			if code == 220 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the closed connection's slot was not released")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	t.Run("per IP", func(t *testing.T) {
		h := start(t, func(h *harness, cfg *smtpd.Config) { cfg.MaxConnectionsPerIP = 1 })
		_, code1, _ := h.dial()
		c2, code2, msg2 := h.dial()
		_, code3, _ := h.dialFrom("127.0.0.2") // another address still gets in
		if code1 != 220 || code2 != 421 || !strings.HasPrefix(msg2, "4.7.0 ") || code3 != 220 {
			t.Fatalf("greetings %d %d %s %d", code1, code2, msg2, code3)
		}
		c2.wantClosed()
	})
}

func TestDataIdleTimeout(t *testing.T) {
	h := start(t, func(h *harness, cfg *smtpd.Config) {
		cfg.DataTimeout = 600 * time.Millisecond
		cfg.MinDataRate = 10 // 2 bytes earn 200ms
		cfg.CommandTimeout = 5 * time.Second
	})
	t.Run("slow but live sender", func(t *testing.T) {
		c := h.inData()
		body := "Subject: slow\r\n\r\nslow body\r\n.\r\n"
		begin := time.Now()
		for i := 0; i < len(body); i += 2 { // 13 pieces, 150ms apart: 13 B/s
			c.raw(body[i:min(i+2, len(body))])
			time.Sleep(150 * time.Millisecond)
		}
		if time.Since(begin) < 3*600*time.Millisecond {
			t.Fatal("the test sent too fast to prove anything")
		}
		c.wantReply(250, "2.0.0")
	})
	t.Run("stalled sender", func(t *testing.T) {
		c := h.inData()
		c.raw("Subject: stalled\r\n\r\nhalf a mess")
		time.Sleep(1200 * time.Millisecond)
		c.wantReply(451, "4.4.2")
		c.wantClosed()
	})
	if m := h.hop.Messages(); len(m) != 1 || !strings.Contains(string(m[0].Data), "SLOW BODY") {
		t.Fatalf("messages %+v", m)
	}
}

func TestCommandAndSessionTimeouts(t *testing.T) {
	t.Run("idle between commands", func(t *testing.T) {
		h := start(t, func(h *harness, cfg *smtpd.Config) { cfg.CommandTimeout = 300 * time.Millisecond })
		c := h.session()
		time.Sleep(600 * time.Millisecond)
		if code, _ := c.reply(); code != 421 {
			t.Fatalf("got %d, want 421 after the command timeout", code)
		}
		c.wantClosed()
	})
	t.Run("session lifetime", func(t *testing.T) {
		h := start(t, func(h *harness, cfg *smtpd.Config) { cfg.SessionTime = time.Second })
		c := h.session()
		begin := time.Now()
		for {
			code, _ := c.cmd("NOOP")
			if code != 250 {
				if code != 421 {
					t.Fatalf("got %d, want 421 at the session's end", code)
				}
				break
			}
			if time.Since(begin) > 3*time.Second {
				t.Fatal("a busy session outlived SessionTime")
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

func TestProtocolErrorLimit(t *testing.T) {
	h := start(t, func(h *harness, cfg *smtpd.Config) { cfg.MaxProtocolErrors = 3 })
	c := h.session()
	c.expect(250, "MAIL FROM:<alice@example.org>")
	for range 2 {
		if code, msg := c.cmd("RCPT TO:<x@evil.example>"); code != 550 || !strings.HasPrefix(msg, "5.7.1 ") {
			t.Fatalf("got %d %s", code, msg)
		}
	}
	c.expect(250, "RCPT TO:<bob@example.jp>") // accepted ones do not count
	if code, msg := c.cmd("RCPT TO:<x@evil.example>"); code != 421 || !strings.HasPrefix(msg, "4.7.0 ") {
		t.Fatalf("third error: %d %s, want 421 4.7.0", code, msg)
	}
	c.wantClosed()
}

// TestLastReplyReachesPipeliningClient: a client that sent more than the
// server reads before it hangs up (here: a command line over go-smtp's
// 2000-byte limit, then more commands) gets the server's last reply and
// an orderly end of stream, not a connection reset that can destroy the
// reply before the client reads it (found by fuzz.FuzzSMTPSession).
func TestLastReplyReachesPipeliningClient(t *testing.T) {
	h := start(t, nil)
	for i := range 20 {
		c, code, _ := h.dial()
		if code != 220 {
			t.Fatalf("greeting %d", code)
		}
		transcript := "EHLO " + strings.Repeat("R", 4000) + "\r\n" + strings.Repeat("NOOP\r\n", 500)
		if _, err := c.conn.Write([]byte(transcript)); err != nil {
			t.Fatal(err)
		}
		c.conn.(*net.TCPConn).CloseWrite()
		c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		got, err := io.ReadAll(c.conn)
		if err != nil {
			t.Fatalf("session %d: read after the last reply: %v (got %q)", i, err, got)
		}
		if !strings.HasPrefix(string(got), "500 5.4.0 ") {
			t.Fatalf("session %d: got %q, want the 500 5.4.0 reply", i, got)
		}
	}
}
