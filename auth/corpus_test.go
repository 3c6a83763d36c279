package auth

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/mugai/mugai/internal/testcorpus"
)

var dkimField = regexp.MustCompile(`(?im)^DKIM-Signature:`)

// TestCorpus checks every corpus message (many DKIM-signed: mox,
// spamassassin) against a DNS that knows none of their domains: nothing
// may pass, every signature gets a result, the header field stays one
// line of ASCII that parses back, and nothing panics or errs.
func TestCorpus(t *testing.T) {
	dir := testcorpus.Require(t)
	s := world(t)
	c := newChecker(t, s)
	files := testcorpus.Messages(t, dir)
	if len(files) < 100 {
		t.Fatalf("only %d messages in %s", len(files), dir)
	}
	problems := map[string]int{}
	signed, signatures, displayName := 0, 0, 0
	for _, p := range files {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		name, _ := filepath.Rel(dir, p)
		res, err := c.Check(context.Background(), Input{Helo: "mail.example.jp"}, bytes.NewReader(raw))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if res.SPF.Value == Pass || res.DMARC.Value == Pass {
			t.Errorf("%s: spf=%s dmarc=%s without any record", name, res.SPF.Value, res.DMARC.Value)
		}
		for _, d := range res.DKIM {
			if d.Value == Pass {
				t.Errorf("%s: DKIM pass for %s without a key", name, d.Domain)
			}
		}
		hdrEnd := bytes.Index(raw, []byte("\n\n"))
		if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 && (hdrEnd < 0 || i < hdrEnd) {
			hdrEnd = i
		}
		if hdrEnd > 0 && dkimField.Match(raw[:hdrEnd]) && res.From.Problem != "malformed header section" {
			signed++
			if res.DKIM[0].Value == None {
				t.Errorf("%s: signed, but DKIM none", name)
			}
			signatures += len(res.DKIM)
		}
		if res.From.Problem != "" {
			problems[res.From.Problem]++
		}
		for _, f := range res.Findings {
			if f.Kind == DisplayNameAddress {
				displayName++
			}
		}
		ar := res.AuthenticationResults("gw.example")
		if strings.ContainsAny(ar, "\r\n") || !isASCII(ar) {
			t.Errorf("%s: header value %q is not one ASCII line", name, ar)
		}
		if id, _, ok := parseAuthResults(ar); !ok || id != "gw.example" {
			t.Errorf("%s: header value %q does not parse back", name, ar)
		}
	}
	var kinds []string
	total := 0
	for k, n := range problems {
		kinds = append(kinds, fmt.Sprintf("%s: %d", k, n))
		total += n
	}
	sort.Strings(kinds)
	t.Logf("%d messages; %d DKIM-signed with %d signatures checked; %d with a From problem (%s); %d display names showing another address",
		len(files), signed, signatures, total, strings.Join(kinds, ", "), displayName)
	if signed < 50 {
		t.Errorf("only %d signed messages found; the corpus has about 100", signed)
	}
}
