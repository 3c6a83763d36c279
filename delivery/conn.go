package delivery

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// errCanceled is returned by a hopConn whose context ended.
var errCanceled = errors.New("delivery canceled")

// hopConn is the connection to the next hop. go-smtp's client sets a
// deadline per command and for the reply after the final dot, but none
// while the message is written (client.go: DataCommand writes straight to
// the connection), so a next hop that stops reading would block us
// forever. Here each Write gets a fresh deadline: a slow but live next hop
// is fine, a stalled one fails after writeTimeout. go-smtp's client also
// takes no context; watch ties one to the connection.
type hopConn struct {
	net.Conn
	writeTimeout time.Duration

	mu   sync.Mutex
	dead bool // the context ended: every operation fails from now on
}

func (c *hopConn) Read(p []byte) (int, error) {
	if c.isDead() {
		return 0, errCanceled
	}
	return c.Conn.Read(p)
}

func (c *hopConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.dead {
		c.mu.Unlock()
		return 0, errCanceled
	}
	err := c.Conn.SetWriteDeadline(time.Now().Add(c.writeTimeout))
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

// The deadline setters keep a killed connection's deadline in the past:
// go-smtp resets deadlines after each command (SetDeadline(time.Time{})).
func (c *hopConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Conn.SetDeadline(c.effective(t))
}

func (c *hopConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Conn.SetReadDeadline(c.effective(t))
}

func (c *hopConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Conn.SetWriteDeadline(c.effective(t))
}

// effective is t, or the past once the connection is dead; call with mu.
func (c *hopConn) effective(t time.Time) time.Time {
	if c.dead {
		return time.Unix(1, 0)
	}
	return t
}

func (c *hopConn) isDead() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dead
}

// kill fails the operation in progress and every later one.
func (c *hopConn) kill() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dead = true
	c.Conn.SetDeadline(time.Unix(1, 0))
}

// watch kills the connection when ctx ends, until the returned stop is
// called.
func (c *hopConn) watch(ctx context.Context) (stop func() bool) {
	return context.AfterFunc(ctx, c.kill)
}

// greetConn gives go-smtp's client, started on a connection just after
// STARTTLS, the greeting it insists on reading first: in the TLS session
// the server sends none (RFC 3207 §4.2), and go-smtp has no exported way
// to start a client there. The client then sends the EHLO the new session
// needs.
type greetConn struct {
	net.Conn
	pending []byte
}

func (g *greetConn) Read(p []byte) (int, error) {
	if len(g.pending) > 0 {
		n := copy(p, g.pending)
		g.pending = g.pending[n:]
		return n, nil
	}
	return g.Conn.Read(p)
}
