package auth

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mugai/mugai/internal/authtest"
)

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestDNS(t *testing.T, s *authtest.DNSServer, cfg DNSConfig) *DNS {
	t.Helper()
	cfg.Servers = []string{s.Addr}
	if cfg.Timeout == 0 {
		cfg.Timeout = authtest.Timeout
	}
	if cfg.Attempts == 0 {
		cfg.Attempts = 1
	}
	d, err := NewDNS(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDNSLookups(t *testing.T) {
	s := authtest.StartDNS(t)
	s.TXT("txt.example", "v=spf1 -all")
	long := strings.Repeat("k", 2000) // over the 1232-byte EDNS size
	s.TXT("long.example", long)
	s.CNAME("alias.example", "txt.example")
	s.MX("mx.example", "b.mx.example", 20)
	s.MX("mx.example", "a.mx.example", 10)
	s.A("host.example", "192.0.2.1")
	s.A("host.example", "2001:db8::1")
	s.A("v4only.example", "192.0.2.2")
	s.PTR("192.0.2.1", "host.example")
	s.A("xn--r8jz45g.example", "192.0.2.3") // 例え.example
	d := newTestDNS(t, s, DNSConfig{CacheSize: -1})
	ctx := context.Background()

	if got, err := d.LookupTXT(ctx, "TXT.Example."); err != nil || len(got) != 1 || got[0] != "v=spf1 -all" {
		t.Errorf("TXT = %q, %v", got, err)
	}
	if got, err := d.LookupTXT(ctx, "long.example"); err != nil || len(got) != 1 || got[0] != long {
		t.Errorf("long TXT: %d records, %v", len(got), err)
	}
	if got, err := d.LookupTXT(ctx, "alias.example"); err != nil || len(got) != 1 || got[0] != "v=spf1 -all" {
		t.Errorf("TXT via CNAME = %q, %v", got, err)
	}
	if got, err := d.LookupMX(ctx, "mx.example"); err != nil || len(got) != 2 || got[0].Host != "a.mx.example." || got[1].Pref != 20 {
		t.Errorf("MX = %v, %v", got, err)
	}
	if got, err := d.LookupIPAddr(ctx, "host.example"); err != nil || len(got) != 2 {
		t.Errorf("IPAddr = %v, %v", got, err)
	}
	if got, err := d.LookupIPAddr(ctx, "v4only.example"); err != nil || len(got) != 1 {
		t.Errorf("IPAddr of v4-only = %v, %v", got, err)
	}
	if got, err := d.LookupAddr(ctx, "192.0.2.1"); err != nil || len(got) != 1 || got[0] != "host.example." {
		t.Errorf("PTR = %v, %v", got, err)
	}
	if got, err := d.LookupIPAddr(ctx, "例え.example"); err != nil || len(got) != 1 {
		t.Errorf("IDN name = %v, %v", got, err)
	}
	for _, name := range []string{"nx.example", "txt.example."} {
		qtype := "MX"
		_, err := d.LookupMX(ctx, name)
		if !isNotFound(err) || isTemporary(err) {
			t.Errorf("%s %s: err %v, want not found", name, qtype, err)
		}
	}
	for _, name := range []string{"bad..name", "a b.example", strings.Repeat("a", 64) + ".example", ""} {
		if _, err := d.LookupTXT(ctx, name); !isNotFound(err) {
			t.Errorf("invalid name %q: err %v, want not found", name, err)
		}
	}
	if s.TCPQueries() == 0 {
		t.Errorf("the 2000-byte TXT did not make the client retry over TCP")
	}
}

func TestDNSFailuresAreTemporary(t *testing.T) {
	s := authtest.StartDNS(t)
	s.Fail("servfail.example", dns.RcodeServerFailure)
	s.Fail("refused.example", dns.RcodeRefused)
	s.Silence("silent.example")
	d := newTestDNS(t, s, DNSConfig{})
	for _, name := range []string{"servfail.example", "refused.example", "silent.example"} {
		_, err := d.LookupTXT(context.Background(), name)
		if !isTemporary(err) || isNotFound(err) {
			t.Errorf("%s: err %v, want temporary", name, err)
		}
		var de *net.DNSError
		if _, ok := err.(*net.DNSError); !ok {
			t.Errorf("%s: error %T, want *net.DNSError (what spf, dkim and dmarc test for)", name, de)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.LookupTXT(ctx, "any.example"); !isTemporary(err) {
		t.Errorf("cancelled: err %v, want temporary", err)
	}
	// The failures were not cached: the server is asked again.
	before := s.Queries()
	d.LookupTXT(context.Background(), "servfail.example")
	if s.Queries() == before {
		t.Errorf("a SERVFAIL was cached")
	}
}

// TestDNSServerOrder: a dead first server makes the client ask the next.
func TestDNSServerOrder(t *testing.T) {
	s := authtest.StartDNS(t)
	s.TXT("x.example", "ok")
	d, err := NewDNS(DNSConfig{Servers: []string{"127.0.0.1:1", s.Addr}, Timeout: authtest.Timeout, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := d.LookupTXT(context.Background(), "x.example"); err != nil || got[0] != "ok" {
		t.Errorf("TXT = %q, %v", got, err)
	}
}

func TestDNSCache(t *testing.T) {
	s := authtest.StartDNS(t)
	s.TXT("x.example", "one")
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	d := newTestDNS(t, s, DNSConfig{CacheSize: 3, MaxTTL: time.Hour, Now: clock.now})
	ctx := context.Background()
	ask := func(name string) int64 {
		t.Helper()
		before := s.Queries()
		d.LookupTXT(ctx, name)
		return s.Queries() - before
	}
	if n := ask("x.example"); n != 1 {
		t.Fatalf("first lookup: %d queries", n)
	}
	if n := ask("X.EXAMPLE."); n != 0 {
		t.Errorf("second lookup within the TTL: %d queries, want 0 (cached)", n)
	}
	clock.add(authtest.TTL*time.Second - time.Second)
	if n := ask("x.example"); n != 0 {
		t.Errorf("just before the TTL ends: %d queries, want 0", n)
	}
	clock.add(2 * time.Second)
	if n := ask("x.example"); n != 1 {
		t.Errorf("after the TTL: %d queries, want 1", n)
	}
	// NXDOMAIN is kept for the SOA minimum (60 s), RFC 2308.
	if n := ask("nx.example"); n != 1 {
		t.Fatalf("nx: %d queries", n)
	}
	if _, err := d.LookupTXT(ctx, "nx.example"); !isNotFound(err) {
		t.Errorf("cached NXDOMAIN: err %v, want not found", err)
	}
	clock.add(61 * time.Second)
	if n := ask("nx.example"); n != 1 {
		t.Errorf("nx after 61 s: %d queries, want 1", n)
	}
	// At most 3 entries: the least recently used goes.
	for i := range 5 {
		ask(fmt.Sprintf("n%d.example", i))
	}
	if d.cache.len() != 3 {
		t.Errorf("cache holds %d entries, want 3", d.cache.len())
	}
	if n := ask("n4.example"); n != 0 {
		t.Errorf("most recent entry evicted")
	}
	if n := ask("n0.example"); n != 1 {
		t.Errorf("oldest entry kept")
	}
}

func TestDNSCacheMaxTTL(t *testing.T) {
	s := authtest.StartDNS(t)
	s.TXT("x.example", "one")
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	d := newTestDNS(t, s, DNSConfig{MaxTTL: 10 * time.Second, Now: clock.now})
	d.LookupTXT(context.Background(), "x.example")
	clock.add(11 * time.Second)
	before := s.Queries()
	d.LookupTXT(context.Background(), "x.example")
	if s.Queries() == before {
		t.Errorf("an answer outlived MaxTTL")
	}
}

func TestSystemServers(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "resolv.conf")
	os.WriteFile(conf, []byte("# test\nnameserver 192.0.2.53\nnameserver 2001:db8::53\noptions ndots:1\n"), 0o644)
	d, err := NewDNS(DNSConfig{ResolvConf: conf})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.Servers(), " "); got != "192.0.2.53:53 [2001:db8::53]:53" {
		t.Errorf("servers %q", got)
	}
	d, err = NewDNS(DNSConfig{ResolvConf: filepath.Join(dir, "missing")})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.Servers(), " "); got != "127.0.0.1:53 [::1]:53" {
		t.Errorf("servers without resolv.conf %q", got)
	}
	if _, err := NewDNS(DNSConfig{Servers: []string{"192.0.2.1"}}); err == nil {
		t.Errorf("a server without port was accepted")
	}
}

// TestSpecialUseNames: names RFC 6761 reserves are answered without a
// query: .invalid does not exist, .localhost is the loopback address.
func TestSpecialUseNames(t *testing.T) {
	s := authtest.StartDNS(t)
	s.TXT("_dmarc.example.invalid", "v=DMARC1; p=reject") // never asked
	d := newTestDNS(t, s, DNSConfig{})
	ctx := context.Background()
	for _, name := range []string{"_dmarc.example.invalid", "invalid", "Example.INVALID."} {
		if got, err := d.LookupTXT(ctx, name); !isNotFound(err) {
			t.Errorf("TXT %s = %q, %v; want not found", name, got, err)
		}
	}
	if got, err := d.LookupIPAddr(ctx, "mail.localhost"); err != nil || len(got) != 2 || !got[0].IP.IsLoopback() || !got[1].IP.IsLoopback() {
		t.Errorf("mail.localhost = %v, %v", got, err)
	}
	if _, err := d.LookupMX(ctx, "localhost"); !isNotFound(err) {
		t.Errorf("MX localhost: %v, want not found", err)
	}
	if n := s.Queries(); n != 0 {
		t.Errorf("%d queries sent for special-use names", n)
	}
}

// TestDNSGuard: a server the guard refuses is never sent a query; the
// lookup is a temporary failure, and the next server is asked.
func TestDNSGuard(t *testing.T) {
	s := authtest.StartDNS(t)
	s.TXT("example.jp", "v=spf1 -all")
	var asked []string
	guard := func(server string) error {
		asked = append(asked, server)
		if server != s.Addr {
			return fmt.Errorf("%s is not the test server", server)
		}
		return nil
	}
	d, err := NewDNS(DNSConfig{Servers: []string{"192.0.2.53:53"}, Attempts: 1, Timeout: authtest.Timeout, Guard: guard})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.LookupTXT(context.Background(), "example.jp"); !isTemporary(err) || !strings.Contains(err.Error(), "query not sent") {
		t.Errorf("refused server: %v, want a temporary error", err)
	}
	d, err = NewDNS(DNSConfig{Servers: []string{"192.0.2.53:53", s.Addr}, Attempts: 1, Timeout: authtest.Timeout, Guard: guard})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := d.LookupTXT(context.Background(), "example.jp"); err != nil || len(got) != 1 {
		t.Errorf("second server: %q, %v", got, err)
	}
	if len(asked) != 3 || s.Queries() != 1 {
		t.Errorf("guard asked for %q, %d queries sent", asked, s.Queries())
	}
}
