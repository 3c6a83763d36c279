package gateway

import (
	"context"
	"log/slog"
	"time"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/console"
	"github.com/mugai/mugai/metrics"
	"github.com/mugai/mugai/vault"
)

// VaultConfig is vault.Open's configuration for cfg's vault section,
// without recipient keys (for reading, managing and the console).
func VaultConfig(cfg *config.Config, log *slog.Logger) vault.Config {
	vc := cfg.Vault
	return vault.Config{Backend: vc.Backend, Path: vc.Path, DSN: vc.DSN, Options: vault.Options{
		Retention: time.Duration(vc.Retention), MaxSize: int64(vc.MaxSize), Logger: log}}
}

// OpenVault opens cfg's vault for the relay, which stores originals: the
// process's one handle, for Options.Vault, the console and the upkeep.
// Without vault.recipients_file, a key pair is made in vault.path at
// first start (vault.EnsureKeys, which logs where it is).
func OpenVault(ctx context.Context, cfg *config.Config, log *slog.Logger) (*vault.Vault, error) {
	vc := cfg.Vault
	if vc.RecipientsFile == "" {
		if _, err := vault.EnsureKeys(vc.Path, time.Now(), log); err != nil {
			return nil, err
		}
	}
	rfile, _ := vc.KeyFiles()
	rs, err := vault.LoadRecipients(rfile)
	if err != nil {
		return nil, err
	}
	c := VaultConfig(cfg, log)
	c.Recipients = rs
	v, err := vault.Open(ctx, c)
	if err != nil {
		return nil, err
	}
	where := vc.Path
	if vc.Backend == config.VaultPostgres {
		where = "(vault.dsn)"
	}
	log.Info("vault open", "backend", vc.Backend, "at", where, "recipients", rfile,
		"retention", time.Duration(vc.Retention).String(), "required", vc.Required)
	return v, nil
}

// NewLinks makes the recipient links of cfg's console on v: its base URL
// and the key that signs them, made at first start and checked against
// the one the instances sharing v use (console.LoadLinkKey).
func NewLinks(ctx context.Context, cfg *config.Config, v *vault.Vault, log *slog.Logger) (*console.Links, error) {
	key, err := console.LoadLinkKey(ctx, v, cfg.ConsoleLinkKeyFile(), log)
	if err != nil {
		return nil, err
	}
	return console.NewLinks(cfg.ConsoleBaseURL(), key)
}

// VaultReadiness is the vault as /readyz checks it: a relay that must
// store every original is not ready while its vault does not answer.
func VaultReadiness(v *vault.Vault) metrics.Target {
	return metrics.Target{Name: "vault", Check: v.Ping}
}

// UpkeepObserver is told what the vault's upkeep found; *metrics.Metrics
// is one.
type UpkeepObserver interface {
	VaultUsage(entries, bytes, maxBytes int64)
	VaultPurged(n int)
}

// Upkeep intervals.
const (
	sweepInterval = time.Hour
	usageInterval = time.Minute
)

// RunVaultUpkeep sweeps v (purging what retention ended, vault.Sweep)
// every hour, the first time at once, and measures its usage every minute
// for obs (nil: none), until ctx ends. `mugai serve` runs it; several
// instances on one database may all run it (each purge is a transaction
// of its own, and a lost race is skipped).
func RunVaultUpkeep(ctx context.Context, v *vault.Vault, obs UpkeepObserver, log *slog.Logger) {
	sweep := time.NewTicker(sweepInterval)
	defer sweep.Stop()
	usage := time.NewTicker(usageInterval)
	defer usage.Stop()
	measure := func() {
		if obs == nil {
			return
		}
		if u, err := v.Usage(ctx); err == nil {
			obs.VaultUsage(u.Entries, u.Bytes, u.MaxSize)
		} else if ctx.Err() == nil {
			log.Warn("vault: usage not measured", "err", err)
		}
	}
	doSweep := func() {
		res, err := v.Sweep(ctx)
		if obs != nil && res.Purged > 0 {
			obs.VaultPurged(res.Purged)
		}
		if err != nil && ctx.Err() == nil {
			log.Error("vault: sweep failed", "err", err)
		}
	}
	doSweep()
	measure()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			doSweep()
		case <-usage.C:
			measure()
		}
	}
}

