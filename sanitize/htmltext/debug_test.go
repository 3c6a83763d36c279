package htmltext

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func leakWords(doc string) []string {
	r, _ := Convert(context.Background(), strings.NewReader(doc), Options{})
	got, want := outputWords(r.Text), oracleWords(doc)
	slices.Sort(got)
	slices.Sort(want)
	return minus(got, want)
}

var pieceRE = regexp.MustCompile(`<[^>]*>|[^<]+`)

func TestDebugDoc(t *testing.T) {
	doc := os.Getenv("DOC")
	if doc == "" {
		t.Skip()
	}
	if os.Getenv("MIN") != "" && len(leakWords(doc)) > 0 {
		pieces := pieceRE.FindAllString(doc, -1)
		for changed := true; changed; {
			changed = false
			for i := 0; i < len(pieces); i++ {
				try := slices.Delete(slices.Clone(pieces), i, i+1)
				if len(leakWords(strings.Join(try, ""))) > 0 {
					pieces = try
					changed = true
					i--
				}
			}
		}
		doc = strings.Join(pieces, "")
	}
	r, _ := Convert(context.Background(), strings.NewReader(doc), Options{})
	t.Logf("doc: %s", doc)
	t.Logf("converter: %q", r.Text)
	t.Logf("oracle: %v", oracleWords(doc))
}
