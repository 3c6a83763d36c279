package vault

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMigrateFromV1 opens a database written by the first schema: the
// new columns and tables are added and the entries stay readable.
func TestMigrateFromV1(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		db := p.db(t)
		d := sqliteDialect
		if p.backend == BackendPostgres {
			d = postgresDialect
		}
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, metaTable); err != nil {
			t.Fatal(err)
		}
		for _, s := range d.schema()[0] {
			if _, err := db.ExecContext(ctx, s); err != nil {
				t.Fatalf("%v in %.60s", err, s)
			}
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO meta (k, v) VALUES ('schema_version', '1')`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO entries (id, queue_id, received, last_seen, attempts, client, helo,
			mail_from, rcpts, smtputf8, eightbit, search_mail_from, search_rcpts, search_helo, dedupe, sha256, size,
			stored_size, state, expires) VALUES ('AAAA-BBBB-CCCC-DDDD', 'Q', 1, 1, 1, '', '', 'a@b', 'c@d', 0, 0, '', '', '',
			'x', 'y', 1, 1, 'stored', 2)`); err != nil {
			t.Fatal(err)
		}
		k := newKeys(t)
		v := p.open(t, Options{Recipients: k.rcp})
		e, err := v.Entry(ctx, "AAAA-BBBB-CCCC-DDDD")
		if err != nil || e.CopySize != 0 || e.Envelope.MailFrom != "a@b" {
			t.Fatalf("entry after migration: %+v, %v", e, err)
		}
		if _, err := v.ConsoleUsers(ctx); err != nil {
			t.Fatalf("console tables after migration: %v", err)
		}
		var ver string
		if err := db.QueryRowContext(ctx, `SELECT v FROM meta WHERE k = 'schema_version'`).Scan(&ver); err != nil || ver != strconv.Itoa(schemaVersion) {
			t.Errorf("schema_version = %q, %v", ver, err)
		}
		// A second open finds the current version and changes nothing.
		p.open(t, Options{Recipients: k.rcp})
	})
}

func TestDeliveredCopy(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		k := newKeys(t)
		clk := newClock()
		v := p.open(t, Options{Recipients: k.rcp, Now: clk.Now})
		ctx := context.Background()
		res := mustPut(t, v, envelope("Q1"), message("copy", "original body"))
		read := func() ([]byte, error) {
			rc, err := v.Copy(ctx, res.ID, Access{Actor: "test", Identities: k.ids})
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			return io.ReadAll(rc)
		}
		if _, err := read(); !errors.Is(err, ErrNoCopy) {
			t.Fatalf("Copy before PutCopy: %v", err)
		}
		before, _ := v.Usage(ctx)
		for _, text := range []string{"first sanitized copy", "second sanitized copy"} {
			if err := v.PutCopy(ctx, res.ID, strings.NewReader(text)); err != nil {
				t.Fatal(err)
			}
			if got, err := read(); err != nil || string(got) != text {
				t.Fatalf("Copy = %q, %v; want %q", got, err, text)
			}
		}
		e, _ := v.Entry(ctx, res.ID)
		after, _ := v.Usage(ctx)
		if e.CopySize == 0 || after.Bytes != before.Bytes+e.CopySize {
			t.Errorf("copy size %d, usage %d → %d", e.CopySize, before.Bytes, after.Bytes)
		}
		if _, err := v.Copy(ctx, res.ID, Access{Actor: "test", Identities: newKeys(t).ids}); !errors.Is(err, ErrWrongKey) {
			t.Errorf("Copy with another key: %v", err)
		}
		if got := eventKinds(t, v, res.ID); got != "stored read read denied" {
			t.Errorf("events = %s", got)
		}
		// The sweep knows the copy's object is referenced (not an orphan).
		var copyKey string
		if err := v.ix.db.QueryRow(`SELECT copy_object FROM entries WHERE id = $1`, res.ID).Scan(&copyKey); err != nil {
			t.Fatal(err)
		}
		if known, err := v.ix.knownObjects(ctx, []string{copyKey}); err != nil || !known[copyKey] {
			t.Errorf("knownObjects(copy) = %v, %v", known, err)
		}
		// The replaced copy's object is gone: only the original and the
		// current copy remain, and the sweep finds no orphan.
		clk.Advance(2 * time.Hour)
		if n := countObjects(t, p); n != 2 {
			t.Errorf("%d objects in the store, want 2", n)
		}
		if err := v.Purge(ctx, res.ID, "test", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := read(); !errors.Is(err, ErrPurged) {
			t.Errorf("Copy after purge: %v", err)
		}
		if err := v.PutCopy(ctx, res.ID, strings.NewReader("late")); !errors.Is(err, ErrPurged) {
			t.Errorf("PutCopy after purge: %v", err)
		}
		if n := countObjects(t, p); n != 0 {
			t.Errorf("%d objects left after purge", n)
		}
		if u, _ := v.Usage(ctx); u.Bytes != 0 {
			t.Errorf("usage after purge: %+v", u)
		}
		checkAudit(t, v)
	})
}

