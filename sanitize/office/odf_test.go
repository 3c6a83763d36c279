package office

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

const nsODF = `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.3"`

const nsManifestDecl = `xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"`

// odfDoc builds an ODF package of a media type whose office:body holds body.
func odfDoc(t testing.TB, mediaType, body string, extra ...part) []byte {
	t.Helper()
	parts := []part{
		{"mimetype", mediaType},
		{"META-INF/manifest.xml", xmlHeader + `<manifest:manifest ` + nsManifestDecl + ` manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="` + mediaType + `"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`},
		{"content.xml", xmlHeader + `<office:document-content ` + nsODF + `><office:automatic-styles/><office:body>` + body + `</office:body></office:document-content>`},
	}
	return makeZip(t, append(parts, extra...)...)
}

const (
	mtODT = "application/vnd.oasis.opendocument.text"
	mtODS = "application/vnd.oasis.opendocument.spreadsheet"
	mtODP = "application/vnd.oasis.opendocument.presentation"
)

// TestODT covers headings and paragraphs, ODF white space (collapsing,
// text:s, text:tab, text:line-break), a footnote, a table with a covered
// cell, a list, a comment, tracked deletions, a text box, ruby, and the
// page headers and footers of styles.xml.
func TestODT(t *testing.T) {
	body := `<office:text><text:tracked-changes><text:changed-region text:id="c1"><text:deletion><office:change-info><dc:creator>x</dc:creator></office:change-info><text:p>削除済み</text:p></text:deletion></text:changed-region></text:tracked-changes>` +
		`<text:sequence-decls><text:sequence-decl text:display-outline-level="0" text:name="Table"/></text:sequence-decls>` +
		`<text:h text:outline-level="1">見積書</text:h>` +
		`<text:p>お世話になっております。<text:span text:style-name="T1">①㈱</text:span><text:note text:id="n1" text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>脚注です。</text:p></text:note-body></text:note></text:p>` +
		"<text:p>\n   leading \t  collapsed<text:s text:c=\"3\"/>three<text:tab/>tab<text:line-break/>next</text:p>" +
		`<text:p/>` +
		`<table:table table:name="表1"><table:table-column table:number-columns-repeated="3"/>` +
		`<table:table-row><table:table-cell><text:p>品名</text:p></table:table-cell><table:table-cell/><table:table-cell><text:p>金額</text:p></table:table-cell></table:table-row>` +
		`<table:table-row><table:table-cell table:number-columns-spanned="2"><text:p>りんご</text:p><text:p>青森</text:p></table:table-cell><table:covered-table-cell/><table:table-cell office:value-type="float" office:value="1000"><text:p>1,000</text:p></table:table-cell></table:table-row>` +
		`</table:table>` +
		`<text:list><text:list-item><text:p>項目A</text:p><text:list><text:list-item><text:p>項目B</text:p></text:list-item></text:list></text:list-item></text:list>` +
		`<text:p>前<office:annotation><dc:creator>鈴木</dc:creator><dc:date>2024-01-01T00:00:00</dc:date><text:p>コメントです</text:p></office:annotation>後</text:p>` +
		`<text:p>枠<draw:frame draw:name="f1"><svg:desc>説明</svg:desc><draw:text-box><text:p>テキストボックス</text:p></draw:text-box></draw:frame>の後</text:p>` +
		`<text:p><text:ruby><text:ruby-base>漢字</text:ruby-base><text:ruby-text>かんじ</text:ruby-text></text:ruby></text:p>` +
		`</office:text>`
	styles := xmlHeader + `<office:document-styles ` + nsODF + `><office:automatic-styles/><office:master-styles>` +
		`<style:master-page style:name="Standard"><style:header><text:p>ヘッダー</text:p></style:header><style:header-left><text:p>ヘッダー</text:p></style:header-left>` +
		`<style:footer><text:p>フッター <text:page-number>1</text:page-number></text:p></style:footer></style:master-page></office:master-styles></office:document-styles>`
	data := odfDoc(t, mtODT, body, part{"styles.xml", styles})
	if k := Detect(data); k != KindODT {
		t.Fatalf("Detect = %q", k)
	}
	res := extract(t, data)
	checkText(t, res.Text, "見積書\nお世話になっております。①㈱[1]\nleading collapsed   three\ttab\nnext\n\n"+
		`品名 | 金額
りんご 青森 | 1,000
項目A
項目B
前後
テキストボックス
枠の後
漢字(かんじ)

--- headers ---
ヘッダー

--- footers ---
フッター 1

--- notes ---
[1] 脚注です。

--- comments ---
鈴木: コメントです
`)
	checkRemoved(t, res.Removed)
}

