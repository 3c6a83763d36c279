package office

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fuzzLimits keep one fuzz execution small.
var fuzzLimits = Limits{Entries: 200, EntryBytes: 1 << 20, TotalBytes: 4 << 20, OutputBytes: 64 << 10}

// seedDocuments are the documents of the tests above, one or more per
// format and trick.
func seedDocuments(t testing.TB) [][]byte {
	var seeds [][]byte
	seeds = append(seeds,
		wordDoc(t, ctDocx, wp("お世話になっております。①㈱")+numbered("1", "0", "x")+`<w:tbl><w:tr><w:tc>`+wp("a")+`</w:tc></w:tr></w:tbl>`,
			[]string{"rIdN numbering numbering.xml", "rIdFn footnotes footnotes.xml"},
			part{"word/numbering.xml", numberingXML},
			part{"word/footnotes.xml", `<w:footnotes ` + nsWordML + `><w:footnote w:id="1">` + wp("n") + `</w:footnote></w:footnotes>`}),
		wordDoc(t, ctDocm, wp("m"), []string{"rIdV http://schemas.microsoft.com/office/2006/relationships/vbaProject vbaProject.bin"}, part{"word/vbaProject.bin", "x"}),
		wordDoc(t, ctDocx, `<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>DDEAUTO x</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>`, nil),
		workbook(t, ctXlsx, [][3]string{{"見積", "", sheet1}}, nil),
		odfDoc(t, mtODT, `<office:text><text:p>お世話<text:s text:c="2"/>①㈱<text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>n</text:p></text:note-body></text:note></text:p></office:text>`),
		odfDoc(t, mtODS, `<office:spreadsheet><table:table table:name="S"><table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="2"><text:p>x</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>`),
		odfDoc(t, mtODP, `<office:presentation><draw:page><draw:frame><draw:text-box><text:p>s</text:p></draw:text-box></draw:frame><presentation:notes><draw:frame><draw:text-box><text:p>n</text:p></draw:text-box></draw:frame></presentation:notes></draw:page></office:presentation>`),
		makeCFB(nil, "EncryptionInfo", "EncryptedPackage"),
		[]byte(`{\rtf1\ansi\ansicpg932{\fonttbl{\f0\fcharset128 M;}}\f0\'82\'a0\u12354?{\field{\*\fldinst DDE x}{\fldrslt r}}\trowd\intbl a\cell b\cell\row\pard{\footnote\chftn n}{\object{\*\objdata 01}}\bin3 abc\par}`),
	)
	return seeds
}

// checkResult asserts what must hold for any document Extract accepts.
func checkResult(t *testing.T, res Result, lim Limits) {
	t.Helper()
	if !utf8.ValidString(res.Text) {
		t.Fatalf("text is not UTF-8: %q", res.Text)
	}
	if int64(len(res.Text)) > lim.OutputBytes {
		t.Fatalf("text of %d bytes over the limit %d", len(res.Text), lim.OutputBytes)
	}
	for _, r := range res.Text {
		if (r < 0x20 && r != '\t' && r != '\n') || (r >= 0x7F && r <= 0x9F) || r == 0xFEFF ||
			(r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) {
			t.Fatalf("text has control character %U", r)
		}
	}
	if !sort.StringsAreSorted(res.Removed) {
		t.Fatalf("Removed not sorted: %q", res.Removed)
	}
	for i := 1; i < len(res.Removed); i++ {
		if res.Removed[i] == res.Removed[i-1] {
			t.Fatalf("Removed has a duplicate: %q", res.Removed)
		}
	}
}

// extractTimed fails an input that takes far longer than any input of
// this size should, so the fuzzer keeps it as a reproducer instead of
// hanging until -fuzztime. (The work is linear; the bound is loose
// because fuzzing machines are busy.)
func extractTimed(t *testing.T, data []byte) (Result, error) {
	start := time.Now()
	res, err := Extract(context.Background(), data, "", fuzzLimits)
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("Extract took %v on %d bytes", d, len(data))
	}
	if errors.Is(err, errInternal) {
		t.Fatal(err)
	}
	return res, err
}

