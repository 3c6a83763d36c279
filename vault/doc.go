// Package vault keeps the original of every message the gateway accepts,
// encrypted at rest, indexed and searchable, until its retention ends: the
// 原本保管 that lets staff get an original when the sanitized text is not
// enough, and the place a message goes when it cannot be rebuilt
// (quarantine instead of a bounce).
//
// # What the relay calls
//
// Before it acknowledges a message the relay calls Put with the original
// (streamed) and its envelope; Put returns only once the encrypted original
// and its index entry are durable. After delivering the sanitized copy it
// calls RecordOutcome with the verdict, the delivered copy's SHA-256 and
// size, the decoded headers and the sanitizer's Report as JSON. An entry
// whose outcome was never recorded (a crash, or a delivery that failed)
// stays StateStored, i.e. undelivered. A sender's retries of a message that
// was not delivered reuse its entry (same queue id, or the same original
// and envelope within Options.DedupeWindow), so they never pile up copies.
// A vault over Options.MaxSize refuses with a *FullError, which carries
// the SMTP reply 452 4.3.1.
//
// # Encryption
//
// Each original is encrypted with filippo.io/age under a file key of its
// own, which its header does not carry (keys.go): the file key is
// encrypted to the vault's recipients (age public keys, several during a
// rotation) and kept in the index. (Entries of older versions hold an
// X25519 entry key there instead; both read.) So the gateway needs only the public keys; reading an
// original needs the vault identity (private key), which can live on
// another machine; and purging an entry destroys its key (crypto-erase):
// a copy of the object left in a backup or an object store's old versions
// can no longer be read.
//
// # Storage
//
// The encrypted objects live in a Store (a small interface, so that
// S3-compatible object storage can follow): in the embedded default, the
// SQLite index database for objects up to 64 KiB and a directory of files
// written with fsync and rename for larger ones; or chunks in PostgreSQL.
// The index — entries, subject search terms, per-entry events and the
// audit chain — is SQL: SQLite (modernc.org/sqlite, no cgo), or the same
// PostgreSQL database, which several gateway instances can share. SQLite
// groups the commits of concurrent writers into one (committer), so
// twenty sessions storing originals at once share fsyncs.
//
// # Audit
//
// Every read of an original, release, purge, legal hold and change of the
// vault's keys appends a record to a hash chain in the index database: each
// record holds the SHA-256 of the one before, and a head row the last, so
// VerifyAudit finds a record that was changed, removed or cut from the end.
package vault
