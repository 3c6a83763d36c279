package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mugai/mugai/sandbox"
	"github.com/mugai/mugai/sandbox/syscallfilter"
	"github.com/mugai/mugai/sanitize/flatten"
)

// worker times conversions in sandboxed worker processes started from
// this long-running process, as the relay runs every attachment, and
// prints "wall_ms=W parent_ms=P worker_ms=C n=N": the medians over n
// conversions of the wall time, this process's CPU (starting a worker,
// feeding it, reading its result) and the worker's CPU.
//
//	mugai-bench worker -exe PROGRAM [-n N] [-env VAR=VALUE,...] FILE
func worker(args []string) error {
	fs := flag.NewFlagSet("worker", flag.ExitOnError)
	exe := fs.String("exe", "", "the worker program (mugai-convert)")
	n := fs.Int("n", 20, "conversions")
	env := fs.String("env", "", "variables added to the workers' environment, comma-separated (GOGC=off)")
	fs.Parse(args)
	if *exe == "" || fs.NArg() != 1 {
		return errors.New("usage: mugai-bench worker -exe PROGRAM [-n N] FILE")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	prog, err := filepath.Abs(*exe) // workers start in the root directory
	if err != nil {
		return err
	}
	var extra []string
	if *env != "" {
		extra = strings.Split(*env, ",")
	}
	c, err := sandbox.New(sandbox.Converter{Exe: prog, Env: extra, Time: time.Minute, SyscallFilter: syscallfilter.Build})
	if err != nil {
		return err
	}
	in := flatten.Input{Name: filepath.Base(fs.Arg(0))}
	one := func() error {
		res, err := c.Convert(context.Background(), in, bytes.NewReader(data), flatten.Options{})
		if err == nil && res.Action == flatten.ActionDrop {
			err = fmt.Errorf("dropped: %s: %s", res.Reason, res.Detail)
		}
		return err
	}
	if err := one(); err != nil { // warm up, and fail early
		return err
	}
	children := func() float64 {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	// Per conversion, so that the medians can be printed: a neighbour's
	// burst lengthens a few conversions, not the median.
	var wall, parent, child []float64
	for range *n {
		self0, children0, start := selfCPU(), children(), time.Now()
		if err := one(); err != nil {
			return err
		}
		wall = append(wall, time.Since(start).Seconds()*1000)
		parent = append(parent, (selfCPU()-self0)*1000)
		child = append(child, (children()-children0)*1000)
	}
	fmt.Printf("wall_ms=%.3f parent_ms=%.3f worker_ms=%.3f n=%d\n", median(wall), median(parent), median(child), *n)
	return nil
}
