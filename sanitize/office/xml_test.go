package office

import (
	"context"
	"strings"
	"testing"
	"unicode/utf16"
)

// TestXMLDepth: element nesting beyond the bound is a LimitError.
func TestXMLDepth(t *testing.T) {
	deep := strings.Repeat("<w:sdt><w:sdtContent>", 300) + wp("deep") + strings.Repeat("</w:sdtContent></w:sdt>", 300)
	_, err := Extract(context.Background(), wordDoc(t, ctDocx, deep, nil), "", Limits{})
	wantLimit(t, err, "XML depth")

	ok := strings.Repeat("<w:sdt><w:sdtContent>", 50) + wp("nested") + strings.Repeat("</w:sdtContent></w:sdt>", 50)
	checkText(t, extract(t, wordDoc(t, ctDocx, ok, nil)).Text, "nested\n")
}

// TestXMLUTF16: ECMA-376 Part 2 §8.1.4 allows parts in UTF-16.
func TestXMLUTF16(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-16" standalone="yes"?><w:document ` + nsWordML + `><w:body>` + wp("ユーティーエフ16") + `</w:body></w:document>`
	u := utf16.Encode([]rune(doc))
	b := []byte{0xFF, 0xFE}
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	data := wordDoc(t, ctDocx, "", nil)
	data = replaceEntry(t, data, "word/document.xml", string(b))
	checkText(t, extract(t, data).Text, "ユーティーエフ16\n")
}

// TestXMLMalformed: broken XML, undefined entities and external entity
// declarations are corrupt documents, not crashes or fetches.
func TestXMLMalformed(t *testing.T) {
	for _, doc := range []string{
		`<w:document ` + nsWordML + `><w:body><w:p><w:r><w:t>unclosed</w:t></w:r></w:body></w:document>`,
		`<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><w:document ` + nsWordML + `><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>`,
		`<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><w:document ` + nsWordML + `><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>`,
		"\x00\x01\x02",
	} {
		data := replaceEntry(t, wordDoc(t, ctDocx, "", nil), "word/document.xml", doc)
		res, err := Extract(context.Background(), data, "", Limits{})
		if err == nil {
			t.Errorf("%.60q: no error, text %q", doc, res.Text)
		}
	}
}

// TestTextCleaning: control characters, bidi overrides and the BOM do not
// reach the output; line breaks inside a run become spaces.
func TestTextCleaning(t *testing.T) {
	res := extract(t, wordDoc(t, ctDocx, wp("a&#x202E;gpj.exe&#xFEFF;b&#x85;c\u2066d")+wp("line&#10;break&#13;x"), nil))
	checkText(t, res.Text, "agpj.exeb cd\nline break x\n")
}
