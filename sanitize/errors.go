package sanitize

import "fmt"

// RejectError is returned by Sanitizer.Message when the policy refuses a
// message (fail closed). Nothing was written to the destination. It carries
// the SMTP reply a relay should give the sender: a permanent 5xx with an
// RFC 3463 enhanced status code.
type RejectError struct {
	// Kind is "ambiguous", "limit", "malformed" or "policy" (see Rejection).
	Kind string
	// Reason is one line of English, safe to show to the sender.
	Reason string
	// Code is the SMTP reply code, e.g. 550.
	Code int
	// Enhanced is the RFC 3463 status code, e.g. [3]int{5, 6, 0}.
	Enhanced [3]int
}

func (e *RejectError) Error() string {
	return fmt.Sprintf("message rejected: %s", e.Reason)
}

// SMTPStatus returns the reply the relay should send. smtpd matches this
// method with an interface of its own, so sanitize need not import it.
func (e *RejectError) SMTPStatus() (code int, enhanced [3]int, message string) {
	return e.Code, e.Enhanced, e.Reason
}

// Rejection kinds.
const (
	KindAmbiguous = "ambiguous"
	KindLimit     = "limit"
	KindMalformed = "malformed"
	KindPolicy    = "policy"
)

// rejectCodes maps a rejection kind to its SMTP reply. A structural problem
// is RFC 3463 5.6.0 "other or undefined media error"; size is 5.3.4
// "message too big for system"; a policy refusal is 5.7.1.
func newReject(kind, reason string) *RejectError {
	e := &RejectError{Kind: kind, Reason: reason, Code: 550, Enhanced: [3]int{5, 6, 0}}
	switch kind {
	case KindPolicy:
		e.Code, e.Enhanced = 554, [3]int{5, 7, 1}
	}
	return e
}
