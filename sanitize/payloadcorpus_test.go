package sanitize_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mugai/mugai/internal/testcorpus"
	"github.com/mugai/mugai/sanitize"
)

// corpusPayloads are the encoded files the sanitizer cuts out of the text
// of the shared corpus, by message: each "kind type" of a cut, in order.
// All are files in fact — uuencoded and BinHex images and programs of the
// MIME-tools and Hunny samples, a yEnc test file, a PDF and a gzip whose
// MIME headers were not read as such, GIFs in a pasted message source —
// so any other cut is a false one.
var corpusPayloads = map[string][]string{
	"mail-mime-parser/emails/m0018.eml":                                {"uuencode image/png", "uuencode image/png", "uuencode image/png"},
	"mail-mime-parser/emails/m2011.eml":                                {"binhex image/png", "binhex text/plain"},
	"mime4j/mimetools-testmsgs/multi-igor.eml":                         {"base64 image/gif", "base64 image/gif"},
	"mime4j/mimetools-testmsgs/sig-uu.eml":                             {"uuencode text/plain", "uuencode image/gif"},
	"mime4j/mimetools-testmsgs/uu-junk.eml":                            {"uuencode image/gif", "uuencode image/gif"},
	"mime4j/mimetools-testmsgs/uu-zeegee.eml":                          {"uuencode image/gif", "uuencode image/gif"},
	"mime4j/mimetools-testmsgs/x-gzip64.eml":                           {"base64 application/gzip"},
	"mimekit/yenc/simple.eml":                                          {"yenc application/octet-stream"},
	"ruby-mail/emails/attachment_emails/attachment_message_rfc822.eml": {"base64 application/pdf"},
}

// TestCorpusPayloadCuts sanitizes every message of the shared corpus and
// compares what was cut out of its text as an encoded file (invariant 7)
// with corpusPayloads: a cut not listed there is a false cut of honest
// text (prose, keys, certificates, hashes, tokens, IDs, code), a listed
// one that is missing is a file left in the text. It prints the false-cut
// rate:
//
//	go test ./sanitize -run TestCorpusPayloadCuts -v
func TestCorpusPayloadCuts(t *testing.T) {
	files := corpusFiles(t)
	dir := testcorpus.Require(t)
	s := sanitize.New(sanitize.DefaultPolicy())
	got := map[string][]string{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := s.Message(&bytes.Buffer{}, bytes.NewReader(raw))
		if rep == nil || err != nil && rep.Rejected == nil {
			t.Fatalf("%s: %v", f, err)
		}
		rel, _ := filepath.Rel(dir, f)
		rel = filepath.ToSlash(rel)
		for _, p := range rep.Parts {
			if p.Action == sanitize.ActionPayloadRemoved {
				got[rel] = append(got[rel], p.Encoding+" "+p.SniffedType)
			}
		}
	}
	var names []string
	for name := range got {
		names = append(names, name)
	}
	sort.Strings(names)
	falseCuts, missed := 0, 0
	for _, name := range names {
		want := corpusPayloads[name]
		t.Logf("%s: %s", name, strings.Join(got[name], ", "))
		if fmt.Sprint(got[name]) != fmt.Sprint(want) {
			falseCuts++
			t.Errorf("%s: cut %v, want %v", name, got[name], want)
		}
	}
	for name, want := range corpusPayloads {
		if _, ok := got[name]; !ok {
			missed++
			t.Errorf("%s: nothing cut, want %v", name, want)
		}
	}
	t.Logf("payload cuts: %d of %d corpus messages had an encoded file cut out of their text; "+
		"false cuts in %d (%.2f%%), files left in %d", len(got), len(files), falseCuts,
		100*float64(falseCuts)/float64(len(files)), missed)
}
