package delivery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/textproto"
	"os"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mugai/mugai/smtpd"
	"github.com/mugai/mugai/smtpd/reply"
)

// TLSMode is how NextHop uses STARTTLS.
type TLSMode int

const (
	// TLSNone never uses TLS.
	TLSNone TLSMode = iota
	// TLSOpportunistic uses STARTTLS when offered, without verifying the
	// certificate (RFC 7435: encryption against passive listeners). A
	// failed handshake is retried once over a new plain-text connection,
	// as Postfix does at security level "may".
	TLSOpportunistic
	// TLSRequired requires STARTTLS and a certificate that verifies for
	// ServerName against RootCAs, CAFile or the system roots.
	TLSRequired
)

// Defaults for zero NextHop fields.
const (
	DefaultConnectTimeout = 30 * time.Second
	DefaultCommandTimeout = 5 * time.Minute // RFC 5321 §4.5.3.2
	// DefaultDataTimeout is RFC 5321 §4.5.3.2.6's 10 minutes for the
	// reply to the final dot; the caller's context (smtpd's
	// ProcessTimeout) is usually shorter and wins.
	DefaultDataTimeout = 10 * time.Minute
)

// abortTimeout bounds the courtesy QUIT of Abort.
const abortTimeout = 10 * time.Second

// NextHop delivers to an SMTP server. Its Begin is an smtpd Route's
// Begin. With PoolSize set, a connection whose transaction ended cleanly
// is kept for the next one (RSET between them, RFC 5321 §4.1.1.5), as
// Postfix's connection cache does: it saves the connection, the greeting,
// EHLO and STARTTLS of every message. The zero value of a field means its
// default; a NextHop must not be modified once in use, and Close retires
// its idle connections.
type NextHop struct {
	// Addr is host:port.
	Addr string
	// HeloName is our name in EHLO; default os.Hostname().
	HeloName string
	// TLS is the STARTTLS mode.
	TLS TLSMode
	// RootCAs verify the next hop in TLSRequired mode; if nil, CAFile (a
	// PEM bundle, read at each connection so it can be replaced), and if
	// that is empty, the system roots.
	RootCAs *x509.CertPool
	CAFile  string
	// ServerName is the name the certificate must carry; default the host
	// of Addr.
	ServerName string
	// ConnectTimeout bounds the TCP connect.
	ConnectTimeout time.Duration
	// CommandTimeout bounds each command's reply, the greeting and the
	// TLS handshake, and each write of the message: the next hop may be
	// slow, but not silent for longer.
	CommandTimeout time.Duration
	// DataTimeout bounds the wait for the reply to the final dot.
	DataTimeout time.Duration
	// PoolSize is the most idle connections kept for reuse; 0 keeps none
	// (a connection per transaction, QUIT at its end).
	PoolSize int
	// IdleTimeout is how long an idle connection is kept before it is
	// retired with QUIT; default DefaultIdleTimeout.
	IdleTimeout time.Duration
	// Logger; default slog.Default().
	Logger *slog.Logger

	poolOnce sync.Once
	idle     *pool // nil with PoolSize 0
}

var _ func(context.Context, *smtpd.Envelope) (smtpd.Delivery, error) = (*NextHop)(nil).Begin

// Begin opens a transaction and sends MAIL FROM: on an idle connection
// of the pool (after RSET) if there is one, else on a new connection,
// greeted and in TLS as configured. A pooled connection that fails before
// MAIL FROM is accepted — the next hop closed it while it was idle, say —
// is dropped and the transaction starts again, once, on a new
// connection; the next hop's own refusal of MAIL FROM is final. ctx
// bounds only this call; each method of the returned Delivery takes its
// own.
func (h *NextHop) Begin(ctx context.Context, env *smtpd.Envelope) (smtpd.Delivery, error) {
	if err := wireAddress(env.From, true); err != nil {
		return nil, err // before connecting: nothing of it is sent
	}
	log := h.logger().With("id", env.ID, "next_hop", h.Addr)
	if p := h.pool(); p != nil {
		if s := p.get(h.TLS == TLSOpportunistic); s != nil {
			t := h.transaction(s, log)
			err := t.reset(ctx)
			if err == nil {
				err = t.mail(ctx, env)
			}
			if err == nil {
				return t, nil
			}
			t.Abort()
			if t.broken == nil {
				// The next hop refused MAIL FROM on a working connection
				// (or the address was refused here): a new connection
				// would fare no better.
				return nil, err
			}
			log.Debug("delivery: reused connection failed, opening a new one", "err", err)
		}
	}
	s, err := h.open(ctx, h.TLS, log)
	if err != nil && h.TLS == TLSOpportunistic && errors.Is(err, errTLSHandshake) {
		log.Warn("delivery: STARTTLS failed, retrying without TLS", "err", err)
		s, err = h.open(ctx, TLSNone, log)
	}
	if err != nil {
		return nil, err
	}
	t := h.transaction(s, log)
	if err := t.mail(ctx, env); err != nil {
		t.Abort()
		return nil, err
	}
	return t, nil
}

