package vault

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// dialect is what differs between the two SQL databases. Everything else
// — placeholders ($1 works in both), ON CONFLICT, RETURNING, partial
// indexes — is written once.
type dialect struct {
	name string
	// blob and serial are column types: bytes, and an auto-numbered key.
	blob, serial string
	// lock, when set, is run first in the schema transaction so that two
	// instances starting at once do not race to create the tables.
	lock string
	// extra statements after the tables (PostgreSQL's object chunks).
	extra []string
}

var sqliteDialect = dialect{
	name:   "sqlite",
	blob:   "BLOB",
	serial: "INTEGER PRIMARY KEY",
}

var postgresDialect = dialect{
	name:   "postgres",
	blob:   "BYTEA",
	serial: "BIGSERIAL PRIMARY KEY",
	// The key is an arbitrary constant naming "mugai vault schema".
	lock: "SELECT pg_advisory_xact_lock(7305241)",
	extra: []string{
		`CREATE TABLE IF NOT EXISTS objects (
			key TEXT PRIMARY KEY,
			size BIGINT NOT NULL,
			created BIGINT NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS objects_created ON objects (created)`,
		`CREATE TABLE IF NOT EXISTS object_chunks (
			key TEXT NOT NULL,
			seq INTEGER NOT NULL,
			data BYTEA NOT NULL,
			PRIMARY KEY (key, seq))`,
		// Encrypted data does not compress; do not let TOAST try.
		`ALTER TABLE object_chunks ALTER COLUMN data SET STORAGE EXTERNAL`,
	},
}

// schemaVersion is stored in meta; a database written by a newer mugai
// is refused rather than misread.
const schemaVersion = 5

// metaTable is created before anything else: it holds the version.
const metaTable = `CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)`

// schema returns the statements that bring a database from each version
// to the next: steps[0] makes version 1 from nothing, steps[1] version 2
// from version 1, and so on. A step is applied once, in the transaction
// that records the new version, so ALTER TABLE needs no IF NOT EXISTS.
func (d dialect) schema() [][]string {
	steps := [][]string{d.schemaV1(), d.schemaV2(), d.schemaV3(), d.schemaV4(), d.schemaV5()}
	r := strings.NewReplacer("{{blob}}", d.blob, "{{serial}}", d.serial)
	for _, step := range steps {
		for i, s := range step {
			step[i] = r.Replace(s)
		}
	}
	return steps
}

