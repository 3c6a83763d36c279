package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/gateway"
	"github.com/mugai/mugai/sandbox"
)

// workerCommand is the hidden subcommand that runs one conversion in a
// child process (package sandbox). It is not for people: it reads a
// request and a file on standard input.
const workerCommand = "__convert"

// workerProgram is the conversion worker installed beside mugai
// (cmd/mugai-convert): the same worker in a binary that starts faster.
const workerProgram = "mugai-convert"

// findWorker returns the conversion worker: mugai-convert when it is
// installed beside this binary, else this binary re-executed. Not finding
// either is an error: there is no unconfined fallback.
func findWorker() (gateway.Worker, error) {
	exe, err := os.Executable()
	if err != nil {
		return gateway.Worker{}, fmt.Errorf("cannot find the mugai binary to start conversion workers: %w", err)
	}
	worker := filepath.Join(filepath.Dir(exe), workerProgram)
	if fi, err := os.Stat(worker); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return gateway.Worker{Exe: exe, Args: []string{workerCommand}}, nil
	}
	return gateway.Worker{Exe: worker}, nil
}

// newConverter returns the converter the binary uses (mugai sanitize,
// mugai file): every conversion in a confined worker (gateway.NewConverter).
func newConverter(cfg *config.Config, log *slog.Logger) (*sandbox.Converter, error) {
	w, err := findWorker()
	if err != nil {
		return nil, err
	}
	return gateway.NewConverter(cfg, w, log)
}

// convertWorker implements the hidden worker subcommand.
func (e *env) convertWorker() int {
	return sandbox.Worker(e.stdin, e.stdout, e.stderr)
}
