package htmltext

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestMaxToken(t *testing.T) {
	opt := Options{MaxToken: 64}
	cases := []struct{ name, in string }{
		{"long attribute", `<p>ok</p><p title="` + strings.Repeat("x", 200) + `">after</p>`},
		{"long text", "<p>ok</p><p>" + strings.Repeat("y", 200)},
		{"long comment", "<p>ok</p><!--" + strings.Repeat("z", 200) + "-->after"},
		{"long style", "<p>ok</p><style>" + strings.Repeat("a{}", 100) + "</style>after"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Convert(context.Background(), strings.NewReader(tc.in), opt)
			if err != nil {
				t.Fatalf("error %v, want none", err)
			}
			// The tokenizer hands over the text it buffered before the
			// limit: at most MaxToken bytes of the oversized token.
			if !r.Truncated || !strings.HasPrefix(r.Text, "ok") || len(r.Text) > len("ok\n\n")+opt.MaxToken {
				t.Errorf("got %q, Truncated %v; want \"ok\" and little more, true", r.Text, r.Truncated)
			}
			if strings.Contains(r.Text, "after") {
				t.Errorf("text after the oversized token: %q", r.Text)
			}
		})
	}
	// Tokens within the limit are not truncated, however long the input.
	in := strings.Repeat("<p>short paragraph</p>", 1000)
	r, err := Convert(context.Background(), strings.NewReader(in), opt)
	if err != nil || r.Truncated || strings.Count(r.Text, "short paragraph") != 1000 {
		t.Errorf("Truncated %v, err %v, %d paragraphs", r.Truncated, err, strings.Count(r.Text, "short paragraph"))
	}
	// The default limit is 1 MiB.
	in = "<p>ok</p><p>" + strings.Repeat("w", defaultMaxToken+10)
	r, err = Convert(context.Background(), strings.NewReader(in), Options{})
	if err != nil || !r.Truncated || !strings.HasPrefix(r.Text, "ok") || len(r.Text) > defaultMaxToken+4 {
		t.Errorf("default limit: Truncated %v, err %v, text %.20q", r.Truncated, err, r.Text)
	}
}

// cancelReader returns one chunk per Read and cancels its context when the
// second chunk is read, as a deadline would expire mid-message.
type cancelReader struct {
	chunks []string
	reads  int
	cancel context.CancelFunc
}

func (r *cancelReader) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	if r.reads++; r.reads == 2 {
		r.cancel()
	}
	n := copy(p, r.chunks[0])
	r.chunks = r.chunks[1:]
	return n, nil
}

func TestContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, err := Convert(ctx, strings.NewReader("<p>text</p>"), Options{})
	if !errors.Is(err, context.Canceled) || r.Text != "" {
		t.Errorf("canceled before start: %q, %v", r.Text, err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	rd := &cancelReader{chunks: []string{"<p>first</p><p>sec", "ond</p><p>third</p>"}, cancel: cancel}
	r, err = Convert(ctx, rd, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if !strings.HasPrefix(r.Text, "first") || strings.Contains(r.Text, "third") {
		t.Errorf("partial text %q", r.Text)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 0)
	defer cancel()
	<-ctx.Done()
	if _, err := Convert(ctx, strings.NewReader("x"), Options{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want DeadlineExceeded", err)
	}
}

type errReader struct{ data string }

var errBroken = errors.New("broken pipe")

func (r *errReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, errBroken
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestReadError(t *testing.T) {
	r, err := Convert(context.Background(), &errReader{data: "<p>partial</p><p>x"}, Options{})
	if !errors.Is(err, errBroken) {
		t.Fatalf("err = %v, want %v", err, errBroken)
	}
	if !strings.HasPrefix(r.Text, "partial") {
		t.Errorf("text %q", r.Text)
	}
}
