package fuzz

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/mugai/mugai/internal/testinput/archivetest"
	"github.com/mugai/mugai/internal/testinput/officetest"
	"github.com/mugai/mugai/sanitize/flatten"
	"github.com/mugai/mugai/sanitize/office"
)

// Office fixtures: the packages are built here from their XML, as the
// office package's own tests do, so a seed shows what it holds.

const (
	xmlDecl  = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	nsWord   = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" mc:Ignorable="wps"`
	nsSheet  = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	nsSlide  = `xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	nsODF    = `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" office:version="1.3"`
	ctDocx   = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
	ctDocm   = "application/vnd.ms-word.document.macroEnabled.main+xml"
	ctXlsx   = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
	ctPptx   = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
	mimeODT  = "application/vnd.oasis.opendocument.text"
	mimeODS  = "application/vnd.oasis.opendocument.spreadsheet"
	mimeODP  = "application/vnd.oasis.opendocument.presentation"
	seedRTF  = `{\rtf1\ansi\ansicpg932\uc1{\fonttbl{\f0\fcharset128 MS Mincho;}}{\header ヘッダー}\f0\'82\'a0\u12354?{\field{\*\fldinst DDEAUTO x}{\fldrslt r}}\trowd\intbl a\cell b\cell\row\pard{\footnote\chftn n}{\*\atnauthor x}{\*\annotation c}{\object{\*\objdata 01}}\bin3 abc\par}`
	seedWord = `<w:p><w:r><w:t xml:space="preserve">お世話になっております。①㈱</w:t></w:r><w:r><w:tab/><w:t>x</w:t><w:br/></w:r></w:p>` +
		`<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>item</w:t></w:r></w:p>` +
		`<w:tbl><w:tr><w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>b</w:t></w:r></w:p></w:tc></w:tr></w:tbl>` +
		`<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>DDEAUTO x</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>r</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>` +
		`<w:p><w:del><w:r><w:delText>gone</w:delText></w:r></w:del><mc:AlternateContent><mc:Choice Requires="wps"><w:r><w:t>box</w:t></w:r></mc:Choice><mc:Fallback><w:r><w:t>box</w:t></w:r></mc:Fallback></mc:AlternateContent></w:p>`
	seedNumbering = `<w:numbering ` + nsWord + `><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>`
	seedSheet     = `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>金額</t></is></c></row>` +
		`<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" s="1"><v>45678</v></c><c r="C2"><f>B2*1.1</f><v>1100</v></c><c r="D2" t="e"><v>#DIV/0!</v></c><c r="XFD2" t="b"><v>1</v></c></row>`
	seedStrings = `<sst ` + nsSheet + `><si><t>品名</t></si><si><r><t>りん</t></r><r><t>ご</t></r><rPh sb="0" eb="2"><t>リンゴ</t></rPh></si></sst>`
	seedSlide   = `<p:sld ` + nsSlide + `><p:cSld><p:spTree><p:sp><p:nvSpPr><p:cNvPr id="2" name="t"/><p:cNvSpPr/><p:nvPr><p:ph type="title"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:r><a:t>会議</a:t></a:r><a:br/><a:r><a:t>資料</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>`
	seedODT     = `<office:text><text:h text:outline-level="1">見積書</text:h><text:p>お世話<text:s text:c="2"/>①㈱<text:tab/>x<text:line-break/><text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>n</text:p></text:note-body></text:note><office:annotation><dc:creator>c</dc:creator><text:p>d</text:p></office:annotation></text:p><table:table><table:table-row><table:table-cell><text:p>x</text:p></table:table-cell></table:table-row></table:table><text:p><text:a xlink:href="https://example.jp/">link</text:a><text:ruby><text:ruby-base>漢字</text:ruby-base><text:ruby-text>かんじ</text:ruby-text></text:ruby></text:p></office:text>`
	seedODS     = `<office:spreadsheet><table:table table:name="S"><table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="2"><text:p>x</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>`
	seedODP     = `<office:presentation><draw:page><draw:frame><draw:text-box><text:p>s</text:p></draw:text-box></draw:frame><presentation:notes><draw:frame><draw:text-box><text:p>n</text:p></draw:text-box></draw:frame></presentation:notes></draw:page></office:presentation>`
)

func contentTypesPart(mainPart, mainType string) archivetest.File {
	return archivetest.File{Name: "[Content_Types].xml", Body: []byte(officetest.ContentTypes(mainPart, mainType))}
}

