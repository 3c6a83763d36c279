// Package sandbox runs attachment converters in child processes. Parsing
// PDF, Office documents, archives and images means running complex code
// on hostile input; a converter that crashes, hangs or balloons must cost
// one attachment, not the gateway. So each conversion runs in a new
// process — the mugai binary itself, re-executed with a hidden worker
// subcommand — under operating-system limits set before it reads a byte
// of the file (address space, CPU time, open files, no core dumps), a
// wall-clock timeout enforced by the parent (which kills the whole
// process group), and a cap on what the parent reads back. Whatever goes
// wrong, the parent reports the attachment as dropped with a reason; it
// never passes the original on.
//
// The protocol on the child's standard input is one JSON line (the
// request) followed by the file's bytes; on its standard output, one JSON
// document (the flatten.Result). An administrator may name an external
// command per file type (pdftotext, antiword, ...); the worker runs it in
// place of the built-in converter, and it inherits the same limits.
package sandbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/mugai/mugai/sanitize/flatten"
)

// request is the first line the worker reads.
type request struct {
	Input   flatten.Input       `json:"input"`
	Options flatten.Options     `json:"options"`
	Memory  int64               `json:"memory"`
	CPU     time.Duration       `json:"cpu"`
	Output  int64               `json:"output"`
	Command map[string][]string `json:"commands,omitempty"`
}

// Converter converts in a child process. The zero value is not usable:
// Exe is required.
type Converter struct {
	// Exe and Args start a worker: the mugai binary and its hidden worker
	// subcommand. Env is added to the worker's environment (tests use it).
	Exe  string
	Args []string
	Env  []string
	// Time bounds one conversion, wall clock (default 20 s); the CPU
	// limit is set a little above it.
	Time time.Duration
	// Memory bounds the worker's address space (default 1 GiB).
	Memory int64
	// Output bounds the text one conversion may return (default 10 MiB).
	Output int64
	// Commands are external converters by kind name (flatten.Kind's
	// ExternalName): program and arguments, run without a shell.
	Commands map[string][]string
	// Logger receives a line for each conversion that fails.
	Logger *slog.Logger
}

func (c *Converter) withDefaults() Converter {
	d := *c
	if d.Time <= 0 {
		d.Time = 20 * time.Second
	}
	if d.Memory <= 0 {
		d.Memory = 1 << 30
	}
	if d.Output <= 0 {
		d.Output = 10 << 20
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return d
}

// resultOverhead is room for the JSON around the text, and for images
// (base64, a third larger than the bytes).
const resultOverhead = 1 << 20

// Convert runs one conversion in a worker. It reads the file from r. The
// error is ctx's when the caller gave up; every failure of the worker is
// a flatten.Result with ActionDrop and a reason.
func (c *Converter) Convert(ctx context.Context, in flatten.Input, r io.Reader, opt flatten.Options) (*flatten.Result, error) {
	cfg := c.withDefaults()
	opt.Limits.OutputBytes = cfg.Output
	req := request{Input: in, Options: opt, Memory: cfg.Memory, CPU: cfg.Time + time.Second, Output: cfg.Output, Command: cfg.Commands}
	line, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("sandbox: encode request: %w", err)
	}

	tctx, cancel := context.WithTimeout(ctx, cfg.Time)
	defer cancel()
	cmd := exec.CommandContext(tctx, cfg.Exe, cfg.Args...)
	cmd.Env = append(os.Environ(), cfg.Env...)
	// Its own process group, so that an external converter it started is
	// killed with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{buf: &stderr, max: 4096}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("sandbox: start worker: %w", err)
	}
	fed := make(chan error, 1)
	go func() {
		// A worker that dies early closes the pipe; the caller still
		// reads the rest of the file to hash it.
		w := bufio.NewWriterSize(stdin, 64<<10)
		w.Write(line)
		w.WriteByte('\n')
		_, err := io.Copy(w, r)
		if err == nil {
			err = w.Flush()
		}
		stdin.Close()
		fed <- err
	}()
	out, readErr := io.ReadAll(io.LimitReader(stdout, cfg.Output+resultOverhead+1))
	tooBig := int64(len(out)) > cfg.Output+resultOverhead
	if tooBig {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	waitErr := cmd.Wait()
	<-fed

	fail := func(reason, detail string) (*flatten.Result, error) {
		cfg.Logger.Warn("sandbox: conversion failed", "name", in.Name, "reason", reason, "detail", detail,
			"took", time.Since(start).Round(time.Millisecond).String())
		return &flatten.Result{Kind: flatten.KindUnknown, Action: flatten.ActionDrop, Reason: reason, Detail: detail}, nil
	}
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case tctx.Err() != nil:
		return fail(flatten.ReasonTimeout, fmt.Sprintf("conversion took longer than %s", cfg.Time))
	case tooBig:
		return fail(flatten.ReasonLimit, fmt.Sprintf("conversion output over %d bytes", cfg.Output))
	case waitErr != nil:
		return fail(flatten.ReasonCrash, "converter process failed: "+describeExit(waitErr, stderr.String()))
	case readErr != nil:
		return fail(flatten.ReasonCrash, "reading converter output: "+readErr.Error())
	}
	var res flatten.Result
	if err := json.Unmarshal(out, &res); err != nil {
		return fail(flatten.ReasonCrash, "converter output unreadable: "+err.Error())
	}
	return &res, nil
}

// describeExit says how the worker ended, with the last line it wrote
// to standard error.
func describeExit(err error, stderr string) string {
	msg := err.Error()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			msg = "killed by " + ws.Signal().String()
		}
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if last := strings.TrimSpace(lines[len(lines)-1]); last != "" {
		if len(last) > 200 {
			last = last[:200]
		}
		msg += ": " + last
	}
	return msg
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
