package auth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/net/idna"
)

// Resolver answers the DNS questions of SPF, DKIM and DMARC. Its method set
// is blitiri.com.ar/go/spf's DNSResolver (and *net.Resolver's), so one
// value serves all three checks. Errors must be *net.DNSError: IsNotFound
// for NXDOMAIN or no records of the type (which the checks read as "no
// record"), IsTemporary or IsTimeout for anything that might succeed
// later (which they read as temperror, never as a pass or "no record").
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

// DNSConfig configures DNS; the zero value of each field takes the default
// given.
type DNSConfig struct {
	// Servers are recursive resolvers as host:port, tried in order. Empty:
	// the nameservers of ResolvConf, as the system resolver uses.
	Servers []string
	// ResolvConf is read when Servers is empty (default /etc/resolv.conf;
	// when it is missing or lists none, 127.0.0.1:53 and [::1]:53, as Go's
	// and glibc's resolvers do).
	ResolvConf string
	// Timeout bounds one query to one server (default 2s).
	Timeout time.Duration
	// Attempts is how many times the list of servers is tried (default 2).
	Attempts int
	// CacheSize is the most answers kept (default 10000; negative: no
	// cache). An answer is kept for its TTL, at most MaxTTL (default 1h);
	// NXDOMAIN and NODATA for the SOA minimum (RFC 2308 §5); failures are
	// never kept.
	CacheSize int
	MaxTTL    time.Duration
	// Now is the clock of the cache (default time.Now).
	Now func() time.Time
	// Guard, when set, is asked before each query to a server; an error
	// keeps the query from being sent (the server counts as not
	// answering: a temperror). mugai's tests use it to make sure no query
	// leaves loopback.
	Guard func(server string) error
}

// DNS is a Resolver that queries recursive servers with miekg/dns and
// caches the answers. It is safe for concurrent use.
type DNS struct {
	servers  []string
	timeout  time.Duration
	attempts int
	cache    *dnsCache // nil: no cache
	guard    func(server string) error
}

// ednsSize is the UDP payload size we announce (RFC 6891), the value of
// the DNS flag day 2020: large enough for DKIM keys and SPF records, small
// enough not to fragment. Larger answers come back truncated and are
// asked again over TCP (RFC 7766).
const ednsSize = 1232

// maxCNAMEs bounds how long a CNAME chain in one answer is followed.
const maxCNAMEs = 8

// NewDNS returns a DNS resolver for cfg.
func NewDNS(cfg DNSConfig) (*DNS, error) {
	d := &DNS{servers: cfg.Servers, timeout: cfg.Timeout, attempts: cfg.Attempts, guard: cfg.Guard}
	if d.timeout <= 0 {
		d.timeout = 2 * time.Second
	}
	if d.attempts <= 0 {
		d.attempts = 2
	}
	if len(d.servers) == 0 {
		d.servers = systemServers(cfg.ResolvConf)
	}
	for _, s := range d.servers {
		if _, _, err := net.SplitHostPort(s); err != nil {
			return nil, fmt.Errorf("dns server %q: want host:port", s)
		}
	}
	size := cfg.CacheSize
	if size == 0 {
		size = 10000
	}
	if size > 0 {
		maxTTL := cfg.MaxTTL
		if maxTTL <= 0 {
			maxTTL = time.Hour
		}
		now := cfg.Now
		if now == nil {
			now = time.Now
		}
		d.cache = newDNSCache(size, maxTTL, now)
	}
	return d, nil
}

// Servers returns the servers queried, in order.
func (d *DNS) Servers() []string { return slices.Clone(d.servers) }

// systemServers reads the nameservers of a resolv.conf.
func systemServers(path string) []string {
	if path == "" {
		path = "/etc/resolv.conf"
	}
	conf, err := dns.ClientConfigFromFile(path)
	if err != nil || len(conf.Servers) == 0 {
		return []string{"127.0.0.1:53", "[::1]:53"}
	}
	out := make([]string, len(conf.Servers))
	for i, s := range conf.Servers {
		out[i] = net.JoinHostPort(s, conf.Port)
	}
	return out
}

// LookupTXT returns the TXT records of name, the strings of each record
// joined, as net.LookupTXT does (RFC 7208 §3.3, RFC 6376 §3.6.2.2).
func (d *DNS) LookupTXT(ctx context.Context, name string) ([]string, error) {
	rrs, err := d.lookup(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		out = append(out, strings.Join(rr.(*dns.TXT).Txt, ""))
	}
	return out, nil
}

