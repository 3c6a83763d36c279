package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/delivery"
	"github.com/mugai/mugai/sanitize"
	"github.com/mugai/mugai/smtpd"
)

// gateway is everything built from one configuration: a filter per policy,
// a deliverer per destination, and the router that picks them. A reload
// builds a new gateway and swaps it in whole; sessions in flight keep the
// one they started with.
type gateway struct {
	cfg      *config.Config
	hostname string
	filters  map[string]smtpd.Filter // by policy name; "default" is the sanitize section
	begins   map[string]func(context.Context, *smtpd.Envelope) (smtpd.Delivery, error)
}

// newGateway builds the gateway for cfg. It fails on what validation of
// the file alone cannot check: unreadable TLS files, for one.
func newGateway(cfg *config.Config, log *slog.Logger) (*gateway, error) {
	hostname := cfg.Hostname
	if hostname == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "localhost"
		}
		hostname = h
	}
	g := &gateway{cfg: cfg, hostname: hostname, filters: map[string]smtpd.Filter{},
		begins: map[string]func(context.Context, *smtpd.Envelope) (smtpd.Delivery, error){}}
	conv, err := newConverter(cfg, log)
	if err != nil {
		return nil, err
	}
	if err := checkConverter(conv); err != nil {
		return nil, err
	}
	names := []string{"default"}
	for name := range cfg.Policies {
		names = append(names, name)
	}
	for _, name := range names {
		pol, passthrough, ok := cfg.NamedPolicy(name)
		if !ok {
			return nil, fmt.Errorf("policy %q is not defined", name)
		}
		if passthrough {
			g.filters[name] = passthroughFilter{}
		} else {
			g.filters[name] = sanitizeFilter{s: sanitize.New(pol, sanitize.WithConverter(conv))}
		}
	}
	nextHop, maildir := cfg.DeliveryTarget()
	targets := []string{target(nextHop, maildir)}
	for _, r := range cfg.Routes {
		if r.NextHop != "" {
			targets = append(targets, target(r.NextHop, ""))
		}
	}
	for _, t := range targets {
		if _, done := g.begins[t]; done {
			continue
		}
		begin, err := g.deliverer(t, log)
		if err != nil {
			return nil, err
		}
		g.begins[t] = begin
	}
	return g, nil
}

// target names a destination: "smtp:host:port" or "maildir:path".
func target(nextHop, maildir string) string {
	if nextHop != "" {
		return "smtp:" + nextHop
	}
	return "maildir:" + maildir
}

func (g *gateway) deliverer(t string, log *slog.Logger) (func(context.Context, *smtpd.Envelope) (smtpd.Delivery, error), error) {
	if path, ok := strings.CutPrefix(t, "maildir:"); ok {
		md := &delivery.Maildir{Path: path, Hostname: g.hostname, Logger: log}
		return md.Begin, nil
	}
	d := g.cfg.Delivery
	nh := &delivery.NextHop{
		Addr:           strings.TrimPrefix(t, "smtp:"),
		HeloName:       g.hostname,
		CAFile:         d.CAFile,
		ServerName:     d.ServerName,
		ConnectTimeout: time.Duration(d.ConnectTimeout),
		CommandTimeout: time.Duration(d.CommandTimeout),
		Logger:         log,
	}
	switch d.TLS {
	case config.TLSNone:
		nh.TLS = delivery.TLSNone
	case config.TLSRequired:
		nh.TLS = delivery.TLSRequired
	default:
		nh.TLS = delivery.TLSOpportunistic
	}
	return nh.Begin, nil
}

// Route implements smtpd.Router: the first configured route that matches
// the client, sender domain and recipient domain picks the policy and the
// destination; without one, the sanitize and delivery sections do.
//
// rcpt is the address exactly as the next hop will receive it (smtpd's
// canonical form), so the domain checked is the domain the mail goes to.
func (g *gateway) Route(env *smtpd.Envelope, rcpt string) (smtpd.Route, error) {
	to, err := smtpd.ParseMailbox(rcpt)
	if err != nil || to.Domain == "" {
		// smtpd hands over canonical addresses only; refuse rather than
		// guess where the domain starts.
		return smtpd.Route{}, &reply{553, [3]int{5, 1, 3}, "invalid recipient address"}
	}
	from, err := smtpd.ParseMailbox(env.From)
	if err != nil {
		return smtpd.Route{}, &reply{553, [3]int{5, 1, 7}, "invalid sender address"}
	}
	// relay.domains binds mail entering the closed network. Mail leaving
	// it (from relay.internal_networks) goes to any Internet domain.
	client := env.Client.Addr().Unmap()
	if !g.cfg.Relay.AcceptsDomain(to.Domain) && !g.cfg.Relay.InternalNetworks.Contains(client) {
		// RFC 5321 §3.6.2: a relay refuses destinations it does not
		// serve; RFC 3463 5.7.1 "delivery not authorized".
		return smtpd.Route{}, &reply{550, [3]int{5, 7, 1}, "relay not permitted"}
	}
	policy := "default"
	nextHop, maildir := g.cfg.DeliveryTarget()
	if r := g.cfg.Route(client, from.Domain, to.Domain); r != nil {
		if r.Policy != "" {
			policy = r.Policy
		}
		if r.NextHop != "" {
			nextHop, maildir = r.NextHop, ""
		}
	}
	t := target(nextHop, maildir)
	f, begin := g.filters[policy], g.begins[t]
	if f == nil || begin == nil {
		// Built from the same validated config: cannot happen. Fail
		// temporarily rather than guess.
		return smtpd.Route{}, fmt.Errorf("no route for policy %q to %s", policy, t)
	}
	return smtpd.Route{Name: policy + " " + t, Filter: f, Begin: begin}, nil
}

