package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The console (package console) keeps its users, their sessions and the
// release requests in the index database, beside the entries, because
// several gateway instances share it: a user signed in on one instance is
// signed in on all, a lockout holds on all, and a request made through
// one is approved on another. The vault stores what it is given (password
// hashes, TOTP secrets, hashed session ids); the console decides what they
// mean. Every change is an audit record.

// Audit actions of the console.
const (
	AuditLogin   = "login"
	AuditLogout  = "logout"
	AuditUser    = "user"
	AuditRequest = "request"
	AuditView    = "view"
)

// Event kinds of the console.
const (
	EventRequest = "request"
	EventView    = "view"
)

var (
	// ErrNoUser: no console user has that name.
	ErrNoUser = errors.New("no such console user")
	// ErrUserExists: a console user of that name exists.
	ErrUserExists = errors.New("a console user of that name exists")
	// ErrNoSession: the session is unknown or has ended.
	ErrNoSession = errors.New("no such console session")
	// ErrDecided: the release request was decided already.
	ErrDecided = errors.New("the release request was decided already")
)

// ConsoleUser is an account of the console.
type ConsoleUser struct {
	Name string
	// Role is "viewer", "operator" or "admin" (the console's words).
	Role string
	// Password is the password hash in PHC string form.
	Password string
	// TOTP is the base32 secret of the user's authenticator; "" = none.
	// TOTPPending is one being set up, not yet confirmed with a code.
	TOTP, TOTPPending string
	// TOTPStep is the last time step whose code was accepted: a code is
	// good once (RFC 6238 §5.2).
	TOTPStep int64
	// MustChange sends the user to change the password before anything
	// else (a password someone else chose).
	MustChange bool
	// Failures counts failed sign-ins since the last success;
	// LockedUntil is when a lockout ends.
	Failures    int
	LockedUntil time.Time
	LastLogin   time.Time
	Created     time.Time
	Updated     time.Time
}

const userColumns = `name, role, password, totp, totp_pending, totp_step, must_change, failures,
	locked_until, last_login, created, updated`

// scanUser reads userColumns, after the columns before names (a join).
func scanUser(sc scanner, before ...any) (*ConsoleUser, error) {
	var u ConsoleUser
	var must int
	var locked, last, created, updated int64
	err := sc.Scan(append(before, &u.Name, &u.Role, &u.Password, &u.TOTP, &u.TOTPPending, &u.TOTPStep, &must, &u.Failures,
		&locked, &last, &created, &updated)...)
	if err != nil {
		return nil, err
	}
	u.MustChange = must != 0
	u.LockedUntil, u.LastLogin = fromMicros(locked), fromMicros(last)
	u.Created, u.Updated = fromMicros(created), fromMicros(updated)
	return &u, nil
}

func getUser(ctx context.Context, q querier, name string) (*ConsoleUser, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM console_users WHERE name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", ErrNoUser, name)
	}
	if err != nil {
		return nil, fmt.Errorf("vault index: %w", err)
	}
	return u, nil
}

// ConsoleUser reads one user.
func (v *Vault) ConsoleUser(ctx context.Context, name string) (*ConsoleUser, error) {
	return getUser(ctx, v.ix.db, name)
}

