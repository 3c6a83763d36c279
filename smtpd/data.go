package smtpd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mugai/mugai/smtpd/reply"
)

// Data receives the message (DATA or BDAT) and runs it through the Filter
// and the Delivery: spool → worker slot → Filter → Deliver → 250. Every
// return is a bare *smtp.SMTPError, the 250 included: go-smtp sends the
// code of a returned *SMTPError as is, which is how the reply carries the
// queue id.
func (s *session) Data(r io.Reader) error {
	cs := s.cs
	tx := s.takeTx()
	if tx != nil && tx.failed != nil {
		// The next hop ran out of time after some recipients were
		// accepted: none of them can be delivered in this transaction.
		return tx.failed
	}
	if tx == nil || tx.delivery == nil {
		return wire(reply.BadSequence, reply.ProtocolInvalidCommand, "Need RCPT first") // go-smtp checks this first
	}
	defer tx.abort(cs.log)
	if !cs.enter() {
		return wire(reply.LocalError, reply.NetworkBadConnection, "Connection closed")
	}
	defer cs.leave()
	if cs.conn.isHungUp() {
		return replyTooManyErrors()
	}
	m := &messageLog{env: tx.env, route: tx.route.Name, refused: tx.refused, start: time.Now(), step: StepReceive}
	cs.cfg.Observer.MessageStarted(tx.env)
	return m.finish(cs.log, cs.cfg.Observer, s.process(tx, r, m))
}

// process does the work of Data and returns its reply.
func (s *session) process(tx *transaction, r io.Reader, m *messageLog) *smtp.SMTPError {
	cs, cfg, env := s.cs, s.cs.cfg, tx.env
	log := cs.log.With("id", env.ID)

	// 1. Spool the message. Normalizing may turn each LF into CRLF, so
	// the spool allows twice the size go-smtp already enforces.
	in := newSpool(cfg.SpoolDir, cfg.SpoolMemoryBytes, 2*cfg.MaxMessageBytes)
	defer in.Close()
	cs.conn.setData(true)
	blank, err := receive(in, r, cfg.BareNewlines)
	cs.conn.setData(false)
	m.bytesIn, m.spool = in.Size(), elapsed(m.start)
	if err != nil {
		return s.receiveError(log, err)
	}
	if blank {
		// BDAT 0 LAST, a DATA of only the final dot, or only empty lines:
		// no From, no Date (RFC 5322 §3.6 requires both), nothing to
		// sanitize. Refused rather than relayed as a notice: a notice would
		// be a message we make up in the sender's name with no header of
		// its own, and no real mail client sends an empty message, so
		// nobody loses anything.
		return replyEmptyMessage()
	}

	// ctx bounds everything after the end of data; see ProcessTimeout.
	ctx, cancel := context.WithTimeout(cs.ctx, cfg.ProcessTimeout)
	defer cancel()

	// 2. Wait for a worker slot. It is held while filtering only: the
	// slots bound the CPU and memory of sanitizing, and a message waiting
	// for the next hop's replies needs neither (with the slot held through
	// delivery, one CPU per worker sat idle for every round trip).
	m.step = StepQueue
	t := time.Now()
	slot := &workerSlot{sem: cs.gen.sem}
	if err := slot.acquire(ctx); err != nil {
		m.queue = elapsed(t)
		return replyBusy()
	}
	defer slot.release()
	m.queue = elapsed(t)

	// 3. Filter into a second spool.
	m.step = StepFilter
	t = time.Now()
	out := newSpool(cfg.SpoolDir, cfg.SpoolMemoryBytes, cfg.MaxOutputBytes)
	defer out.Close()
	var res FilterResult
	err = safeCall(log, "filter", func() (err error) {
		// The Filter may give the slot up while it waits (Waiting).
		res, err = tx.route.Filter.Filter(context.WithValue(ctx, workerSlotKey{}, slot), env, out, &Original{s: in})
		return err
	})
	m.filter, m.actions, m.extra, m.bytesOut = elapsed(t), res.Actions, res.Log, out.Size()
	slot.release()
	in.Close() // not needed any more; free it before delivering
	switch {
	case err != nil:
		m.err = err
		return filterReply(err)
	case out.Size() == 0:
		// A Filter that "succeeds" with nothing is broken; never deliver
		// just our header.
		m.err = errors.New("filter wrote no message")
		return replyInternal()
	}

	// 4. Deliver our Received: header and the filtered message.
	m.step = StepDeliver
	t = time.Now()
	hdr := receivedHeader(env, cfg.Hostname, cfg.Now())
	err = safeCall(log, "deliver", func() error {
		return tx.delivery.Deliver(ctx, io.MultiReader(strings.NewReader(hdr), out.Reader()))
	})
	m.deliver = elapsed(t)
	if err != nil {
		m.err = err
		return mapError(err)
	}
	tx.delivered = true
	return replyQueued(env.ID)
}

