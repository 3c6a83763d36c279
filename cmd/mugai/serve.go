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
	"github.com/mugai/mugai/gateway"
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
	// One resolver for sender authentication, kept across reloads with its
	// cache.
	opts := gateway.Options{Logger: log, Observer: obs.observer(), Worker: worker, DNS: &gateway.DNS{Guard: dnsGuard(log)}}

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
	stopConsole, err := startConsole(cfg, log)
	if err != nil {
		ln.Close()
		return e.fail(exitError, "serve: %v", err)
	}
	defer stopConsole()

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
				cfg = reload(*cfgPath, cfg, srv, opts, level, obs)
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
			log.Info("stopped")
			return exitOK
		}
	}
}

// reload reads the configuration again and swaps it in atomically:
// sessions in flight finish with the old one. An invalid file changes
// nothing; the old configuration stays and the problems are logged.
func reload(path string, old *config.Config, srv *smtpd.Server, opts gateway.Options, level *slog.LevelVar, obs *observability) *config.Config {
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
		return old
	}
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
	log.Info("configuration reloaded", "config", configName(path))
	return cfg
}

// startConsole serves the web console on listen.console when the vault
// is enabled, with a vault handle of its own (the relay does not hold one
// yet); the returned function stops it.
func startConsole(cfg *config.Config, log *slog.Logger) (stop func(), err error) {
	if !cfg.Vault.Enabled || cfg.Listen.Console == "" {
		return func() {}, nil
	}
	ctx := context.Background()
	v, err := vault.Open(ctx, gateway.VaultConfig(cfg, log))
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	srv, err := gateway.StartConsole(ctx, cfg, v, log)
	if err != nil {
		v.Close()
		return nil, err
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), consoleStopTimeout)
		defer cancel()
		srv.Shutdown(ctx)
		v.Close()
	}, nil
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
