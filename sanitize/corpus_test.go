package sanitize_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/emersion/go-message"

	"github.com/mugai/mugai/internal/sanitizetest"
	"github.com/mugai/mugai/internal/testcorpus"
	"github.com/mugai/mugai/sanitize"
	"github.com/mugai/mugai/sanitize/charset"
)

// corpusFiles returns the corpus messages, sorted by path.
func corpusFiles(t testing.TB) []string {
	files := testcorpus.Messages(t, testcorpus.Require(t))
	sort.Strings(files)
	return files
}

// TestCorpus runs every message of the shared corpus through the sanitizer
// and checks the DESIGN.md invariants on each output. Rejections are
// allowed only with a reason, and for under 10% of the corpus. It prints a
// summary: sanitized, rejected by reason, and how much of the inputs'
// plain text survived (word recall, measured with go-message as an
// independent parser).
func TestCorpus(t *testing.T) {
	files := corpusFiles(t)
	pol := sanitize.DefaultPolicy()
	s := sanitize.New(pol)
	var (
		sanitized, rejected int
		reasons             = map[string]int{}
		examples            = map[string]string{}
		words, found        int
		slowest             time.Duration
		slowestFile         string
		total               time.Duration
		conversions         = map[string]map[sanitize.Action]int{}
	)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(testcorpus.Require(t), f)
		var out bytes.Buffer
		start := time.Now()
		rep, err := s.Message(&out, bytes.NewReader(raw))
		took := time.Since(start)
		total += took
		if took > slowest {
			slowest, slowestFile = took, rel
		}
		var rej *sanitize.RejectError
		switch {
		case errors.As(err, &rej):
			rejected++
			if rej.Reason == "" || rep.Rejected == nil {
				t.Errorf("%s: rejected without a reason", rel)
			}
			key := string(rej.Kind) + ": " + reasonClass(rej.Reason)
			reasons[key]++
			examples[key] = rel
			continue
		case err != nil:
			t.Errorf("%s: %v", rel, err)
			continue
		}
		sanitized++
		for _, p := range rep.Parts {
			switch p.Action {
			case sanitize.ActionConverted, sanitize.ActionDropped, sanitize.ActionReencoded, sanitize.ActionExpanded:
				t := p.Type()
				if conversions[t] == nil {
					conversions[t] = map[sanitize.Action]int{}
				}
				conversions[t][p.Action]++
			}
		}
		texts, err := sanitizetest.Check(out.Bytes(), sanitizetest.Options{})
		if err != nil {
			t.Errorf("%s: invariant broken: %v", rel, err)
			continue
		}
		w, fnd := recall(raw, texts)
		words += w
		found += fnd
	}
	n := len(files)
	t.Logf("corpus: %d messages: %d sanitized, %d rejected (%.1f%%)", n, sanitized, rejected, 100*float64(rejected)/float64(n))
	keys := make([]string, 0, len(reasons))
	for k := range reasons {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return reasons[keys[i]] > reasons[keys[j]] })
	for _, k := range keys {
		t.Logf("  rejected %3d  %s (e.g. %s)", reasons[k], k, examples[k])
	}
	if words > 0 {
		t.Logf("text preservation: %d of %d words of plain-text bodies found in the output (%.1f%%)", found, words, 100*float64(found)/float64(words))
	}
	t.Logf("time: %v in all, slowest %v (%s)", total.Round(time.Millisecond), slowest.Round(time.Millisecond), slowestFile)
	types := make([]string, 0, len(conversions))
	for k := range conversions {
		types = append(types, k)
	}
	sort.Strings(types)
	t.Logf("attachments by detected type:   converted  reencoded  expanded  dropped")
	for _, k := range types {
		c := conversions[k]
		t.Logf("  %-45s %5d %9d %9d %8d", k, c[sanitize.ActionConverted], c[sanitize.ActionReencoded], c[sanitize.ActionExpanded], c[sanitize.ActionDropped])
	}
	if rejected*10 >= n {
		t.Errorf("%d of %d corpus messages rejected: the target is under 10%%", rejected, n)
	}
}

// reasonClass shortens a rejection reason to its class, so similar
// reasons group together in the summary.
func reasonClass(r string) string {
	if i := strings.IndexAny(r, `"0123456789`); i > 0 {
		r = r[:i]
	}
	return strings.TrimSpace(r)
}

// recall counts the words of the input's inline text/plain parts and how
// many of them appear in the output text.
func recall(raw []byte, texts []sanitizetest.Text) (words, found int) {
	var out strings.Builder
	for _, t := range texts {
		out.WriteString(t.Body)
		out.WriteByte('\n')
	}
	have := map[string]bool{}
	for _, w := range strings.FieldsFunc(out.String(), notWordRune) {
		have[w] = true
	}
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil && e == nil {
		return 0, 0
	}
	e.Walk(func(path []int, part *message.Entity, err error) error {
		if part == nil {
			return nil // a broken part: go-message could not read it either
		}
		t, params, _ := part.Header.ContentType()
		if t != "text/plain" {
			return nil
		}
		if d, _, _ := part.Header.ContentDisposition(); d == "attachment" {
			return nil
		}
		b, err := io.ReadAll(io.LimitReader(part.Body, 1<<20))
		if err != nil {
			return nil
		}
		s, _ := charset.Decode(b, params["charset"])
		for _, w := range strings.FieldsFunc(s, notWordRune) {
			if len(w) < 3 {
				continue
			}
			words++
			if have[w] {
				found++
			}
		}
		return nil
	})
	return words, found
}

func notWordRune(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

// BenchmarkCorpus sanitizes the whole corpus once per iteration.
func BenchmarkCorpus(b *testing.B) {
	files := corpusFiles(b)
	var msgs [][]byte
	var size int64
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, raw)
		size += int64(len(raw))
	}
	s := sanitize.New(sanitize.DefaultPolicy())
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, m := range msgs {
			s.Message(io.Discard, bytes.NewReader(m))
		}
	}
	b.ReportMetric(float64(len(msgs)*b.N)/b.Elapsed().Seconds(), "msgs/s")
}
