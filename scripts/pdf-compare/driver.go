//go:build ignore

// Command driver extracts the text of one PDF with one reader. It is built
// by scripts/pdf-compare.sh in a throwaway module (this file's build tag
// keeps it out of mugai's own), so that github.com/ledongthuc/pdf never
// enters mugai's go.mod or binaries:
//
//	driver ours|ledongthuc FILE
//
// The text goes to standard output, the time of the extraction alone (not
// the process start nor reading the file) to standard error as
// "elapsed_ns N". Exit 0: text extracted. Exit 1: the reader returned an
// error. Exit 3: it panicked, and the panic was recovered. What recover
// cannot catch — Go's fatal "out of memory", a stack overflow — ends the
// process with exit 2; the script runs each call under rlimits and a
// timeout and counts those as crashes and hangs.
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ledongthuc/pdf"

	"github.com/mugai/mugai/sanitize/pdftext"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: driver ours|ledongthuc FILE")
		os.Exit(64)
	}
	data, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(64)
	}
	extract := map[string]func([]byte) (string, error){"ours": ours, "ledongthuc": ledongthuc}[os.Args[1]]
	if extract == nil {
		fmt.Fprintln(os.Stderr, "unknown reader", os.Args[1])
		os.Exit(64)
	}
	start := time.Now()
	text, panicked, err := run(extract, data)
	fmt.Fprintf(os.Stderr, "elapsed_ns %d\n", time.Since(start).Nanoseconds())
	os.Stdout.WriteString(text)
	switch {
	case panicked:
		fmt.Fprintln(os.Stderr, "panic:", err)
		os.Exit(3)
	case err != nil:
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(extract func([]byte) (string, error), data []byte) (text string, panicked bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			panicked, err = true, fmt.Errorf("%v", r)
		}
	}()
	text, err = extract(data)
	return text, false, err
}

// ours is mugai's reader with the limits of its quality table (every page
// of a long document, 256 MiB of text).
func ours(data []byte) (string, error) {
	res, err := pdftext.Extract(context.Background(), data, pdftext.Limits{Pages: 10000, OutputBytes: 256 << 20})
	return res.Text, err
}

// ledongthuc is the library's documented way to a document's text.
func ledongthuc(data []byte) (string, error) {
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", err
	}
	plain, err := r.GetPlainText()
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(plain)
	return string(b), err
}