// Close retires the idle connections (QUIT) and keeps none from now on:
// a reload built new targets. Transactions in flight finish; their
// connections are then closed. Begin still works, without reuse.
func (h *NextHop) Close() {
	if p := h.pool(); p != nil {
		p.close()
	}
}

// pool is the pool of idle connections, nil without PoolSize.
func (h *NextHop) pool() *pool {
	h.poolOnce.Do(func() {
		if h.PoolSize > 0 {
			h.idle = &pool{size: h.PoolSize, idleTimeout: orDefault(h.IdleTimeout, DefaultIdleTimeout), log: h.logger().With("next_hop", h.Addr)}
		}
	})
	return h.idle
}

// transaction starts a transaction on s.
func (h *NextHop) transaction(s *session, log *slog.Logger) *transaction {
	s.transactions++
	return &transaction{hop: h, session: s, log: log}
}

// open makes the connection ready for MAIL FROM. It greets once per
// session in every mode (issue 11): go-smtp's client reads the greeting
// and sends EHLO; STARTTLS, when used, is sent on the same session and is
// followed by the one EHLO RFC 3207 §4.2 requires in the new TLS session.
// (Sending EHLO again on the plain-text session is allowed by RFC 5321
// §4.1.4 but refused by some servers with 503, after which every message
// would wait for ever.)
func (h *NextHop) open(ctx context.Context, mode TLSMode, log *slog.Logger) (*session, error) {
	d := net.Dialer{Timeout: h.connectTimeout()}
	raw, err := d.DialContext(ctx, "tcp", h.Addr)
	if err != nil {
		return nil, replyError("connect", true, err)
	}
	hc := &hopConn{Conn: raw, writeTimeout: h.commandTimeout()}
	stop := hc.watch(ctx)
	defer stop()

	c := h.client(hc)
	if err := c.Hello(h.heloName()); err != nil { // greeting and EHLO
		c.Close()
		return nil, replyError("EHLO", true, err)
	}
	var state *tls.ConnectionState
	var rw net.Conn = hc
	if mode != TLSNone {
		tc, tconn, st, err := h.startTLS(ctx, c, hc, mode)
		if err != nil {
			c.Close()
			return nil, err
		}
		if tc != nil {
			c, rw, state = tc, tconn, st
		}
	}
	tlsVersion := ""
	if state != nil {
		tlsVersion = tls.VersionName(state.Version)
	}
	log.Debug("delivery: connected", "tls", tlsVersion)
	return &session{c: c, conn: hc, rw: rw, tls: state}, nil
}

// client is go-smtp's client on conn with our timeouts.
func (h *NextHop) client(conn net.Conn) *smtp.Client {
	c := smtp.NewClient(conn)
	c.CommandTimeout = h.commandTimeout()
	c.SubmissionTimeout = h.dataTimeout()
	return c
}

