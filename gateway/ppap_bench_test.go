package gateway

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/internal/smtptest"
)

// BenchmarkRelayPPAP is what PPAP costs the relay on mail that holds no
// zip (nearly all of it): BenchmarkRelay's 10 KB text message and 60 KB
// newsletter through the relay with the vault on SQLite, without and with
// the PPAP stage (its quick look for a zip signature, the decoded header,
// and the lookup of zips held for the sender and recipient). The figure
// to read is the ratio of msgs/s of the two in the same run:
//
//	go test ./gateway -run '^$' -bench RelayPPAP -benchtime 400x
func BenchmarkRelayPPAP(b *testing.B) {
	body := strings.Repeat("This is a line of a plain text message of about ten kilobytes.\r\n", 160)
	msgs := map[string][]byte{"text": []byte("From: a@example.jp\r\nTo: b@example.jp\r\nSubject: load\r\n\r\n" + body), "html": newsletterMail()}
	for _, kind := range []string{"text", "html"} {
		for _, on := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/ppap=%v", kind, on), func(b *testing.B) { benchRelayPPAP(b, msgs[kind], on) })
		}
	}
}

func benchRelayPPAP(b *testing.B, msg []byte, withPPAP bool) {
	next := smtptest.NewServer(b, nil)
	cfg, err := config.Parse("bench.yaml", []byte(fmt.Sprintf("listen: {smtp: \"127.0.0.1:0\"}\nrelay: {networks: [127.0.0.0/8]}\n"+
		"delivery: {next_hop: \"%s\", tls: none}\nlimits: {connections_per_ip: 100}\nauth: {enabled: false}\n", next.Addr)))
	if err != nil {
		b.Fatal(err)
	}
	opts := withTestVault(b, cfg, testOptions(b))
	if withPPAP {
		if opts.PPAP, err = NewPPAP(context.Background(), cfg, opts.Vault, opts.Worker, nil, opts.Logger); err != nil {
			b.Fatal(err)
		}
	}
	gw, err := Build(cfg, opts)
	if err != nil {
		b.Fatal(err)
	}
	loadRelay(b, serveGateway(b, gw), msg)
}
