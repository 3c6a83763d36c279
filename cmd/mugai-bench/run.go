package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mugai/mugai/sanitize"
	"github.com/mugai/mugai/sanitize/htmltext"
	"github.com/mugai/mugai/sanitize/pdftext"
)

// send runs a sender (smtp-source) and waits until the sink has counted
// the messages: the relay's throughput is measured where mail arrives,
// since Postfix acknowledges a message when it is queued, before it is
// relayed. It prints "send=SECONDS done=SECONDS": when the sender
// finished and when the last message reached the sink, both from the
// sender's start.
//
//	mugai-bench send -sink-log FILE -expect N [-timeout D] -- COMMAND ARGS...
func send(args []string) error {
	fs := flag.NewFlagSet("send", flag.ExitOnError)
	sinkLog := fs.String("sink-log", "", "smtp-sink -c output file")
	expect := fs.Int("expect", 0, "messages the sink must count")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	cpuPids := fs.String("cpu-pid", "", "also print the CPU time these processes (comma-separated pids) and their descendants used")
	fs.Parse(args)
	if *sinkLog == "" || *expect <= 0 || fs.NArg() == 0 {
		return errors.New("usage: mugai-bench send -sink-log FILE -expect N -- COMMAND ARGS")
	}
	base, err := sinkCount(*sinkLog)
	if err != nil {
		return err
	}
	var pids []int
	for _, f := range strings.Split(*cpuPids, ",") {
		if p, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && p > 0 {
			pids = append(pids, p)
		}
	}
	cpu := func() float64 {
		t := 0.0
		for _, p := range pids {
			t += treeCPU(p)
		}
		return t
	}
	cpu0 := cpu()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, fs.Arg(0), fs.Args()[1:]...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %v: %s", fs.Arg(0), err, bytes.TrimSpace(stderr.Bytes()))
	}
	sent := time.Since(start)
	for {
		n, err := sinkCount(*sinkLog)
		if err != nil {
			return err
		}
		if n >= base+*expect {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("the sink counted %d of %d messages in %s", n-base, *expect, *timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
	done := time.Since(start)
	fmt.Printf("send=%.4f done=%.4f cpu=%.3f\n", sent.Seconds(), done.Seconds(), cpu()-cpu0)
	return nil
}

// treeCPU is the CPU time (user and system, seconds) that process pid
// and its descendants used: their own and that of the children they
// reaped. A relay's cost per message is measured this way because, on a
// shared machine, wall-clock rates move with the neighbours' load while
// CPU time hardly does. It covers Postfix (master and the daemons it
// spawns and reaps) and mugai (the server and its converter processes)
// alike. 0 for pid 0.
func treeCPU(pid int) float64 {
	if pid == 0 {
		return 0
	}
	children := map[int][]int{}
	ticks := map[int]int64{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The command name (field 2) may hold spaces; fields after it
		// start past the last ')'. See proc(5): ppid is field 4, utime,
		// stime, cutime, cstime fields 14 to 17.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(b[i+1:])
		if len(f) < 15 {
			continue
		}
		ppid, _ := strconv.Atoi(string(f[1]))
		var t int64
		for _, k := range f[11:15] {
			v, _ := strconv.ParseInt(string(k), 10, 64)
			t += v
		}
		children[ppid] = append(children[ppid], p)
		ticks[p] = t
	}
	var total int64
	var walk func(int)
	walk = func(p int) {
		total += ticks[p]
		for _, c := range children[p] {
			walk(c)
		}
	}
	walk(pid)
	return float64(total) / 100 // USER_HZ is 100 on Linux
}

var mesgRE = regexp.MustCompile(`mesg=(\d+)`)

// sinkCount reads the last message counter smtp-sink -c wrote: it
// rewrites one status line ("sess=N quit=N mesg=N", CR-separated).
func sinkCount(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	off := max(0, st.Size()-256)
	buf := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && err != io.EOF {
		return 0, err
	}
	m := mesgRE.FindAllSubmatch(buf, -1)
	if len(m) == 0 {
		return 0, nil
	}
	return strconv.Atoi(string(m[len(m)-1][1]))
}

// rss runs a command with the harness's standard input and output and
// prints its peak resident set size: "self=KiB tree=KiB". self is the
// process's own high-water mark (VmHWM, sampled until it exits); tree is
// the kernel's maximum over the process and its waited-for children
// (converter processes), from wait4.
//
//	mugai-bench rss -- COMMAND ARGS...
func rss(args []string) error {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return errors.New("usage: mugai-bench rss -- COMMAND ARGS")
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var self int64
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			tree := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
			fmt.Fprintf(os.Stderr, "self=%d tree=%d\n", max(self, 0), tree)
			if err != nil {
				return fmt.Errorf("%s: %v", args[0], err)
			}
			return nil
		case <-tick.C:
			if kb, err := vmHWM(cmd.Process.Pid); err == nil && kb > self {
				self = kb
			}
		}
	}
}

