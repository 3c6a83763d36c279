package vault

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// index is the SQL half of the vault: entries, subject terms, events, the
// audit chain and meta. One implementation serves SQLite and PostgreSQL;
// dialect holds the few differences.
type index struct {
	db *sql.DB
	d  dialect
	// batch groups the commits of concurrent writers (SQLite); nil:
	// each transaction commits alone (PostgreSQL).
	batch *committer
}

// micros converts a time to the stored form; the zero time is 0.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// fromMicros is the inverse of micros, in UTC.
func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// inTx runs fn in a transaction and commits it: durably, when it
// returns nil. fn must not keep tx or run long (with SQLite it shares the
// transaction with other writers', see committer).
func (ix *index) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if ix.batch != nil {
		return ix.batch.do(ctx, fn)
	}
	tx, err := ix.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("vault index: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("vault index: commit: %w", err)
	}
	return nil
}

// row is an entry with the columns the API does not show.
type row struct {
	Entry
	object  sql.NullString
	wrapped []byte
	// copyObject is the delivered copy's object (PutCopy); its key is
	// read only when the copy is.
	copyObject sql.NullString
}

const entryColumns = `id, queue_id, received, last_seen, attempts, client, helo, mail_from, rcpts,
	smtputf8, eightbit, sha256, size, stored_size, object, wrapped_key, state, held, expires, purged,
	outcome_at, verdict, delivered, reply, out_sha256, out_size, hdr_from, hdr_to, subject,
	message_id, hdr_date, report, copy_object, copy_size`

type scanner interface{ Scan(dest ...any) error }

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func scanRow(sc scanner) (*row, error) {
	var r row
	var received, lastSeen, expires, purged, outcomeAt int64
	var rcpts, state, report string
	var smtputf8, eightbit, held, delivered int
	o := new(Outcome)
	err := sc.Scan(&r.ID, &r.Envelope.QueueID, &received, &lastSeen, &r.Attempts, &r.Envelope.Client,
		&r.Envelope.Helo, &r.Envelope.MailFrom, &rcpts, &smtputf8, &eightbit, &r.SHA256, &r.Size,
		&r.StoredSize, &r.object, &r.wrapped, &state, &held, &expires, &purged, &outcomeAt,
		&o.Verdict, &delivered, &o.Reply, &o.DeliveredSHA256, &o.DeliveredSize, &o.Headers.From,
		&o.Headers.To, &o.Headers.Subject, &o.Headers.MessageID, &o.Headers.Date, &report,
		&r.copyObject, &r.CopySize)
	if err != nil {
		return nil, err
	}
	r.Envelope.Received = fromMicros(received)
	r.LastSeen = fromMicros(lastSeen)
	r.Expires = fromMicros(expires)
	r.Purged = fromMicros(purged)
	r.OutcomeAt = fromMicros(outcomeAt)
	if rcpts != "" {
		r.Envelope.Rcpts = strings.Split(rcpts, "\n")
	}
	r.Envelope.SMTPUTF8, r.Envelope.EightBitMIME = smtputf8 != 0, eightbit != 0
	r.State, r.Held = State(state), held != 0
	if outcomeAt != 0 || o.Headers != (Headers{}) {
		o.Delivered = delivered != 0
		if report != "" {
			o.Report = []byte(report)
		}
		r.Outcome = o
	}
	return &r, nil
}

