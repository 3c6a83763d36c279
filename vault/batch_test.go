package vault

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"
)

// TestGroupCommit: concurrent writers' transactions share commits, yet
// each is whole or absent by itself: a failing one takes nothing of the
// others with it, and every Put is readable after.
func TestGroupCommit(t *testing.T) {
	p := newPlace(t, BackendSQLite)
	k := newKeys(t)
	v := p.open(t, Options{Recipients: k.rcp})
	if v.ix.batch == nil {
		t.Fatal("SQLite without group commit")
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	ids := make([]string, 40)
	failed := make([]error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%4 == 3 {
				// A transaction that writes, then fails: rolled back alone.
				failed[i] = v.ix.inTx(ctx, func(tx *sql.Tx) error {
					if _, err := tx.ExecContext(ctx, `INSERT INTO meta (k, v) VALUES ($1, 'x')`, fmt.Sprint("junk", i)); err != nil {
						return err
					}
					return errors.New("changed my mind")
				})
				return
			}
			res, err := v.Put(ctx, envelope(fmt.Sprint("Q", i)), bytes.NewReader(message("m", fmt.Sprint("body ", i))))
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = res.ID
		}()
	}
	wg.Wait()
	for i, id := range ids {
		if i%4 == 3 {
			if failed[i] == nil || failed[i].Error() != "changed my mind" {
				t.Errorf("request %d: %v", i, failed[i])
			}
			continue
		}
		if got := readOriginal(t, v, id, k.ids); !strings.Contains(string(got), fmt.Sprint("body ", i)) {
			t.Errorf("entry %d reads %q", i, got)
		}
	}
	var junk int
	if err := v.ix.db.QueryRow(`SELECT COUNT(*) FROM meta WHERE k LIKE 'junk%'`).Scan(&junk); err != nil || junk != 0 {
		t.Errorf("%d rows of rolled back transactions remain (%v)", junk, err)
	}
	checkAudit(t, v)
	v.Close()
	if _, err := v.Put(ctx, envelope("late"), strings.NewReader("x")); err == nil {
		t.Error("Put after Close succeeded")
	}
}

// TestLegacyEntryKey: an entry stored before file keys (its object
// encrypted to an X25519 entry key wrapped in the index) still reads.
func TestLegacyEntryKey(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		k := newKeys(t)
		v := p.open(t, Options{Recipients: k.rcp})
		ctx := context.Background()
		orig := message("legacy", "old body")
		res := mustPut(t, v, envelope("Q1"), orig)
		// Rewrite the entry as the old scheme did.
		entryKey, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		var wrapped bytes.Buffer
		w, _ := age.Encrypt(&wrapped, k.rcp...)
		io.WriteString(w, entryKey.String())
		w.Close()
		enc, err := age.EncryptReader(bytes.NewReader(orig), entryKey.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		key := objectKey(newID(), "2024/01/02")
		if _, err := v.store.Put(ctx, key, enc); err != nil {
			t.Fatal(err)
		}
		if _, err := v.ix.db.Exec(`UPDATE entries SET object = $1, wrapped_key = $2 WHERE id = $3`, key, wrapped.Bytes(), res.ID); err != nil {
			t.Fatal(err)
		}
		if got := readOriginal(t, v, res.ID, k.ids); !bytes.Equal(got, orig) {
			t.Errorf("legacy entry reads %q", got)
		}
	})
}

// TestStoreQueriesUseIndexes: what Put runs for every message reads
// through indexes, not every row (a scan costs in proportion to the
// vault's size: a month of mail).
func TestStoreQueriesUseIndexes(t *testing.T) {
	p := newPlace(t, BackendSQLite)
	v := p.open(t, Options{Recipients: newKeys(t).rcp})
	for _, q := range []string{queueLookup, retryLookup} {
		rows, err := v.ix.db.Query(`EXPLAIN QUERY PLAN `+q, "QUEUEID", 0)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(detail, "SCAN") || (q == retryLookup && !strings.Contains(detail, "entries_undelivered")) {
				t.Errorf("%s: %s", q, detail)
			}
		}
		rows.Close()
	}
}
