package vault

import (
	"context"
	"errors"
	"time"
)

// SweepResult counts what a Sweep did.
type SweepResult struct {
	// Purged entries whose retention ended.
	Purged int
	// Objects deleted: of purged entries whose earlier delete failed, and
	// orphans (an object whose entry was never written, after a crash
	// inside Put).
	Objects int
}

// sweepBatch bounds one query of expired entries.
const sweepBatch = 500

// Orphans are looked for among objects stored between orphanMaxAge and
// orphanMinAge ago: old enough that no Put is still on its way to the
// index, recent enough that a sweep looks at a day or two of objects, not
// all of them. An orphan holds no readable data (its key was never
// stored), so one the sweep misses costs only space.
const (
	orphanMinAge = time.Hour
	orphanMaxAge = 25 * time.Hour
)

// Sweep purges every entry whose retention has ended and that is not held
// (crypto-erase, recorded in the audit log as actor "retention"), and
// deletes objects no entry refers to. It stops early when ctx ends.
func (v *Vault) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	now := v.now()
	for {
		ids, err := v.ix.strings(ctx, `SELECT id FROM entries WHERE expires <= $1 AND state <> 'purged'
			AND held = 0 ORDER BY expires LIMIT $2`, micros(now), sweepBatch)
		if err != nil {
			return res, err
		}
		for _, id := range ids {
			switch err := v.purge(ctx, id, "retention", "retention ended"); {
			case err == nil:
				res.Purged++
			case errors.Is(err, ErrHeld), errors.Is(err, ErrPurged):
				// Held or purged by someone else meanwhile.
			default:
				return res, err
			}
		}
		if len(ids) < sweepBatch {
			break
		}
	}
	// Objects of purged entries whose delete failed before.
	for _, column := range []string{"object", "copy_object"} {
		n, err := v.sweepPurgedObjects(ctx, column)
		res.Objects += n
		if err != nil {
			return res, err
		}
	}
	// Orphans.
	var keys []string
	// Object times are the store's own (the wall clock), not v.now.
	wall := time.Now()
	err := v.store.List(ctx, wall.Add(-orphanMaxAge), wall.Add(-orphanMinAge), func(key string) error {
		keys = append(keys, key)
		return nil
	})
	if err != nil {
		return res, err
	}
	known, err := v.ix.knownObjects(ctx, keys)
	if err != nil {
		return res, err
	}
	for _, k := range keys {
		if known[k] {
			continue
		}
		if err := v.store.Delete(ctx, k); err != nil {
			return res, err
		}
		res.Objects++
	}
	if res.Purged > 0 || res.Objects > 0 {
		v.log.Info("vault: sweep", "purged", res.Purged, "objects_deleted", res.Objects)
	}
	return res, nil
}

// sweepPurgedObjects deletes the objects in column ("object" or
// "copy_object") of purged entries that an earlier delete left behind.
func (v *Vault) sweepPurgedObjects(ctx context.Context, column string) (int, error) {
	rows, err := v.ix.db.QueryContext(ctx, `SELECT id, `+column+` FROM entries WHERE state = 'purged' AND `+
		column+` IS NOT NULL LIMIT $1`, sweepBatch)
	if err != nil {
		return 0, err
	}
	var pending [][2]string
	for rows.Next() {
		var id, key string
		if err := rows.Scan(&id, &key); err != nil {
			rows.Close()
			return 0, err
		}
		pending = append(pending, [2]string{id, key})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, p := range pending {
		if err := v.deleteObject(ctx, p[0], column, p[1]); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// RunSweeper sweeps every interval until ctx ends, logging failures; the
// gateway runs it in a goroutine.
func (v *Vault) RunSweeper(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := v.Sweep(ctx); err != nil && ctx.Err() == nil {
			v.log.Error("vault: sweep failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
