package office

import (
	"archive/zip"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mugai/mugai/internal/testinput/archivetest"
)

const nsSheet = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`

// workbook builds an xlsx: sheets are (name, state, sheet XML body inside
// <sheetData>) triples; wbRels are extra workbook relationships.
func workbook(t testing.TB, ct string, sheets [][3]string, wbRels []string, extra ...part) []byte {
	t.Helper()
	var wb strings.Builder
	wb.WriteString(xmlHeader + `<workbook ` + nsSheet + `><workbookPr/><sheets>`)
	rs := []string{"rIdSS sharedStrings sharedStrings.xml", "rIdSt styles styles.xml"}
	var parts []part
	for i, s := range sheets {
		id := "rId" + string(rune('1'+i))
		wb.WriteString(`<sheet name="` + s[0] + `" sheetId="` + string(rune('1'+i)) + `" r:id="` + id + `"`)
		if s[1] != "" {
			wb.WriteString(` state="` + s[1] + `"`)
		}
		wb.WriteString(`/>`)
		name := "worksheets/sheet" + string(rune('1'+i)) + ".xml"
		rs = append(rs, id+" worksheet "+name)
		parts = append(parts, part{"xl/" + name, xmlHeader + `<worksheet ` + nsSheet + `><sheetData>` + s[2] + `</sheetData></worksheet>`})
	}
	wb.WriteString(`</sheets></workbook>`)
	all := []part{
		contentTypes("xl/workbook.xml", ct),
		rels("_rels/.rels", "rId1 officeDocument xl/workbook.xml"),
		{"xl/workbook.xml", wb.String()},
		rels("xl/_rels/workbook.xml.rels", append(rs, wbRels...)...),
		{"xl/sharedStrings.xml", xmlHeader + `<sst ` + nsSheet + ` count="4" uniqueCount="4">` +
			`<si><t>品名</t></si>` +
			`<si><r><t>りん</t></r><r><rPr><b/></rPr><t>ご</t></r><rPh sb="0" eb="3"><t>リンゴ</t></rPh><phoneticPr fontId="1"/></si>` +
			`<si><t>お世話になっております。①㈱</t></si>` +
			`<si><t xml:space="preserve">改行
あり	タブ</t></si></sst>`},
		{"xl/styles.xml", xmlHeader + `<styleSheet ` + nsSheet + `><numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/><numFmt numFmtId="177" formatCode="0.00E+00"/></numFmts>` +
			`<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="176"/><xf numFmtId="177"/></cellXfs></styleSheet>`},
	}
	all = append(all, parts...)
	return makeZip(t, append(all, extra...)...)
}

const sheet1 = `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>金額</t></is></c><c r="D1" t="s"><v>2</v></c></row>` +
	`<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2"><v>1000</v></c><c r="C2"><f>B2*1.1</f><v>1100</v></c><c r="E2" t="b"><v>1</v></c></row>` +
	`<row r="3"><c r="A3" s="1"/><c r="B3" s="1"/></row>` +
	`<row r="5"><c r="A5" s="1"><v>45678</v></c><c r="B5" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="C5" t="str"><f>"文字"&amp;"列"</f><v>文字列</v></c>` +
	`<c r="D5" s="2"><v>45678.5</v></c><c r="E5" s="3"><v>12345</v></c><c r="F5" t="s"><v>3</v></c><c r="G5" t="s"><v>99</v></c></row>` +
	`<row r="6"><c><v>1</v></c><c><v>2</v></c></row>`

