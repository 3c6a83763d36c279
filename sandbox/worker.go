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
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/mugai/mugai/sanitize/flatten"
)

// maxRequestLine bounds the request line the worker reads.
const maxRequestLine = 1 << 20

// Worker is the child side: it reads a request and a file from stdin,
// confines its own process before touching the file, converts, and writes
// the result to stdout. It returns the process exit code. mugai-convert
// and the hidden worker subcommand of cmd/mugai call it.
func Worker(stdin io.Reader, stdout, stderr io.Writer) int {
	return work(stdin, stdout, stderr, confine)
}

// work is Worker with the confinement as a parameter, so that a benchmark
// can measure what it costs.
func work(stdin io.Reader, stdout, stderr io.Writer, confine func(confinement) error) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "sandbox worker: "+format+"\n", args...)
		return 1
	}
	if err := closeInherited(); err != nil {
		return fail("%v", err)
	}
	br := bufio.NewReaderSize(stdin, 64<<10)
	line, err := br.ReadSlice('\n')
	if err != nil || len(line) > maxRequestLine {
		return fail("bad request line: %v", err)
	}
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		return fail("bad request: %v", err)
	}
	if req.Protocol != protocol {
		return fail("request of protocol %d, this worker speaks %d (a mugai-convert of another version?)", req.Protocol, protocol)
	}
	// Refusing to run unconfined is the safe failure.
	if err := limitSelf(req); err != nil {
		return fail("cannot set limits: %v", err)
	}
	if err := confine(req.Sandbox); err != nil {
		return fail("cannot confine: %v", err)
	}
	// The file may be as large as the part limit; reading it is bounded
	// by the address-space limit just set.
	data, err := readInput(br, inputReserve(req.Memory))
	if err != nil {
		return fail("read file: %v", err)
	}
	res, ok := escapeProbe(data)
	if !ok {
		opt := req.Options
		if len(req.Command) > 0 {
			opt.External = external(req.Command, req.Output)
		}
		if res, err = flatten.Convert(context.Background(), req.Input, data, opt); err != nil {
			return fail("%v", err)
		}
	}
	if err := encodeResult(stdout, res); err != nil {
		return fail("write result: %v", err)
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

// inputReserve is the address space set aside for the file: an eighth of
// the worker's memory, more than limits.convert_size's default.
func inputReserve(memory int64) int {
	if memory <= 0 {
		return 64 << 20
	}
	return int(memory / 8)
}

// readInput reads the file into an anonymous mapping of reserve bytes,
// of which the kernel provides only the pages the file fills, and reads on
// into the Go heap if the file is larger. io.ReadAll would grow its
// buffer a quarter at a time, allocating five times the file's size, all
// of it new memory for a fresh process to fault in and clear, and make
// the garbage collector run for it (docs/performance.md, "Fixed cost per
// conversion").
func readInput(r io.Reader, reserve int) ([]byte, error) {
	buf, err := syscall.Mmap(-1, 0, reserve, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return io.ReadAll(r) // the address space is short: the Go heap will do
	}
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err == io.EOF {
			return buf[:n:n], nil
		}
		if err != nil {
			return nil, err
		}
	}
	// Larger than the reservation: on in the heap.
	rest, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return append(buf[:n:n], rest...), nil
}