// LookupMX returns the MX records of name, by preference.
func (d *DNS) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	rrs, err := d.lookup(ctx, name, dns.TypeMX)
	if err != nil {
		return nil, err
	}
	out := make([]*net.MX, 0, len(rrs))
	for _, rr := range rrs {
		mx := rr.(*dns.MX)
		out = append(out, &net.MX{Host: mx.Mx, Pref: mx.Preference})
	}
	slices.SortStableFunc(out, func(a, b *net.MX) int { return int(a.Pref) - int(b.Pref) })
	return out, nil
}

// LookupIPAddr returns the A and AAAA records of host. It is NotFound only
// when both are, and a temporary error when either lookup failed: a
// missing address could turn an SPF match into a wrong fail.
func (d *DNS) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	var out []net.IPAddr
	var firstErr error
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		rrs, err := d.lookup(ctx, host, t)
		if err != nil {
			if !isNotFound(err) {
				return nil, err
			}
			firstErr = err
			continue
		}
		for _, rr := range rrs {
			switch rr := rr.(type) {
			case *dns.A:
				out = append(out, net.IPAddr{IP: rr.A})
			case *dns.AAAA:
				out = append(out, net.IPAddr{IP: rr.AAAA})
			}
		}
	}
	if len(out) == 0 {
		return nil, firstErr
	}
	return out, nil
}

// LookupAddr returns the PTR names of an address.
func (d *DNS) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return nil, &net.DNSError{Err: "not an IP address", Name: addr, IsNotFound: true}
	}
	arpa, err := dns.ReverseAddr(ip.Unmap().String())
	if err != nil {
		return nil, &net.DNSError{Err: err.Error(), Name: addr, IsNotFound: true}
	}
	rrs, err := d.lookup(ctx, arpa, dns.TypePTR)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		out = append(out, rr.(*dns.PTR).Ptr)
	}
	return out, nil
}

func isNotFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

func isTemporary(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && (de.IsTemporary || de.IsTimeout)
}

