package gateway

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/console"
	"github.com/mugai/mugai/sandbox"
	"github.com/mugai/mugai/sandbox/syscallfilter"
	"github.com/mugai/mugai/sanitize"
	"github.com/mugai/mugai/smtpd"
	"github.com/mugai/mugai/vault"
)

// converterCheckTime bounds the start-up check of the conversion worker.
const converterCheckTime = 30 * time.Second

// Options are what Build takes besides the configuration: what the
// process owns, the same at start and at each reload.
type Options struct {
	// Logger receives the relay's logs; default slog.Default().
	Logger *slog.Logger
	// Observer, when set, is smtpd's Observer and gets each message's
	// report (the metrics).
	Observer Observer
	// Worker is the conversion worker program (package sandbox).
	Worker Worker
	// DNS keeps sender authentication's resolver and its cache across
	// reloads; nil: each Build makes its own.
	DNS *DNS
	// History, when set, answers auth.first_contact_note's question (the
	// vault).
	History History
	// Vault keeps the originals when vault.enabled is true: the
	// process's one handle, shared with the console and the sweeper
	// (OpenVault). A reload keeps it; vault.required and vault.notice
	// are read at each Build.
	Vault *vault.Vault
	// Links makes the recipient page's links for the notices; nil: the
	// console is off and notices carry none.
	Links *console.Links
	// PPAP opens password-protected zips (NewPPAP); nil: off. Like the
	// vault it outlives reloads.
	PPAP *PPAP
}

// Observer is told about the relay: smtpd's events, the report of each
// message the sanitizer read and the sender authentication of each
// message checked. *metrics.Metrics is one.
type Observer interface {
	smtpd.Observer
	ObserveReport(rep *sanitize.Report, err error)
	ObserveAuth(rec *sanitize.AuthReport)
}

// Worker is the program that runs one conversion in a child process:
// sandbox.Converter's Exe and Args.
type Worker struct {
	Exe  string
	Args []string
}

// Gateway is everything built from one configuration. A reload builds a
// new one and hands its ServerConfig to smtpd; sessions in flight keep
// the one they started with.
type Gateway struct {
	cfg      *config.Config
	hostname string
	log      *slog.Logger
	routing  routing
	server   smtpd.Config
}

// Build makes the gateway for cfg. It fails on what validation of the
// file alone cannot check: a conversion worker that cannot start or
// confine itself, a missing external converter, unreadable TLS files.
func Build(cfg *config.Config, opts Options) (*Gateway, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	g := &Gateway{cfg: cfg, hostname: hostname(cfg), log: log}
	conv, err := NewConverter(cfg, opts.Worker, log)
	if err != nil {
		return nil, err
	}
	if err := checkConverter(conv); err != nil {
		return nil, err
	}
	as, err := newAuthStage(cfg, opts, g.hostname, log)
	if err != nil {
		return nil, err
	}
	k, err := newKeeper(cfg, opts, log)
	if err != nil {
		return nil, err
	}
	pipelines, err := newPipelines(cfg, conv, as, recorder{log: log, observer: opts.Observer}, k)
	if err != nil {
		return nil, err
	}
	if g.routing, err = newRouting(cfg, pipelines, g.hostname, log); err != nil {
		return nil, err
	}
	if g.server, err = g.serverConfig(opts.Observer); err != nil {
		return nil, err
	}
	return g, nil
}

// ServerConfig is the smtpd configuration, with the gateway as its Router.
func (g *Gateway) ServerConfig() smtpd.Config { return g.server }

// Targets are the configuration's destinations, sorted by name (for the
// readiness checks).
func (g *Gateway) Targets() []Target { return slices.Clone(g.routing.targets) }

// Close releases what the targets keep between messages: the next hops'
// idle connections are closed with QUIT. A reload calls it on the
// gateway it replaced; sessions still in flight on that one finish, on
// connections that are closed after their message.
func (g *Gateway) Close() {
	for _, t := range g.routing.targets {
		t.Close()
	}
}

// hostname is cfg's hostname, else this host's name, else "localhost":
// our name in the greeting, Received:, EHLO to the next hop and maildir
// file names.
func hostname(cfg *config.Config) string {
	if cfg.Hostname != "" {
		return cfg.Hostname
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "localhost"
}

// serverConfig maps the configuration onto smtpd's.
func (g *Gateway) serverConfig(obs Observer) (smtpd.Config, error) {
	c, l := g.cfg, g.cfg.Limits
	sc := smtpd.Config{
		Hostname:      g.hostname,
		Networks:      []netip.Prefix(c.Relay.Networks),
		Forwarders:    []netip.Prefix(c.Relay.Forwarders),
		ProxyNetworks: []netip.Prefix(c.Listen.ProxyProtocolNetworks),
		// Route applies relay.domains (mail from internal networks is
		// exempt): smtpd has no domain list of its own.
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
		Logger:              g.log,
		Now:                 time.Now,
	}
	if obs != nil {
		sc.Observer = obs
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

// NewConverter returns the converter of cfg: every attachment conversion
// runs in a child process of w, confined as the sandbox section says. An
// external converter's program that cannot be found is an error: there is
// no unconfined fallback.
func NewConverter(cfg *config.Config, w Worker, log *slog.Logger) (*sandbox.Converter, error) {
	commands := map[string][]string{}
	for kind, cmd := range cfg.Converters {
		commands[kind] = strings.Fields(cmd)
	}
	conv, err := sandbox.New(sandbox.Converter{
		Exe:       w.Exe,
		Args:      w.Args,
		PassEnv:   cfg.Sandbox.Environment,
		Time:      time.Duration(cfg.Limits.ConvertTime),
		Memory:    int64(cfg.Limits.ConvertMemory),
		Output:    int64(cfg.Limits.ConvertOutput),
		Commands:  commands,
		Landlock:  sandbox.LandlockMode(cfg.Sandbox.Landlock),
		ReadPaths: cfg.Sandbox.ReadPaths,
		// Built for each worker here; the worker only loads it.
		SyscallFilter: syscallfilter.Build,
		Logger:        log,
	})
	if err != nil {
		return nil, err
	}
	switch st := conv.Status(); {
	case st.Refusing != "":
		// Mail still flows; every attachment that needs a converter is
		// removed with a notice.
		log.Error("sandbox: ATTACHMENTS WILL NOT BE CONVERTED: "+st.Refusing,
			"fix", "run on a kernel with Landlock, or set sandbox.landlock: best_effort")
	case st.LandlockABI == 0:
		log.Warn("sandbox: THE KERNEL HAS NO LANDLOCK: converters run without filesystem rules and could read this host's files (sandbox.landlock: best_effort)")
	default:
		log.Info("sandbox: converters confined", "worker", w.Exe, "confinement", st.String())
	}
	return conv, nil
}

// checkConverter converts a few bytes of text in a worker, so that a
// worker that cannot start or confine itself (a kernel without seccomp, a
// mugai-convert of another version) stops the gateway at start, not
// each attachment later.
func checkConverter(conv *sandbox.Converter) error {
	ctx, cancel := context.WithTimeout(context.Background(), converterCheckTime)
	defer cancel()
	if err := conv.Check(ctx); err != nil {
		return fmt.Errorf("conversion worker: %w", err)
	}
	return nil
}