// relsPart writes a relationships part; each rel is "Id Type Target",
// with a fourth field for an external target.
func relsPart(name string, rs ...string) archivetest.File {
	return archivetest.File{Name: name, Body: []byte(officetest.Rels(rs...))}
}

func docxParts(ct, body string, docRels ...string) []archivetest.File {
	return []archivetest.File{
		contentTypesPart("word/document.xml", ct),
		relsPart("_rels/.rels", "rId1 officeDocument word/document.xml"),
		{Name: "word/document.xml", Body: []byte(xmlDecl + `<w:document ` + nsWord + `><w:body>` + body + `</w:body></w:document>`)},
		relsPart("word/_rels/document.xml.rels", append([]string{"rIdN numbering numbering.xml"}, docRels...)...),
		{Name: "word/numbering.xml", Body: []byte(xmlDecl + seedNumbering)},
	}
}

func xlsxParts(sheet string) []archivetest.File {
	return []archivetest.File{
		contentTypesPart("xl/workbook.xml", ctXlsx),
		relsPart("_rels/.rels", "rId1 officeDocument xl/workbook.xml"),
		{Name: "xl/workbook.xml", Body: []byte(xmlDecl + `<workbook ` + nsSheet + `><sheets><sheet name="見積" sheetId="1" r:id="rId1"/><sheet name="隠し" sheetId="2" state="hidden" r:id="rId2"/></sheets></workbook>`)},
		relsPart("xl/_rels/workbook.xml.rels", "rId1 worksheet worksheets/sheet1.xml", "rId2 worksheet worksheets/sheet2.xml",
			"rIdS sharedStrings sharedStrings.xml", "rIdT styles styles.xml"),
		{Name: "xl/worksheets/sheet1.xml", Body: []byte(xmlDecl + `<worksheet ` + nsSheet + `><sheetData>` + sheet + `</sheetData></worksheet>`)},
		{Name: "xl/worksheets/sheet2.xml", Body: []byte(xmlDecl + `<worksheet ` + nsSheet + `><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>hidden</t></is></c></row></sheetData></worksheet>`)},
		{Name: "xl/sharedStrings.xml", Body: []byte(xmlDecl + seedStrings)},
		{Name: "xl/styles.xml", Body: []byte(xmlDecl + `<styleSheet ` + nsSheet + `><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>`)},
	}
}

func pptxParts(slide string) []archivetest.File {
	return []archivetest.File{
		contentTypesPart("ppt/presentation.xml", ctPptx),
		relsPart("_rels/.rels", "rId1 officeDocument ppt/presentation.xml"),
		{Name: "ppt/presentation.xml", Body: []byte(xmlDecl + `<p:presentation ` + nsSlide + `><p:sldIdLst><p:sldId id="256" r:id="rId2"/></p:sldIdLst></p:presentation>`)},
		relsPart("ppt/_rels/presentation.xml.rels", "rId2 slide slides/slide1.xml"),
		{Name: "ppt/slides/slide1.xml", Body: []byte(xmlDecl + slide)},
	}
}

func odfParts(mediaType, body string) []archivetest.File {
	return []archivetest.File{
		{Name: "mimetype", Body: []byte(mediaType)},
		{Name: "META-INF/manifest.xml", Body: []byte(xmlDecl + `<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="` + mediaType + `"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`)},
		{Name: "content.xml", Body: []byte(xmlDecl + `<office:document-content ` + nsODF + `><office:body>` + body + `</office:body></office:document-content>`)},
	}
}

