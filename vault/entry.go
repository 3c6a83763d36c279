package vault

import (
	"encoding/json"
	"time"
)

// Envelope is the SMTP envelope of an original, as the relay received it.
type Envelope struct {
	// QueueID is the relay's id of the transaction (smtpd's Envelope.ID).
	QueueID string `json:"queue_id"`
	// Client is the address the message came from ("192.0.2.25:41234").
	Client string `json:"client"`
	// Helo is the client's HELO/EHLO argument, unverified.
	Helo string `json:"helo"`
	// MailFrom is the reverse-path, "" for the null sender.
	MailFrom string `json:"mail_from"`
	// Rcpts are the accepted recipients, in order.
	Rcpts []string `json:"rcpts"`
	// SMTPUTF8 and EightBitMIME are the client's MAIL parameters, kept so
	// a release can send the original on the same terms.
	SMTPUTF8     bool `json:"smtputf8,omitempty"`
	EightBitMIME bool `json:"8bitmime,omitempty"`
	// Received is when the relay accepted MAIL FROM; zero means now.
	Received time.Time `json:"received"`
}

// Headers are the decoded header fields the index keeps for search and
// display. The caller decodes them (the sanitizer already did); the vault
// stores them as given.
type Headers struct {
	From      string `json:"from,omitempty"`
	To        string `json:"to,omitempty"`
	Subject   string `json:"subject,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	Date      string `json:"date,omitempty"`
}

// Outcome is what became of a message after it was stored.
type Outcome struct {
	// Verdict is the sanitizer's word for what it did ("sanitized",
	// "notice", "quarantined", "passthrough", "rejected", ...).
	Verdict string `json:"verdict"`
	// Delivered is true when the next hop accepted the (sanitized) copy.
	Delivered bool `json:"delivered"`
	// Reply is the SMTP reply given to the sender.
	Reply string `json:"reply,omitempty"`
	// DeliveredSHA256 and DeliveredSize describe the copy that was
	// delivered ("" and 0 when none was).
	DeliveredSHA256 string `json:"delivered_sha256,omitempty"`
	DeliveredSize   int64  `json:"delivered_size,omitempty"`
	// Headers are the decoded fields of the original.
	Headers Headers `json:"headers"`
	// Report is the sanitizer's Report as JSON (its schema, versioned, is
	// docs/report.md), kept as given (it must be valid JSON, or empty).
	Report json.RawMessage `json:"report,omitempty"`
}

// State is where an entry is in its life.
type State string

const (
	// StateStored: the original is stored and no outcome was recorded: a
	// message in flight, or one whose delivery never completed (a crash
	// between store and outcome). It counts as undelivered.
	StateStored State = "stored"
	// StateDelivered: the outcome says the next hop has the copy.
	StateDelivered State = "delivered"
	// StateUndelivered: an outcome was recorded without a delivery (the
	// next hop refused or failed; the sender was told to retry).
	StateUndelivered State = "undelivered"
	// StatePurged: the original and its key were destroyed; the envelope
	// and the events remain.
	StatePurged State = "purged"
)

// Entry is one original in the vault.
type Entry struct {
	ID       string   `json:"id"`
	Envelope Envelope `json:"envelope"`
	// SHA256 and Size describe the original as received.
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// StoredSize is the size of the encrypted object.
	StoredSize int64 `json:"stored_size"`
	State      State `json:"state"`
	Held       bool  `json:"held,omitempty"`
	// Expires is when retention ends; a held entry outlives it.
	Expires time.Time `json:"expires"`
	// LastSeen is the last time the sender sent this message (a retry
	// reuses the entry); Attempts counts the sends.
	LastSeen time.Time `json:"last_seen"`
	Attempts int       `json:"attempts"`
	// Outcome is nil until RecordOutcome; OutcomeAt is when it was last
	// recorded.
	Outcome   *Outcome  `json:"outcome,omitempty"`
	OutcomeAt time.Time `json:"outcome_at,omitzero"`
	// Purged is when the original was destroyed (zero unless StatePurged).
	Purged time.Time `json:"purged,omitzero"`
	// CopySize is the size of the encrypted delivered copy (PutCopy); 0
	// when none is kept.
	CopySize int64 `json:"copy_size,omitempty"`
}

// Undelivered reports whether no delivery of the entry is recorded.
func (e *Entry) Undelivered() bool {
	return e.State == StateStored || e.State == StateUndelivered
}

// Event is one thing that happened to an entry: stored, a retry, an
// outcome, a read, a release, a hold, a purge.
type Event struct {
	Seq     int64     `json:"seq"`
	EntryID string    `json:"entry_id"`
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`
	// Actor is who did it ("relay", "retention", "cli:alice", ...).
	Actor string `json:"actor"`
	// QueueID is the relay's transaction for "stored" and "retry".
	QueueID string `json:"queue_id,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// Event kinds.
const (
	EventStored  = "stored"
	EventRetry   = "retry"
	EventOutcome = "outcome"
	EventRead    = "read"
	EventRelease = "release"
	EventHold    = "hold"
	EventUnhold  = "unhold"
	EventPurge   = "purge"
	EventDenied  = "denied"
)

// Query selects entries. Every field that is set must match; text fields
// other than the exact ones match a part of the value, in any letter case.
type Query struct {
	// Exact: the vault id, the relay's queue id (of any attempt), the
	// Message-ID (with or without <>), the SHA-256 of the original or of
	// the delivered copy.
	ID, QueueID, MessageID, SHA256 string
	// A part of: the envelope sender and recipients, the client address,
	// HELO, the decoded From and To.
	MailFrom, Rcpt, Client, Helo, From, To string
	// Subject holds words of the subject, all of which must occur.
	// Japanese and Chinese text need no spaces: "見積書" finds 「見積書の送付」.
	Subject string
	// Verdict is exact.
	Verdict string
	// State; StateUndelivered also finds StateStored.
	State State
	// Held finds only entries under legal hold.
	Held bool
	// Since and Until bound the time received: Since <= t < Until.
	Since, Until time.Time
	// Limit is the page size: default 50, at most 1000.
	Limit int
	// Cursor continues a search where the previous page's Next left off.
	Cursor string
}

// Page is one page of results, newest first.
type Page struct {
	Entries []Entry
	// Next is the cursor of the following page; "" on the last one.
	Next string
}
