package vault

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"filippo.io/age"
)

// PPAP archives: a password-protected zip found in an accepted message is
// held here, one row per recipient, until its password opens it (typed on
// the recipient page, or found in the password mail that follows), the
// page locks it after too many wrong passwords, or its window ends. Both
// the archive and, once opened, the message of its flattened contents are
// age-encrypted — not to the vault's recipients, whose identity may be
// offline, but to the gateway's own PPAP key (held beside the console's
// link key), because the gateway must open them without an operator. They
// are kept in the row itself (bounded by the message size), so crypto-
// erase is setting the column to NULL and no store object can be orphaned.
//
// The opened message is delivered from the row: Opened writes it and
// marks the row pending in one transaction, the deliverer claims it for a
// lease (so two instances or loops never send it at once), and Delivered
// marks it sent. A crash between the next hop's 250 and Delivered sends it
// once more after the lease, under the same Message-ID.

// ArchiveState is where a held archive is.
type ArchiveState string

// Archive states.
const (
	ArchiveHeld    ArchiveState = "held"
	ArchiveOpened  ArchiveState = "opened"
	ArchiveLocked  ArchiveState = "locked"
	ArchiveExpired ArchiveState = "expired"
)

// How an archive was opened (Archive.OpenedBy).
const (
	OpenedByPage = "page"
	OpenedByMail = "mail"
)

// Delivery states of an opened archive's message.
const (
	ArchivePending   = "pending"
	ArchiveDelivered = "delivered"
)

// Audit action and event kind of PPAP.
const (
	AuditPPAP = "ppap"
	EventPPAP = "ppap"
)

// Archive is a held PPAP archive for one recipient.
type Archive struct {
	ID      string
	EntryID string
	// Name is the attachment's file name; Scheme the encryption
	// ("zipcrypto", "aes-256", ...).
	Name, Scheme string
	Size         int64
	SHA256       string
	// The pairing: envelope sender, From address, recipient.
	MailFrom, HeaderFrom, Rcpt string
	// The archive's message: for the opened message's Subject and
	// In-Reply-To.
	Subject, MessageID string
	Received, Expires  time.Time

	State        ArchiveState
	PageFailures int
	// OpenedBy is OpenedByPage or OpenedByMail; OpenedWith the vault id
	// of the password mail.
	OpenedBy, OpenedWith string
	OpenedAt             time.Time
	// Delivery is "", ArchivePending or ArchiveDelivered.
	Delivery    string
	Attempts    int
	DeliveredAt time.Time
	LastError   string
}

const archiveColumns = `id, entry_id, name, scheme, size, sha256, mail_from, hdr_from, rcpt, subject, message_id,
	received, expires, state, page_failures, opened_by, opened_with, opened_at, delivery, attempts, delivered_at, last_error`

func scanArchive(sc scanner) (*Archive, error) {
	var a Archive
	var received, expires, openedAt, deliveredAt int64
	var state string
	if err := sc.Scan(&a.ID, &a.EntryID, &a.Name, &a.Scheme, &a.Size, &a.SHA256, &a.MailFrom, &a.HeaderFrom, &a.Rcpt,
		&a.Subject, &a.MessageID, &received, &expires, &state, &a.PageFailures, &a.OpenedBy, &a.OpenedWith,
		&openedAt, &a.Delivery, &a.Attempts, &deliveredAt, &a.LastError); err != nil {
		return nil, err
	}
	a.State = ArchiveState(state)
	a.Received, a.Expires, a.OpenedAt, a.DeliveredAt = fromMicros(received), fromMicros(expires), fromMicros(openedAt), fromMicros(deliveredAt)
	return &a, nil
}

