package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/sandbox"
)

// workerCommand is the hidden subcommand that runs one conversion in a
// child process (package sandbox). It is not for people: it reads a
// request and a file on standard input.
const workerCommand = "__convert"

// workerProgram is the conversion worker installed beside mugai
// (cmd/mugai-convert): the same worker in a binary that starts faster.
const workerProgram = "mugai-convert"

// newConverter returns the converter the binary uses: every attachment
// conversion runs in a child process — mugai-convert when it is installed
// beside this binary, else this binary re-executed — confined as the
// config's sandbox section says. Not finding a worker, or an external
// converter's program, is an error: there is no unconfined fallback.
func newConverter(cfg *config.Config, log *slog.Logger) (*sandbox.Converter, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find the mugai binary to start conversion workers: %w", err)
	}
	worker, args := filepath.Join(filepath.Dir(exe), workerProgram), []string(nil)
	if fi, err := os.Stat(worker); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		worker, args = exe, []string{workerCommand}
	}
	commands := map[string][]string{}
	for kind, cmd := range cfg.Converters {
		commands[kind] = strings.Fields(cmd)
	}
	conv, err := sandbox.New(sandbox.Converter{
		Exe:       worker,
		Args:      args,
		PassEnv:   cfg.Sandbox.Environment,
		Time:      time.Duration(cfg.Limits.ConvertTime),
		Memory:    int64(cfg.Limits.ConvertMemory),
		Output:    int64(cfg.Limits.ConvertOutput),
		Commands:  commands,
		Landlock:  sandbox.LandlockMode(cfg.Sandbox.Landlock),
		ReadPaths: cfg.Sandbox.ReadPaths,
		Logger:    log,
	})
	if err != nil {
		return nil, err
	}
	switch st := conv.Status(); {
	case st.Refusing != "":
		// Mail still flows; every attachment that needs a converter is
		// removed with a notice.
		log.Error("sandbox: ATTACHMENTS WILL NOT BE CONVERTED: "+st.Refusing,
			"fix", "run on a kernel with Landlock, or set sandbox.landlock: best_effort")
	case st.LandlockABI == 0:
		log.Warn("sandbox: THE KERNEL HAS NO LANDLOCK: converters run without filesystem rules and could read this host's files (sandbox.landlock: best_effort)")
	default:
		log.Info("sandbox: converters confined", "worker", worker, "confinement", st.String())
	}
	return conv, nil
}

// checkConverter converts a few bytes of text in a worker, so that a
// worker that cannot start or confine itself (a kernel without seccomp, a
// mugai-convert of another version) stops the gateway at start, not
// each attachment later.
func checkConverter(conv *sandbox.Converter) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := conv.Check(ctx); err != nil {
		return fmt.Errorf("conversion worker: %w", err)
	}
	return nil
}

// convertWorker implements the hidden worker subcommand.
func (e *env) convertWorker() int {
	return sandbox.Worker(e.stdin, e.stdout, e.stderr)
}
