//go:build mugai_escapetest

// This file is compiled only with -tags mugai_escapetest, which no
// release build sets: the escape tests build a worker with it. It adds a
// converter kind that does what a converter taken over by a hostile file
// would do — read a file beside the vault, write one, connect to a
// listener, run a shell, look for the gateway's environment, use a
// descriptor the gateway had, signal the gateway — and reports what it
// got. Every attempt must fail inside the sandbox.

package sandbox

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mugai/mugai/sanitize/flatten"
)

// escapeMagic starts a file of the test kind; the rest of the first line
// is the attempt ("read /path", "connect 127.0.0.1:4321", ...).
const escapeMagic = "MUGAI-ESCAPE-TEST "

// escapePrefix starts the text of an attempt that worked.
const escapePrefix = "ESCAPED: "

// escapeProbe is the test kind as a built-in converter, in the worker.
func escapeProbe(data []byte) (*flatten.Result, bool) {
	attempt, ok := bytes.CutPrefix(data, []byte(escapeMagic))
	if !ok {
		return nil, false
	}
	got, err := tryEscape(string(bytes.TrimSpace(attempt)))
	if err != nil {
		return &flatten.Result{Kind: flatten.KindUnknown, Action: flatten.ActionDrop, Reason: flatten.ReasonCrash,
			Detail: "escape attempt failed: " + err.Error()}, true
	}
	return &flatten.Result{Kind: flatten.KindText, MediaType: "text/plain", Action: flatten.ActionText, Text: escapePrefix + got}, true
}

// EscapeMain is the test kind as an external converter program
// ("mugai-convert escape"): the file on stdin, the text on stdout when
// the attempt worked, exit status 1 and the error on stderr when not.
func EscapeMain() (int, bool) {
	if len(os.Args) != 2 || os.Args[1] != "escape" {
		return 0, false
	}
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1, true
	}
	// After a header that makes the file the kind the command converts.
	_, attempt, _ := bytes.Cut(data, []byte(escapeMagic))
	got, err := tryEscape(string(bytes.TrimSpace(attempt)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "escape attempt failed:", err)
		return 1, true
	}
	fmt.Print(escapePrefix + got)
	return 0, true
}

// tryEscape makes one attempt and returns what it obtained.
func tryEscape(attempt string) (string, error) {
	verb, arg, _ := strings.Cut(attempt, " ")
	switch verb {
	case "hello":
		// The control: proves the probe runs at all.
		return "hello", nil
	case "read":
		b, err := os.ReadFile(arg)
		return string(b), err
	case "write":
		return "wrote " + arg, os.WriteFile(arg, []byte("escaped"), 0o600)
	case "connect":
		c, err := net.DialTimeout("tcp", arg, 2*time.Second)
		if err != nil {
			return "", err
		}
		defer c.Close()
		_, err = io.WriteString(c, "escaped\n")
		return "connected to " + arg, err
	case "exec":
		// Replace the process with a shell that prints a result saying so:
		// as JSON, which the gateway reads from a worker, and as text,
		// which it reads from an external converter.
		script := `printf '{"kind":"text","action":"text","text":"` + escapePrefix + `exec"}'`
		err := syscall.Exec(arg, []string{arg, "-c", script}, nil)
		return "", fmt.Errorf("exec %s: %w", arg, err)
	case "env":
		// "env NAME PID": the variable in our environment, or any of the
		// gateway's (process PID) through /proc.
		name, pid, _ := strings.Cut(arg, " ")
		if v, ok := os.LookupEnv(name); ok {
			return name + "=" + v, nil
		}
		b, err := os.ReadFile("/proc/" + pid + "/environ")
		if err != nil {
			return "", fmt.Errorf("%s is not in the environment (%d variables); %w", name, len(os.Environ()), err)
		}
		return string(b), nil
	case "fd":
		n, err := strconv.Atoi(arg)
		if err != nil {
			return "", err
		}
		b := make([]byte, 256)
		k, err := syscall.Pread(n, b, 0)
		if err != nil {
			return "", fmt.Errorf("descriptor %d: %w", n, err)
		}
		return string(b[:k]), nil
	case "signal":
		// Signal 0 checks that a signal could be sent, without sending one.
		pid, err := strconv.Atoi(arg)
		if err != nil {
			return "", err
		}
		if err := syscall.Kill(pid, 0); err != nil {
			return "", fmt.Errorf("signal %d: %w", pid, err)
		}
		return "may signal " + arg, nil
	}
	return "", fmt.Errorf("unknown attempt %q", attempt)
}