func (v *Vault) queryArchives(ctx context.Context, where string, args ...any) ([]Archive, error) {
	rows, err := v.ix.db.QueryContext(ctx, `SELECT `+archiveColumns+` FROM ppap_archives WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("vault index: %w", err)
	}
	defer rows.Close()
	var out []Archive
	for rows.Next() {
		a, err := scanArchive(rows)
		if err != nil {
			return nil, fmt.Errorf("vault index: %w", err)
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

// sealTo age-encrypts data to r.
func sealTo(data []byte, r age.Recipient) ([]byte, error) {
	var b bytes.Buffer
	w, err := age.Encrypt(&b, r)
	if err != nil {
		return nil, fmt.Errorf("vault: encrypt: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return nil, fmt.Errorf("vault: encrypt: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("vault: encrypt: %w", err)
	}
	return b.Bytes(), nil
}

// unseal decrypts what sealTo wrote, reading at most limit bytes.
func unseal(sealed []byte, id age.Identity, limit int64) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(sealed), id)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, ErrWrongKey
		}
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrCorrupt, limit)
	}
	return b, nil
}

// HoldArchive keeps a PPAP archive of entry a.EntryID for recipient a.Rcpt,
// encrypted to key, and returns its id. It is an event of the entry and
// an audit record.
func (v *Vault) HoldArchive(ctx context.Context, a Archive, data []byte, key age.Recipient) (string, error) {
	entry, err := ParseID(a.EntryID)
	if err != nil {
		return "", err
	}
	sealed, err := sealTo(data, key)
	if err != nil {
		return "", err
	}
	id, now := newID(), v.now()
	if a.Received.IsZero() {
		a.Received = now
	}
	detail := fmt.Sprintf("held archive %s %q (%s, %d bytes) for %s", id, a.Name, a.Scheme, len(data), a.Rcpt)
	err = v.ix.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO ppap_archives (id, entry_id, name, scheme, size, sha256,
			mail_from, hdr_from, rcpt, search_mail_from, search_rcpt, subject, message_id, received, expires, state, data)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
			id, entry, a.Name, a.Scheme, int64(len(data)), a.SHA256, a.MailFrom, a.HeaderFrom, a.Rcpt,
			strings.ToLower(a.MailFrom), strings.ToLower(a.Rcpt), a.Subject, a.MessageID,
			micros(a.Received.UTC()), micros(a.Expires.UTC()), string(ArchiveHeld), sealed)
		if err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		return ppapRecord(ctx, tx, now, entry, "gateway", detail)
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// Archive returns one held archive.
func (v *Vault) Archive(ctx context.Context, id string) (*Archive, error) {
	id, err := ParseID(id)
	if err != nil {
		return nil, err
	}
	as, err := v.queryArchives(ctx, `id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, fmt.Errorf("%w: archive %s", ErrNotFound, id)
	}
	return &as[0], nil
}

// Archives returns the archives held from entry entryID, for every
// recipient, in the order they were held.
func (v *Vault) Archives(ctx context.Context, entryID string) ([]Archive, error) {
	id, err := ParseID(entryID)
	if err != nil {
		return nil, err
	}
	return v.queryArchives(ctx, `entry_id = $1 ORDER BY received, id`, id)
}

// OpenableArchives returns the archives still held for the envelope sender
// mailFrom and recipient rcpt (letter case ignored) received at since or
// later: those a password mail may pair with (ppap.Pairs decides).
func (v *Vault) OpenableArchives(ctx context.Context, mailFrom, rcpt string, since time.Time) ([]Archive, error) {
	return v.queryArchives(ctx, `search_mail_from = $1 AND search_rcpt = $2 AND state = $3 AND received >= $4
		ORDER BY received, id`, strings.ToLower(mailFrom), strings.ToLower(rcpt), string(ArchiveHeld), micros(since.UTC()))
}

// ArchiveData decrypts a held archive with the gateway's PPAP identity;
// ErrPurged once it was opened, locked or expired (its data is erased
// then).
func (v *Vault) ArchiveData(ctx context.Context, id string, key age.Identity, limit int64) ([]byte, error) {
	var sealed []byte
	err := v.ix.db.QueryRowContext(ctx, `SELECT data FROM ppap_archives WHERE id = $1`, id).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: archive %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("vault index: %w", err)
	}
	if sealed == nil {
		return nil, fmt.Errorf("%w: archive %s", ErrPurged, id)
	}
	return unseal(sealed, key, limit)
}

