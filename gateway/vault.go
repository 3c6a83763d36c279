package gateway

import (
	"context"
	"log/slog"
	"time"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/console"
	"github.com/mugai/mugai/vault"
)

// VaultConfig is vault.Open's configuration for cfg's vault section,
// without recipient keys (for reading, managing and the console).
func VaultConfig(cfg *config.Config, log *slog.Logger) vault.Config {
	vc := cfg.Vault
	return vault.Config{Backend: vc.Backend, Path: vc.Path, DSN: vc.DSN, Options: vault.Options{
		Retention: time.Duration(vc.Retention), MaxSize: int64(vc.MaxSize), Logger: log}}
}

// NewReleaser builds a vault.Releaser from vault.release: the Internet-side
// relay and, when allowed, the LGWAN destination (release.lgwan_next_hop,
// else the delivery section's), each a Target as the relay's are.
func NewReleaser(cfg *config.Config, v *vault.Vault, log *slog.Logger) (*vault.Releaser, error) {
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
		rl.Internet = vaultSender(nextHopTarget{nextHop(cfg, host, rc.InternetRelay, rc.InternetTLS, log)})
	}
	if rc.AllowsLGWAN() {
		if rc.LGWANNextHop != "" {
			h := nextHop(cfg, host, rc.LGWANNextHop, cfg.Delivery.TLS, log)
			h.CAFile = cfg.Delivery.CAFile
			rl.LGWAN = vaultSender(nextHopTarget{h})
		} else {
			rl.LGWAN = vaultSender(defaultTarget(cfg, host, log))
		}
	}
	return rl, nil
}

// StartConsole serves the web console for cfg on v, listening on
// listen.console; the caller shuts the server down and closes v. Without
// the vault identity the console shows metadata only.
func StartConsole(ctx context.Context, cfg *config.Config, v *vault.Vault, log *slog.Logger) (*console.Server, error) {
	c, err := newConsole(ctx, cfg, v, log)
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
func newConsole(ctx context.Context, cfg *config.Config, v *vault.Vault, log *slog.Logger) (*console.Console, error) {
	_, idPath := cfg.Vault.KeyFiles()
	ids, err := vault.LoadIdentities(idPath)
	if err != nil {
		log.Warn("console: no vault identity; releases, downloads and the delivered text are off in the console", "err", err)
		ids = nil
	}
	rl, err := NewReleaser(cfg, v, log)
	if err != nil {
		return nil, err
	}
	key, err := console.LoadLinkKey(ctx, v, cfg.ConsoleLinkKeyFile(), log)
	if err != nil {
		return nil, err
	}
	links, err := console.NewLinks(cfg.ConsoleBaseURL(), key)
	if err != nil {
		return nil, err
	}
	cc := cfg.Console
	return console.New(console.Options{
		Vault: v, Releaser: rl, Identities: ids, Links: links, Language: cc.Language,
		SessionLifetime: time.Duration(cc.SessionLifetime), IdleTimeout: time.Duration(cc.IdleTimeout),
		LGWANApproval: cc.LGWANApproval, DownloadRole: console.Role(cc.DownloadRole),
		RecipientSelfRelease: cc.RecipientSelfRelease, LoginAttempts: cc.LoginAttempts, Lockout: time.Duration(cc.Lockout),
		StateDir: cfg.Vault.Path, Logger: log,
	})
}
