package vault

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The helper process of TestCrashBetweenStoreAndOutcome: it stores one
// original, prints its id and kills itself with SIGKILL before the
// outcome is recorded, as a gateway dies between store and delivery.
func TestCrashHelper(t *testing.T) {
	if os.Getenv("MUGAI_VAULT_CRASH") == "" {
		t.Skip("helper process of TestCrashBetweenStoreAndOutcome")
	}
	rcp, err := LoadRecipients(os.Getenv("MUGAI_VAULT_CRASH_RECIPIENTS"))
	if err != nil {
		t.Fatal(err)
	}
	p := place{backend: os.Getenv("MUGAI_VAULT_CRASH"), dir: os.Getenv("MUGAI_VAULT_CRASH_DIR"), dsn: os.Getenv("MUGAI_VAULT_CRASH_DSN")}
	v, err := Open(context.Background(), p.config(Options{Recipients: rcp}))
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Put(context.Background(), envelope("CRASH1"), strings.NewReader(os.Getenv("MUGAI_VAULT_CRASH_MSG")))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("stored %s\n", res.ID)
	os.Stdout.Sync()
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

func TestCrashBetweenStoreAndOutcome(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		k := newKeys(t)
		rfile := filepath.Join(t.TempDir(), "recipients.txt")
		if err := WriteRecipientsFile(rfile, k.id.Recipient()); err != nil {
			t.Fatal(err)
		}
		msg := string(message("crash", "stored, then the gateway died"))
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")
		cmd.Env = append(os.Environ(), "MUGAI_VAULT_CRASH="+p.backend, "MUGAI_VAULT_CRASH_DIR="+p.dir,
			"MUGAI_VAULT_CRASH_DSN="+p.dsn, "MUGAI_VAULT_CRASH_RECIPIENTS="+rfile, "MUGAI_VAULT_CRASH_MSG="+msg)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("helper did not die by SIGKILL: %v\n%s%s", err, out, stderr.Bytes())
		}
		var id string
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			if s, ok := strings.CutPrefix(sc.Text(), "stored "); ok {
				id = s
			}
		}
		if id == "" {
			t.Fatalf("helper printed no id:\n%s", out)
		}
		v := p.open(t, Options{Recipients: k.rcp})
		ctx := context.Background()
		e, err := v.Entry(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if e.State != StateStored || !e.Undelivered() || e.Outcome != nil {
			t.Errorf("after the crash: %+v", e)
		}
		page, err := v.Search(ctx, Query{State: StateUndelivered})
		if err != nil || len(page.Entries) != 1 || page.Entries[0].ID != id {
			t.Errorf("undelivered search: %+v %v", page, err)
		}
		if got := readOriginal(t, v, id, k.ids); string(got) != msg {
			t.Error("the original stored before the crash differs")
		}
		// The sender retries: the same entry, then delivered.
		res := mustPut(t, v, envelope("CRASH2"), []byte(msg))
		if res.ID != id || !res.Reused {
			t.Errorf("retry after the crash: %+v", res)
		}
	})
}

// failingFile is a temporary file whose writes fail after limit bytes,
// as on a full disk.
type failingFile struct {
	f    *os.File
	left int
}

func (f *failingFile) Write(p []byte) (int, error) {
	if len(p) > f.left {
		n, _ := f.f.Write(p[:f.left])
		f.left = 0
		return n, &os.PathError{Op: "write", Path: f.f.Name(), Err: syscall.ENOSPC}
	}
	f.left -= len(p)
	return f.f.Write(p)
}

func (f *failingFile) Sync() error  { return f.f.Sync() }
func (f *failingFile) Close() error { return f.f.Close() }
func (f *failingFile) Name() string { return f.f.Name() }

func TestDiskFullInjected(t *testing.T) {
	p := newPlace(t, BackendSQLite)
	k := newKeys(t)
	v := p.open(t, Options{Recipients: k.rcp})
	ctx := context.Background()
	ok := mustPut(t, v, envelope("Q0"), message("before", "fits"))
	// A large original, as only those are files (sqliteStore).
	ds := v.store.(*sqliteStore).files
	orig := ds.create
	ds.create = func(dir, pattern string) (tempFile, error) {
		f, err := os.CreateTemp(dir, pattern)
		if err != nil {
			return nil, err
		}
		return &failingFile{f: f, left: 1000}, nil
	}
	_, err := v.Put(ctx, envelope("Q1"), bytes.NewReader(message("full", strings.Repeat("x", 2*inlineLimit))))
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Put on a full disk: %v", err)
	}
	// Nothing half-written: no entry, no temporary file.
	if page, _ := v.Search(ctx, Query{QueueID: "Q1"}); len(page.Entries) != 0 {
		t.Error("an entry was written for the failed Put")
	}
	filepath.Walk(ds.root, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.HasPrefix(info.Name(), tempPrefix) {
			t.Errorf("left behind: %s", path)
		}
		return nil
	})
	ds.create = orig
	mustPut(t, v, envelope("Q2"), message("after", "space again"))
	readOriginal(t, v, ok.ID, k.ids)
}

