package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// A release request asks for an original to be released: a recipient's
// "please release it" from the recipient page, or an LGWAN release that
// waits for a second person's approval. Deciding one is a compare-and-set
// from pending, so two approvers on two instances cannot both release.

// Request states.
const (
	RequestPending = "pending"
	// RequestApproved: claimed by an approver; the release is under way
	// (or the instance died during it: the entry's events tell).
	RequestApproved = "approved"
	RequestReleased = "released"
	RequestFailed   = "failed"
	RequestDenied   = "denied"
)

// RequestedRelease is one release request.
type RequestedRelease struct {
	ID      int64
	EntryID string
	// Recipient is the envelope recipient it is for ("" = all).
	Recipient string
	// Target is where it should go; "" lets the approver choose.
	Target      Target
	RequestedBy string
	Requested   time.Time
	Reason      string
	State       string
	DecidedBy   string
	Decided     time.Time
	Detail      string
}

const requestColumns = `id, entry_id, recipient, target, requested_by, requested, reason, state, decided_by, decided, detail`

func scanRequest(sc scanner) (*RequestedRelease, error) {
	var r RequestedRelease
	var target string
	var requested, decided int64
	if err := sc.Scan(&r.ID, &r.EntryID, &r.Recipient, &target, &r.RequestedBy, &requested, &r.Reason,
		&r.State, &r.DecidedBy, &decided, &r.Detail); err != nil {
		return nil, err
	}
	r.Target = Target(target)
	r.Requested, r.Decided = fromMicros(requested), fromMicros(decided)
	return &r, nil
}

// RequestRelease records a request, or returns the pending one for the
// same entry, recipient and target (created false), so a recipient who
// asks twice makes one request. The request is an event of the entry and
// an audit record.
func (v *Vault) RequestRelease(ctx context.Context, r RequestedRelease) (id int64, created bool, err error) {
	eid, err := ParseID(r.EntryID)
	if err != nil {
		return 0, false, err
	}
	now := v.now()
	err = v.ix.inTx(ctx, func(tx *sql.Tx) error {
		e, err := v.ix.lockEntry(ctx, tx, eid)
		if err != nil {
			return err
		}
		if e.State == StatePurged {
			return fmt.Errorf("%w: %s", ErrPurged, eid)
		}
		err = tx.QueryRowContext(ctx, `SELECT id FROM release_requests WHERE entry_id = $1 AND recipient = $2
			AND target = $3 AND state = 'pending' ORDER BY id LIMIT 1`, eid, r.Recipient, string(r.Target)).Scan(&id)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("vault index: %w", err)
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO release_requests (entry_id, recipient, target, requested_by,
			requested, reason, state) VALUES ($1, $2, $3, $4, $5, $6, 'pending') RETURNING id`,
			eid, r.Recipient, string(r.Target), r.RequestedBy, micros(now), r.Reason).Scan(&id)
		if err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		created = true
		detail := fmt.Sprintf("request=%d target=%s recipient=%s", id, targetName(r.Target), r.Recipient)
		if r.Reason != "" {
			detail += " " + reasonDetail(r.Reason)
		}
		if err := addEvent(ctx, tx, Event{EntryID: eid, At: now, Kind: EventRequest, Actor: r.RequestedBy, Detail: detail}); err != nil {
			return err
		}
		return appendAudit(ctx, tx, AuditRecord{At: now, Actor: r.RequestedBy, Action: AuditRequest, EntryID: eid, Detail: "new " + detail})
	})
	return id, created, err
}

func targetName(t Target) string {
	if t == "" {
		return "any"
	}
	return string(t)
}

// RequestedRelease reads one request.
func (v *Vault) RequestedRelease(ctx context.Context, id int64) (*RequestedRelease, error) {
	r, err := scanRequest(v.ix.db.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM release_requests WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("no release request %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("vault index: %w", err)
	}
	return r, nil
}

// RequestedReleases lists requests, newest first: those in state (all
// when ""), of entry (all when ""), at most limit.
func (v *Vault) RequestedReleases(ctx context.Context, state, entryID string, limit int) ([]RequestedRelease, error) {
	if limit <= 0 || limit > maxPage {
		limit = maxPage
	}
	rows, err := v.ix.db.QueryContext(ctx, `SELECT `+requestColumns+` FROM release_requests
		WHERE ($1 = '' OR state = $1) AND ($2 = '' OR entry_id = $2) ORDER BY id DESC LIMIT $3`, state, entryID, limit)
	if err != nil {
		return nil, fmt.Errorf("vault index: %w", err)
	}
	defer rows.Close()
	var out []RequestedRelease
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, fmt.Errorf("vault index: %w", err)
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// DecideRequest moves a request from the state from to the state to,
// recording who and why; ErrDecided when it is no longer in from (someone
// else decided it first). Approving is pending → approved, then, once the
// release ran, approved → released or failed.
func (v *Vault) DecideRequest(ctx context.Context, id int64, from, to, by, detail string) error {
	now := v.now()
	return v.ix.inTx(ctx, func(tx *sql.Tx) error {
		var eid string
		err := tx.QueryRowContext(ctx, `UPDATE release_requests SET state = $1, decided_by = $2, decided = $3,
			detail = $4 WHERE id = $5 AND state = $6 RETURNING entry_id`, to, by, micros(now), detail, id, from).Scan(&eid)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: request %d", ErrDecided, id)
		}
		if err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		d := fmt.Sprintf("request=%d %s", id, to)
		if detail != "" {
			d += ": " + detail
		}
		if err := addEvent(ctx, tx, Event{EntryID: eid, At: now, Kind: EventRequest, Actor: by, Detail: d}); err != nil {
			return err
		}
		return appendAudit(ctx, tx, AuditRecord{At: now, Actor: by, Action: AuditRequest, EntryID: eid, Detail: d})
	})
}
