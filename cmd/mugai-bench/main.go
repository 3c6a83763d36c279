// Command mugai-bench is the Go side of the performance harness
// (scripts/bench.sh, docs/performance.md). Its subcommands:
//
//	gen -dir DIR [-big MB]   write the inputs: the three message kinds of
//	                         the relay figures, the HTML and PDF files the
//	                         converters are compared on, a 100 MB message
//	send -sink-log F -expect N -- smtp-source ...
//	                         time a sender until smtp-sink counted N more
//	rss -- COMMAND ...       run a command, print its peak RSS
//	convert -kind html|pdf -n N FILE
//	                         time mugai's converter in-process
//	sanitize -n N [-cpuprofile F] MESSAGE
//	                         time (and profile) the sanitizer in-process
//	time -n N 'COMMAND ARGS' ...
//	                         median wall and CPU time of whole commands,
//	                         run in turns
//	worker -exe PROGRAM [-n N] FILE
//	                         time conversions in sandboxed workers started
//	                         from a long-running process, as the relay runs
//	                         them: CPU of the parent and of the workers
//	newsletter [-corpus DIR] [-size BYTES] -html FILE -eml FILE
//	                         one large newsletter of a mail corpus's real
//	                         HTML bodies, as HTML and as a message
//
// Every input is generated from a fixed seed, so two runs send the same
// bytes and their figures compare. It is a measuring tool, built by the
// scripts that need it (go build ./cmd/mugai-bench), and not shipped with
// mugai: the Dockerfile and the packaging build only cmd/mugai and
// cmd/mugai-convert.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch args := os.Args[2:]; os.Args[1] {
	case "gen":
		fs := flag.NewFlagSet("gen", flag.ExitOnError)
		dir := fs.String("dir", "", "directory to write the inputs to")
		big := fs.Int("big", 0, "also write big.crlf.eml, a message of this many MB (0: none)")
		fs.Parse(args)
		if *dir == "" {
			usage()
		}
		err = generate(*dir, *big)
	case "send":
		err = send(args)
	case "rss":
		err = rss(args)
	case "convert":
		err = convert(args)
	case "sanitize":
		err = sanitizeMessage(args)
	case "time":
		err = timeCommands(args)
	case "worker":
		err = worker(args)
	case "newsletter":
		err = newsletter(args)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "mugai-bench %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: mugai-bench gen -dir DIR [-big MB] | send ... | rss -- CMD ... | convert -kind html|pdf -n N FILE")
	os.Exit(2)
}
