package pdftext

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mugai/mugai/internal/testinput/pdftest"
)

// Generators of test documents. Each returns the PDF bytes; the text the
// reader should find is known from the input.

// genOpts are the file-level choices shared by the generators.
type genOpts struct {
	compress bool
	objStm   bool
	crypt    cryptMethod // 0: not encrypted
	userPw   string
}

func (o genOpts) writer() *pdfWriter {
	w := newPDFWriter()
	w.compress = o.compress || o.objStm
	w.objStm = o.objStm
	if o.crypt != cryptNone {
		w.encrypt(o.crypt, o.userPw)
	}
	return w
}

// Layout styles for Latin text, covering how real producers position text.
type latinStyle int

const (
	styleTj     latinStyle = iota // one Tj per line with spaces, T* between lines
	styleTJ                       // words in one TJ, spaces as -278 adjustments, kerning inside words
	styleWords                    // each word placed with its own Tm (no space characters)
	styleGlyphs                   // each glyph placed with its own Td (PDF printers)
	styleQuote                    // ' and " operators
)

var winAnsiOf = func() map[rune]byte {
	m := map[rune]byte{}
	for c, r := range winAnsiEncoding {
		if r != 0 {
			if _, ok := m[r]; !ok {
				m[r] = byte(c)
			}
		}
	}
	return m
}()

// winAnsi encodes s for a WinAnsiEncoding font; characters outside it
// become '?'.
func winAnsi(s string) string {
	var b strings.Builder
	for _, r := range s {
		if c, ok := winAnsiOf[r]; ok {
			b.WriteByte(c)
		} else {
			b.WriteByte('?')
		}
	}
	return b.String()
}

func helvWidth(c byte) float64 {
	if c >= 0x20 && c <= 0x7e {
		return float64(helveticaWidths[c-0x20])
	}
	return 556
}

func textWidth(s string, size float64) float64 {
	w := 0.0
	for i := 0; i < len(s); i++ {
		w += helvWidth(s[i])
	}
	return w / 1000 * size
}

// helveticaFont adds a Helvetica font with WinAnsiEncoding and /Widths.
func helveticaFont(w *pdfWriter) int {
	var ws strings.Builder
	for c := 32; c <= 255; c++ {
		fmt.Fprintf(&ws, "%d ", int(helvWidth(byte(c))))
	}
	return w.add(fmt.Sprintf("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /FirstChar 32 /LastChar 255 /Widths [%s] >>", ws.String()))
}

// addPages writes the page tree: contents[i] is the content stream of page
// i; fonts is the /Font resource dictionary's inside, inherited from the
// root. Pages are grouped in nodes of ten so that the tree has depth.
func addPages(w *pdfWriter, contents [][]byte, fonts string) {
	pagesNum := w.reserve()
	res := w.add(fmt.Sprintf("<< /Font << %s >> >>", fonts))
	nodes := make([]int, (len(contents)+9)/10)
	kids := make([][]string, len(nodes))
	for i := range nodes {
		nodes[i] = w.reserve()
	}
	for i, c := range contents {
		cs := w.addStream("", c)
		p := w.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R >>", nodes[i/10], cs))
		kids[i/10] = append(kids[i/10], fmt.Sprintf("%d 0 R", p))
	}
	var top []string
	for i, n := range nodes {
		w.set(n, fmt.Sprintf("<< /Type /Pages /Parent %d 0 R /Kids [%s] /Count %d >>", pagesNum, strings.Join(kids[i], " "), len(kids[i])))
		top = append(top, fmt.Sprintf("%d 0 R", n))
	}
	w.set(pagesNum, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d /Resources %d 0 R >>", strings.Join(top, " "), len(contents), res))
	w.root = w.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesNum))
}

