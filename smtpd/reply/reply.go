// Package reply is mugai's one type of SMTP reply: a basic code (RFC 5321
// §4.2), an enhanced status code (RFC 3463) and a text for the client, with
// the cause kept for the log only.
//
// Every package of the relay that decides what a client is told builds a
// *Reply: smtpd for its own refusals, delivery for the next hop's answers,
// auth for a sender authentication verdict, vault for a full vault, and the
// gateway for relay policy and the sanitizer's rejections. smtpd passes a
// *Reply found in an error (errors.As, so it may be wrapped) to the client
// as is; any other error becomes 451 4.3.0 with a generic text.
//
// The package imports nothing but the standard library, so that those
// packages can name replies without depending on the server.
package reply

import (
	"fmt"
	"strconv"
)

// Code is a basic reply code (RFC 5321 §4.2.2, §4.2.3). The names are the
// meanings RFC 5321 gives them.
type Code int

// The basic codes mugai sends.
const (
	// ServiceReady: "<domain> Service ready" (the greeting, STARTTLS).
	ServiceReady Code = 220
	// OK: "Requested mail action okay, completed".
	OK Code = 250
	// ServiceNotAvailable: "Service not available, closing transmission
	// channel"; the connection ends after it.
	ServiceNotAvailable Code = 421
	// LocalError: "Requested action aborted: local error in processing";
	// the sender tries again later.
	LocalError Code = 451
	// InsufficientStorage: "Requested action not taken: insufficient
	// system storage" (also "too many recipients", §4.5.3.1.10).
	InsufficientStorage Code = 452
	// ParameterSyntax: "Syntax error in parameters or arguments".
	ParameterSyntax Code = 501
	// NotImplemented: "Command not implemented".
	NotImplemented Code = 502
	// BadSequence: "Bad sequence of commands".
	BadSequence Code = 503
	// MailboxUnavailable: "Requested action not taken: mailbox
	// unavailable", and the usual refusal by policy (§3.6.2, relaying).
	MailboxUnavailable Code = 550
	// ExceededStorage: "Requested mail action aborted: exceeded storage
	// allocation" (a message over the size limit, RFC 1870).
	ExceededStorage Code = 552
	// MailboxNameNotAllowed: "Requested action not taken: mailbox name
	// not allowed" (address syntax).
	MailboxNameNotAllowed Code = 553
	// TransactionFailed: "Transaction failed" (refused by policy).
	TransactionFailed Code = 554
)

// Class is the code's first digit: 2 success, 4 temporary, 5 permanent.
func (c Code) Class() int { return int(c) / 100 }

// Enhanced is an enhanced status code without its class: RFC 3463 §2's
// "subject.detail", which §3 names as "X.subject.detail". The class X is
// always the basic code's first digit, so the two cannot disagree (§2:
// they must). It is written subject*1000+detail (X.7.1 is 7_001, X.7.26
// is 7_026); use Enhanced.Subject and Enhanced.Detail to read it.
type Enhanced int

// NoEnhanced marks a reply without an enhanced code: the greeting (RFC
// 2034 §3 gives it none).
const NoEnhanced Enhanced = -1

