package smtpd

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base32"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mugai/mugai/smtpd/reply"
)

// connState is what one connection's sessions share. go-smtp makes a new
// Session at the first HELO/EHLO and again after STARTTLS, so anything
// that must outlive a Session (the error count, the deadlines) lives here.
type connState struct {
	gen    *generation
	cfg    *Config
	client netip.AddrPort
	proxy  netip.AddrPort // the load balancer that named client, if any
	log    *slog.Logger
	conn   *sessionConn
	// ctx ends at the session's deadline, when the connection closes and
	// when the server is closed; it bounds every call out of this package.
	ctx    context.Context
	errors atomic.Int32

	// The state commandConn keeps for the Session, used on the
	// connection's goroutine only (see commandConn).
	forwarder bool                 // client is in Config.Forwarders
	tls       *tls.ConnectionState // after STARTTLS
	needHelo  bool                 // after STARTTLS or XCLIENT, until HELO/EHLO
	xfwd      *Origin              // XFORWARD attributes for the next transaction
	xcli      *Origin              // XCLIENT attributes for the session
	xcliHelo  bool                 // XCLIENT gave HELO (perhaps as unknown)

	// A connection counts for Shutdown until it is closed and no message
	// is being processed: with BDAT, go-smtp runs Data in a goroutine of
	// its own that may outlive the connection. done is called once then.
	mu       sync.Mutex
	working  int
	isClosed bool
	done     func()
}

// enter marks a message in progress; false when the connection is
// already closed (the client is gone: nobody could be acknowledged).
func (cs *connState) enter() bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.isClosed {
		return false
	}
	cs.working++
	return true
}

// leave ends what enter began.
func (cs *connState) leave() {
	cs.mu.Lock()
	cs.working--
	last := cs.isClosed && cs.working == 0
	cs.mu.Unlock()
	if last {
		cs.done()
	}
}

// closed records the end of the connection.
func (cs *connState) closed() {
	cs.mu.Lock()
	cs.isClosed = true
	last := cs.working == 0
	cs.mu.Unlock()
	if last {
		cs.done()
	}
}

// newSession is the go-smtp Backend, called at the first HELO/EHLO.
func (cs *connState) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{cs: cs, conn: c}, nil
}

// xforward applies an XFORWARD command. The first one of a transaction
// starts from all attributes unknown: "the server must not mix client
// attributes from XFORWARD with client attributes from the current SMTP
// session" (XFORWARD_README, server operation).
func (cs *connState) xforward(u forwardUpdate) {
	if cs.xfwd == nil {
		cs.xfwd = &Origin{Via: ViaXForward}
	}
	for _, set := range u.set {
		set(cs.xfwd)
	}
}

// xclient applies an XCLIENT command: its attributes hold for the rest of
// the session, and the client must greet again (XCLIENT_README, server
// response). Attributes it does not give stay unknown rather than the
// connecting proxy's own; the HELO, when not given, is the one the client
// sends next, its client's. Relay policy is not changed: mugai's relay
// decisions are about the MTA that connects (see Config.Forwarders).
func (cs *connState) xclient(u forwardUpdate) {
	if cs.xcli == nil {
		cs.xcli = &Origin{Via: ViaXClient}
	}
	for _, set := range u.set {
		set(cs.xcli)
	}
	cs.xcliHelo = cs.xcliHelo || u.setHelo
	cs.xfwd = nil
	cs.needHelo = true
}

// greeted records a HELO or EHLO that go-smtp accepted.
func (cs *connState) greeted() { cs.needHelo = false }

// startedTLS records the TLS session and forgets what the client said
// before it: "the server MUST discard any knowledge obtained from the
// client" (RFC 3207 §4.2); it must greet again.
func (cs *connState) startedTLS(st *tls.ConnectionState) {
	cs.tls = st
	cs.xfwd, cs.xcli, cs.xcliHelo = nil, nil, false
	cs.needHelo = true
}

// forwarded is the Origin a forwarder reported for a transaction
// beginning now with the client's HELO helo, as a copy of its own, or
// nil. XFORWARD, the later and narrower statement, wins over XCLIENT.
func (cs *connState) forwarded(helo string) *Origin {
	switch {
	case cs.xfwd != nil:
		o := *cs.xfwd
		return &o
	case cs.xcli != nil:
		o := *cs.xcli
		if !cs.xcliHelo {
			o.Helo = helo
		}
		return &o
	}
	return nil
}

