package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"time"
)

// pgChunk is the size of one row of object_chunks. PostgreSQL stores a
// value this size out of line (TOAST) in 2 KB pieces either way; 1 MiB
// keeps the rows per message few and a reader's memory small.
const pgChunk = 1 << 20

// chunkBuffers hold the buffers Put reads chunks into: a fresh 1 MiB per
// object, zeroed, would cost more than a small message's encryption.
var chunkBuffers = sync.Pool{New: func() any {
	b := make([]byte, pgChunk)
	return &b
}}

// pgStore keeps objects in PostgreSQL: a row in objects and the bytes in
// object_chunks, written in one transaction, so an object is there whole
// or not at all, and durable when the commit returns (with the server's
// default synchronous_commit).
type pgStore struct {
	db *sql.DB
}

// Put implements Store.
func (s *pgStore) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("vault store: %w", err)
	}
	defer tx.Rollback()
	bp := chunkBuffers.Get().(*[]byte)
	defer chunkBuffers.Put(bp)
	buf := *bp
	var n int64
	for seq := 0; ; seq++ {
		m, rerr := io.ReadFull(r, buf)
		if m > 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO object_chunks (key, seq, data) VALUES ($1, $2, $3)`,
				key, seq, buf[:m]); err != nil {
				return 0, fmt.Errorf("vault store: %w", err)
			}
			n += int64(m)
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return 0, fmt.Errorf("vault store: read: %w", rerr)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO objects (key, size, created) VALUES ($1, $2, $3)`,
		key, n, micros(time.Now())); err != nil {
		return 0, fmt.Errorf("vault store: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("vault store: commit: %w", err)
	}
	return n, nil
}

// Open implements Store. The chunks are read one at a time as the reader
// is read.
func (s *pgStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	var size int64
	err := s.db.QueryRowContext(ctx, `SELECT size FROM objects WHERE key = $1`, key).Scan(&size)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("vault store: %s: %w", key, fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("vault store: %w", err)
	}
	return &chunkReader{ctx: ctx, db: s.db, key: key, left: size}, nil
}

// chunkReader reads an object chunk by chunk.
type chunkReader struct {
	ctx  context.Context
	db   *sql.DB
	key  string
	seq  int
	buf  []byte
	left int64
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.left <= 0 {
			return 0, io.EOF
		}
		var data []byte
		err := c.db.QueryRowContext(c.ctx, `SELECT data FROM object_chunks WHERE key = $1 AND seq = $2`, c.key, c.seq).Scan(&data)
		if err != nil {
			return 0, fmt.Errorf("vault store: %s chunk %d: %w", c.key, c.seq, err)
		}
		c.seq++
		c.left -= int64(len(data))
		c.buf = data
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

func (c *chunkReader) Close() error { return nil }

// Delete implements Store.
func (s *pgStore) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("vault store: %w", err)
	}
	defer tx.Rollback()
	for _, stmt := range []string{`DELETE FROM object_chunks WHERE key = $1`, `DELETE FROM objects WHERE key = $1`} {
		if _, err := tx.ExecContext(ctx, stmt, key); err != nil {
			return fmt.Errorf("vault store: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("vault store: %w", err)
	}
	return nil
}

// List implements Store.
func (s *pgStore) List(ctx context.Context, from, to time.Time, fn func(key string) error) error {
	return listObjects(ctx, s.db, from, to, fn)
}

// listObjects lists the keys of the objects table stored between from
// and to.
func listObjects(ctx context.Context, db *sql.DB, from, to time.Time, fn func(key string) error) error {
	rows, err := db.QueryContext(ctx, `SELECT key FROM objects WHERE created >= $1 AND created < $2 ORDER BY key`,
		micros(from), micros(to))
	if err != nil {
		return fmt.Errorf("vault store: %w", err)
	}
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return fmt.Errorf("vault store: %w", err)
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("vault store: %w", err)
	}
	for _, k := range keys {
		if err := fn(k); err != nil {
			return err
		}
	}
	return nil
}
