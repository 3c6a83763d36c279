package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/emersion/go-smtp"

	"github.com/mugai/mugai/smtpd"
	"github.com/mugai/mugai/smtpd/reply"
)

// errBroken is the cause given for commands after the connection failed.
var errBroken = errors.New("connection unusable after an earlier error")

// errUnexpected marks a reply the next hop should not have sent.
var errUnexpected = errors.New("unexpected reply")

// transaction is the smtpd.Delivery of NextHop: one SMTP transaction on a
// connection of its own until it ends, when the connection goes back to
// the pool or is closed.
type transaction struct {
	hop *NextHop
	*session
	log *slog.Logger

	utf8   bool         // MAIL FROM carried SMTPUTF8
	broken *reply.Reply // set once the connection failed; later calls return it
	closed bool         // ended: the session is no longer ours
}

// reset sends RSET on a connection taken from the pool. Any failure,
// even a reply other than 250, makes the connection unusable.
func (t *transaction) reset(ctx context.Context) error {
	stop := t.conn.watch(ctx)
	defer stop()
	if err := t.session.reset(t.hop.commandTimeout()); err != nil {
		e := t.fail("RSET", err)
		t.broken = e
		return e
	}
	return nil
}

// mail sends MAIL FROM. go-smtp adds BODY=8BITMIME whenever the next hop
// offers 8BITMIME: we cannot know before filtering whether the output is
// 8-bit, and declaring 8BITMIME for 7-bit content is harmless (RFC 6152
// §3). SIZE carries the client's estimate (RFC 1870 calls it one); go-smtp
// adds it only when the next hop offers SIZE.
func (t *transaction) mail(ctx context.Context, env *smtpd.Envelope) error {
	opts := &smtp.MailOptions{Size: env.Size}
	if env.SMTPUTF8 {
		if ok, _ := t.c.Extension("SMTPUTF8"); ok {
			opts.UTF8 = true
			t.utf8 = true
		} else if !isASCII(env.From) {
			return errNeedsUTF8(env.From)
		}
		// With ASCII addresses the transaction needs no SMTPUTF8: the
		// sanitized message's header fields are ASCII (RFC 2047).
	}
	stop := t.conn.watch(ctx)
	defer stop()
	if err := t.c.Mail(env.From, opts); err != nil {
		return t.fail("MAIL FROM", err)
	}
	return nil
}

// AddRecipient sends RCPT TO; a refusal comes back with the next hop's
// own code.
func (t *transaction) AddRecipient(ctx context.Context, rcpt string) error {
	if t.broken != nil {
		return t.broken
	}
	if err := wireAddress(rcpt, false); err != nil {
		return err
	}
	if !t.utf8 && !isASCII(rcpt) {
		return errNeedsUTF8(rcpt)
	}
	stop := t.conn.watch(ctx)
	defer stop()
	if err := t.c.Rcpt(rcpt, nil); err != nil {
		return t.fail("RCPT TO", err)
	}
	return nil
}

// Deliver sends DATA and the message, and returns nil only on the next
// hop's 2xx reply to the final dot.
func (t *transaction) Deliver(ctx context.Context, msg io.Reader) error {
	if t.broken != nil {
		return t.broken
	}
	if t.closed {
		return temporary(reply.SystemOther, "next hop: transaction already ended", errBroken)
	}
	stop := t.conn.watch(ctx)
	err := t.send(msg)
	stop() // before the connection can go to another transaction
	t.end()
	return err
}

// send sends DATA, the message and the final dot, and reads the reply.
func (t *transaction) send(msg io.Reader) error {
	w, err := t.c.Data()
	if err != nil {
		return t.fail("DATA", err)
	}
	src := &readTracker{r: msg}
	// go-smtp's DATA writer buffers and dot-stuffs byte by byte, so a
	// small copy buffer does as well as io.Copy's 32 KiB one, allocated
	// per message.
	if _, err := io.CopyBuffer(w, src, make([]byte, 4<<10)); err != nil {
		// Never finish the DATA: closing the connection without the final
		// dot makes the next hop drop the partial message (RFC 5321 §3.8).
		t.conn.kill()
		if src.err != nil {
			return temporary(reply.SystemOther, "next hop: local error reading the message", src.err)
		}
		return t.fail("message transfer", err)
	}
	resp, err := w.CloseWithResponse()
	if err != nil {
		return t.fail("end of data", err)
	}
	t.log.Info("delivery: accepted by next hop", "reply", resp.StatusText)
	return nil
}

// Abort ends the transaction without delivery. It is harmless after
// Deliver.
func (t *transaction) Abort() { t.end() }

// end hands the connection back to the pool when nothing went wrong on it
// (the RSET before its next use abandons an unfinished transaction), or
// retires it: QUIT if it is still healthy, then close.
func (t *transaction) end() {
	if t.closed {
		return
	}
	t.closed = true
	if t.broken == nil && t.healthy() {
		if p := t.hop.pool(); p != nil && p.put(t.session) {
			return
		}
	}
	t.retire(t.broken == nil)
}

// fail maps err and, unless it is a reply of the next hop after which
// the session goes on (RFC 5321 §4.2: a 4yz or 5yz refusal of this
// command), marks the connection broken: a lost connection, a timeout, a
// 421 (the next hop is closing the channel, §3.8) or a reply no command
// expects.
func (t *transaction) fail(step string, err error) *reply.Reply {
	e := replyError(step, false, err)
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code < 400 || se.Code > 599 || se.Code == 421 {
		t.broken = e
	}
	t.log.Info("delivery: next hop failed", "step", step, "code", e.Code, "err", err)
	return e
}

// wireAddress refuses an address that is not in smtpd's canonical
// RFC 5321 form. go-smtp's client writes "MAIL FROM:<%s>" and
// "RCPT TO:<%s>" around the string it is given and checks only for CR and
// LF (client.go, validateLine), so anything else here would reach the
// next hop as written: "a@x> ORCPT=..." as a parameter, an unquoted
// "a b@x" as garbage. smtpd only hands over canonical addresses; this is
// the check that a caller's mistake cannot become a second recipient.
func wireAddress(addr string, sender bool) *reply.Reply {
	if _, err := smtpd.ParseMailbox(addr); err != nil {
		enh := reply.AddressDestinationSyntax
		if sender {
			enh = reply.AddressSenderSyntax
		}
		return reply.New(reply.MailboxNameNotAllowed, enh, "next hop: address not in RFC 5321 form").Because(err)
	}
	return nil
}

// errNeedsUTF8 refuses an address the next hop cannot take because it
// lacks SMTPUTF8: RFC 6531 forbids sending it there, and names the reply
// 553 with X.6.7 "non-ASCII addresses not permitted for that
// sender/recipient".
func errNeedsUTF8(addr string) *reply.Reply {
	return reply.New(reply.MailboxNameNotAllowed, reply.MediaNonASCIIAddress, "next hop: non-ASCII address not supported").
		Because(fmt.Errorf("next hop lacks SMTPUTF8 for <%s>", addr))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// readTracker remembers a read error, to tell a failing message source
// from a failing next hop.
type readTracker struct {
	r   io.Reader
	err error
}

func (r *readTracker) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}
