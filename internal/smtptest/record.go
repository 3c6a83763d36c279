package smtptest

import (
	"bytes"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// recordListener hands go-smtp connections that record every command
// line the client sends and apply the Behavior's line-level quirks.
type recordListener struct {
	net.Listener
	s *Server
}

func (l recordListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	rc := &recordConn{Conn: c, s: l.s}
	l.s.track(rc, true)
	return rc, nil
}

// Close forgets the connection in the Server's list of open ones.
func (c *recordConn) Close() error {
	c.s.track(c, false)
	return c.Conn.Close()
}

// recordConn sits between the socket and go-smtp's server. It cuts what
// the client sends into lines and gives go-smtp one line per Read, so
// that everything before a line has been answered when the line is
// looked at (go-smtp answers each command before it reads the next).
// That is what lets it delay a reply, or answer a command itself, in the
// right order even when the client pipelines.
//
// Only the plain-text part of a connection is seen as lines: after a
// STARTTLS command the bytes are TLS records and pass through untouched.
type recordConn struct {
	net.Conn
	s *Server

	mu       sync.Mutex
	pending  []byte // read from the socket, not yet cut
	out      []byte // given to go-smtp next
	greeted  bool   // our first write (the greeting) happened
	hellos   int    // HELO/EHLO lines seen
	raw      bool   // after STARTTLS: pass bytes through
	wantData bool   // DATA was sent: a 354 reply starts the data
	inData   bool   // reading message data until the dot line
	bdat     int64  // bytes of a BDAT chunk still to pass
}

func (c *recordConn) Read(p []byte) (int, error) {
	for {
		c.mu.Lock()
		if len(c.out) > 0 {
			n := copy(p, c.out)
			c.out = c.out[n:]
			c.mu.Unlock()
			return n, nil
		}
		line, reply, delay, ok := c.next()
		c.mu.Unlock()
		if ok {
			if reply != "" {
				if _, err := c.Conn.Write([]byte(reply)); err != nil {
					return 0, err
				}
				continue // the line is answered here, go-smtp never sees it
			}
			if delay > 0 && !c.s.sleep(delay) {
				return 0, net.ErrClosed
			}
			c.mu.Lock()
			c.out = line
			c.mu.Unlock()
			continue
		}
		buf := make([]byte, 4096)
		n, err := c.Conn.Read(buf)
		c.mu.Lock()
		c.pending = append(c.pending, buf[:n]...)
		c.mu.Unlock()
		if err != nil {
			c.mu.Lock()
			rest := c.pending
			c.pending = nil
			c.mu.Unlock()
			if len(rest) > 0 {
				return copy(p, rest), nil // a last line without its end
			}
			return 0, err
		}
	}
}

// next cuts the next unit off pending: a command line (recorded, maybe
// answered or delayed), a data line or a piece of a BDAT chunk. ok is
// false when pending holds no complete unit. Called with mu held.
func (c *recordConn) next() (unit []byte, reply string, delay time.Duration, ok bool) {
	switch {
	case len(c.pending) == 0:
		return nil, "", 0, false
	case c.raw:
		unit, c.pending = c.pending, nil
		return unit, "", 0, true
	case c.bdat > 0:
		n := min(int64(len(c.pending)), c.bdat)
		unit, c.pending = c.pending[:n:n], c.pending[n:]
		c.bdat -= n
		return unit, "", 0, true
	}
	i := bytes.IndexByte(c.pending, '\n')
	if i < 0 {
		return nil, "", 0, false
	}
	unit, c.pending = c.pending[:i+1:i+1], c.pending[i+1:]
	if c.inData {
		if string(unit) == ".\r\n" {
			c.inData = false
		}
		return unit, "", 0, true
	}
	line := strings.TrimSuffix(strings.TrimSuffix(string(unit), "\n"), "\r")
	b := c.s.behaviorNow()
	c.s.record(line)
	verb, arg, _ := strings.Cut(line, " ")
	c.wantData = false
	switch strings.ToUpper(verb) {
	case "HELO", "EHLO":
		c.hellos++
		if c.hellos > 1 && b.RefuseRepeatedHello {
			return nil, "503 5.5.1 Duplicate HELO/EHLO\r\n", 0, true
		}
	case "STARTTLS":
		c.raw = true
	case "DATA":
		c.wantData = true
	case "BDAT":
		size, _, _ := strings.Cut(arg, " ")
		if n, err := strconv.ParseInt(size, 10, 64); err == nil && n > 0 {
			c.bdat = n
		}
	}
	return unit, "", b.Delay, true
}

// Write notices the reply that starts message data, and delays the
// greeting as Behavior.Delay says.
func (c *recordConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	first := !c.greeted
	c.greeted = true
	if c.wantData {
		c.inData = bytes.HasPrefix(p, []byte("354"))
		c.wantData = false
	}
	c.mu.Unlock()
	if d := c.s.behaviorNow().Delay; first && d > 0 && !c.s.sleep(d) {
		return 0, net.ErrClosed
	}
	return c.Conn.Write(p)
}
