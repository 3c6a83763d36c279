package main

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mugai/mugai/sandbox"
	"github.com/mugai/mugai/sandbox/syscallfilter"
	"github.com/mugai/mugai/sanitize/flatten"
)

// BenchmarkConvertWorker is the fixed cost of one conversion as the relay
// pays it: a long-running parent starts a confined worker for 6 bytes of
// text, with the installed mugai-convert and with mugai itself as the
// worker (TestMain built both). Besides the wall time it reports the
// workers' CPU time (cpu-ms/op), the figure that is steady on a shared
// machine (scripts/convert-cost.sh, docs/performance.md).
func BenchmarkConvertWorker(b *testing.B) {
	dir := filepath.Dir(binary)
	for _, w := range []struct {
		name string
		exe  string
		args []string
	}{
		{"mugai-convert", filepath.Join(dir, workerProgram), nil},
		{"mugai_convert", binary, []string{workerCommand}},
	} {
		c, err := sandbox.New(sandbox.Converter{Exe: w.exe, Args: w.args, Time: 10 * time.Second, SyscallFilter: syscallfilter.Build})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(w.name, func(b *testing.B) {
			var before, after syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_CHILDREN, &before)
			for i := 0; i < b.N; i++ {
				res, err := c.Convert(context.Background(), flatten.Input{Name: "a.txt"}, strings.NewReader("hello\n"), flatten.Options{})
				if err != nil || res.Action != flatten.ActionText {
					b.Fatalf("%v %+v", err, res)
				}
			}
			syscall.Getrusage(syscall.RUSAGE_CHILDREN, &after)
			cpu := after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano()
			b.ReportMetric(float64(cpu)/1e6/float64(b.N), "cpu-ms/op")
		})
	}
}
