package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/mugai/mugai/internal/smtptest"
	"github.com/mugai/mugai/vault"
)

// vaultFixture is a vault made as the gateway makes it (keys created in
// the directory at first start) with two messages, and a config file
// naming it.
type vaultFixture struct {
	dir, cfg string
	ids      []string
	msgs     [][]byte
}

func newVaultFixture(t *testing.T, extraConfig string) *vaultFixture {
	t.Helper()
	f := &vaultFixture{dir: filepath.Join(t.TempDir(), "mugai-vault")}
	kf, err := vault.EnsureKeys(f.dir, time.Now(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	rcp, err := vault.LoadRecipients(kf.Recipients)
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.OpenSQLite(context.Background(), f.dir, vault.Options{Recipients: rcp, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for i, subject := range []string{"見積書の送付について", "Invoice"} {
		msg := []byte(fmt.Sprintf("From: a@example.jp\r\nTo: soumu@city.example.lg.jp\r\nSubject: %d\r\n\r\n<html>original %d</html>\r\n", i, i))
		res, err := v.Put(context.Background(), vault.Envelope{QueueID: fmt.Sprintf("Q%d", i), Client: "127.0.0.1:1",
			Helo: "mx", MailFrom: "a@example.jp", Rcpts: []string{"soumu@city.example.lg.jp"}}, bytes.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		if err := v.RecordOutcome(context.Background(), res.ID, vault.Outcome{Verdict: "sanitized", Delivered: true,
			Headers: vault.Headers{From: "山田 <a@example.jp>", Subject: subject}, Report: json.RawMessage(`{"parts":[]}`)}); err != nil {
			t.Fatal(err)
		}
		f.ids = append(f.ids, res.ID)
		f.msgs = append(f.msgs, msg)
	}
	f.cfg = filepath.Join(t.TempDir(), "mugai.yaml")
	if err := os.WriteFile(f.cfg, []byte("vault:\n  path: "+f.dir+"\n"+extraConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *vaultFixture) run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return runBinary(t, nil, append([]string{"vault", args[0], "-config", f.cfg}, args[1:]...)...)
}

func TestVaultCommands(t *testing.T) {
	f := newVaultFixture(t, "")
	check := func(args []string, wantCode int, wantOut, wantErr string) string {
		t.Helper()
		out, errOut, code := f.run(t, args...)
		if code != wantCode || !strings.Contains(out, wantOut) || !strings.Contains(errOut, wantErr) {
			t.Errorf("mugai vault %s: exit %d, stdout %q, stderr %q; want exit %d, %q, %q",
				strings.Join(args, " "), code, out, errOut, wantCode, wantOut, wantErr)
		}
		if wantErr != "" && strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("mugai vault %s: error on more than one line: %q", strings.Join(args, " "), errOut)
		}
		return out
	}
	out := check([]string{"list"}, 0, f.ids[0], "")
	if !strings.Contains(out, f.ids[1]) || !strings.Contains(out, "見積書の送付について") {
		t.Errorf("list:\n%s", out)
	}
	out = check([]string{"list", "-subject", "見積書"}, 0, f.ids[0], "")
	if strings.Contains(out, f.ids[1]) {
		t.Errorf("list -subject:\n%s", out)
	}
	out = check([]string{"list", "-json", "-since", "1h", "-limit", "1"}, 0, `"subject":"Invoice"`, "more entries: add -cursor")
	var e vault.Entry
	if err := json.Unmarshal([]byte(out), &e); err != nil || e.ID != f.ids[1] {
		t.Errorf("list -json: %v %+v", err, e)
	}
	check([]string{"list", "-since", "yesterday"}, 1, "", `"yesterday" is not a date`)
	check([]string{"list", "-state", "lost"}, 1, "", "-state")
	check([]string{"show", f.ids[0]}, 0, "見積書の送付について\n", "")
	check([]string{"show", "-report", f.ids[0]}, 0, `{"parts":[]}`, "")
	check([]string{"show", "0000-0000-0000-0000"}, 1, "", "no such vault entry")

	// get: to standard output, to a file (mode 0600), as every -o
	// writes (writeOutput): through a symbolic link to its target, into a
	// device in place.
	if out := check([]string{"get", "-reason", "確認", f.ids[0]}, 0, "", ""); out != string(f.msgs[0]) {
		t.Errorf("get: %q", out)
	}
	dst := filepath.Join(t.TempDir(), "orig.eml")
	check([]string{"get", f.ids[1], "-o", dst}, 0, "", "")
	if b, err := os.ReadFile(dst); err != nil || !bytes.Equal(b, f.msgs[1]) {
		t.Errorf("get -o: %q %v", b, err)
	}
	if st, _ := os.Stat(dst); st.Mode().Perm() != 0o600 {
		t.Errorf("get -o mode %v", st.Mode())
	}
	link := filepath.Join(t.TempDir(), "link")
	os.Symlink(dst, link)
	check([]string{"get", "-o", link, f.ids[0]}, 0, "", "")
	if b, err := os.ReadFile(dst); err != nil || !bytes.Equal(b, f.msgs[0]) {
		t.Errorf("get -o through a link: %q %v", b, err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi, err)
	}
	check([]string{"get", "-o", "/dev/null", f.ids[0]}, 0, "", "")
	if st, err := os.Stat("/dev/null"); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("/dev/null was replaced: %v %v", st.Mode(), err)
	}
	check([]string{"get", "-o", t.TempDir(), f.ids[0]}, 1, "", "is a directory")
	check([]string{"get", "-identity", "/nonexistent", f.ids[0]}, 1, "", "vault identity")

	// Legal hold and purge.
	check([]string{"hold", f.ids[0], "-reason", "case 7"}, 0, "", "")
	check([]string{"purge", f.ids[0]}, 2, "", "legal hold")
	check([]string{"list", "-held"}, 0, "delivered,held", "")
	check([]string{"hold", "-off", f.ids[0]}, 0, "", "")
	check([]string{"purge", "-as", "alice", f.ids[0]}, 0, "", "")
	check([]string{"get", f.ids[0]}, 1, "", "purged")

	out = check([]string{"audit"}, 0, "cli:alice", "")
	for _, a := range []string{"read", "hold", "unhold", "purge"} {
		if !strings.Contains(out, a) {
			t.Errorf("audit lacks %s:\n%s", a, out)
		}
	}
	check([]string{"audit", "-verify"}, 0, "audit log intact", "")
	db, err := sql.Open("sqlite", filepath.Join(f.dir, "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE audit SET actor = 'cli:nobody' WHERE action = 'purge'`); err != nil {
		t.Fatal(err)
	}
	check([]string{"audit", "-verify"}, 2, "its contents do not match its hash", "the chain is broken")

	check([]string{"sweep"}, 0, "purged 0 entries", "")
	check([]string{"frobnicate"}, 1, "", "unknown command")
	if _, errOut, code := runBinary(t, nil, "vault", "list", "-config", vaultConfigFile(t, "vault:\n  path: /nonexistent/vault\n")); code != 1 || !strings.Contains(errOut, "no vault in /nonexistent/vault") {
		t.Errorf("missing vault: %d %q", code, errOut)
	}
}

func vaultConfigFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "mugai.yaml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVaultKeygen(t *testing.T) {
	dir := t.TempDir()
	id, rfile := filepath.Join(dir, "identity.txt"), filepath.Join(dir, "recipients.txt")
	out, errOut, code := runBinary(t, nil, "vault", "keygen", "-o", id, "-recipients", rfile)
	if code != 0 || !strings.HasPrefix(out, "age1") {
		t.Fatalf("keygen: %d %q %q", code, out, errOut)
	}
	if st, err := os.Stat(id); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("identity mode: %v %v", st.Mode(), err)
	}
	// A second key (rotation) is added to the recipients file.
	id2 := filepath.Join(dir, "identity2.txt")
	out2, _, code := runBinary(t, nil, "vault", "keygen", "-o", id2, "-recipients", rfile)
	if code != 0 {
		t.Fatal("second keygen failed")
	}
	rs, err := vault.LoadRecipients(rfile)
	if err != nil || len(rs) != 2 {
		t.Errorf("recipients after rotation: %d %v", len(rs), err)
	}
	if out == out2 {
		t.Error("two keygens made the same key")
	}
	if _, errOut, code := runBinary(t, nil, "vault", "keygen", "-o", id); code != 1 || !strings.Contains(errOut, "exists") {
		t.Errorf("keygen over an identity: %d %q", code, errOut)
	}
	if _, _, code := runBinary(t, nil, "vault", "keygen"); code != 1 {
		t.Error("keygen without -o")
	}
}

func TestVaultRelease(t *testing.T) {
	inet := smtptest.NewServer(t, nil)
	lgwan := smtptest.NewServer(t, nil)
	f := newVaultFixture(t, "  release:\n    internet_relay: "+inet.Addr+"\n    internet_tls: none\n"+
		"    address: \"{local}@inet.city.example.jp\"\n")
	out, errOut, code := f.run(t, "release", f.ids[0], "-reason", "本人の依頼")
	if code != 0 || !strings.Contains(out, "soumu@inet.city.example.jp") {
		t.Fatalf("release: %d %q %q", code, out, errOut)
	}
	got := inet.WaitMessages(1, 5*time.Second)
	if len(got) != 1 || !bytes.Equal(got[0].Data, f.msgs[0]) || got[0].Rcpts[0] != "soumu@inet.city.example.jp" {
		t.Fatalf("Internet side got %+v", got)
	}
	// Into the LGWAN: refused by default (exit 2), then allowed.
	if _, errOut, code := f.run(t, "release", "-lgwan", f.ids[0]); code != 2 || !strings.Contains(errOut, "vault.release.lgwan: deny") {
		t.Errorf("LGWAN release denied: %d %q", code, errOut)
	}
	f.cfg = vaultConfigFile(t, "delivery:\n  next_hop: "+lgwan.Addr+"\n  tls: none\nvault:\n  path: "+f.dir+"\n  release:\n    lgwan: allow\n")
	if out, errOut, code := f.run(t, "release", "-lgwan", "-as", "alice", f.ids[1]); code != 0 {
		t.Fatalf("LGWAN release: %d %q %q", code, out, errOut)
	}
	got = lgwan.WaitMessages(1, 5*time.Second)
	if len(got) != 1 || !bytes.HasPrefix(got[0].Data, []byte("X-Mugai-Released: by=cli:alice; at=")) || !bytes.HasSuffix(got[0].Data, f.msgs[1]) {
		t.Fatalf("LGWAN got %+v", got)
	}
	out, _, _ = f.run(t, "show", f.ids[1])
	if !strings.Contains(out, "release  cli:alice target=lgwan") {
		t.Errorf("show after release:\n%s", out)
	}
}
