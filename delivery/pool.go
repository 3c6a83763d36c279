package delivery

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/textproto"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Defaults of the connection pool.
const (
	// DefaultIdleTimeout is how long an idle connection is kept when
	// NextHop.IdleTimeout is zero.
	DefaultIdleTimeout = 10 * time.Second
	// maxTransactions retires a connection after this many transactions:
	// go-smtp's client keeps every recipient it was given for LMTP's sake
	// (Client.Rcpt appends to a list that only its Reset clears, and Reset
	// would make the next command greet again), so a connection must not
	// live for ever; Postfix bounds reuse likewise
	// (smtp_connection_reuse_time_limit).
	maxTransactions = 100
)

// session is a connection to the next hop between transactions: greeted,
// in TLS when STARTTLS was used, ready for MAIL FROM.
type session struct {
	c    *smtp.Client
	conn *hopConn
	rw   net.Conn // what c reads and writes: conn, or TLS over it
	tls  *tls.ConnectionState

	transactions int         // started on this connection
	idleSince    time.Time   // when it was put in the pool
	idleTimer    *time.Timer // retires it from the pool
}

// healthy reports whether nothing went wrong on the connection that
// makes it unfit for another transaction.
func (s *session) healthy() bool {
	return !s.conn.isDead() && s.transactions < maxTransactions
}

// reset sends RSET (RFC 5321 §4.1.1.5), which abandons whatever
// transaction the previous user left and, on a connection that sat idle,
// tells whether the next hop still listens. go-smtp's Client.Reset would
// also make the next command greet again, which some servers refuse
// (issue 11), so the command is sent here on the connection below the
// client, as startTLS does: the client has read every reply whole and
// the server says nothing unasked, so nothing waits in its buffer.
func (s *session) reset(timeout time.Duration) error {
	if err := s.rw.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	defer s.rw.SetDeadline(time.Time{})
	if _, err := s.rw.Write([]byte("RSET\r\n")); err != nil {
		return err
	}
	r := bufio.NewReaderSize(s.rw, 512)
	if _, _, err := textproto.NewReader(r).ReadResponse(250); err != nil {
		return err
	}
	if r.Buffered() > 0 {
		return fmt.Errorf("%w: data after the reply to RSET", errUnexpected)
	}
	return nil
}

// retire closes the connection, after a QUIT when quit is set and the
// connection is still alive: briefly, a courtesy nothing depends on.
func (s *session) retire(quit bool) {
	if quit && !s.conn.isDead() {
		s.c.CommandTimeout = min(s.c.CommandTimeout, abortTimeout)
		s.c.Quit()
	}
	s.c.Close()
}

// pool keeps a NextHop's idle connections for the next transactions, as
// Postfix's connection cache does: at most size of them, each for at most
// idleTimeout, the most recently used taken first so that the others
// age out when there is less mail.
type pool struct {
	size        int
	idleTimeout time.Duration
	log         *slog.Logger

	mu     sync.Mutex
	idle   []*session // oldest first
	closed bool
}

// get takes an idle connection, or returns nil. preferTLS takes one in
// TLS before one in plain text (the opportunistic mode's plain-text
// fallbacks are kept too: a new connection would fall back alike).
func (p *pool) get(preferTLS bool) *session {
	p.mu.Lock()
	var s *session
	for s == nil && len(p.idle) > 0 {
		i := len(p.idle) - 1
		if preferTLS {
			for j := i; j >= 0; j-- {
				if p.idle[j].tls != nil {
					i = j
					break
				}
			}
		}
		s = p.idle[i]
		p.idle = slices.Delete(p.idle, i, i+1)
		s.idleTimer.Stop()
		if time.Since(s.idleSince) >= p.idleTimeout {
			// Its timer is late; it is retired as if it had fired, without
			// making this transaction wait for the QUIT.
			p.log.Debug("delivery: idle connection retired", "idle", time.Since(s.idleSince).Round(time.Millisecond).String())
			go s.retire(true)
			s = nil
		}
	}
	p.mu.Unlock()
	return s
}

// put keeps s for reuse; false when the pool is full or closed, and the
// caller retires it.
func (p *pool) put(s *session) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle) >= p.size {
		return false
	}
	s.idleSince = time.Now()
	s.idleTimer = time.AfterFunc(p.idleTimeout, func() { p.expire(s) })
	p.idle = append(p.idle, s)
	return true
}

// expire retires s if it is still idle in the pool.
func (p *pool) expire(s *session) {
	p.mu.Lock()
	i := slices.Index(p.idle, s)
	if i >= 0 {
		p.idle = slices.Delete(p.idle, i, i+1)
	}
	p.mu.Unlock()
	if i >= 0 {
		p.log.Debug("delivery: idle connection retired", "idle", p.idleTimeout.String())
		s.retire(true)
	}
}

// close retires every idle connection and keeps none from now on. The
// QUITs go out at once and it waits for them, each bounded by
// abortTimeout.
func (p *pool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range idle {
		s.idleTimer.Stop()
		wg.Go(func() { s.retire(true) })
	}
	wg.Wait()
}

// idleCount is the number of idle connections (for tests).
func (p *pool) idleCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle)
}
