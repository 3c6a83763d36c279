package office

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// Benchmark documents: about 10 MB of markup with Japanese business text
// in each format, varied enough (words drawn by a seeded generator) that
// the files compress about as real ones do. b.SetBytes is the size of the
// file (what arrives as an attachment); "xml-MB/s" is the uncompressed
// markup (or RTF) read per second of wall time, and "cpu-xml-MB/s" the
// same per second of process CPU time, which stays meaningful on a busy
// machine.

var benchWords = strings.Fields(`お世話になっております 株式会社 サンプル 山田 見積書 送付 いたします ご確認 よろしく お願い 申し上げます
	請求書 納品 期日 令和 年 月 日 担当 総務部 企画課 ①  ② ③ ㈱ ㈲ 金額 税込 合計 数量 単価 備考 会議 資料 議事録 決定 事項
	次回 予定 東京都 千代田区 大阪府 市役所 庁舎 住民 手続き 申請 受付 窓口 案内 令和6年度 予算 執行 報告 について の は を に が と で`)

// benchText returns n words of pseudo-random text (deterministic).
func benchText(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(benchWords[r.IntN(len(benchWords))])
		if r.IntN(4) == 0 {
			fmt.Fprintf(&b, "%d", r.IntN(100000))
		}
	}
	return b.String()
}

func benchRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

func benchDocx(b *testing.B) ([]byte, int) {
	r := benchRand()
	var body strings.Builder
	for i := 0; body.Len() < 10<<20; i++ {
		body.WriteString(`<w:p><w:pPr><w:pStyle w:val="Normal"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:rFonts w:hint="eastAsia"/></w:rPr><w:t>`)
		fmt.Fprintf(&body, "第%d条 %s", i, benchText(r, 20))
		body.WriteString(`</w:t></w:r></w:p>`)
		if i%50 == 0 {
			body.WriteString(`<w:tbl><w:tr><w:tc>` + wp("品名") + `</w:tc><w:tc>` + wp("1,000円") + `</w:tc></w:tr></w:tbl>`)
		}
	}
	return wordDoc(b, ctDocx, body.String(), nil), body.Len()
}

func benchXlsx(b *testing.B) ([]byte, int) {
	r := benchRand()
	var rows strings.Builder
	for i := 1; rows.Len() < 10<<20; i++ {
		fmt.Fprintf(&rows, `<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d"><v>%d</v></c><c r="C%d" s="1"><v>%d</v></c><c r="D%d" t="inlineStr"><is><t>%s</t></is></c></row>`,
			i, i, r.IntN(4), i, r.IntN(1000000), i, 40000+r.IntN(8000), i, benchText(r, 3))
	}
	return workbook(b, ctXlsx, [][3]string{{"見積", "", rows.String()}}, nil), rows.Len()
}

func benchPptx(b *testing.B) ([]byte, int) {
	r := benchRand()
	parts := []part{contentTypes("ppt/presentation.xml", ctPptx), rels("_rels/.rels", "rId1 officeDocument ppt/presentation.xml")}
	var ids, rs []string
	size := 0
	for i := 1; size < 10<<20; i++ {
		id := fmt.Sprintf("rId%d", i)
		ids = append(ids, fmt.Sprintf(`<p:sldId id="%d" r:id="%s"/>`, 255+i, id))
		rs = append(rs, fmt.Sprintf("%s slide slides/slide%d.xml", id, i))
		var sh strings.Builder
		for j := 0; j < 20; j++ {
			sh.WriteString(shape("body", ap(fmt.Sprintf("スライド%dの項目%d: %s", i, j, benchText(r, 6)))))
		}
		s := slideXML("", shape("title", ap("会議資料"))+sh.String())
		size += len(s)
		parts = append(parts, part{fmt.Sprintf("ppt/slides/slide%d.xml", i), s})
	}
	parts = append(parts,
		part{"ppt/presentation.xml", `<p:presentation ` + nsPML + `><p:sldIdLst>` + strings.Join(ids, "") + `</p:sldIdLst></p:presentation>`},
		rels("ppt/_rels/presentation.xml.rels", rs...))
	return makeZip(b, parts...), size
}

func benchODT(b *testing.B) ([]byte, int) {
	r := benchRand()
	var body strings.Builder
	body.WriteString(`<office:text>`)
	for i := 0; body.Len() < 10<<20; i++ {
		fmt.Fprintf(&body, `<text:p text:style-name="P1">第%d条 %s<text:span text:style-name="T1">%s</text:span>%s<text:s text:c="2"/>①㈱</text:p>`,
			i, benchText(r, 8), benchText(r, 3), benchText(r, 8))
	}
	body.WriteString(`</office:text>`)
	return odfDoc(b, mtODT, body.String()), body.Len()
}

func benchODS(b *testing.B) ([]byte, int) {
	r := benchRand()
	var body strings.Builder
	body.WriteString(`<office:spreadsheet><table:table table:name="見積">`)
	for i := 0; body.Len() < 10<<20; i++ {
		v := r.IntN(1000000)
		fmt.Fprintf(&body, `<table:table-row><table:table-cell office:value-type="string"><text:p>%s</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="%d"><text:p>%d</text:p></table:table-cell><table:table-cell table:number-columns-repeated="3"/><table:table-cell><text:p>%s</text:p></table:table-cell></table:table-row>`,
			benchText(r, 2), v, v, benchText(r, 3))
	}
	body.WriteString(`</table:table></office:spreadsheet>`)
	return odfDoc(b, mtODS, body.String()), body.Len()
}

func benchRTF(b *testing.B) ([]byte, int) {
	r := benchRand()
	var s strings.Builder
	s.WriteString(`{\rtf1\ansi\ansicpg932\deff0{\fonttbl{\f0\fnil\fcharset128 MS Mincho;}}\uc2 `)
	for s.Len() < 10<<20 {
		s.WriteString(sjis(b, benchText(r, 10)) + `\par ` + uni(benchText(r, 5), `\'81\'48`) + `\par` + "\r\n")
	}
	s.WriteString("}")
	return []byte(s.String()), s.Len()
}

func BenchmarkExtract(b *testing.B) {
	for _, bc := range []struct {
		name string
		make func(*testing.B) ([]byte, int)
	}{{"docx", benchDocx}, {"xlsx", benchXlsx}, {"pptx", benchPptx}, {"odt", benchODT}, {"ods", benchODS}, {"rtf", benchRTF}} {
		b.Run(bc.name, func(b *testing.B) {
			data, markup := bc.make(b)
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			cpu := processCPU()
			for b.Loop() {
				res, err := Extract(context.Background(), data, "", Limits{})
				if err != nil || res.Truncated || res.Text == "" {
					b.Fatalf("err=%v truncated=%v", err, res.Truncated)
				}
			}
			perOp := func(d time.Duration) float64 { return float64(markup) / (1 << 20) / (d.Seconds() / float64(b.N)) }
			b.ReportMetric(perOp(b.Elapsed()), "xml-MB/s")
			if cpu := processCPU() - cpu; cpu > 0 {
				b.ReportMetric(perOp(cpu), "cpu-xml-MB/s")
			}
		})
	}
}
