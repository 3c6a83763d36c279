package smtpd_test

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pires/go-proxyproto"

	"github.com/mugai/mugai/smtpd"
)

// startBehindProxy runs a server with 127.0.0.1 as its load balancer and
// 192.0.2.0/24 among the relay networks.
func startBehindProxy(t *testing.T, lb string, edit func(cfg *smtpd.Config)) (*harness, envelopes) {
	return startForwarding(t, "192.0.2.10/32", func(h *harness, cfg *smtpd.Config) {
		cfg.Networks = append(cfg.Networks, netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8::/32"))
		cfg.ProxyNetworks = []netip.Prefix{netip.MustParsePrefix(lb)}
		cfg.ProxyHeaderTimeout = 300 * time.Millisecond
		if edit != nil {
			edit(cfg)
		}
	})
}

// proxyHeader is the PROXY header version v for a connection from src.
func proxyHeader(t *testing.T, v byte, src string) string {
	t.Helper()
	dst := &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 25}
	if strings.Contains(src, ":") {
		dst.IP = net.ParseIP("2001:db8::25")
	}
	b, err := proxyproto.HeaderProxyFromAddrs(v, &net.TCPAddr{IP: net.ParseIP(src), Port: 40001}, dst).Format()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dialProxied connects, sends header first, and reads the greeting.
func (h *harness) dialProxied(header string) (*client, int, string) {
	h.t.Helper()
	conn, err := netDial(h.addr)
	if err != nil {
		h.t.Fatal(err)
	}
	c := newClient(h.t, conn)
	c.raw(header)
	code, msg := c.reply()
	return c, code, msg
}

func TestProxyProtocolFromLoadBalancer(t *testing.T) {
	for _, tc := range []struct {
		name, src, literal string
		version            byte
	}{
		{"v1", "192.0.2.10", "[192.0.2.10]", 1},
		{"v2", "192.0.2.10", "[192.0.2.10]", 2},
		{"v2 IPv6", "2001:db8::10", "[IPv6:2001:db8::10]", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, envs := startBehindProxy(t, "127.0.0.1/32", nil)
			c, code, msg := h.dialProxied(proxyHeader(t, tc.version, tc.src))
			if code != 220 {
				t.Fatalf("greeting %d %s", code, msg)
			}
			ehlo := c.expect(250, "EHLO mx.example.org")
			// The forwarder is 192.0.2.10, the named client, not the balancer.
			if got := strings.Contains(ehlo, "XFORWARD"); got != (tc.src == "192.0.2.10") {
				t.Errorf("XFORWARD advertised: %v\n%s", got, ehlo)
			}
			if code, msg := c.sendMail("alice@example.org", []string{"bob@example.jp"}, simpleBody); code != 250 {
				t.Fatalf("message: %d %s", code, msg)
			}
			env := envs.next(t)
			if env.Client != netip.AddrPortFrom(netip.MustParseAddr(tc.src), 40001) || env.Proxy.Addr() != netip.MustParseAddr("127.0.0.1") {
				t.Errorf("Client %s, Proxy %s", env.Client, env.Proxy)
			}
			if o := env.Origin(); o.Via != smtpd.ViaProxy || o.Addr != netip.MustParseAddr(tc.src) || o.Helo != "mx.example.org" {
				t.Errorf("Origin() = %+v", o)
			}
			msgs := h.hop.WaitMessages(1, 5*time.Second)
			if !strings.Contains(string(msgs[0].Data), "Received: from mx.example.org ("+tc.literal+")\r\n\t(proxied by [127.0.0.1])\r\n\tby mugai.test") {
				t.Errorf("Received: header:\n%.400s", msgs[0].Data)
			}
			if logs := h.logs.String(); !strings.Contains(logs, `"proxy":"127.0.0.1:`) {
				t.Errorf("log lacks the proxy:\n%s", logs)
			}
		})
	}
}

func TestProxyProtocolPolicyOnNamedClient(t *testing.T) {
	h, _ := startBehindProxy(t, "127.0.0.1/32", nil)
	// Relay networks apply to the client the header names.
	c, code, msg := h.dialProxied(proxyHeader(t, 2, "198.51.100.1"))
	if code != 554 || !strings.HasPrefix(msg, "5.7.1 ") {
		t.Fatalf("client outside relay networks via the balancer: %d %s, want 554 5.7.1", code, msg)
	}
	c.wantClosed()
	// A LOCAL header (the balancer's own health check) is the balancer.
	local := &proxyproto.Header{Version: 2, Command: proxyproto.LOCAL, TransportProtocol: proxyproto.UNSPEC}
	b, err := local.Format()
	if err != nil {
		t.Fatal(err)
	}
	c, code, msg = h.dialProxied(string(b))
	if code != 220 {
		t.Fatalf("LOCAL header: %d %s", code, msg)
	}
	c.expect(221, "QUIT")
}

func TestProxyProtocolMissingFromLoadBalancer(t *testing.T) {
	h, _ := startBehindProxy(t, "127.0.0.1/32", nil)
	// Nothing sent: the header's time runs out.
	c, code, msg := h.dial()
	if code != 421 || !strings.HasPrefix(msg, "4.3.5 ") {
		t.Fatalf("no header: %d %s, want 421 4.3.5", code, msg)
	}
	c.wantClosed()
	// SMTP instead of a header; a broken header.
	for _, first := range []string{"EHLO client.test\r\n", "PROXY TCP4 192.0.2.10\r\n", "PROXY TCP4 192.0.2.300 127.0.0.1 1 25\r\n"} {
		c, code, msg := h.dialProxied(first)
		if code != 421 || !strings.HasPrefix(msg, "4.3.5 ") {
			t.Errorf("%q: %d %s, want 421 4.3.5", first, code, msg)
		}
		c.wantClosed()
	}
}

func TestProxyProtocolFromElsewhere(t *testing.T) {
	// The balancer is 127.0.0.2; the test dials from 127.0.0.1.
	h, envs := startBehindProxy(t, "127.0.0.2/32", nil)
	for _, v := range []byte{1, 2} {
		c, code, _ := h.dial()
		if code != 220 {
			t.Fatalf("greeting %d", code)
		}
		c.raw(proxyHeader(t, v, "192.0.2.10") + "EHLO client.test\r\n")
		if code, msg := c.reply(); code != 554 || !strings.HasPrefix(msg, "5.7.1 ") {
			t.Errorf("v%d header from a non-balancer: %d %s, want 554 5.7.1", v, code, msg)
		}
		c.wantClosed()
	}
	// Without the header the client is served as itself.
	c := h.session()
	if code, msg := c.sendMail("alice@example.org", []string{"bob@example.jp"}, simpleBody); code != 250 {
		t.Fatalf("message: %d %s", code, msg)
	}
	if env := envs.next(t); env.Proxy.IsValid() || env.Client.Addr() != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("Client %s, Proxy %s", env.Client, env.Proxy)
	}
	// And no balancer configured at all: still refused.
	h2, _ := startForwarding(t, "", nil)
	c, _, _ = h2.dial()
	c.raw(proxyHeader(t, 1, "192.0.2.10"))
	if code, _ := c.reply(); code != 554 {
		t.Errorf("header with no balancer configured: %d, want 554", code)
	}
}
