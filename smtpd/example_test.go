package smtpd_test

import (
	"context"
	"io"
	"log"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/mugai/mugai/delivery"
	"github.com/mugai/mugai/smtpd"
	"github.com/mugai/mugai/smtpd/reply"
)

// How a relay is wired (package gateway does it from the configuration):
// one route that filters every message and delivers it to the next hop
// over verified TLS, for one recipient domain.
func Example() {
	hop := &delivery.NextHop{
		Addr:     "lgwan-mx.example.lg.jp:25",
		HeloName: "gw.example.jp",
		TLS:      delivery.TLSRequired,
		CAFile:   "/etc/mugai/lgwan-ca.pem",
	}
	// The sanitizer goes here; this stand-in copies the message.
	filter := smtpd.FilterFunc(func(ctx context.Context, env *smtpd.Envelope, dst io.Writer, src *smtpd.Original) (smtpd.FilterResult, error) {
		_, err := io.Copy(dst, src.Reader())
		return smtpd.FilterResult{Actions: []string{"copied"}}, err
	})
	route := smtpd.Route{Name: "lgwan", Filter: filter, Begin: hop.Begin}

	srv, err := smtpd.New(smtpd.Config{
		Hostname: "gw.example.jp",
		Networks: []netip.Prefix{netip.MustParsePrefix("192.0.2.10/32")}, // the Internet-facing MTA
		Router: smtpd.RouterFunc(func(env *smtpd.Envelope, rcpt string) (smtpd.Route, error) {
			// rcpt is canonical: its domain is lower case, in A-labels.
			if m, err := smtpd.ParseMailbox(rcpt); err != nil || m.Domain != "city.example.lg.jp" {
				return smtpd.Route{}, reply.New(reply.MailboxUnavailable, reply.SecurityDeliveryNotAuthorized, "Relay not permitted")
			}
			return route, nil
		}),
		Logger: slog.Default(),
	})
	if err != nil {
		log.Fatal(err)
	}
	l, err := net.Listen("tcp", ":25")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)

	// On SIGTERM: let messages in flight finish for up to a minute.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv.Shutdown(ctx)
}