// filterReply is the reply to a Filter's error.
func filterReply(err error) *smtp.SMTPError {
	if errors.Is(err, errSpoolFull) {
		return replyOutputTooLarge()
	}
	return mapError(err)
}

// ReplyTo is what the client is told when a Filter or a Delivery returns
// err, as it goes on the wire ("451 4.3.0 Internal error, try again
// later"): for a Filter that records the outcome of a message it will
// not see delivered.
func ReplyTo(err error) string {
	r := filterReply(err)
	return fmt.Sprintf("%d %d.%d.%d %s", r.Code, r.EnhancedCode[0], r.EnhancedCode[1], r.EnhancedCode[2], r.Message)
}

// receive copies the message into the spool through the line-end check.
// blank reports a message with nothing but white space and line ends.
func receive(dst *spool, src io.Reader, mode BareNewlines) (blank bool, err error) {
	nw := newNewlineWriter(dst, mode)
	cw := &contentWriter{w: nw}
	// go-smtp's DATA reader yields at most a line per Read, so a small
	// buffer does as well as io.Copy's 32 KiB one, allocated per message.
	if _, err := io.CopyBuffer(cw, src, make([]byte, 4<<10)); err != nil {
		return false, err
	}
	return !cw.content, nw.Close()
}

// contentWriter passes bytes through and notes whether any of them is
// more than white space or a line end.
type contentWriter struct {
	w       io.Writer
	content bool
}

func (c *contentWriter) Write(p []byte) (int, error) {
	if !c.content {
		c.content = len(bytes.Trim(p, " \t\r\n")) > 0
	}
	return c.w.Write(p)
}

// receiveError is the reply to a message that could not be received.
func (s *session) receiveError(log *slog.Logger, err error) *smtp.SMTPError {
	cs := s.cs
	var se *smtp.SMTPError
	var ne net.Error
	var pe *fs.PathError
	switch {
	case errors.As(err, &se):
		// go-smtp's ErrDataTooLarge (552 5.3.4); go-smtp reads and drops
		// the rest of the message, so the session goes on.
		return se
	case errors.Is(err, errBareLF):
		return cs.clientError(replyBareNewline("<LF>"))
	case errors.Is(err, errBareCR):
		return cs.clientError(replyBareNewline("<CR>"))
	case errors.Is(err, errSpoolFull):
		return wire(reply.ExceededStorage, reply.SystemMessageTooBig, "Message exceeds size limit")
	case errors.Is(err, smtp.ErrTooLongLine):
		return replyLineTooLong()
	case errors.Is(err, smtp.ErrDataReset):
		// BDAT ended by RSET or a new command: go-smtp ignores this reply.
		return wire(reply.LocalError, reply.ProtocolOther, "Message transfer aborted")
	case errors.As(err, &ne) && ne.Timeout():
		// A stalled client: go-smtp would now read and discard the rest
		// with a fresh deadline; hang up instead.
		cs.conn.hangUp()
		return replyClientTimeout()
	case errors.As(err, &pe):
		log.Error("smtpd: spool failed", "err", err)
		return wire(reply.InsufficientStorage, reply.SystemFull, "Insufficient system storage, try again later")
	default:
		// The connection broke (io.ErrUnexpectedEOF, reset): nobody will
		// read this reply.
		cs.conn.hangUp()
		return wire(reply.LocalError, reply.NetworkBadConnection, "Connection lost during message transfer")
	}
}

