package smtpd

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// sessionConn is the net.Conn go-smtp serves. It exists because go-smtp's
// own timeouts do not fit (server.go, conn.go readLine): ReadTimeout is
// set once per command and once for the whole DATA phase, so a slow but
// live sender of a large message would be cut, and there is no bound on a
// session's lifetime. Being below go-smtp, it also works under STARTTLS:
// the tls.Conn go-smtp builds reads through it.
//
// Its read deadlines are totals, not pauses between reads (Postfix's
// smtpd_per_request_deadline), because a pause-based timeout is reset by
// every byte: a client sending one byte every few seconds would hold a
// connection slot until SessionTime, and a few hundred of them would lock
// every other sender out.
//
//   - Commands: each reply we write gives the client CommandTimeout to
//     send its next command line, whole. (go-smtp answers every command
//     before it reads the next one, so a write is where a request ends.)
//   - Message data (setData): the deadline starts DataTimeout away and
//     each byte read moves it on by 1/MinDataRate seconds, never beyond
//     DataTimeout from now: the time allowed grows with the size sent.
//     (The bytes counted are those on the wire, TLS records included.)
//
// Every deadline is capped by the session's end.
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
	minDataRate                 int64 // bytes per second
	onClose                     func()
	closeOnce                   sync.Once

	mu           sync.Mutex
	cmdDeadline  time.Time // for the command line being read
	dataDeadline time.Time // for the message being read
	inData       bool      // reading a message: dataDeadline applies
	busy         bool      // in a transaction: Shutdown lets it finish
	draining     bool      // Shutdown started
	hungUp       bool      // we said 421: the next Read is EOF
	closed       bool      // Close was called: reads are the linger's alone
	timedOut     error     // a read deadline passed: every later Read fails
}

func newSessionConn(c net.Conn, cfg *Config, onClose func()) *sessionConn {
	now := time.Now()
	return &sessionConn{
		Conn:           c,
		end:            now.Add(cfg.SessionTime),
		commandTimeout: cfg.CommandTimeout,
		dataTimeout:    cfg.DataTimeout,
		minDataRate:    cfg.MinDataRate,
		onClose:        onClose,
		cmdDeadline:    now.Add(cfg.CommandTimeout),
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
	if c.timedOut != nil {
		c.mu.Unlock()
		return 0, c.timedOut
	}
	deadline := c.cmdDeadline
	if c.inData {
		deadline = c.dataDeadline
	}
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
	n, err := c.Conn.Read(p)
	var ne net.Error
	if n > 0 || (errors.As(err, &ne) && ne.Timeout()) {
		c.mu.Lock()
		if err != nil {
			// Sticky: go-smtp reads commands through bufio.Reader.ReadLine,
			// which returns a partial line and drops the error with it; the
			// fragment is then answered as a command, and without this the
			// reply would give the client a fresh CommandTimeout. Now the
			// next read fails and go-smtp ends with 421 4.4.2.
			c.timedOut = err
		}
		if c.inData {
			earned := time.Duration(int64(n) * int64(time.Second) / c.minDataRate)
			c.dataDeadline = c.dataDeadline.Add(earned)
			if most := time.Now().Add(c.dataTimeout); c.dataDeadline.After(most) {
				c.dataDeadline = most
			}
		}
		c.mu.Unlock()
	}
	return n, err
}

// Write is a reply: outside message data it starts the deadline of the
// client's next command line. It gets a deadline of its own too: a
// client that stops reading must not hold the connection. That one is
// not capped by the session's end, so the reply to a message finished
// just in time can still be sent.
func (c *sessionConn) Write(p []byte) (int, error) {
	now := time.Now()
	c.mu.Lock()
	if !c.inData {
		c.cmdDeadline = now.Add(c.commandTimeout)
	}
	c.mu.Unlock()
	if err := c.Conn.SetWriteDeadline(now.Add(c.commandTimeout)); err != nil {
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

// setData starts or ends the reading of a message. At its end the
// client gets a fresh CommandTimeout: go-smtp may still read and discard
// the rest of a message refused early, before it sends our reply.
func (c *sessionConn) setData(on bool) {
	now := time.Now()
	c.mu.Lock()
	c.inData = on
	if on {
		c.dataDeadline = now.Add(c.dataTimeout)
	} else {
		c.cmdDeadline = now.Add(c.commandTimeout)
	}
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

func (c *sessionConn) isBusy() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.busy
}

func (c *sessionConn) isHungUp() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hungUp
}
