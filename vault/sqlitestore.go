package vault

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"time"
)

// inlineLimit is the largest object the SQLite backend keeps in its
// database; larger ones are files. Plain and HTML mail is mostly
// smaller: an object of a few tens of KB in the database costs a share of one grouped
// commit (committer), where a file of its own costs a file creation in a
// busy directory and two fsyncs (the file and its directory) of its own.
// It is also what each message being stored may hold in memory (the
// object is read before its commit), so it stays small.
const inlineLimit = 64 << 10

// inlineBuffers hold what Put reads of an object before it knows whether
// it stays in the database: one buffer a message being stored, reused.
var inlineBuffers = sync.Pool{New: func() any {
	b := make([]byte, inlineLimit+1)
	return &b
}}

// sqliteStore is the SQLite backend's Store: objects up to inlineLimit in
// the index database (a row of the objects table each), written in the
// index's grouped commits; larger ones, and those of vaults written
// before, as files (DirStore).
type sqliteStore struct {
	ix    *index // set by open, once the index is
	files *DirStore
}

// Put implements Store. The object is read in the caller's goroutine
// (it is encrypted as it is read), then written in one commit.
func (s *sqliteStore) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	bp := inlineBuffers.Get().(*[]byte)
	defer inlineBuffers.Put(bp)
	m, err := io.ReadFull(ctxReader{ctx, r}, *bp)
	switch {
	case err == nil:
		// More than inlineLimit: a file, the bytes read first and the rest.
		return s.files.Put(ctx, key, io.MultiReader(bytes.NewReader((*bp)[:m]), r))
	case err != io.EOF && err != io.ErrUnexpectedEOF:
		return 0, fmt.Errorf("vault store: read: %w", err)
	}
	data, n := (*bp)[:m], int64(m)
	err = s.ix.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO objects (key, size, created, data) VALUES ($1, $2, $3, $4)`,
			key, n, micros(time.Now()), data)
		if err != nil {
			return fmt.Errorf("vault store: %w", err)
		}
		return nil
	})
	return n, err
}

// Open implements Store.
func (s *sqliteStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	var data []byte
	err := s.ix.db.QueryRowContext(ctx, `SELECT data FROM objects WHERE key = $1`, key).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return s.files.Open(ctx, key)
	}
	if err != nil {
		return nil, fmt.Errorf("vault store: %w", err)
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// Delete implements Store.
func (s *sqliteStore) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	var inline bool
	err := s.ix.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM objects WHERE key = $1`, key)
		if err != nil {
			return fmt.Errorf("vault store: %w", err)
		}
		n, _ := res.RowsAffected()
		inline = n > 0
		return nil
	})
	if err != nil || inline {
		return err
	}
	if err := s.files.Delete(ctx, key); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// List implements Store.
func (s *sqliteStore) List(ctx context.Context, from, to time.Time, fn func(key string) error) error {
	if err := listObjects(ctx, s.ix.db, from, to, fn); err != nil {
		return err
	}
	return s.files.List(ctx, from, to, fn)
}
