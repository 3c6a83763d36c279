package pdftext

// Quality and speed against pdftotext (poppler-utils), on the PDFs
// attached to messages of the shared corpus and on generated documents:
//
//	MUGAI_PDF_QUALITY=1 go test ./sanitize/pdftext -run TestQuality -v
//
// It prints a table of word recall (pdftotext's words found in ours,
// counted as a multiset by internal/recall; CJK characters count one each,
// since Japanese has no spaces) and time per file (ours in process;
// pdftotext including its process start, which is also shown on its own),
// and fails when the mean recall per file is under 97%, the pooled recall
// under 95%, or we take more than twice pdftotext's time. Besides the
// corpus it reads generated documents, among them one per kind of CJK font
// without ToUnicode, and the fixtures made by TeX in testdata/fixtures;
// scripts/converter-quality.sh adds PDFs made by Ghostscript.
// MUGAI_CORPUS points at the corpus (default ../shared/corpus beside the
// repository);
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

	"github.com/emersion/go-message"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/mugai/mugai/internal/recall"
	"github.com/mugai/mugai/internal/testcorpus"
	"github.com/mugai/mugai/internal/testinput/pdftest"
)

type qualitySample struct {
	name   string
	data   []byte
	copies int // corpus messages carrying the same file
}

// corpusPDFs returns the distinct PDF attachments of the corpus messages,
// found with a MIME walk (go-message decodes the transfer encodings).
func corpusPDFs(t testing.TB) ([]qualitySample, error) {
	dir := testcorpus.Dir()
	if dir == "" {
		return nil, os.ErrNotExist
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

// cjkSamples are documents of each kind of CJK font without a ToUnicode
// map (issue 15): a predefined encoding CMap, or Identity-H, over a
// non-embedded font of one of Adobe's character collections.
func cjkSamples(t testing.TB) []qualitySample {
	ja := append(append([]string(nil), japaneseLines...),
		"住民票の写しの交付申請は、窓口または郵送で受け付けています。",
		"手数料は一通につき三百円です。本人確認書類をお持ちください。",
		"The quotation is valid for 30 days.")
	// EUC-H and H have the characters of JIS X 0208 only: not the NEC
	// extensions (①, ㈱) that Shift_JIS documents use.
	jis0208 := make([]string, len(ja))
	for i, l := range ja {
		jis0208[i] = strings.NewReplacer("①", "", "㈱", "").Replace(l)
	}
	zh := []string{"中华人民共和国政府工作报告", "经济社会发展主要目标 2024 年", "Annual report summary"}
	tw := []string{"臺灣地區政府公文範例", "行政院主計總處 預算書", "Budget 2024"}
	ko := []string{"대한민국 정부 공문서 예시", "서울특별시 행정 안내", "Seoul city notice"}
	enc := func(e encoding.Encoding) func(string) []byte {
		return func(s string) []byte {
			b, err := e.NewEncoder().Bytes([]byte(s))
			if err != nil {
				t.Fatalf("%s: %v", s, err)
			}
			return b
		}
	}
	jis := func(s string) []byte {
		// The two-byte JIS X 0208 codes of /H: ISO-2022-JP without its
		// escape sequences (ASCII kept as it is).
		var out []byte
		for _, r := range s {
			b := enc(japanese.ISO2022JP)(string(r))
			if len(b) > 6 {
				b = b[3 : len(b)-3]
			}
			out = append(out, b...)
		}
		return out
	}
	identity := func(s string) []byte {
		// Identity-H codes are Adobe-Japan1 CIDs: those 90ms-RKSJ-H gives.
		m, _ := predefinedCMap("90ms-RKSJ-H")
		var out []byte
		for _, r := range s {
			b := enc(japanese.ShiftJIS)(string(r))
			cid, _ := m.cid(codeValue(b))
			out = append(out, byte(cid>>8), byte(cid))
		}
		return out
	}
	ucs2 := func(s string) []byte {
		var out []byte
		for _, r := range s {
			if r > 0xFFFF {
				continue
			}
			out = append(out, byte(r>>8), byte(r))
		}
		return out
	}
	return []qualitySample{
		{name: "gen/ja-90ms-RKSJ-H", data: cjkDoc("90ms-RKSJ-H", "Japan1", ja, enc(japanese.ShiftJIS))},
		{name: "gen/ja-90msp-RKSJ-H", data: cjkDoc("90msp-RKSJ-H", "Japan1", ja, enc(japanese.ShiftJIS))},
		{name: "gen/ja-90ms-RKSJ-V", data: cjkDoc("90ms-RKSJ-V", "Japan1", ja, enc(japanese.ShiftJIS))},
		{name: "gen/ja-EUC-H", data: cjkDoc("EUC-H", "Japan1", jis0208, enc(japanese.EUCJP))},
		{name: "gen/ja-H", data: cjkDoc("H", "Japan1", jis0208[:5], jis)},
		{name: "gen/ja-Identity-H-Adobe-Japan1", data: cjkDoc("Identity-H", "Japan1", ja, identity)},
		{name: "gen/ja-UniJIS-UCS2-H", data: cjkDoc("UniJIS-UCS2-H", "Japan1", ja, ucs2)},
		{name: "gen/zh-GBK-EUC-H", data: cjkDoc("GBK-EUC-H", "GB1", zh, enc(simplifiedchinese.GBK))},
		{name: "gen/zh-GB-EUC-H", data: cjkDoc("GB-EUC-H", "GB1", zh, enc(simplifiedchinese.GBK))},
		{name: "gen/zh-ETen-B5-H", data: cjkDoc("ETen-B5-H", "CNS1", tw, enc(traditionalchinese.Big5))},
		{name: "gen/ko-KSCms-UHC-H", data: cjkDoc("KSCms-UHC-H", "Korea1", ko, enc(korean.EUCKR))},
	}
}

// cjkDoc writes lines in a Type0 font with the encoding over a
// non-embedded CIDFont of the collection, without ToUnicode, each line a
// string of codes made by code.
func cjkDoc(enc, ordering string, lines []string, code func(string) []byte) []byte {
	var c strings.Builder
	vertical := strings.HasSuffix(enc, "-V")
	c.WriteString("BT /F1 11 Tf 16 TL 56 760 Td\n")
	if vertical {
		c.WriteString("1 0 0 1 500 760 Tm\n")
	}
	for i, l := range lines {
		if vertical && i > 0 {
			fmt.Fprintf(&c, "1 0 0 1 %d 760 Tm\n", 500-16*i)
		}
		fmt.Fprintf(&c, "<%X> Tj T*\n", code(l))
	}
	c.WriteString("ET")
	base := map[string]string{"Japan1": "Ryumin-Light", "GB1": "STSong-Light", "CNS1": "MSung-Light", "Korea1": "HYSMyeongJo-Medium"}[ordering]
	objs := pdftest.OnePage(c.String())
	objs[4] = "<< /Type /Font /Subtype /Type0 /BaseFont /" + base + "-" + enc + " /Encoding /" + enc + " /DescendantFonts [6 0 R] >>"
	objs = append(objs, "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /"+base+" /CIDSystemInfo << /Registry (Adobe) /Ordering ("+ordering+
		") /Supplement 2 >> /FontDescriptor << /Type /FontDescriptor /FontName /"+base+" /Flags 6 /FontBBox [0 -141 1000 859] /ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 700 /StemV 80 >> /DW 1000 /W [1 632 500] >>")
	return pdftest.Assemble(objs, "/Root 1 0 R")
}

// fixtureSamples are the PDFs made by real tools in testdata/fixtures.
func fixtureSamples() []qualitySample {
	var out []qualitySample
	files, _ := filepath.Glob(filepath.Join(fixturesDir, "cjk", "*.pdf"))
	for _, f := range files {
		if data, err := os.ReadFile(f); err == nil {
			out = append(out, qualitySample{name: "fixture/" + filepath.Base(f), data: data, copies: 1})
		}
	}
	return out
}

func extraSamples() []qualitySample {
	var out []qualitySample
	for _, dir := range filepath.SplitList(os.Getenv("MUGAI_PDF_EXTRA")) {
		_ = filepath.WalkDir(dir, func(p string, de os.DirEntry, err error) error {
			if err == nil && !de.IsDir() && strings.HasSuffix(strings.ToLower(p), ".pdf") {
				if data, err := os.ReadFile(p); err == nil {
					out = append(out, qualitySample{name: "extra/" + filepath.Base(p), data: data, copies: 1})
				}
			}
			return nil
		})
	}
	return out
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
		t.Logf("shared corpus not found (set %s to its path): corpus rows skipped", testcorpus.Env)
	}
	samples = append(samples, corpus...)
	samples = append(samples, generatedSamples()...)
	samples = append(samples, cjkSamples(t)...)
	samples = append(samples, fixtureSamples()...)
	samples = append(samples, extraSamples()...)

	dir := t.TempDir()
	start := timeIt(func() { _ = exec.Command(tool, "-v").Run() })
	var (
		sumFound, sumTotal int
		sumRecall          float64 // over files with reference words
		measured           int
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
		r, found, total := recall.Of(res.Text, string(refOut))
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
		if total > 0 {
			sumRecall += r
			measured++
		}
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
	meanRecall := sumRecall / float64(max(1, measured))
	fmt.Fprintf(&b, "%-62s %7s %6d %6.2f%%   (mean of %d files with words in pdftotext's text)\n", "MEAN", "", sumTotal, 100*meanRecall, measured)
	fmt.Fprintf(&b, "(pdftotext times include starting the process, about %s each)\n", start.Round(time.Microsecond))
	t.Log(b.String())
	for _, f := range failures {
		t.Logf("below 95%%: %s", f)
	}
	if totalRecall < 0.95 {
		t.Errorf("total word recall %.2f%% is under the 95%% target", 100*totalRecall)
	}
	if meanRecall < 0.97 {
		t.Errorf("mean word recall %.2f%% is under the 97%% target", 100*meanRecall)
	}
	if sumOurs > 2*sumTheirs {
		t.Errorf("total time %s is more than twice pdftotext's %s", sumOurs, sumTheirs)
	}
}

// samplesEnv names a directory into which the tests write the documents
// they read, for scripts/pdf-compare.sh to run other readers over: every
// document extractT reads (the hostile ones: -run TestHostile) and, with
// TestWriteSamples, those TestQuality measures.
const samplesEnv = "MUGAI_PDF_SAMPLES"

// writeSample writes data to $MUGAI_PDF_SAMPLES as name.pdf (slashes and
// spaces made dashes and underscores), when that is set; a name taken
// by other bytes already gets a number.
func writeSample(t testing.TB, name string, data []byte) {
	dir := os.Getenv(samplesEnv)
	if dir == "" {
		return
	}
	base := filepath.Join(dir, strings.NewReplacer("/", "--", " ", "_").Replace(name))
	path := base + ".pdf"
	for n := 2; ; n++ {
		old, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			break
		}
		if bytes.Equal(old, data) {
			return // read again with other limits
		}
		path = fmt.Sprintf("%s-%d.pdf", base, n)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWriteSamples writes the documents of the quality table into
// $MUGAI_PDF_SAMPLES (see samplesEnv): the corpus's PDFs, the generated
// ones and the fixtures.
func TestWriteSamples(t *testing.T) {
	if os.Getenv(samplesEnv) == "" {
		t.Skipf("writes the quality table's documents for scripts/pdf-compare.sh: set %s to a directory", samplesEnv)
	}
	corpus, err := corpusPDFs(t)
	if err != nil {
		t.Logf("shared corpus not found (set %s to its path): corpus documents left out", testcorpus.Env)
	}
	for _, set := range [][]qualitySample{corpus, generatedSamples(), cjkSamples(t), fixtureSamples()} {
		for _, s := range set {
			writeSample(t, strings.TrimSuffix(strings.TrimSuffix(s.name, ".eml"), ".pdf"), s.data)
		}
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
