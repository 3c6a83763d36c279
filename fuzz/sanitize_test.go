package fuzz

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mugai/mugai/internal/sanitizetest"
	"github.com/mugai/mugai/internal/testcorpus"
	"github.com/mugai/mugai/sanitize"
)

// addSeeds adds the messages of testdata (golden and attack messages)
// and, when present, the shared corpus.
func addSeeds(f *testing.F, max int) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "*", "*.eml"))
	if corpus := testcorpus.Dir(); corpus != "" {
		files = append(files, testcorpus.Messages(f, corpus)...)
	} else {
		f.Logf("shared corpus not found (set MUGAI_CORPUS or put it at ../shared/corpus): seeding %s from testdata only", f.Name())
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err == nil && len(b) <= max {
			f.Add(b)
		}
	}
}

// FuzzSanitize: whatever the input, the sanitizer either refuses it with
// a reason and writes nothing, or writes a message that keeps every output
// invariant, in bounded size and time; and sanitizing that output again
// keeps its text (the notice aside).
func FuzzSanitize(f *testing.F) {
	addSeeds(f, 64<<10)
	pol := sanitize.DefaultPolicy()
	pol.Limits.Time = 5 * time.Second
	s := sanitize.New(pol)
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		start := time.Now()
		rep, err := s.Message(&out, bytes.NewReader(in))
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("took %v on %d bytes", d, len(in))
		}
		var rej *sanitize.RejectError
		if err != nil {
			if !errors.As(err, &rej) {
				t.Fatalf("non-rejection error on in-memory input: %v", err)
			}
			if rej.Reason == "" || out.Len() != 0 || rep == nil || rep.Rejected == nil {
				t.Fatalf("bad rejection: %+v, %d bytes written", rej, out.Len())
			}
			return
		}
		texts, err := sanitizetest.Check(out.Bytes(), sanitizetest.Options{})
		if err != nil {
			t.Fatalf("invariant broken: %v\n%q", err, out.Bytes())
		}
		// Output size is bounded by the input: text can at most triple
		// in UTF-8 from a one-byte charset and grow by a third in base64;
		// the notice and headers add a bounded amount per part.
		if limit := 6*len(in) + 4096 + 512*len(rep.Parts); out.Len() > limit {
			t.Fatalf("output %d bytes for %d bytes in", out.Len(), len(in))
		}
		var again bytes.Buffer
		if _, err := s.Message(&again, bytes.NewReader(out.Bytes())); err != nil {
			t.Fatalf("sanitizing the output failed: %v", err)
		}
		texts2, err := sanitizetest.Check(again.Bytes(), sanitizetest.Options{})
		if err != nil {
			t.Fatalf("second pass broke an invariant: %v", err)
		}
		if len(texts2) != len(texts) || stripNotice(texts2[0].Body) != stripNotice(texts[0].Body) {
			t.Fatalf("second pass changed the text:\n%q\n%q", texts[0].Body, texts2[0].Body)
		}
	})
}

// stripNotice removes a leading notice block (up to its separator line).
func stripNotice(s string) string {
	const sep = "\n------------------------------------------------------------\n"
	if strings.HasPrefix(s, "【無害化のお知らせ】") {
		if i := strings.Index(s, sep); i >= 0 {
			return strings.TrimSpace(s[i+len(sep):])
		}
		return ""
	}
	return strings.TrimSpace(s)
}