// clientError counts an error the client is to blame for. Counted are
// replies this package gives for the client's own mistakes: a recipient
// refused for its address or by the Router (5xx), and a message refused for
// bare line ends. Not counted are verdicts of the next hop and the Filter
// (the client relays for others) and our own temporary failures. go-smtp
// answers unknown commands, bad syntax and out-of-order commands without
// asking us; it closes by itself after its fourth syntax error
// (errThreshold in its conn.go) and does not report out-of-order ones.
//
// The error that reaches MaxProtocolErrors is answered 421 4.7.0 instead
// of its own reply, and the connection ends after it. (Postfix, at its
// smtpd_hard_error_limit, sends the error and then an unsolicited 421; we
// cannot write between go-smtp's replies, so the 421 replaces the error.)
func (cs *connState) clientError(r *smtp.SMTPError) *smtp.SMTPError {
	n := int(cs.errors.Add(1))
	if n < cs.cfg.MaxProtocolErrors {
		return r
	}
	cs.log.Warn("smtpd: too many errors, closing", "errors", n, "last", r.Message)
	cs.conn.hangUp()
	return replyTooManyErrors()
}

// session is go-smtp's Session: one per connection, made at the first
// HELO/EHLO.
type session struct {
	cs   *connState
	conn *smtp.Conn // for the client's latest HELO/EHLO argument

	// mu guards tx: with BDAT, go-smtp runs Data in its own goroutine and
	// may call Reset or Logout meanwhile (client RSET or disconnect).
	mu sync.Mutex
	tx *transaction
}

// transaction is the state from MAIL to the end of the message.
type transaction struct {
	env       *Envelope
	route     *Route   // fixed by the first accepted recipient
	delivery  Delivery // opened by route.Begin
	delivered bool
	refused   int // recipients refused, for the log
	// waited is the time the recipients spent waiting for the next hop,
	// against EnvelopeTime.
	waited time.Duration
	// failed is the reply to every later command of the transaction once
	// the next hop ran out of time (see relayRecipient).
	failed *smtp.SMTPError
}

// abort ends the transaction at the next hop unless it was delivered.
func (tx *transaction) abort(log *slog.Logger) {
	if tx == nil || tx.delivery == nil || tx.delivered {
		return
	}
	d := tx.delivery
	tx.delivery = nil
	safeCall(log, "abort", func() error { d.Abort(); return nil })
}

// Mail starts a transaction.
func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	cs := s.cs
	if cs.conn.isHungUp() {
		return replyTooManyErrors()
	}
	if cs.conn.isDraining() {
		// A client that pipelined MAIL after its last message while we
		// shut down: refuse, then close.
		cs.conn.hangUp()
		return replyShuttingDown()
	}
	if cs.needHelo {
		// After STARTTLS or XCLIENT; go-smtp does not know of either.
		return wire(reply.BadSequence, reply.ProtocolInvalidCommand, "Send HELO/EHLO first")
	}
	s.mu.Lock()
	nested := s.tx != nil
	s.mu.Unlock()
	if nested {
		// go-smtp lets a second MAIL through (handleMail does not check
		// for a transaction in progress); RFC 5321 §4.1.4 wants 503.
		return wire(reply.BadSequence, reply.ProtocolInvalidCommand, "Nested MAIL command")
	}
	sender, err := checkAddress(from, opts != nil && opts.UTF8, false)
	if err != nil {
		r := wire(addressReply(err, true))
		cs.log.Info("smtpd: sender refused", "from", from, "code", r.Code, "reply", r.Message)
		return cs.clientError(r)
	}
	helo := s.conn.Hostname() // go-smtp keeps one Session across EHLOs
	env := &Envelope{
		ID:        newQueueID(),
		Client:    cs.client,
		Proxy:     cs.proxy,
		Helo:      helo,
		Forwarded: cs.forwarded(helo),
		TLS:       cs.tls,
		From:      sender.String(),
		Received:  cs.cfg.Now(),
	}
	if opts != nil {
		env.Size = opts.Size
		env.SMTPUTF8 = opts.UTF8
		env.EightBitMIME = opts.Body == smtp.Body8BitMIME
	}
	s.mu.Lock()
	s.tx = &transaction{env: env}
	s.mu.Unlock()
	cs.conn.setBusy(true)
	return nil
}

