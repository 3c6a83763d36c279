package sandbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/mugai/mugai/sanitize/flatten"
)

// maxRequestLine bounds the request line the worker reads.
const maxRequestLine = 1 << 20

// Worker is the child side: it reads a request and a file from stdin,
// limits its own process before touching the file, converts, and writes
// the result to stdout. It returns the process exit code. The hidden
// worker subcommand of cmd/mugai calls it.
func Worker(stdin io.Reader, stdout, stderr io.Writer) int {
	br := bufio.NewReaderSize(stdin, 64<<10)
	line, err := br.ReadSlice('\n')
	if err != nil || len(line) > maxRequestLine {
		fmt.Fprintf(stderr, "sandbox worker: bad request line: %v\n", err)
		return 1
	}
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		fmt.Fprintf(stderr, "sandbox worker: bad request: %v\n", err)
		return 1
	}
	if err := limitSelf(req); err != nil {
		// Refusing to run unlimited is the safe failure.
		fmt.Fprintf(stderr, "sandbox worker: cannot set limits: %v\n", err)
		return 1
	}
	// The file may be as large as the part limit; reading it is bounded
	// by the address-space limit just set.
	data, err := io.ReadAll(br)
	if err != nil {
		fmt.Fprintf(stderr, "sandbox worker: read file: %v\n", err)
		return 1
	}
	opt := req.Options
	if len(req.Command) > 0 {
		opt.External = external(req.Command, req.Output)
	}
	res, err := flatten.Convert(context.Background(), req.Input, data, opt)
	if err != nil {
		fmt.Fprintf(stderr, "sandbox worker: %v\n", err)
		return 1
	}
	if err := json.NewEncoder(stdout).Encode(res); err != nil {
		fmt.Fprintf(stderr, "sandbox worker: write result: %v\n", err)
		return 1
	}
	return 0
}

// limitSelf sets the worker's resource limits (setrlimit(2)); an external
// converter it starts inherits them.
func limitSelf(req request) error {
	set := func(what int, v uint64) error {
		return syscall.Setrlimit(what, &syscall.Rlimit{Cur: v, Max: v})
	}
	cpu := uint64(req.CPU/time.Second) + 1
	if err := set(syscall.RLIMIT_CPU, cpu); err != nil {
		return fmt.Errorf("RLIMIT_CPU: %w", err)
	}
	if req.Memory > 0 {
		// The Go runtime reserves over a gigabyte of address space at
		// start (heap arena metadata) without using it, so the limit is
		// what is reserved now plus the memory allowed.
		base, err := vmSize()
		if err != nil {
			return fmt.Errorf("RLIMIT_AS: %w", err)
		}
		if err := set(syscall.RLIMIT_AS, base+uint64(req.Memory)); err != nil {
			return fmt.Errorf("RLIMIT_AS: %w", err)
		}
		// Make the collector work before the hard limit is reached.
		debug.SetMemoryLimit(req.Memory / 2)
	}
	if err := set(syscall.RLIMIT_CORE, 0); err != nil {
		return fmt.Errorf("RLIMIT_CORE: %w", err)
	}
	// Converters write nothing to disk.
	if err := set(syscall.RLIMIT_FSIZE, 0); err != nil {
		return fmt.Errorf("RLIMIT_FSIZE: %w", err)
	}
	if err := set(syscall.RLIMIT_NOFILE, 64); err != nil {
		return fmt.Errorf("RLIMIT_NOFILE: %w", err)
	}
	return nil
}

// vmSize returns the process's virtual memory size (Linux /proc).
func vmSize() (uint64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, l := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(l, []byte("VmSize:")); ok {
			f := bytes.Fields(v)
			if len(f) == 0 {
				break
			}
			kb, err := strconv.ParseUint(string(f[0]), 10, 64)
			if err != nil {
				return 0, err
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmSize in /proc/self/status")
}

// external runs the admin's command for a kind: the file on its standard
// input, UTF-8 text expected on its standard output, no shell.
func external(commands map[string][]string, maxOut int64) func(ctx context.Context, kind flatten.Kind, data []byte) (string, bool, error) {
	return func(ctx context.Context, kind flatten.Kind, data []byte) (string, bool, error) {
		argv, ok := commands[kind.ExternalName()]
		if !ok || len(argv) == 0 {
			return "", false, nil
		}
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Stdin = bytes.NewReader(data)
		var out, errOut bytes.Buffer
		cmd.Stdout = &limitedBuffer{buf: &out, max: int(maxOut)}
		cmd.Stderr = &limitedBuffer{buf: &errOut, max: 1024}
		if err := cmd.Run(); err != nil {
			return "", true, fmt.Errorf("%s: %v %s", argv[0], err, bytes.TrimSpace(errOut.Bytes()))
		}
		return out.String(), true, nil
	}
}
