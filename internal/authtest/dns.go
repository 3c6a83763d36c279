// Package authtest provides what tests of sender authentication need: a
// DNS server on loopback that serves SPF, DKIM and DMARC records (and can
// fail on demand), and DKIM keys with their DNS records. It is shared by
// auth's own tests, fuzz/ and the relay's end-to-end tests.
package authtest

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TTL is the TTL of every record served, and of the SOA.
const TTL = 300

// DNSServer is an authoritative-looking server for any name, on 127.0.0.1
// over UDP and TCP on the same port. Names without records get NXDOMAIN,
// names with records of other types NODATA, both with an SOA for negative
// caching. It is safe for concurrent use.
type DNSServer struct {
	// Addr is host:port of the server, for dns.servers.
	Addr string

	mu      sync.Mutex
	records map[string][]dns.RR // by lower-case FQDN
	rcodes  map[string]int      // names answered with this rcode
	silent  map[string]bool     // names never answered
	queries atomic.Int64
	tcp     atomic.Int64
}

// StartDNS starts a server; it stops when the test ends.
func StartDNS(tb testing.TB) *DNSServer {
	tb.Helper()
	s, stop, err := ListenDNS("127.0.0.1")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(stop)
	return s
}

// ListenDNS starts a server on a free port of host, a loopback address,
// for UDP and TCP alike; stop stops it. (cmd/testdns serves the shell
// scripts' tests with it.)
func ListenDNS(host string) (s *DNSServer, stop func(), err error) {
	if err := CheckLoopback(net.JoinHostPort(host, "53")); err != nil {
		return nil, nil, err
	}
	s = &DNSServer{records: map[string][]dns.RR{}, rcodes: map[string]int{}, silent: map[string]bool{}}
	var udp net.PacketConn
	var tcp net.Listener
	for range 20 {
		udp, err = net.ListenPacket("udp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, nil, fmt.Errorf("listen udp: %w", err)
		}
		tcp, err = net.Listen("tcp", udp.LocalAddr().String())
		if err == nil {
			break
		}
		udp.Close()
		udp = nil
	}
	if udp == nil {
		return nil, nil, fmt.Errorf("no port free for both UDP and TCP")
	}
	s.Addr = udp.LocalAddr().String()
	h := dns.HandlerFunc(s.serve)
	us := &dns.Server{PacketConn: udp, Handler: h}
	ts := &dns.Server{Listener: tcp, Handler: h}
	started := make(chan struct{}, 2)
	us.NotifyStartedFunc = func() { started <- struct{}{} }
	ts.NotifyStartedFunc = func() { started <- struct{}{} }
	go us.ActivateAndServe()
	go ts.ActivateAndServe()
	<-started
	<-started
	return s, func() {
		us.Shutdown()
		ts.Shutdown()
	}, nil
}

// Add serves one record, given in RFC 1035 master-file form
// ("example.jp. 300 IN TXT \"v=spf1 -all\"").
func (s *DNSServer) Add(record string) error {
	rr, err := dns.NewRR(record)
	if err != nil {
		return err
	}
	if rr == nil {
		return fmt.Errorf("no record in %q", record)
	}
	s.add(rr)
	return nil
}

func fqdn(name string) string { return dns.Fqdn(strings.ToLower(name)) }

func (s *DNSServer) add(rr dns.RR) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := fqdn(rr.Header().Name)
	s.records[n] = append(s.records[n], rr)
}

func hdr(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: fqdn(name), Rrtype: t, Class: dns.ClassINET, Ttl: TTL}
}

// TXT adds one TXT record; a value longer than 255 bytes is split into
// strings of 255, as RFC 7208 §3.3 and RFC 6376 §3.6.2.2 expect.
func (s *DNSServer) TXT(name, value string) {
	var parts []string
	for len(value) > 255 {
		parts = append(parts, value[:255])
		value = value[255:]
	}
	parts = append(parts, value)
	s.add(&dns.TXT{Hdr: hdr(name, dns.TypeTXT), Txt: parts})
}

// A adds an A or AAAA record.
func (s *DNSServer) A(name, ip string) {
	a := net.ParseIP(ip)
	if a.To4() != nil {
		s.add(&dns.A{Hdr: hdr(name, dns.TypeA), A: a.To4()})
		return
	}
	s.add(&dns.AAAA{Hdr: hdr(name, dns.TypeAAAA), AAAA: a})
}

// MX adds an MX record.
func (s *DNSServer) MX(name, host string, pref uint16) {
	s.add(&dns.MX{Hdr: hdr(name, dns.TypeMX), Mx: fqdn(host), Preference: pref})
}

// CNAME makes name an alias of target.
func (s *DNSServer) CNAME(name, target string) {
	s.add(&dns.CNAME{Hdr: hdr(name, dns.TypeCNAME), Target: fqdn(target)})
}

