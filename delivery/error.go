package delivery

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strings"

	"github.com/emersion/go-smtp"

	"github.com/mugai/mugai/smtpd/reply"
)

// errTLSNotOffered: the next hop does not offer STARTTLS.
var errTLSNotOffered = errors.New("STARTTLS not offered")

// errTLSHandshake marks a failed STARTTLS handshake (wrapped with the
// cause); the opportunistic mode retries in plain text after it.
var errTLSHandshake = errors.New("TLS handshake failed")

// temporary builds a 451 we originate.
func temporary(enhanced reply.Enhanced, message string, cause error) *reply.Reply {
	return reply.New(reply.LocalError, enhanced, message).Because(cause)
}

// replyError maps an error from one step of the SMTP dialogue. step names
// the command for the message ("MAIL FROM", "end of data", ...); setup is
// true before MAIL FROM, where even a 5xx means "not now" for us.
func replyError(step string, setup bool, err error) *reply.Reply {
	var se *smtp.SMTPError
	var te *textproto.Error
	switch {
	case errors.As(err, &se):
		return nextHopReply(step, setup, se.Code, [3]int(se.EnhancedCode), se.Message, err)
	case errors.As(err, &te):
		code, enh, msg := splitEnhanced(te.Code, te.Msg)
		return nextHopReply(step, setup, code, enh, msg, err)
	case errors.Is(err, errTLSNotOffered):
		// Postfix uses the same code for "TLS is required, but was not
		// offered by host".
		return temporary(reply.SecurityNotSupported, "next hop: TLS required but not offered", err)
	case isTLSFailure(err):
		return temporary(reply.SecurityCryptoFailure, "next hop: TLS handshake or certificate verification failed", err)
	}
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &oe) && oe.Op == "dial":
		return temporary(reply.NetworkNoAnswer, "next hop: not reachable", err)
	case errors.As(err, &ne) && ne.Timeout():
		if step == "end of data" {
			return temporary(reply.NetworkNoAnswer, "next hop: no reply after end of data, the message may have been delivered", err)
		}
		return temporary(reply.NetworkNoAnswer, "next hop: no reply to "+step+" in time", err)
	case errors.Is(err, errCanceled):
		return temporary(reply.NetworkNoAnswer, "next hop: "+step+" interrupted", err)
	case errors.Is(err, net.ErrClosed), errors.Is(err, errBroken), isConnLoss(err):
		return temporary(reply.NetworkNoAnswer, "next hop: connection lost at "+step, err)
	}
	return temporary(reply.SystemOther, "next hop: local error at "+step, err)
}

// nextHopReply passes a reply of the next hop on. A 421 ("closing
// channel") becomes 451: passed as is, it would tell our client that we
// close the connection. During setup (greeting, EHLO, STARTTLS) any
// refusal is temporary: it is about us, not the message, and the mail
// must wait until the admin fixes it (as Postfix's smtp_skip_5xx_greeting).
func nextHopReply(step string, setup bool, code int, enh [3]int, msg string, cause error) *reply.Reply {
	switch {
	case code < 400 || code > 599:
		// e.g. 354 to RCPT: the next hop does not speak SMTP as we do.
		return temporary(reply.ProtocolOther, fmt.Sprintf("next hop: unexpected reply %d to %s", code, step), cause)
	case setup:
		return temporary(reply.NetworkNoAnswer, fmt.Sprintf("next hop: refused at %s: %d %s", step, code, msg), cause)
	case code == 421:
		code = int(reply.LocalError)
	}
	// The class is the basic code's (RFC 3463 §2); a reply without an
	// enhanced code (go-smtp: zero or NoEnhancedCode) gets X.0.0.
	return reply.New(reply.Code(code), reply.MakeEnhanced(enh[1], enh[2]), "next hop: "+msg).Because(cause)
}

// splitEnhanced takes an RFC 2034 enhanced code off the front of a reply
// text read with net/textproto (go-smtp's client does the same for its
// own replies).
func splitEnhanced(code int, msg string) (int, [3]int, string) {
	first, rest, ok := strings.Cut(msg, " ")
	if !ok {
		return code, [3]int{}, msg
	}
	var e [3]int
	if n, err := fmt.Sscanf(first, "%d.%d.%d", &e[0], &e[1], &e[2]); err != nil || n != 3 {
		return code, [3]int{}, msg
	}
	return code, e, rest
}

// isTLSFailure recognises handshake and certificate errors.
func isTLSFailure(err error) bool {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var ae tls.AlertError
	var rh tls.RecordHeaderError
	return errors.Is(err, errTLSHandshake) || errors.As(err, &cv) || errors.As(err, &ua) ||
		errors.As(err, &hn) || errors.As(err, &ci) || errors.As(err, &ae) || errors.As(err, &rh)
}

// isConnLoss recognises a connection that ended under us.
func isConnLoss(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.As(err, new(textproto.ProtocolError))
}
