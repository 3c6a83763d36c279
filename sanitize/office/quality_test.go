package office

// Word recall of the legacy readers against Debian's catdoc, xls2csv and
// catppt (package catdoc):
//
//	MUGAI_OFFICE_QUALITY=1 go test ./sanitize/office -run TestLegacyQuality -v
//
// The documents: the fixtures LibreOffice wrote (testdata/fixtures/legacy),
// documents built here from the specifications (officetest), the legacy
// attachments of the shared corpus, and every .doc, .xls and .ppt under
// the directories MUGAI_OFFICE_EXTRA lists (colon separated; the script
// scripts/converter-quality.sh fills one with LibreOffice). For each, the
// reference tool's words found in our text (internal/recall), and the
// mean over the documents the tool could read; the target is 95%. Skipped
// unless MUGAI_OFFICE_QUALITY is set, and when catdoc is not installed.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mugai/mugai/internal/recall"
	"github.com/mugai/mugai/internal/testcorpus"
	"github.com/mugai/mugai/internal/testinput/officetest"
)

type legacySample struct {
	name string
	kind Kind
	data []byte
}

func legacySamples(t *testing.T) []legacySample {
	var out []legacySample
	add := func(name string, data []byte) {
		if k := Detect(data); k == KindDOC || k == KindXLS || k == KindPPT {
			out = append(out, legacySample{name: name, kind: k, data: data})
		}
	}
	files, _ := filepath.Glob(filepath.Join(fixturesDir, "legacy", "*"))
	for _, f := range files {
		if !strings.HasSuffix(f, ".txt") {
			add("fixture/"+filepath.Base(f), readFixture(t, f))
		}
	}
	para := "お世話になっております。見積書を送付いたします。The quotation is valid for thirty days.\r"
	add("built/word-utf16", officetest.Doc(officetest.Word{Text: strings.Repeat(para, 20) + "品名\a数量\a\aりんご\a10\a\a", Headers: "総務課\r"}))
	add("built/word-8bit", officetest.Doc(officetest.Word{Text: strings.Repeat("Plain Western text of a memo, café.\r", 30), Compressed: true}))
	add("built/excel", officetest.XLS(officetest.Book{Sheets: []officetest.Sheet{
		{Name: "見積", Rows: [][]any{{"品名", "数量", "単価"}, {"りんご", 10, 150.5}, {"みかん", 20, 80.25}, {"Printer paper", 3, 1200.0}}},
		{Name: "Notes", Rows: [][]any{{"Approved by the council"}, {"議会で承認"}}},
	}, SSTChunk: 40}))
	add("built/powerpoint", officetest.PPT(officetest.Presentation{Slides: []officetest.Slide{
		{Title: "令和6年度 事業計画", Body: "予算の概要\r主な取り組み", Notes: "五分で説明"},
		{Title: "Schedule", Body: "April preparation\rMay launch"},
	}}))
	for _, p := range corpusPartsIfAny(t) {
		add("corpus/"+p.file+" "+p.name, p.body)
	}
	for _, dir := range filepath.SplitList(os.Getenv("MUGAI_OFFICE_EXTRA")) {
		_ = filepath.WalkDir(dir, func(p string, de os.DirEntry, err error) error {
			if err == nil && !de.IsDir() {
				if data, err := os.ReadFile(p); err == nil {
					add("extra/"+filepath.Base(p), data)
				}
			}
			return nil
		})
	}
	return out
}

// corpusPartsIfAny returns the corpus attachments, or none without the
// corpus (corpusParts skips the test then).
func corpusPartsIfAny(t *testing.T) []corpusPart {
	var parts []corpusPart
	if testcorpus.Dir() == "" {
		t.Logf("shared corpus not found (set %s to its path): corpus rows skipped", testcorpus.Env)
		return nil
	}
	t.Run("corpus", func(t *testing.T) { parts = corpusParts(t) })
	return parts
}

func TestLegacyQuality(t *testing.T) {
	if os.Getenv("MUGAI_OFFICE_QUALITY") == "" {
		t.Skip("run with MUGAI_OFFICE_QUALITY=1 go test ./sanitize/office -run TestLegacyQuality -v")
	}
	tools := map[Kind][]string{
		KindDOC: {"catdoc", "-d", "utf-8", "-w"},
		KindXLS: {"xls2csv", "-d", "utf-8"},
		KindPPT: {"catppt", "-d", "utf-8"},
	}
	if _, err := exec.LookPath("catdoc"); err != nil {
		t.Skip("catdoc not found (apt-get install catdoc): legacy quality table skipped")
	}
	dir := t.TempDir()
	var (
		rows     []string
		sum      float64
		measured int
		noRef    int
	)
	for i, s := range legacySamples(t) {
		path := filepath.Join(dir, fmt.Sprintf("%03d.%s", i, s.kind))
		if err := os.WriteFile(path, s.data, 0o600); err != nil {
			t.Fatal(err)
		}
		tool := tools[s.kind]
		ref, refErr := exec.Command(tool[0], append(tool[1:], path)...).Output()
		start := time.Now()
		res, err := Extract(context.Background(), s.data, "", Limits{})
		took := time.Since(start)
		r, found, total := recall.Of(res.Text, string(ref))
		note := ""
		switch {
		case err != nil:
			note = "ours: " + err.Error()
		case refErr != nil || len(bytes.TrimSpace(ref)) == 0:
			note = tool[0] + " read no text"
			noRef++
		}
		if total > 0 {
			sum += r
			measured++
		}
		rcl := "-"
		if total > 0 {
			rcl = fmt.Sprintf("%.1f%%", 100*r)
		}
		rows = append(rows, fmt.Sprintf("%-60s %-4s %7d %6d/%-6d %7s %9s  %s", trimName(s.name, 60), s.kind, len(s.data), found, total, rcl, took.Round(time.Microsecond), note))
	}
	mean := sum / float64(max(1, measured))
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-60s %-4s %7s %13s %7s %9s\n", "file", "kind", "bytes", "words found", "recall", "ours")
	for _, r := range rows {
		b.WriteString(r + "\n")
	}
	fmt.Fprintf(&b, "MEAN recall %.2f%% over %d files the reference tool read (%d it read no text of)\n", 100*mean, measured, noRef)
	t.Log(b.String())
	if mean < 0.95 {
		t.Errorf("mean word recall %.2f%% is under the 95%% target", 100*mean)
	}
}

func trimName(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return "…" + string(r[len(r)-n+1:])
	}
	return s
}
