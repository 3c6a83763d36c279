// Package pgtest gives tests the throwaway PostgreSQL server that
// scripts/pg-start.sh starts (a Unix socket in a temporary directory) and
// a schema of their own on it. Without the server the tests that need it
// skip with a message saying how to run them, and fail under CI=true,
// where .ci/run starts it.
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// Env names the server's DSN (scripts/pg-start.sh exports it).
const Env = "MUGAI_TEST_PG_DSN"

// DSN returns the test server's DSN, or skips the test (fails it under
// CI).
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set under CI: .ci/run must start PostgreSQL (scripts/pg-start.sh)", Env)
		}
		t.Skipf("PostgreSQL tests skipped: %s is not set; run eval \"$(bash scripts/pg-start.sh)\" first", Env)
	}
	return dsn
}

// Schema returns the test server's DSN on a new schema of its own (as
// its search_path), dropped when the test ends.
func Schema(t testing.TB) string {
	t.Helper()
	dsn := DSN(t)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	return WithSearchPath(dsn, schema)
}

// WithSearchPath adds a search_path to a DSN in either form (URL or
// key=value pairs).
func WithSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return dsn + sep + "search_path=" + schema
	}
	return dsn + " search_path=" + schema
}
