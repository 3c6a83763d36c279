package vault

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
)

// Defaults for zero Options fields.
const (
	DefaultRetention = 30 * 24 * time.Hour
	// DefaultDedupeWindow is longer than a sending MTA keeps retrying
	// (Postfix: maximal_queue_lifetime 5d).
	DefaultDedupeWindow = 7 * 24 * time.Hour
	// usageTTL is how old the measured usage may be when Put checks
	// MaxSize; several instances share one database, so each measures.
	usageTTL = 10 * time.Second
)

// Options configure a Vault.
type Options struct {
	// Recipients are the public keys originals are encrypted to; without
	// them the vault can read (with an identity) but Put fails.
	Recipients []age.Recipient
	// Retention is how long an original is kept; default 30 days.
	Retention time.Duration
	// MaxSize is the most bytes of encrypted originals kept; 0 = no
	// limit. It is checked before storing, against usage measured at most
	// 10 s before plus what this process stored since.
	MaxSize int64
	// DedupeWindow is how long after the last try a sender's retry of an
	// undelivered message reuses its entry; default 7 days.
	DedupeWindow time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Vault is the originals vault. It is safe for concurrent use.
type Vault struct {
	ix    *index
	store Store
	opts  Options
	log   *slog.Logger
	// closeFn closes what Open opened.
	closeFn func() error

	mu        sync.Mutex
	used      int64 // bytes, as last measured plus own additions
	usedAt    time.Time
	usedValid bool
}

// open builds a Vault on an opened database and store.
func open(ctx context.Context, db *sql.DB, d dialect, store Store, opts Options, closeFn func() error) (*Vault, error) {
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	if opts.DedupeWindow <= 0 {
		opts.DedupeWindow = DefaultDedupeWindow
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	v := &Vault{ix: &index{db: db, d: d}, store: store, opts: opts, log: opts.Logger, closeFn: closeFn}
	if err := migrate(ctx, db, d); err != nil {
		closeFn()
		return nil, err
	}
	if d.name == sqliteDialect.name {
		c := newCommitter(db)
		v.ix.batch = c
		if s, ok := store.(*sqliteStore); ok {
			s.ix = v.ix
		}
		inner := v.closeFn
		v.closeFn = func() error {
			c.close()
			return inner()
		}
	}
	if err := v.noteKeys(ctx); err != nil {
		closeFn()
		return nil, err
	}
	return v, nil
}

// noteKeys appends an audit record when the recipients differ from those
// of the last start (a key added, removed or replaced).
func (v *Vault) noteKeys(ctx context.Context) error {
	if len(v.opts.Recipients) == 0 {
		return nil
	}
	names := recipientNames(v.opts.Recipients)
	old, err := v.ix.meta(ctx, "recipients")
	if err != nil || old == names {
		return err
	}
	detail := "recipients: " + names
	if old != "" {
		detail += "; before: " + old
	}
	return v.ix.inTx(ctx, func(tx *sql.Tx) error {
		if err := setMeta(ctx, tx, "recipients", names); err != nil {
			return err
		}
		return appendAudit(ctx, tx, AuditRecord{At: v.now(), Actor: "gateway", Action: AuditKeys, Detail: detail})
	})
}

func (v *Vault) now() time.Time { return v.opts.Now().UTC() }

// Close releases the database and store.
func (v *Vault) Close() error { return v.closeFn() }

// Ping checks that the index database answers (for /readyz).
func (v *Vault) Ping(ctx context.Context) error {
	if err := v.ix.db.PingContext(ctx); err != nil {
		return fmt.Errorf("vault index: %w", err)
	}
	return nil
}

// Retention is the configured retention.
func (v *Vault) Retention() time.Duration { return v.opts.Retention }

// PutResult says where Put stored an original.
type PutResult struct {
	// ID is the vault id (for the notice, the log line and `vault get`).
	ID string
	// Reused is true when the message was already stored (the same queue
	// id, or a retry of an undelivered message); its entry was reused.
	Reused bool
	// Size is the original's size in bytes, SHA256 its hex SHA-256.
	Size   int64
	SHA256 string
	// Expires is when the entry's retention ends (for a reused entry,
	// the first receipt's), for the recipient link's expiry.
	Expires time.Time
}

// Put stores an original durably: the encrypted object is synced and
// then its index entry is committed. It returns when both are on disk.
// Errors: *FullError when MaxSize is reached; ErrNoKeys without
// recipients; any other error is a storage failure (the relay answers
// 451 4.3.0).
func (v *Vault) Put(ctx context.Context, env Envelope, r io.Reader) (PutResult, error) {
	if len(v.opts.Recipients) == 0 {
		return PutResult{}, ErrNoKeys
	}
	now := v.now()
	if env.Received.IsZero() {
		env.Received = now
	}
	env.Received = env.Received.UTC().Truncate(time.Microsecond)
	if err := v.checkSpace(ctx); err != nil {
		return PutResult{}, err
	}
	h := sha256.New()
	cnt := &counter{}
	enc, objKey, err := encryptObject(io.TeeReader(r, io.MultiWriter(h, cnt)))
	if err != nil {
		return PutResult{}, err
	}
	wrapped, err := wrapKey(objKey.key, v.opts.Recipients)
	if err != nil {
		return PutResult{}, fmt.Errorf("vault: wrap key: %w", err)
	}
	id := newID()
	key := objectKey(id, env.Received.Format(dayLayout))
	stored, err := v.store.Put(ctx, key, enc)
	if err != nil {
		return PutResult{}, err
	}
	res := PutResult{ID: id, Size: cnt.n, SHA256: hex.EncodeToString(h.Sum(nil)), Expires: env.Received.Add(v.opts.Retention)}
	row := &row{
		Entry: Entry{
			ID: id, Envelope: env, SHA256: res.SHA256, Size: res.Size, StoredSize: stored,
			Expires: env.Received.Add(v.opts.Retention),
		},
		object:  sql.NullString{String: key, Valid: true},
		wrapped: wrapped,
	}
	gotID, reused, err := v.ix.insert(ctx, row, dedupeKey(res.SHA256, &env), env.Received.Add(-v.opts.DedupeWindow))
	if err != nil || reused {
		// The object is not referenced: on error nothing was stored, on
		// reuse the same original already is. A failure to delete leaves
		// an object without a key, which the sweep removes.
		if derr := v.store.Delete(context.WithoutCancel(ctx), key); derr != nil {
			v.log.Warn("vault: delete unreferenced object", "key", key, "err", derr)
		}
		if err != nil {
			return PutResult{}, err
		}
		res.ID, res.Reused = gotID, true
		if e, err := v.ix.get(ctx, v.ix.db, gotID); err == nil {
			res.Expires = e.Expires
		}
		return res, nil
	}
	v.mu.Lock()
	v.used += stored
	v.mu.Unlock()
	return res, nil
}

// dedupeKey identifies "the same message from the same sender to the same
// recipients": the original's SHA-256 and the envelope addresses.
func dedupeKey(sha string, env *Envelope) string {
	rcpts := make([]string, len(env.Rcpts))
	for i, r := range env.Rcpts {
		rcpts[i] = strings.ToLower(r)
	}
	sort.Strings(rcpts)
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s", sha, strings.ToLower(env.MailFrom), strings.Join(rcpts, "\x00"))
	return hex.EncodeToString(h.Sum(nil))
}

// checkSpace returns a *FullError when MaxSize is reached.
func (v *Vault) checkSpace(ctx context.Context) error {
	if v.opts.MaxSize <= 0 {
		return nil
	}
	v.mu.Lock()
	stale := !v.usedValid || v.now().Sub(v.usedAt) > usageTTL
	v.mu.Unlock()
	if stale {
		_, bytes, err := v.ix.usage(ctx)
		if err != nil {
			return err
		}
		v.mu.Lock()
		v.used, v.usedAt, v.usedValid = bytes, v.now(), true
		v.mu.Unlock()
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.used >= v.opts.MaxSize {
		return &FullError{Used: v.used, Max: v.opts.MaxSize}
	}
	return nil
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// RecordOutcome records what became of a stored message. It may be
// called again (a retry's outcome replaces the previous one; each is an
// event).
func (v *Vault) RecordOutcome(ctx context.Context, id string, o Outcome) error {
	id, err := ParseID(id)
	if err != nil {
		return err
	}
	if len(o.Report) > 0 && !json.Valid(o.Report) {
		return fmt.Errorf("vault: the report is not valid JSON")
	}
	return v.ix.recordOutcome(ctx, id, &o, v.now())
}

// Entry returns an entry's metadata (no original; not audited).
func (v *Vault) Entry(ctx context.Context, id string) (*Entry, error) {
	id, err := ParseID(id)
	if err != nil {
		return nil, err
	}
	r, err := v.ix.get(ctx, v.ix.db, id)
	if err != nil {
		return nil, err
	}
	return &r.Entry, nil
}

// Search finds entries, newest first, a page at a time.
func (v *Vault) Search(ctx context.Context, q Query) (Page, error) {
	return v.ix.search(ctx, &q)
}

// Events lists what happened to an entry, oldest first.
func (v *Vault) Events(ctx context.Context, id string) ([]Event, error) {
	id, err := ParseID(id)
	if err != nil {
		return nil, err
	}
	return v.ix.events(ctx, id)
}

// Access says who reads an original and why; it goes into the audit log.
type Access struct {
	// Actor names the person or component ("cli:alice", "console:bob").
	Actor string
	// Reason is free text, optional.
	Reason string
	// Identities decrypt the entry's key.
	Identities []age.Identity
}

// Original decrypts an entry's original. The read is in the audit log
// and the entry's events (a refused one too). The reader checks the
// original's SHA-256 and size at its end and then fails with ErrCorrupt
// if they differ; the caller must Close it.
func (v *Vault) Original(ctx context.Context, id string, a Access) (io.ReadCloser, *Entry, error) {
	rc, e, err := v.openOriginal(ctx, id, a.Identities)
	if e == nil {
		return nil, nil, err
	}
	detail := reasonDetail(a.Reason)
	kind := EventRead
	if err != nil {
		kind = EventDenied
		detail = strings.TrimSpace(detail + " refused: " + err.Error())
	}
	if aerr := v.recordAccess(ctx, e.ID, a.Actor, kind, AuditRead, detail); aerr != nil {
		if rc != nil {
			rc.Close()
		}
		return nil, nil, aerr
	}
	if err != nil {
		return nil, nil, err
	}
	return rc, e, nil
}

func reasonDetail(reason string) string {
	if reason == "" {
		return ""
	}
	return fmt.Sprintf("reason=%q", reason)
}

// recordAccess appends an event and an audit record together.
func (v *Vault) recordAccess(ctx context.Context, id, actor, kind, action, detail string) error {
	now := v.now()
	return v.ix.inTx(ctx, func(tx *sql.Tx) error {
		if err := addEvent(ctx, tx, Event{EntryID: id, At: now, Kind: kind, Actor: actor, Detail: detail}); err != nil {
			return err
		}
		return appendAudit(ctx, tx, AuditRecord{At: now, Actor: actor, Action: action, EntryID: id, Detail: kindDetail(kind, detail)})
	})
}

// kindDetail marks a refused access in the audit record's detail.
func kindDetail(kind, detail string) string {
	if kind == EventDenied {
		return strings.TrimSpace("denied " + detail)
	}
	return detail
}

// openOriginal decrypts without recording anything. It returns the entry
// whenever it exists, also with an error.
func (v *Vault) openOriginal(ctx context.Context, id string, ids []age.Identity) (io.ReadCloser, *Entry, error) {
	id, err := ParseID(id)
	if err != nil {
		return nil, nil, err
	}
	r, err := v.ix.get(ctx, v.ix.db, id)
	if err != nil {
		return nil, nil, err
	}
	e := &r.Entry
	if r.State == StatePurged || r.wrapped == nil || !r.object.Valid {
		return nil, e, fmt.Errorf("%w: %s", ErrPurged, id)
	}
	rc, err := v.openObject(ctx, id, r.object.String, r.wrapped, ids)
	if err != nil {
		return nil, e, err
	}
	return &verifyReader{r: rc, c: rc, h: sha256.New(), want: e.SHA256, size: e.Size}, e, nil
}

// verifyReader checks the SHA-256 and size of what it read at EOF.
type verifyReader struct {
	r    io.Reader
	c    io.Closer
	h    hash.Hash
	n    int64
	want string
	size int64
}

func (v *verifyReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if err == io.EOF && (v.n != v.size || hex.EncodeToString(v.h.Sum(nil)) != v.want) {
		return n, ErrCorrupt
	}
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return n, err
}

func (v *verifyReader) Close() error { return v.c.Close() }

// SetHold puts an entry under legal hold (on) or releases the hold. A
// held entry is not purged, by retention or by hand.
func (v *Vault) SetHold(ctx context.Context, id string, on bool, actor, reason string) error {
	id, err := ParseID(id)
	if err != nil {
		return err
	}
	now := v.now()
	kind, action := EventHold, AuditHold
	if !on {
		kind, action = EventUnhold, AuditUnhold
	}
	return v.ix.inTx(ctx, func(tx *sql.Tx) error {
		r, err := v.ix.lockEntry(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.State == StatePurged {
			return fmt.Errorf("%w: %s", ErrPurged, id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE entries SET held = $1 WHERE id = $2`, boolInt(on), id); err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		detail := reasonDetail(reason)
		if err := addEvent(ctx, tx, Event{EntryID: id, At: now, Kind: kind, Actor: actor, Detail: detail}); err != nil {
			return err
		}
		return appendAudit(ctx, tx, AuditRecord{At: now, Actor: actor, Action: action, EntryID: id, Detail: detail})
	})
}

// Purge destroys an entry's original: first its key (in the index, with
// the subject, headers and report), then the encrypted object. The
// envelope, hashes and events stay. A held entry is refused (ErrHeld).
func (v *Vault) Purge(ctx context.Context, id, actor, reason string) error {
	id, err := ParseID(id)
	if err != nil {
		return err
	}
	return v.purge(ctx, id, actor, reasonDetail(reason))
}

func (v *Vault) purge(ctx context.Context, id, actor, detail string) error {
	now := v.now()
	var object, copyObject sql.NullString
	var size, copySize int64
	err := v.ix.inTx(ctx, func(tx *sql.Tx) error {
		r, err := v.ix.lockEntry(ctx, tx, id)
		if err != nil {
			return err
		}
		switch {
		case r.State == StatePurged:
			return fmt.Errorf("%w: %s", ErrPurged, id)
		case r.Held:
			return fmt.Errorf("%w: %s", ErrHeld, id)
		}
		object, size = r.object, r.StoredSize
		copyObject, copySize = r.copyObject, r.CopySize
		if _, err := tx.ExecContext(ctx, `UPDATE entries SET state = 'purged', purged = $1, wrapped_key = NULL, copy_key = NULL,
			report = '', subject = '', hdr_from = '', hdr_to = '', search_from = '', search_to = '',
			search_subject = '' WHERE id = $2`, micros(now), id); err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		if err := setTerms(ctx, tx, id, nil); err != nil {
			return err
		}
		if err := purgeArchives(ctx, tx, id); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, Event{EntryID: id, At: now, Kind: EventPurge, Actor: actor, Detail: detail}); err != nil {
			return err
		}
		return appendAudit(ctx, tx, AuditRecord{At: now, Actor: actor, Action: AuditPurge, EntryID: id, Detail: detail})
	})
	if err != nil {
		return err
	}
	// The key is gone, so the object is unreadable already; deleting it
	// frees the space. A failure is retried by the next Sweep.
	for _, o := range []struct {
		column string
		key    sql.NullString
		size   int64
	}{{"object", object, size}, {"copy_object", copyObject, copySize}} {
		if !o.key.Valid {
			continue
		}
		if err := v.deleteObject(ctx, id, o.column, o.key.String); err != nil {
			v.log.Warn("vault: delete purged object (the sweep retries)", "vault", id, "err", err)
		}
		v.mu.Lock()
		v.used -= o.size
		v.mu.Unlock()
	}
	return nil
}

// deleteObject removes an object of a purged entry (column "object" for
// the original, "copy_object" for the delivered copy) and forgets it.
func (v *Vault) deleteObject(ctx context.Context, id, column, key string) error {
	if err := v.store.Delete(ctx, key); err != nil {
		return err
	}
	_, err := v.ix.db.ExecContext(ctx, `UPDATE entries SET `+column+` = NULL WHERE id = $1 AND state = 'purged'`, id)
	return err
}

// Usage is what the vault holds.
type Usage struct {
	Entries, Bytes int64
	MaxSize        int64
}

// Usage measures the entries and bytes held (purged entries excluded).
func (v *Vault) Usage(ctx context.Context) (Usage, error) {
	n, b, err := v.ix.usage(ctx)
	if err != nil {
		return Usage{}, err
	}
	v.mu.Lock()
	v.used, v.usedAt, v.usedValid = b, v.now(), true
	v.mu.Unlock()
	return Usage{Entries: n, Bytes: b, MaxSize: v.opts.MaxSize}, nil
}

// Audit calls fn for each audit record from seq from (1 = the first).
func (v *Vault) Audit(ctx context.Context, from int64, fn func(AuditRecord) error) error {
	return auditRecords(ctx, v.ix.db, from, fn)
}

// VerifyAudit checks the audit chain.
func (v *Vault) VerifyAudit(ctx context.Context) (*AuditCheck, error) {
	return verifyAudit(ctx, v.ix.db)
}