// FuzzExtract feeds whole files: zip containers, compound files and RTF.
func FuzzExtract(f *testing.F) {
	for _, s := range seedDocuments(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		kind := Detect(data)
		res, err := extractTimed(t, data)
		if err != nil {
			if kind != KindNone && errors.Is(err, ErrUnsupported) {
				t.Fatalf("Detect said %q, Extract: %v", kind, err)
			}
			return
		}
		if kind == KindNone {
			t.Fatalf("Extract converted what Detect rejected")
		}
		checkResult(t, res, fuzzLimits.withDefaults())
	})
}

// FuzzPart feeds the XML of one part (or RTF) inside a valid container,
// so the mutations reach the converters rather than the zip checksums.
// The first byte picks the part.
func FuzzPart(f *testing.F) {
	f.Add(byte(0), `<w:document `+nsWordML+`><w:body>`+wp("お世話")+numbered("1", "0", "x")+`<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>DDE</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>r</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:body></w:document>`)
	f.Add(byte(1), `<worksheet `+nsSheet+`><sheetData>`+sheet1+`</sheetData></worksheet>`)
	f.Add(byte(2), slideXML("", shape("title", ap("会議", "\n", "資料"))))
	f.Add(byte(3), `<office:document-content `+nsODF+`><office:body><office:text><text:p>a<text:s text:c="3"/>b<office:annotation><dc:creator>c</dc:creator><text:p>d</text:p></office:annotation></text:p><table:table><table:table-row><table:table-cell><text:p>x</text:p></table:table-cell></table:table-row></table:table></office:text></office:body></office:document-content>`)
	f.Add(byte(4), `<office:document-content `+nsODF+`><office:body><office:spreadsheet><table:table table:name="S"><table:table-row table:number-rows-repeated="9"><table:table-cell table:number-columns-repeated="9"><text:p>x</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>`)
	f.Add(byte(5), `{\rtf1\ansi\ansicpg932\uc2\u12354\'82\'a0{\header h}\trowd\intbl a\cell\row\pard{\*\atnauthor x}{\*\annotation c}\par}`)
	// The containers are built once; each input only replaces one stored
	// (uncompressed) entry, so an execution is spent in the converters.
	templates := []struct {
		parts []part
		entry string
	}{
		{unzip(f, wordDoc(f, ctDocx, "", []string{"rIdN numbering numbering.xml"}, part{"word/numbering.xml", numberingXML})), "word/document.xml"},
		{unzip(f, workbook(f, ctXlsx, [][3]string{{"S", "", ""}}, nil)), "xl/worksheets/sheet1.xml"},
		{[]part{
			contentTypes("ppt/presentation.xml", ctPptx),
			rels("_rels/.rels", "rId1 officeDocument ppt/presentation.xml"),
			{"ppt/presentation.xml", `<p:presentation ` + nsPML + `><p:sldIdLst><p:sldId id="256" r:id="rId2"/></p:sldIdLst></p:presentation>`},
			rels("ppt/_rels/presentation.xml.rels", "rId2 slide slides/slide1.xml"),
			{"ppt/slides/slide1.xml", ""},
		}, "ppt/slides/slide1.xml"},
		{unzip(f, odfDoc(f, mtODT, "")), "content.xml"},
		{unzip(f, odfDoc(f, mtODS, "")), "content.xml"},
	}
	f.Fuzz(func(t *testing.T, which byte, xml string) {
		var data []byte
		if k := int(which % 6); k < len(templates) {
			tp := templates[k]
			parts := make([]part, len(tp.parts))
			for i, p := range tp.parts {
				if p.name == tp.entry {
					p.body = xml
				}
				parts[i] = p
			}
			data = storedZip(t, parts...)
		} else {
			data = []byte(xml)
			if !strings.HasPrefix(xml, `{\rtf`) {
				data = []byte(`{\rtf1 ` + xml)
			}
		}
		res, err := extractTimed(t, data)
		if err != nil {
			if errors.Is(err, ErrUnsupported) {
				t.Fatalf("unsupported: %v", err)
			}
			return
		}
		checkResult(t, res, fuzzLimits.withDefaults())
	})
}