// TestDiskFullTmpfs fills a real, small tmpfs (root only).
func TestDiskFullTmpfs(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	k := newKeys(t)
	p := place{backend: BackendSQLite, dir: dir}
	v := p.open(t, Options{Recipients: k.rcp})
	ctx := context.Background()
	var stored []string
	var failure error
	for i := range 100 {
		res, err := v.Put(ctx, envelope(fmt.Sprintf("Q%d", i)), bytes.NewReader(message("m", strings.Repeat(fmt.Sprintf("%d", i), 50_000))))
		if err != nil {
			failure = err
			break
		}
		stored = append(stored, res.ID)
	}
	if failure == nil || len(stored) == 0 {
		t.Fatalf("stored %d, failure %v", len(stored), failure)
	}
	t.Logf("stored %d, then: %v", len(stored), failure)
	// Reading is audited, so it needs space too: the admin makes room.
	if out, err := exec.Command("mount", "-o", "remount,size=16m", dir).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v %s", err, out)
	}
	if page, err := v.Search(ctx, Query{Limit: 1000}); err != nil || len(page.Entries) != len(stored) {
		t.Errorf("entries after the full disk: %d, want %d (%v)", len(page.Entries), len(stored), err)
	}
	for _, id := range stored {
		readOriginal(t, v, id, k.ids)
	}
}

// TestPostgresStoppedMidLoad stops the test server with an immediate
// shutdown (a crash, for the clients) while messages are being stored,
// starts it again, and checks that every Put that returned success has
// its original, and that the vault works again without a restart.
func TestPostgresStoppedMidLoad(t *testing.T) {
	p := newPlace(t, BackendPostgres)
	dir, bin, user := os.Getenv("MUGAI_TEST_PG_DIR"), os.Getenv("MUGAI_TEST_PG_BIN"), os.Getenv("MUGAI_TEST_PG_USER")
	if dir == "" || bin == "" {
		t.Skip("MUGAI_TEST_PG_DIR and MUGAI_TEST_PG_BIN are not set (scripts/pg-start.sh sets them)")
	}
	pgCtl := func(args ...string) error {
		cmdArgs := append([]string{filepath.Join(bin, "pg_ctl"), "-D", filepath.Join(dir, "data")}, args...)
		if user != "" {
			cmdArgs = append([]string{"runuser", "-u", user, "--"}, cmdArgs...)
		}
		out, err := exec.Command(cmdArgs[0], cmdArgs[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("pg_ctl %v: %v: %s", args, err, out)
		}
		return nil
	}
	start := func() error {
		return pgCtl("-l", filepath.Join(dir, "data", "server.log"), "-w", "-t", "60", "-o",
			fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories='%s' -c shared_buffers=32MB -c max_connections=200", filepath.Join(dir, "sock")), "start")
	}
	k := newKeys(t)
	v := p.open(t, Options{Recipients: k.rcp})
	ctx := context.Background()

	var mu sync.Mutex
	acked := map[string][]byte{}
	failed := 0
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				msg := message("load", fmt.Sprintf("g%d m%d %s", g, i, strings.Repeat("x", 20_000)))
				pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				res, err := v.Put(pctx, envelope(fmt.Sprintf("G%dM%d", g, i)), bytes.NewReader(msg))
				cancel()
				mu.Lock()
				if err == nil {
					acked[res.ID] = msg
				} else {
					failed++
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	if err := pgCtl("-m", "immediate", "stop"); err != nil {
		close(stop)
		wg.Wait()
		t.Fatal(err)
	}
	stopped := time.Now()
	time.Sleep(time.Second)
	if err := start(); err != nil {
		close(stop)
		wg.Wait()
		t.Fatalf("restart PostgreSQL (the remaining PostgreSQL tests will fail): %v", err)
	}
	t.Logf("server down for %v", time.Since(stopped).Round(time.Millisecond))
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if failed == 0 {
		t.Error("no Put failed while the server was down")
	}
	t.Logf("%d stored, %d failed while the server was down", len(acked), failed)
	for id, msg := range acked {
		if got := readOriginal(t, v, id, k.ids); !bytes.Equal(got, msg) {
			t.Errorf("%s: original differs after the server crash", id)
		}
	}
	// The same Vault works again.
	mustPut(t, v, envelope("AFTER"), message("after", "the restart"))
}
