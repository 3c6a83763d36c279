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
)

// How cmd/mugai wires a relay: one route that filters every message and
// delivers it to the next hop over verified TLS.
func Example() {
	hop := &delivery.NextHop{
		Addr:     "lgwan-mx.example.lg.jp:25",
		HeloName: "gw.example.jp",
		TLS:      delivery.TLSRequired,
		CAFile:   "/etc/mugai/lgwan-ca.pem",
	}
	// The sanitizer goes here; this stand-in copies the message.
	filter := smtpd.FilterFunc(func(ctx context.Context, env *smtpd.Envelope, dst io.Writer, src io.Reader) (smtpd.FilterResult, error) {
		_, err := io.Copy(dst, src)
		return smtpd.FilterResult{Actions: []string{"copied"}}, err
	})
	route := smtpd.Route{Name: "lgwan", Filter: filter, Begin: hop.Begin}

	srv, err := smtpd.New(smtpd.Config{
		Hostname: "gw.example.jp",
		Networks: []netip.Prefix{netip.MustParsePrefix("192.0.2.10/32")}, // the Internet-facing MTA
		Domains:  []string{"city.example.lg.jp"},
		Router: smtpd.RouterFunc(func(env *smtpd.Envelope, rcpt string) (smtpd.Route, error) {
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
