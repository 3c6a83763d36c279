package vault

import (
	"errors"
	"fmt"

	"github.com/mugai/mugai/smtpd/reply"
)

var (
	// ErrNotFound: no entry has that id (or the text is not an id).
	ErrNotFound = errors.New("no such vault entry")
	// ErrPurged: the entry's original was purged (by retention or by
	// hand); only its envelope and events remain.
	ErrPurged = errors.New("the original was purged")
	// ErrHeld: the entry is under legal hold, so it cannot be purged.
	ErrHeld = errors.New("the entry is under legal hold")
	// ErrWrongKey: none of the identities given can decrypt the entry's
	// key; the entry was stored for other recipients.
	ErrWrongKey = errors.New("the identity does not match the keys this original was stored for")
	// ErrNoKeys: the vault was opened without recipients, so it can read
	// but not store.
	ErrNoKeys = errors.New("the vault has no recipient keys to encrypt to")
	// ErrNoCopy: no delivered copy of the entry was stored (PutCopy).
	ErrNoCopy = errors.New("no delivered copy is kept for this entry")
	// ErrCorrupt: an original decrypted to something other than what was
	// stored (its SHA-256 or size differs).
	ErrCorrupt = errors.New("the stored original does not match its SHA-256")
)

// FullError is returned by Put when the vault holds Options.MaxSize or
// more. The relay answers 452 4.3.1 (RFC 3463: mail system full), so the
// sender keeps the message and retries; nothing is dropped.
type FullError struct {
	Used, Max int64
}

func (e *FullError) Error() string {
	return fmt.Sprintf("vault full: %d bytes stored, vault.max_size is %d", e.Used, e.Max)
}

// Unwrap gives the reply for the sender, so that the relay, which passes
// a *reply.Reply in an error to the client, answers 452 4.3.1.
func (e *FullError) Unwrap() error {
	return reply.New(reply.InsufficientStorage, reply.SystemFull, "insufficient system storage, try again later")
}
