package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"filippo.io/age"
)

// The delivered copy — the sanitized message the next hop accepted — is
// kept beside the original so that the console can show what the
// recipient got (the notice and the text) without running the sanitizer
// again, which might now decide differently. It is encrypted like the
// original, to a key of its own wrapped to the vault's recipients, and
// purged with it.

// PutCopy stores the delivered copy of an entry, replacing an earlier
// one (a retry that was delivered after all). The relay calls it after
// RecordOutcome; it is not needed for the 250, so a failure costs only
// the console's view of the text.
func (v *Vault) PutCopy(ctx context.Context, id string, r io.Reader) error {
	if len(v.opts.Recipients) == 0 {
		return ErrNoKeys
	}
	id, err := ParseID(id)
	if err != nil {
		return err
	}
	// The entry is checked (found, not purged) in the transaction that
	// names the copy; an object stored for nothing is then deleted.
	enc, copyKey, err := encryptObject(r)
	if err != nil {
		return err
	}
	wrapped, err := wrapKey(copyKey.key, v.opts.Recipients)
	if err != nil {
		return fmt.Errorf("vault: wrap key: %w", err)
	}
	// An object name of its own (a fresh id under today), so a
	// replacement never overwrites the copy the index still names.
	key := objectKey(newID(), v.now().Format(dayLayout))
	stored, err := v.store.Put(ctx, key, enc)
	if err != nil {
		return err
	}
	var old sql.NullString
	err = v.ix.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if old, err = v.ix.stateOf(ctx, tx, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE entries SET copy_object = $1, copy_key = $2, copy_size = $3 WHERE id = $4`,
			key, wrapped, stored, id)
		if err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		return nil
	})
	drop := old
	if err != nil {
		drop = sql.NullString{String: key, Valid: true}
	}
	if drop.Valid {
		// Unreferenced now; a failure leaves an orphan the sweep removes.
		if derr := v.store.Delete(context.WithoutCancel(ctx), drop.String); derr != nil {
			v.log.Warn("vault: delete unreferenced copy", "key", drop.String, "err", derr)
		}
	}
	return err
}

// Copy decrypts an entry's delivered copy. Like Original, the read (or
// its refusal) is an event and an audit record, with the detail
// "delivered copy". ErrNoCopy when none was stored.
func (v *Vault) Copy(ctx context.Context, id string, a Access) (io.ReadCloser, error) {
	id, err := ParseID(id)
	if err != nil {
		return nil, err
	}
	var object sql.NullString
	var wrapped []byte
	var state string
	err = v.ix.db.QueryRowContext(ctx, `SELECT copy_object, copy_key, state FROM entries WHERE id = $1`, id).
		Scan(&object, &wrapped, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("vault index: %w", err)
	}
	var rc io.ReadCloser
	switch {
	case State(state) == StatePurged:
		err = fmt.Errorf("%w: %s", ErrPurged, id)
	case !object.Valid || wrapped == nil:
		return nil, fmt.Errorf("%w: %s", ErrNoCopy, id)
	default:
		rc, err = v.openObject(ctx, id, object.String, wrapped, a.Identities)
	}
	detail := "delivered copy"
	if a.Reason != "" {
		detail += " " + reasonDetail(a.Reason)
	}
	kind := EventRead
	if err != nil {
		kind = EventDenied
		detail += " refused: " + err.Error()
	}
	if aerr := v.recordAccess(ctx, id, a.Actor, kind, AuditRead, detail); aerr != nil {
		if rc != nil {
			rc.Close()
		}
		return nil, aerr
	}
	return rc, err
}

// openObject decrypts an object whose key is wrapped to the vault's
// recipients.
func (v *Vault) openObject(ctx context.Context, id, key string, wrapped []byte, ids []age.Identity) (io.ReadCloser, error) {
	if len(ids) == 0 {
		return nil, fmt.Errorf("vault: no identity given to decrypt with")
	}
	objKey, err := unwrapKey(wrapped, ids)
	if err != nil {
		return nil, err
	}
	obj, err := v.store.Open(ctx, key)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s: the encrypted object is missing from the store", ErrCorrupt, id)
		}
		return nil, err
	}
	plain, err := age.Decrypt(obj, objKey)
	if err != nil {
		obj.Close()
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, id, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{plain, obj}, nil
}
