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
		case "garbage":
			fmt.Println("not json")
			os.Exit(0)
		case "memory":
			// Read the request so the limits are set, then allocate.
			var keep [][]byte
			os.Exit(func() int {
				code := Worker(strings.NewReader(`{"memory":67108864,"cpu":10000000000}`+"\n"), os.Stdout, os.Stderr)
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

func converter(misbehave string) *Converter {
	return &Converter{
		Exe:    os.Args[0],
		Env:    []string{"MUGAI_SANDBOX_WORKER=1", "MUGAI_SANDBOX_MISBEHAVE=" + misbehave},
		Time:   3 * time.Second,
		Memory: 256 << 20,
		Output: 1 << 20,
	}
}

func TestConvertText(t *testing.T) {
	in := "こんにちは、世界。\nHello.\n"
	res, err := converter("").Convert(context.Background(), flatten.Input{Name: "a.txt"}, strings.NewReader(in), flatten.Options{})
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
			res, err := converter(tt.misbehave).Convert(context.Background(), flatten.Input{Name: "x.pdf"}, strings.NewReader("%PDF-1.4"), flatten.Options{})
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
	_, err := converter("hang").Convert(ctx, flatten.Input{}, strings.NewReader("x"), flatten.Options{})
	if err != context.Canceled {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestExternalCommand(t *testing.T) {
	c := converter("")
	// tr stands in for an admin's converter: it reads the file on stdin
	// and writes text to stdout. PDFs are sent to it instead of the
	// built-in converter.
	c.Commands = map[string][]string{"pdf": {"tr", "a-z", "A-Z"}}
	res, err := c.Convert(context.Background(), flatten.Input{Name: "x.pdf"}, strings.NewReader("%PDF-1.4 hello"), flatten.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action != flatten.ActionText || res.Text != "%PDF-1.4 HELLO" {
		t.Errorf("got %+v", res)
	}
	c.Commands = map[string][]string{"pdf": {"false"}}
	res, _ = c.Convert(context.Background(), flatten.Input{Name: "x.pdf"}, strings.NewReader("%PDF-1.4 hello"), flatten.Options{})
	if res.Action != flatten.ActionDrop {
		t.Errorf("failing command: got %+v", res)
	}
}

// BenchmarkConvertOverhead measures the cost of one isolated conversion
// of a tiny text file (process start, limits, protocol) against the same
// conversion in-process.
func BenchmarkConvertOverhead(b *testing.B) {
	c := converter("")
	b.Run("sandbox", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			c.Convert(context.Background(), flatten.Input{}, strings.NewReader("hello"), flatten.Options{})
		}
	})
	b.Run("in-process", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			flatten.Convert(context.Background(), flatten.Input{}, []byte("hello"), flatten.Options{})
		}
	})
}