// The enhanced codes mugai sends, with RFC 3463's names (§3.1 to §3.8) and
// those of later RFCs where cited.
const (
	// Undefined is X.0.0, "Other undefined Status".
	Undefined Enhanced = 0

	// AddressDestinationSyntax is X.1.3, "Bad destination mailbox
	// address syntax".
	AddressDestinationSyntax Enhanced = 1_003
	// AddressSenderSyntax is X.1.7, "Bad sender's mailbox address
	// syntax".
	AddressSenderSyntax Enhanced = 1_007

	// SystemOther is X.3.0, "Other or undefined mail system status".
	SystemOther Enhanced = 3_000
	// SystemFull is X.3.1, "Mail system full".
	SystemFull Enhanced = 3_001
	// SystemNotAccepting is X.3.2, "System not accepting network
	// messages" (busy, shutting down).
	SystemNotAccepting Enhanced = 3_002
	// SystemMessageTooBig is X.3.4, "Message too big for system".
	SystemMessageTooBig Enhanced = 3_004
	// SystemMisconfigured is X.3.5, "System incorrectly configured".
	SystemMisconfigured Enhanced = 3_005

	// NetworkNoAnswer is X.4.1, "No answer from host".
	NetworkNoAnswer Enhanced = 4_001
	// NetworkBadConnection is X.4.2, "Bad connection".
	NetworkBadConnection Enhanced = 4_002
	// NetworkDirectoryFailure is X.4.3, "Directory server failure" (DNS).
	NetworkDirectoryFailure Enhanced = 4_003

	// ProtocolOther is X.5.0, "Other or undefined protocol status".
	ProtocolOther Enhanced = 5_000
	// ProtocolInvalidCommand is X.5.1, "Invalid command".
	ProtocolInvalidCommand Enhanced = 5_001
	// ProtocolTooManyRecipients is X.5.3, "Too many recipients".
	ProtocolTooManyRecipients Enhanced = 5_003
	// ProtocolInvalidArguments is X.5.4, "Invalid command arguments".
	ProtocolInvalidArguments Enhanced = 5_004

	// MediaOther is X.6.0, "Other or undefined media error".
	MediaOther Enhanced = 6_000
	// MediaNonASCIIAddress is X.6.7, "Non-ASCII addresses not permitted
	// for that sender/recipient" (RFC 6531 §3.5).
	MediaNonASCIIAddress Enhanced = 6_007

	// SecurityOther is X.7.0, "Other or undefined security status".
	SecurityOther Enhanced = 7_000
	// SecurityDeliveryNotAuthorized is X.7.1, "Delivery not authorized,
	// message refused".
	SecurityDeliveryNotAuthorized Enhanced = 7_001
	// SecurityNotSupported is X.7.4, "Security features not supported".
	SecurityNotSupported Enhanced = 7_004
	// SecurityCryptoFailure is X.7.5, "Cryptographic failure".
	SecurityCryptoFailure Enhanced = 7_005
	// SecurityNoPassingDKIM is X.7.20, "No passing DKIM signature found"
	// (RFC 7372 §3.1).
	SecurityNoPassingDKIM Enhanced = 7_020
	// SecuritySPFFailed is X.7.23, "SPF validation failed" (RFC 7372
	// §3.2).
	SecuritySPFFailed Enhanced = 7_023
	// SecurityMultipleAuthFailed is X.7.26, "Multiple authentication
	// checks failed" (RFC 7372 §3.4): mugai's code for a DMARC failure.
	SecurityMultipleAuthFailed Enhanced = 7_026
)

// MakeEnhanced returns subject.detail, for a code read from elsewhere (a
// next hop's reply). RFC 3463 §2 allows up to three digits for each; a
// value outside that is Undefined.
func MakeEnhanced(subject, detail int) Enhanced {
	if subject < 0 || subject > 999 || detail < 0 || detail > 999 {
		return Undefined
	}
	return Enhanced(subject*1000 + detail)
}

// Subject is the code's subject (RFC 3463 §2), -1 for NoEnhanced.
func (e Enhanced) Subject() int {
	if e < 0 {
		return -1
	}
	return int(e) / 1000
}

// Detail is the code's detail (RFC 3463 §2), -1 for NoEnhanced.
func (e Enhanced) Detail() int {
	if e < 0 {
		return -1
	}
	return int(e) % 1000
}

// String is "X.subject.detail", as RFC 3463 writes a code of any class.
func (e Enhanced) String() string {
	if e < 0 {
		return "none"
	}
	return "X." + strconv.Itoa(e.Subject()) + "." + strconv.Itoa(e.Detail())
}

// Reply is an SMTP reply, and the error that carries it to smtpd.
type Reply struct {
	// Code is the basic code, Enhanced the enhanced code without class.
	Code     Code
	Enhanced Enhanced
	// Message is the text for the client: no internal detail.
	Message string
	// Cause is what went wrong, for the log; it is never sent.
	Cause error
}

// New returns the reply code enhanced message.
func New(code Code, enhanced Enhanced, message string) *Reply {
	return &Reply{Code: code, Enhanced: enhanced, Message: message}
}

// Because returns a copy of r with cause as its Cause.
func (r *Reply) Because(cause error) *Reply {
	c := *r
	c.Cause = cause
	return &c
}

// EnhancedCode is the full enhanced code, class first, as RFC 3463 and
// go-smtp write it: {5, 7, 1}; {-1, -1, -1} for NoEnhanced.
func (r *Reply) EnhancedCode() [3]int {
	if r.Enhanced < 0 {
		return [3]int{-1, -1, -1}
	}
	return [3]int{r.Code.Class(), r.Enhanced.Subject(), r.Enhanced.Detail()}
}

// Temporary reports whether the client should try again (a 4xx).
func (r *Reply) Temporary() bool { return r.Code.Class() == 4 }

// String is the reply as it goes on the wire, without line end:
// "550 5.7.1 Relay not permitted".
func (r *Reply) String() string {
	if r.Enhanced < 0 {
		return fmt.Sprintf("%d %s", r.Code, r.Message)
	}
	e := r.EnhancedCode()
	return fmt.Sprintf("%d %d.%d.%d %s", r.Code, e[0], e[1], e[2], r.Message)
}

// Error is the reply and, after a colon, its cause.
func (r *Reply) Error() string {
	if r.Cause != nil {
		return r.String() + ": " + r.Cause.Error()
	}
	return r.String()
}

// Unwrap returns the cause.
func (r *Reply) Unwrap() error { return r.Cause }
