// Command mugai is the mugai sanitization gateway: an SMTP relay that
// forwards only a sanitized rebuild of each message (serve), and the same
// sanitizer for one message or file on the command line.
//
// Usage:
//
//	mugai serve [-config FILE]
//	mugai sanitize [-config FILE] [-report FILE] < in.eml > out.eml
//	mugai file [-config FILE] [-o OUT] IN
//	mugai check-config FILE
//	mugai healthcheck [-config FILE] [-smtp ADDR] [-http ADDR] [-ready]
//	mugai vault list|show|get|release|hold|purge|audit|sweep|keygen ...
//	mugai console user add|passwd|del|list ...
//	mugai version
//
// Exit codes (a contract: scripts depend on them): 0 success; 1 usage,
// configuration or I/O error; 2 the policy rejected the input (fail closed),
// with one line on standard error saying why.
package main

import (
	"fmt"
	"io"
	"os"
)

// Exit codes.
const (
	exitOK       = 0
	exitError    = 1
	exitRejected = 2
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// env is what a subcommand may touch, so tests can run it in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// fail prints one line "mugai: ..." to standard error and returns code.
func (e *env) fail(code int, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "mugai: "+format+"\n", args...)
	return code
}

const usage = `usage:
  mugai serve [-config FILE]                                   run the gateway
  mugai sanitize [-config FILE] [-report FILE] < in.eml > out.eml   sanitize one message
  mugai file [-config FILE] [-o OUT] IN                        sanitize one file (text or re-encoded image)
  mugai check-config FILE                                      validate a config file
  mugai healthcheck [-config FILE] [-ready]                    check a running gateway (exit 0/1)
  mugai vault list|show|get|release|hold|purge|audit|sweep|keygen   the originals vault (mugai vault help)
  mugai console user add|passwd|del|list                       the web console's users (mugai console help)
  mugai version                                                print the version`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return exitError
	}
	switch args[0] {
	case "serve":
		return e.serve(args[1:])
	case "sanitize":
		return e.sanitize(args[1:])
	case "file":
		return e.file(args[1:])
	case "check-config":
		return e.checkConfig(args[1:])
	case workerCommand:
		return e.convertWorker()
	case "healthcheck":
		return e.healthcheck(args[1:])
	case "vault":
		return e.vaultCmd(args[1:])
	case "console":
		return e.consoleCmd(args[1:])
	case "version", "-version", "--version":
		fmt.Fprintf(stdout, "mugai %s\n", version)
		return exitOK
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(stdout, usage)
		return exitOK
	}
	return e.fail(exitError, "unknown command %q (try: mugai help)", args[0])
}
