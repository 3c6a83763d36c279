package vault

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/mugai/mugai/internal/pgtest"
)

// The suite runs against every backend: SQLite always, PostgreSQL when
// MUGAI_TEST_PG_DSN names a server (scripts/pg-start.sh starts one).

const pgEnv = pgtest.Env

// place is where one test's vault lives; opening it again reopens the
// same vault (a restart).
type place struct {
	backend string
	dir     string // SQLite
	dsn     string // PostgreSQL, with the test's own search_path
}

func (p place) config(opts Options) Config {
	return Config{Backend: p.backend, Path: p.dir, DSN: p.dsn, Options: opts}
}

// open opens the vault; it is closed when the test ends.
func (p place) open(t testing.TB, opts Options) *Vault {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	v, err := Open(context.Background(), p.config(opts))
	if err != nil {
		t.Fatalf("open %s vault: %v", p.backend, err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// db opens the place's index database directly, to look at or damage
// what the vault wrote.
func (p place) db(t testing.TB) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	if p.backend == BackendSQLite {
		db, err = openSQLiteDB(p.dir + "/" + indexFileName)
	} else {
		db, err = sql.Open("pgx", p.dsn)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newPlace makes an empty place for backend: a temporary directory, or a
// PostgreSQL schema of its own, dropped at the end.
func newPlace(t testing.TB, backend string) place {
	t.Helper()
	if backend == BackendSQLite {
		return place{backend: backend, dir: t.TempDir()}
	}
	return place{backend: backend, dsn: pgtest.Schema(t)}
}

// forEachBackend runs the test body against each backend.
func forEachBackend(t *testing.T, f func(t *testing.T, p place)) {
	for _, b := range []string{BackendSQLite, BackendPostgres} {
		t.Run(b, func(t *testing.T) { f(t, newPlace(t, b)) })
	}
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// keys is a vault key pair for a test.
type keys struct {
	id  *age.X25519Identity
	rcp []age.Recipient
	ids []age.Identity
}

func newKeys(t testing.TB) keys {
	t.Helper()
	id, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return keys{id: id, rcp: []age.Recipient{id.Recipient()}, ids: []age.Identity{id}}
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2025, 1, 14, 9, 30, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// message builds a test original with the given subject (written as an
// RFC 2047 word when not ASCII, as senders do) and body.
func message(subject, body string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: a@example.jp\r\nTo: soumu@city.example.lg.jp\r\nSubject: %s\r\nMessage-ID: <%x@example.jp>\r\n\r\n%s\r\n",
		subject, randBytes(6), body)
	return b.Bytes()
}

func envelope(queueID string) Envelope {
	return Envelope{QueueID: queueID, Client: "192.0.2.25:41234", Helo: "mx.example.jp",
		MailFrom: "a@example.jp", Rcpts: []string{"soumu@city.example.lg.jp"}}
}

func mustPut(t testing.TB, v *Vault, env Envelope, msg []byte) PutResult {
	t.Helper()
	res, err := v.Put(context.Background(), env, bytes.NewReader(msg))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	return res
}

// readOriginal decrypts an entry's original.
func readOriginal(t testing.TB, v *Vault, id string, ids []age.Identity) []byte {
	t.Helper()
	rc, _, err := v.Original(context.Background(), id, Access{Actor: "test", Identities: ids})
	if err != nil {
		t.Fatalf("Original %s: %v", id, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read original %s: %v", id, err)
	}
	return b
}

// eventKinds lists the kinds of an entry's events, oldest first.
func eventKinds(t testing.TB, v *Vault, id string) string {
	t.Helper()
	evs, err := v.Events(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	kinds := make([]string, len(evs))
	for i, ev := range evs {
		kinds[i] = ev.Kind
	}
	return strings.Join(kinds, " ")
}
