package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/metrics"
	"github.com/mugai/mugai/sanitize"
	"github.com/mugai/mugai/smtpd"
)

// HTTP listener bounds. Only monitoring talks to it, with small requests;
// the timeouts keep a stuck or hostile client from holding connections.
const (
	httpReadHeaderTimeout = 5 * time.Second
	httpReadTimeout       = 10 * time.Second
	httpWriteTimeout      = 30 * time.Second
	httpIdleTimeout       = 2 * time.Minute
	httpMaxHeaderBytes    = 16 << 10
	// httpStopTimeout bounds the HTTP listener's shutdown, which comes
	// after the SMTP drain: scrapes in progress finish, nothing more.
	httpStopTimeout = 5 * time.Second
)

// observability is what serve wires into every gateway it builds, at
// start and at each reload: the metrics (smtpd's Observer and the
// sanitize filters' reports), the readiness checks, and the HTTP listener
// that serves them. With listen.http empty only the debug log of sanitize
// reports remains; everything else is off.
type observability struct {
	log     *slog.Logger
	addr    string // listen.http at start: a change needs a restart
	reg     *prometheus.Registry
	metrics *metrics.Metrics   // nil when off
	ready   *metrics.Readiness // nil when off
	srv     *http.Server       // nil until start
	served  chan struct{}      // closed when srv.Serve returned
}

// newObservability prepares the metrics for cfg; start opens the listener.
func newObservability(cfg *config.Config, log *slog.Logger) *observability {
	o := &observability{log: log, addr: cfg.Listen.HTTP}
	if o.addr == "" {
		return o
	}
	// A registry of our own, not prometheus.DefaultRegisterer: no
	// package-level state, and only what we register is exported.
	o.reg = prometheus.NewRegistry()
	o.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	o.metrics = metrics.New(o.reg, version)
	o.ready = &metrics.Readiness{Metrics: o.metrics}
	return o
}

// instrument wires a freshly built gateway, before its server Config is
// used: smtpd reports to the metrics, and each sanitize filter hands its
// report to observeReport.
func (o *observability) instrument(g *gateway, sc *smtpd.Config) {
	if o.metrics != nil {
		sc.Observer = o.metrics
	}
	for name, f := range g.filters {
		if sf, ok := f.(sanitizeFilter); ok {
			sf.observe = o.observeReport
			g.filters[name] = sf
		}
	}
}

// queuedReport is a sanitize report with the queue id of its message,
// the id of the per-message log line and of our Received: header. The
// sanitizer knows nothing of SMTP, so its Report has no queue id; the
// filter adapter, which has the envelope, adds it here.
type queuedReport struct {
	QueueID string `json:"queue_id,omitempty"`
	*sanitize.Report
}

// observeReport records one message's sanitize report: in the metrics,
// and, at log level debug, as a JSON log line with its queue id (the
// per-message line has only a summary of the actions).
func (o *observability) observeReport(env *smtpd.Envelope, rep *sanitize.Report, err error) {
	if o.metrics != nil {
		o.metrics.ObserveReport(rep, err)
	}
	if rep == nil || !o.log.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	b, jerr := json.Marshal(queuedReport{QueueID: env.ID, Report: rep})
	if jerr != nil {
		o.log.Debug("sanitize: report not encoded", "id", env.ID, "err", jerr)
		return
	}
	o.log.Debug("sanitize: report", "id", env.ID, "report", json.RawMessage(b))
}

// start opens the HTTP listener, when listen.http is set, and marks the
// first configuration (g's delivery targets) ready.
func (o *observability) start(g *gateway) error {
	if o.addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen.http: %w", err)
	}
	o.ready.SetTargets(deliveryTargets(g))
	o.srv = &http.Server{
		Handler:           metrics.Handler(o.reg, o.ready, o.log),
		ReadHeaderTimeout: httpReadHeaderTimeout,
		ReadTimeout:       httpReadTimeout,
		WriteTimeout:      httpWriteTimeout,
		IdleTimeout:       httpIdleTimeout,
		MaxHeaderBytes:    httpMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(o.log.Handler(), slog.LevelWarn),
	}
	o.served = make(chan struct{})
	go func() {
		defer close(o.served)
		// Serve fails only when the listener breaks; the SMTP relay
		// goes on without its metrics, which the log says.
		if err := o.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			o.log.Error("http listener stopped", "err", err)
		}
	}()
	o.log.Info("http listening", "addr", ln.Addr().String(), "paths", "/metrics /healthz /readyz")
	return nil
}

// reloaded records a SIGHUP: g is the new gateway, nil when the reload
// failed and the previous configuration stays.
func (o *observability) reloaded(g *gateway) {
	if o.metrics == nil {
		return
	}
	o.metrics.ConfigReloaded(g != nil)
	if g != nil {
		o.ready.SetTargets(deliveryTargets(g))
	}
}

// draining makes /readyz fail from now on: shutdown has begun.
func (o *observability) draining() {
	if o.ready != nil {
		o.ready.SetDraining()
	}
}

// stop closes the HTTP listener, letting requests in progress finish for
// a few seconds.
func (o *observability) stop() {
	if o.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), httpStopTimeout)
	defer cancel()
	if err := o.srv.Shutdown(ctx); err != nil {
		o.srv.Close()
	}
	<-o.served
}

// deliveryTargets lists g's destinations for the readiness checks, in a
// stable order.
func deliveryTargets(g *gateway) []metrics.Target {
	names := make([]string, 0, len(g.begins))
	for name := range g.begins {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]metrics.Target, 0, len(names))
	for _, name := range names {
		if path, ok := strings.CutPrefix(name, "maildir:"); ok {
			out = append(out, metrics.Target{Name: name, Maildir: path})
		} else {
			out = append(out, metrics.Target{Name: name, NextHop: strings.TrimPrefix(name, "smtp:")})
		}
	}
	return out
}
