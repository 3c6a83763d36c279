package office

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected texts of testdata/fixtures")

// fixturesDir holds files made by real tools (testdata/fixtures/make-fixtures.sh).
const fixturesDir = "../../testdata/fixtures"

// readFixture reads a fixture, gunzipping a .gz one.
func readFixture(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return data
}

// TestLegacyFixtures: Word, Excel and PowerPoint 97–2003 files written by
// LibreOffice come out as the expected text beside them.
func TestLegacyFixtures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(fixturesDir, "legacy", "*"))
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".txt") {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			res, err := Extract(context.Background(), readFixture(t, f), "", Limits{})
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(strings.TrimSuffix(f, ".gz"), filepath.Ext(strings.TrimSuffix(f, ".gz"))) + ".txt"
			if *update {
				if err := os.WriteFile(golden, []byte(res.Text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			checkText(t, res.Text, string(want))
		})
	}
	if n == 0 {
		t.Fatal("no fixtures")
	}
}
