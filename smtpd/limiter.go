package smtpd

import (
	"net/netip"
	"sync"
)

// connCounter counts open connections in total and per client address;
// go-smtp has no connection limit of its own.
type connCounter struct {
	mu    sync.Mutex
	total int
	perIP map[netip.Addr]int
}

// acquire counts a new connection from ip unless that would exceed
// maxTotal or maxPerIP, or take one of the last reserved slots for an
// address that already holds a connection. release must be called
// exactly once when the connection ends.
func (c *connCounter) acquire(ip netip.Addr, maxTotal, maxPerIP, reserved int) (release func(), ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	held := c.perIP[ip]
	if c.total >= maxTotal || held >= maxPerIP || (c.total >= maxTotal-reserved && held > 0) {
		return nil, false
	}
	if c.perIP == nil {
		c.perIP = make(map[netip.Addr]int)
	}
	c.total++
	c.perIP[ip]++
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.total--
		if c.perIP[ip]--; c.perIP[ip] <= 0 {
			delete(c.perIP, ip) // keep the map as small as the live set
		}
	}, true
}