// ConsoleUsers lists the users by name.
func (v *Vault) ConsoleUsers(ctx context.Context) ([]ConsoleUser, error) {
	rows, err := v.ix.db.QueryContext(ctx, `SELECT `+userColumns+` FROM console_users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("vault index: %w", err)
	}
	defer rows.Close()
	var out []ConsoleUser
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("vault index: %w", err)
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// insertUser adds u; ok is false when the name is taken (or, with
// onlyFirst, when any user exists).
func insertUser(ctx context.Context, tx *sql.Tx, u *ConsoleUser, now time.Time, onlyFirst bool) (ok bool, err error) {
	stmt := `INSERT INTO console_users (` + userColumns + `)
		SELECT $1, $2, $3, $4, '', 0, $5, 0, 0, 0, $6, $6`
	// SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT (its
	// grammar is otherwise ambiguous).
	if onlyFirst {
		stmt += ` WHERE NOT EXISTS (SELECT 1 FROM console_users)`
	} else {
		stmt += ` WHERE 1 = 1`
	}
	res, err := tx.ExecContext(ctx, stmt+` ON CONFLICT (name) DO NOTHING`,
		u.Name, u.Role, u.Password, u.TOTP, boolInt(u.MustChange), micros(now))
	if err != nil {
		return false, fmt.Errorf("vault index: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// AddConsoleUser adds a user (ErrUserExists when the name is taken).
func (v *Vault) AddConsoleUser(ctx context.Context, u ConsoleUser, actor string) error {
	now := v.now()
	return v.ix.inTx(ctx, func(tx *sql.Tx) error {
		ok, err := insertUser(ctx, tx, &u, now, false)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: %s", ErrUserExists, u.Name)
		}
		return appendAudit(ctx, tx, AuditRecord{At: now, Actor: actor, Action: AuditUser,
			Detail: userDetail("add", &u)})
	})
}

// AddFirstConsoleUser adds u only when there is no user at all (the
// initial administrator); it reports whether it did. Several instances
// starting at once add one between them.
func (v *Vault) AddFirstConsoleUser(ctx context.Context, u ConsoleUser, actor string) (bool, error) {
	now := v.now()
	added := false
	err := v.ix.inTx(ctx, func(tx *sql.Tx) error {
		ok, err := insertUser(ctx, tx, &u, now, true)
		if err != nil || !ok {
			return err
		}
		added = true
		return appendAudit(ctx, tx, AuditRecord{At: now, Actor: actor, Action: AuditUser,
			Detail: userDetail("add initial", &u)})
	})
	return added && err == nil, err
}

func userDetail(what string, u *ConsoleUser) string {
	return fmt.Sprintf("%s user=%q role=%s", what, u.Name, u.Role)
}

// UserChange is what UpdateConsoleUser did, for the audit log.
type UserChange struct {
	// Detail says what changed ("password", "role=admin", ...); "" makes
	// no audit record (bookkeeping such as a TOTP step).
	Detail string
	// EndSessions signs the user out everywhere (a new password, a new
	// role, a new authenticator).
	EndSessions bool
}

// UpdateConsoleUser changes a user in one transaction: change gets the
// current record, edits it and says what it did. Name and Created are
// kept.
func (v *Vault) UpdateConsoleUser(ctx context.Context, name, actor string, change func(u *ConsoleUser) (UserChange, error)) error {
	now := v.now()
	return v.ix.inTx(ctx, func(tx *sql.Tx) error {
		u, err := getUser(ctx, tx, name)
		if err != nil {
			return err
		}
		c, err := change(u)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE console_users SET role = $1, password = $2, totp = $3,
			totp_pending = $4, totp_step = $5, must_change = $6, failures = $7, locked_until = $8,
			last_login = $9, updated = $10 WHERE name = $11`,
			u.Role, u.Password, u.TOTP, u.TOTPPending, u.TOTPStep, boolInt(u.MustChange), u.Failures,
			micros(u.LockedUntil), micros(u.LastLogin), micros(now), name)
		if err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		if c.EndSessions {
			if _, err := tx.ExecContext(ctx, `DELETE FROM console_sessions WHERE user_name = $1`, name); err != nil {
				return fmt.Errorf("vault index: %w", err)
			}
		}
		if c.Detail == "" {
			return nil
		}
		return appendAudit(ctx, tx, AuditRecord{At: now, Actor: actor, Action: AuditUser,
			Detail: fmt.Sprintf("change user=%q %s", name, c.Detail)})
	})
}

// DeleteConsoleUser removes a user and ends the user's sessions.
func (v *Vault) DeleteConsoleUser(ctx context.Context, name, actor string) error {
	now := v.now()
	return v.ix.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM console_users WHERE name = $1`, name)
		if err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: %s", ErrNoUser, name)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM console_sessions WHERE user_name = $1`, name); err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		return appendAudit(ctx, tx, AuditRecord{At: now, Actor: actor, Action: AuditUser,
			Detail: fmt.Sprintf("delete user=%q", name)})
	})
}

