package sandbox

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mugai/mugai/sandbox/syscallfilter"
	"github.com/mugai/mugai/sanitize/flatten"
)

// buildEscapeWorker builds mugai-convert with the test-only converter kind
// (escape_probe.go), which no release build has.
func buildEscapeWorker(t *testing.T) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "mugai-convert")
	build := exec.Command("go", "build", "-tags", "mugai_escapetest", "-o", exe, "../cmd/mugai-convert")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the escape worker: %v\n%s", err, out)
	}
	return exe
}

// TestEscape has a converter taken over by its input try to leave the
// sandbox — as a built-in converter in the worker, and as an external
// converter program — and checks that every attempt fails and the
// attachment is dropped with a reason.
func TestEscape(t *testing.T) {
	if landlockABI() < minLandlockABI {
		t.Skip("the kernel has no Landlock: the escape tests need it (conversions are refused in enforce mode)")
	}
	worker := buildEscapeWorker(t)

	// What a gateway host has beside the converters: the vault's key and
	// originals, and its own environment and descriptors.
	dir := t.TempDir()
	vault := filepath.Join(dir, "mugai-vault")
	if err := os.Mkdir(vault, 0o700); err != nil {
		t.Fatal(err)
	}
	const secret = "AGE-SECRET-KEY-1MUGAIESCAPETEST"
	key := filepath.Join(vault, "identity.txt")
	if err := os.WriteFile(key, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	written := filepath.Join(dir, "written-by-converter")
	t.Setenv("MUGAI_ESCAPE_SECRET", secret)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()

	// A descriptor the gateway inherited without close-on-exec (from a
	// shell or a service manager): exec passes those on to children.
	leaked, err := os.Open(key)
	if err != nil {
		t.Fatal(err)
	}
	defer leaked.Close()
	if _, err := fcntlSetFD(leaked.Fd(), 0); err != nil {
		t.Fatal(err)
	}
	defer fcntlSetFD(leaked.Fd(), syscall.FD_CLOEXEC)

	gateway := fmt.Sprint(os.Getpid())
	attempts := []struct{ name, attempt string }{
		{"read a file beside the vault", "read " + key},
		{"write a file", "write " + written},
		{"connect to a loopback listener", "connect " + ln.Addr().String()},
		{"exec /bin/sh", "exec /bin/sh"},
		{"read the gateway's environment", "env MUGAI_ESCAPE_SECRET " + gateway},
		{"use a descriptor the gateway inherited", fmt.Sprint("fd ", leaked.Fd())},
		{"signal the gateway", "signal " + gateway},
	}
	modes := []struct {
		name     string
		commands map[string][]string
		// header makes the file a PDF, so that flatten hands it to the
		// external command; the built-in kind needs none.
		header string
	}{
		{"built-in", nil, ""},
		{"external", map[string][]string{"pdf": {worker, "escape"}}, "%PDF-1.4\n"},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			c, err := New(Converter{Exe: worker, Commands: mode.commands, Time: 20 * time.Second, SyscallFilter: syscallfilter.Build})
			if err != nil {
				t.Fatal(err)
			}
			convert := func(attempt string) *flatten.Result {
				t.Helper()
				in := mode.header + escapeMagicForTest + attempt + "\n"
				res, err := c.Convert(context.Background(), flatten.Input{Name: "probe.pdf"}, strings.NewReader(in), flatten.Options{})
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			// The control: the probe runs, inside the sandbox.
			if res := convert("hello"); res.Action != flatten.ActionText || !strings.Contains(res.Text, "hello") {
				t.Fatalf("the probe did not run: %+v", res)
			}
			for _, a := range attempts {
				res := convert(a.attempt)
				all := res.Text + res.Detail
				switch {
				case res.Action != flatten.ActionDrop || res.Reason == "":
					t.Errorf("%s: %s (%q), want the attachment dropped with a reason", a.name, res.Action, res.Text)
				case strings.Contains(all, secret) || strings.Contains(all, "ESCAPED"):
					t.Errorf("%s: escaped: %s", a.name, all)
				default:
					t.Logf("%-40s dropped: %s: %s", a.name, res.Reason, res.Detail)
				}
			}
			if n := accepted.Load(); n != 0 {
				t.Errorf("the listener accepted %d connections", n)
			}
			if _, err := os.Stat(written); err == nil {
				t.Errorf("the converter wrote %s", written)
			}
		})
	}
}

// escapeMagicForTest is escape_probe.go's escapeMagic, which this file
// cannot name: the test binary is not built with the tag.
const escapeMagicForTest = "MUGAI-ESCAPE-TEST "

func fcntlSetFD(fd uintptr, flags int) (uintptr, error) {
	r, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_SETFD, uintptr(flags))
	if errno != 0 {
		return 0, errno
	}
	return r, nil
}
