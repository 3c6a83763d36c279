// Package sandbox runs attachment converters in child processes. Parsing
// PDF, Office documents, archives and images means running complex code
// on hostile input; a converter that crashes, hangs or balloons must cost
// one attachment, not the gateway — and a converter made to misbehave
// must reach nothing: not the vault's originals and keys beside the
// gateway, not the network, not other programs, not the gateway's
// environment.
//
// So each conversion runs in a new process (the worker: the mugai-convert
// binary, or mugai itself re-executed with a hidden subcommand) that
// starts with an empty environment, the root directory as its working
// directory, only standard input, output and error, and its own process
// group. Before it reads a byte of the file it confines itself, for good
// and for every thread: resource limits (address space, CPU time, no core
// dumps, no file writes, few descriptors); Landlock (nothing readable,
// writable or executable — for an external converter, its program and
// libraries readable and the program executable; no TCP bind or connect;
// no signals or abstract sockets outside); no_new_privs; and a seccomp
// allowlist of system calls (the Go runtime's, and for external
// converters their C library's and execve). The parent enforces a
// wall-clock timeout (killing the whole process group) and caps what it
// reads back. Whatever goes wrong, the parent reports the attachment as
// dropped with a reason; it never passes the original on.
//
// The protocol on the child's standard input is one JSON line (the
// request, which carries the confinement) followed by the file's bytes;
// on its standard output, one JSON line (the flatten.Result without its
// text, and the text's length) followed by the text's bytes: a text of
// hundreds of kilobytes is not escaped into JSON and parsed back. An
// administrator may name an external command per file type (pdftotext,
// antiword, ...); the worker runs it in place of the built-in converter,
// inside the same confinement.
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

// protocol is the version of the request and result format. A worker of
// another version refuses the request, so a mugai-convert left over from
// an upgrade fails loudly instead of misreading it.
const protocol = 3

// resultHeader is the worker's first line of output: the result, whose
// Text follows the line as TextBytes raw bytes.
type resultHeader struct {
	*flatten.Result
	TextBytes int `json:"text_bytes"`
}

// request is the first line the worker reads.
type request struct {
	Protocol int                 `json:"protocol"`
	Input    flatten.Input       `json:"input"`
	Options  flatten.Options     `json:"options"`
	Memory   int64               `json:"memory"`
	CPU      time.Duration       `json:"cpu"`
	Output   int64               `json:"output"`
	Command  map[string][]string `json:"commands,omitempty"`
	Sandbox  confinement         `json:"sandbox"`
}

// Converter converts in a child process. Make one with New.
type Converter struct {
	// Exe and Args start a worker: mugai-convert, or the mugai binary and
	// its hidden worker subcommand.
	Exe  string
	Args []string
	// Env is added to the worker's environment, which is otherwise empty
	// but for PassEnv (tests use it to make the test binary a worker).
	Env []string
	// PassEnv names variables of the gateway's environment that the
	// worker and external converters get (sandbox.environment).
	PassEnv []string
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
	// Landlock is what to do on a kernel without Landlock (default
	// enforce: refuse to convert).
	Landlock LandlockMode
	// ReadPaths are the files and directories external converters may
	// read besides their programs (default DefaultReadPaths).
	ReadPaths []string
	// SyscallFilter builds the seccomp program of the worker of process
	// id pid (package sandbox/syscallfilter's Build; external: the wider
	// one for external converters). Required: a worker handed no filter
	// refuses to convert. It is passed in rather than called here so that
	// the worker, which links this package, does not link the filter's
	// assembler.
	SyscallFilter func(external bool, pid int) ([]byte, error)
	// Logger receives a line for each conversion that fails.
	Logger *slog.Logger

	ready    bool
	sandbox  confinement
	commands map[string][]string // Commands with absolute program paths
	status   Status
}

