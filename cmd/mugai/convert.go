package main

import (
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/sandbox"
	"github.com/mugai/mugai/sanitize"
)

// workerCommand is the hidden subcommand that runs one conversion in a
// child process (package sandbox). It is not for people: it reads a
// request and a file on standard input.
const workerCommand = "__convert"

// newConverter returns the converter the binary uses: every attachment
// conversion runs in a child process of this same binary, under the
// limits of the config. When the binary's path cannot be found (which
// only happens on a broken /proc), conversion falls back to in-process.
func newConverter(cfg *config.Config, log *slog.Logger) sanitize.Converter {
	exe, err := os.Executable()
	if err != nil {
		log.Warn("cannot find the mugai binary; attachments are converted without process isolation", "err", err)
		return sanitize.InProcessConverter{}
	}
	commands := map[string][]string{}
	for kind, cmd := range cfg.Converters {
		commands[kind] = strings.Fields(cmd)
	}
	return &sandbox.Converter{
		Exe:      exe,
		Args:     []string{workerCommand},
		Time:     time.Duration(cfg.Limits.ConvertTime),
		Memory:   int64(cfg.Limits.ConvertMemory),
		Output:   int64(cfg.Limits.ConvertOutput),
		Commands: commands,
		Logger:   log,
	}
}

// convertWorker implements the hidden worker subcommand.
func (e *env) convertWorker() int {
	return sandbox.Worker(e.stdin, e.stdout, e.stderr)
}
