package smtpd

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/pires/go-proxyproto"
)

// readProxyHeader reads the PROXY protocol header (v1 or v2, with
// github.com/pires/go-proxyproto) a load balancer sends before anything
// else, within timeout. It returns the connection to go on with (what
// followed the header included) and the client the header names; that is
// invalid for a LOCAL header (v2) or an UNKNOWN one (v1), which the load
// balancer sends for a connection of its own, such as a health check: the
// client is then the load balancer itself.
//
// A load balancer must send the header (the protocol spec: a receiver
// "MUST not try to guess whether the protocol header is present or
// not"), so a connection without one is refused; the client it carries
// was never identified.
func readProxyHeader(c net.Conn, timeout time.Duration) (net.Conn, netip.AddrPort, error) {
	pc := proxyproto.NewConn(c, proxyproto.WithPolicy(proxyproto.REQUIRE), proxyproto.SetReadHeaderTimeout(timeout))
	// A read of nothing makes go-proxyproto read the header; the bytes
	// after it stay buffered in pc.
	if _, err := pc.Read(nil); err != nil {
		return nil, netip.AddrPort{}, fmt.Errorf("PROXY header: %w", err)
	}
	h := pc.ProxyHeader()
	if h == nil {
		return nil, netip.AddrPort{}, errors.New("PROXY header: none")
	}
	conn := proxiedConn{pc}
	if h.Command.IsLocal() {
		return conn, netip.AddrPort{}, nil
	}
	src, _, ok := h.TCPAddrs()
	if !ok {
		return conn, netip.AddrPort{}, nil // UNKNOWN, or not TCP
	}
	ap := src.AddrPort()
	if !ap.Addr().IsValid() {
		return nil, netip.AddrPort{}, errors.New("PROXY header: no source address")
	}
	return conn, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}

// proxiedConn is a connection after its PROXY header. It keeps the TCP
// half-close that sessionConn's lingering close needs.
type proxiedConn struct{ *proxyproto.Conn }

func (c proxiedConn) CloseWrite() error {
	if tc, ok := c.TCPConn(); ok {
		return tc.CloseWrite()
	}
	return errors.ErrUnsupported
}
