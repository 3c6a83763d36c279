package smtpd_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mugai/mugai/delivery"
	"github.com/mugai/mugai/internal/smtptest"
	"github.com/mugai/mugai/smtpd"
	"github.com/mugai/mugai/smtpd/reply"
)

// upperFilter is the test Filter: it adds a header and upper-cases the
// body, so a test can tell filtered output from the input.
func upperFilter() smtpd.Filter {
	return smtpd.FilterFunc(func(ctx context.Context, env *smtpd.Envelope, dst io.Writer, src *smtpd.Original) (smtpd.FilterResult, error) {
		data, err := io.ReadAll(src.Reader())
		if err != nil {
			return smtpd.FilterResult{}, err
		}
		head, body, _ := bytes.Cut(data, []byte("\r\n\r\n"))
		fmt.Fprintf(dst, "X-Filtered: %s\r\n%s\r\n\r\n%s", env.ID, head, bytes.ToUpper(body))
		return smtpd.FilterResult{Actions: []string{"upper"}}, nil
	})
}

// rejectFilter refuses every message as the gateway's filter refuses
// what the sanitizer rejects.
func rejectFilter() smtpd.Filter {
	return smtpd.FilterFunc(func(ctx context.Context, env *smtpd.Envelope, dst io.Writer, src *smtpd.Original) (smtpd.FilterResult, error) {
		r := reply.New(reply.MailboxUnavailable, reply.MediaOther, "Ambiguous MIME structure").
			Because(errors.New("internal detail that must not leak"))
		return smtpd.FilterResult{}, fmt.Errorf("sanitize: %w", r) // wrapped: matched with errors.As
	})
}

func panicFilter() smtpd.Filter {
	return smtpd.FilterFunc(func(ctx context.Context, env *smtpd.Envelope, dst io.Writer, src *smtpd.Original) (smtpd.FilterResult, error) {
		panic("filter bug")
	})
}

// slowFilter waits d (or until ctx ends), then filters.
func slowFilter(d time.Duration) smtpd.Filter {
	return smtpd.FilterFunc(func(ctx context.Context, env *smtpd.Envelope, dst io.Writer, src *smtpd.Original) (smtpd.FilterResult, error) {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return smtpd.FilterResult{}, ctx.Err()
		}
		return upperFilter().Filter(ctx, env, dst, src)
	})
}

// testHop is a NextHop with short timeouts.
func testHop(addr string) *delivery.NextHop {
	return &delivery.NextHop{
		Addr: addr, HeloName: "mugai.test",
		ConnectTimeout: time.Second, CommandTimeout: time.Second, DataTimeout: time.Second,
		Logger: slog.New(slog.DiscardHandler),
	}
}

// syncBuffer is a log sink shared by goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness is a running smtpd.Server in front of a recording next hop.
type harness struct {
	t     *testing.T
	hop   *smtptest.Server
	srv   *smtpd.Server
	addr  string
	cfg   smtpd.Config
	logs  *syncBuffer
	serve chan error
}

// start runs a Server with a test configuration that edit may change.
func start(t *testing.T, edit func(h *harness, cfg *smtpd.Config)) *harness {
	t.Helper()
	h := &harness{t: t, hop: smtptest.NewServer(t, nil), logs: &syncBuffer{}, serve: make(chan error, 1)}
	route := smtpd.Route{Name: "default", Filter: upperFilter(), Begin: testHop(h.hop.Addr).Begin}
	h.cfg = smtpd.Config{
		Hostname:       "mugai.test",
		Networks:       []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Router:         relayFor([]string{"example.jp"}, route),
		SessionTime:    20 * time.Second,
		CommandTimeout: 3 * time.Second,
		DataTimeout:    2 * time.Second,
		ProcessTimeout: 5 * time.Second,
		SpoolDir:       t.TempDir(),
		Logger:         slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if edit != nil {
		edit(h, &h.cfg)
	}
	srv, err := smtpd.New(h.cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.srv = srv
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.addr = l.Addr().String()
	go func() { h.serve <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", h.logs.String())
		}
	})
	return h
}

// route replaces the harness's single route's parts.
func (h *harness) routeWith(filter smtpd.Filter, begin func(context.Context, *smtpd.Envelope) (smtpd.Delivery, error)) smtpd.Router {
	return relayFor([]string{"example.jp"}, smtpd.Route{Name: "default", Filter: filter, Begin: begin})
}

