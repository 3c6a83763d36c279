package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestStoreCost measures what the vault costs per message, for
// docs/operations.md: the latency of Put (the part before the relay's
// 250) and of RecordOutcome, and the bytes an entry takes beyond the
// message itself, on each backend, as ratios against a baseline measured
// in the same run — writing the same message to a file with fsync,
// rename and a directory fsync, which is what a maildir delivery costs.
//
//	MUGAI_VAULT_BENCH=1 go test ./vault -run TestStoreCost -v
//
// (with MUGAI_TEST_PG_DSN set for the PostgreSQL rows). Not a pass/fail
// test: the machine is shared, so figures are printed, not asserted.
func TestStoreCost(t *testing.T) {
	if os.Getenv("MUGAI_VAULT_BENCH") == "" {
		t.Skip("set MUGAI_VAULT_BENCH=1 to measure the vault's cost per message")
	}
	const n = 300
	sizes := []int{4 << 10, 100 << 10}
	report := json.RawMessage(`{"input_bytes":4096,"output_bytes":3900,"parts":[{"path":"","declared_type":"multipart/mixed","size":0,"action":"kept"},{"path":"1","declared_type":"text/plain","charset":"iso-2022-jp","size":3000,"sha256":"` + strings.Repeat("ab", 32) + `","action":"converted"}]}`)
	type row struct {
		name               string
		size               int
		put, outcome       time.Duration
		overhead, onDisk   float64
		baseline           time.Duration
		baselineDiskPerMsg float64
	}
	var rows []row
	backends := []string{BackendSQLite}
	if os.Getenv(pgEnv) != "" {
		backends = append(backends, BackendPostgres)
	}
	for _, size := range sizes {
		msg := message("見積書の送付について（第２回）", strings.Repeat("本文の行です。The body line.\r\n", size/40))
		// Baseline: a maildir-style durable write of the same bytes.
		dir := t.TempDir()
		start := time.Now()
		for i := range n {
			writeSynced(t, dir, fmt.Sprintf("m%d", i), msg)
		}
		base := time.Since(start) / n
		baseDisk := float64(diskUsage(t, dir)) / n
		for _, b := range backends {
			p := newPlace(t, b)
			k := newKeys(t)
			v := p.open(t, Options{Recipients: k.rcp})
			ctx := context.Background()
			ids := make([]string, n)
			start := time.Now()
			for i := range n {
				res, err := v.Put(ctx, envelope(fmt.Sprintf("Q%d", i)), bytes.NewReader(append(msg, fmt.Sprintf("%d\r\n", i)...)))
				if err != nil {
					t.Fatal(err)
				}
				ids[i] = res.ID
			}
			put := time.Since(start) / n
			start = time.Now()
			for i, id := range ids {
				if err := v.RecordOutcome(ctx, id, Outcome{Verdict: "sanitized", Delivered: true, Reply: "250 2.0.0 Ok",
					DeliveredSHA256: strings.Repeat("cd", 32), DeliveredSize: int64(len(msg)),
					Headers: Headers{From: "山田 太郎 <yamada@example.jp>", To: "soumu@city.example.lg.jp",
						Subject: "見積書の送付について（第２回）", MessageID: fmt.Sprintf("<%d@example.jp>", i), Date: "Tue, 14 Jan 2025 09:30:00 +0900"},
					Report: report}); err != nil {
					t.Fatal(err)
				}
			}
			outcome := time.Since(start) / n
			logical, disk := storeBytes(t, p)
			rows = append(rows, row{name: b, size: len(msg), put: put, outcome: outcome,
				overhead: float64(logical)/n - float64(len(msg)), onDisk: float64(disk) / n,
				baseline: base, baselineDiskPerMsg: baseDisk})
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%d messages per row; baseline = write+fsync+rename+fsync(dir) of the same message\n", n)
	fmt.Fprintf(&b, "%-9s %8s %10s %10s %9s %12s %14s %14s\n", "backend", "message", "baseline", "Put", "Put/base", "+outcome", "bytes/entry", "disk/entry")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-9s %7.0fK %10s %10s %8.2fx %12s %+13.0f %8.0f (%.2fx)\n", r.name, float64(r.size)/1024,
			r.baseline.Round(time.Microsecond), r.put.Round(time.Microsecond), float64(r.put)/float64(r.baseline),
			r.outcome.Round(time.Microsecond), r.overhead, r.onDisk, r.onDisk/r.baselineDiskPerMsg)
	}
	t.Log(b.String())
}

// writeSynced is the baseline's durable write.
func writeSynced(t *testing.T, dir, name string, data []byte) {
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		t.Fatal(err)
	}
	f.Write(data)
	f.Sync()
	f.Close()
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
	if err := syncDir(dir); err != nil {
		t.Fatal(err)
	}
}

// diskUsage is the space allocated to the files below dir.
func diskUsage(t *testing.T, dir string) int64 {
	var total int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				total += allocated(info)
			}
		}
		return nil
	})
	return total
}

// storeBytes is the size of everything a place holds: the sum of file
// sizes (logical) and the space allocated (disk) for SQLite and its
// objects, after a WAL checkpoint; the relations' size for PostgreSQL
// (both figures the same).
func storeBytes(t *testing.T, p place) (logical, disk int64) {
	db := p.db(t)
	if p.backend == BackendSQLite {
		if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			t.Fatal(err)
		}
		filepath.WalkDir(p.dir, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if info, err := d.Info(); err == nil {
					logical += info.Size()
					disk += allocated(info)
				}
			}
			return nil
		})
		return logical, disk
	}
	if _, err := db.Exec(`VACUUM ANALYZE`); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	sort.Strings(tables)
	for _, tb := range tables {
		var n int64
		if err := db.QueryRow(`SELECT pg_total_relation_size($1::regclass)`, tb).Scan(&n); err != nil {
			t.Fatal(err)
		}
		logical += n
	}
	return logical, logical
}