// messageLog collects the one log line written per message.
type messageLog struct {
	env               *Envelope
	route             string
	refused           int
	start             time.Time
	bytesIn, bytesOut int64
	actions           []string
	extra             []slog.Attr // FilterResult.Log
	spool, queue      time.Duration
	filter, deliver   time.Duration
	step              Step  // where the reply was decided, for the Observer
	err               error // internal cause behind a 4xx/5xx, for the log only
}

// finish writes the log line, tells obs and returns r.
func (m *messageLog) finish(log *slog.Logger, obs Observer, r *smtp.SMTPError) *smtp.SMTPError {
	result := "delivered"
	level := slog.LevelInfo
	switch {
	case r.Code >= 500:
		result = "rejected"
	case r.Code >= 400:
		result, level = "deferred", slog.LevelWarn
	}
	env := m.env
	total := elapsed(m.start)
	attrs := []slog.Attr{
		slog.String("id", env.ID),
		slog.String("helo", env.Helo),
		slog.String("from", env.From),
		slog.Any("rcpts", env.Rcpts),
		slog.String("route", m.route),
		slog.String("tls", tlsName(env)),
		slog.Int64("bytes_in", m.bytesIn),
		slog.Int64("bytes_out", m.bytesOut),
		slog.Any("actions", m.actions),
	}
	attrs = append(attrs, m.extra...)
	attrs = append(attrs,
		slog.String("result", result),
		slog.Int("code", r.Code),
		slog.String("reply", fmt.Sprintf("%d.%d.%d %s", r.EnhancedCode[0], r.EnhancedCode[1], r.EnhancedCode[2], r.Message)),
		slog.Duration("spool", m.spool),
		slog.Duration("queue", m.queue),
		slog.Duration("filter", m.filter),
		slog.Duration("deliver", m.deliver),
		slog.Duration("total", total),
	)
	// The client and its load balancer (proxy=) are on log already.
	if o := env.Forwarded; o != nil {
		attrs = append(attrs, originAttr(o))
	}
	if m.refused > 0 {
		attrs = append(attrs, slog.Int("rcpts_refused", m.refused))
	}
	if m.err != nil {
		attrs = append(attrs, slog.String("err", m.err.Error()))
	}
	log.LogAttrs(context.Background(), level, "smtpd: message", attrs...)
	obs.MessageDone(m.info(result, r, total))
	return r
}

// tlsName is the inbound TLS version for the log, "" without TLS.
func tlsName(env *Envelope) string {
	if env.TLS == nil {
		return ""
	}
	return tlsVersionName(env.TLS.Version)
}

// originAttr is what the log line says of the original client an
// upstream reported: origin.via, .addr (unknown: ""), and the others when
// known.
func originAttr(o *Origin) slog.Attr {
	addr := ""
	if o.Addr.IsValid() {
		addr = o.Addr.String()
	}
	attrs := []any{slog.String("via", string(o.Via)), slog.String("addr", addr)}
	for _, kv := range [][2]string{{"name", o.Name}, {"helo", o.Helo}, {"ident", o.Ident}, {"login", o.Login}} {
		if kv[1] != "" {
			attrs = append(attrs, slog.String(kv[0], kv[1]))
		}
	}
	if o.Port != 0 {
		attrs = append(attrs, slog.Int("port", int(o.Port)))
	}
	if o.Local {
		attrs = append(attrs, slog.Bool("local", true))
	}
	return slog.Group("origin", attrs...)
}
