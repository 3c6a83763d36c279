package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"
)

// Backend names.
const (
	BackendSQLite   = "sqlite"
	BackendPostgres = "postgres"
)

// Config says where a vault is kept; Open opens it.
type Config struct {
	// Backend is BackendSQLite (default) or BackendPostgres.
	Backend string
	// Path is the SQLite backend's directory: index.db and objects/.
	Path string
	// DSN is the PostgreSQL connection string (URL or key=value form,
	// as libpq and pgx read it).
	DSN string
	Options
}

// Open opens (creating on first use) the vault c names.
func Open(ctx context.Context, c Config) (*Vault, error) {
	switch c.Backend {
	case BackendSQLite, "":
		return OpenSQLite(ctx, c.Path, c.Options)
	case BackendPostgres:
		return OpenPostgres(ctx, c.DSN, c.Options)
	}
	return nil, fmt.Errorf("vault: unknown backend %q", c.Backend)
}

// SQLite file and directory names in the vault directory.
const (
	indexFileName  = "index.db"
	objectsDirName = "objects"
)

// OpenSQLite opens the embedded vault in dir: an SQLite index (WAL,
// synchronous=FULL, so a commit is on disk when it returns; concurrent
// writers' commits grouped, see committer) that also holds the encrypted
// objects up to 64 KiB, and larger objects in files below dir/objects.
func OpenSQLite(ctx context.Context, dir string, opts Options) (*Vault, error) {
	if dir == "" {
		return nil, errors.New("vault: no directory given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	files, err := NewDirStore(filepath.Join(dir, objectsDirName))
	if err != nil {
		return nil, err
	}
	db, err := openSQLiteDB(filepath.Join(dir, indexFileName))
	if err != nil {
		return nil, err
	}
	return open(ctx, db, sqliteDialect, &sqliteStore{files: files}, opts, db.Close)
}

// openSQLiteDB opens the index database. Every transaction begins
// IMMEDIATE (takes the write lock at once), so two writers wait for each
// other (busy_timeout) instead of failing on a lock upgrade.
func openSQLiteDB(path string) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(30000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(ON)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	// An absolute path: a relative one ("mugai-vault/index.db", from the
	// default ./mugai-vault) would be read as the URI's authority.
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("vault index: %w", err)
	}
	u := url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}
	// Create the file private before SQLite would (0644); its -wal and
	// -shm files take the same mode.
	if f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("vault index: %w", err)
	}
	return db, nil
}

// OpenPostgres opens a vault kept in PostgreSQL: the index and the
// encrypted objects (in 1 MiB chunks) in one database, which several
// gateway instances may share. The tables are created on first use.
func OpenPostgres(ctx context.Context, dsn string, opts Options) (*Vault, error) {
	if dsn == "" {
		return nil, errors.New("vault: no PostgreSQL DSN given")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("vault index: %w", err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	return open(ctx, db, postgresDialect, &pgStore{db: db}, opts, db.Close)
}
