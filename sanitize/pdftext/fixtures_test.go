package pdftext

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected texts of testdata/fixtures")

// fixturesDir holds files made by real tools (testdata/fixtures/make-fixtures.sh).
const fixturesDir = "../../testdata/fixtures"

// TestFixtures: PDFs written by TeX (dvipdfmx) in Japanese fonts without
// a ToUnicode map come out as the expected text beside them.
func TestFixtures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(fixturesDir, "cjk", "*.pdf"))
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Extract(context.Background(), data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(f, ".pdf") + ".txt"
			if *update {
				if err := os.WriteFile(golden, []byte(res.Text+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if res.Text+"\n" != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", res.Text, want)
			}
		})
	}
}
