package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/console"
	"github.com/mugai/mugai/gateway"
	"github.com/mugai/mugai/metrics"
	"github.com/mugai/mugai/smtpd"
	"github.com/mugai/mugai/vault"
)

// shutdownGrace is how long SIGTERM lets sessions in flight finish before
// the rest are closed (unacknowledged, so their senders retry). It is
// below systemd's default TimeoutStopSec of 90 s.
const shutdownGrace = 60 * time.Second

// consoleStopTimeout bounds the console's shutdown, after the SMTP drain.
const consoleStopTimeout = 10 * time.Second

// serve implements "mugai serve": run the gateway until SIGTERM or SIGINT;
// SIGHUP reloads the configuration.
func (e *env) serve(args []string) int {
	fs := e.newFlagSet("serve")
	cfgPath := fs.String("config", "", "config file (default: the embedded defaults)")
	if err := fs.Parse(args); err != nil {
		return e.fail(exitError, "serve: %v", err)
	}
	if fs.NArg() > 0 {
		return e.fail(exitError, "serve: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return e.fail(exitError, "%s", oneLine(err))
	}
	level := new(slog.LevelVar)
	level.Set(cfg.Log.SlogLevel())
	log := newLogger(e.stderr, cfg.Log.Format, level)
	obs := newObservability(cfg, log)
	worker, err := findWorker()
	if err != nil {
		return e.fail(exitError, "serve: %v", err)
	}
	ctx, stopUpkeep := context.WithCancel(context.Background())
	defer stopUpkeep()
	v, links, err := openRelayVault(ctx, cfg, log)
	if err != nil {
		return e.fail(exitError, "serve: %s", oneLine(err))
	}
	if v != nil {
		defer v.Close()
		obs.also = []metrics.Target{gateway.VaultReadiness(v)}
	}
	pp, err := gateway.NewPPAP(ctx, cfg, v, worker, obs.observer(), log)
	if err != nil {
		return e.fail(exitError, "serve: %s", oneLine(err))
	}
	// One resolver for sender authentication, kept across reloads with its
	// cache.
	opts := gateway.Options{Logger: log, Observer: obs.observer(), Worker: worker, Vault: v, Links: links,
		DNS: &gateway.DNS{Guard: dnsGuard(log)}, PPAP: pp}
	if v != nil {
		// auth.first_contact_note asks the vault's index.
		opts.History = v
	}

	gw, err := gateway.Build(cfg, opts)
	if err != nil {
		return e.fail(exitError, "serve: %v", err)
	}
	srv, err := smtpd.New(gw.ServerConfig())
	if err != nil {
		return e.fail(exitError, "serve: %v", err)
	}
	ln, err := net.Listen("tcp", cfg.Listen.SMTP)
	if err != nil {
		return e.fail(exitError, "serve: %v", err)
	}
	nextHop, maildir := cfg.DeliveryTarget()
	log.Info("mugai listening", "addr", ln.Addr().String(), "version", version,
		"config", configName(*cfgPath), "next_hop", nextHop, "maildir", maildir)
	if err := obs.start(gw); err != nil {
		ln.Close()
		return e.fail(exitError, "serve: %v", err)
	}
	defer obs.stop()
	stopConsole, err := startConsole(cfg, v, links, obs, pp, log)
	if err != nil {
		ln.Close()
		return e.fail(exitError, "serve: %v", err)
	}
	defer stopConsole()
	if v != nil {
		// Retention's sweep and the usage metrics, in every instance.
		go gateway.RunVaultUpkeep(ctx, v, obs.upkeepObserver(), log)
	}
	if pp != nil {
		// Delivers what opened, retrying; ends archives past ppap.window.
		go pp.Run(ctx)
	}

	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(signals)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	for {
		select {
		case err := <-served:
			if errors.Is(err, smtpd.ErrServerClosed) {
				return exitOK
			}
			log.Error("server stopped", "err", err)
			return exitError
		case sig := <-signals:
			if sig == syscall.SIGHUP {
				cfg, gw = reload(*cfgPath, cfg, gw, srv, opts, level, obs)
				continue
			}
			obs.draining()
			log.Info("shutting down", "signal", sig.String(), "grace", shutdownGrace.String())
			ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			err := srv.Shutdown(ctx)
			cancel()
			if err != nil {
				log.Warn("sessions closed at the end of the grace period", "err", err)
			}
			gw.Close() // QUIT to the next hops' idle connections
			log.Info("stopped")
			return exitOK
		}
	}
}

// reload reads the configuration again and swaps it in atomically:
// sessions in flight finish with the old one, whose idle next-hop
// connections are closed. An invalid file changes nothing; the old
// configuration stays and the problems are logged.
func reload(path string, old *config.Config, oldGW *gateway.Gateway, srv *smtpd.Server, opts gateway.Options, level *slog.LevelVar, obs *observability) (*config.Config, *gateway.Gateway) {
	log := opts.Logger
	var gw *gateway.Gateway
	cfg, err := loadConfig(path)
	if err == nil {
		if gw, err = gateway.Build(cfg, opts); err == nil {
			err = srv.SetConfig(gw.ServerConfig())
		}
	}
	if err != nil {
		obs.reloaded(nil)
		log.Error("reload failed; keeping the previous configuration", "config", configName(path), "err", oneLine(err))
		return old, oldGW
	}
	// QUIT to the old configuration's idle next-hop connections, without
	// holding up the signal loop.
	go oldGW.Close()
	level.Set(cfg.Log.SlogLevel())
	obs.reloaded(gw)
	if cfg.Listen.SMTP != old.Listen.SMTP {
		log.Warn("listen.smtp changed; it takes effect at the next restart", "old", old.Listen.SMTP, "new", cfg.Listen.SMTP)
	}
	if cfg.Listen.HTTP != old.Listen.HTTP {
		log.Warn("listen.http changed; it takes effect at the next restart", "old", old.Listen.HTTP, "new", cfg.Listen.HTTP)
	}
	if cfg.Log.Format != old.Log.Format {
		log.Warn("log.format changed; it takes effect at the next restart")
	}
	if restartOnly(old, cfg) {
		log.Warn("the vault's location, keys, retention or max_size, listen.console, the console's base URL or the ppap section changed; that takes effect at the next restart (vault.required and vault.notice apply now)")
	}
	log.Info("configuration reloaded", "config", configName(path))
	return cfg, gw
}

// openRelayVault opens the vault when it is enabled — the process's one
// handle, which the relay, the console and the upkeep share — and, with
// the console on, the recipient links its notices carry. Both are nil
// with the vault off.
func openRelayVault(ctx context.Context, cfg *config.Config, log *slog.Logger) (*vault.Vault, *console.Links, error) {
	if !cfg.Vault.Enabled {
		return nil, nil, nil
	}
	v, err := gateway.OpenVault(ctx, cfg, log)
	if err != nil {
		return nil, nil, fmt.Errorf("vault: %w", err)
	}
	if cfg.Listen.Console == "" {
		return v, nil, nil
	}
	links, err := gateway.NewLinks(ctx, cfg, v, log)
	if err != nil {
		v.Close()
		return nil, nil, err
	}
	return v, links, nil
}

// startConsole serves the web console on listen.console when the vault
// is enabled, on the relay's vault handle v; the returned function stops
// it.
func startConsole(cfg *config.Config, v *vault.Vault, links *console.Links, obs *observability, pp *gateway.PPAP, log *slog.Logger) (stop func(), err error) {
	if v == nil || cfg.Listen.Console == "" {
		return func() {}, nil
	}
	srv, err := gateway.StartConsole(context.Background(), cfg, v, links, obs.releaseObserver(), pp, log)
	if err != nil {
		return nil, err
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), consoleStopTimeout)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

// restartOnly reports whether the keys that the vault, the console, the
// recipient links and PPAP were opened with at start differ.
func restartOnly(old, cfg *config.Config) bool {
	o, n := old.Vault, cfg.Vault
	return o.Backend != n.Backend || o.Path != n.Path || o.DSN != n.DSN || o.RecipientsFile != n.RecipientsFile ||
		o.IdentityFile != n.IdentityFile || o.Retention != n.Retention || o.MaxSize != n.MaxSize ||
		old.Listen.Console != cfg.Listen.Console || old.ConsoleBaseURL() != cfg.ConsoleBaseURL() || old.PPAP != cfg.PPAP
}

func configName(path string) string {
	if path == "" {
		return "(built-in defaults)"
	}
	return path
}

// newLogger returns the process logger: text or JSON lines on w.
func newLogger(w io.Writer, format string, level slog.Leveler) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
