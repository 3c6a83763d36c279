package office

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mugai/mugai/internal/testcorpus"
)

// The corpus test reads the shared collection of real-world messages (see
// its README) with the standard library's MIME reader, finds every leaf
// part whose content Detect recognises — or which is a compound file
// (legacy or encrypted Office) or is labelled as an Office type — and
// checks that it converts, or is refused for a stated reason. Nothing of
// the corpus is copied into the repository.

// corpusPart is one attachment found in the corpus.
type corpusPart struct {
	file, ctype, name string
	body              []byte
}

func corpusParts(t testing.TB) []corpusPart {
	dir := testcorpus.Require(t)
	var out []corpusPart
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".eml") {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		walkMessage(raw, 0, func(ctype, name string, body []byte) {
			out = append(out, corpusPart{filepath.ToSlash(rel), ctype, name, body})
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].file < out[j].file })
	return out
}

// walkMessage calls fn for each decoded leaf of a message, leniently: a
// part the standard library cannot read is skipped.
func walkMessage(raw []byte, depth int, fn func(ctype, name string, body []byte)) {
	if depth > 20 {
		return
	}
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw)))
	h, err := tp.ReadMIMEHeader()
	if err != nil && len(h) == 0 {
		return
	}
	body, _ := io.ReadAll(tp.R)
	walkEntity(h, body, depth, fn)
}

func walkEntity(h textproto.MIMEHeader, body []byte, depth int, fn func(ctype, name string, body []byte)) {
	ctype, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if strings.HasPrefix(ctype, "multipart/") && params["boundary"] != "" {
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			b, err := io.ReadAll(p)
			if err != nil {
				return
			}
			walkEntity(p.Header, b, depth+1, fn)
		}
	}
	if ctype == "message/rfc822" {
		walkMessage(body, depth+1, fn)
		return
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "base64":
		clean := strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, string(body))
		d, err := base64.StdEncoding.DecodeString(strings.TrimRight(clean, "="))
		if err != nil {
			d, _ = base64.RawStdEncoding.DecodeString(strings.TrimRight(clean, "="))
		}
		body = d
	case "quoted-printable":
		body, _ = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
	}
	name := params["name"]
	if _, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil && dp["filename"] != "" {
		name = dp["filename"]
	}
	fn(ctype, name, body)
}

// officeLabel reports whether a part is labelled as an Office document.
func officeLabel(ctype, name string) bool {
	ctype = strings.ToLower(ctype)
	ext := strings.ToLower(filepath.Ext(name))
	return strings.Contains(ctype, "officedocument") || strings.Contains(ctype, "opendocument") ||
		strings.Contains(ctype, "ms-excel") || strings.Contains(ctype, "ms-word") || strings.Contains(ctype, "msword") ||
		strings.Contains(ctype, "ms-powerpoint") || strings.Contains(ctype, "rtf") ||
		strings.Contains(".docx.docm.dotx.xlsx.xlsm.pptx.pptm.odt.ods.odp.rtf.doc.xls.ppt.", ext+".") && ext != ""
}