// TestXlsx covers sheet order and names, shared strings with rich text and
// phonetic guides, inline strings, numbers, booleans, errors, cached
// formula results, dates, a hidden sheet, a text box and comments.
func TestXlsx(t *testing.T) {
	data := workbook(t, ctXlsx, [][3]string{
		{"見積", "", sheet1},
		{"隠し", "hidden", `<row r="1"><c r="A1" t="inlineStr"><is><t>秘</t></is></c></row>`},
	}, nil,
		rels("xl/worksheets/_rels/sheet1.xml.rels", "rId1 comments ../comments1.xml", "rId2 drawing ../drawings/drawing1.xml"),
		part{"xl/comments1.xml", xmlHeader + `<comments ` + nsSheet + `><authors><author>山田</author></authors><commentList>` +
			`<comment ref="A1" authorId="0"><text><r><rPr><b/></rPr><t>山田:</t></r><r><t xml:space="preserve">
単位は円</t></r></text></comment></commentList></comments>`},
		part{"xl/drawings/drawing1.xml", xmlHeader + `<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">` +
			`<xdr:twoCellAnchor><xdr:sp><xdr:txBody><a:bodyPr/><a:p><a:r><a:t>図形のテキスト</a:t></a:r></a:p></xdr:txBody></xdr:sp></xdr:twoCellAnchor></xdr:wsDr>`},
	)
	if k := Detect(data); k != KindXLSX {
		t.Fatalf("Detect = %q", k)
	}
	res := extract(t, data)
	checkText(t, res.Text, `--- sheet: 見積 ---
品名	金額		お世話になっております。①㈱
りんご	1000	1100		TRUE
2025-01-21	#DIV/0!	文字列	2025-01-21 12:00:00	12345	改行 あり タブ
1	2
図形のテキスト

--- comments: 見積 ---
A1: 山田:
単位は円

--- sheet: 隠し (hidden) ---
秘
`)
	checkRemoved(t, res.Removed)
}

// TestXlsxActive: macros (VBA, Excel 4.0 macro sheets), external links,
// DDE links and data connections are reported; a macro sheet's formulas
// are not shown.
func TestXlsxActive(t *testing.T) {
	data := workbook(t, ctXlsm, [][3]string{{"Sheet1", "", `<row r="1"><c r="A1"><v>1</v></c></row>`}},
		[]string{
			"rIdV http://schemas.microsoft.com/office/2006/relationships/vbaProject vbaProject.bin",
			"rIdM http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet macrosheets/sheet1.xml",
			"rIdE externalLink externalLinks/externalLink1.xml",
			"rIdC connections connections.xml",
		},
		part{"xl/vbaProject.bin", "VBA"},
		part{"xl/macrosheets/sheet1.xml", `<xm:macrosheet xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData><row><c><f>EXEC("calc")</f></c></row></sheetData></xm:macrosheet>`},
		part{"xl/externalLinks/externalLink1.xml", `<externalLink ` + nsSheet + `><ddeLink ddeService="cmd" ddeTopic="/c calc"/></externalLink>`},
		part{"xl/connections.xml", `<connections ` + nsSheet + `/>`},
	)
	if k := Detect(data); k != KindXLSM {
		t.Fatalf("Detect = %q", k)
	}
	res := extract(t, data)
	checkText(t, res.Text, "--- sheet: Sheet1 ---\n1\n")
	checkRemoved(t, res.Removed, "DDE link", "external data connection", "external link", "macro (Excel 4.0)", "macro (VBA)")
}

// TestXlsxHugeReferences: cell and row references far out of range cost
// nothing and do not pad the output.
func TestXlsxHugeReferences(t *testing.T) {
	data := workbook(t, ctXlsx, [][3]string{{"S", "", `<row r="1048576"><c r="A1048576"><v>1</v></c><c r="ZZZZZZZZZZ1048576"><v>2</v></c></row>` +
		`<row r="99999999999999999999999"><c r="B99999999999"><v>3</v></c></row>`}}, nil)
	res := extract(t, data)
	checkText(t, res.Text, "--- sheet: S ---\n1\n\t3\n")
}

// TestZipBomb: an entry inflating far beyond the ratio limit is refused
// from its declared sizes before any inflating.
func TestZipBomb(t *testing.T) {
	big := xmlHeader + `<worksheet ` + nsSheet + `><sheetData>` + strings.Repeat(" ", 2<<20) + `</sheetData></worksheet>`
	data := workbook(t, ctXlsx, [][3]string{{"S", "", ""}}, nil)
	data = replaceEntry(t, data, "xl/worksheets/sheet1.xml", big)
	_, err := Extract(context.Background(), data, "", Limits{})
	wantLimit(t, err, "Ratio")
}

