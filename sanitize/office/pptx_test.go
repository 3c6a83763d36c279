package office

import "testing"

const nsPML = `xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`

func shape(ph, paras string) string {
	nv := `<p:nvSpPr><p:cNvPr id="2" name="s"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr>`
	if ph != "" {
		nv = `<p:nvSpPr><p:cNvPr id="2" name="s"/><p:cNvSpPr/><p:nvPr><p:ph type="` + ph + `"/></p:nvPr></p:nvSpPr>`
	}
	return `<p:sp>` + nv + `<p:spPr/><p:txBody><a:bodyPr/><a:lstStyle/>` + paras + `</p:txBody></p:sp>`
}

func ap(runs ...string) string {
	s := `<a:p>`
	for _, r := range runs {
		if r == "\n" {
			s += `<a:br/>`
			continue
		}
		s += `<a:r><a:rPr lang="ja-JP"/><a:t>` + r + `</a:t></a:r>`
	}
	return s + `</a:p>`
}

func slideXML(attrs, shapes string) string {
	return xmlHeader + `<p:sld ` + nsPML + attrs + `><p:cSld><p:spTree><p:nvGrpSpPr/><p:grpSpPr/>` + shapes + `</p:spTree></p:cSld></p:sld>`
}

// TestPptx covers slide order from sldIdLst (not file names), titles and
// bodies, line breaks, a table, the slide number placeholder, notes (only
// the notes body), a hidden slide, SmartArt text and comments.
func TestPptx(t *testing.T) {
	table := `<p:graphicFrame><p:nvGraphicFramePr/><p:xfrm/><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/table"><a:tbl>` +
		`<a:tr h="1"><a:tc><a:txBody><a:bodyPr/>` + ap("項目") + `</a:txBody></a:tc><a:tc><a:txBody><a:bodyPr/>` + ap("値") + `</a:txBody></a:tc></a:tr>` +
		`<a:tr h="1"><a:tc><a:txBody><a:bodyPr/>` + ap("予算") + `</a:txBody></a:tc><a:tc><a:txBody><a:bodyPr/>` + ap("100万円") + `</a:txBody></a:tc></a:tr>` +
		`</a:tbl></a:graphicData></a:graphic></p:graphicFrame>`
	sldNum := `<p:sp><p:nvSpPr><p:cNvPr id="9" name="n"/><p:cNvSpPr/><p:nvPr><p:ph type="sldNum" idx="12"/></p:nvPr></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:p><a:fld id="{X}" type="slidenum"><a:t>1</a:t></a:fld></a:p></p:txBody></p:sp>`
	data := makeZip(t,
		contentTypes("ppt/presentation.xml", ctPptx),
		rels("_rels/.rels", "rId1 officeDocument ppt/presentation.xml"),
		part{"ppt/presentation.xml", xmlHeader + `<p:presentation ` + nsPML + `><p:sldIdLst><p:sldId id="256" r:id="rId7"/><p:sldId id="257" r:id="rId2"/></p:sldIdLst></p:presentation>`},
		rels("ppt/_rels/presentation.xml.rels", "rId2 slide slides/slide1.xml", "rId7 slide slides/slide2.xml", "rId9 commentAuthors commentAuthors.xml"),
		part{"ppt/slides/slide2.xml", slideXML("", shape("title", ap("会議資料"))+shape("body", ap("お世話になっております。", "①㈱")+ap("line", "\n", "break"))+table+sldNum)},
		rels("ppt/slides/_rels/slide2.xml.rels", "rId1 notesSlide ../notesSlides/notesSlide1.xml", "rId2 comments ../comments/comment1.xml",
			"rId3 diagramData ../diagrams/data1.xml"),
		part{"ppt/notesSlides/notesSlide1.xml", xmlHeader + `<p:notes ` + nsPML + `><p:cSld><p:spTree>` +
			`<p:sp><p:nvSpPr><p:cNvPr id="2" name="i"/><p:cNvSpPr/><p:nvPr><p:ph type="sldImg"/></p:nvPr></p:nvSpPr><p:spPr/></p:sp>` +
			shape("body", ap("スピーカーノート")) + shape("sldNum", ap("1")) + `</p:spTree></p:cSld></p:notes>`},
		part{"ppt/comments/comment1.xml", xmlHeader + `<p:cmLst ` + nsPML + `><p:cm authorId="0" dt="2024-01-01T00:00:00" idx="1"><p:pos x="0" y="0"/><p:text>確認済み</p:text></p:cm></p:cmLst>`},
		part{"ppt/commentAuthors.xml", xmlHeader + `<p:cmAuthorLst ` + nsPML + `><p:cmAuthor id="0" name="佐藤" initials="S" lastIdx="1" clrIdx="0"/></p:cmAuthorLst>`},
		part{"ppt/diagrams/data1.xml", xmlHeader + `<dgm:dataModel xmlns:dgm="http://schemas.openxmlformats.org/drawingml/2006/diagram" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><dgm:ptLst>` +
			`<dgm:pt modelId="1"><dgm:t><a:bodyPr/>` + ap("手順1") + `</dgm:t></dgm:pt><dgm:pt modelId="2"><dgm:t><a:bodyPr/>` + ap("手順2") + `</dgm:t></dgm:pt></dgm:ptLst></dgm:dataModel>`},
		part{"ppt/slides/slide1.xml", slideXML(` show="0"`, shape("", ap("非表示")))},
	)
	if k := Detect(data); k != KindPPTX {
		t.Fatalf("Detect = %q", k)
	}
	res := extract(t, data)
	checkText(t, res.Text, `--- slide 1 ---
会議資料
お世話になっております。①㈱
line
break
項目 | 値
予算 | 100万円
手順1
手順2

--- notes ---
スピーカーノート

--- comments ---
佐藤: 確認済み

--- slide 2 (hidden) ---
非表示
`)
	checkRemoved(t, res.Removed)
}

