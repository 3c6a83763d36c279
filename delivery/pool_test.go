package delivery

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mugai/mugai/internal/smtptest"
)

// pooledHop is testHop with a pool of size connections.
func pooledHop(t *testing.T, addr string, size int) *NextHop {
	h := testHop(addr)
	h.PoolSize = size
	t.Cleanup(h.Close)
	return h
}

// countCommands counts the command lines the server saw with the verb.
func countCommands(srv *smtptest.Server, verb string) int {
	n := 0
	for _, l := range srv.Commands() {
		if v, _, _ := strings.Cut(l, " "); strings.EqualFold(v, verb) {
			n++
		}
	}
	return n
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPoolReusesConnection(t *testing.T) {
	srv := smtptest.NewServer(t, nil)
	srv.SetBehavior(smtptest.Behavior{RefuseRepeatedHello: true})
	h := pooledHop(t, srv.Addr, 2)
	for i := range 3 {
		if err := send(t, h, []string{"bob@example.jp"}, strings.NewReader(testMessage)); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if n := len(srv.Messages()); n != 3 {
		t.Fatalf("%d messages delivered, want 3", n)
	}
	if n := srv.Connections(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
	// One greeting; an RSET before each reuse; no QUIT while pooled.
	want := []string{"EHLO mugai.test", "MAIL", "RCPT", "DATA", "RSET", "MAIL", "RCPT", "DATA", "RSET", "MAIL", "RCPT", "DATA"}
	got := srv.Commands()
	if len(got) != len(want) {
		t.Fatalf("commands %q, want %q", got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Fatalf("commands %q, want %q", got, want)
		}
	}
	// Close retires the idle connection with QUIT.
	h.Close()
	waitFor(t, "the connection to close", func() bool { return srv.OpenConnections() == 0 })
	if n := countCommands(srv, "QUIT"); n != 1 {
		t.Errorf("%d QUIT after Close, want 1", n)
	}
	// A closed NextHop still delivers, on a connection of its own.
	if err := send(t, h, []string{"bob@example.jp"}, strings.NewReader(testMessage)); err != nil {
		t.Fatalf("after Close: %v", err)
	}
	waitFor(t, "the connection to close", func() bool { return srv.OpenConnections() == 0 })
	if n := countCommands(srv, "QUIT"); n != 2 {
		t.Errorf("%d QUIT, want 2: a closed pool keeps nothing", n)
	}
}

func TestPoolOffDeliversOnNewConnections(t *testing.T) {
	srv := smtptest.NewServer(t, nil)
	h := testHop(srv.Addr) // PoolSize 0
	for i := range 2 {
		if err := send(t, h, []string{"bob@example.jp"}, strings.NewReader(testMessage)); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if n, q := srv.Connections(), countCommands(srv, "QUIT"); n != 2 || q != 2 {
		t.Errorf("%d connections and %d QUIT, want 2 and 2", n, q)
	}
}

func TestPoolAbortedTransactionIsReset(t *testing.T) {
	srv := smtptest.NewServer(t, nil)
	h := pooledHop(t, srv.Addr, 1)
	ctx := context.Background()
	d, err := h.Begin(ctx, testEnv())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.AddRecipient(ctx, "mallory@example.jp"); err != nil {
		t.Fatal(err)
	}
	d.Abort()
	if err := send(t, h, []string{"bob@example.jp"}, strings.NewReader(testMessage)); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || strings.Join(msgs[0].Rcpts, ",") != "bob@example.jp" {
		t.Fatalf("messages %+v: the aborted transaction's recipient must not remain", msgs)
	}
	if n, r := srv.Connections(), countCommands(srv, "RSET"); n != 1 || r != 1 {
		t.Errorf("%d connections and %d RSET, want 1 and 1", n, r)
	}
}

func TestPoolBound(t *testing.T) {
	srv := smtptest.NewServer(t, nil)
	h := pooledHop(t, srv.Addr, 2)
	ctx := context.Background()
	// Four transactions at once need four connections; two are kept.
	var ds []interface{ Abort() }
	for range 4 {
		d, err := h.Begin(ctx, testEnv())
		if err != nil {
			t.Fatal(err)
		}
		if err := d.AddRecipient(ctx, "bob@example.jp"); err != nil {
			t.Fatal(err)
		}
		if err := d.Deliver(ctx, strings.NewReader(testMessage)); err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	for _, d := range ds {
		d.Abort()
	}
	if n := srv.Connections(); n != 1 {
		// Sequential transactions: each took the connection of the last.
		t.Fatalf("%d connections for sequential transactions, want 1", n)
	}

	var open []interface{ Abort() }
	for range 4 {
		d, err := h.Begin(ctx, testEnv())
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, d)
	}
	for _, d := range open {
		d.Abort()
	}
	if n := srv.Connections(); n != 4 {
		t.Fatalf("%d connections for four open transactions, want 4", n)
	}
	if n := h.pool().idleCount(); n != 2 {
		t.Errorf("%d idle connections, want the pool's 2", n)
	}
	waitFor(t, "two connections to be retired", func() bool { return srv.OpenConnections() == 2 })
	if n := countCommands(srv, "QUIT"); n != 2 {
		t.Errorf("%d QUIT, want 2 (the connections beyond the pool's size)", n)
	}
}

func TestPoolIdleTimeout(t *testing.T) {
	srv := smtptest.NewServer(t, nil)
	h := pooledHop(t, srv.Addr, 4)
	h.IdleTimeout = 50 * time.Millisecond
	if err := send(t, h, []string{"bob@example.jp"}, strings.NewReader(testMessage)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the idle connection to be retired", func() bool { return srv.OpenConnections() == 0 })
	if n := countCommands(srv, "QUIT"); n != 1 {
		t.Errorf("%d QUIT, want 1", n)
	}
	if n := h.pool().idleCount(); n != 0 {
		t.Errorf("%d idle connections after the timeout", n)
	}
	if err := send(t, h, []string{"bob@example.jp"}, strings.NewReader(testMessage)); err != nil {
		t.Fatal(err)
	}
	if n := srv.Connections(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

func TestPoolNextHopClosedIdleConnection(t *testing.T) {
	srv := smtptest.NewServer(t, nil)
	h := pooledHop(t, srv.Addr, 4)
	if err := send(t, h, []string{"bob@example.jp"}, strings.NewReader(testMessage)); err != nil {
		t.Fatal(err)
	}
	srv.DropConnections() // the next hop's idle timeout, without a word
	waitFor(t, "the connection to close", func() bool { return srv.OpenConnections() == 0 })
	if err := send(t, h, []string{"carol@example.jp"}, strings.NewReader(testMessage)); err != nil {
		t.Fatalf("after the next hop closed the idle connection: %v", err)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 || msgs[1].Rcpts[0] != "carol@example.jp" {
		t.Fatalf("messages %+v", msgs)
	}
	if n := srv.Connections(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

func TestPoolRefusalOnReusedConnectionIsFinal(t *testing.T) {
	srv := smtptest.NewServer(t, nil)
	h := pooledHop(t, srv.Addr, 4)
	if err := send(t, h, []string{"bob@example.jp"}, strings.NewReader(testMessage)); err != nil {
		t.Fatal(err)
	}
	srv.SetBehavior(smtptest.Behavior{RejectMail: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "no"}})
	err := send(t, h, []string{"bob@example.jp"}, strings.NewReader(testMessage))
	wantStatus(t, err, 550, [3]int{5, 7, 1})
	if n := srv.Connections(); n != 1 {
		t.Errorf("%d connections: a refusal is not retried on a new connection", n)
	}
	if n := h.pool().idleCount(); n != 1 {
		t.Errorf("%d idle connections: the connection that answered is kept", n)
	}
}

func TestPoolDropsConnectionsThatFailed(t *testing.T) {
	tests := []struct {
		name string
		fail func(*testing.T, *smtptest.Server, *NextHop)
	}{
		{"message source failed mid-DATA", func(t *testing.T, _ *smtptest.Server, h *NextHop) {
			if err := send(t, h, []string{"bob@example.jp"}, iotest.ErrReader(context.Canceled)); err == nil {
				t.Fatal("delivered a message whose source failed")
			}
		}},
		{"421 at end of data", func(t *testing.T, srv *smtptest.Server, h *NextHop) {
			srv.SetBehavior(smtptest.Behavior{DataReply: &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "closing"}})
			wantStatus(t, send(t, h, []string{"bob@example.jp"}, strings.NewReader(testMessage)), 451, [3]int{4, 3, 0})
			srv.SetBehavior(smtptest.Behavior{})
		}},
		{"a reply out of turn", func(t *testing.T, srv *smtptest.Server, h *NextHop) {
			// 354 to RCPT: the next hop does not speak SMTP as we do.
			srv.SetBehavior(smtptest.Behavior{RejectRcpt: map[string]*smtp.SMTPError{"bob@example.jp": {Code: 354, Message: "go ahead"}}})
			wantStatus(t, send(t, h, []string{"bob@example.jp"}, strings.NewReader(testMessage)), 451, [3]int{4, 5, 0})
			srv.SetBehavior(smtptest.Behavior{})
		}},
		{"context ended", func(t *testing.T, _ *smtptest.Server, h *NextHop) {
			ctx, cancel := context.WithCancel(context.Background())
			d, err := h.Begin(ctx, testEnv())
			if err != nil {
				t.Fatal(err)
			}
			cancel()
			if err := d.AddRecipient(ctx, "bob@example.jp"); err == nil {
				t.Fatal("RCPT succeeded after the context ended")
			}
			d.Abort()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.NewServer(t, nil)
			h := pooledHop(t, srv.Addr, 4)
			tt.fail(t, srv, h)
			if n := h.pool().idleCount(); n != 0 {
				t.Fatalf("%d idle connections: a connection that failed was kept", n)
			}
			if err := send(t, h, []string{"bob@example.jp"}, strings.NewReader(testMessage)); err != nil {
				t.Fatal(err)
			}
			if n := srv.Connections(); n != 2 {
				t.Errorf("%d connections, want 2", n)
			}
		})
	}
}

func TestPoolKeepsTLS(t *testing.T) {
	ca := smtptest.NewCA(t)
	srv := smtptest.NewServer(t, ca.ServerTLS(t, "nexthop.test"))
	for _, mode := range []TLSMode{TLSRequired, TLSOpportunistic} {
		h := pooledHop(t, srv.Addr, 2)
		h.TLS, h.RootCAs, h.ServerName = mode, ca.Pool(), "nexthop.test"
		before := srv.Connections()
		for range 2 {
			if err := send(t, h, []string{"bob@example.jp"}, strings.NewReader(testMessage)); err != nil {
				t.Fatal(err)
			}
		}
		if n := srv.Connections() - before; n != 1 {
			t.Errorf("mode %d: %d connections, want 1", mode, n)
		}
		for _, m := range srv.Messages() {
			if !m.TLS {
				t.Fatalf("mode %d: a message went in plain text on a reused connection", mode)
			}
		}
	}
}

func TestPoolPrefersTLS(t *testing.T) {
	p := &pool{size: 4, idleTimeout: time.Minute}
	plain, inTLS := &session{}, &session{tls: &tls.ConnectionState{}}
	p.put(inTLS)
	p.put(plain)
	defer p.close()
	if s := p.get(true); s != inTLS {
		t.Fatal("opportunistic mode took a plain-text connection before one in TLS")
	}
	if s := p.get(true); s != plain {
		t.Fatal("the plain-text connection was not taken when no TLS one was left")
	}
	if s := p.get(true); s != nil {
		t.Fatal("an empty pool returned a connection")
	}
}
