package ppap_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mugai/mugai/internal/testcorpus"
	"github.com/mugai/mugai/ppap"
	"github.com/mugai/mugai/sanitize"
)

// TestCandidatesCorpus measures false positives: the corpus holds no
// password mail, so every candidate found in it is one. Each message is
// sanitized as the relay would, and Candidates reads the text of its
// rebuilt body without the notice, as the wiring will. It prints the
// figures and the messages with candidates:
//
//	go test ./ppap -run TestCandidatesCorpus -v
//
// and fails if more than 0.5% of the messages give a candidate by the
// keyword rules, more than 3% by any rule (a body of one token is
// taken by design, and the corpus holds many "test2" mails), or any
// message more than 3 (each candidate costs one quick check per archive
// held for the same sender and recipient, within the try budget).
func TestCandidatesCorpus(t *testing.T) {
	dir := testcorpus.Require(t)
	s := sanitize.New(sanitize.DefaultPolicy())
	files := testcorpus.Messages(t, dir)
	sort.Strings(files)
	type hit struct {
		file  string
		cands []string
	}
	var hits []hit
	messages, total, most, oneToken := 0, 0, 0, 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if _, err := s.Message(&out, bytes.NewReader(raw)); err != nil {
			continue // refused: no text reaches anyone
		}
		messages++
		text := ppap.SanitizedText(out.Bytes(), 1<<20)
		c := ppap.Candidates(text, 0)
		if len(c) > 0 && len(strings.Fields(text)) == 1 {
			oneToken++
		}
		if len(c) > 0 {
			rel, _ := filepath.Rel(dir, f)
			hits = append(hits, hit{rel, c})
			total += len(c)
			most = max(most, len(c))
		}
	}
	t.Logf("%d sanitized messages: %d (%.1f%%) give candidates, %d of them a body of one token; %d candidates in all (%.3f per message), at most %d in one",
		messages, len(hits), 100*float64(len(hits))/float64(messages), oneToken, total, float64(total)/float64(messages), most)
	for _, h := range hits {
		t.Logf("  %s: %q", h.file, h.cands)
	}
	if float64(len(hits)-oneToken) > 0.005*float64(messages) || float64(len(hits)) > 0.03*float64(messages) || most > 3 {
		t.Errorf("too many false positives: %d messages (%d with a body of one token), at most %d candidates in one", len(hits), oneToken, most)
	}
}