// TestODS covers sheets, repeated cells and rows (a hostile count costs
// nothing), typed values without text, and a cell comment.
func TestODS(t *testing.T) {
	body := `<office:spreadsheet><table:calculation-settings/><table:table table:name="見積"><table:table-column table:number-columns-repeated="1024"/>` +
		`<table:table-row><table:table-cell office:value-type="string"><text:p>品名</text:p></table:table-cell><table:table-cell table:number-columns-repeated="2"/>` +
		`<table:table-cell office:value-type="float" office:value="1000"><text:p>1,000</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1020"/></table:table-row>` +
		`<table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="2"><text:p>同じ</text:p></table:table-cell></table:table-row>` +
		`<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>` +
		`<table:table-row><table:table-cell office:value-type="date" office:date-value="2025-01-21"/><table:table-cell><text:p>お世話になっております。①㈱</text:p><text:p>二段落目</text:p>` +
		`<office:annotation><dc:creator>a</dc:creator><text:p>メモ</text:p></office:annotation></table:table-cell>` +
		`<table:table-cell table:number-columns-repeated="16000"/><table:table-cell><text:p>遠く</text:p></table:table-cell>` +
		`<table:table-cell table:number-columns-repeated="999999999"/><table:table-cell><text:p>列の限界の外</text:p></table:table-cell></table:table-row>` +
		`</table:table><table:table table:name="空"><table:table-row table:number-rows-repeated="999999999"><table:table-cell table:number-columns-repeated="999999999"/></table:table-row></table:table>` +
		`</office:spreadsheet>`
	data := odfDoc(t, mtODS, body)
	if k := Detect(data); k != KindODS {
		t.Fatalf("Detect = %q", k)
	}
	start := time.Now()
	res := extract(t, data)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	lines := strings.Split(res.Text, "\n")
	if len(lines) < 7 || !strings.HasPrefix(lines[5], "2025-01-21\tお世話になっております。①㈱ 二段落目\t") || !strings.HasSuffix(lines[5], "\t遠く") {
		t.Fatalf("text:\n%.500s", res.Text)
	}
	// The cell past the last column a sheet can have (16384) is not shown,
	// as no spreadsheet program would show it.
	if n := strings.Count(lines[5], "\t"); n != 16002 {
		t.Errorf("row 5 has %d tabs, want 16002", n)
	}
	lines[5] = "..."
	checkText(t, strings.Join(lines, "\n"), `--- sheet: 見積 ---
品名			1,000
同じ	同じ
同じ	同じ
同じ	同じ
...

--- comments ---
a: メモ
`)
}