// compoundFile builds a minimal OLE2 compound file ([MS-CFB] version 3,
// 512-byte sectors: header, one FAT sector, one directory sector) with
// an empty stream per name. "EncryptionInfo" and "EncryptedPackage" make
// it a password-protected OOXML file ([MS-OFFCRYPTO] §2.3.4).
func compoundFile(names ...string) []byte {
	le := binary.LittleEndian
	const free, end, fatSect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
	out := make([]byte, 3*512)
	h := out[:512]
	copy(h, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
	le.PutUint16(h[0x18:], 0x3E)   // minor version
	le.PutUint16(h[0x1A:], 3)      // major version
	le.PutUint16(h[0x1C:], 0xFFFE) // little-endian
	le.PutUint16(h[0x1E:], 9)      // 512-byte sectors
	le.PutUint16(h[0x20:], 6)      // 64-byte mini sectors
	le.PutUint32(h[0x2C:], 1)      // one FAT sector
	le.PutUint32(h[0x30:], 1)      // directory at sector 1
	le.PutUint32(h[0x38:], 4096)   // mini stream cutoff
	le.PutUint32(h[0x3C:], end)    // no mini FAT
	le.PutUint32(h[0x44:], end)    // no DIFAT sectors
	for i := range 109 {
		le.PutUint32(h[0x4C+4*i:], free)
	}
	le.PutUint32(h[0x4C:], 0) // the FAT is sector 0
	fat := out[512:1024]
	for i := range 128 {
		le.PutUint32(fat[4*i:], free)
	}
	le.PutUint32(fat[0:], fatSect)
	le.PutUint32(fat[4:], end)
	dir := out[1024:]
	entry := func(i int, name string, typ byte, sibling, child uint32) {
		e := dir[128*i : 128*(i+1)]
		u := utf16.Encode([]rune(name))
		for j, c := range u {
			le.PutUint16(e[2*j:], c)
		}
		le.PutUint16(e[0x40:], uint16(2*len(u)+2))
		e[0x42], e[0x43] = typ, 1 // black
		le.PutUint32(e[0x44:], free)
		le.PutUint32(e[0x48:], sibling)
		le.PutUint32(e[0x4C:], child)
		le.PutUint32(e[0x74:], end)
	}
	entry(0, "Root Entry", 5, free, 1)
	for i, n := range names {
		sibling := uint32(free)
		if i+1 < len(names) {
			sibling = uint32(i + 2)
		}
		entry(i+1, n, 2, sibling, free)
	}
	return out
}

// officeTemplates are the containers FuzzOOXML swaps its input into,
// each with the entry that takes it.
func officeTemplates() []struct {
	parts []archivetest.File
	entry string
} {
	return []struct {
		parts []archivetest.File
		entry string
	}{
		{docxParts(ctDocx, ""), "word/document.xml"},
		{xlsxParts(""), "xl/worksheets/sheet1.xml"},
		{xlsxParts(seedSheet), "xl/sharedStrings.xml"},
		{pptxParts(""), "ppt/slides/slide1.xml"},
		{odfParts(mimeODT, ""), "content.xml"},
		{odfParts(mimeODS, ""), "content.xml"},
		{odfParts(mimeODP, ""), "content.xml"},
	}
}

// Modes of FuzzOOXML: below len(officeTemplates()) the input is one part
// of a valid container; modeRTF makes it an RTF document; anything else
// is a whole file.
const (
	modeRTF   = 7
	modeWhole = 8
	numModes  = 9
)

func officeSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	word := docxParts(ctDocx, seedWord, "rIdH header header1.xml", "rIdC comments comments.xml",
		"rIdT attachedTemplate file:///C:/evil.dotm External", "rIdL hyperlink https://example.jp/ External")
	word = append(word,
		archivetest.File{Name: "word/header1.xml", Body: []byte(`<w:hdr ` + nsWord + `><w:p><w:r><w:t>ヘッダー</w:t></w:r></w:p></w:hdr>`)},
		archivetest.File{Name: "word/comments.xml", Body: []byte(`<w:comments ` + nsWord + `><w:comment w:id="0" w:author="鈴木"><w:p><w:r><w:t>確認</w:t></w:r></w:p></w:comment></w:comments>`)})
	macro := docxParts(ctDocm, `<w:p><w:r><w:t>macro</w:t></w:r></w:p>`, "rIdV http://schemas.microsoft.com/office/2006/relationships/vbaProject vbaProject.bin")
	macro = append(macro, archivetest.File{Name: "word/vbaProject.bin", Body: []byte("Attribute VB_Name")})
	seeds := [][]byte{
		archivetest.Zip(tb, word...),
		archivetest.Zip(tb, macro...),
		archivetest.Zip(tb, xlsxParts(seedSheet)...),
		archivetest.Zip(tb, pptxParts(seedSlide)...),
		archivetest.StoredZip(tb, odfParts(mimeODT, seedODT)...),
		archivetest.StoredZip(tb, odfParts(mimeODS, seedODS)...),
		archivetest.StoredZip(tb, odfParts(mimeODP, seedODP)...),
		compoundFile("EncryptionInfo", "EncryptedPackage"),
		compoundFile("WordDocument"),
		[]byte(seedRTF),
		// A deflate bomb inside a valid package.
		archivetest.Zip(tb, append(docxParts(ctDocx, ""), archivetest.File{Name: "word/media/zeros.bin", Body: make([]byte, 4<<20)})...),
	}
	return append(seeds, corpusAttachments(tb, flatten.KindDOCX, flatten.KindDOCM, flatten.KindDOTX, flatten.KindXLSX,
		flatten.KindXLSM, flatten.KindPPTX, flatten.KindPPTM, flatten.KindODT, flatten.KindODS, flatten.KindODP,
		flatten.KindRTF, flatten.KindDOC, flatten.KindXLS, flatten.KindPPT, flatten.KindOLE)...)
}

