package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mugai/mugai/sandbox/syscallfilter"
	"github.com/mugai/mugai/sanitize/flatten"
)

// The test binary doubles as the worker: with MUGAI_SANDBOX_WORKER set it
// serves one conversion and exits. MUGAI_SANDBOX_MISBEHAVE makes it hang,
// crash, flood its output or eat memory, to test what the parent does.
func TestMain(m *testing.M) {
	if os.Getenv("MUGAI_SANDBOX_WORKER") == "1" {
		switch os.Getenv("MUGAI_SANDBOX_MISBEHAVE") {
		case "hang":
			time.Sleep(time.Hour)
		case "crash":
			panic("converter exploded")
		case "flood":
			b := bytes.Repeat([]byte("x"), 1<<20)
			for {
				os.Stdout.Write(b)
			}
		case "unconfined":
			// For BenchmarkConvertOverhead: the worker without its sandbox.
			os.Exit(work(os.Stdin, os.Stdout, os.Stderr, func(confinement) error { return nil }))
		case "no-landlock":
			// A kernel without Landlock, as the worker would see it.
			os.Exit(work(os.Stdin, os.Stdout, os.Stderr, func(c confinement) error { return confineWith(c, 0) }))
		case "garbage":
			fmt.Println("not json")
			os.Exit(0)
		case "memory":
			// Read the request so the limits are set, then allocate.
			var keep [][]byte
			os.Exit(func() int {
				req := fmt.Sprintf(`{"protocol":%d,"memory":67108864,"cpu":10000000000,"sandbox":{"landlock":"best_effort"}}`, protocol)
				code := Worker(strings.NewReader(req+"\n"), os.Stdout, os.Stderr)
				for i := 0; i < 1000; i++ {
					keep = append(keep, bytes.Repeat([]byte{1}, 1<<20))
				}
				return code
			}())
		}
		os.Exit(Worker(os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// converter returns a Converter whose worker is this test binary.
func converter(t testing.TB, misbehave string, commands map[string][]string) *Converter {
	t.Helper()
	c, err := New(Converter{
		Exe:      os.Args[0],
		Env:      []string{"MUGAI_SANDBOX_WORKER=1", "MUGAI_SANDBOX_MISBEHAVE=" + misbehave},
		Time:     5 * time.Second,
		Memory:   256 << 20,
		Output:   1 << 20,
		Commands: commands,
		// The gateway's filter, as in production.
		SyscallFilter: syscallfilter.Build,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConvertText(t *testing.T) {
	in := "こんにちは、世界。\nHello.\n"
	res, err := converter(t, "", nil).Convert(context.Background(), flatten.Input{Name: "a.txt"}, strings.NewReader(in), flatten.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action != flatten.ActionText || res.Text != in || res.Kind != flatten.KindText {
		t.Errorf("got %+v", res)
	}
}

func TestMisbehavingWorkers(t *testing.T) {
	tests := []struct {
		misbehave, reason string
	}{
		{"hang", flatten.ReasonTimeout},
		{"crash", flatten.ReasonCrash},
		{"flood", flatten.ReasonLimit},
		{"garbage", flatten.ReasonCrash},
		{"memory", flatten.ReasonCrash},
	}
	for _, tt := range tests {
		t.Run(tt.misbehave, func(t *testing.T) {
			res, err := converter(t, tt.misbehave, nil).Convert(context.Background(), flatten.Input{Name: "x.pdf"}, strings.NewReader("%PDF-1.4"), flatten.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Action != flatten.ActionDrop || res.Reason != tt.reason {
				t.Errorf("got %s/%s (%s), want drop/%s", res.Action, res.Reason, res.Detail, tt.reason)
			}
		})
	}
}

// TestWithoutLandlock: on a kernel without Landlock, enforce refuses to
// convert — the parent before starting a worker, and the worker itself —
// and the attachment is dropped with a reason; best_effort converts.
func TestWithoutLandlock(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		mode LandlockMode
		want flatten.Action
	}{{LandlockEnforce, flatten.ActionDrop}, {LandlockBestEffort, flatten.ActionText}} {
		c, err := New(Converter{Exe: os.Args[0], Env: []string{"MUGAI_SANDBOX_WORKER=1", "MUGAI_SANDBOX_MISBEHAVE=no-landlock"}, Landlock: tt.mode,
			SyscallFilter: syscallfilter.Build})
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Convert(ctx, flatten.Input{Name: "a.txt"}, strings.NewReader("hello"), flatten.Options{})
		if err != nil || res.Action != tt.want {
			t.Errorf("%s, worker: %v %+v, want %s", tt.mode, err, res, tt.want)
		} else if tt.want == flatten.ActionDrop && (res.Reason == "" || !strings.Contains(res.Detail, "Landlock")) {
			t.Errorf("%s, worker: dropped without saying why: %+v", tt.mode, res)
		}
	}

	c := converter(t, "", nil)
	c.status = Status{Refusing: errNoLandlock.Error()}
	r := strings.NewReader("hello")
	res, err := c.Convert(ctx, flatten.Input{Name: "a.txt"}, r, flatten.Options{})
	if err != nil || res.Action != flatten.ActionDrop || !strings.Contains(res.Detail, "Landlock") {
		t.Errorf("parent: %v %+v, want dropped with the reason", err, res)
	}
	if r.Len() != 0 {
		t.Errorf("parent: %d bytes of the file left unread; the caller hashes what it streams", r.Len())
	}
	if err := c.Check(ctx); err != nil {
		t.Errorf("Check of a refusing converter: %v (the refusal is by design)", err)
	}
}

func TestCallerCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(200 * time.Millisecond); cancel() }()
	_, err := converter(t, "hang", nil).Convert(ctx, flatten.Input{}, strings.NewReader("x"), flatten.Options{})
	if err != context.Canceled {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestExternalCommand(t *testing.T) {
	// tr stands in for an admin's converter: it reads the file on stdin
	// and writes text to stdout. PDFs are sent to it instead of the
	// built-in converter.
	c := converter(t, "", map[string][]string{"pdf": {"tr", "a-z", "A-Z"}})
	res, err := c.Convert(context.Background(), flatten.Input{Name: "x.pdf"}, strings.NewReader("%PDF-1.4 hello"), flatten.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action != flatten.ActionText || res.Text != "%PDF-1.4 HELLO" {
		t.Errorf("got %+v", res)
	}
	c = converter(t, "", map[string][]string{"pdf": {"false"}})
	res, _ = c.Convert(context.Background(), flatten.Input{Name: "x.pdf"}, strings.NewReader("%PDF-1.4 hello"), flatten.Options{})
	if res.Action != flatten.ActionDrop {
		t.Errorf("failing command: got %+v", res)
	}
}

// BenchmarkConvertOverhead measures one conversion of a tiny text file:
// in a worker (this test binary) confined as in production, in the same
// worker without its sandbox (closing inherited descriptors aside), and
// in-process. confined − unconfined is what the sandbox's set-up costs
// each conversion; unconfined − in-process is the process, its start and
// the protocol (docs/performance.md).
func BenchmarkConvertOverhead(b *testing.B) {
	for _, mode := range []struct{ name, misbehave string }{{"confined", ""}, {"unconfined", "unconfined"}} {
		c := converter(b, mode.misbehave, nil)
		b.Run(mode.name, func(b *testing.B) {
			var before, after syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_CHILDREN, &before)
			for i := 0; i < b.N; i++ {
				res, err := c.Convert(context.Background(), flatten.Input{}, strings.NewReader("hello"), flatten.Options{})
				if err != nil || res.Action != flatten.ActionText {
					b.Fatalf("%v %+v", err, res)
				}
			}
			// The workers' CPU time: steadier than the wall time on a
			// shared machine.
			syscall.Getrusage(syscall.RUSAGE_CHILDREN, &after)
			cpu := after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano()
			b.ReportMetric(float64(cpu)/1e6/float64(b.N), "cpu-ms/op")
		})
	}
	b.Run("in-process", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			flatten.Convert(context.Background(), flatten.Input{}, []byte("hello"), flatten.Options{})
		}
	})
}

// TestWorkerWithoutFilterRefuses: a worker handed no system call filter
// (a Converter made without SyscallFilter) does not convert unconfined.
func TestWorkerWithoutFilterRefuses(t *testing.T) {
	c, err := New(Converter{Exe: os.Args[0], Env: []string{"MUGAI_SANDBOX_WORKER=1"}, Time: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Convert(context.Background(), flatten.Input{Name: "a.txt"}, strings.NewReader("hello\n"), flatten.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action != flatten.ActionDrop || !strings.Contains(res.Detail, "no system call filter") {
		t.Errorf("got %+v, want a drop for the missing filter", res)
	}
	if err := c.Check(context.Background()); err == nil {
		t.Error("the start-up check passed a worker that cannot confine itself")
	}
}
