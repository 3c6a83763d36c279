package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mugai/mugai/internal/smtptest"
	"github.com/mugai/mugai/metrics"
)

// fakeClock is a settable clock for the readiness cache.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// health serves the handler for r; fetch GETs a path of it.
func health(t *testing.T, r *metrics.Readiness) (fetch func(path string) (int, string), url string) {
	t.Helper()
	reg := prometheus.NewRegistry()
	if r.Metrics == nil {
		r.Metrics = metrics.New(reg, "v")
	}
	web := httptest.NewServer(metrics.Handler(reg, r, nil))
	t.Cleanup(web.Close)
	return func(path string) (int, string) { return get(t, web.URL+path) }, web.URL
}

func TestHealthz(t *testing.T) {
	fetch, url := health(t, &metrics.Readiness{})
	if code, body := fetch("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	// Only GET: a monitoring endpoint has nothing to change.
	resp, err := http.Post(url+"/healthz", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz: %s", resp.Status)
	}
	if code, _ := fetch("/nothing"); code != 404 {
		t.Errorf("/nothing: %d", code)
	}
}

func TestReadyz(t *testing.T) {
	hop := smtptest.NewServer(t, nil)
	down := smtptest.DownAddr(t)
	clock := &fakeClock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	r := &metrics.Readiness{Timeout: time.Second, TTL: 5 * time.Second, Now: clock.Now}
	fetch, _ := health(t, r)

	// Before a configuration is in use: not ready.
	if code, body := fetch("/readyz"); code != 503 || !strings.Contains(body, "fail config") {
		t.Errorf("unconfigured: %d %q", code, body)
	}

	// The next hop answers: ready.
	r.SetTargets([]metrics.Target{{Name: "smtp:" + hop.Addr, NextHop: hop.Addr}})
	code, body := fetch("/readyz")
	if code != 200 || !strings.HasPrefix(body, "ready\n") || !strings.Contains(body, "ok   smtp:"+hop.Addr) {
		t.Errorf("next hop up: %d %q", code, body)
	}
	// The result is cached: the next hop going away shows only after TTL.
	hop.Close()
	if code, body := fetch("/readyz"); code != 200 {
		t.Errorf("within TTL: %d %q", code, body)
	}
	clock.Add(6 * time.Second)
	if code, body := fetch("/readyz"); code != 503 || !strings.Contains(body, "fail smtp:"+hop.Addr) {
		t.Errorf("after TTL, next hop down: %d %q", code, body)
	}
	if _, scrape := fetch("/metrics"); !strings.Contains(scrape, `mugai_target_up{target="smtp:`+hop.Addr+`"} 0`) {
		t.Errorf("mugai_target_up not 0 for the down next hop")
	}

	// A reload with other targets checks at once, and forgets the old.
	dir := t.TempDir()
	r.SetTargets([]metrics.Target{
		{Name: "maildir:" + dir, Maildir: dir},
		{Name: "smtp:" + down, NextHop: down},
	})
	code, body = fetch("/readyz")
	if code != 503 || !strings.Contains(body, "ok   maildir:"+dir) || !strings.Contains(body, "fail smtp:"+down) {
		t.Errorf("maildir + down next hop: %d %q", code, body)
	}
	_, scrape := fetch("/metrics")
	if strings.Contains(scrape, hop.Addr) {
		t.Error("a target no longer configured is still exported")
	}
	// The maildir probe leaves nothing behind.
	if left, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(left) != 0 {
		t.Errorf("%d files left in the maildir's tmp/", len(left))
	}

	// Shutting down: not ready, whatever the targets.
	r.SetTargets([]metrics.Target{{Name: "maildir:" + dir, Maildir: dir}})
	if code, _ := fetch("/readyz"); code != 200 {
		t.Errorf("maildir only: %d", code)
	}
	r.SetDraining()
	if code, body := fetch("/readyz"); code != 503 || !strings.Contains(body, "shutting down") {
		t.Errorf("draining: %d %q", code, body)
	}
}

func TestReadyzMaildirNotWritable(t *testing.T) {
	// A path below a regular file cannot be created, whoever we are
	// (permission bits would not stop root, which runs the tests in CI).
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	md := filepath.Join(file, "maildir")
	r := &metrics.Readiness{}
	r.SetTargets([]metrics.Target{{Name: "maildir:" + md, Maildir: md}})
	fetch, _ := health(t, r)
	if code, body := fetch("/readyz"); code != 503 || !strings.Contains(body, "fail maildir:"+md) {
		t.Errorf("unwritable maildir: %d %q", code, body)
	}
}

// TestReadyzSilentNextHop: a next hop that accepts but never answers is
// reachable (the check is a TCP connect) and costs at most Timeout.
func TestReadyzSilentNextHop(t *testing.T) {
	silent := smtptest.SilentAddr(t)
	r := &metrics.Readiness{Timeout: 300 * time.Millisecond}
	r.SetTargets([]metrics.Target{{Name: "smtp:" + silent, NextHop: silent}})
	fetch, _ := health(t, r)
	start := time.Now()
	code, body := fetch("/readyz")
	if code != 200 {
		t.Errorf("silent next hop: %d %q", code, body)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("check took %v", d)
	}
}

// TestReadyzConcurrent: probes from several monitors at once share the
// cache and the targets may be replaced meanwhile (a reload); run with
// -race.
func TestReadyzConcurrent(t *testing.T) {
	hop := smtptest.NewServer(t, nil)
	dir := t.TempDir()
	r := &metrics.Readiness{Timeout: time.Second}
	r.SetTargets([]metrics.Target{{Name: "smtp:" + hop.Addr, NextHop: hop.Addr}})
	fetch, _ := health(t, r)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 4 {
				r.SetTargets([]metrics.Target{{Name: "maildir:" + dir, Maildir: dir}})
			}
			if code, body := fetch("/readyz"); code != 200 {
				t.Errorf("/readyz: %d %q", code, body)
			}
		}()
	}
	wg.Wait()
}
