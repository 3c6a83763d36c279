package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

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
		Time:     10 * time.Second,
		Memory:   256 << 20,
		Output:   1 << 20,
		Commands: commands,
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
			for i := 0; i < b.N; i++ {
				res, err := c.Convert(context.Background(), flatten.Input{}, strings.NewReader("hello"), flatten.Options{})
				if err != nil || res.Action != flatten.ActionText {
					b.Fatalf("%v %+v", err, res)
				}
			}
		})
	}
	b.Run("in-process", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			flatten.Convert(context.Background(), flatten.Input{}, []byte("hello"), flatten.Options{})
		}
	})
}