// ReleaseObserver is told of each release of an original; *metrics.Metrics
// is one.
type ReleaseObserver interface {
	VaultReleased(target string, err error)
}

// NewReleaser builds a vault.Releaser from vault.release: the Internet-side
// relay and, when allowed, the LGWAN destination (release.lgwan_next_hop,
// else the delivery section's), each a Target as the relay's are. obs
// (nil: none) counts the releases.
func NewReleaser(cfg *config.Config, v *vault.Vault, log *slog.Logger, obs ReleaseObserver) (*vault.Releaser, error) {
	rc := cfg.Vault.Release
	rl := &vault.Releaser{Vault: v, MailFrom: rc.MailFrom, Addresses: vault.AddressMap{Template: rc.Address}}
	if rc.AddressMap != "" {
		m, err := vault.LoadAddressMap(rc.AddressMap)
		if err != nil {
			return nil, err
		}
		rl.Addresses.Map = m
	}
	host := hostname(cfg)
	if rc.InternetRelay != "" {
		rl.Internet = counted(obs, string(vault.TargetInternet), vaultSender(nextHopTarget{nextHop(cfg, host, rc.InternetRelay, rc.InternetTLS, log)}))
	}
	if rc.AllowsLGWAN() {
		if rc.LGWANNextHop != "" {
			h := nextHop(cfg, host, rc.LGWANNextHop, cfg.Delivery.TLS, log)
			h.CAFile = cfg.Delivery.CAFile
			rl.LGWAN = counted(obs, string(vault.TargetLGWAN), vaultSender(nextHopTarget{h}))
		} else {
			rl.LGWAN = counted(obs, string(vault.TargetLGWAN), vaultSender(defaultTarget(cfg, host, log)))
		}
	}
	return rl, nil
}

// counted tells obs of each release s sends.
func counted(obs ReleaseObserver, target string, s vault.Sender) vault.Sender {
	if obs == nil {
		return s
	}
	return vault.SenderFunc(func(ctx context.Context, m vault.Mail) error {
		err := s.Send(ctx, m)
		obs.VaultReleased(target, err)
		return err
	})
}

// StartConsole serves the web console for cfg on v — the relay's own
// handle — with links, the recipient links the relay's notices carry,
// listening on listen.console; obs (nil: none) counts releases. The
// caller shuts the server down. Without the vault identity the console
// shows metadata only.
func StartConsole(ctx context.Context, cfg *config.Config, v *vault.Vault, links *console.Links, obs ReleaseObserver, pp *PPAP, log *slog.Logger) (*console.Server, error) {
	c, err := newConsole(cfg, v, links, obs, pp, log)
	if err != nil {
		return nil, err
	}
	if err := c.EnsureAdmin(ctx); err != nil {
		return nil, err
	}
	return c.Serve(console.ListenConfig{Addr: cfg.Listen.Console, CertFile: cfg.Console.TLS.CertFile,
		KeyFile: cfg.Console.TLS.KeyFile, AllowInsecureRemote: cfg.Console.AllowInsecureRemote})
}

// newConsole builds the console for cfg on v.
func newConsole(cfg *config.Config, v *vault.Vault, links *console.Links, obs ReleaseObserver, pp *PPAP, log *slog.Logger) (*console.Console, error) {
	_, idPath := cfg.Vault.KeyFiles()
	ids, err := vault.LoadIdentities(idPath)
	if err != nil {
		log.Warn("console: no vault identity; releases, downloads and the delivered text are off in the console", "err", err)
		ids = nil
	}
	rl, err := NewReleaser(cfg, v, log, obs)
	if err != nil {
		return nil, err
	}
	cc := cfg.Console
	var opener console.PPAPOpener
	if pp != nil {
		opener = pp // not a nil *PPAP in an interface
	}
	return console.New(console.Options{PPAP: opener,
		Vault: v, Releaser: rl, Identities: ids, Links: links, Language: cc.Language,
		SessionLifetime: time.Duration(cc.SessionLifetime), IdleTimeout: time.Duration(cc.IdleTimeout),
		LGWANApproval: cc.LGWANApproval, DownloadRole: console.Role(cc.DownloadRole),
		RecipientSelfRelease: cc.RecipientSelfRelease, LoginAttempts: cc.LoginAttempts, Lockout: time.Duration(cc.Lockout),
		StateDir: cfg.Vault.Path, Logger: log,
	})
}