// Times are stored as microseconds since 1970 UTC (BIGINT): the same in
// both databases, exact, and ordered.
func (d dialect) schemaV1() []string {
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS entries (
			id TEXT PRIMARY KEY,
			queue_id TEXT NOT NULL,
			received BIGINT NOT NULL,
			last_seen BIGINT NOT NULL,
			attempts INTEGER NOT NULL,
			client TEXT NOT NULL,
			helo TEXT NOT NULL,
			mail_from TEXT NOT NULL,
			rcpts TEXT NOT NULL,
			smtputf8 INTEGER NOT NULL,
			eightbit INTEGER NOT NULL,
			search_mail_from TEXT NOT NULL,
			search_rcpts TEXT NOT NULL,
			search_helo TEXT NOT NULL,
			dedupe TEXT NOT NULL,
			sha256 TEXT NOT NULL,
			size BIGINT NOT NULL,
			stored_size BIGINT NOT NULL,
			object TEXT,
			wrapped_key {{blob}},
			state TEXT NOT NULL,
			held INTEGER NOT NULL DEFAULT 0,
			expires BIGINT NOT NULL,
			purged BIGINT NOT NULL DEFAULT 0,
			outcome_at BIGINT NOT NULL DEFAULT 0,
			verdict TEXT NOT NULL DEFAULT '',
			delivered INTEGER NOT NULL DEFAULT 0,
			reply TEXT NOT NULL DEFAULT '',
			out_sha256 TEXT NOT NULL DEFAULT '',
			out_size BIGINT NOT NULL DEFAULT 0,
			hdr_from TEXT NOT NULL DEFAULT '',
			hdr_to TEXT NOT NULL DEFAULT '',
			subject TEXT NOT NULL DEFAULT '',
			message_id TEXT NOT NULL DEFAULT '',
			hdr_date TEXT NOT NULL DEFAULT '',
			search_from TEXT NOT NULL DEFAULT '',
			search_to TEXT NOT NULL DEFAULT '',
			search_subject TEXT NOT NULL DEFAULT '',
			report TEXT NOT NULL DEFAULT '')`,
		`CREATE INDEX IF NOT EXISTS entries_received ON entries (received, id)`,
		`CREATE INDEX IF NOT EXISTS entries_queue ON entries (queue_id)`,
		`CREATE INDEX IF NOT EXISTS entries_msgid ON entries (message_id)`,
		`CREATE INDEX IF NOT EXISTS entries_sha ON entries (sha256)`,
		`CREATE INDEX IF NOT EXISTS entries_dedupe ON entries (dedupe, last_seen)`,
		`CREATE INDEX IF NOT EXISTS entries_expires ON entries (expires) WHERE state <> 'purged'`,
		`CREATE INDEX IF NOT EXISTS entries_object ON entries (object) WHERE object IS NOT NULL`,
		`CREATE TABLE IF NOT EXISTS terms (
			term TEXT NOT NULL,
			entry_id TEXT NOT NULL,
			PRIMARY KEY (term, entry_id))`,
		`CREATE INDEX IF NOT EXISTS terms_entry ON terms (entry_id)`,
		`CREATE TABLE IF NOT EXISTS events (
			seq {{serial}},
			entry_id TEXT NOT NULL,
			at BIGINT NOT NULL,
			kind TEXT NOT NULL,
			actor TEXT NOT NULL,
			queue_id TEXT NOT NULL,
			detail TEXT NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS events_entry ON events (entry_id, seq)`,
		`CREATE INDEX IF NOT EXISTS events_queue ON events (queue_id) WHERE queue_id <> ''`,
		`CREATE TABLE IF NOT EXISTS audit (
			seq BIGINT PRIMARY KEY,
			at BIGINT NOT NULL,
			actor TEXT NOT NULL,
			action TEXT NOT NULL,
			entry_id TEXT NOT NULL,
			detail TEXT NOT NULL,
			prev TEXT NOT NULL,
			hash TEXT NOT NULL)`,
		// The head names the last record; appending updates it in the same
		// transaction, which also serializes appends (a row lock in
		// PostgreSQL, the write lock in SQLite).
		`CREATE TABLE IF NOT EXISTS audit_head (
			id INTEGER PRIMARY KEY,
			seq BIGINT NOT NULL,
			hash TEXT NOT NULL)`,
		`INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '` + auditGenesis + `') ON CONFLICT (id) DO NOTHING`,
	}
	return append(stmts, d.extra...)
}

// schemaV2 adds the delivered copy of an entry (encrypted like the
// original, to a key of its own) and the console's tables: its users,
// their sessions, and release requests. They live in the index database
// because several gateway instances share it.
func (d dialect) schemaV2() []string {
	return []string{
		`ALTER TABLE entries ADD COLUMN copy_object TEXT`,
		`ALTER TABLE entries ADD COLUMN copy_key {{blob}}`,
		`ALTER TABLE entries ADD COLUMN copy_size BIGINT NOT NULL DEFAULT 0`,
		`CREATE INDEX IF NOT EXISTS entries_copy ON entries (copy_object) WHERE copy_object IS NOT NULL`,
		`CREATE TABLE IF NOT EXISTS console_users (
			name TEXT PRIMARY KEY,
			role TEXT NOT NULL,
			password TEXT NOT NULL,
			totp TEXT NOT NULL DEFAULT '',
			totp_pending TEXT NOT NULL DEFAULT '',
			totp_step BIGINT NOT NULL DEFAULT 0,
			must_change INTEGER NOT NULL DEFAULT 0,
			failures INTEGER NOT NULL DEFAULT 0,
			locked_until BIGINT NOT NULL DEFAULT 0,
			last_login BIGINT NOT NULL DEFAULT 0,
			created BIGINT NOT NULL,
			updated BIGINT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS console_sessions (
			id TEXT PRIMARY KEY,
			user_name TEXT NOT NULL,
			csrf TEXT NOT NULL,
			client TEXT NOT NULL,
			created BIGINT NOT NULL,
			seen BIGINT NOT NULL,
			expires BIGINT NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS console_sessions_user ON console_sessions (user_name)`,
		`CREATE INDEX IF NOT EXISTS console_sessions_expires ON console_sessions (expires)`,
		`CREATE TABLE IF NOT EXISTS release_requests (
			id {{serial}},
			entry_id TEXT NOT NULL,
			recipient TEXT NOT NULL,
			target TEXT NOT NULL,
			requested_by TEXT NOT NULL,
			requested BIGINT NOT NULL,
			reason TEXT NOT NULL,
			state TEXT NOT NULL,
			decided_by TEXT NOT NULL DEFAULT '',
			decided BIGINT NOT NULL DEFAULT 0,
			detail TEXT NOT NULL DEFAULT '')`,
		`CREATE INDEX IF NOT EXISTS release_requests_state ON release_requests (state, id)`,
		`CREATE INDEX IF NOT EXISTS release_requests_entry ON release_requests (entry_id)`,
	}
}

// schemaV3 indexes the undelivered entries for retries, and gives SQLite
// an objects table like PostgreSQL's, with the data in the row: the
// SQLite backend keeps small objects in its database (sqliteStore).
// PostgreSQL has its objects tables already.
func (d dialect) schemaV3() []string {
	// The retries Put looks for: only undelivered entries, so that a
	// message sent again and again (delivered each time) does not make
	// each Put read all its copies.
	undelivered := `CREATE INDEX IF NOT EXISTS entries_undelivered ON entries (dedupe, last_seen)
		WHERE state IN ('stored', 'undelivered')`
	if d.name != sqliteDialect.name {
		return []string{undelivered}
	}
	return []string{undelivered,
		`CREATE TABLE IF NOT EXISTS objects (
			key TEXT PRIMARY KEY,
			size BIGINT NOT NULL,
			created BIGINT NOT NULL,
			data BLOB NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS objects_created ON objects (created)`,
	}
}

// schemaV4 adds the author of each message (the address its From field
// shows, lower case) for HasWritten, with an index: the question is asked
// for every message with auth.first_contact_note. Entries stored before
// have none and do not count.
func (d dialect) schemaV4() []string {
	return []string{
		`ALTER TABLE entries ADD COLUMN author TEXT NOT NULL DEFAULT ''`,
		`CREATE INDEX IF NOT EXISTS entries_author ON entries (author) WHERE author <> ''`,
	}
}

// schemaV5 holds PPAP archives (ppap.go): the encrypted zip and, once
// opened, the message of its contents, both sealed to the gateway's PPAP
// key, in the row.
func (d dialect) schemaV5() []string {
	return []string{
		`CREATE TABLE IF NOT EXISTS ppap_archives (
			id TEXT PRIMARY KEY,
			entry_id TEXT NOT NULL,
			name TEXT NOT NULL,
			scheme TEXT NOT NULL,
			size BIGINT NOT NULL,
			sha256 TEXT NOT NULL,
			mail_from TEXT NOT NULL,
			hdr_from TEXT NOT NULL,
			rcpt TEXT NOT NULL,
			search_mail_from TEXT NOT NULL,
			search_rcpt TEXT NOT NULL,
			subject TEXT NOT NULL,
			message_id TEXT NOT NULL,
			received BIGINT NOT NULL,
			expires BIGINT NOT NULL,
			state TEXT NOT NULL,
			data {{blob}},
			page_failures INTEGER NOT NULL DEFAULT 0,
			opened_by TEXT NOT NULL DEFAULT '',
			opened_with TEXT NOT NULL DEFAULT '',
			opened_at BIGINT NOT NULL DEFAULT 0,
			delivery TEXT NOT NULL DEFAULT '',
			out_data {{blob}},
			attempts INTEGER NOT NULL DEFAULT 0,
			next_try BIGINT NOT NULL DEFAULT 0,
			claimed_until BIGINT NOT NULL DEFAULT 0,
			delivered_at BIGINT NOT NULL DEFAULT 0,
			last_error TEXT NOT NULL DEFAULT '')`,
		`CREATE INDEX IF NOT EXISTS ppap_pair ON ppap_archives (search_mail_from, search_rcpt, received) WHERE state = 'held'`,
		`CREATE INDEX IF NOT EXISTS ppap_entry ON ppap_archives (entry_id)`,
		`CREATE INDEX IF NOT EXISTS ppap_expires ON ppap_archives (expires) WHERE state = 'held'`,
		`CREATE INDEX IF NOT EXISTS ppap_delivery ON ppap_archives (next_try) WHERE delivery = 'pending'`,
	}
}

// migrate creates the tables, or checks that the existing ones are of a
// version this code reads.
func migrate(ctx context.Context, db *sql.DB, d dialect) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("vault schema: %w", err)
	}
	defer tx.Rollback()
	if d.lock != "" {
		if _, err := tx.ExecContext(ctx, d.lock); err != nil {
			return fmt.Errorf("vault schema: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, metaTable); err != nil {
		return fmt.Errorf("vault schema: %w", err)
	}
	var v string
	have := 0
	switch err := tx.QueryRowContext(ctx, `SELECT v FROM meta WHERE k = 'schema_version'`).Scan(&v); {
	case err == sql.ErrNoRows:
	case err != nil:
		return fmt.Errorf("vault schema: %w", err)
	default:
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("vault schema: the database names version %q, which no mugai wrote", v)
		}
		if n > schemaVersion {
			return fmt.Errorf("vault schema: the database is of version %s, newer than this mugai reads (%d); upgrade mugai", v, schemaVersion)
		}
		if n == schemaVersion {
			return tx.Commit()
		}
		have = n
	}
	for _, step := range d.schema()[have:] {
		for _, s := range step {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("vault schema: %w (in %.60q)", err, s)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta (k, v) VALUES ('schema_version', $1)
		ON CONFLICT (k) DO UPDATE SET v = excluded.v`, strconv.Itoa(schemaVersion)); err != nil {
		return fmt.Errorf("vault schema: %w", err)
	}
	return tx.Commit()
}
