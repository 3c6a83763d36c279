package sanitize

import "fmt"

// RejectError is returned by Sanitizer.Message when the policy refuses a
// message (fail closed), and by Sanitizer.File for a file that cannot be
// made safe. Nothing was written to the destination. Its kind (and, for a
// limit, which one) decides the SMTP reply a relay gives the sender; the
// relay chooses it (gateway.RejectionReply): the sanitizer knows nothing
// of SMTP.
type RejectError struct {
	// Kind is the class of the rejection.
	Kind RejectKind
	// Limit names the limit exceeded, for Kind RejectLimit.
	Limit Limit
	// Reason is one line of English, safe to show to the sender.
	Reason string
}

func (e *RejectError) Error() string {
	return fmt.Sprintf("message rejected: %s", e.Reason)
}

// RejectKind is the class of a rejection, a stable machine-readable word.
type RejectKind string

// Rejection kinds.
const (
	// RejectAmbiguous: a MIME structure that parsers read differently
	// (duplicate or conflicting parameters, boundaries, parts hidden by
	// malformed boundaries).
	RejectAmbiguous RejectKind = "ambiguous"
	// RejectLimit: a limit was exceeded; the Limit says which.
	RejectLimit RejectKind = "limit"
	// RejectMalformed: input that cannot be read as a message at all
	// (reserved; broken messages are read as far as they go today).
	RejectMalformed RejectKind = "malformed"
	// RejectPolicy: the policy refuses the content (a file that cannot be
	// made safe).
	RejectPolicy RejectKind = "policy"
	// RejectAuth: the caller held the message back for its sender
	// authentication (auth.on_fail: quarantine, QuarantineReason); the
	// sanitizer itself never refuses for it.
	RejectAuth RejectKind = "auth"
)

// Known reports whether k is one of the kinds above (a metric label must
// be one of a bounded set).
func (k RejectKind) Known() bool {
	switch k {
	case RejectAmbiguous, RejectLimit, RejectMalformed, RejectPolicy, RejectAuth:
		return true
	}
	return false
}

// Limit names a limit of the Policy by its configuration key (limits.*).
type Limit string

// Limits a message or file can exceed.
const (
	LimitMessageSize Limit = "message_size"
	LimitHeaderSize  Limit = "header_size"
	LimitLineLength  Limit = "line_length"
	LimitDepth       Limit = "mime_depth"
	LimitParts       Limit = "mime_parts"
	LimitPartSize    Limit = "part_size"
	LimitDecodedSize Limit = "decoded_size"
	LimitTime        Limit = "sanitize_time"
	LimitConvertSize Limit = "convert_size"
)

func newReject(kind RejectKind, limit Limit, reason string) *RejectError {
	return &RejectError{Kind: kind, Limit: limit, Reason: reason}
}

// rejection is what the Report records of e.
func (e *RejectError) rejection() *Rejection {
	return &Rejection{Kind: e.Kind, Limit: e.Limit, Reason: e.Reason}
}