// serverConfig maps the configuration onto smtpd's.
func (g *gateway) serverConfig(log *slog.Logger) (smtpd.Config, error) {
	c, l := g.cfg, g.cfg.Limits
	sc := smtpd.Config{
		Hostname:      g.hostname,
		Networks:      []netip.Prefix(c.Relay.Networks),
		Forwarders:    []netip.Prefix(c.Relay.Forwarders),
		ProxyNetworks: []netip.Prefix(c.Listen.ProxyProtocolNetworks),
		// Domains stay empty: Route applies relay.domains, because mail
		// from internal networks is exempt.
		Router:              g,
		MaxMessageBytes:     int64(l.MessageSize),
		MaxRecipients:       l.Recipients,
		MaxConnections:      l.Connections,
		MaxConnectionsPerIP: l.ConnectionsPerIP,
		ReservedConnections: l.ReservedConnections(),
		SessionTime:         time.Duration(l.SessionTime),
		CommandTimeout:      time.Duration(l.CommandTimeout),
		DataTimeout:         time.Duration(l.DataTimeout),
		MinDataRate:         int64(l.MinDataRate),
		RecipientTimeout:    time.Duration(c.Delivery.RecipientTimeout),
		EnvelopeTime:        time.Duration(c.Delivery.EnvelopeTime),
		MaxProtocolErrors:   l.ProtocolErrors,
		Workers:             l.WorkerCount(),
		BareNewlines:        smtpd.BareReject,
		Logger:              log,
		Now:                 time.Now,
	}
	if c.Relay.BareNewlines == config.BareNormalize {
		sc.BareNewlines = smtpd.BareNormalize
	}
	if c.Listen.TLS.Enabled() {
		cert, err := tls.LoadX509KeyPair(c.Listen.TLS.CertFile, c.Listen.TLS.KeyFile)
		if err != nil {
			return smtpd.Config{}, fmt.Errorf("listen.tls: %w", err)
		}
		sc.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	return sc, nil
}

// sanitizeFilter adapts the sanitizer to smtpd.Filter.
type sanitizeFilter struct {
	s *sanitize.Sanitizer
	// observe, when set, gets every report with its envelope (for the
	// queue id): metrics and the debug log (httpserver.go).
	observe func(env *smtpd.Envelope, rep *sanitize.Report, err error)
}

func (f sanitizeFilter) Filter(ctx context.Context, env *smtpd.Envelope, dst io.Writer, src io.Reader) (smtpd.FilterResult, error) {
	rep, err := f.s.MessageContext(ctx, dst, src)
	if f.observe != nil {
		f.observe(env, rep, err)
	}
	return smtpd.FilterResult{Actions: actions(rep)}, err
}

// actions summarises a report in short words for the per-message log line.
func actions(rep *sanitize.Report) []string {
	return rep.LogActions()
}

// passthroughFilter forwards a message unchanged. Configuration allows it
// only on routes limited to relay.internal_networks: mail leaving the
// closed network, not entering it.
type passthroughFilter struct{}

func (passthroughFilter) Filter(ctx context.Context, env *smtpd.Envelope, dst io.Writer, src io.Reader) (smtpd.FilterResult, error) {
	if _, err := io.Copy(dst, src); err != nil {
		return smtpd.FilterResult{}, fmt.Errorf("passthrough: %w", err)
	}
	return smtpd.FilterResult{Actions: []string{"passthrough"}}, nil
}

// reply is an error that carries its SMTP reply (smtpd.Status).
type reply struct {
	code     int
	enhanced [3]int
	message  string
}

func (r *reply) Error() string { return r.message }

func (r *reply) SMTPStatus() (int, [3]int, string) { return r.code, r.enhanced, r.message }