// latinPage renders lines in one style.
func latinPage(lines []string, style latinStyle) []byte {
	var b bytes.Buffer
	const size = 11.0
	const lead = 14.0
	y := 760.0
	switch style {
	case styleTj, styleQuote:
		fmt.Fprintf(&b, "BT /F1 %g Tf %g TL 72 %g Td\n", size, lead, y)
		for i, l := range lines {
			switch {
			case i == 0:
				fmt.Fprintf(&b, "%s Tj\n", pdfLit(winAnsi(l)))
			case style == styleQuote && i%2 == 0:
				fmt.Fprintf(&b, "0 0 %s \"\n", pdfLit(winAnsi(l)))
			case style == styleQuote:
				fmt.Fprintf(&b, "%s '\n", pdfLit(winAnsi(l)))
			default:
				fmt.Fprintf(&b, "T* %s Tj\n", pdfLit(winAnsi(l)))
			}
		}
		b.WriteString("ET\n")
	case styleTJ:
		fmt.Fprintf(&b, "BT /F1 %g Tf\n", size)
		for i, l := range lines {
			fmt.Fprintf(&b, "1 0 0 1 72 %g Tm [", y-float64(i)*lead)
			for j, word := range strings.Fields(l) {
				if j > 0 {
					b.WriteString(" -278 ")
				}
				// Kern inside longer words, as a typesetter would.
				enc := winAnsi(word)
				if len(enc) > 4 {
					fmt.Fprintf(&b, "%s 35 %s", pdfLit(enc[:2]), pdfLit(enc[2:]))
				} else {
					b.WriteString(pdfLit(enc))
				}
			}
			b.WriteString("] TJ\n")
		}
		b.WriteString("ET\n")
	case styleWords:
		fmt.Fprintf(&b, "BT /F1 %g Tf\n", size)
		for i, l := range lines {
			x := 72.0
			for _, word := range strings.Fields(l) {
				enc := winAnsi(word)
				fmt.Fprintf(&b, "1 0 0 1 %.2f %g Tm %s Tj\n", x, y-float64(i)*lead, pdfLit(enc))
				x += textWidth(enc, size) + textWidth(" ", size)
			}
		}
		b.WriteString("ET\n")
	case styleGlyphs:
		fmt.Fprintf(&b, "BT /F1 %g Tf\n", size)
		for i, l := range lines {
			fmt.Fprintf(&b, "72 %g Td\n", y-float64(i)*lead)
			enc := winAnsi(l)
			x := 0.0
			for k := 0; k < len(enc); k++ {
				if enc[k] != ' ' {
					fmt.Fprintf(&b, "%s Tj\n", pdfLit(enc[k:k+1]))
				}
				adv := textWidth(enc[k:k+1], size)
				fmt.Fprintf(&b, "%.3f 0 Td\n", adv)
				x += adv
			}
			fmt.Fprintf(&b, "%.3f %g Td\n", -x-72, -(y - float64(i)*lead))
		}
		b.WriteString("ET\n")
	}
	return b.Bytes()
}

// latinDoc builds a document of Helvetica pages.
func latinDoc(pages [][]string, style latinStyle, o genOpts) []byte {
	w := o.writer()
	f := helveticaFont(w)
	contents := make([][]byte, len(pages))
	for i, p := range pages {
		st := style
		if style < 0 {
			st = latinStyle(i % 5)
		}
		contents[i] = latinPage(p, st)
	}
	addPages(w, contents, fmt.Sprintf("/F1 %d 0 R", f))
	return w.bytes()
}

// words is a vocabulary for generated prose, with accented words that
// WinAnsiEncoding carries.
var vocabulary = strings.Fields(`the municipal office received your request regarding
the annual budget meeting please find attached minutes agenda report council
residents water supply road maintenance schedule approval department finance
committee proposal amendment public notice deadline submission contract vendor
invoice payment tax revenue district school library hospital emergency response
café naïve Größe résumé façade coöperate Zürich São Paulo déjà vu
quarterly review infrastructure investment transport housing environment
energy efficiency program grant application citizen survey feedback results`)

// prose returns n lines of deterministic pseudo-random text.
func prose(seed, lines, wordsPerLine int) []string {
	x := uint32(seed*2654435761 + 1)
	out := make([]string, lines)
	for i := range out {
		ws := make([]string, wordsPerLine)
		for j := range ws {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			ws[j] = vocabulary[int(x%uint32(len(vocabulary)))]
		}
		if i%3 == 0 {
			ws[0] = strings.ToUpper(ws[0][:1]) + ws[0][1:]
		}
		out[i] = strings.Join(ws, " ")
	}
	return out
}

// proseDoc is a multi-page Latin document cycling through every style.
func proseDoc(pages int, o genOpts) []byte {
	ps := make([][]string, pages)
	for i := range ps {
		ps[i] = prose(i, 40, 9)
	}
	return latinDoc(ps, -1, o)
}

// shortProseDoc has ten lines a page, the density of a letter or a form.
func shortProseDoc(pages int, o genOpts) []byte {
	ps := make([][]string, pages)
	for i := range ps {
		ps[i] = prose(i, 10, 9)
	}
	return latinDoc(ps, -1, o)
}

// Japanese text for the composite-font documents, with CP932-era
// characters (①, ㈱) and full-width punctuation.
var japaneseLines = []string{
	"「お世話になっております」",
	"株式会社サンプル①　総務課の山田です。",
	"㈱テスト商事より見積書を送付いたします。",
	"令和６年度　予算要求書（第２版）",
	"ご確認のほど、よろしくお願いいたします。",
	"ABC 123 Mixed 半角 text",
}

