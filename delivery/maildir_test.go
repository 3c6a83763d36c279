package delivery

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mugai/mugai/smtpd"
)

func TestMaildirDeliver(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Maildir")
	var synced []string
	m := &Maildir{Path: dir, Hostname: "host/with:colon", Now: func() time.Time { return time.Unix(1700000000, 123456000) }}
	m.sync = func(f *os.File) error {
		synced = append(synced, f.Name())
		return f.Sync()
	}
	ctx := context.Background()
	env := &smtpd.Envelope{ID: "ID", From: "alice@example.org"}
	d, err := m.Begin(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.AddRecipient(ctx, "anyone@anywhere"); err != nil {
		t.Fatal(err)
	}
	if err := d.Deliver(ctx, strings.NewReader(testMessage)); err != nil {
		t.Fatal(err)
	}
	d.Abort()

	for _, sub := range []string{"tmp", "new", "cur"} {
		fi, err := os.Stat(filepath.Join(dir, sub))
		if err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v %v, want 0700 directory", sub, fi.Mode(), err)
		}
	}
	if tmp, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(tmp) != 0 {
		t.Errorf("tmp/ not empty: %v", tmp)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "new"))
	if len(entries) != 1 {
		t.Fatalf("new/ has %d files, want 1", len(entries))
	}
	name := entries[0].Name()
	if !strings.HasPrefix(name, "1700000000.M123456P") || !strings.HasSuffix(name, `.host\057with\072colon`) {
		t.Errorf("file name %q", name)
	}
	path := filepath.Join(dir, "new", name)
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode())
	}
	data, _ := os.ReadFile(path)
	if want := "Return-Path: <alice@example.org>\r\n" + testMessage; string(data) != want {
		t.Errorf("file %q, want %q", data, want)
	}
	// The file (under its tmp/ name) and then new/ were synced.
	if len(synced) != 2 || filepath.Dir(synced[0]) != filepath.Join(dir, "tmp") || synced[1] != filepath.Join(dir, "new") {
		t.Errorf("fsync calls %v", synced)
	}
}

func TestMaildirFailureLeavesNothing(t *testing.T) {
	for _, failOn := range []int{1, 2} { // the file's fsync, the directory's
		dir := t.TempDir()
		calls := 0
		m := &Maildir{Path: dir}
		m.sync = func(*os.File) error {
			if calls++; calls == failOn {
				return errors.New("EIO")
			}
			return nil
		}
		ctx := context.Background()
		d, err := m.Begin(ctx, &smtpd.Envelope{ID: "ID"})
		if err != nil {
			t.Fatal(err)
		}
		err = d.Deliver(ctx, strings.NewReader(testMessage))
		wantStatus(t, err, 451, [3]int{4, 3, 0})
		for _, sub := range []string{"tmp", "new"} {
			if e, _ := os.ReadDir(filepath.Join(dir, sub)); len(e) != 0 {
				t.Errorf("fsync %d failing: %s/ holds %v", failOn, sub, e)
			}
		}
	}
}

func TestMaildirUniqueNames(t *testing.T) {
	dir := t.TempDir()
	now := time.Unix(1700000000, 0)
	m := &Maildir{Path: dir, Hostname: "h", Now: func() time.Time { return now }}
	ctx := context.Background()
	for range 20 {
		d, err := m.Begin(ctx, &smtpd.Envelope{ID: "ID"})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Deliver(ctx, strings.NewReader(testMessage)); err != nil {
			t.Fatal(err)
		}
	}
	if e, _ := os.ReadDir(filepath.Join(dir, "new")); len(e) != 20 {
		t.Fatalf("%d files for 20 deliveries in the same microsecond", len(e))
	}
}
