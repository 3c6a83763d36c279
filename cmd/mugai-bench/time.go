package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// timeCommands runs each command n times, the commands taking turns so
// that a neighbour's load falls on all of them alike, and prints for each
// the median wall time and the median CPU time (user and system, of the
// command and every process it waited for) in milliseconds:
//
//	mugai-bench time -n N 'COMMAND ARGS' ...
//
// A command is split at white space; no shell is involved. A command that
// fails is an error: the figures would be of something else.
func timeCommands(args []string) error {
	fs := flag.NewFlagSet("time", flag.ExitOnError)
	n := fs.Int("n", 50, "runs of each command")
	fs.Parse(args)
	if fs.NArg() == 0 || *n < 1 {
		return errors.New("usage: mugai-bench time -n N 'COMMAND ARGS' ...")
	}
	wall := make([][]float64, fs.NArg())
	cpu := make([][]float64, fs.NArg())
	for range *n {
		for i, line := range fs.Args() {
			argv := strings.Fields(line)
			cmd := exec.Command(argv[0], argv[1:]...)
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = io.Discard, &stderr
			start := time.Now()
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("%s: %v %s", line, err, bytes.TrimSpace(stderr.Bytes()))
			}
			wall[i] = append(wall[i], float64(time.Since(start).Microseconds())/1000)
			ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
			cpu[i] = append(cpu[i], float64(ru.Utime.Nano()+ru.Stime.Nano())/1e6)
		}
	}
	for i, line := range fs.Args() {
		fmt.Printf("%.2f %.2f %s\n", median(wall[i]), median(cpu[i]), line)
	}
	return nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
