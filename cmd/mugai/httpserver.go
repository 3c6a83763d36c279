package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/gateway"
	"github.com/mugai/mugai/metrics"
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

// observability is what serve gives every gateway it builds, at start and
// at each reload: the metrics (smtpd's Observer and the sanitize
// reports), the readiness checks, and the HTTP listener that serves them.
// With listen.http empty it is all off.
type observability struct {
	log     *slog.Logger
	addr    string // listen.http at start: a change needs a restart
	reg     *prometheus.Registry
	metrics *metrics.Metrics   // nil when off
	ready   *metrics.Readiness // nil when off
	srv     *http.Server       // nil until start
	served  chan struct{}      // closed when srv.Serve returned
	// also are checked by /readyz besides the delivery targets (the
	// vault); set before start.
	also []metrics.Target
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

// observer is what every gateway built reports to: the metrics, or nil
// when they are off.
func (o *observability) observer() gateway.Observer {
	if o.metrics == nil {
		return nil // not a nil *metrics.Metrics in an interface
	}
	return o.metrics
}

// upkeepObserver and releaseObserver are the metrics as the vault's
// upkeep and the console's releases report to them, or nil when off.
func (o *observability) upkeepObserver() gateway.UpkeepObserver {
	if o.metrics == nil {
		return nil
	}
	return o.metrics
}

func (o *observability) releaseObserver() gateway.ReleaseObserver {
	if o.metrics == nil {
		return nil
	}
	return o.metrics
}

// start opens the HTTP listener, when listen.http is set, and marks the
// first configuration (g's delivery targets) ready.
func (o *observability) start(g *gateway.Gateway) error {
	if o.addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen.http: %w", err)
	}
	o.ready.SetTargets(append(deliveryTargets(g), o.also...))
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
func (o *observability) reloaded(g *gateway.Gateway) {
	if o.metrics == nil {
		return
	}
	o.metrics.ConfigReloaded(g != nil)
	if g != nil {
		o.ready.SetTargets(append(deliveryTargets(g), o.also...))
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
func deliveryTargets(g *gateway.Gateway) []metrics.Target {
	var out []metrics.Target
	for _, t := range g.Targets() {
		out = append(out, t.Readiness())
	}
	return out
}
