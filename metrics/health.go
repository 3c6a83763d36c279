package metrics

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Defaults of Readiness.
const (
	// DefaultProbeTimeout bounds one check of one target: a readiness
	// probe (Kubernetes' default timeout is 1 s, Docker's 30 s) must not
	// hang on a silent next hop.
	DefaultProbeTimeout = 2 * time.Second
	// DefaultProbeTTL is how long a result is reused: frequent probes
	// from several monitors do not each open a connection to the next
	// hop, which logs every one of them.
	DefaultProbeTTL = 5 * time.Second
)

// Target is a place mugai delivers to, or stores in, checked by
// Readiness.
type Target struct {
	// Name identifies the target in /readyz and in mugai_target_up:
	// "smtp:host:port", "maildir:path" or "vault".
	Name string
	// NextHop is the host:port of an SMTP next hop, or Maildir the path
	// of a maildir, or Check checks it (the vault); exactly one is set.
	NextHop, Maildir string
	Check            func(ctx context.Context) error
}

// Readiness answers /readyz: ready once a configuration is in use
// (SetTargets), while every delivery target works — each next hop accepts
// a TCP connection, each maildir is writable — and until shutdown begins
// (SetDraining). Results are cached for TTL. It is safe for concurrent use;
// set the fields before the first Check.
type Readiness struct {
	// Timeout bounds each target's check; default DefaultProbeTimeout.
	Timeout time.Duration
	// TTL is how long a target's result is reused; default DefaultProbeTTL.
	TTL time.Duration
	// Metrics, when set, gets each target's result as mugai_target_up.
	Metrics *Metrics
	// Now is the clock of the cache; default time.Now.
	Now func() time.Time

	mu         sync.Mutex
	configured bool
	draining   bool
	targets    []Target
	gen        uint64                 // counts SetTargets calls
	cache      map[string]probeResult // by Target.Name

	// probeMu serializes probing, so that concurrent requests share one
	// round of connections instead of each opening their own.
	probeMu sync.Mutex
}

type probeResult struct {
	err error
	at  time.Time
}

// SetTargets records the delivery targets of the configuration now in
// use and marks the process configured. Call it again after a reload.
func (r *Readiness) SetTargets(targets []Target) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.configured = true
	r.targets = append([]Target(nil), targets...)
	r.gen++
	r.cache = nil // a target may have moved; check again
	if r.Metrics != nil {
		r.Metrics.targetUp.Reset() // drop targets no longer configured
	}
}

// SetDraining makes every later Check fail: the process is shutting down
// and a load balancer should send no new connections.
func (r *Readiness) SetDraining() {
	r.mu.Lock()
	r.draining = true
	r.mu.Unlock()
}

// CheckResult is one line of a readiness report.
type CheckResult struct {
	Name string
	Err  error // nil: passed
}

// Check reports whether the process is ready, with the result of each
// check. It blocks at most about Timeout (plus waiting for a check in
// progress); ctx may end it sooner.
func (r *Readiness) Check(ctx context.Context) (bool, []CheckResult) {
	r.mu.Lock()
	configured, draining, targets, gen := r.configured, r.draining, r.targets, r.gen
	r.mu.Unlock()
	var results []CheckResult
	switch {
	case draining:
		results = append(results, CheckResult{"process", fmt.Errorf("shutting down")})
	case !configured:
		results = append(results, CheckResult{"config", fmt.Errorf("no configuration loaded yet")})
	default:
		results = append(results, CheckResult{Name: "config"})
		results = append(results, r.probeAll(ctx, targets, gen)...)
	}
	ok := true
	for _, c := range results {
		if c.Err != nil {
			ok = false
		}
	}
	return ok, results
}

// probeAll checks every target, reusing fresh results, new ones in
// parallel so that one silent next hop costs one Timeout, not one each.
func (r *Readiness) probeAll(ctx context.Context, targets []Target, gen uint64) []CheckResult {
	r.probeMu.Lock()
	defer r.probeMu.Unlock()
	now, ttl := r.now(), r.TTL
	if ttl == 0 {
		ttl = DefaultProbeTTL
	}
	r.mu.Lock()
	results := make([]CheckResult, len(targets))
	var stale []int
	for i, t := range targets {
		results[i].Name = t.Name
		if pr, ok := r.cache[t.Name]; ok && now.Sub(pr.at) < ttl && !now.Before(pr.at) {
			results[i].Err = pr.err
		} else {
			stale = append(stale, i)
		}
	}
	r.mu.Unlock()

	timeout := r.Timeout
	if timeout == 0 {
		timeout = DefaultProbeTimeout
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, i := range stale {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i].Err = probe(pctx, targets[i])
		}()
	}
	wg.Wait()

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.gen != gen {
		// SetTargets replaced the targets meanwhile: these results
		// answer this request, but neither the cache nor the metrics
		// should bring the old targets back.
		return results
	}
	// A round cut short by the client going away says nothing about the
	// targets: not cached. (A target that timed out is a result.)
	if ctx.Err() == nil {
		if r.cache == nil {
			r.cache = make(map[string]probeResult)
		}
		for _, i := range stale {
			r.cache[targets[i].Name] = probeResult{err: results[i].Err, at: now}
		}
	}
	if r.Metrics != nil {
		for _, c := range results {
			r.Metrics.targetUp.WithLabelValues(c.Name).Set(boolFloat(c.Err == nil))
		}
	}
	return results
}

func (r *Readiness) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// probe checks one target.
func probe(ctx context.Context, t Target) error {
	if t.Check != nil {
		return t.Check(ctx)
	}
	if t.NextHop != "" {
		return probeSMTP(ctx, t.NextHop)
	}
	return probeMaildir(t.Maildir)
}

// probeSMTP connects to an SMTP server. Reachable means the TCP connection
// was accepted. It then reads the greeting and says QUIT, best effort,
// so the next hop logs a polite client rather than a "lost connection
// after CONNECT" every few seconds.
func probeSMTP(ctx context.Context, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	br := bufio.NewReader(c)
	// The greeting may have continuation lines ("220-"); QUIT is sent
	// after its last line (RFC 5321 §4.2: a client waits for the whole
	// reply).
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil // connected; a slow or odd greeting is not our concern here
		}
		if len(line) < 4 || line[3] != '-' {
			break
		}
	}
	if _, err := c.Write([]byte("QUIT\r\n")); err == nil {
		br.ReadString('\n') // the 221, so we do not close under the server's reply
	}
	return nil
}

// probeMaildir checks that a file can be created in the maildir's tmp/
// (created if missing, as delivery does): a read-only mount, a full disk
// or wrong ownership all show here. The file is removed at once; maildir
// readers never look into tmp/.
func probeMaildir(path string) error {
	tmp := filepath.Join(path, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(tmp, ".mugai-readyz-*")
	if err != nil {
		return err
	}
	name := f.Name()
	_, werr := f.Write([]byte("readyz\n"))
	cerr := f.Close()
	os.Remove(name)
	if werr != nil {
		return werr
	}
	return cerr
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
