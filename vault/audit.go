package vault

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// AuditRecord is one entry of the audit log: who did what to which
// original. Each holds the SHA-256 of the record before it (Prev) and its
// own (Hash, over its fields and Prev), so a change anywhere breaks the
// chain from there on.
type AuditRecord struct {
	Seq     int64     `json:"seq"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	EntryID string    `json:"entry_id,omitempty"`
	Detail  string    `json:"detail,omitempty"`
	Prev    string    `json:"prev"`
	Hash    string    `json:"hash"`
}

// Audit actions.
const (
	AuditRead    = "read"
	AuditRelease = "release"
	AuditPurge   = "purge"
	AuditHold    = "hold"
	AuditUnhold  = "unhold"
	AuditKeys    = "keys"
)

// auditGenesis is the Prev of the first record: the SHA-256 of "mugai vault audit log v1",
// so the chain cannot start from a value of the writer's choosing.
const auditGenesis = "bd627695bfc10a3def10cbb74c5c5bdfb22796d81ae55faf0504fc040d34f5e7"

// auditHash is SHA-256 over the record's fields, encoded as a JSON array
// (unambiguous: every string is quoted and escaped).
func auditHash(r *AuditRecord) string {
	b, _ := json.Marshal([]any{r.Seq, r.At.UnixMicro(), r.Actor, r.Action, r.EntryID, r.Detail, r.Prev})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// appendAudit adds a record in tx. Its Seq, Prev and Hash are filled in
// from the head, whose row the update locks until tx ends.
func appendAudit(ctx context.Context, tx *sql.Tx, r AuditRecord) error {
	err := tx.QueryRowContext(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).
		Scan(&r.Seq, &r.Prev)
	if err != nil {
		return fmt.Errorf("vault audit: %w", err)
	}
	r.At = r.At.UTC().Truncate(time.Microsecond)
	r.Hash = auditHash(&r)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit (seq, at, actor, action, entry_id, detail, prev, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		r.Seq, micros(r.At), r.Actor, r.Action, r.EntryID, r.Detail, r.Prev, r.Hash); err != nil {
		return fmt.Errorf("vault audit: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, r.Hash); err != nil {
		return fmt.Errorf("vault audit: %w", err)
	}
	return nil
}

// auditRecords calls fn for each record from seq from on, in order.
func auditRecords(ctx context.Context, q querier, from int64, fn func(AuditRecord) error) error {
	rows, err := q.QueryContext(ctx, `SELECT seq, at, actor, action, entry_id, detail, prev, hash
		FROM audit WHERE seq >= $1 ORDER BY seq`, from)
	if err != nil {
		return fmt.Errorf("vault audit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r AuditRecord
		var at int64
		if err := rows.Scan(&r.Seq, &at, &r.Actor, &r.Action, &r.EntryID, &r.Detail, &r.Prev, &r.Hash); err != nil {
			return fmt.Errorf("vault audit: %w", err)
		}
		r.At = fromMicros(at)
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AuditCheck is the result of VerifyAudit.
type AuditCheck struct {
	// Records is how many records were read; Head the hash of the last
	// one as the head row names it (write it down elsewhere to detect a
	// later rewrite of the whole chain).
	Records int64
	HeadSeq int64
	Head    string
	// Problems is empty when the chain is intact.
	Problems []string
}

// OK reports whether the chain is intact.
func (c *AuditCheck) OK() bool { return len(c.Problems) == 0 }

// maxProblems bounds what VerifyAudit lists; one broken link already
// says the log was changed.
const maxProblems = 20

// verifyAudit walks the chain.
func verifyAudit(ctx context.Context, q querier) (*AuditCheck, error) {
	c := new(AuditCheck)
	// Read the head first: records appended while we walk are then past
	// it and ignored, instead of looking like a broken head.
	if err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&c.HeadSeq, &c.Head); err != nil {
		return nil, fmt.Errorf("vault audit: head: %w", err)
	}
	problem := func(format string, args ...any) {
		if len(c.Problems) < maxProblems {
			c.Problems = append(c.Problems, fmt.Sprintf(format, args...))
		}
	}
	wantSeq, prev := int64(1), auditGenesis
	err := auditRecords(ctx, q, 1, func(r AuditRecord) error {
		if r.Seq > c.HeadSeq {
			return errStop
		}
		c.Records++
		if r.Seq != wantSeq {
			problem("records %d to %d are missing (removed)", wantSeq, r.Seq-1)
		}
		if r.Prev != prev {
			problem("record %d: does not follow the record before it (a record before it was changed or removed)", r.Seq)
		}
		if auditHash(&r) != r.Hash {
			problem("record %d: its contents do not match its hash (changed)", r.Seq)
		}
		wantSeq, prev = r.Seq+1, r.Hash
		return nil
	})
	if err != nil && err != errStop {
		return nil, err
	}
	switch {
	case wantSeq-1 < c.HeadSeq:
		problem("the log ends at record %d but the head names record %d (the last records were removed)", wantSeq-1, c.HeadSeq)
	case prev != c.Head:
		problem("the last record's hash differs from the head's (the last record was changed)")
	}
	return c, nil
}

// errStop ends a walk early without an error for the caller.
var errStop = fmt.Errorf("stop")