// New checks c and returns a converter ready to use: defaults filled in,
// external programs found (an error when one is missing), the kernel's
// Landlock probed. With enforce and no Landlock it still returns a
// converter, which refuses every conversion; Status says so, for the
// gateway's start-up log.
func New(c Converter) (*Converter, error) {
	if c.Exe == "" {
		return nil, errors.New("sandbox: no worker program")
	}
	if !c.Landlock.Valid() {
		return nil, fmt.Errorf("sandbox: unknown Landlock mode %q", c.Landlock)
	}
	if c.Landlock == "" {
		c.Landlock = LandlockEnforce
	}
	if c.Time <= 0 {
		c.Time = 20 * time.Second
	}
	if c.Memory <= 0 {
		c.Memory = 1 << 30
	}
	if c.Output <= 0 {
		c.Output = 10 << 20
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.ReadPaths == nil {
		c.ReadPaths = DefaultReadPaths()
	}
	c.sandbox = confinement{Landlock: c.Landlock}
	if len(c.Commands) > 0 {
		commands, execs, err := resolveCommands(c.Commands)
		if err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		files, dirs, err := splitReadPaths(c.ReadPaths)
		if err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		c.commands = commands
		c.sandbox = confinement{Landlock: c.Landlock, External: true, ExecFiles: execs, ReadFiles: files, ReadDirs: dirs}
	}
	c.status = Status{LandlockABI: landlockABI()}
	if c.status.LandlockABI < minLandlockABI && c.Landlock != LandlockBestEffort {
		c.status.Refusing = errNoLandlock.Error()
	}
	c.ready = true
	return &c, nil
}

// Status says how conversions are confined on this machine.
func (c *Converter) Status() Status { return c.status }

// Check converts a few bytes of text in a worker and says what went wrong,
// if anything: a worker that cannot start or confine itself. A converter
// that refuses every conversion (see Status) passes; that is by design.
func (c *Converter) Check(ctx context.Context) error {
	if c.ready && c.status.Refusing != "" {
		return nil
	}
	const text = "mugai\n"
	res, err := c.Convert(ctx, flatten.Input{Name: "check.txt"}, strings.NewReader(text), flatten.Options{})
	if err != nil {
		return err
	}
	if res.Action != flatten.ActionText || res.Text != text {
		return fmt.Errorf("%s: %s", res.Reason, res.Detail)
	}
	return nil
}

// environment is the worker's whole environment: the named variables of
// ours, the explicit additions, and settings for its Go runtime — no
// periodic re-reading of the cgroup's CPU limit (a file the worker may
// not open, and a descriptor it would keep) and no naming of memory
// regions (a prctl per mapping).
func (c *Converter) environment() []string {
	var env []string
	for _, name := range c.PassEnv {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	env = append(env, c.Env...)
	return append(env, "GODEBUG=containermaxprocs=0,updatemaxprocs=0,decoratemappings=0")
}

// resultOverhead is room for the JSON around the text, and for images
// (base64, a third larger than the bytes).
const resultOverhead = 1 << 20

// Convert runs one conversion in a worker. It reads the file from r. The
// error is ctx's when the caller gave up; every failure of the worker is
// a flatten.Result with ActionDrop and a reason.
func (c *Converter) Convert(ctx context.Context, in flatten.Input, r io.Reader, opt flatten.Options) (*flatten.Result, error) {
	if !c.ready {
		return nil, errors.New("sandbox: Converter not made by New")
	}
	if c.status.Refusing != "" {
		// Still read the file: the caller hashes what it streams.
		io.Copy(io.Discard, r)
		c.Logger.Error("sandbox: conversion refused", "name", in.Name, "reason", c.status.Refusing)
		return &flatten.Result{Kind: flatten.KindUnknown, Action: flatten.ActionDrop, Reason: flatten.ReasonCrash,
			Detail: "conversion refused: " + c.status.Refusing}, nil
	}
	opt.Limits.OutputBytes = c.Output
	req := request{Protocol: protocol, Input: in, Options: opt, Memory: c.Memory, CPU: c.Time + time.Second,
		Output: c.Output, Command: c.commands, Sandbox: c.sandbox}

	tctx, cancel := context.WithTimeout(ctx, c.Time)
	defer cancel()
	cmd := exec.CommandContext(tctx, c.Exe, c.Args...)
	cmd.Env = c.environment()
	// Not the gateway's working directory, where the default maildir and
	// vault are: relative paths would lead there (Landlock refuses them
	// anyway).
	cmd.Dir = "/"
	// Its own process group, so that an external converter it started is
	// killed with it. Only stdin, stdout and stderr are passed (exec
	// passes nothing else; the worker closes what the gateway itself
	// inherited).
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
	// The filter names the worker's process id: the signals it may send
	// go to itself only.
	if c.SyscallFilter != nil {
		prog, err := c.SyscallFilter(req.Sandbox.External, cmd.Process.Pid)
		if err != nil {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			cmd.Wait()
			return nil, fmt.Errorf("sandbox: system call filter: %w", err)
		}
		req.Sandbox.Filter = prog
	}
	line, err := json.Marshal(req)
	if err != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		return nil, fmt.Errorf("sandbox: encode request: %w", err)
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
	// bytes.Buffer doubles as it grows; io.ReadAll would grow a quarter
	// at a time, allocating five times the output.
	var outBuf bytes.Buffer
	_, readErr := outBuf.ReadFrom(io.LimitReader(stdout, c.Output+resultOverhead+1))
	out := outBuf.Bytes()
	tooBig := int64(len(out)) > c.Output+resultOverhead
	if tooBig {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	waitErr := cmd.Wait()
	<-fed

	fail := func(reason, detail string) (*flatten.Result, error) {
		c.Logger.Warn("sandbox: conversion failed", "name", in.Name, "reason", reason, "detail", detail,
			"took", time.Since(start).Round(time.Millisecond).String())
		return &flatten.Result{Kind: flatten.KindUnknown, Action: flatten.ActionDrop, Reason: reason, Detail: detail}, nil
	}
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case tctx.Err() != nil:
		return fail(flatten.ReasonTimeout, fmt.Sprintf("conversion took longer than %s", c.Time))
	case tooBig:
		return fail(flatten.ReasonLimit, fmt.Sprintf("conversion output over %d bytes", c.Output))
	case waitErr != nil:
		return fail(flatten.ReasonCrash, "converter process failed: "+describeExit(waitErr, stderr.String()))
	case readErr != nil:
		return fail(flatten.ReasonCrash, "reading converter output: "+readErr.Error())
	}
	res, err := decodeResult(out)
	if err != nil {
		return fail(flatten.ReasonCrash, "converter output unreadable: "+err.Error())
	}
	return res, nil
}

// decodeResult reads the worker's output: the header line and the text.
func decodeResult(out []byte) (*flatten.Result, error) {
	line, text, ok := bytes.Cut(out, []byte("\n"))
	if !ok {
		return nil, errors.New("no result line")
	}
	h := resultHeader{Result: new(flatten.Result)}
	if err := json.Unmarshal(line, &h); err != nil {
		return nil, err
	}
	if h.TextBytes != len(text) || h.Text != "" {
		return nil, fmt.Errorf("%d bytes of text after the result, which announced %d", len(text), h.TextBytes)
	}
	h.Text = string(text)
	return h.Result, nil
}

// encodeResult writes res as decodeResult reads it.
func encodeResult(w io.Writer, res *flatten.Result) error {
	r := *res
	r.Text = ""
	line, err := json.Marshal(resultHeader{Result: &r, TextBytes: len(res.Text)})
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(line)
	bw.WriteByte('\n')
	bw.WriteString(res.Text)
	return bw.Flush()
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