// checkOffice asserts Extract's promises for any input.
func checkOffice(t *testing.T, res office.Result, err error, lim office.Limits) {
	t.Helper()
	if isInternal(err) {
		t.Fatalf("panic in the converter: %v", err)
	}
	var le *office.LimitError
	if errors.As(err, &le) {
		bound := map[string]int64{"Entries": int64(lim.Entries), "EntryBytes": lim.EntryBytes, "TotalBytes": lim.TotalBytes,
			"Ratio": int64(lim.Ratio), "XML depth": le.Max, "RTF depth": le.Max}
		if b, ok := bound[le.Limit]; !ok || b != le.Max || le.Max <= 0 {
			t.Fatalf("LimitError %+v", le)
		}
	}
	if err != nil {
		return
	}
	if !utf8.ValidString(res.Text) {
		t.Fatalf("text is not UTF-8: %q", res.Text)
	}
	if int64(len(res.Text)) > lim.OutputBytes {
		t.Fatalf("text of %d bytes over the limit of %d", len(res.Text), lim.OutputBytes)
	}
	if r, bad := forbidden(res.Text, true); bad {
		t.Fatalf("text holds U+%04X", r)
	}
	if strings.Contains(res.Text, "\n\n\n") || strings.Contains(res.Text, " \n") {
		t.Fatalf("blank lines not collapsed or trailing spaces kept: %q", res.Text)
	}
	if !sortedUnique(res.Removed) {
		t.Fatalf("Removed not sorted and unique: %q", res.Removed)
	}
}

// FuzzOOXML feeds office.Extract in two ways. The first byte picks the
// mode: one XML part swapped into a valid docx, xlsx, pptx, odt, ods or
// odp container (stored, so an execution is spent in the converters,
// not in inflating or failing on checksums), an RTF document, or a whole
// file (zip packages, compound files, RTF). Whatever the input: no panic
// (recovered into an error by Extract, which fails the target), done in
// bounded time, Detect and Extract agree on what is a document, the
// limits hold, and the text is clean UTF-8 within OutputBytes with
// Removed sorted and unique.
func FuzzOOXML(f *testing.F) {
	for _, s := range officeSeeds(f) {
		f.Add(byte(modeWhole), s)
	}
	for i, xml := range []string{
		`<w:document ` + nsWord + `><w:body>` + seedWord + `</w:body></w:document>`,
		`<worksheet ` + nsSheet + `><sheetData>` + seedSheet + `</sheetData></worksheet>`,
		seedStrings,
		seedSlide,
		`<office:document-content ` + nsODF + `><office:body>` + seedODT + `</office:body></office:document-content>`,
		`<office:document-content ` + nsODF + `><office:body>` + seedODS + `</office:body></office:document-content>`,
		`<office:document-content ` + nsODF + `><office:body>` + seedODP + `</office:body></office:document-content>`,
		seedRTF,
	} {
		f.Add(byte(i), []byte(xml))
	}
	templates := officeTemplates()
	lim := office.Limits{Entries: 200, EntryBytes: 1 << 20, TotalBytes: 4 << 20, Ratio: office.DefaultRatio, OutputBytes: 64 << 10}
	f.Fuzz(func(t *testing.T, mode byte, in []byte) {
		data := in
		switch m := int(mode) % numModes; {
		case m < len(templates):
			tp := templates[m]
			parts := make([]archivetest.File, len(tp.parts))
			for i, p := range tp.parts {
				if p.Name == tp.entry {
					p.Body = in
				}
				parts[i] = p
			}
			data = archivetest.StoredZip(t, parts...)
		case m == modeRTF:
			if !strings.HasPrefix(string(in), `{\rtf`) {
				data = append([]byte(`{\rtf1 `), in...)
			}
		}
		kind := office.Detect(data)
		start := time.Now()
		res, err := office.Extract(context.Background(), data, "", lim)
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("Extract took %v on %d bytes", d, len(data))
		}
		checkOffice(t, res, err, lim)
		switch {
		case err == nil && kind == office.KindNone:
			t.Fatalf("Extract converted what Detect rejected")
		case errors.Is(err, office.ErrUnsupported) && kind != office.KindNone:
			t.Fatalf("Detect said %q, Extract: %v", kind, err)
		case errors.Is(err, office.ErrUnsupported) && int(mode)%numModes != modeWhole:
			t.Fatalf("a valid container became unsupported: %v", err)
		}
	})
}
