package metrics_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mugai/mugai/metrics"
	"github.com/mugai/mugai/sanitize"
)

// TestVaultMetrics: what the relay's vault stage, the upkeep and the
// console's releases report becomes the vault's series.
func TestVaultMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, "v")
	m.VaultStored(3*time.Millisecond, metrics.VaultStoredNew)
	m.VaultStored(time.Millisecond, metrics.VaultStoredReused)
	m.VaultStored(0, metrics.VaultStoreFull)
	m.VaultStored(0, metrics.VaultStoreError)
	m.VaultStored(0, metrics.VaultStoreError)
	m.VaultUsage(12, 34567, 1<<30)
	m.VaultPurged(5)
	m.VaultReleased("internet", nil)
	m.VaultReleased("lgwan", errors.New("refused"))
	m.VaultReleased("elsewhere", nil)
	m.ObserveReport(&sanitize.Report{Rejected: &sanitize.Rejection{Kind: "ambiguous", Replaced: true, Quarantined: true}}, nil)

	web := httptest.NewServer(metrics.Handler(reg, &metrics.Readiness{}, nil))
	defer web.Close()
	_, scrape := get(t, web.URL+"/metrics")
	for series, v := range map[string]string{
		`mugai_vault_stored_total{result="stored"}`:                             "1",
		`mugai_vault_stored_total{result="reused"}`:                             "1",
		`mugai_vault_store_failures_total{reason="full"}`:                       "1",
		`mugai_vault_store_failures_total{reason="error"}`:                      "2",
		`mugai_vault_store_duration_seconds_count`:                              "2",
		`mugai_vault_entries`:                                                   "12",
		`mugai_vault_bytes`:                                                     "34567",
		`mugai_vault_max_bytes`:                                                 "1.073741824e+09",
		`mugai_vault_purges_total`:                                              "5",
		`mugai_vault_releases_total{result="success",target="internet"}`:        "1",
		`mugai_vault_releases_total{result="failure",target="lgwan"}`:           "1",
		`mugai_vault_releases_total{result="success",target="other"}`:           "1",
		`mugai_sanitize_messages_total{kind="ambiguous",outcome="quarantined"}`: "1",
	} {
		if got, ok := sample(scrape, series); !ok || got != v {
			t.Errorf("%s = %q (found %v), want %s", series, got, ok, v)
		}
	}
}

// TestReadyzVault: a check of its own (the vault) is a readiness target;
// while it fails, the relay is not ready.
func TestReadyzVault(t *testing.T) {
	var down atomic.Bool
	r := &metrics.Readiness{TTL: time.Nanosecond}
	fetch, _ := health(t, r)
	r.SetTargets([]metrics.Target{{Name: "vault", Check: func(context.Context) error {
		if down.Load() {
			return errors.New("vault index: connection refused")
		}
		return nil
	}}})
	if code, body := fetch("/readyz"); code != 200 || !strings.Contains(body, "ok   vault") {
		t.Errorf("vault up: %d %q", code, body)
	}
	down.Store(true)
	time.Sleep(time.Millisecond)
	if code, body := fetch("/readyz"); code != 503 || !strings.Contains(body, "fail vault") {
		t.Errorf("vault down: %d %q", code, body)
	}
}