// PTR adds the reverse record of ip.
func (s *DNSServer) PTR(ip, host string) {
	arpa, err := dns.ReverseAddr(ip)
	if err != nil {
		panic(err)
	}
	s.add(&dns.PTR{Hdr: hdr(arpa, dns.TypePTR), Ptr: fqdn(host)})
}

// Fail answers every question about name with rcode (dns.RcodeServerFailure,
// dns.RcodeRefused, ...).
func (s *DNSServer) Fail(name string, rcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rcodes[fqdn(name)] = rcode
}

// Silence makes the server ignore questions about name: the client times out.
func (s *DNSServer) Silence(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.silent[fqdn(name)] = true
}

// Queries returns how many questions were answered (or ignored) so far;
// TCPQueries how many of them came over TCP.
func (s *DNSServer) Queries() int64    { return s.queries.Load() }
func (s *DNSServer) TCPQueries() int64 { return s.tcp.Load() }

func (s *DNSServer) serve(w dns.ResponseWriter, req *dns.Msg) {
	s.queries.Add(1)
	tcp := w.LocalAddr().Network() == "tcp"
	if tcp {
		s.tcp.Add(1)
	}
	if len(req.Question) != 1 {
		m := new(dns.Msg)
		m.SetRcode(req, dns.RcodeFormatError)
		w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	s.mu.Lock()
	silent, rcode, hasRcode := s.silent[name], 0, false
	if !silent {
		rcode, hasRcode = s.rcodes[name]
	}
	var answer []dns.RR
	exists := false
	for n := name; ; {
		rrs := s.records[n]
		exists = exists || len(rrs) > 0
		next := ""
		for _, rr := range rrs {
			switch {
			case rr.Header().Rrtype == q.Qtype:
				answer = append(answer, rr)
			case rr.Header().Rrtype == dns.TypeCNAME:
				answer = append(answer, rr)
				next = rr.(*dns.CNAME).Target
			}
		}
		if next == "" || len(answer) > 10 {
			break
		}
		n = next
	}
	s.mu.Unlock()
	if silent {
		return
	}
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	m.RecursionAvailable = true
	switch {
	case hasRcode:
		m.Rcode = rcode
	case len(answer) > 0:
		m.Answer = answer
	default:
		if !exists {
			m.Rcode = dns.RcodeNameError
		}
		m.Ns = []dns.RR{&dns.SOA{Hdr: hdr("test.", dns.TypeSOA), Ns: "ns.test.", Mbox: "hostmaster.test.",
			Serial: 1, Refresh: 3600, Retry: 600, Expire: 86400, Minttl: 60}}
	}
	size := dns.MinMsgSize
	if opt := req.IsEdns0(); opt != nil {
		size = int(opt.UDPSize())
		m.SetEdns0(opt.UDPSize(), false)
	}
	if !tcp {
		m.Truncate(size)
	}
	w.WriteMsg(m)
}

// Timeout is a query timeout short enough for tests of silent servers.
const Timeout = 200 * time.Millisecond

// NoDNS is a resolver without a network: every name exists with no
// records. Fuzz targets use it to check parsing alone, fast.
type NoDNS struct{}

func noRecord(name string) error {
	return &net.DNSError{Err: "no such record", Name: name, IsNotFound: true}
}

func (NoDNS) LookupTXT(_ context.Context, name string) ([]string, error) { return nil, noRecord(name) }
func (NoDNS) LookupMX(_ context.Context, name string) ([]*net.MX, error) { return nil, noRecord(name) }
func (NoDNS) LookupIPAddr(_ context.Context, name string) ([]net.IPAddr, error) {
	return nil, noRecord(name)
}
func (NoDNS) LookupAddr(_ context.Context, addr string) ([]string, error) { return nil, noRecord(addr) }

// LoopbackOnly is a DNS guard for tests (auth.DNSConfig.Guard,
// gateway.DNS.Guard): it fails the test, and keeps the query from being
// sent, when a server is not on loopback. With sender authentication on
// by default, a test whose configuration forgot dns.servers would
// otherwise ask the machine's resolver about the test's domains.
func LoopbackOnly(tb testing.TB) func(server string) error {
	return func(server string) error {
		if err := CheckLoopback(server); err != nil {
			tb.Errorf("DNS query refused: %v (point dns.servers at an authtest server on loopback, or set auth.enabled: false)", err)
			return err
		}
		return nil
	}
}

// CheckLoopback returns an error unless server (host:port) is an IP
// address on loopback (127.0.0.0/8, ::1).
func CheckLoopback(server string) error {
	host, _, err := net.SplitHostPort(server)
	if err != nil {
		return fmt.Errorf("DNS server %q: %v", server, err)
	}
	if ip, err := netip.ParseAddr(host); err != nil || !ip.Unmap().IsLoopback() {
		return fmt.Errorf("DNS server %s is not on loopback", server)
	}
	return nil
}