// countObjects counts the objects in the place's store.
func countObjects(t *testing.T, p place) int {
	t.Helper()
	if p.backend == BackendPostgres {
		var n int
		if err := p.db(t).QueryRow(`SELECT COUNT(*) FROM objects`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var n int
	if err := p.db(t).QueryRow(`SELECT COUNT(*) FROM objects`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	err := filepath.WalkDir(filepath.Join(p.dir, objectsDirName), func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func checkAudit(t *testing.T, v *Vault) {
	t.Helper()
	c, err := v.VerifyAudit(context.Background())
	if err != nil || !c.OK() {
		t.Fatalf("audit chain: %+v, %v", c, err)
	}
}

// auditActions lists the action and detail of every audit record.
func auditActions(t *testing.T, v *Vault) []string {
	t.Helper()
	var out []string
	err := v.Audit(context.Background(), 1, func(r AuditRecord) error {
		out = append(out, r.Actor+" "+r.Action+" "+r.Detail)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestConsoleUsersAndSessions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		clk := newClock()
		v := p.open(t, Options{Now: clk.Now})
		ctx := context.Background()
		admin := ConsoleUser{Name: "admin", Role: "admin", Password: "$argon2id$x", MustChange: true}
		// Several instances start at once: one initial admin between them.
		var wg sync.WaitGroup
		var mu sync.Mutex
		added := 0
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := v.AddFirstConsoleUser(ctx, admin, "console")
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					added++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if added != 1 {
			t.Fatalf("initial admin added %d times", added)
		}
		if ok, err := v.AddFirstConsoleUser(ctx, ConsoleUser{Name: "other", Role: "admin", Password: "x"}, "console"); ok || err != nil {
			t.Errorf("a second initial user: %v %v", ok, err)
		}
		if err := v.AddConsoleUser(ctx, ConsoleUser{Name: "alice", Role: "operator", Password: "h1"}, "console:admin"); err != nil {
			t.Fatal(err)
		}
		if err := v.AddConsoleUser(ctx, ConsoleUser{Name: "alice", Role: "viewer", Password: "h2"}, "console:admin"); !errors.Is(err, ErrUserExists) {
			t.Errorf("duplicate user: %v", err)
		}
		users, err := v.ConsoleUsers(ctx)
		if err != nil || len(users) != 2 || users[0].Name != "admin" || !users[0].MustChange || users[1].Role != "operator" ||
			!users[1].Created.Equal(clk.Now()) {
			t.Fatalf("users = %+v, %v", users, err)
		}

		// Failures lock the account at the third; a success resets.
		for i := 1; i <= 3; i++ {
			until, err := v.LoginFailed(ctx, "alice", "192.0.2.1", "wrong password", 3, 15*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if locked := !until.IsZero(); locked != (i == 3) {
				t.Errorf("failure %d: locked until %v", i, until)
			}
		}
		u, _ := v.ConsoleUser(ctx, "alice")
		if !u.LockedUntil.Equal(clk.Now().Add(15*time.Minute)) || u.Failures != 0 {
			t.Errorf("after lockout: %+v", u)
		}
		if _, err := v.LoginFailed(ctx, "nobody", "192.0.2.1", "x", 3, time.Minute); !errors.Is(err, ErrNoUser) {
			t.Errorf("failure of an unknown user: %v", err)
		}

		s := ConsoleSession{ID: "h-session-1", User: "alice", CSRF: "c1", Client: "192.0.2.1", Expires: clk.Now().Add(time.Hour)}
		if err := v.LoginSucceeded(ctx, s, 1234); err != nil {
			t.Fatal(err)
		}
		gs, gu, err := v.ConsoleSession(ctx, "h-session-1")
		if err != nil || gs.User != "alice" || gs.CSRF != "c1" || gu.Role != "operator" || gu.TOTPStep != 1234 ||
			!gu.LockedUntil.IsZero() || !gu.LastLogin.Equal(clk.Now()) {
			t.Fatalf("session = %+v %+v %v", gs, gu, err)
		}
		if _, _, err := v.ConsoleSession(ctx, "h-unknown"); !errors.Is(err, ErrNoSession) {
			t.Errorf("unknown session: %v", err)
		}
		clk.Advance(30 * time.Minute)
		if err := v.TouchConsoleSession(ctx, "h-session-1", clk.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		clk.Advance(59 * time.Minute)
		if _, _, err := v.ConsoleSession(ctx, "h-session-1"); err != nil {
			t.Errorf("touched session expired early: %v", err)
		}
		clk.Advance(2 * time.Minute)
		if _, _, err := v.ConsoleSession(ctx, "h-session-1"); !errors.Is(err, ErrNoSession) {
			t.Errorf("expired session: %v", err)
		}
		if n, err := v.SweepConsoleSessions(ctx); n != 1 || err != nil {
			t.Errorf("sweep: %d, %v", n, err)
		}

		// A change that ends sessions signs the user out.
		s.ID, s.Expires = "h-session-2", clk.Now().Add(time.Hour)
		if err := v.LoginSucceeded(ctx, s, 0); err != nil {
			t.Fatal(err)
		}
		err = v.UpdateConsoleUser(ctx, "alice", "console:admin", func(u *ConsoleUser) (UserChange, error) {
			u.Role = "admin"
			return UserChange{Detail: "role=admin", EndSessions: true}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := v.ConsoleSession(ctx, "h-session-2"); !errors.Is(err, ErrNoSession) {
			t.Errorf("session after role change: %v", err)
		}
		if u, _ := v.ConsoleUser(ctx, "alice"); u.Role != "admin" || u.TOTPStep != 1234 {
			t.Errorf("after update: %+v", u)
		}
		s.ID = "h-session-3"
		if err := v.LoginSucceeded(ctx, s, 0); err != nil {
			t.Fatal(err)
		}
		if err := v.EndConsoleSession(ctx, "h-session-3", "alice"); err != nil {
			t.Fatal(err)
		}
		if err := v.DeleteConsoleUser(ctx, "alice", "console:admin"); err != nil {
			t.Fatal(err)
		}
		if err := v.DeleteConsoleUser(ctx, "alice", "console:admin"); !errors.Is(err, ErrNoUser) {
			t.Errorf("second delete: %v", err)
		}
		if err := v.RecordAction(ctx, "", "", "console:admin", "settings", "x"); err != nil {
			t.Fatal(err)
		}
		want := []string{
			`console user add initial user="admin" role=admin`,
			`console:admin user add user="alice" role=operator`,
			`console:alice login failed user="alice" client=192.0.2.1 failures=1: wrong password`,
			`console:alice login failed user="alice" client=192.0.2.1 failures=2: wrong password`,
			`console:alice login failed user="alice" client=192.0.2.1 failures=3: wrong password; locked until 2025-01-14T09:45:00Z`,
			`console:alice login signed in client=192.0.2.1`,
			`console:alice login signed in client=192.0.2.1`,
			`console:admin user change user="alice" role=admin`,
			`console:alice login signed in client=192.0.2.1`,
			`console:alice logout signed out`,
			`console:admin user delete user="alice"`,
			`console:admin settings x`,
		}
		if got := auditActions(t, v); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("audit:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if head, err := v.AuditHead(ctx); err != nil || head != int64(len(want)) {
			t.Errorf("AuditHead = %d, %v", head, err)
		}
		checkAudit(t, v)
	})
}

func TestReleaseRequests(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		k := newKeys(t)
		clk := newClock()
		v := p.open(t, Options{Recipients: k.rcp, Now: clk.Now})
		ctx := context.Background()
		res := mustPut(t, v, envelope("Q1"), message("req", "body"))
		req := RequestedRelease{EntryID: res.ID, Recipient: "soumu@city.example.lg.jp", RequestedBy: "recipient:soumu@city.example.lg.jp", Reason: "need the PDF"}
		id, created, err := v.RequestRelease(ctx, req)
		if err != nil || !created {
			t.Fatal(id, created, err)
		}
		if id2, created, err := v.RequestRelease(ctx, req); id2 != id || created || err != nil {
			t.Errorf("second request: %d %v %v", id2, created, err)
		}
		lg := RequestedRelease{EntryID: res.ID, Target: TargetLGWAN, RequestedBy: "console:alice", Reason: "urgent"}
		id3, _, err := v.RequestRelease(ctx, lg)
		if err != nil || id3 == id {
			t.Fatal(id3, err)
		}
		pending, err := v.RequestedReleases(ctx, RequestPending, "", 0)
		if err != nil || len(pending) != 2 || pending[0].ID != id3 || pending[1].Reason != "need the PDF" ||
			pending[0].Target != TargetLGWAN || !pending[1].Requested.Equal(clk.Now()) {
			t.Fatalf("pending = %+v, %v", pending, err)
		}
		// Two approvers at once: one wins.
		errs := make(chan error, 2)
		for range 2 {
			go func() { errs <- v.DecideRequest(ctx, id3, RequestPending, RequestApproved, "console:bob", "") }()
		}
		e1, e2 := <-errs, <-errs
		if (e1 == nil) == (e2 == nil) || !(errors.Is(e1, ErrDecided) || errors.Is(e2, ErrDecided)) {
			t.Errorf("concurrent approvals: %v, %v", e1, e2)
		}
		if err := v.DecideRequest(ctx, id3, RequestApproved, RequestReleased, "console:bob", "to soumu@"); err != nil {
			t.Fatal(err)
		}
		if err := v.DecideRequest(ctx, id, RequestPending, RequestDenied, "console:bob", "not needed"); err != nil {
			t.Fatal(err)
		}
		r, err := v.RequestedRelease(ctx, id)
		if err != nil || r.State != RequestDenied || r.DecidedBy != "console:bob" || r.Detail != "not needed" {
			t.Errorf("denied request: %+v %v", r, err)
		}
		if all, _ := v.RequestedReleases(ctx, "", res.ID, 10); len(all) != 2 {
			t.Errorf("requests of the entry: %+v", all)
		}
		if got := eventKinds(t, v, res.ID); got != "stored request request request request request" {
			t.Errorf("events: %s", got)
		}
		if err := v.Purge(ctx, res.ID, "test", ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err := v.RequestRelease(ctx, req); !errors.Is(err, ErrPurged) {
			t.Errorf("request of a purged entry: %v", err)
		}
		checkAudit(t, v)
	})
}

func TestSummaries(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		k := newKeys(t)
		clk := newClock()
		v := p.open(t, Options{Recipients: k.rcp, Now: clk.Now})
		ctx := context.Background()
		start := clk.Now()
		for i, o := range []Outcome{
			{Verdict: "sanitized", Delivered: true, Reply: "250 ok", Report: []byte(`{"parts":[]}`)},
			{Verdict: "rejected", Reply: "550 5.6.0 no"},
			{},
		} {
			res := mustPut(t, v, envelope(string(rune('A'+i))), message("s", "b"))
			if o.Verdict != "" {
				if err := v.RecordOutcome(ctx, res.ID, o); err != nil {
					t.Fatal(err)
				}
			}
			clk.Advance(time.Hour)
		}
		var got []string
		err := v.Summaries(ctx, start, clk.Now(), true, func(s *Summary) error {
			got = append(got, s.Received.Sub(start).String()+" "+string(s.State)+" "+s.Verdict+" "+s.Reply+" "+string(s.Report))
			return nil
		})
		want := `0s delivered sanitized 250 ok {"parts":[]}|1h0m0s undelivered rejected 550 5.6.0 no |2h0m0s stored   `
		if err != nil || strings.Join(got, "|") != want {
			t.Errorf("summaries:\n%s\nwant\n%s (%v)", strings.Join(got, "|"), want, err)
		}
		n := 0
		v.Summaries(ctx, start.Add(time.Hour), start.Add(2*time.Hour), false, func(s *Summary) error {
			if s.Report != nil {
				t.Errorf("report without asking: %s", s.Report)
			}
			n++
			return nil
		})
		if n != 1 {
			t.Errorf("%d summaries in the second hour", n)
		}
	})
}
