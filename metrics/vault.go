package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// vaultMetrics are the originals vault's: what it holds, how long storing
// an original takes, what fails, and the releases and purges.
type vaultMetrics struct {
	entries  prometheus.Gauge
	bytes    prometheus.Gauge
	maxBytes prometheus.Gauge
	store    prometheus.Histogram
	stored   *prometheus.CounterVec // result: stored, reused
	failures *prometheus.CounterVec // reason: full, error
	releases *prometheus.CounterVec // target, result
	purges   prometheus.Counter
	measured prometheus.Gauge
}

// storeBuckets span a synced write of a small original on a fast disk
// (about a millisecond) to a slow shared database.
func storeBuckets() []float64 {
	return []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
}

func newVaultMetrics(reg prometheus.Registerer) *vaultMetrics {
	v := &vaultMetrics{
		entries: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "vault",
			Name: "entries", Help: "Originals held in the vault (purged ones excluded), as last measured (every minute)."}),
		bytes: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "vault",
			Name: "bytes", Help: "Bytes of encrypted originals and delivered copies held, as last measured (every minute)."}),
		maxBytes: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "vault",
			Name: "max_bytes", Help: "vault.max_size in bytes; 0 when there is no limit."}),
		measured: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "vault",
			Name: "usage_timestamp_seconds", Help: "When mugai_vault_entries and mugai_vault_bytes were measured, in Unix seconds."}),
		store: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "vault",
			Name: "store_duration_seconds", Help: "Time to store an original durably (encrypted, synced, indexed) before the message goes on.",
			Buckets: storeBuckets()}),
		stored: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "vault",
			Name: "stored_total", Help: "Originals stored (stored) and retries of an undelivered message that reused its entry (reused)."},
			[]string{"result"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "vault",
			Name: "store_failures_total", Help: "Originals that could not be stored: full (vault.max_size; 452 4.3.1) or error (451 4.3.0, or delivered without the original under vault.required: false)."},
			[]string{"reason"}),
		releases: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "vault",
			Name: "releases_total", Help: "Originals released from this process (the console and its recipient page), by target (internet, lgwan) and result (success, failure)."},
			[]string{"target", "result"}),
		purges: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Subsystem: "vault",
			Name: "purges_total", Help: "Originals purged by this process's sweep when their retention ended."}),
	}
	reg.MustRegister(v.entries, v.bytes, v.maxBytes, v.measured, v.store, v.stored, v.failures, v.releases, v.purges)
	for _, r := range []string{"stored", "reused"} {
		v.stored.WithLabelValues(r)
	}
	for _, r := range []string{"full", "error"} {
		v.failures.WithLabelValues(r)
	}
	return v
}

// Results of storing an original (VaultStored).
const (
	VaultStoredNew    = "stored"
	VaultStoredReused = "reused"
	VaultStoreFull    = "full"
	VaultStoreError   = "error"
)

// VaultStored records one store of an original by the relay, d its time
// and result one of VaultStoredNew, VaultStoredReused (a retry of an
// undelivered message), VaultStoreFull and VaultStoreError
// (gateway.VaultObserver).
func (m *Metrics) VaultStored(d time.Duration, result string) {
	switch result {
	case VaultStoreFull, VaultStoreError:
		m.vault.failures.WithLabelValues(result).Inc()
	case VaultStoredNew, VaultStoredReused:
		m.vault.stored.WithLabelValues(result).Inc()
		m.vault.store.Observe(d.Seconds())
	}
}

// VaultUsage records what the vault holds: entries, bytes and the
// configured maximum (gateway.UpkeepObserver).
func (m *Metrics) VaultUsage(entries, bytes, maxBytes int64) {
	m.vault.entries.Set(float64(entries))
	m.vault.bytes.Set(float64(bytes))
	m.vault.maxBytes.Set(float64(maxBytes))
	m.vault.measured.Set(float64(m.now().Unix()))
}

// VaultPurged counts entries the sweep purged (gateway.UpkeepObserver).
func (m *Metrics) VaultPurged(n int) { m.vault.purges.Add(float64(n)) }

// VaultReleased counts a release to target, "internet" or "lgwan"
// (gateway.ReleaseObserver).
func (m *Metrics) VaultReleased(target string, err error) {
	if target != "internet" && target != "lgwan" {
		target = "other"
	}
	result := "success"
	if err != nil {
		result = "failure"
	}
	m.vault.releases.WithLabelValues(target, result).Inc()
}
