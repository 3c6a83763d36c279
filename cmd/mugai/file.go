package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/mugai/mugai/sanitize"
)

// file implements "mugai file [-config FILE] [-o OUT] IN": one file to
// its safe form — UTF-8 text, or an image re-encoded from its pixels —
// with the converters used for attachments. Exit 0: OUT (or standard
// output) holds it. Exit 2: the file cannot be made safe; nothing is
// written and standard error has one line saying why. Exit 1: usage,
// config or I/O error.
func (e *env) file(args []string) int {
	fs := e.newFlagSet("file")
	cfgPath := fs.String("config", "", "config file (default: the embedded defaults)")
	outPath := fs.String("o", "", "write the result to this file (default: standard output)")
	if err := fs.Parse(args); err != nil {
		return e.fail(exitError, "file: %v", err)
	}
	if fs.NArg() != 1 {
		return e.fail(exitError, "usage: mugai file [-config FILE] [-o OUT] IN")
	}
	in := fs.Arg(0)
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return e.fail(exitError, "%s", oneLine(err))
	}
	var src io.Reader = e.stdin
	name := "stdin"
	if in != "-" {
		f, err := os.Open(in)
		if err != nil {
			return e.fail(exitError, "file: %v", err)
		}
		defer f.Close()
		src, name = f, filepath.Base(in)
	}
	quiet := slog.New(slog.DiscardHandler)
	conv, err := newConverter(cfg, quiet)
	if err != nil {
		return e.fail(exitError, "file: %v", err)
	}
	if why := conv.Status().Refusing; why != "" {
		// Every file goes through a converter: say why none will run.
		return e.fail(exitError, "file: conversions refused: %s (sandbox.landlock: best_effort converts without it)", why)
	}
	s := sanitize.New(cfg.SanitizePolicy(), sanitize.WithConverter(conv))
	res, err := s.File(context.Background(), name, src)
	var rej *sanitize.RejectError
	switch {
	case errors.As(err, &rej):
		return e.fail(exitRejected, "%s: %s", name, rej.Reason)
	case err != nil:
		return e.fail(exitError, "file: %v", err)
	}
	content := []byte(res.Text)
	if res.Image != nil {
		content = res.Image
	}
	if *outPath == "" {
		if _, err := e.stdout.Write(content); err != nil {
			return e.fail(exitError, "file: write output: %v", err)
		}
		return exitOK
	}
	if err := writeOutput(*outPath, 0o666, bytes.NewReader(content)); err != nil {
		return e.fail(exitError, "file: %v", err)
	}
	return exitOK
}