// corpusExpect pins what is known about particular corpus attachments
// (by message path and file name): a text fragment, what Removed lists,
// or the error.
var corpusExpect = map[string]struct {
	text    string
	removed []string
	err     error
	empty   bool // the document has no text (empty sheets)
}{
	"spamassassin/spam/olevbmacro/macro.eml macro.xlsm":           {removed: []string{"macro (VBA)"}, empty: true},
	"spamassassin/spam/olevbmacro/malicemacro.eml automacro.xlsm": {removed: []string{"macro (VBA)"}, empty: true},
	"spamassassin/spam/hashbl.eml macro.xlsm":                     {removed: []string{"macro (VBA)"}, empty: true},
	// Named .jpg; the content says xlsm.
	"spamassassin/spam/olevbmacro/renamedmacro.eml renamed.jpg":           {removed: []string{"macro (VBA)"}, empty: true},
	"spamassassin/spam/olevbmacro/nomacro.eml nomacro.xlsx":               {empty: true},
	"spamassassin/spam/olevbmacro/encrypted.eml encrypted_word_doc.docx":  {err: ErrEncrypted},
	"spamassassin/spam/olevbmacro/target_uri.eml uridoc.docx":             {text: "https://spamassassin.apache.org/"},
	"php-mime-mail-parser/mails/issue274.eml Hello from SwiftMailer.docx": {text: "Hello from SwiftMailer"},
	"php-mime-mail-parser/mails/issue274.eml Hello from SwiftMailer.odt":  {text: "Hello from SwiftMailer"},
	// A lottery scam whose logo is fetched from a web server.
	"mox/junk/parse3.eml INSIGHT..docx": {text: "Ontario Lottery and Gaming Corporation", removed: []string{"remote image"}},
	// Polish in \fcharset238 (CP1250) escapes.
	"spamassassin/nice/004.eml Jurek - Poprawiona Homilia XII na List to Kolosan.rtf": {text: "Pozdrawia was rodak wasz, Epafras, sługa Chrystusa Jezusa"},
	// Labelled text/rtf, but a PNG.
	"mail-mime-parser/emails/m4005.eml test.rtf": {err: ErrUnsupported},
}

func TestCorpus(t *testing.T) {
	var converted, refused int
	seen := map[string]bool{}
	for _, p := range corpusParts(t) {
		kind := Detect(p.body)
		cfb := bytes.HasPrefix(p.body, cfbSignature)
		if kind == KindNone && !cfb && !officeLabel(p.ctype, p.name) {
			continue
		}
		start := time.Now()
		res, err := Extract(context.Background(), p.body, "", Limits{})
		took := time.Since(start)
		where := p.file + " " + p.name
		want, pinned := corpusExpect[where]
		seen[where] = true
		switch {
		case err == nil:
			converted++
			t.Logf("%s (%s, %d bytes): converted in %v to %d bytes of text; removed %q; %.80q",
				where, kind, len(p.body), took.Round(time.Microsecond), len(res.Text), res.Removed, res.Text)
			if kind == KindNone {
				t.Errorf("%s: converted but Detect said none", where)
			}
			if strings.TrimSpace(res.Text) == "" && !want.empty {
				t.Errorf("%s: no text", where)
			}
		case errors.Is(err, ErrEncrypted), errors.Is(err, ErrUnsupported):
			refused++
			reason := err.Error()
			if cfb && errors.Is(err, ErrUnsupported) {
				reason = "legacy binary Office file (OLE2), not converted here"
			} else if len(p.body) < 16 {
				reason += fmt.Sprintf(" (%d bytes as this test decodes the part: a stub, or a transfer encoding it does not decode)", len(p.body))
			}
			t.Logf("%s (%d bytes, labelled %s): refused: %s", where, len(p.body), p.ctype, reason)
			if kind != KindNone {
				t.Errorf("%s: Detect said %s but Extract refused: %v", where, kind, err)
			}
		default:
			t.Errorf("%s (%s): %v", where, kind, err)
		}
		if took > 2*time.Second {
			t.Errorf("%s: took %v", where, took)
		}
		if !pinned {
			continue
		}
		if !errors.Is(err, want.err) {
			t.Errorf("%s: err = %v, want %v", where, err, want.err)
		}
		if !strings.Contains(res.Text, want.text) {
			t.Errorf("%s: text lacks %q", where, want.text)
		}
		if err == nil && !reflect.DeepEqual(res.Removed, want.removed) {
			t.Errorf("%s: Removed = %q, want %q", where, res.Removed, want.removed)
		}
	}
	for where := range corpusExpect {
		if !seen[where] {
			t.Errorf("%s: not found in the corpus", where)
		}
	}
	t.Logf("corpus: %d Office attachments converted, %d refused with a reason", converted, refused)
}
