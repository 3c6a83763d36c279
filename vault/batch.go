package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// committer is SQLite's group commit. SQLite has one writer at a time and
// makes each commit durable with an fsync of its log, so transactions
// committed one by one cost an fsync each, in turn: with twenty sessions
// storing originals at once, that fsync, not the work, would bound the
// relay. The committer runs the transactions that wait while one commits
// together, each inside a savepoint of one database transaction, and
// commits them with one fsync: each still sees only its own effects
// applied whole or not at all (a savepoint rolled back on its error), in
// the order they came, and none returns before the commit that holds it
// is durable. (PostgreSQL groups the log flushes of concurrent commits
// itself; it does not need this.)
type committer struct {
	db   *sql.DB
	reqs chan *txRequest
	stop chan struct{}
	once sync.Once
	done sync.WaitGroup
}

// maxBatch bounds the transactions of one commit.
const maxBatch = 64

type txRequest struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan error
}

var errVaultClosed = errors.New("vault: closed")

func newCommitter(db *sql.DB) *committer {
	c := &committer{db: db, reqs: make(chan *txRequest), stop: make(chan struct{})}
	c.done.Add(1)
	go c.run()
	return c
}

// do runs fn in the next group commit and returns its error, or the
// commit's.
func (c *committer) do(ctx context.Context, fn func(tx *sql.Tx) error) error {
	r := &txRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case c.reqs <- r:
	case <-c.stop:
		return errVaultClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once taken, the request is answered (the commit is not abandoned
	// half way for one caller's context).
	return <-r.done
}

// close stops the committer after the batch in progress; it may be
// called more than once.
func (c *committer) close() {
	c.once.Do(func() { close(c.stop) })
	c.done.Wait()
}

func (c *committer) run() {
	defer c.done.Done()
	for {
		var first *txRequest
		select {
		case first = <-c.reqs:
		case <-c.stop:
			return
		}
		batch := []*txRequest{first}
	more:
		for len(batch) < maxBatch {
			select {
			case r := <-c.reqs:
				batch = append(batch, r)
			default:
				break more
			}
		}
		c.commit(batch)
	}
}

// commit runs a batch in one transaction, each request in a savepoint.
func (c *committer) commit(batch []*txRequest) {
	answered := make([]bool, len(batch))
	answer := func(i int, err error) {
		batch[i].done <- err
		answered[i] = true
	}
	tx, err := c.db.BeginTx(context.Background(), nil)
	if err != nil {
		for i := range batch {
			answer(i, fmt.Errorf("vault index: %w", err))
		}
		return
	}
	defer tx.Rollback()
	ok := make([]bool, len(batch))
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			answer(i, err)
			continue
		}
		if _, err := tx.Exec(`SAVEPOINT request`); err != nil {
			answer(i, fmt.Errorf("vault index: %w", err))
			continue
		}
		if err := r.fn(tx); err != nil {
			if _, rerr := tx.Exec(`ROLLBACK TO request`); rerr != nil {
				// The transaction is broken: nothing of it may commit.
				answer(i, err)
				for j := range batch {
					if !answered[j] {
						answer(j, fmt.Errorf("vault index: %w", rerr))
					}
				}
				return
			}
			tx.Exec(`RELEASE request`)
			answer(i, err)
			continue
		}
		if _, err := tx.Exec(`RELEASE request`); err != nil {
			answer(i, fmt.Errorf("vault index: %w", err))
			continue
		}
		ok[i] = true
	}
	err = tx.Commit()
	if err != nil {
		err = fmt.Errorf("vault index: commit: %w", err)
	}
	for i := range batch {
		if ok[i] {
			answer(i, err)
		}
	}
}
