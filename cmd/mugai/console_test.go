package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestConsoleUserCommands(t *testing.T) {
	f := newVaultFixture(t, "")
	run := func(stdin string, args ...string) (string, string, int) {
		t.Helper()
		return runBinary(t, []byte(stdin), append([]string{"console", "user", args[0], "-config", f.cfg}, args[1:]...)...)
	}
	if out, errOut, code := run("a-long-password-1\n", "add", "-role", "operator", "-password-stdin", "alice"); code != 0 {
		t.Fatalf("add: %d %s %s", code, out, errOut)
	}
	if _, errOut, code := run("", "add", "alice"); code != 1 || !strings.Contains(errOut, "exists") {
		t.Errorf("add twice: %d %s", code, errOut)
	}
	if _, errOut, code := run("short\n", "add", "-password-stdin", "bob"); code != 1 || !strings.Contains(errOut, "too short") {
		t.Errorf("short password: %d %s", code, errOut)
	}
	if _, errOut, code := run("", "add", "-role", "root", "bob"); code != 1 || !strings.Contains(errOut, "-role") {
		t.Errorf("bad role: %d %s", code, errOut)
	}
	if _, errOut, code := run("", "add", "Bob Smith"); code != 1 || !strings.Contains(errOut, "user name") {
		t.Errorf("bad name: %d %s", code, errOut)
	}
	out, _, code := run("", "passwd", "alice")
	if code != 0 || !regexp.MustCompile(`password: \S{24}\n`).MatchString(out) {
		t.Errorf("passwd: %d %q", code, out)
	}
	if out, _, code := run("", "list"); code != 0 || !strings.Contains(out, "alice") || !strings.Contains(out, "operator") {
		t.Errorf("list: %d %s", code, out)
	}
	if _, _, code := run("", "del", "alice"); code != 0 {
		t.Errorf("del: %d", code)
	}
	if _, errOut, code := run("", "del", "alice"); code != 1 || !strings.Contains(errOut, "no such console user") {
		t.Errorf("del twice: %d %s", code, errOut)
	}
	out, _, _ = runBinary(t, nil, "vault", "audit", "-config", f.cfg)
	for _, want := range []string{`add user="alice" role=operator`, `change user="alice" password set`, `delete user="alice"`} {
		if !strings.Contains(out, want) {
			t.Errorf("audit lacks %q:\n%s", want, out)
		}
	}
	if _, _, code := runBinary(t, nil, "console"); code != 1 {
		t.Errorf("console without a command: %d", code)
	}
}

// TestServeStartsConsole runs `mugai serve` with the vault on: the console
// listens on loopback, the first administrator's password is in a 0600
// file the log names, and the sign-in page answers.
func TestServeStartsConsole(t *testing.T) {
	f := newVaultFixture(t, "  enabled: true\nlisten:\n  smtp: 127.0.0.1:0\n  console: 127.0.0.1:0\nauth: {enabled: false}\n")
	g := startGateway(t, t.TempDir(), "-config", f.cfg)
	line := g.waitLog(t, "console listening", 10*time.Second)
	addr := regexp.MustCompile(`addr=(\S+)`).FindStringSubmatch(line)[1]
	admin := filepath.Join(f.dir, "console-admin.txt")
	if st, err := os.Stat(admin); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("admin file: %v %v", st, err)
	}
	resp, err := http.Get("http://" + addr + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `action="/login"`) || resp.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("sign-in page: %d", resp.StatusCode)
	}
	// A console beyond loopback without TLS is refused at start.
	bad := vaultConfigFile(t, "vault:\n  enabled: true\n  path: "+f.dir+"\nlisten:\n  smtp: 127.0.0.1:0\n  console: 0.0.0.0:0\nauth: {enabled: false}\n")
	if _, errOut, code := runBinary(t, nil, "serve", "-config", bad); code != 1 || !strings.Contains(errOut, "beyond loopback") {
		t.Errorf("remote console without TLS: %d %s", code, errOut)
	}
}
