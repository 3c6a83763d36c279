package smtpd

import (
	"io"
	"net"
	"sync"
	"time"
)

// sessionConn is the net.Conn go-smtp serves. It exists because go-smtp's
// own timeouts do not fit (server.go, conn.go readLine): ReadTimeout is
// set once per command and once for the whole DATA phase, so a slow but
// live sender of a large message would be cut, and there is no bound on a
// session's lifetime. Here every Read gets a fresh idle deadline
// (CommandTimeout, or DataTimeout while a message is read), never later
// than the session's end. Being below go-smtp, it also works under
// STARTTLS: the tls.Conn go-smtp builds reads through it.
//
// It also carries the two ways this package ends a connection without
// racing go-smtp's writes: hangUp makes the next Read return io.EOF (after
// we answered 421 ourselves, go-smtp closes quietly on EOF), and drain
// interrupts a connection that waits idle for a command (go-smtp answers
// the timeout with 421 4.4.2 and closes).
type sessionConn struct {
	net.Conn
	end                         time.Time
	commandTimeout, dataTimeout time.Duration
	onClose                     func()
	closeOnce                   sync.Once

	mu       sync.Mutex
	inData   bool // reading a message: DataTimeout applies
	busy     bool // in a transaction: Shutdown lets it finish
	draining bool // Shutdown started
	hungUp   bool // we said 421: the next Read is EOF
	closed   bool // Close was called: reads are the linger's alone
}

func newSessionConn(c net.Conn, cfg *Config, onClose func()) *sessionConn {
	return &sessionConn{
		Conn:           c,
		end:            time.Now().Add(cfg.SessionTime),
		commandTimeout: cfg.CommandTimeout,
		dataTimeout:    cfg.DataTimeout,
		onClose:        onClose,
	}
}

func (c *sessionConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return 0, net.ErrClosed
	}
	if c.hungUp {
		c.mu.Unlock()
		return 0, io.EOF
	}
	idle := c.commandTimeout
	if c.inData {
		idle = c.dataTimeout
	}
	deadline := time.Now().Add(idle)
	if deadline.After(c.end) {
		deadline = c.end
	}
	if c.draining && !c.busy {
		deadline = time.Unix(1, 0) // in the past: fail now
	}
	// Set under mu so drain cannot slip its past deadline in before ours
	// and have it overwritten.
	err := c.Conn.SetReadDeadline(deadline)
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

// Write gets an idle deadline too: a client that stops reading must not
// hold the connection. It is not capped by the session's end, so the
// reply to a message finished just in time can still be sent.
func (c *sessionConn) Write(p []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.commandTimeout)); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

// Bounds of the lingering close: how long and how much of what a client
// still sends after our last reply is read and thrown away.
const (
	lingerTime  = time.Second
	lingerBytes = 64 << 10
)

// Close ends the connection and reports the end once, however many times
// it is called (go-smtp may close twice after a panic).
//
// The last reply must reach the client: go-smtp's "500 5.4.0 Too long
// line, closing connection", our 421s. Closing a TCP socket that still has
// unread input makes the kernel answer with a reset (RFC 1122 §4.2.2.13),
// and a reset can destroy that reply in the client's receive buffer before
// the client reads it — a pipelining client then sees only "connection
// reset" and cannot log why. So, as HTTP servers do, the write side is
// shut first (the client reads the reply and then end of stream) and
// whatever it still sends is read and discarded for at most lingerTime
// and lingerBytes in the background, before the socket is closed. The
// session's resources are released at once.
func (c *sessionConn) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil &&
			c.Conn.SetReadDeadline(time.Now().Add(lingerTime)) == nil {
			go c.linger()
		} else {
			c.Conn.Close()
		}
		c.onClose()
	})
	return nil
}

// linger drains the client's remaining input (see Close), then closes.
func (c *sessionConn) linger() {
	io.CopyN(io.Discard, c.Conn, lingerBytes)
	c.Conn.Close()
}

func (c *sessionConn) setData(on bool) {
	c.mu.Lock()
	c.inData = on
	c.mu.Unlock()
}

func (c *sessionConn) setBusy(on bool) {
	c.mu.Lock()
	c.busy = on
	c.mu.Unlock()
}

// drain asks an idle connection to end now and a busy one to end after
// its transaction.
func (c *sessionConn) drain() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.draining = true
	if !c.busy {
		c.Conn.SetReadDeadline(time.Unix(1, 0)) // wake a blocked Read
	}
}

func (c *sessionConn) isDraining() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.draining
}

// hangUp makes the connection end after the reply being sent now.
func (c *sessionConn) hangUp() {
	c.mu.Lock()
	c.hungUp = true
	c.mu.Unlock()
}

func (c *sessionConn) isHungUp() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hungUp
}
