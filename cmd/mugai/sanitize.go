package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/gateway"
	"github.com/mugai/mugai/sanitize"
)

// newFlagSet returns a flag set that reports errors as one line and
// never exits the process.
func (e *env) newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// loadConfig reads FILE, or the embedded default when path is "".
func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return config.Default(), nil
	}
	return config.Load(path)
}

// sanitize implements "mugai sanitize": one message from standard input to
// standard output. Exit 0: a sanitized message was written. Exit 2: the
// policy rejected it; standard output stays empty and standard error has
// one line. Exit 1: usage, config or I/O error.
func (e *env) sanitize(args []string) int {
	fs := e.newFlagSet("sanitize")
	cfgPath := fs.String("config", "", "config file (default: the embedded defaults)")
	reportPath := fs.String("report", "", "write the JSON report to this file")
	if err := fs.Parse(args); err != nil {
		return e.fail(exitError, "sanitize: %v", err)
	}
	if fs.NArg() > 0 {
		return e.fail(exitError, "sanitize: unexpected argument %q (the message is read from standard input)", fs.Arg(0))
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return e.fail(exitError, "%s", oneLine(err))
	}
	var out bytes.Buffer
	// Quiet: standard error is for the one-line verdict; the report has
	// the details.
	quiet := slog.New(slog.DiscardHandler)
	conv, err := newConverter(cfg, quiet)
	if err != nil {
		return e.fail(exitError, "sanitize: %v", err)
	}
	rep, err := sanitize.New(cfg.SanitizePolicy(), sanitize.WithConverter(conv)).Message(&out, e.stdin)
	if *reportPath != "" && rep != nil {
		if werr := writeReport(*reportPath, rep); werr != nil {
			return e.fail(exitError, "sanitize: %v", werr)
		}
	}
	var rej *sanitize.RejectError
	switch {
	case errors.As(err, &rej):
		// The reply the relay would give.
		return e.fail(exitRejected, "rejected: %s", gateway.RejectionReply(rej))
	case err != nil:
		return e.fail(exitError, "sanitize: %v", err)
	}
	if _, err := e.stdout.Write(out.Bytes()); err != nil {
		return e.fail(exitError, "sanitize: write output: %v", err)
	}
	return exitOK
}

// writeReport writes the JSON report through a temporary file renamed
// into place, so a reader never sees half a report.
func writeReport(path string, rep *sanitize.Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	if err := writeOutput(path, 0o666, bytes.NewReader(append(b, '\n'))); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// oneLine joins a multi-line error (a list of config problems) with "; ".
func oneLine(err error) string {
	return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
}

// checkConfig implements "mugai check-config FILE": every problem as
// FILE:LINE: message, exit 1 on any.
func (e *env) checkConfig(args []string) int {
	if len(args) != 1 {
		return e.fail(exitError, "usage: mugai check-config FILE")
	}
	if _, err := config.Load(args[0]); err != nil {
		var errs config.Errors
		if errors.As(err, &errs) {
			for _, ce := range errs {
				fmt.Fprintln(e.stderr, ce.Error())
			}
			return exitError
		}
		return e.fail(exitError, "%v", err)
	}
	fmt.Fprintf(e.stdout, "%s: OK\n", args[0])
	return exitOK
}
