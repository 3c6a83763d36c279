// Command mugai-convert is mugai's conversion worker: the gateway starts
// one for each attachment it converts, and it converts that one file
// inside the sandbox (package sandbox) and exits. It is not for people:
// it reads a request and a file on standard input.
//
// mugai uses it when it is installed beside the mugai binary, and
// otherwise re-executes itself as the worker. Both run the same code;
// this binary links only the converters — not the SMTP server, the
// metrics or the configuration — so each conversion starts in less time
// (docs/performance.md, "Fixed cost per conversion").
package main

import (
	"fmt"
	"os"

	"github.com/mugai/mugai/sandbox"
)

func main() {
	if code, ok := sandbox.EscapeMain(); ok {
		os.Exit(code) // only in test builds (-tags mugai_escapetest)
	}
	if len(os.Args) > 1 {
		fmt.Fprintln(os.Stderr, "mugai-convert: the conversion worker of mugai, started by mugai; it takes no arguments")
		os.Exit(1)
	}
	os.Exit(sandbox.Worker(os.Stdin, os.Stdout, os.Stderr))
}
