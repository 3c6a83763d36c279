package gateway

import (
	"context"
	"log/slog"
	"time"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/delivery"
	"github.com/mugai/mugai/metrics"
	"github.com/mugai/mugai/smtpd"
	"github.com/mugai/mugai/vault"
)

// Target is a destination of sanitized mail: an SMTP next hop or a
// maildir. Build makes one per destination of the configuration, shared
// by the routes that name it.
type Target interface {
	// Name identifies the target in route names, logs, /readyz and the
	// mugai_target_up metric: "smtp:host:port" or "maildir:path".
	Name() string
	// Begin opens one transaction (smtpd.Route.Begin).
	Begin(ctx context.Context, env *smtpd.Envelope) (smtpd.Delivery, error)
	// Readiness is how /readyz checks the target.
	Readiness() metrics.Target
	// Close releases what the target keeps between messages (the next
	// hop's idle connections); Begin still works after it.
	Close()
}

// nextHopTarget is an SMTP next hop.
type nextHopTarget struct{ *delivery.NextHop }

func (t nextHopTarget) Name() string { return "smtp:" + t.Addr }

func (t nextHopTarget) Readiness() metrics.Target {
	return metrics.Target{Name: t.Name(), NextHop: t.Addr}
}

// maildirTarget is a local maildir.
type maildirTarget struct{ *delivery.Maildir }

func (t maildirTarget) Name() string { return "maildir:" + t.Path }

func (t maildirTarget) Readiness() metrics.Target {
	return metrics.Target{Name: t.Name(), Maildir: t.Path}
}

func (t maildirTarget) Close() {}

// nextHop is a next hop at addr with the delivery section's timeouts and
// connection pool, STARTTLS in mode; the caller sets the certificate
// checks.
func nextHop(cfg *config.Config, hostname, addr string, mode config.TLSMode, log *slog.Logger) *delivery.NextHop {
	d := cfg.Delivery
	return &delivery.NextHop{
		Addr:           addr,
		HeloName:       hostname,
		TLS:            tlsMode(mode),
		ConnectTimeout: time.Duration(d.ConnectTimeout),
		CommandTimeout: time.Duration(d.CommandTimeout),
		PoolSize:       d.PoolSize,
		IdleTimeout:    time.Duration(d.IdleTimeout),
		Logger:         log,
	}
}

// tlsMode converts the configuration's STARTTLS mode.
func tlsMode(m config.TLSMode) delivery.TLSMode {
	switch m {
	case config.TLSNone:
		return delivery.TLSNone
	case config.TLSRequired:
		return delivery.TLSRequired
	}
	return delivery.TLSOpportunistic
}

// relayHop is a next hop of the relay: the delivery section's TLS and
// certificate checks.
func relayHop(cfg *config.Config, hostname, addr string, log *slog.Logger) Target {
	h := nextHop(cfg, hostname, addr, cfg.Delivery.TLS, log)
	h.CAFile, h.ServerName = cfg.Delivery.CAFile, cfg.Delivery.ServerName
	return nextHopTarget{h}
}

// defaultTarget is the delivery section's destination.
func defaultTarget(cfg *config.Config, hostname string, log *slog.Logger) Target {
	nextHop, maildir := cfg.DeliveryTarget()
	if nextHop != "" {
		return relayHop(cfg, hostname, nextHop, log)
	}
	return maildirTarget{&delivery.Maildir{Path: maildir, Hostname: hostname, Logger: log}}
}

// vaultSender adapts a Target to vault.Sender: one transaction per release.
func vaultSender(t Target) vault.Sender {
	return vault.SenderFunc(func(ctx context.Context, m vault.Mail) error {
		d, err := t.Begin(ctx, &smtpd.Envelope{ID: m.ID, From: m.From, SMTPUTF8: m.SMTPUTF8,
			EightBitMIME: m.EightBitMIME, Received: time.Now()})
		if err != nil {
			return err
		}
		for _, rcpt := range m.To {
			if err := d.AddRecipient(ctx, rcpt); err != nil {
				d.Abort()
				return err
			}
		}
		if err := d.Deliver(ctx, m.Body); err != nil {
			d.Abort()
			return err
		}
		return nil
	})
}
