package main

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/delivery"
	"github.com/mugai/mugai/smtpd"
	"github.com/mugai/mugai/vault"
)

func (r *vaultRun) release(args []string) int {
	fs := r.flags()
	idFile := fs.String("identity", "", "identity file (default: vault.identity_file)")
	lgwan := fs.Bool("lgwan", false, "release into the LGWAN (needs vault.release.lgwan: allow) instead of to the Internet-side mailbox")
	to := fs.String("to", "", "only these recipients of the message, comma-separated (default: all)")
	reason := fs.String("reason", "", "why, for the audit log and the X-Mugai-Released header")
	pos, code := r.parse(args, 1, "vault release [-lgwan] [-to ADDR,...] [-reason TEXT] ID")
	if code >= 0 {
		return code
	}
	rl, err := newReleaser(r.cfg, r.v, slog.New(slog.DiscardHandler))
	if err != nil {
		return r.failErr(err)
	}
	ids, err := r.identities(*idFile)
	if err != nil {
		return r.failErr(err)
	}
	req := vault.ReleaseRequest{ID: pos[0], Target: vault.TargetInternet,
		Access: vault.Access{Actor: r.who(), Reason: *reason, Identities: ids}}
	if *lgwan {
		req.Target = vault.TargetLGWAN
	}
	if *to != "" {
		req.Recipients = strings.Split(*to, ",")
	}
	res, err := rl.Release(context.Background(), req)
	if err != nil {
		return r.failErr(err)
	}
	r.stdout.Write([]byte("released " + pos[0] + " (" + string(res.Target) + ") to " + strings.Join(res.To, ", ") + "\n"))
	return r.done(exitOK)
}

// newReleaser builds a vault.Releaser from vault.release: the Internet-side
// relay and, when allowed, the LGWAN destination (release.lgwan_next_hop,
// else the delivery section's), each through the delivery package.
func newReleaser(cfg *config.Config, v *vault.Vault, log *slog.Logger) (*vault.Releaser, error) {
	rc := cfg.Vault.Release
	rl := &vault.Releaser{Vault: v, MailFrom: rc.MailFrom, Addresses: vault.AddressMap{Template: rc.Address}}
	if rc.AddressMap != "" {
		m, err := vault.LoadAddressMap(rc.AddressMap)
		if err != nil {
			return nil, err
		}
		rl.Addresses.Map = m
	}
	d := cfg.Delivery
	hop := func(addr string, mode config.TLSMode) *delivery.NextHop {
		return &delivery.NextHop{Addr: addr, HeloName: cfg.Hostname, TLS: deliveryTLS(mode),
			ConnectTimeout: time.Duration(d.ConnectTimeout), CommandTimeout: time.Duration(d.CommandTimeout), Logger: log}
	}
	if rc.InternetRelay != "" {
		rl.Internet = beginSender(hop(rc.InternetRelay, rc.InternetTLS).Begin)
	}
	if rc.AllowsLGWAN() {
		switch nextHop, maildir := cfg.DeliveryTarget(); {
		case rc.LGWANNextHop != "":
			h := hop(rc.LGWANNextHop, d.TLS)
			h.CAFile = d.CAFile
			rl.LGWAN = beginSender(h.Begin)
		case nextHop != "":
			h := hop(nextHop, d.TLS)
			h.CAFile, h.ServerName = d.CAFile, d.ServerName
			rl.LGWAN = beginSender(h.Begin)
		default:
			rl.LGWAN = beginSender((&delivery.Maildir{Path: maildir, Hostname: cfg.Hostname, Logger: log}).Begin)
		}
	}
	return rl, nil
}

// deliveryTLS converts the config's TLS mode.
func deliveryTLS(m config.TLSMode) delivery.TLSMode {
	switch m {
	case config.TLSNone:
		return delivery.TLSNone
	case config.TLSRequired:
		return delivery.TLSRequired
	}
	return delivery.TLSOpportunistic
}

// beginSender adapts a delivery target (an smtpd Route's Begin) to
// vault.Sender: one transaction per release.
func beginSender(begin func(context.Context, *smtpd.Envelope) (smtpd.Delivery, error)) vault.Sender {
	return vault.SenderFunc(func(ctx context.Context, m vault.Mail) error {
		d, err := begin(ctx, &smtpd.Envelope{ID: m.ID, From: m.From, SMTPUTF8: m.SMTPUTF8,
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
