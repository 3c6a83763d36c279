package pdftext

// Quality and speed against pdftotext (poppler-utils), on the PDFs
// attached to messages of the shared corpus and on generated documents:
//
//	MUGAI_PDF_QUALITY=1 go test ./sanitize/pdftext -run TestQuality -v
//
// It prints a table of word recall (our words found in pdftotext's output,
// counted as a multiset; CJK characters count one each, since Japanese has
// no spaces) and time per file (ours in process; pdftotext including its
// process start, which is also shown on its own), and fails when the total
// recall is under 95% or we take more than twice pdftotext's time.
// MUGAI_CORPUS points at the corpus (default ../../../shared/corpus);
// MUGAI_PDF_EXTRA lists more directories of PDFs (colon separated), e.g.
// /usr/share/doc. It is skipped unless MUGAI_PDF_QUALITY is set, and when
// pdftotext is not installed (apt-get install poppler-utils).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/emersion/go-message"
)

type qualitySample struct {
	name   string
	data   []byte
	copies int // corpus messages carrying the same file
}

func corpusPath() string {
	if d := os.Getenv("MUGAI_CORPUS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "shared", "corpus")
}

// corpusPDFs returns the distinct PDF attachments of the corpus messages,
// found with a MIME walk (go-message decodes the transfer encodings).
func corpusPDFs(t testing.TB) ([]qualitySample, error) {
	dir := corpusPath()
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	seen := map[string]int{}
	var out []qualitySample
	err := filepath.WalkDir(dir, func(p string, de os.DirEntry, err error) error {
		if err != nil || de.IsDir() || !strings.HasSuffix(p, ".eml") {
			return nil
		}
		raw, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(raw, []byte("JVBERi0")) && !bytes.Contains(raw, []byte("%PDF-")) {
			return nil
		}
		// Some corpus files start with an mbox "From " line or a BOM.
		raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
		if bytes.HasPrefix(raw, []byte("From ")) {
			if i := bytes.IndexByte(raw, '\n'); i >= 0 {
				raw = raw[i+1:]
			}
		}
		rel, _ := filepath.Rel(dir, p)
		var walk func(raw []byte, depth int)
		walk = func(raw []byte, depth int) {
			e, _ := message.Read(bytes.NewReader(raw)) // unknown charsets do not matter here
			if e == nil || depth > 8 {
				return
			}
			_ = e.Walk(func(path []int, part *message.Entity, err error) error {
				if err != nil || part.MultipartReader() != nil {
					return nil
				}
				body, _ := io.ReadAll(io.LimitReader(part.Body, 64<<20))
				if mt, _, _ := part.Header.ContentType(); mt == "message/rfc822" {
					walk(body, depth+1)
					return nil
				}
				if !bytes.Contains(body[:min(len(body), 1024)], []byte("%PDF-")) {
					return nil
				}
				key := string(body)
				if i, ok := seen[key]; ok {
					out[i].copies++
					return nil
				}
				seen[key] = len(out)
				out = append(out, qualitySample{name: "corpus/" + rel, data: body, copies: 1})
				return nil
			})
		}
		walk(raw, 0)
		return nil
	})
	return out, err
}

// generatedSamples are the documents the quality table measures besides
// the corpus.
func generatedSamples() []qualitySample {
	ps := func(n int) [][]string {
		out := make([][]string, n)
		for i := range out {
			out[i] = prose(100+i, 40, 9)
		}
		return out
	}
	return []qualitySample{
		{name: "gen/prose-5p-mixed", data: proseDoc(5, genOpts{})},
		{name: "gen/prose-tj-kerning", data: latinDoc(ps(3), styleTJ, genOpts{compress: true})},
		{name: "gen/prose-word-placed", data: latinDoc(ps(3), styleWords, genOpts{compress: true})},
		{name: "gen/prose-glyph-placed", data: latinDoc(ps(3), styleGlyphs, genOpts{compress: true})},
		{name: "gen/prose-quote-ops", data: latinDoc(ps(3), styleQuote, genOpts{compress: true})},
		{name: "gen/prose-50p-objstm", data: proseDoc(50, genOpts{objStm: true})},
		{name: "gen/prose-rc4", data: proseDoc(3, genOpts{compress: true, crypt: cryptRC4})},
		{name: "gen/prose-aes128", data: proseDoc(3, genOpts{compress: true, crypt: cryptAESV2})},
		{name: "gen/prose-aes256", data: proseDoc(3, genOpts{compress: true, crypt: cryptAESV3})},
		{name: "gen/japanese-identity-h", data: japaneseDoc(japaneseLines, genOpts{compress: true}, false)},
		{name: "gen/japanese-objstm-aes", data: japaneseDoc(japaneseLines, genOpts{objStm: true, crypt: cryptAESV2}, false)},
		{name: "gen/lzw-content", data: lzwDoc()},
		{name: "gen/prose-1200p", data: proseDoc(1200, genOpts{compress: true})},
		{name: "gen/prose-4000p-objstm", data: shortProseDoc(4000, genOpts{objStm: true})},
	}
}

func extraSamples() []qualitySample {
	var out []qualitySample
	for _, dir := range filepath.SplitList(os.Getenv("MUGAI_PDF_EXTRA")) {
		_ = filepath.WalkDir(dir, func(p string, de os.DirEntry, err error) error {
			if err == nil && !de.IsDir() && strings.HasSuffix(strings.ToLower(p), ".pdf") {
				if data, err := os.ReadFile(p); err == nil {
					out = append(out, qualitySample{name: p, data: data, copies: 1})
				}
			}
			return nil
		})
	}
	return out
}

// words splits text into the tokens recall is counted on: runs of letters
// and digits, with each CJK character a token of its own.
func words(s string) map[string]int {
	m := map[string]int{}
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			m[string(cur)]++
			cur = cur[:0]
		}
	}
	for _, r := range s {
		switch {
		case isCJK(r) && (unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsSymbol(r)):
			flush()
			m[string(r)]++
		case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r):
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return m
}