// TestPptxActive: OLE objects, ActiveX controls, macros, a program-launch
// action and a remote picture are reported.
func TestPptxActive(t *testing.T) {
	ole := `<p:graphicFrame><p:nvGraphicFramePr/><p:xfrm/><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/presentationml/2006/ole"><p:oleObj r:id="rId5" progId="Package"/></a:graphicData></a:graphic></p:graphicFrame>`
	act := `<p:sp><p:nvSpPr><p:cNvPr id="3" name="b"><a:hlinkClick r:id="rId6" action="ppaction://program"/></p:cNvPr><p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/>` + ap("クリック") + `</p:txBody></p:sp>`
	data := makeZip(t,
		contentTypes("ppt/presentation.xml", "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml"),
		rels("_rels/.rels", "rId1 officeDocument ppt/presentation.xml"),
		part{"ppt/presentation.xml", `<p:presentation ` + nsPML + `><p:sldIdLst><p:sldId id="256" r:id="rId2"/></p:sldIdLst></p:presentation>`},
		rels("ppt/_rels/presentation.xml.rels", "rId2 slide slides/slide1.xml", "rId3 http://schemas.microsoft.com/office/2006/relationships/vbaProject vbaProject.bin"),
		part{"ppt/vbaProject.bin", "x"},
		part{"ppt/slides/slide1.xml", slideXML("", ole+act)},
		rels("ppt/slides/_rels/slide1.xml.rels", "rId5 oleObject ../embeddings/oleObject1.bin", "rId6 hyperlink file:///C:/Windows/System32/calc.exe External",
			"rId7 image http://192.0.2.1/a.png External"),
		part{"ppt/embeddings/oleObject1.bin", "x"},
	)
	if k := Detect(data); k != KindPPTM {
		t.Fatalf("Detect = %q", k)
	}
	res := extract(t, data)
	checkText(t, res.Text, "--- slide 1 ---\nクリック\n")
	checkRemoved(t, res.Removed, "OLE object", "macro (VBA)", "program action", "remote image")
}