// japaneseDoc renders lines with a Type0 font using Identity-H and a
// ToUnicode CMap that uses bfchar, bfrange with a string destination and
// bfrange with an array of destinations (§9.10.3). CIDs are assigned in
// order of first appearance. vertical uses Identity-V.
func japaneseDoc(lines []string, o genOpts, vertical bool) []byte {
	w := o.writer()
	cids := map[rune]int{}
	var order []rune
	for _, l := range lines {
		for _, r := range l {
			if _, ok := cids[r]; !ok {
				cids[r] = len(order) + 1
				order = append(order, r)
			}
		}
	}
	// Characters are grouped so that each ToUnicode form is exercised:
	// runs of consecutive code points (bfrange <lo> <hi> <dst>), a few in
	// array form, and the rest as bfchar.
	var chars, ranges, arrays []string
	for i := 0; i < len(order); {
		j := i
		for j+1 < len(order) && order[j+1] == order[j]+1 && (j+1-i) < 200 {
			j++
		}
		switch {
		case j > i:
			ranges = append(ranges, fmt.Sprintf("<%04X> <%04X> <%s>", i+1, j+1, utf16Hex(order[i])))
		case i%3 == 0 && i+2 < len(order):
			j = i + 2
			arrays = append(arrays, fmt.Sprintf("<%04X> <%04X> [<%s> <%s> <%s>]", i+1, j+1, utf16Hex(order[i]), utf16Hex(order[i+1]), utf16Hex(order[i+2])))
		default:
			chars = append(chars, fmt.Sprintf("<%04X> <%s>", i+1, utf16Hex(order[i])))
		}
		i = j + 1
	}
	var cm strings.Builder
	cm.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n")
	cm.WriteString("/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n")
	cm.WriteString("/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n")
	cm.WriteString("1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	if len(chars) > 0 {
		fmt.Fprintf(&cm, "%d beginbfchar\n%s\nendbfchar\n", len(chars), strings.Join(chars, "\n"))
	}
	all := append(ranges, arrays...)
	if len(all) > 0 {
		fmt.Fprintf(&cm, "%d beginbfrange\n%s\nendbfrange\n", len(all), strings.Join(all, "\n"))
	}
	cm.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	tu := w.addStream("", []byte(cm.String()))
	// Half-width glyphs for ASCII, full width for the rest.
	var wArr strings.Builder
	for i, r := range order {
		if r < 0x80 {
			fmt.Fprintf(&wArr, "%d [500] ", i+1)
		}
	}
	desc := w.add("<< /Type /FontDescriptor /FontName /MS-Mincho /Flags 4 /FontBBox [0 -141 1000 859] /ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 769 /StemV 80 >>")
	cidNum := w.reserve()
	w.set(cidNum, fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /MS-Mincho /CIDSystemInfo << /Registry %s /Ordering %s /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 /W [%s] >>",
		w.lit(cidNum, "Adobe"), w.lit(cidNum, "Identity"), desc, wArr.String()))
	encName := "Identity-H"
	if vertical {
		encName = "Identity-V"
	}
	f0 := w.add(fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /MS-Mincho /Encoding /%s /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", encName, cidNum, tu))
	var b bytes.Buffer
	b.WriteString("BT /F0 12 Tf\n")
	for i, l := range lines {
		if vertical {
			fmt.Fprintf(&b, "1 0 0 1 %g 760 Tm ", 540-float64(i)*18)
		} else {
			fmt.Fprintf(&b, "1 0 0 1 72 %g Tm ", 760-float64(i)*18)
		}
		// Alternate Tj with hex codes and TJ with small adjustments.
		if i%2 == 0 {
			b.WriteString("<")
			for _, r := range l {
				fmt.Fprintf(&b, "%04X", cids[r])
			}
			b.WriteString("> Tj\n")
		} else {
			b.WriteString("[")
			for k, r := range []rune(l) {
				if k > 0 && k%4 == 0 {
					b.WriteString(" 20 ")
				}
				fmt.Fprintf(&b, "<%04X>", cids[r])
			}
			b.WriteString("] TJ\n")
		}
	}
	b.WriteString("ET\n")
	addPages(w, [][]byte{b.Bytes()}, fmt.Sprintf("/F0 %d 0 R", f0))
	return w.bytes()
}

func utf16Hex(r rune) string {
	if r >= 0x10000 {
		r -= 0x10000
		return fmt.Sprintf("%04X%04X", 0xD800+(r>>10), 0xDC00+(r&0x3FF))
	}
	return fmt.Sprintf("%04X", r)
}

// lzwDoc has its page content LZW-encoded with the default EarlyChange.
func lzwDoc() []byte {
	lines := prose(7, 40, 9)
	objs := pdftest.OnePage("")
	objs[3] = pdftest.Stream("/Filter /LZWDecode", lzwEncodeEarly(latinPage(lines, styleTJ)))
	return pdftest.Assemble(objs, "/Root 1 0 R")
}

// rawDoc builds a one-page document from a content stream and extra font
// and catalog entries, for the tests of single features.
func rawDoc(content string, fontDict string, o genOpts) []byte {
	w := o.writer()
	f := w.add(fontDict)
	addPages(w, [][]byte{[]byte(content)}, fmt.Sprintf("/F1 %d 0 R", f))
	return w.bytes()
}

// deflateRepeat returns zlib data that inflates to n copies of b without
// holding them in memory.
func deflateRepeat(b []byte, n int) []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	chunk := bytes.Repeat(b, max(1, (1<<20)/len(b)))
	for written := 0; written < n; written += (1 << 20) / len(b) {
		zw.Write(chunk)
	}
	zw.Close()
	return z.Bytes()
}

// runeCount is for table output.
func runeCount(s string) int { return utf8.RuneCountInString(s) }