// ArchiveFailed counts a wrong password typed on the page for archive id
// by actor, and locks the archive (erasing its data) at max failures. It
// returns the failures so far and whether the archive is now locked;
// each try is an event and an audit record.
func (v *Vault) ArchiveFailed(ctx context.Context, id, actor, detail string, max int) (failures int, locked bool, err error) {
	now := v.now()
	err = v.ix.inTx(ctx, func(tx *sql.Tx) error {
		var entry, state string
		err := tx.QueryRowContext(ctx, `SELECT entry_id, state, page_failures FROM ppap_archives WHERE id = $1`, id).
			Scan(&entry, &state, &failures)
		if err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		if ArchiveState(state) != ArchiveHeld {
			return fmt.Errorf("vault: archive %s is %s", id, state)
		}
		failures++
		locked = failures >= max
		if locked {
			state = string(ArchiveLocked)
			_, err = tx.ExecContext(ctx, `UPDATE ppap_archives SET page_failures = $1, state = $2, data = NULL WHERE id = $3`, failures, state, id)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE ppap_archives SET page_failures = $1 WHERE id = $2`, failures, id)
		}
		if err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		d := fmt.Sprintf("archive %s: wrong password %d of %d", id, failures, max)
		if detail != "" {
			d += " " + detail
		}
		if locked {
			d += "; locked"
		}
		return ppapRecord(ctx, tx, now, entry, actor, d)
	})
	return failures, locked, err
}

// ArchiveOpened records that archive id was opened (by OpenedByPage or
// OpenedByMail; with is the password mail's vault id) and keeps msg, the
// message of its contents to deliver, encrypted to key, pending delivery;
// the archive's own data is erased. It returns false, changing nothing,
// when the archive is no longer held (opened meanwhile by another way or
// instance): then msg must not be delivered.
func (v *Vault) ArchiveOpened(ctx context.Context, id, by, with, actor string, msg []byte, key age.Recipient) (bool, error) {
	sealed, err := sealTo(msg, key)
	if err != nil {
		return false, err
	}
	now := v.now()
	opened := false
	err = v.ix.inTx(ctx, func(tx *sql.Tx) error {
		opened = false
		var entry string
		if err := tx.QueryRowContext(ctx, `SELECT entry_id FROM ppap_archives WHERE id = $1`, id).Scan(&entry); err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE ppap_archives SET state = $1, opened_by = $2, opened_with = $3, opened_at = $4,
			data = NULL, delivery = $5, out_data = $6, next_try = $4 WHERE id = $7 AND state = $8`,
			string(ArchiveOpened), by, with, micros(now), ArchivePending, sealed, id, string(ArchiveHeld))
		if err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		opened = true
		d := fmt.Sprintf("archive %s opened by %s", id, by)
		if with != "" {
			d += " (password mail " + with + ")"
			// The password mail's own page says what it opened.
			if err := addEvent(ctx, tx, Event{EntryID: with, At: now, Kind: EventPPAP, Actor: actor,
				Detail: fmt.Sprintf("its password opened archive %s of %s", id, entry)}); err != nil {
				return err
			}
		}
		return ppapRecord(ctx, tx, now, entry, actor, d)
	})
	return opened, err
}