// TestZipDeclaredSizeLies: an entry whose header claims a small size but
// inflates to more is corrupt; one that claims more than EntryBytes is
// refused before reading; TotalBytes is counted over the entries read.
func TestZipDeclaredSizeLies(t *testing.T) {
	big := []byte(xmlHeader + `<worksheet ` + nsSheet + `><sheetData>` + strings.Repeat(`<row><c t="inlineStr"><is><t>x</t></is></c></row>`, 5000) + `</sheetData></worksheet>`)
	base := workbook(t, ctXlsx, [][3]string{{"S", "", ""}}, nil)
	comp := deflate(t, big)
	lying := rebuildWith(t, base, &zip.FileHeader{
		Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, CRC32: crc(big),
		CompressedSize64: uint64(len(comp)), UncompressedSize64: 100,
	}, comp)
	_, err := Extract(context.Background(), lying, "", Limits{})
	var le *LimitError
	if err == nil || errors.As(err, &le) || !strings.Contains(err.Error(), "declared") {
		t.Fatalf("err = %v, want a corrupt-size error", err)
	}

	honest := rebuildWith(t, base, &zip.FileHeader{
		Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, CRC32: crc(big),
		CompressedSize64: uint64(len(comp)), UncompressedSize64: uint64(len(big)),
	}, comp)
	_, err = Extract(context.Background(), honest, "", Limits{EntryBytes: 100000})
	wantLimit(t, err, "EntryBytes")
	_, err = Extract(context.Background(), honest, "", Limits{TotalBytes: 200000})
	wantLimit(t, err, "TotalBytes")
	if _, err = Extract(context.Background(), honest, "", Limits{}); err != nil {
		t.Fatal(err)
	}
}

// TestZipDuplicates: two entries with one name (or names equal under
// OPC's case-insensitive comparison) are refused.
func TestZipDuplicates(t *testing.T) {
	for _, dup := range []string{"xl/worksheets/sheet1.xml", "XL/Worksheets/Sheet1.xml", "/xl/worksheets/sheet1.xml"} {
		data := workbook(t, ctXlsx, [][3]string{{"S", "", `<row><c t="inlineStr"><is><t>real</t></is></c></row>`}}, nil,
			part{dup, xmlHeader + `<worksheet ` + nsSheet + `><sheetData><row><c t="inlineStr"><is><t>decoy</t></is></c></row></sheetData></worksheet>`})
		_, err := Extract(context.Background(), data, "", Limits{})
		if err == nil || !strings.Contains(err.Error(), "duplicate") {
			t.Errorf("%s: err = %v, want duplicate entry", dup, err)
		}
		if Detect(data) != KindNone {
			t.Errorf("%s: Detect accepted a package with duplicate entries", dup)
		}
	}
}

func TestZipEntries(t *testing.T) {
	data := workbook(t, ctXlsx, [][3]string{{"S", "", ""}}, nil)
	_, err := Extract(context.Background(), data, "", Limits{Entries: 3})
	wantLimit(t, err, "Entries")
}

// replaceEntry rewrites a zip with one entry's content replaced.
func replaceEntry(t testing.TB, data []byte, name, body string) []byte {
	t.Helper()
	var parts []part
	for _, p := range unzip(t, data) {
		if p.name == name {
			p.body = body
		}
		parts = append(parts, p)
	}
	return makeZip(t, parts...)
}

// rebuildWith rewrites a zip with the entry raw names written last, raw:
// its header says what the test wants, and data is written as it is.
func rebuildWith(t testing.TB, data []byte, raw *zip.FileHeader, body []byte) []byte {
	t.Helper()
	var parts []part
	for _, p := range unzip(t, data) {
		if p.name != raw.Name {
			parts = append(parts, p)
		}
	}
	return archivetest.Zip(t, append(files(parts), archivetest.File{Raw: raw, Body: body})...)
}