// get reads one entry.
func (ix *index) get(ctx context.Context, q querier, id string) (*row, error) {
	r, err := scanRow(q.QueryRowContext(ctx, `SELECT `+entryColumns+` FROM entries WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("vault index: %w", err)
	}
	return r, nil
}

// queueLookup finds the entry of a relay transaction (a queue id of any
// attempt). The condition that the queue id is not empty lets the
// database use the partial index events_queue: without it SQLite reads
// every event, for each message stored.
const queueLookup = `SELECT id FROM entries WHERE queue_id = $1
	UNION SELECT entry_id FROM events WHERE queue_id = $1 AND queue_id <> '' LIMIT 1`

// retryLookup finds an undelivered entry of the same message (the dedupe
// key) seen since $2; the state condition is the partial index
// entries_undelivered's, written the same so the database uses it.
const retryLookup = `SELECT id FROM entries WHERE dedupe = $1 AND last_seen >= $2
	AND state IN ('stored', 'undelivered') ORDER BY last_seen DESC LIMIT 1`

// insert adds a stored entry, or returns the id of the entry with reused
// set: the entry of the same queue id (the same transaction of the
// relay, stored already), or an undelivered entry with the same dedupe
// key seen at or after since, on which it records a retry.
func (ix *index) insert(ctx context.Context, r *row, dedupe string, since time.Time) (id string, reused bool, err error) {
	e := &r.Entry
	env := &e.Envelope
	err = ix.inTx(ctx, func(tx *sql.Tx) error {
		// The same relay transaction stored again: nothing new. (Looked
		// up in the write transaction: a read of its own would cost
		// SQLite more than the insert.)
		if env.QueueID != "" {
			switch err := tx.QueryRowContext(ctx, queueLookup, env.QueueID).Scan(&id); {
			case err == nil:
				reused = true
				return nil
			case !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("vault index: %w", err)
			}
		}
		if !since.IsZero() {
			err := tx.QueryRowContext(ctx, retryLookup, dedupe, micros(since)).Scan(&id)
			switch {
			case err == nil:
				reused = true
				if _, err := tx.ExecContext(ctx, `UPDATE entries SET last_seen = $1, attempts = attempts + 1 WHERE id = $2`,
					micros(env.Received), id); err != nil {
					return fmt.Errorf("vault index: %w", err)
				}
				return addEvent(ctx, tx, Event{EntryID: id, At: env.Received, Kind: EventRetry, Actor: "relay",
					QueueID: env.QueueID, Detail: envelopeDetail(env)})
			case !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("vault index: %w", err)
			}
		}
		id = e.ID
		_, err := tx.ExecContext(ctx, `INSERT INTO entries (id, queue_id, received, last_seen, attempts,
			client, helo, mail_from, rcpts, smtputf8, eightbit, search_mail_from, search_rcpts, search_helo,
			dedupe, sha256, size, stored_size, object, wrapped_key, state, expires)
			VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
			e.ID, env.QueueID, micros(env.Received), micros(env.Received), env.Client, env.Helo, env.MailFrom,
			strings.Join(env.Rcpts, "\n"), boolInt(env.SMTPUTF8), boolInt(env.EightBitMIME),
			strings.ToLower(env.MailFrom), strings.ToLower(strings.Join(env.Rcpts, "\n")), strings.ToLower(env.Helo),
			dedupe, e.SHA256, e.Size, e.StoredSize, r.object, r.wrapped, string(StateStored), micros(e.Expires))
		if err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		return addEvent(ctx, tx, Event{EntryID: e.ID, At: env.Received, Kind: EventStored, Actor: "relay",
			QueueID: env.QueueID, Detail: envelopeDetail(env)})
	})
	return id, reused, err
}

// envelopeDetail is the event text of a stored original or a retry.
func envelopeDetail(env *Envelope) string {
	return fmt.Sprintf("client=%s helo=%s", env.Client, env.Helo)
}

func addEvent(ctx context.Context, tx *sql.Tx, ev Event) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO events (entry_id, at, kind, actor, queue_id, detail)
		VALUES ($1, $2, $3, $4, $5, $6)`, ev.EntryID, micros(ev.At), ev.Kind, ev.Actor, ev.QueueID, ev.Detail)
	if err != nil {
		return fmt.Errorf("vault index: event: %w", err)
	}
	return nil
}

// lockEntry reads an entry inside tx, for a change that depends on its
// state.
func (ix *index) lockEntry(ctx context.Context, tx *sql.Tx, id string) (*row, error) {
	return ix.get(ctx, tx, id)
}

// stateOf reads an entry's copy object inside tx and checks that the
// entry exists and is not purged: the little a change of the relay's
// needs, without reading the whole row.
func (ix *index) stateOf(ctx context.Context, tx *sql.Tx, id string) (copyObject sql.NullString, err error) {
	var state string
	err = tx.QueryRowContext(ctx, `SELECT state, copy_object FROM entries WHERE id = $1`, id).Scan(&state, &copyObject)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return copyObject, fmt.Errorf("%w: %s", ErrNotFound, id)
	case err != nil:
		return copyObject, fmt.Errorf("vault index: %w", err)
	case State(state) == StatePurged:
		return copyObject, fmt.Errorf("%w: %s", ErrPurged, id)
	}
	return copyObject, nil
}

// recordOutcome stores an outcome and the entry's subject terms.
func (ix *index) recordOutcome(ctx context.Context, id string, o *Outcome, at time.Time) error {
	h := o.Headers
	state := StateUndelivered
	if o.Delivered {
		state = StateDelivered
	}
	return ix.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := ix.stateOf(ctx, tx, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE entries SET outcome_at = $1, verdict = $2, delivered = $3,
			reply = $4, out_sha256 = $5, out_size = $6, hdr_from = $7, hdr_to = $8, subject = $9,
			message_id = $10, hdr_date = $11, search_from = $12, search_to = $13, search_subject = $14,
			report = $15, state = $16, author = $17 WHERE id = $18`,
			micros(at), o.Verdict, boolInt(o.Delivered), o.Reply, strings.ToLower(o.DeliveredSHA256),
			o.DeliveredSize, h.From, h.To, h.Subject, bareMessageID(h.MessageID), h.Date, normalizeText(h.From),
			normalizeText(h.To), normalizeText(h.Subject), string(o.Report), string(state), authorOf(h.From), id)
		if err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		if err := setTerms(ctx, tx, id, indexTerms(h.Subject)); err != nil {
			return err
		}
		return addEvent(ctx, tx, Event{EntryID: id, At: at, Kind: EventOutcome, Actor: "relay",
			Detail: fmt.Sprintf("verdict=%s delivered=%t reply=%q", o.Verdict, o.Delivered, o.Reply)})
	})
}