// Rcpt checks the address, has the Router choose the route (and apply
// relay policy) and relays the recipient to the next hop.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	cs := s.cs
	if cs.conn.isHungUp() {
		return replyTooManyErrors()
	}
	s.mu.Lock()
	tx := s.tx
	s.mu.Unlock()
	if tx == nil {
		return wire(reply.BadSequence, reply.ProtocolInvalidCommand, "Need MAIL first") // go-smtp checks this too
	}
	log := cs.log.With("id", tx.env.ID)
	refused := func(r *smtp.SMTPError, counted bool) error {
		tx.refused++
		log.Info("smtpd: recipient refused", "code", r.Code, "reply", r.Message)
		if counted {
			r = cs.clientError(r)
		}
		cs.cfg.Observer.Replied(StageRcpt, cs.client, r.Code)
		return r
	}

	// From here on, the recipient is its canonical form: the Router (and
	// its relay check), the next hop and the Envelope all see the same
	// string.
	rcpt, err := checkAddress(to, tx.env.SMTPUTF8, true)
	if err != nil {
		log = log.With("rcpt", to)
		return refused(wire(addressReply(err, false)), true)
	}
	to = rcpt.String()
	log = log.With("rcpt", to)
	var route Route
	err = safeCall(log, "route", func() (err error) {
		route, err = cs.cfg.Router.Route(tx.env, to)
		return err
	})
	if err != nil {
		r := mapError(err)
		return refused(r, r.Code >= 500)
	}
	if tx.route != nil && route.Name != tx.route.Name {
		return refused(replyOtherRoute(), false)
	}
	if r := s.relayRecipient(tx, route, to, log); r != nil {
		return refused(r, false)
	}
	tx.env.Rcpts = append(tx.env.Rcpts, to)
	cs.cfg.Observer.Replied(StageRcpt, cs.client, 250)
	return nil
}

// relayRecipient hands the recipient to the transaction's Delivery,
// opening it at the first one, within the next hop's time budget: at
// most RecipientTimeout for this recipient, and no new recipient once the
// transaction's recipients have together waited EnvelopeTime. A slow
// next hop thus costs the client a timely 4xx, never a session stuck
// past its timeouts: recipients over the envelope budget get 452 4.5.3
// and go in a new transaction while the ones accepted are delivered
// (RFC 5321 §4.5.3.1.10); a recipient whose reply does not come in time
// gets 451 4.4.2, and so does the rest of the transaction, since the
// next hop's dialogue is then out of step and its connection is closed.
func (s *session) relayRecipient(tx *transaction, route Route, to string, log *slog.Logger) *smtp.SMTPError {
	cs, cfg := s.cs, s.cs.cfg
	switch {
	case tx.failed != nil:
		return tx.failed
	case tx.waited >= cfg.EnvelopeTime:
		return replyNextHopBudget()
	}
	ctx, cancel := context.WithTimeout(cs.ctx, cfg.RecipientTimeout)
	defer cancel()
	start := time.Now()
	defer func() { tx.waited += time.Since(start) }()
	expired := func(err error) bool {
		if ctx.Err() == nil || cs.ctx.Err() != nil {
			return false // not our budget: the session itself is ending
		}
		log.Warn("smtpd: next hop too slow", "route", route.Name, "waited", elapsed(start), "err", err)
		tx.abort(log)
		tx.failed = replyNextHopSlow()
		return true
	}

	if tx.route == nil {
		var d Delivery
		err := safeCall(log, "begin", func() (err error) {
			d, err = route.Begin(ctx, tx.env)
			return err
		})
		if err == nil && d == nil {
			err = fmt.Errorf("route %q: Begin returned no Delivery", route.Name)
		}
		if err != nil {
			if expired(err) {
				return tx.failed
			}
			log.Warn("smtpd: next hop transaction failed", "route", route.Name, "err", err)
			return mapError(err)
		}
		tx.route, tx.delivery = &route, d
	}
	err := safeCall(log, "add recipient", func() error {
		return tx.delivery.AddRecipient(ctx, to)
	})
	if err != nil {
		if expired(err) {
			return tx.failed
		}
		return mapError(err)
	}
	return nil
}

// Reset ends the transaction (RSET, a new EHLO, the end of DATA), and
// with it the XFORWARD attributes (XFORWARD_README: reset "at the end of
// each MAIL FROM transaction (i.e. RSET or DOT)").
func (s *session) Reset() {
	s.cs.xfwd = nil
	s.mu.Lock()
	tx := s.tx
	s.tx = nil
	s.mu.Unlock()
	tx.abort(s.cs.log)
	s.cs.conn.setBusy(false)
}

// Logout is called when the connection closes and after STARTTLS.
func (s *session) Logout() error {
	s.Reset()
	return nil
}

// takeTx hands the transaction to Data, which then owns it: a Reset
// running concurrently (BDAT) no longer touches it.
func (s *session) takeTx() *transaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := s.tx
	s.tx = nil
	return tx
}

// safeCall runs f, turning a panic into an error so a bug in a Filter,
// Router or Delivery costs one message a 451, not the process.
func safeCall(log *slog.Logger, what string, f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("smtpd: panic", "in", what, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("%s: panic: %v", what, p)
		}
	}()
	return f()
}

// newQueueID returns 12 characters of RFC 4648 base32 (60 random bits):
// unique enough to find one message in the logs of both hops for years.
func newQueueID() string {
	var b [8]byte
	rand.Read(b[:]) // never fails since Go 1.24
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])[:12]
}

// elapsed is a duration rounded for the log.
func elapsed(since time.Time) time.Duration {
	return time.Since(since).Round(time.Millisecond)
}