// relayFor is a Router that relays for the recipient domains given (none:
// any) on one route, and refuses others as the gateway's does.
func relayFor(domains []string, route smtpd.Route) smtpd.Router {
	return smtpd.RouterFunc(func(_ *smtpd.Envelope, rcpt string) (smtpd.Route, error) {
		m, err := smtpd.ParseMailbox(rcpt)
		if err != nil {
			return smtpd.Route{}, err
		}
		if len(domains) > 0 && !slices.Contains(domains, m.Domain) {
			return smtpd.Route{}, reply.New(reply.MailboxUnavailable, reply.SecurityDeliveryNotAuthorized, "Relay not permitted")
		}
		return route, nil
	})
}

// client is a raw line client for transcripts.
type client struct {
	t    *testing.T
	conn net.Conn
	r    *textproto.Reader
}

// dial connects and returns the client with the greeting read.
func (h *harness) dial() (*client, int, string) {
	h.t.Helper()
	conn, err := net.DialTimeout("tcp", h.addr, 2*time.Second)
	if err != nil {
		h.t.Fatalf("dial: %v", err)
	}
	h.t.Cleanup(func() { conn.Close() })
	c := &client{t: h.t, conn: conn, r: textproto.NewReader(bufio.NewReader(conn))}
	code, msg := c.reply()
	return c, code, msg
}

// session dials and says EHLO.
func (h *harness) session() *client {
	h.t.Helper()
	c, code, msg := h.dial()
	if code != 220 {
		h.t.Fatalf("greeting %d %s", code, msg)
	}
	c.expect(250, "EHLO client.test")
	return c
}

// inData opens a session and a transaction from alice@example.org to
// bob@example.jp, up to the 354 reply to DATA.
func (h *harness) inData() *client {
	h.t.Helper()
	c := h.session()
	c.expect(250, "MAIL FROM:<alice@example.org>")
	c.expect(250, "RCPT TO:<bob@example.jp>")
	c.expect(354, "DATA")
	return c
}

// reply reads one reply; code 0 means the connection ended.
func (c *client) reply() (int, string) {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	code, msg, err := c.r.ReadResponse(0)
	if err != nil {
		var te *textproto.Error
		if errors.As(err, &te) {
			return te.Code, te.Msg
		}
		return 0, err.Error()
	}
	return code, msg
}

// raw writes bytes as they are.
func (c *client) raw(s string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// cmd sends a command line and returns the reply.
func (c *client) cmd(line string) (int, string) {
	c.t.Helper()
	c.raw(line + "\r\n")
	return c.reply()
}

// expect sends a command and fails unless the reply has the code.
func (c *client) expect(code int, line string) string {
	c.t.Helper()
	got, msg := c.cmd(line)
	if got != code {
		c.t.Fatalf("%q: reply %d %s, want %d", line, got, msg, code)
	}
	return msg
}

// wantReply reads a reply and checks its code and enhanced code.
func (c *client) wantReply(code int, enhanced string) string {
	c.t.Helper()
	got, msg := c.reply()
	if got != code || !strings.HasPrefix(msg, enhanced+" ") {
		c.t.Fatalf("reply %d %s, want %d %s", got, msg, code, enhanced)
	}
	return msg
}

// wantClosed checks that the server closed the connection.
func (c *client) wantClosed() {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 512)
	for {
		_, err := c.conn.Read(buf)
		if err == nil {
			continue // a last reply
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.t.Fatal("connection still open")
		}
		return
	}
}

// sendMail runs one transaction and returns the reply to the end of data.
func (c *client) sendMail(from string, rcpts []string, body string) (int, string) {
	c.t.Helper()
	c.expect(250, "MAIL FROM:<"+from+">")
	for _, r := range rcpts {
		c.expect(250, "RCPT TO:<"+r+">")
	}
	c.expect(354, "DATA")
	c.raw(body + ".\r\n")
	return c.reply()
}

// sendWithClient delivers a message with go-smtp's client.
func sendWithClient(addr, from string, rcpts []string, body string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		return err
	}
	if err := c.SendMail(from, rcpts, strings.NewReader(body)); err != nil {
		return err
	}
	return c.Quit()
}

const simpleBody = "From: alice@example.org\r\nSubject: test\r\n\r\nhello world\r\n"

type netipPrefix = netip.Prefix

type smtptestBehavior = smtptest.Behavior

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func downAddr(t *testing.T) string { return smtptest.DownAddr(t) }

func itoa(n int) string { return fmt.Sprint(n) }

func netDial(addr string) (net.Conn, error) { return net.DialTimeout("tcp", addr, 2*time.Second) }

func newClient(t *testing.T, conn net.Conn) *client {
	t.Cleanup(func() { conn.Close() })
	return &client{t: t, conn: conn, r: textproto.NewReader(bufio.NewReader(conn))}
}
