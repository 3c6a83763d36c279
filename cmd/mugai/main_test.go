package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mugai/mugai/internal/sanitizetest"
	"github.com/mugai/mugai/sanitize"
)

// binary is the mugai binary built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	// In-process tests start conversion workers from this test binary
	// (no mugai-convert beside it): serve them as mugai would.
	if len(os.Args) == 2 && os.Args[1] == workerCommand {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	dir, err := os.MkdirTemp("", "mugai-e2e-")
	if err != nil {
		panic(err)
	}
	// Installed as in production: the conversion worker beside mugai.
	// mugai_testdns keeps sender authentication's DNS on loopback
	// (dnsguard_testdns.go); startGateway fails a test on its log line.
	binary = filepath.Join(dir, "mugai")
	build := exec.Command("go", "build", "-tags", "mugai_testdns", "-o", dir, ".", "../mugai-convert")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("build mugai: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	// The default vault and maildir are relative to the directory mugai
	// runs in: a test that forgot to run it in its own would leave them
	// in this package's directory, in the repository.
	for _, d := range []string{"mugai-vault", "mugai-outbox"} {
		if _, err := os.Stat(d); err == nil {
			os.Stderr.WriteString("a test left ./" + d + " in cmd/mugai: run mugai in the test's own directory (runBinaryIn)\n")
			code = 1
		}
	}
	os.Exit(code)
}

// runBinary runs the built binary with stdin and returns stdout, stderr
// and the exit code.
func runBinary(t *testing.T, stdin []byte, args ...string) (string, string, int) {
	t.Helper()
	return runBinaryIn(t, "", stdin, args...)
}

// runBinaryIn is runBinary in the directory dir ("": this one), where a
// relative vault.path such as the default ./mugai-vault is.
func runBinaryIn(t *testing.T, dir string, stdin []byte, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

func golden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSanitizeCommand(t *testing.T) {
	report := filepath.Join(t.TempDir(), "report.json")
	out, errOut, code := runBinary(t, golden(t, "mixed-attachments.eml"), "sanitize", "-report", report)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	texts, err := sanitizetest.Check([]byte(out), sanitizetest.Options{})
	if err != nil {
		t.Fatalf("output invariant: %v", err)
	}
	if !strings.Contains(texts[0].Body, "setup.exe") || !strings.Contains(texts[0].Body, "見積書.pdf") {
		t.Errorf("notice does not name the dropped attachments:\n%s", texts[0].Body)
	}
	var rep sanitize.Report
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil || len(rep.Parts) != 5 {
		t.Errorf("report: %v, %d parts", err, len(rep.Parts))
	}
}

func TestSanitizeRejects(t *testing.T) {
	report := filepath.Join(t.TempDir(), "report.json")
	out, errOut, code := runBinary(t, golden(t, "ambiguous-two-boundaries.eml"), "sanitize", "-report", report)
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if out != "" {
		t.Errorf("stdout not empty on rejection: %q", out)
	}
	if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "mugai: rejected: 550 5.6.0 ") {
		t.Errorf("stderr %q, want one line with the SMTP reply", errOut)
	}
	b, err := os.ReadFile(report)
	if err != nil || !bytes.Contains(b, []byte(`"rejected"`)) {
		t.Errorf("report on rejection: %v %s", err, b)
	}
}

func TestSanitizeWithConfig(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "mugai.yaml")
	os.WriteFile(cfg, []byte("sanitize:\n  language: en\n  ambiguous: notice\n"), 0o644)
	out, errOut, code := runBinary(t, golden(t, "ambiguous-two-boundaries.eml"), "sanitize", "-config", cfg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "X-Mugai-Sanitized: replaced; reason=ambiguous") {
		t.Errorf("no notice-only message:\n%s", out)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "usage:"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"sanitize", "-nope"}, "flag provided but not defined"},
		{[]string{"sanitize", "file.eml"}, "standard input"},
		{[]string{"sanitize", "-config", "/nonexistent/mugai.yaml"}, "/nonexistent/mugai.yaml"},
		{[]string{"check-config"}, "usage: mugai check-config FILE"},
	}
	for _, tt := range tests {
		_, errOut, code := runBinary(t, nil, tt.args...)
		if code != 1 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q (want 1 and %q)", tt.args, code, errOut, tt.want)
		}
	}
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("hostname: gw.example.jp\nlimts:\n  x: 1\nsanitize:\n  links: clickable\n"), 0o644)
	_, errOut, code := runBinary(t, nil, "check-config", bad)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], bad+":2: ") || !strings.HasPrefix(lines[1], bad+":5: ") {
		t.Errorf("want every problem as FILE:LINE: message, got:\n%s", errOut)
	}
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("hostname: gw.example.jp\nlisten:\n  smtp: 127.0.0.1:10025\nrelay:\n  domains: [city.example.lg.jp]\n  networks: [192.0.2.0/24]\ndelivery:\n  next_hop: 192.0.2.10:25\n"), 0o644)
	out, errOut, code := runBinary(t, nil, "check-config", good)
	if code != 0 || !strings.Contains(out, "OK") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestVersion(t *testing.T) {
	out, _, code := runBinary(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "mugai ") {
		t.Errorf("exit %d, %q", code, out)
	}
}