// ClaimArchiveDelivery claims one opened archive whose message waits for
// delivery (its next try due), for lease: no other claim gets it until the
// lease ends or Delivered/Retry is called. nil when none waits.
func (v *Vault) ClaimArchiveDelivery(ctx context.Context, lease time.Duration) (*Archive, error) {
	now := micros(v.now())
	as, err := v.queryArchives(ctx, `delivery = $1 AND next_try <= $2 AND claimed_until <= $2 ORDER BY next_try, id LIMIT 5`,
		ArchivePending, now)
	if err != nil {
		return nil, err
	}
	for i := range as {
		res, err := v.ix.db.ExecContext(ctx, `UPDATE ppap_archives SET claimed_until = $1, attempts = attempts + 1
			WHERE id = $2 AND delivery = $3 AND claimed_until <= $4`, now+lease.Microseconds(), as[i].ID, ArchivePending, now)
		if err != nil {
			return nil, fmt.Errorf("vault index: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			as[i].Attempts++
			return &as[i], nil
		}
	}
	return nil, nil
}

// ArchiveMessage decrypts the message of an opened archive's contents.
func (v *Vault) ArchiveMessage(ctx context.Context, id string, key age.Identity, limit int64) ([]byte, error) {
	var sealed []byte
	err := v.ix.db.QueryRowContext(ctx, `SELECT out_data FROM ppap_archives WHERE id = $1`, id).Scan(&sealed)
	if err != nil {
		return nil, fmt.Errorf("vault index: %w", err)
	}
	if sealed == nil {
		return nil, fmt.Errorf("%w: archive %s: no message", ErrPurged, id)
	}
	return unseal(sealed, key, limit)
}

// ArchiveDelivered records the delivery of an opened archive's message
// (reply is the next hop's), erasing it; an event and an audit record.
func (v *Vault) ArchiveDelivered(ctx context.Context, id, reply string) error {
	now := v.now()
	return v.ix.inTx(ctx, func(tx *sql.Tx) error {
		var entry string
		if err := tx.QueryRowContext(ctx, `SELECT entry_id FROM ppap_archives WHERE id = $1`, id).Scan(&entry); err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ppap_archives SET delivery = $1, delivered_at = $2, out_data = NULL,
			last_error = '' WHERE id = $3`, ArchiveDelivered, micros(now), id); err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		d := fmt.Sprintf("archive %s: contents delivered: %s", id, reply)
		return ppapRecord(ctx, tx, now, entry, "gateway", d)
	})
}

// ArchiveRetry records a failed delivery of an opened archive's message:
// it is tried again at next.
func (v *Vault) ArchiveRetry(ctx context.Context, id string, next time.Time, why string) error {
	_, err := v.ix.db.ExecContext(ctx, `UPDATE ppap_archives SET next_try = $1, claimed_until = 0, last_error = $2 WHERE id = $3`,
		micros(next.UTC()), why, id)
	if err != nil {
		return fmt.Errorf("vault index: %w", err)
	}
	return nil
}

// ExpireArchives ends the archives still held whose window is over,
// erasing their data, and returns how many.
func (v *Vault) ExpireArchives(ctx context.Context) (int, error) {
	now := v.now()
	as, err := v.queryArchives(ctx, `state = $1 AND expires <= $2`, string(ArchiveHeld), micros(now))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range as {
		err := v.ix.inTx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE ppap_archives SET state = $1, data = NULL WHERE id = $2 AND state = $3`,
				string(ArchiveExpired), a.ID, string(ArchiveHeld))
			if err != nil {
				return fmt.Errorf("vault index: %w", err)
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return nil
			}
			n++
			d := fmt.Sprintf("archive %s: not opened within its window; erased", a.ID)
			return ppapRecord(ctx, tx, now, a.EntryID, "gateway", d)
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// purgeArchives erases the PPAP archives still held from a purged entry
// (in its purge's transaction): they end as expired. A message of opened
// contents still pending is delivered: it was addressed to the recipient
// before the purge.
func purgeArchives(ctx context.Context, tx *sql.Tx, entry string) error {
	_, err := tx.ExecContext(ctx, `UPDATE ppap_archives SET state = $1, data = NULL WHERE entry_id = $2 AND state = $3`,
		string(ArchiveExpired), entry, string(ArchiveHeld))
	if err != nil {
		return fmt.Errorf("vault index: %w", err)
	}
	return nil
}

// AbandonArchives ends archives still held whose message was not
// delivered after all (refused, or to be retried): they end as expired,
// their data erased, with an event each.
func (v *Vault) AbandonArchives(ctx context.Context, ids []string) error {
	now := v.now()
	for _, id := range ids {
		err := v.ix.inTx(ctx, func(tx *sql.Tx) error {
			var entry string
			err := tx.QueryRowContext(ctx, `SELECT entry_id FROM ppap_archives WHERE id = $1 AND state = $2`, id, string(ArchiveHeld)).Scan(&entry)
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("vault index: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE ppap_archives SET state = $1, data = NULL WHERE id = $2`, string(ArchiveExpired), id); err != nil {
				return fmt.Errorf("vault index: %w", err)
			}
			return ppapRecord(ctx, tx, now, entry, "gateway", fmt.Sprintf("archive %s: the message was not delivered; erased", id))
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ppapRecord records something done to an archive of entry: an event of
// the entry and an audit record, in tx.
func ppapRecord(ctx context.Context, tx *sql.Tx, now time.Time, entry, actor, detail string) error {
	if err := addEvent(ctx, tx, Event{EntryID: entry, At: now, Kind: EventPPAP, Actor: actor, Detail: detail}); err != nil {
		return err
	}
	return appendAudit(ctx, tx, AuditRecord{At: now, Actor: actor, Action: AuditPPAP, EntryID: entry, Detail: detail})
}
