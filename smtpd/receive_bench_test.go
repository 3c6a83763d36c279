package smtpd_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/mugai/mugai/smtpd"
)

// discardDelivery accepts every recipient and message and keeps nothing.
type discardDelivery struct{}

func (discardDelivery) AddRecipient(context.Context, string) error { return nil }
func (discardDelivery) Deliver(_ context.Context, r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}
func (discardDelivery) Abort() {}

// BenchmarkReceive measures how fast smtpd takes a message in, the cost
// of handing the client's input to go-smtp line by line (commandConn)
// included: one session, b.N transactions of a 1 MiB message of 78-octet
// lines, with a filter that copies and a next hop that discards.
//
//	go test ./smtpd -run '^$' -bench Receive -benchtime 200x -count 5
func BenchmarkReceive(b *testing.B) {
	line := strings.Repeat("x", 76) + "\r\n"
	body := "From: a@example.org\r\nSubject: bench\r\n\r\n" + strings.Repeat(line, (1<<20)/len(line))
	for _, mode := range []string{"DATA", "BDAT"} {
		b.Run(mode, func(b *testing.B) {
			route := smtpd.Route{Name: "bench",
				Filter: smtpd.FilterFunc(func(_ context.Context, _ *smtpd.Envelope, dst io.Writer, src *smtpd.Original) (smtpd.FilterResult, error) {
					_, err := io.Copy(dst, src.Reader())
					return smtpd.FilterResult{}, err
				}),
				Begin: func(context.Context, *smtpd.Envelope) (smtpd.Delivery, error) { return discardDelivery{}, nil }}
			srv, err := smtpd.New(smtpd.Config{
				Hostname: "bench.test",
				Networks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
				Router:   smtpd.RouterFunc(func(*smtpd.Envelope, string) (smtpd.Route, error) { return route, nil }),
				SpoolDir: b.TempDir(),
				Logger:   slog.New(slog.DiscardHandler),
			})
			if err != nil {
				b.Fatal(err)
			}
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			go srv.Serve(l)
			defer srv.Close()
			conn, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Minute))
			r := textproto.NewReader(bufio.NewReader(conn))
			w := bufio.NewWriterSize(conn, 64<<10)
			expect := func(code int) {
				if _, msg, err := r.ReadResponse(code); err != nil {
					b.Fatalf("want %d: %v %s", code, err, msg)
				}
			}
			expect(220)
			fmt.Fprintf(w, "EHLO bench.test\r\n")
			w.Flush()
			expect(250)
			b.SetBytes(int64(len(body)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				fmt.Fprintf(w, "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.jp>\r\n")
				if mode == "DATA" {
					fmt.Fprintf(w, "DATA\r\n")
					w.Flush()
					expect(250)
					expect(250)
					expect(354)
					io.WriteString(w, body+".\r\n")
				} else {
					fmt.Fprintf(w, "BDAT %d LAST\r\n%s", len(body), body)
					w.Flush()
					expect(250)
					expect(250)
				}
				w.Flush()
				expect(250)
			}
		})
	}
}