var hwmRE = regexp.MustCompile(`VmHWM:\s+(\d+) kB`)

// vmHWM is a process's peak resident set size in KiB (Linux /proc).
func vmHWM(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	m := hwmRE.FindSubmatch(b)
	if m == nil {
		return 0, errors.New("no VmHWM")
	}
	return strconv.ParseInt(string(m[1]), 10, 64)
}

// convert times mugai's converters in-process, the way the relay runs
// the HTML one for message bodies (attachments add a child process, which
// "mugai file" includes): it prints "seconds=S bytes=N" for n
// conversions of the file.
//
//	mugai-bench convert -kind html|pdf -n N [-cpuprofile FILE] FILE
func convert(args []string) error {
	fs := flag.NewFlagSet("convert", flag.ExitOnError)
	kind := fs.String("kind", "html", "html or pdf")
	n := fs.Int("n", 10, "conversions")
	prof := fs.String("cpuprofile", "", "write a CPU profile to this file")
	fs.Parse(args)
	if fs.NArg() != 1 {
		return errors.New("usage: mugai-bench convert -kind html|pdf -n N FILE")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	ctx := context.Background()
	one := func() error {
		switch *kind {
		case "html":
			_, err := htmltext.Convert(ctx, bytes.NewReader(data), htmltext.Options{Links: htmltext.LinksDefang})
			return err
		case "pdf":
			_, err := pdftext.Extract(ctx, data, pdftext.Limits{})
			return err
		}
		return fmt.Errorf("unknown kind %q", *kind)
	}
	return timed(*n, len(data), *prof, one)
}

// sanitizeMessage times the sanitizer in-process on one message (the
// default policy; attachments converted in-process too), for profiling:
//
//	mugai-bench sanitize -n N [-cpuprofile FILE] MESSAGE
func sanitizeMessage(args []string) error {
	fs := flag.NewFlagSet("sanitize", flag.ExitOnError)
	n := fs.Int("n", 100, "messages")
	prof := fs.String("cpuprofile", "", "write a CPU profile to this file")
	fs.Parse(args)
	if fs.NArg() != 1 {
		return errors.New("usage: mugai-bench sanitize -n N [-cpuprofile FILE] MESSAGE")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	s := sanitize.New(sanitize.DefaultPolicy())
	return timed(*n, len(data), *prof, func() error {
		_, err := s.Message(io.Discard, bytes.NewReader(data))
		return err
	})
}

// timed runs one once to warm up, then n times, and prints the wall and
// CPU seconds (user and system, this process) of the n runs.
func timed(n, size int, profile string, one func() error) error {
	if err := one(); err != nil { // warm up, and fail early
		return err
	}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	cpu0 := selfCPU()
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := one(); err != nil {
			return err
		}
	}
	fmt.Printf("seconds=%.6f cpu=%.6f bytes=%d\n", time.Since(start).Seconds(), selfCPU()-cpu0, int64(n)*int64(size))
	return nil
}

// selfCPU is the CPU time this process used so far, in seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