// setTerms replaces an entry's subject terms.
func setTerms(ctx context.Context, tx *sql.Tx, id string, terms []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM terms WHERE entry_id = $1`, id); err != nil {
		return fmt.Errorf("vault index: %w", err)
	}
	if len(terms) == 0 {
		return nil
	}
	var b strings.Builder
	args := make([]any, 0, 2*len(terms))
	b.WriteString(`INSERT INTO terms (term, entry_id) VALUES `)
	for i, t := range terms {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "($%d, $%d)", 2*i+1, 2*i+2)
		args = append(args, t, id)
	}
	if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("vault index: terms: %w", err)
	}
	return nil
}

// events lists an entry's events, oldest first.
func (ix *index) events(ctx context.Context, id string) ([]Event, error) {
	rows, err := ix.db.QueryContext(ctx, `SELECT seq, entry_id, at, kind, actor, queue_id, detail
		FROM events WHERE entry_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("vault index: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		var at int64
		if err := rows.Scan(&ev.Seq, &ev.EntryID, &at, &ev.Kind, &ev.Actor, &ev.QueueID, &ev.Detail); err != nil {
			return nil, fmt.Errorf("vault index: %w", err)
		}
		ev.At = fromMicros(at)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// maxPage bounds a page of search results.
const maxPage = 1000

// search runs a Query.
func (ix *index) search(ctx context.Context, q *Query) (Page, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	eq := func(col, v string) {
		if v != "" {
			where = append(where, col+" = "+arg(v))
		}
	}
	contains := func(col, v string) {
		if v != "" {
			where = append(where, col+" LIKE "+arg("%"+escapeLike(v)+"%")+` ESCAPE '\'`)
		}
	}
	if q.ID != "" {
		id, err := ParseID(q.ID)
		if err != nil {
			return Page{}, nil // no entry can have it
		}
		eq("id", id)
	}
	if q.QueueID != "" {
		p := arg(q.QueueID)
		// "<> ''" lets the database use the partial index events_queue.
		where = append(where, "(queue_id = "+p+" OR id IN (SELECT entry_id FROM events WHERE queue_id = "+p+" AND queue_id <> ''))")
	}
	eq("message_id", bareMessageID(q.MessageID))
	if q.SHA256 != "" {
		p := arg(strings.ToLower(q.SHA256))
		where = append(where, "(sha256 = "+p+" OR out_sha256 = "+p+")")
	}
	contains("search_mail_from", strings.ToLower(q.MailFrom))
	contains("search_rcpts", strings.ToLower(q.Rcpt))
	contains("client", q.Client)
	contains("search_helo", strings.ToLower(q.Helo))
	contains("search_from", normalizeText(q.From))
	contains("search_to", normalizeText(q.To))
	terms, pieces := subjectQuery(q.Subject)
	for _, t := range terms {
		where = append(where, "EXISTS (SELECT 1 FROM terms t WHERE t.entry_id = entries.id AND t.term = "+arg(t)+")")
	}
	for _, p := range pieces {
		contains("search_subject", p)
	}
	eq("verdict", q.Verdict)
	switch q.State {
	case "":
	case StateUndelivered:
		where = append(where, "state IN ('stored', 'undelivered')")
	default:
		eq("state", string(q.State))
	}
	if q.Held {
		where = append(where, "held = 1")
	}
	if !q.Since.IsZero() {
		where = append(where, "received >= "+arg(micros(q.Since)))
	}
	if !q.Until.IsZero() {
		where = append(where, "received < "+arg(micros(q.Until)))
	}
	if q.Cursor != "" {
		at, id, err := parseCursor(q.Cursor)
		if err != nil {
			return Page{}, err
		}
		where = append(where, "(received < "+arg(at)+" OR (received = "+arg(at)+" AND id < "+arg(id)+"))")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, maxPage)
	stmt := `SELECT ` + entryColumns + ` FROM entries`
	if len(where) > 0 {
		stmt += " WHERE " + strings.Join(where, " AND ")
	}
	stmt += " ORDER BY received DESC, id DESC LIMIT " + arg(limit+1)
	rows, err := ix.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return Page{}, fmt.Errorf("vault index: search: %w", err)
	}
	defer rows.Close()
	var page Page
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return Page{}, fmt.Errorf("vault index: search: %w", err)
		}
		page.Entries = append(page.Entries, r.Entry)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("vault index: search: %w", err)
	}
	if len(page.Entries) > limit {
		page.Entries = page.Entries[:limit]
		last := page.Entries[limit-1]
		page.Next = makeCursor(micros(last.Envelope.Received), last.ID)
	}
	return page, nil
}