// recall is the share of the reference's tokens found in ours.
func recall(ours, ref string) (float64, int, int) {
	o, r := words(ours), words(ref)
	total, found := 0, 0
	for w, n := range r {
		total += n
		found += min(n, o[w])
	}
	if total == 0 {
		return 1, 0, 0
	}
	return float64(found) / float64(total), found, total
}

// timeIt runs f until 200 ms have passed (at least twice, at most 50
// times) and returns the fastest run.
func timeIt(f func()) time.Duration {
	best := time.Duration(1<<63 - 1)
	start := time.Now()
	for i := 0; i < 50 && (i < 2 || time.Since(start) < 200*time.Millisecond); i++ {
		t := time.Now()
		f()
		best = min(best, time.Since(t))
	}
	return best
}

func TestQuality(t *testing.T) {
	if os.Getenv("MUGAI_PDF_QUALITY") == "" {
		t.Skip("quality table is slow: run with MUGAI_PDF_QUALITY=1 go test ./sanitize/pdftext -run TestQuality -v")
	}
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not found (apt-get install poppler-utils): quality table skipped")
	}
	var samples []qualitySample
	corpus, err := corpusPDFs(t)
	if err != nil {
		t.Logf("corpus not found at %s (set MUGAI_CORPUS): corpus rows skipped", corpusPath())
	}
	samples = append(samples, corpus...)
	samples = append(samples, generatedSamples()...)
	samples = append(samples, extraSamples()...)

	dir := t.TempDir()
	start := timeIt(func() { _ = exec.Command(tool, "-v").Run() })
	var (
		sumFound, sumTotal int
		sumOurs, sumTheirs time.Duration
		rows               []string
		failures           []string
	)
	for i, s := range samples {
		path := filepath.Join(dir, fmt.Sprintf("%03d.pdf", i))
		if err := os.WriteFile(path, s.data, 0o600); err != nil {
			t.Fatal(err)
		}
		refOut, refErr := exec.Command(tool, "-q", "-enc", "UTF-8", path, "-").Output()
		res, ourErr := Extract(context.Background(), s.data, Limits{Pages: 10000, OutputBytes: 256 << 20})
		ours := timeIt(func() { _, _ = Extract(context.Background(), s.data, Limits{Pages: 10000, OutputBytes: 256 << 20}) })
		theirs := timeIt(func() { _ = exec.Command(tool, "-q", "-enc", "UTF-8", path, "-").Run() })
		r, found, total := recall(res.Text, string(refOut))
		note := ""
		switch {
		case refErr != nil && ourErr != nil:
			note = "both fail"
		case ourErr != nil && !errors.Is(ourErr, ErrNoText):
			note = "ours: " + ourErr.Error()
		case errors.Is(ourErr, ErrNoText):
			note = "no text"
		case refErr != nil:
			note = "pdftotext failed"
		}
		if total > 0 && r < 0.95 {
			failures = append(failures, fmt.Sprintf("%s: recall %.1f%%", s.name, 100*r))
		}
		sumFound += found
		sumTotal += total
		sumOurs += ours
		sumTheirs += theirs
		name := s.name
		if s.copies > 1 {
			name = fmt.Sprintf("%s (x%d)", trim(name, 56), s.copies)
		}
		rows = append(rows, fmt.Sprintf("%-62s %7d %6d %7s %10s %10s %6.2f  %s",
			trim(name, 62), len(s.data), total, pct(r, total), ours.Round(time.Microsecond), theirs.Round(time.Microsecond), ours.Seconds()/theirs.Seconds(), note))
	}
	sort.Strings(rows[:len(corpus)])
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-62s %7s %6s %7s %10s %10s %6s\n", "file", "bytes", "words", "recall", "ours", "pdftotext", "ratio")
	for _, r := range rows {
		b.WriteString(r + "\n")
	}
	totalRecall := float64(sumFound) / float64(max(1, sumTotal))
	fmt.Fprintf(&b, "%-62s %7s %6d %6.2f%% %10s %10s %6.2f\n", "TOTAL", "", sumTotal, 100*totalRecall,
		sumOurs.Round(time.Microsecond), sumTheirs.Round(time.Microsecond), sumOurs.Seconds()/sumTheirs.Seconds())
	fmt.Fprintf(&b, "(pdftotext times include starting the process, about %s each)\n", start.Round(time.Microsecond))
	t.Log(b.String())
	for _, f := range failures {
		t.Logf("below 95%%: %s", f)
	}
	if totalRecall < 0.95 {
		t.Errorf("total word recall %.2f%% is under the 95%% target", 100*totalRecall)
	}
	if sumOurs > 2*sumTheirs {
		t.Errorf("total time %s is more than twice pdftotext's %s", sumOurs, sumTheirs)
	}
}

func pct(r float64, total int) string {
	if total == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*r)
}

func trim(s string, n int) string {
	if runeCount(s) <= n {
		return s
	}
	r := []rune(s)
	return "…" + string(r[len(r)-n+1:])
}
