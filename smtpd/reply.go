package smtpd

import (
	"errors"
	"net"
	"strings"

	"github.com/emersion/go-smtp"

	"github.com/mugai/mugai/smtpd/reply"
)

// wire builds the *smtp.SMTPError go-smtp sends. go-smtp recognises a
// reply only by the type assertion err.(*smtp.SMTPError) (conn.go
// writeError, dataErrorToStatus): a wrapped error would become 451 or 554
// with our internal error text, so replies are always built here, bare.
func wire(code reply.Code, enhanced reply.Enhanced, message string) *smtp.SMTPError {
	r := reply.Reply{Code: code, Enhanced: enhanced}
	return &smtp.SMTPError{Code: int(code), EnhancedCode: smtp.EnhancedCode(r.EnhancedCode()), Message: message}
}

// The replies of this package, with the RFC 3463 code of each.
func replyQueued(id string) *smtp.SMTPError {
	return wire(reply.OK, reply.Undefined, "Ok: queued as "+id)
}

func replyAccessDenied() *smtp.SMTPError {
	return wire(reply.TransactionFailed, reply.SecurityDeliveryNotAuthorized, "Access denied")
}

// replyProxyMissing answers a load balancer of Config.ProxyNetworks that
// sent no valid PROXY header: our side is misconfigured (RFC 3463 X.3.5,
// "system incorrectly configured"), so the sender is told to retry.
func replyProxyMissing() *smtp.SMTPError {
	return wire(reply.ServiceNotAvailable, reply.SystemMisconfigured, "PROXY protocol header missing or invalid, try again later")
}

// replyProxyRefused answers a PROXY header from a client that may not
// send one.
func replyProxyRefused() *smtp.SMTPError {
	return wire(reply.TransactionFailed, reply.SecurityDeliveryNotAuthorized, "PROXY header not accepted from this address")
}

func replyTooManyConnections() *smtp.SMTPError {
	return wire(reply.ServiceNotAvailable, reply.SecurityOther, "Too many connections, try again later")
}

func replyShuttingDown() *smtp.SMTPError {
	return wire(reply.ServiceNotAvailable, reply.SystemNotAccepting, "Service shutting down, try again later")
}

// replyOtherRoute answers a recipient whose route differs from the
// transaction's: RFC 5321 §3.3 lets a server refuse a recipient
// temporarily, and the client then sends it in a later transaction.
func replyOtherRoute() *smtp.SMTPError {
	return wire(reply.LocalError, reply.ProtocolTooManyRecipients, "Use a separate transaction for this recipient")
}

func replyBareNewline(what string) *smtp.SMTPError {
	return wire(reply.MailboxUnavailable, reply.MediaOther, "Bare "+what+" received, see RFC 5321 section 2.3.8")
}

// replyLineTooLong answers a DATA line over go-smtp's MaxLineLength (2000,
// twice RFC 5321's 1000). go-smtp cannot resynchronise after it: it sends
// "500 5.4.0 Too long line" next and closes the connection.
func replyLineTooLong() *smtp.SMTPError {
	return wire(reply.TransactionFailed, reply.MediaOther, "Line too long, see RFC 5321 section 4.5.3.1.6")
}

func replyEmptyMessage() *smtp.SMTPError {
	return wire(reply.TransactionFailed, reply.MediaOther, "Message is empty")
}

func replyOutputTooLarge() *smtp.SMTPError {
	return wire(reply.ExceededStorage, reply.SystemMessageTooBig, "Sanitized message exceeds size limit")
}

func replyClientTimeout() *smtp.SMTPError {
	return wire(reply.LocalError, reply.NetworkBadConnection, "Timeout reading message, closing connection")
}

func replyBusy() *smtp.SMTPError {
	return wire(reply.LocalError, reply.SystemNotAccepting, "Too busy, try again later")
}

func replyTooManyErrors() *smtp.SMTPError {
	return wire(reply.ServiceNotAvailable, reply.SecurityOther, "Too many errors, closing connection")
}

func replyNextHopUnavailable() *smtp.SMTPError {
	return wire(reply.LocalError, reply.NetworkNoAnswer, "Next hop not reachable, try again later")
}

// replyNextHopSlow: the next hop did not answer for a recipient within
// RecipientTimeout.
func replyNextHopSlow() *smtp.SMTPError {
	return wire(reply.LocalError, reply.NetworkBadConnection, "Next hop too slow, try again later")
}

// replyNextHopBudget: the transaction's recipients used up EnvelopeTime.
// 452 is RFC 5321's "too many recipients" (§4.5.3.1.10): the client
// delivers to those accepted and sends the rest in a new transaction.
func replyNextHopBudget() *smtp.SMTPError {
	return wire(reply.InsufficientStorage, reply.ProtocolTooManyRecipients, "Next hop is slow: send the remaining recipients in a new transaction")
}

func replyInternal() *smtp.SMTPError {
	return wire(reply.LocalError, reply.SystemOther, "Internal error, try again later")
}

// mapError turns an error of the Router, Filter or Delivery into a reply:
// a *reply.Reply keeps its reply, and so does a go-smtp *smtp.SMTPError (a
// Delivery other than the delivery package's may return one); a failed
// network operation is 451 4.4.1; anything else is 451 4.3.0, never with
// the error's own text. (net.Error is not the test:
// context.DeadlineExceeded implements it.)
func mapError(err error) *smtp.SMTPError {
	var r *reply.Reply
	if errors.As(err, &r) {
		return checkedReply(r.Code, r.Enhanced, r.Message)
	}
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return checkedReply(reply.Code(se.Code), reply.MakeEnhanced(se.EnhancedCode[1], se.EnhancedCode[2]), se.Message)
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return replyNextHopUnavailable()
	}
	return replyInternal()
}

// checkedReply checks a reply we did not write ourselves: a code outside
// 4xx/5xx where an error is expected would tell the client something
// false, so it becomes 451 4.3.0; the enhanced code takes the basic
// code's class (RFC 3463 §2: the classes must match); the text is made
// safe for the wire.
func checkedReply(code reply.Code, enhanced reply.Enhanced, message string) *smtp.SMTPError {
	if code < 400 || code > 599 {
		return replyInternal()
	}
	if enhanced == reply.NoEnhanced {
		enhanced = reply.Undefined
	}
	return wire(code, enhanced, safeText(message))
}

// Bounds of a reply text we pass on: RFC 5321 §4.5.3.1.5 allows 512
// octets per reply line including the code.
const (
	maxReplyLine  = 400
	maxReplyLines = 8
)

// safeText makes a reply text printable US-ASCII (RFC 5321 §4.2: the text
// is textstring), keeping line breaks (go-smtp turns "\n" into a
// multi-line reply) and bounding its length.
func safeText(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	if len(lines) > maxReplyLines {
		lines = lines[:maxReplyLines]
	}
	for i, l := range lines {
		b := []byte(l)
		for j, c := range b {
			if c < 0x20 || c > 0x7e {
				b[j] = '?'
			}
		}
		if len(b) > maxReplyLine {
			b = b[:maxReplyLine]
		}
		lines[i] = string(b)
	}
	s = strings.Join(lines, "\n")
	if strings.TrimSpace(s) == "" {
		return "Error"
	}
	return s
}