// LoginFailed counts a failed sign-in of an existing user and, at the
// max-th failure in a row, locks the account until now+lockout. Both
// are audit records. It returns when the lock ends (zero: not locked).
func (v *Vault) LoginFailed(ctx context.Context, name, client, why string, max int, lockout time.Duration) (time.Time, error) {
	now := v.now()
	var until time.Time
	err := v.ix.inTx(ctx, func(tx *sql.Tx) error {
		u, err := getUser(ctx, tx, name)
		if err != nil {
			return err
		}
		u.Failures++
		detail := fmt.Sprintf("failed user=%q client=%s failures=%d: %s", name, client, u.Failures, why)
		if max > 0 && u.Failures >= max {
			u.LockedUntil, u.Failures = now.Add(lockout), 0
			until = u.LockedUntil
			detail += fmt.Sprintf("; locked until %s", until.Format(time.RFC3339))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE console_users SET failures = $1, locked_until = $2 WHERE name = $3`,
			u.Failures, micros(u.LockedUntil), name); err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		return appendAudit(ctx, tx, AuditRecord{At: now, Actor: "console:" + name, Action: AuditLogin, Detail: detail})
	})
	return until, err
}

// ConsoleSession is a signed-in browser. ID is a hash of the cookie's
// value (a copy of the database does not hold live cookies).
type ConsoleSession struct {
	ID      string
	User    string
	CSRF    string
	Client  string
	Created time.Time
	Seen    time.Time
	Expires time.Time
}

// LoginSucceeded starts a session: the user's failures are reset, the
// TOTP step (when a code was used) remembered, and the sign-in recorded.
func (v *Vault) LoginSucceeded(ctx context.Context, s ConsoleSession, totpStep int64) error {
	now := v.now()
	return v.ix.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE console_users SET failures = 0, locked_until = 0, last_login = $1,
			totp_step = CASE WHEN $2 > totp_step THEN $2 ELSE totp_step END WHERE name = $3`, micros(now), totpStep, s.User)
		if err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: %s", ErrNoUser, s.User)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO console_sessions (id, user_name, csrf, client, created, seen, expires)
			VALUES ($1, $2, $3, $4, $5, $5, $6)`, s.ID, s.User, s.CSRF, s.Client, micros(now), micros(s.Expires))
		if err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		return appendAudit(ctx, tx, AuditRecord{At: now, Actor: "console:" + s.User, Action: AuditLogin,
			Detail: fmt.Sprintf("signed in client=%s", s.Client)})
	})
}

// ConsoleSession reads a session that has not expired, with its user.
func (v *Vault) ConsoleSession(ctx context.Context, id string) (*ConsoleSession, *ConsoleUser, error) {
	var s ConsoleSession
	var created, seen, expires int64
	row := v.ix.db.QueryRowContext(ctx, `SELECT s.id, s.user_name, s.csrf, s.client, s.created, s.seen, s.expires,
		`+prefixed("u.", userColumns)+` FROM console_sessions s JOIN console_users u ON u.name = s.user_name
		WHERE s.id = $1 AND s.expires > $2`, id, micros(v.now()))
	u, err := scanUser(row, &s.ID, &s.User, &s.CSRF, &s.Client, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ErrNoSession
	}
	if err != nil {
		return nil, nil, fmt.Errorf("vault index: %w", err)
	}
	s.Created, s.Seen, s.Expires = fromMicros(created), fromMicros(seen), fromMicros(expires)
	return &s, u, nil
}

// prefixed puts p before each name of a column list.
func prefixed(p, columns string) string {
	f := strings.Split(columns, ",")
	for i, c := range f {
		f[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(f, ", ")
}

// TouchConsoleSession records activity: seen now, expiring at expires.
func (v *Vault) TouchConsoleSession(ctx context.Context, id string, expires time.Time) error {
	_, err := v.ix.db.ExecContext(ctx, `UPDATE console_sessions SET seen = $1, expires = $2 WHERE id = $3`,
		micros(v.now()), micros(expires), id)
	if err != nil {
		return fmt.Errorf("vault index: %w", err)
	}
	return nil
}

// EndConsoleSession signs a session out (recorded).
func (v *Vault) EndConsoleSession(ctx context.Context, id, user string) error {
	now := v.now()
	return v.ix.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM console_sessions WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return appendAudit(ctx, tx, AuditRecord{At: now, Actor: "console:" + user, Action: AuditLogout, Detail: "signed out"})
	})
}

// SweepConsoleSessions deletes expired sessions.
func (v *Vault) SweepConsoleSessions(ctx context.Context) (int64, error) {
	res, err := v.ix.db.ExecContext(ctx, `DELETE FROM console_sessions WHERE expires <= $1`, micros(v.now()))
	if err != nil {
		return 0, fmt.Errorf("vault index: %w", err)
	}
	return res.RowsAffected()
}

// RecordAction appends an audit record for something done to the vault
// or through the console that no other method records; with an entry id
// it is also one of the entry's events (kind).
func (v *Vault) RecordAction(ctx context.Context, entryID, kind, actor, action, detail string) error {
	if entryID == "" {
		return v.ix.inTx(ctx, func(tx *sql.Tx) error {
			return appendAudit(ctx, tx, AuditRecord{At: v.now(), Actor: actor, Action: action, Detail: detail})
		})
	}
	id, err := ParseID(entryID)
	if err != nil {
		return err
	}
	return v.recordAccess(ctx, id, actor, kind, action, detail)
}

// AuditHead returns the number of the last audit record (0: none).
func (v *Vault) AuditHead(ctx context.Context) (int64, error) {
	var seq int64
	if err := v.ix.db.QueryRowContext(ctx, `SELECT seq FROM audit_head WHERE id = 1`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("vault audit: head: %w", err)
	}
	return seq, nil
}

// Summary is what the console's dashboard counts of an entry.
type Summary struct {
	Received  time.Time
	MailFrom  string
	State     State
	Verdict   string
	Delivered bool
	Reply     string
	// Report is the sanitizer's Report (nil when not asked for, or none).
	Report []byte
}

// Summaries calls fn for each entry received in [since, until), oldest
// first, with the Report when withReport is set. The rows are read one at
// a time; fn must not keep s.Report past its return.
func (v *Vault) Summaries(ctx context.Context, since, until time.Time, withReport bool, fn func(s *Summary) error) error {
	report := "''"
	if withReport {
		report = "report"
	}
	rows, err := v.ix.db.QueryContext(ctx, `SELECT received, mail_from, state, verdict, delivered, reply, `+report+`
		FROM entries WHERE received >= $1 AND received < $2 ORDER BY received`, micros(since), micros(until))
	if err != nil {
		return fmt.Errorf("vault index: %w", err)
	}
	defer rows.Close()
	var s Summary
	for rows.Next() {
		var at int64
		var delivered int
		var state string
		var rep sql.RawBytes
		if err := rows.Scan(&at, &s.MailFrom, &state, &s.Verdict, &delivered, &s.Reply, &rep); err != nil {
			return fmt.Errorf("vault index: %w", err)
		}
		s.Received, s.State, s.Delivered = fromMicros(at), State(state), delivered != 0
		s.Report = nil
		if len(rep) > 0 {
			s.Report = rep
		}
		if err := fn(&s); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Setting reads a value kept for the console in the index's meta table
// ("" when unset).
func (v *Vault) Setting(ctx context.Context, name string) (string, error) {
	return v.ix.meta(ctx, "setting:"+name)
}

// ClaimSetting sets a setting to value unless it has one already, and
// returns the value it has then: the first of several instances to claim
// it wins.
func (v *Vault) ClaimSetting(ctx context.Context, name, value string) (string, error) {
	k := "setting:" + name
	if _, err := v.ix.db.ExecContext(ctx, `INSERT INTO meta (k, v) VALUES ($1, $2) ON CONFLICT (k) DO NOTHING`, k, value); err != nil {
		return "", fmt.Errorf("vault index: %w", err)
	}
	return v.ix.meta(ctx, k)
}
