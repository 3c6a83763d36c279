package charset

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mugai/mugai/internal/testcorpus"
)

// The corpus test reads the shared collection of real-world messages (see
// its README) with the standard library only, collects every charset label
// used in Content-Type parameters and RFC 2047 encoded words, and checks
// that Lookup knows each of them and that Decode turns every text part into
// valid UTF-8, Japanese ones without a single replacement.

// bogusLabels are labels in the corpus that name no charset: test messages
// with deliberately invalid charsets, and placeholders. Decode guesses for
// them.
var bogusLabels = map[string]bool{
	"us-askey": true, "fakescii": true, "fakescii-7": true, "invalid-charset": true,
	"x-unknown": true, "unknown-8bit": true, "none": true, "unknown": true,
	// enmime/parts/missing-closing-param-quote.eml: the parameter runs into
	// the next header line; what the label is depends on the MIME parser.
	"utf-8return-path:": true,
}

// carrierMail reports whether a corpus file is Japanese carrier mail, whose
// emoji sit in the user-defined areas of Shift_JIS and ISO-2022-JP that
// x/text does not map; those, and only those, may become U+FFFD.
func carrierMail(file string) bool {
	base := filepath.Base(file)
	return strings.Contains(filepath.ToSlash(file), "jpmobile/") &&
		(strings.HasPrefix(base, "au-") || strings.HasPrefix(base, "docomo-") || strings.HasPrefix(base, "softbank-"))
}

// corpusPart is one text leaf of a message.
type corpusPart struct {
	file, label string
	body        []byte
}

var encodedWordCharset = regexp.MustCompile(`=\?([^?\s]+)\?[bBqQ]\?`)

func TestCorpus(t *testing.T) {
	dir := testcorpus.Require(t)
	labels := map[string][]string{} // label -> files
	var parts []corpusPart
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".eml") {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		for _, m := range encodedWordCharset.FindAllSubmatch(raw, -1) {
			l := normalizeLabel(string(m[1]))
			labels[l] = append(labels[l], rel)
		}
		walkCorpusEntity(raw, rel, 0, func(cp corpusPart) {
			if cp.label != "" {
				labels[normalizeLabel(cp.label)] = append(labels[normalizeLabel(cp.label)], rel)
			}
			parts = append(parts, cp)
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) < 500 {
		t.Fatalf("only %d text parts found; is %s the corpus?", len(parts), dir)
	}

	var names []string
	for l := range labels {
		names = append(names, l)
	}
	sort.Strings(names)
	for _, l := range names {
		_, name, ok := Lookup(l)
		switch {
		case ok:
			t.Logf("label %-20q -> %-14s (%d uses)", l, name, len(labels[l]))
		case bogusLabels[l]:
			t.Logf("label %-20q is not a charset (%d uses, e.g. %s)", l, len(labels[l]), labels[l][0])
		default:
			t.Errorf("label %q unknown to Lookup (used in %s)", l, labels[l][0])
		}
	}

	byCharset := map[string]int{}
	for _, cp := range parts {
		out, res := Decode(cp.body, cp.label)
		byCharset[res.Charset]++
		if !utf8.ValidString(out) {
			t.Errorf("%s: Decode(_, %q) is not valid UTF-8", cp.file, cp.label)
		}
		switch res.Charset {
		case nameISO2022JP, nameShiftJIS, nameEUCJP:
			// A declared Japanese charset must decode losslessly; a guessed
			// one (spam with junk bytes) nearly so.
			allowed := 0
			if res.Guessed {
				allowed = len(cp.body) / 100
			}
			if res.Replaced > allowed && !carrierMail(cp.file) {
				t.Errorf("%s: Japanese part (%+v) lost %d characters", cp.file, res, res.Replaced)
			}
		}
		if res.Guessed && res.Declared != "" {
			t.Logf("%s: declared %q, decoded as %s (%d replaced)", cp.file, res.Declared, res.Charset, res.Replaced)
		}
	}
	t.Logf("%d text parts decoded: %v", len(parts), byCharset)
}

// TestCorpusJapaneseSamples checks decoded text of known Japanese messages.
func TestCorpusJapaneseSamples(t *testing.T) {
	dir := testcorpus.Require(t)
	cases := []struct{ file, want string }{
		// ISO-2022-JP with NEC row 13 and IBM extension characters from iPhone Mail.
		{"jpmobile/email-fixtures/iphone-circled-numbers-in-jis.eml", "丸数字のテストです②ⅱ"},
		// Shift_JIS labelled cp932, with ㈱.
		{"jpmobile/email-fixtures/iphone-cp932.eml", "テストです。㈱"},
	}
	for _, c := range cases {
		raw, err := os.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		found := false
		walkCorpusEntity(raw, c.file, 0, func(cp corpusPart) {
			out, res := Decode(cp.body, cp.label)
			if strings.Contains(out, c.want) && res.Replaced == 0 {
				found = true
			}
		})
		if !found {
			t.Errorf("%s: no text part contains %q", c.file, c.want)
		}
	}
}

// walkCorpusEntity calls fn for each text leaf of a raw entity. It is a
// small MIME walker for tests, tolerant of the corpus' malformed messages.
func walkCorpusEntity(raw []byte, file string, depth int, fn func(corpusPart)) {
	if depth > 20 {
		return
	}
	// Some corpus files start with an mbox "From " line or blank lines.
	for {
		if bytes.HasPrefix(raw, []byte("From ")) || bytes.HasPrefix(raw, []byte("\r\n")) || bytes.HasPrefix(raw, []byte("\n")) {
			if i := bytes.IndexByte(raw, '\n'); i >= 0 {
				raw = raw[i+1:]
				continue
			}
		}
		break
	}
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw)))
	hdr, err := tp.ReadMIMEHeader()
	if err != nil && len(hdr) == 0 {
		return
	}
	body, _ := io.ReadAll(tp.R)
	mediaType, params, err := mime.ParseMediaType(hdr.Get("Content-Type"))
	if err != nil {
		mediaType, params = "text/plain", map[string]string{}
		if ct := hdr.Get("Content-Type"); ct != "" {
			// Keep a charset we can still see in a header mime rejects.
			if m := regexp.MustCompile(`(?i)charset\s*=\s*"?([^";\s]+)`).FindStringSubmatch(ct); m != nil {
				params["charset"] = m[1]
			}
			if !strings.HasPrefix(strings.ToLower(ct), "text/") {
				mediaType = ""
			}
		}
	}
	switch {
	case strings.HasPrefix(mediaType, "multipart/"):
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for i := 0; i < 500; i++ {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			var buf bytes.Buffer
			for k, vs := range p.Header {
				for _, v := range vs {
					buf.WriteString(k + ": " + v + "\r\n")
				}
			}
			buf.WriteString("\r\n")
			b, _ := io.ReadAll(io.LimitReader(p, 10<<20))
			buf.Write(b)
			walkCorpusEntity(buf.Bytes(), file, depth+1, fn)
		}
	case mediaType == "message/rfc822":
		walkCorpusEntity(transferDecode(body, hdr.Get("Content-Transfer-Encoding")), file, depth+1, fn)
	case strings.HasPrefix(mediaType, "text/"):
		fn(corpusPart{file: file, label: params["charset"], body: transferDecode(body, hdr.Get("Content-Transfer-Encoding"))})
	}
}

func transferDecode(b []byte, cte string) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		clean := bytes.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, b)
		out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
		n, _ := base64.StdEncoding.Decode(out, clean)
		return out[:n]
	case "quoted-printable":
		out, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
		return out
	}
	return b
}