// bareMessageID is a Message-ID without its angle brackets, the form the
// index keeps and compares.
func bareMessageID(s string) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "<"), ">")
}

// escapeLike quotes LIKE's wildcards; the statements say ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func makeCursor(at int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at, 10) + ":" + id))
}

func parseCursor(c string) (int64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		at, id, ok := strings.Cut(string(b), ":")
		if n, err := strconv.ParseInt(at, 10, 64); ok && err == nil {
			return n, id, nil
		}
	}
	return 0, "", fmt.Errorf("vault: invalid cursor %q", c)
}

// usage sums the objects held: originals and delivered copies.
func (ix *index) usage(ctx context.Context) (entries, bytes int64, err error) {
	err = ix.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(stored_size), 0)
		+ (SELECT COALESCE(SUM(copy_size), 0) FROM entries WHERE copy_object IS NOT NULL)
		FROM entries WHERE object IS NOT NULL`).Scan(&entries, &bytes)
	if err != nil {
		return 0, 0, fmt.Errorf("vault index: %w", err)
	}
	return entries, bytes, nil
}

// ids runs a query returning one text column.
func (ix *index) strings(ctx context.Context, stmt string, args ...any) ([]string, error) {
	rows, err := ix.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, fmt.Errorf("vault index: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("vault index: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// knownObjects returns which of keys an entry refers to.
func (ix *index) knownObjects(ctx context.Context, keys []string) (map[string]bool, error) {
	known := make(map[string]bool, len(keys))
	for len(keys) > 0 {
		batch := keys[:min(len(keys), 500)]
		keys = keys[len(batch):]
		ph := make([]string, len(batch))
		args := make([]any, len(batch))
		for i, k := range batch {
			ph[i] = "$" + strconv.Itoa(i+1)
			args[i] = k
		}
		in := strings.Join(ph, ", ")
		found, err := ix.strings(ctx, `SELECT object FROM entries WHERE object IN (`+in+`)
			UNION SELECT copy_object FROM entries WHERE copy_object IN (`+in+`)`, args...)
		if err != nil {
			return nil, err
		}
		for _, k := range found {
			known[k] = true
		}
	}
	return known, nil
}

// meta reads a value of the meta table ("" when unset).
func (ix *index) meta(ctx context.Context, k string) (string, error) {
	var v string
	err := ix.db.QueryRowContext(ctx, `SELECT v FROM meta WHERE k = $1`, k).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("vault index: %w", err)
	}
	return v, nil
}

func setMeta(ctx context.Context, tx *sql.Tx, k, v string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO meta (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v`, k, v)
	if err != nil {
		return fmt.Errorf("vault index: %w", err)
	}
	return nil
}
