package smtpd_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mugai/mugai/smtpd"
)

func TestConcurrentSessions(t *testing.T) {
	const n = 50
	h := start(t, func(h *harness, cfg *smtpd.Config) {
		cfg.MaxConnections, cfg.MaxConnectionsPerIP, cfg.Workers = n, n, 4
	})
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf("Subject: message %d\r\n\r\nbody %d\r\n", i, i)
			if err := sendWithClient(h.addr, "alice@example.org", []string{"bob@example.jp"}, body); err != nil {
				errs <- fmt.Errorf("message %d: %w", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	seen := map[string]int{}
	for _, m := range h.hop.Messages() {
		for _, l := range strings.Split(string(m.Data), "\r\n") {
			if strings.HasPrefix(l, "Subject: ") {
				seen[l]++
			}
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct messages at the next hop, want %d", len(seen), n)
	}
	for s, c := range seen {
		if c != 1 {
			t.Errorf("%q delivered %d times", s, c)
		}
	}
}

func TestSetConfigKeepsOpenSessions(t *testing.T) {
	h := start(t, nil)
	old := h.session()

	cfg := h.cfg
	cfg.Hostname = "reloaded.test"
	cfg.Router = relayFor([]string{"other.example"}, smtpd.Route{Name: "default", Filter: upperFilter(), Begin: testHop(h.hop.Addr).Begin})
	if err := h.srv.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	bad := cfg
	bad.Networks = nil
	if err := h.srv.SetConfig(bad); err == nil {
		t.Fatal("SetConfig accepted a config without networks")
	}

	// The open session keeps the config it started with.
	if code, msg := old.sendMail("alice@example.org", []string{"bob@example.jp"}, simpleBody); code != 250 {
		t.Fatalf("old session: %d %s", code, msg)
	}
	// A new one gets the new config (and not the invalid one).
	c, code, greeting := h.dial()
	if code != 220 || !strings.HasPrefix(greeting, "reloaded.test ") {
		t.Fatalf("new greeting %d %s", code, greeting)
	}
	c.expect(250, "EHLO client.test")
	c.expect(250, "MAIL FROM:<alice@example.org>")
	if code, _ := c.cmd("RCPT TO:<bob@example.jp>"); code != 550 {
		t.Fatalf("new session accepted a domain removed by the reload: %d", code)
	}
	c.expect(250, "RCPT TO:<bob@other.example>")
	m := h.hop.Messages()
	if len(m) != 1 || !strings.Contains(string(m[0].Data), "by mugai.test (mugai)") {
		t.Fatalf("messages %+v", m)
	}
}

func TestShutdownLetsMessageFinish(t *testing.T) {
	h := start(t, func(h *harness, cfg *smtpd.Config) {
		cfg.Router = h.routeWith(slowFilter(500*time.Millisecond), testHop(h.hop.Addr).Begin)
	})
	idle := h.session()
	busy := h.session()
	busy.expect(250, "MAIL FROM:<alice@example.org>")
	busy.expect(250, "RCPT TO:<bob@example.jp>")
	busy.expect(354, "DATA")
	busy.raw(simpleBody + ".\r\n")
	time.Sleep(100 * time.Millisecond) // the filter is running

	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		shut <- h.srv.Shutdown(ctx)
	}()
	// The idle session is ended at once...
	if code, _ := idle.reply(); code != 421 {
		t.Errorf("idle session got %d, want 421", code)
	}
	idle.wantClosed()
	// ...new ones are not accepted...
	time.Sleep(50 * time.Millisecond)
	if c, code, _ := h.dial2(); code == 220 {
		c.conn.Close()
		t.Error("a connection was accepted after Shutdown")
	}
	// ...and the message in flight completes, then its session ends.
	busy.wantReply(250, "2.0.0")
	if code, _ := busy.reply(); code != 421 {
		t.Errorf("busy session after its message: %d, want 421", code)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-h.serve; !errors.Is(err, smtpd.ErrServerClosed) {
		t.Errorf("Serve returned %v", err)
	}
	if n := len(h.hop.Messages()); n != 1 {
		t.Fatalf("%d messages delivered, want 1", n)
	}
}

func TestShutdownTimeoutDoesNotAck(t *testing.T) {
	h := start(t, func(h *harness, cfg *smtpd.Config) {
		cfg.Router = h.routeWith(slowFilter(10*time.Second), testHop(h.hop.Addr).Begin)
	})
	c := h.inData()
	c.raw(simpleBody + ".\r\n")
	time.Sleep(100 * time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	begin := time.Now()
	if err := h.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("Shutdown took %v", d)
	}
	if code, msg := c.reply(); code == 250 {
		t.Fatalf("message acknowledged after a forced shutdown: %s", msg)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(h.hop.Messages()); n != 0 {
		t.Fatalf("%d messages delivered", n)
	}
}

// dial2 dials without failing the test when the connection is refused.
func (h *harness) dial2() (*client, int, string) {
	h.t.Helper()
	conn, err := netDial(h.addr)
	if err != nil {
		return nil, 0, err.Error()
	}
	c := newClient(h.t, conn)
	code, msg := c.reply()
	return c, code, msg
}