// startTLS sends STARTTLS on the session c has greeted and, once the
// handshake is done, returns a new client greeted in the TLS session and
// the connection it talks on. It returns a nil client, and no error, when
// the session is to go on in plain text: in opportunistic mode when the
// next hop does not offer STARTTLS or refuses it (RFC 3207 §4: the
// session continues).
//
// go-smtp v0.25 has no exported way to send STARTTLS on a client whose
// EHLO name was set (NewClientStartTLS greets as "localhost"), so the
// command is sent here, on the connection below c: c has read the EHLO
// reply whole and the server says nothing unasked, so nothing of it waits
// in c's buffer.
func (h *NextHop) startTLS(ctx context.Context, c *smtp.Client, hc *hopConn, mode TLSMode) (*smtp.Client, net.Conn, *tls.ConnectionState, error) {
	plain := func(err error) (*smtp.Client, net.Conn, *tls.ConnectionState, error) {
		if mode == TLSRequired {
			return nil, nil, nil, replyError("STARTTLS", true, err)
		}
		return nil, nil, nil, nil
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return plain(errTLSNotOffered)
	}
	if err := hc.SetDeadline(time.Now().Add(h.commandTimeout())); err != nil {
		return nil, nil, nil, replyError("STARTTLS", true, err)
	}
	tp := textproto.NewConn(hc)
	if err := tp.PrintfLine("STARTTLS"); err != nil {
		return nil, nil, nil, replyError("STARTTLS", true, err)
	}
	if _, _, err := tp.ReadResponse(220); err != nil {
		var te *textproto.Error
		if errors.As(err, &te) {
			// Refused, but the plain-text session goes on (RFC 3207 §4).
			return plain(fmt.Errorf("%w: refused: %d %s", errTLSNotOffered, te.Code, te.Msg))
		}
		return nil, nil, nil, replyError("STARTTLS", true, err)
	}
	// Anything the server sent after its 220 would be read as if it came
	// through TLS: the STARTTLS injection of CVE-2011-0411, refused.
	if tp.R.Buffered() > 0 {
		return nil, nil, nil, replyError("STARTTLS", true, fmt.Errorf("%w: data after the 220 reply to STARTTLS", errTLSHandshake))
	}
	cfg, err := h.tlsConfig(mode)
	if err != nil {
		return nil, nil, nil, err
	}
	tc := tls.Client(hc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, nil, nil, replyError("STARTTLS", true, fmt.Errorf("%w: %w", errTLSHandshake, err))
	}
	hc.SetDeadline(time.Time{}) // go-smtp sets its own per command
	state := tc.ConnectionState()
	gc := &greetConn{Conn: tc, pending: []byte("220 TLS session\r\n")}
	tlsClient := h.client(gc)
	if err := tlsClient.Hello(h.heloName()); err != nil {
		tlsClient.Close()
		return nil, nil, nil, replyError("EHLO", true, err)
	}
	return tlsClient, gc, &state, nil
}

// tlsConfig is the client TLS configuration for mode.
func (h *NextHop) tlsConfig(mode TLSMode) (*tls.Config, error) {
	name := h.ServerName
	if name == "" {
		name, _, _ = net.SplitHostPort(h.Addr)
	}
	cfg := &tls.Config{ServerName: name, MinVersion: tls.VersionTLS12}
	if mode == TLSOpportunistic {
		// RFC 7435: unauthenticated encryption beats none; a next hop
		// with a private or expired certificate is still encrypted to.
		cfg.InsecureSkipVerify = true
		return cfg, nil
	}
	cfg.RootCAs = h.RootCAs
	if cfg.RootCAs == nil && h.CAFile != "" {
		pem, err := os.ReadFile(h.CAFile)
		if err != nil {
			return nil, temporary(reply.SystemMisconfigured, "next hop: TLS trust anchors unavailable", fmt.Errorf("read CA file: %w", err))
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, temporary(reply.SystemMisconfigured, "next hop: TLS trust anchors unavailable", fmt.Errorf("CA file %s: no PEM certificate", h.CAFile))
		}
	}
	return cfg, nil
}

func (h *NextHop) connectTimeout() time.Duration {
	return orDefault(h.ConnectTimeout, DefaultConnectTimeout)
}

func (h *NextHop) commandTimeout() time.Duration {
	return orDefault(h.CommandTimeout, DefaultCommandTimeout)
}

func (h *NextHop) dataTimeout() time.Duration {
	return orDefault(h.DataTimeout, DefaultDataTimeout)
}

func (h *NextHop) heloName() string {
	if h.HeloName != "" {
		return h.HeloName
	}
	if name, err := os.Hostname(); err == nil && name != "" {
		return name
	}
	return "localhost"
}

func (h *NextHop) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