// TestODSRepeatBomb: a non-empty cell repeated across every column of
// every row stops at the output limit, quickly.
func TestODSRepeatBomb(t *testing.T) {
	body := `<office:spreadsheet><table:table table:name="S"><table:table-row table:number-rows-repeated="2000000000"><table:table-cell table:number-columns-repeated="2000000000"><text:p>爆弾</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>`
	start := time.Now()
	res, err := Extract(context.Background(), odfDoc(t, mtODS, body), "", Limits{OutputBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Truncated || len(res.Text) > 1<<20 {
		t.Errorf("Truncated=%v len=%d", res.Truncated, len(res.Text))
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}

// TestODP covers slides (draw:page), frames, lists, custom shapes, the
// page-number placeholder and the notes.
func TestODP(t *testing.T) {
	body := `<office:presentation>` +
		`<draw:page draw:name="page1"><draw:frame presentation:class="title"><draw:text-box><text:p>タイトル</text:p></draw:text-box></draw:frame>` +
		`<draw:frame presentation:class="outline"><draw:text-box><text:list><text:list-item><text:p>お世話になっております。①㈱</text:p></text:list-item></text:list></draw:text-box></draw:frame>` +
		`<draw:frame presentation:class="page-number"><draw:text-box><text:p><text:page-number>1</text:page-number></text:p></draw:text-box></draw:frame>` +
		`<presentation:notes><draw:page-thumbnail draw:page-number="1"/><draw:frame presentation:class="notes"><draw:text-box><text:p>ノート</text:p></draw:text-box></draw:frame></presentation:notes>` +
		`</draw:page><draw:page draw:name="page2"><draw:custom-shape><text:p>図形</text:p></draw:custom-shape>` +
		`<draw:frame><table:table><table:table-row><table:table-cell><text:p>A</text:p></table:table-cell><table:table-cell><text:p>B</text:p></table:table-cell></table:table-row></table:table></draw:frame></draw:page>` +
		`</office:presentation>`
	data := odfDoc(t, mtODP, body)
	if k := Detect(data); k != KindODP {
		t.Fatalf("Detect = %q", k)
	}
	checkText(t, extract(t, data).Text, `--- slide 1 ---
タイトル
お世話になっております。①㈱

--- notes ---
ノート

--- slide 2 ---
図形
A | B
`)
}

// TestODFActive: macros (Basic library, event handler), an OLE object, a
// remote image, a DDE connection and a linked section are reported.
func TestODFActive(t *testing.T) {
	body := `<office:text><text:dde-connection-decls><text:dde-connection-decl office:name="x" office:dde-application="cmd" office:dde-topic="/c calc" office:dde-item="x"/></text:dde-connection-decls>` +
		`<text:p>本文<draw:frame><draw:object-ole xlink:href="./Object 1"/></draw:frame><draw:frame><draw:image xlink:href="https://192.0.2.1/p.png"/></draw:frame><draw:frame><draw:image xlink:href="Pictures/1.png"/></draw:frame></text:p>` +
		`<text:section text:name="s"><text:section-source xlink:href="file:///etc/passwd"/></text:section>` +
		`<office:event-listeners><script:event-listener script:language="ooo:script" script:event-name="dom:load" xlink:href="vnd.sun.star.script:Standard.Module1.Main?language=Basic&amp;location=document"/></office:event-listeners>` +
		`</office:text>`
	data := odfDoc(t, mtODT, body, part{"Basic/Standard/Module1.xml", "<x/>"}, part{"Object 1", "ole"})
	res := extract(t, data)
	checkText(t, res.Text, "本文\n")
	checkRemoved(t, res.Removed, "DDE field", "OLE object", "external link", "macro (Basic)", "macro (event handler)", "remote image")
}

// TestODFEncrypted: a package whose manifest lists encryption data.
func TestODFEncrypted(t *testing.T) {
	data := makeZip(t,
		part{"mimetype", mtODT},
		part{"META-INF/manifest.xml", xmlHeader + `<manifest:manifest ` + nsManifestDecl + `><manifest:file-entry manifest:full-path="/" manifest:media-type="` + mtODT + `"/>` +
			`<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="1234"><manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" manifest:checksum="AAAA">` +
			`<manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" manifest:initialisation-vector="AAAA"/></manifest:encryption-data></manifest:file-entry></manifest:manifest>`},
		part{"content.xml", "\x8a\x01\x02 ciphertext"},
	)
	if k := Detect(data); k != KindODT {
		t.Fatalf("Detect = %q", k)
	}
	if _, err := Extract(context.Background(), data, "", Limits{}); !errors.Is(err, ErrEncrypted) {
		t.Fatalf("err = %v, want ErrEncrypted", err)
	}
}

// TestODSInvisibleRows: a cell whose text cleans to nothing (control
// characters only), repeated over every row, is an empty row: it costs
// nothing and writes nothing. (Found while fuzzing: such rows were once
// rendered a million times each.)
func TestODSInvisibleRows(t *testing.T) {
	body := `<office:spreadsheet><table:table table:name="S"><table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384"><text:p>&#x202E;&#xFEFF;</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>`
	start := time.Now()
	res := extract(t, odfDoc(t, mtODS, body))
	if res.Text != "" || time.Since(start) > 2*time.Second {
		t.Errorf("text %q after %v", res.Text, time.Since(start))
	}
}
