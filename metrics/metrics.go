// Package metrics is mugai's observability over HTTP: Prometheus metrics
// of the relay and the sanitizer, and the /healthz and /readyz checks.
//
// Metrics implements smtpd.Observer, so the SMTP server reports sessions,
// replies and messages to it, and records sanitize.Reports given to it by
// the filter adapter. Nothing here is global: the caller creates the
// prometheus.Registry, passes it to New, and serves it with Handler, so
// tests (and a process with two servers) get registries of their own.
//
// Label values come only from bounded sets — result words, reply codes,
// action names, media types folded into a few classes — never from what a
// sender controls (addresses, file names, declared types), which would let
// a sender grow the number of time series without limit.
package metrics

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mugai/mugai/smtpd"
)

const namespace = "mugai"

// durationBuckets span a fast sanitize (a few ms) to the longest waits
// mugai allows: sanitize_time defaults to 30 s, a next hop's reply to 5 m.
func durationBuckets() []float64 {
	return []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300}
}

// sizeBuckets go from 1 KiB to 256 MiB by factors of 4: mail sizes spread
// over orders of magnitude, and limits.message_size defaults to 50 MiB.
func sizeBuckets() []float64 { return prometheus.ExponentialBuckets(1024, 4, 10) }

// Metrics holds mugai's metrics. Create it with New; it is safe for
// concurrent use.
type Metrics struct {
	sessionsOpen prometheus.Gauge
	sessions     prometheus.Counter
	inFlight     prometheus.Gauge
	messages     *prometheus.CounterVec // result, step
	replies      *prometheus.CounterVec // stage, code
	bytes        *prometheus.CounterVec // direction
	size         prometheus.Histogram
	queueWait    prometheus.Histogram
	sanitizeTime prometheus.Histogram
	deliveryTime prometheus.Histogram

	sanitized *prometheus.CounterVec // outcome, kind
	actions   *prometheus.CounterVec // action, type

	authResults  *prometheus.CounterVec // method, result
	authVerdicts *prometheus.CounterVec // action
	authProblems *prometheus.CounterVec // problem

	reloads      *prometheus.CounterVec // result
	reloadOK     prometheus.Gauge
	reloadTime   prometheus.Gauge
	now          func() time.Time
	targetUp     *prometheus.GaugeVec // target
	buildInfo    *prometheus.GaugeVec // version
	startSeconds prometheus.Gauge

	vault *vaultMetrics
	ppap  *prometheus.CounterVec // event (ppap.go)
}

var _ smtpd.Observer = (*Metrics)(nil)

