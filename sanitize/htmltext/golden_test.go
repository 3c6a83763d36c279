package htmltext

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden renders each testdata/*.html with LinksKeep into NAME.txt and
// with LinksDefang into NAME.defang.txt; the last line of each holds the
// counts of the Result. Run with -update after a deliberate change and
// review the diff.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "*.html"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range inputs {
		src, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		base := strings.TrimSuffix(in, ".html")
		for _, m := range []struct {
			suffix string
			mode   LinkMode
		}{{".txt", LinksKeep}, {".defang.txt", LinksDefang}} {
			name := base + m.suffix
			t.Run(filepath.Base(name), func(t *testing.T) {
				r, err := Convert(context.Background(), strings.NewReader(string(src)), Options{Links: m.mode})
				if err != nil {
					t.Fatal(err)
				}
				got := fmt.Sprintf("%s\n-- links=%d changed=%d unsafe=%d hidden=%d truncated=%v\n",
					r.Text, r.Links, r.LinksChanged, r.UnsafeLinks, r.Hidden, r.Truncated)
				if *update {
					if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(name)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from the golden file; run with -update and review the diff.\ngot:\n%s", name, got)
				}
			})
		}
	}
}