// TestConverterIsolation: conversions run in child processes under the
// config's limits. An external converter that hangs or fails costs only
// its attachment: the message still comes out, the attachment dropped with
// a notice, within the conversion time limit.
func TestConverterIsolation(t *testing.T) {
	msg := golden(t, "convert-pdf.eml")
	dir := t.TempDir()
	for _, tt := range []struct {
		command, want string
	}{
		{"sleep 60", "変換に時間がかかりすぎました"},
		{"false", "変換できませんでした"},
		{"cat", "Estimate No. 2026-118"}, // "converts" the PDF to its own bytes: still text, still cleaned
	} {
		cfg := filepath.Join(dir, "c.yaml")
		os.WriteFile(cfg, []byte("limits:\n  convert_time: 2s\nconverters:\n  pdf: "+tt.command+"\n"), 0o644)
		start := time.Now()
		out, errOut, code := runBinary(t, msg, "sanitize", "-config", cfg)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tt.command, code, errOut)
		}
		if time.Since(start) > 20*time.Second {
			t.Errorf("%s: took %v", tt.command, time.Since(start))
		}
		texts, err := sanitizetest.Check([]byte(out), sanitizetest.Options{})
		if err != nil {
			t.Fatalf("%s: %v", tt.command, err)
		}
		all := ""
		for _, x := range texts {
			all += x.Body
		}
		if !strings.Contains(all, tt.want) || !strings.Contains(texts[0].Body, "添付を送ります。") {
			t.Errorf("%s: output lacks %q:\n%s", tt.command, tt.want, all)
		}
	}
}

// TestNoEscapeKindInRelease: the converter kind that tries to leave the
// sandbox (sandbox/escape_probe.go, for the escape tests) is built only
// with -tags mugai_escapetest; to a release build its file is plain text.
func TestNoEscapeKindInRelease(t *testing.T) {
	in := filepath.Join(t.TempDir(), "probe.txt")
	const probe = "MUGAI-ESCAPE-TEST hello\n"
	os.WriteFile(in, []byte(probe), 0o644)
	out, errOut, code := runBinary(t, nil, "file", in)
	if code != 0 || out != probe {
		t.Errorf("exit %d, stdout %q, stderr %q; want the file as text", code, out, errOut)
	}
}

// TestFileCommand: "mugai file" writes the safe form of one file, or
// exits 2 with one line when the file cannot be made safe.
func TestFileCommand(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "memo.txt")
	os.WriteFile(in, []byte("\xe3\x83\xa1\xe3\x83\xa2 https://example.jp/x\n"), 0o644)
	out := filepath.Join(dir, "memo.safe.txt")
	if _, errOut, code := runBinary(t, nil, "file", "-o", out, in); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if b, _ := os.ReadFile(out); string(b) != "メモ hxxps://example[.]jp/x\n" {
		t.Errorf("got %q", b)
	}
	exe := filepath.Join(dir, "setup.exe")
	os.WriteFile(exe, append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), make([]byte, 300)...), 0o644)
	stdout, errOut, code := runBinary(t, nil, "file", exe)
	if code != 2 || stdout != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "setup.exe") {
		t.Errorf("exe: exit %d, stdout %q, stderr %q", code, stdout, errOut)
	}
}