// queryName turns a name into the fully qualified, lower-case ASCII form
// asked on the wire. An internationalized name (an SMTPUTF8 domain) is
// converted to its A-labels (RFC 5890). A name that cannot exist is
// reported as not found, which is what the DNS would answer.
func queryName(name string) (string, error) {
	n := strings.ToLower(strings.TrimSuffix(name, "."))
	if !isASCII(n) {
		// Label by label: IDNA rejects the underscore of _dmarc and
		// _domainkey, which are not host names.
		labels := strings.Split(n, ".")
		for i, l := range labels {
			if isASCII(l) {
				continue
			}
			a, err := idna.Lookup.ToASCII(l)
			if err != nil {
				return "", &net.DNSError{Err: "invalid domain name", Name: name, IsNotFound: true}
			}
			labels[i] = a
		}
		n = strings.Join(labels, ".")
	}
	// miekg/dns would write these in escaped presentation form, which is
	// not a name a mail domain, selector or SPF macro expansion needs.
	if _, ok := dns.IsDomainName(n); !ok || n == "" || len(n) > 253 || strings.ContainsAny(n, " \\\"();@$") || hasControl(n) {
		return "", &net.DNSError{Err: "invalid domain name", Name: name, IsNotFound: true}
	}
	return dns.Fqdn(n), nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// lookup answers one question from the cache or the servers.
func (d *DNS) lookup(ctx context.Context, name string, qtype uint16) ([]dns.RR, error) {
	q, err := queryName(name)
	if err != nil {
		return nil, err
	}
	if rrs, ok := specialName(q, qtype); ok {
		if len(rrs) == 0 {
			return nil, notFoundError(q)
		}
		return rrs, nil
	}
	key := cacheKey{name: q, qtype: qtype}
	if d.cache != nil {
		if e, ok := d.cache.get(key); ok {
			if e.notFound {
				return nil, notFoundError(q)
			}
			return e.rrs, nil
		}
	}
	a, err := d.exchange(ctx, q, qtype)
	if err != nil {
		return nil, err
	}
	if d.cache != nil && a.ttl > 0 {
		d.cache.put(key, cacheEntry{rrs: a.rrs, notFound: len(a.rrs) == 0}, a.ttl)
	}
	if len(a.rrs) == 0 {
		return nil, notFoundError(q)
	}
	return a.rrs, nil
}

// specialName answers for the special-use names RFC 6761 asks resolver
// libraries to answer themselves, without a query: anything under
// "invalid." does not exist (§6.4), names under "localhost." are the
// loopback address and have no other records (§6.3). A sender can write
// such names; no query about them leaves the host. ok is false for any
// other name; rrs is empty for a name without records of the type.
func specialName(q string, qtype uint16) (rrs []dns.RR, ok bool) {
	switch {
	case q == "invalid." || strings.HasSuffix(q, ".invalid."):
		return nil, true
	case q == "localhost." || strings.HasSuffix(q, ".localhost."):
		h := dns.RR_Header{Name: q, Rrtype: qtype, Class: dns.ClassINET}
		switch qtype {
		case dns.TypeA:
			return []dns.RR{&dns.A{Hdr: h, A: net.IPv4(127, 0, 0, 1)}}, true
		case dns.TypeAAAA:
			return []dns.RR{&dns.AAAA{Hdr: h, AAAA: net.IPv6loopback}}, true
		}
		return nil, true
	}
	return nil, false
}

func notFoundError(name string) error {
	return &net.DNSError{Err: "no such record", Name: strings.TrimSuffix(name, "."), IsNotFound: true}
}

// answer is what one definite reply said: the records of the type asked
// (none for NXDOMAIN or NODATA) and how long that may be kept.
type answer struct {
	rrs []dns.RR
	ttl time.Duration
}

// exchange asks the servers in turn, Attempts rounds, until one gives a
// definite answer. Every failure is temporary: it says nothing about the
// name.
func (d *DNS) exchange(ctx context.Context, q string, qtype uint16) (answer, error) {
	var last error
	for range d.attempts {
		for _, server := range d.servers {
			if err := ctx.Err(); err != nil {
				return answer{}, &net.DNSError{Err: "lookup abandoned: " + err.Error(), Name: q, IsTimeout: true, IsTemporary: true}
			}
			if d.guard != nil {
				if err := d.guard(server); err != nil {
					last = &net.DNSError{Err: "query not sent: " + err.Error(), Name: q, Server: server, IsTemporary: true}
					continue
				}
			}
			a, err := d.exchangeOne(ctx, server, q, qtype)
			if err == nil {
				return a, nil
			}
			last = err
		}
	}
	return answer{}, last
}

// exchangeOne asks one server, over UDP and then over TCP when the reply
// was truncated.
func (d *DNS) exchangeOne(ctx context.Context, server, q string, qtype uint16) (answer, error) {
	m := new(dns.Msg)
	m.SetQuestion(q, qtype)
	m.RecursionDesired = true
	m.SetEdns0(ednsSize, false)
	temp := func(why string, timeout bool) error {
		return &net.DNSError{Err: why, Name: strings.TrimSuffix(q, "."), IsTemporary: true, IsTimeout: timeout}
	}
	var r *dns.Msg
	for _, network := range []string{"udp", "tcp"} {
		c := &dns.Client{Net: network, Timeout: d.timeout, UDPSize: ednsSize}
		var err error
		r, _, err = c.ExchangeContext(ctx, m, server)
		if err != nil {
			var ne net.Error
			timeout := errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded)
			return answer{}, temp("server did not answer", timeout)
		}
		if !r.Truncated {
			break
		}
	}
	if r.Truncated {
		return answer{}, temp("truncated reply over TCP", false)
	}
	if len(r.Question) != 1 || !strings.EqualFold(r.Question[0].Name, q) || r.Question[0].Qtype != qtype {
		return answer{}, temp("reply to another question", false)
	}
	switch r.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return answer{ttl: negativeTTL(r)}, nil
	default:
		// SERVFAIL, REFUSED, FORMERR...: the server could not answer.
		return answer{}, temp("server answered "+dns.RcodeToString[r.Rcode], false)
	}
	rrs, ttl := follow(r.Answer, q, qtype)
	if len(rrs) == 0 {
		return answer{ttl: negativeTTL(r)}, nil
	}
	return answer{rrs: rrs, ttl: ttl}, nil
}

// follow picks the records of type qtype for name out of an answer
// section, following a CNAME chain (RFC 1034 §3.6.2) as a recursive server
// returns it; ttl is the smallest TTL on the way.
func follow(section []dns.RR, name string, qtype uint16) (rrs []dns.RR, ttl time.Duration) {
	minTTL := uint32(1<<32 - 1)
	for range maxCNAMEs {
		next := ""
		for _, rr := range section {
			h := rr.Header()
			if !strings.EqualFold(h.Name, name) {
				continue
			}
			switch {
			case h.Rrtype == qtype:
				rrs = append(rrs, rr)
				minTTL = min(minTTL, h.Ttl)
			case h.Rrtype == dns.TypeCNAME && next == "":
				next = rr.(*dns.CNAME).Target
				minTTL = min(minTTL, h.Ttl)
			}
		}
		if len(rrs) > 0 || next == "" {
			break
		}
		name = next
	}
	if len(rrs) == 0 {
		return nil, 0
	}
	return rrs, time.Duration(minTTL) * time.Second
}

// negativeTTL is how long NXDOMAIN or NODATA may be kept: the smaller of
// the SOA's TTL and its MINIMUM field (RFC 2308 §5), 0 without an SOA.
func negativeTTL(r *dns.Msg) time.Duration {
	for _, rr := range r.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			return time.Duration(min(soa.Hdr.Ttl, soa.Minttl)) * time.Second
		}
	}
	return 0
}