// New creates mugai's metrics and registers them with reg. version is the
// binary's version, exported as mugai_build_info. It panics if reg already
// holds metrics of the same names (a second New on one registry is a bug).
func New(reg prometheus.Registerer, version string) *Metrics {
	m := &Metrics{
		sessionsOpen: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace,
			Name: "smtp_sessions_open", Help: "SMTP connections being served now."}),
		sessions: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace,
			Name: "smtp_sessions_total", Help: "SMTP connections accepted and served (refused ones are in mugai_smtp_replies_total{stage=\"connect\"})."}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace,
			Name: "messages_in_flight", Help: "Messages being received, sanitized or delivered now."}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace,
			Name: "messages_total",
			Help: "Messages by result (delivered: 2xx, rejected: 5xx, deferred: 4xx, the sender retries) and the step that decided it (receive, queue, filter, deliver)."},
			[]string{"result", "step"}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace,
			Name: "smtp_replies_total",
			Help: "SMTP replies mugai decided, by stage (connect: 220 or a refusal; rcpt; data: the reply to the message) and code."},
			[]string{"stage", "code"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace,
			Name: "message_bytes_total", Help: "Message bytes received (in) and written by the sanitizer (out)."},
			[]string{"direction"}),
		size: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace,
			Name: "message_size_bytes", Help: "Size of each message as received.", Buckets: sizeBuckets()}),
		queueWait: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace,
			Name: "worker_wait_seconds", Help: "Time a received message waited for a sanitizer worker (limits.workers).", Buckets: durationBuckets()}),
		sanitizeTime: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace,
			Name: "sanitize_duration_seconds", Help: "Time spent sanitizing each message.", Buckets: durationBuckets()}),
		deliveryTime: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace,
			Name: "delivery_duration_seconds", Help: "Time spent handing each sanitized message to the next hop or the maildir.", Buckets: durationBuckets()}),
		sanitized: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace,
			Name: "sanitize_messages_total",
			Help: "Sanitizer outcomes: sanitized, rejected (fail closed, 5xx), replaced (by a notice-only message), quarantined (a quarantine notice delivered, the original held in the vault), failed (error, 4xx); kind says why it failed closed."},
			[]string{"outcome", "kind"}),
		actions: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace,
			Name: "sanitize_actions_total",
			Help: "What the sanitizer changed: html-to-text, links-changed, charset-guessed, and per attachment or part its action (dropped, text-attachment, payload-removed, ...) with the class of its detected type."},
			[]string{"action", "type"}),
		authResults: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace,
			Name: "auth_results_total",
			Help: "Sender authentication of messages checked, by method (spf, dkim, dmarc) and result (pass, fail, softfail, neutral, none, temperror, permerror); dkim counts a message once: pass when a signature passed."},
			[]string{"method", "result"}),
		authVerdicts: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace,
			Name: "auth_verdicts_total",
			Help: "What sender authentication decided per message: deliver, quarantine, reject, defer; skipped when not checked (auth off, internal mail)."},
			[]string{"action"}),
		authProblems: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace,
			Name: "auth_problems_total",
			Help: "Problems sender authentication found: dmarc, spf, dkim, from (failures), display-name, lookalike (signs of impersonation), temperror."},
			[]string{"problem"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace,
			Name: "config_reloads_total", Help: "Configuration reloads (SIGHUP) by result: success or failure (the previous configuration stays)."},
			[]string{"result"}),
		reloadOK: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace,
			Name: "config_last_reload_successful", Help: "1 if the last configuration reload succeeded (or none was tried), 0 if it failed."}),
		reloadTime: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace,
			Name: "config_last_reload_success_timestamp_seconds", Help: "When the configuration in use was loaded, in Unix seconds."}),
		targetUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace,
			Name: "target_up", Help: "Result of the last readiness check of each delivery target: 1 reachable (next hop) or writable (maildir), 0 not."},
			[]string{"target"}),
		buildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace,
			Name: "build_info", Help: "Always 1; the version label is mugai's version."},
			[]string{"version"}),
		startSeconds: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace,
			Name: "start_time_seconds", Help: "When mugai started, in Unix seconds."}),
		now: time.Now,
	}
	reg.MustRegister(m.sessionsOpen, m.sessions, m.inFlight, m.messages, m.replies, m.bytes,
		m.size, m.queueWait, m.sanitizeTime, m.deliveryTime, m.sanitized, m.actions,
		m.authResults, m.authVerdicts, m.authProblems,
		m.reloads, m.reloadOK, m.reloadTime, m.targetUp, m.buildInfo, m.startSeconds)
	m.vault = newVaultMetrics(reg)
	m.ppap = newPPAPMetrics(reg)
	m.buildInfo.WithLabelValues(version).Set(1)
	start := float64(m.now().Unix())
	m.startSeconds.Set(start)
	m.reloadOK.Set(1)
	m.reloadTime.Set(start)
	// Series that exist from the start, so a rate() or an alert on them
	// works before the first event (Prometheus sees no series until a
	// labelled counter is first used).
	for _, r := range []string{"success", "failure"} {
		m.reloads.WithLabelValues(r)
	}
	m.messages.WithLabelValues("delivered", string(smtpd.StepDeliver))
	m.bytes.WithLabelValues("in")
	m.bytes.WithLabelValues("out")
	return m
}

// SessionOpened implements smtpd.Observer.
func (m *Metrics) SessionOpened(netip.AddrPort) {
	m.sessions.Inc()
	m.sessionsOpen.Inc()
	m.replies.WithLabelValues(string(smtpd.StageConnect), "220").Inc()
}

// SessionClosed implements smtpd.Observer.
func (m *Metrics) SessionClosed(netip.AddrPort) { m.sessionsOpen.Dec() }

// Replied implements smtpd.Observer.
func (m *Metrics) Replied(stage smtpd.Stage, _ netip.AddrPort, code int) {
	m.replies.WithLabelValues(string(stage), strconv.Itoa(code)).Inc()
}

// MessageStarted implements smtpd.Observer.
func (m *Metrics) MessageStarted(*smtpd.Envelope) { m.inFlight.Inc() }

// MessageDone implements smtpd.Observer.
func (m *Metrics) MessageDone(info *smtpd.MessageInfo) {
	m.inFlight.Dec()
	m.messages.WithLabelValues(info.Result, string(info.Step)).Inc()
	m.replies.WithLabelValues(string(smtpd.StageData), strconv.Itoa(info.Code)).Inc()
	m.bytes.WithLabelValues("in").Add(float64(info.BytesIn))
	m.bytes.WithLabelValues("out").Add(float64(info.BytesOut))
	// A message refused while it was being received (too large, bare
	// line ends) has no complete size; it would distort the histogram.
	if info.Step != smtpd.StepReceive {
		m.size.Observe(float64(info.BytesIn))
		m.queueWait.Observe(info.Queue.Seconds())
	}
	// Only steps that ran are timed, so a count of 0 s does not stand
	// for "never got there".
	switch info.Step {
	case smtpd.StepFilter:
		m.sanitizeTime.Observe(info.Filter.Seconds())
	case smtpd.StepDeliver:
		m.sanitizeTime.Observe(info.Filter.Seconds())
		m.deliveryTime.Observe(info.Deliver.Seconds())
	}
}

// ConfigReloaded records a SIGHUP reload: ok false means the file was
// refused and the previous configuration stays in use.
func (m *Metrics) ConfigReloaded(ok bool) {
	if !ok {
		m.reloads.WithLabelValues("failure").Inc()
		m.reloadOK.Set(0)
		return
	}
	m.reloads.WithLabelValues("success").Inc()
	m.reloadOK.Set(1)
	m.reloadTime.Set(float64(m.now().Unix()))
}
