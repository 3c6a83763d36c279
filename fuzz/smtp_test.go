package fuzz

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mugai/mugai/smtpd"
)

// recorder is a next hop that keeps what it was given, and every
// address it was handed that is not in smtpd's canonical form.
type recorder struct {
	mu   sync.Mutex
	msgs [][]byte
	bad  []string
}

type recDelivery struct{ r *recorder }

func (d recDelivery) AddRecipient(ctx context.Context, rcpt string) error {
	d.r.checkAddress(rcpt)
	return nil
}

// checkAddress notes an address that ParseMailbox refuses: smtpd hands a
// Delivery only canonical RFC 5321 addresses.
func (r *recorder) checkAddress(addr string) {
	if _, err := smtpd.ParseMailbox(addr); err != nil {
		r.mu.Lock()
		r.bad = append(r.bad, addr)
		r.mu.Unlock()
	}
}
func (d recDelivery) Deliver(ctx context.Context, msg io.Reader) error {
	b, err := io.ReadAll(msg)
	if err != nil {
		return err
	}
	d.r.mu.Lock()
	d.r.msgs = append(d.r.msgs, b)
	d.r.mu.Unlock()
	return nil
}
func (d recDelivery) Abort() {}

// take returns and forgets the messages and the bad addresses.
func (r *recorder) take() (msgs [][]byte, bad []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	msgs, bad = r.msgs, r.bad
	r.msgs, r.bad = nil, nil
	return msgs, bad
}

// startSMTP runs an smtpd server on loopback that copies messages
// unchanged to a recorder.
func startSMTP(f *testing.F) (string, *recorder) {
	rec := &recorder{}
	route := smtpd.Route{Name: "fuzz", Filter: copyFilter(),
		Begin: func(ctx context.Context, env *smtpd.Envelope) (smtpd.Delivery, error) {
			rec.checkAddress(env.From)
			return recDelivery{rec}, nil
		}}
	router := smtpd.RouterFunc(func(*smtpd.Envelope, string) (smtpd.Route, error) { return route, nil })
	return serveRelay(f, router), rec
}

// copyFilter passes messages through unchanged.
func copyFilter() smtpd.Filter {
	return smtpd.FilterFunc(func(ctx context.Context, env *smtpd.Envelope, dst io.Writer, src *smtpd.Original) (smtpd.FilterResult, error) {
		_, err := io.Copy(dst, src.Reader())
		return smtpd.FilterResult{}, err
	})
}

// serveRelay runs an smtpd server on loopback with router (which applies
// relay policy), small limits and short timeouts, so that a session ends
// within seconds whatever it is sent; it returns the address.
func serveRelay(f *testing.F, router smtpd.Router) string {
	srv, err := smtpd.New(smtpd.Config{
		Hostname:          "fuzz.test",
		Networks:          []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Router:            router,
		Forwarders:        []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		MaxMessageBytes:   64 << 10,
		MaxRecipients:     5,
		CommandTimeout:    2 * time.Second,
		DataTimeout:       2 * time.Second,
		SessionTime:       5 * time.Second,
		MaxProtocolErrors: 50,
		Logger:            slog.New(slog.DiscardHandler),
	})
	if err != nil {
		f.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	go srv.Serve(ln)
	f.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// FuzzSMTPSession sends a transcript over a real connection in whatever
// session state it leads to. Whatever it is: no panic, the connection
// ends, no goroutine is left behind, every message delivered came with a
// 250 (and every 250 "queued" had a delivery), every address handed to
// the Delivery is in canonical RFC 5321 form, and no delivered message
// holds a bare CR or LF — a DATA that did not end in CRLF.CRLF, or that
// hid a second message behind a bare line end, is never accepted
// (RFC 5321 §2.3.8; SMTP smuggling).
func FuzzSMTPSession(f *testing.F) {
	for _, s := range []string{
		"EHLO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nSubject: x\r\n\r\nhi\r\n.\r\nQUIT\r\n",
		"EHLO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nx\n.\nMAIL FROM:<evil@b>\r\n.\r\n",
		"EHLO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nx\r\n.\rMAIL FROM:<e@b>\r\n.\r\n",
		"EHLO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nx\n.\r\nRCPT TO:<z@d>\r\n.\r\n",
		"EHLO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 5 LAST\r\nab\ncd",
		"EHLO a\r\nMAIL FROM:<a@b> SIZE=999999999\r\n",
		"HELO a\r\nMAIL FROM:<>\r\nRCPT TO:<c@d>\r\nRCPT TO:<c@d>\r\nRSET\r\nNOOP\r\nVRFY x\r\nQUIT\r\n",
		"EHLO a\r\nSTARTTLS\r\n",
		"\x00\xff\r\n\r\n",
		"EHLO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n",
		// XFORWARD, XCLIENT (the fuzz client is a forwarder), a line of
		// text that looks like one, and PROXY headers where none belongs.
		"EHLO a\r\nXFORWARD NAME=x.test ADDR=IPV6:2001:db8::1 PORT=25 HELO=h+2Ex SOURCE=LOCAL\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nx\r\n.\r\n",
		"EHLO a\r\nXCLIENT ADDR=192.0.2.1 NAME=[TEMPUNAVAIL]\r\nEHLO b\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 23 LAST\r\nXCLIENT ADDR=192.0.2.2\r\n",
		"EHLO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nXFORWARD ADDR=6.6.6.6\r\n.\r\nXFORWARD ADDR=+zz\r\n",
		"PROXY TCP4 192.0.2.1 127.0.0.1 1 25\r\nEHLO a\r\n",
		"\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c\xc0\x00\x02\x01\x7f\x00\x00\x01\x00\x01\x00\x19",
	} {
		f.Add([]byte(s))
	}
	addr, rec := startSMTP(f)
	base := runtime.NumGoroutine()
	f.Fuzz(func(t *testing.T, transcript []byte) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		go func() {
			c.Write(transcript)
			c.(*net.TCPConn).CloseWrite()
		}()
		replies, err := io.ReadAll(c)
		c.Close()
		// The server reads and discards up to 64 KiB sent after its last
		// reply before it closes (smtpd's lingering close), so that a
		// client gets that reply and an orderly end; beyond that the
		// kernel may answer with a reset.
		if err != nil && !(errors.Is(err, syscall.ECONNRESET) && len(transcript) > 64<<10) {
			t.Fatalf("session did not end: %v", err)
		}
		queued := 0
		sc := bufio.NewScanner(bytes.NewReader(replies))
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "250 2.0.0 Ok: queued") {
				queued++
			}
		}
		msgs, bad := rec.take()
		if len(bad) > 0 {
			t.Fatalf("addresses not in canonical RFC 5321 form reached the Delivery: %q", bad)
		}
		if len(msgs) != queued {
			t.Fatalf("%d messages delivered, %d acknowledged:\n%q", len(msgs), queued, replies)
		}
		for _, m := range msgs {
			if i := bareNewline(m); i >= 0 {
				t.Fatalf("delivered message has a bare CR or LF at %d: %q", i, m)
			}
		}
		// Every goroutine of the session is gone soon after it closed.
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > base+4 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > base+4 {
			t.Fatalf("%d goroutines left after the session (%d before)", n, base)
		}
	})
}

// bareNewline returns the index of a CR not followed by LF or an LF not
// preceded by CR, or -1.
func bareNewline(b []byte) int {
	for i, c := range b {
		switch {
		case c == '\r' && (i+1 >= len(b) || b[i+1] != '\n'):
			return i
		case c == '\n' && (i == 0 || b[i-1] != '\r'):
			return i
		}
	}
	return -1
}
