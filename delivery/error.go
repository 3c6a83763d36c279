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
)

// Error is a failed delivery step with the reply our client should get.
// It implements smtpd.Status.
type Error struct {
	Code     int    // SMTP reply code, 4xx or 5xx
	Enhanced [3]int // RFC 3463 status code
	Message  string // safe to show the client
	Err      error  // the cause, for logs; never shown to the client
}

func (e *Error) Error() string {
	s := fmt.Sprintf("delivery: %d %d.%d.%d %s", e.Code, e.Enhanced[0], e.Enhanced[1], e.Enhanced[2], e.Message)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// SMTPStatus implements smtpd.Status.
func (e *Error) SMTPStatus() (code int, enhanced [3]int, message string) {
	return e.Code, e.Enhanced, e.Message
}

// Temporary reports whether the client should retry.
func (e *Error) Temporary() bool { return e.Code/100 == 4 }

// errTLSNotOffered: the next hop does not offer STARTTLS.
var errTLSNotOffered = errors.New("STARTTLS not offered")

// errTLSHandshake marks a failed STARTTLS handshake (wrapped with the
// cause); the opportunistic mode retries in plain text after it.
var errTLSHandshake = errors.New("TLS handshake failed")

// temporary builds a 451 we originate.
func temporary(enhanced [3]int, message string, cause error) *Error {
	return &Error{Code: 451, Enhanced: enhanced, Message: message, Err: cause}
}

// replyError maps an error from one step of the SMTP dialogue. step names
// the command for the message ("MAIL FROM", "end of data", ...); setup is
// true before MAIL FROM, where even a 5xx means "not now" for us.
func replyError(step string, setup bool, err error) *Error {
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
		return temporary([3]int{4, 7, 4}, "next hop: TLS required but not offered", err)
	case isTLSFailure(err):
		return temporary([3]int{4, 7, 5}, "next hop: TLS handshake or certificate verification failed", err)
	}
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &oe) && oe.Op == "dial":
		return temporary([3]int{4, 4, 1}, "next hop: not reachable", err)
	case errors.As(err, &ne) && ne.Timeout():
		if step == "end of data" {
			return temporary([3]int{4, 4, 1}, "next hop: no reply after end of data, the message may have been delivered", err)
		}
		return temporary([3]int{4, 4, 1}, "next hop: no reply to "+step+" in time", err)
	case errors.Is(err, errCanceled):
		return temporary([3]int{4, 4, 1}, "next hop: "+step+" interrupted", err)
	case errors.Is(err, net.ErrClosed), errors.Is(err, errBroken), isConnLoss(err):
		return temporary([3]int{4, 4, 1}, "next hop: connection lost at "+step, err)
	}
	return temporary([3]int{4, 3, 0}, "next hop: local error at "+step, err)
}

// nextHopReply passes a reply of the next hop on. A 421 ("closing
// channel") becomes 451: passed as is, it would tell our client that we
// close the connection. During setup (greeting, EHLO, STARTTLS) any
// refusal is temporary: it is about us, not the message, and the mail
// must wait until the admin fixes it (as Postfix's smtp_skip_5xx_greeting).
func nextHopReply(step string, setup bool, code int, enh [3]int, msg string, cause error) *Error {
	if enh == [3]int{} || enh[0] < 0 { // go-smtp: not set / NoEnhancedCode
		enh = [3]int{code / 100, 0, 0}
	}
	switch {
	case code < 400 || code > 599:
		// e.g. 354 to RCPT: the next hop does not speak SMTP as we do.
		return temporary([3]int{4, 5, 0}, fmt.Sprintf("next hop: unexpected reply %d to %s", code, step), cause)
	case setup:
		return temporary([3]int{4, 4, 1}, fmt.Sprintf("next hop: refused at %s: %d %s", step, code, msg), cause)
	case code == 421:
		code = 451
	}
	enh[0] = code / 100
	return &Error{Code: code, Enhanced: enh, Message: "next hop: " + msg, Err: cause}
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
