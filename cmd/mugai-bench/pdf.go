package main

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"sort"
	"strings"
	"unicode/utf8"
)

// pdfDoc writes a PDF 1.7 file the way office suites do: a page tree,
// Flate-compressed content streams, a Japanese Type0 font with
// Identity-H encoding and a ToUnicode CMap (so both mugai's reader and
// poppler's pdftotext extract real text), ruled tables and JPEG images.
// The font is not embedded, as with many PDFs made by Japanese
// municipalities' document systems; text extraction needs only ToUnicode.
type pdfDoc struct {
	w       *countWriter
	offsets []int64 // byte offset of object i+1
	pages   []int   // object numbers of the page objects
	used    map[rune]bool
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Fixed object numbers; pages and their content follow.
const (
	objCatalog = 1
	objPages   = 2
	objFont    = 3
	objCIDFont = 4
	objToUni   = 5
	objDesc    = 6
	objHelv    = 7
	firstFree  = 8
)

func newPDF(w io.Writer) *pdfDoc {
	d := &pdfDoc{w: &countWriter{w: w}, used: map[rune]bool{}}
	fmt.Fprint(d.w, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	d.offsets = make([]int64, firstFree-1)
	d.object(objFont, "<< /Type /Font /Subtype /Type0 /BaseFont /KozMinPr6N-Regular /Encoding /Identity-H "+
		"/DescendantFonts [4 0 R] /ToUnicode 5 0 R >>")
	d.object(objCIDFont, "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /KozMinPr6N-Regular "+
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 6 0 R /DW 1000 >>")
	d.object(objDesc, "<< /Type /FontDescriptor /FontName /KozMinPr6N-Regular /Flags 6 /FontBBox [-437 -340 1147 1317] "+
		"/ItalicAngle 0 /Ascent 1317 /Descent -349 /CapHeight 742 /StemV 80 >>")
	d.object(objHelv, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	return d
}

// toUnicodeCMap maps the codes used to their characters, one bfchar
// each, as producers that subset their fonts write it: the generator
// uses the code point as CID (BMP only).
func toUnicodeCMap(used map[rune]bool) string {
	codes := make([]int, 0, len(used))
	for r := range used {
		codes = append(codes, int(r))
	}
	sort.Ints(codes)
	var b strings.Builder
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for len(codes) > 0 {
		n := min(100, len(codes)) // at most 100 entries a section (PDF 32000-1 §9.10.3)
		fmt.Fprintf(&b, "%d beginbfchar\n", n)
		for _, c := range codes[:n] {
			fmt.Fprintf(&b, "<%04X> <%04X>\n", c, c)
		}
		b.WriteString("endbfchar\n")
		codes = codes[n:]
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.String()
}

func (d *pdfDoc) alloc() int {
	d.offsets = append(d.offsets, 0)
	return len(d.offsets)
}

func (d *pdfDoc) object(num int, body string) {
	d.offsets[num-1] = d.w.n
	fmt.Fprintf(d.w, "%d 0 obj\n%s\nendobj\n", num, body)
}

func (d *pdfDoc) stream(num int, dict string, data []byte, compress bool) {
	if compress {
		var z bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
		zw.Write(data)
		zw.Close()
		data = z.Bytes()
		dict += " /Filter /FlateDecode"
	}
	d.offsets[num-1] = d.w.n
	fmt.Fprintf(d.w, "%d 0 obj\n<< %s /Length %d >>\nstream\n", num, dict, len(data))
	d.w.Write(data)
	fmt.Fprint(d.w, "\nendstream\nendobj\n")
}

// image writes a JPEG image XObject and returns its object number.
func (d *pdfDoc) image(jpg []byte, w, h int) int {
	n := d.alloc()
	d.stream(n, fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode", w, h), jpg, false)
	return n
}

// page writes a page with its content stream. images maps resource
// names (Im1) to object numbers.
func (d *pdfDoc) page(content string, images map[string]int) {
	c := d.alloc()
	d.stream(c, "", []byte(content), true)
	var xo strings.Builder
	for name, obj := range images {
		fmt.Fprintf(&xo, " /%s %d 0 R", name, obj)
	}
	p := d.alloc()
	res := "/Font << /F1 3 0 R /F2 7 0 R >>"
	if xo.Len() > 0 {
		res += " /XObject <<" + xo.String() + " >>"
	}
	d.object(p, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << %s >> /Contents %d 0 R >>", res, c))
	d.pages = append(d.pages, p)
}

// finish writes the page tree, catalog, cross-reference table and trailer.
func (d *pdfDoc) finish(title string) error {
	var kids strings.Builder
	for _, p := range d.pages {
		fmt.Fprintf(&kids, "%d 0 R ", p)
	}
	d.object(objPages, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids.String(), len(d.pages)))
	d.object(objCatalog, "<< /Type /Catalog /Pages 2 0 R >>")
	d.stream(objToUni, "", []byte(toUnicodeCMap(d.used)), true)
	info := d.alloc()
	d.object(info, fmt.Sprintf("<< /Title <%s> /Producer (mugai bench) >>", utf16Hex(title)))
	xref := d.w.n
	fmt.Fprintf(d.w, "xref\n0 %d\n0000000000 65535 f \n", len(d.offsets)+1)
	for _, off := range d.offsets {
		fmt.Fprintf(d.w, "%010d 00000 n \n", off)
	}
	_, err := fmt.Fprintf(d.w, "trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(d.offsets)+1, info, xref)
	return err
}

// utf16Hex is s as a UTF-16BE text string with BOM, in hex.
func utf16Hex(s string) string {
	var b strings.Builder
	b.WriteString("FEFF")
	for _, r := range s {
		if r > 0xffff {
			r = 0xfffd
		}
		fmt.Fprintf(&b, "%04X", r)
	}
	return b.String()
}

// cidHex encodes s for the Identity-H font: one two-byte CID per
// character, the CID being the code point.
func (d *pdfDoc) cidHex(s string) string {
	var b strings.Builder
	b.Grow(4 * utf8.RuneCountInString(s))
	for _, r := range s {
		if r > 0xffff {
			r = 0x3013 // 〓, the geta mark used for missing glyphs
		}
		d.used[r] = true
		fmt.Fprintf(&b, "%04X", r)
	}
	return b.String()
}

// pageContent lays out a heading, paragraphs wrapped at cols characters
// and, every few pages, a ruled table, on an A4 page.
type pageWriter struct {
	d *pdfDoc
	b strings.Builder
	y float64
}

func (p *pageWriter) text(s string, x, size float64) {
	fmt.Fprintf(&p.b, "BT /F1 %.1f Tf %.1f %.1f Td <%s> Tj ET\n", size, x, p.y, p.d.cidHex(s))
	p.y -= size * 1.6
}

func (p *pageWriter) latin(s string, x, size float64) {
	fmt.Fprintf(&p.b, "BT /F2 %.1f Tf %.1f %.1f Td (%s) Tj ET\n", size, x, p.y, s)
	p.y -= size * 1.6
}

// wrap splits s into lines of at most cols characters (Japanese text has
// no spaces to break at; a full-width character is one column here).
func wrap(s string, cols int) []string {
	var lines []string
	r := []rune(s)
	for len(r) > cols {
		lines = append(lines, string(r[:cols]))
		r = r[cols:]
	}
	if len(r) > 0 {
		lines = append(lines, string(r))
	}
	return lines
}

// table draws a ruled table of rows × cols cells at the current position.
func (p *pageWriter) table(rows [][]string, colW float64) {
	h := 18.0
	top := p.y + 12
	for i, row := range rows {
		y := top - float64(i)*h
		for j, cell := range row {
			x := 60 + float64(j)*colW
			fmt.Fprintf(&p.b, "%.1f %.1f %.1f %.1f re S\n", x, y-h, colW, h)
			fmt.Fprintf(&p.b, "BT /F1 9 Tf %.1f %.1f Td <%s> Tj ET\n", x+4, y-13, p.d.cidHex(cell))
		}
	}
	p.y = top - float64(len(rows))*h - 20
}

// reportPDF writes a Japanese municipal report of the given number of
// pages. With scanned false, photos are figures: each is stored once and
// one is drawn every few pages. With scanned true, every page is an image
// of its own (a scanned page) with the text as an invisible-to-the-eye
// layer above it, like a scanner's OCR output.
func reportPDF(w io.Writer, pages int, photos [][]byte, pw, ph int, scanned bool, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 7))
	d := newPDF(w)
	var shared []int
	if !scanned {
		for _, ph0 := range photos {
			shared = append(shared, d.image(ph0, pw, ph))
		}
	}
	for n := 1; n <= pages; n++ {
		p := &pageWriter{d: d}
		images := map[string]int{}
		switch {
		case scanned && len(photos) > 0:
			images["Im1"] = d.image(photos[n%len(photos)], pw, ph)
			p.b.WriteString("q 595 0 0 842 0 0 cm /Im1 Do Q\n")
		case len(shared) > 0 && n%4 == 1:
			images["Im1"] = shared[(n/4)%len(shared)]
		}
		p.y = 790
		p.latin(fmt.Sprintf("- %d -", n), 280, 9)
		p.y = 760
		p.text(fmt.Sprintf("第%d章　%s", n, pick(rng, headings)), 60, 14)
		if !scanned && images["Im1"] != 0 {
			// A figure at half the text width.
			fmt.Fprintf(&p.b, "q 240 0 0 160 60 %.1f cm /Im1 Do Q\n", p.y-150)
			p.y -= 175
		}
		if n%3 == 0 {
			p.table(budgetTable(rng), 120)
		}
		for p.y > 80 {
			for _, line := range wrap(paragraph(rng, 3), 40) {
				if p.y <= 80 {
					break
				}
				p.text(line, 60, 10.5)
			}
			p.y -= 6
		}
		d.page(p.b.String(), images)
	}
	return d.finish("令和7年度 事業報告書")
}

// photo returns a JPEG of a smooth scene with noise, the size a scanned
// figure or a camera picture reduced for a report has.
func photo(w, h int, seed uint64, quality int) []byte {
	rng := rand.New(rand.NewPCG(seed, 11))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			n := rng.IntN(40)
			img.Set(x, y, color.RGBA{uint8((x*255/w + n) % 256), uint8((y*200/h + n) % 256), uint8(120 + n), 255})
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: quality})
	return b.Bytes()
}

func budgetTable(rng *rand.Rand) [][]string {
	rows := [][]string{{"事業名", "予算額（千円）", "執行額（千円）", "執行率"}}
	for i := 0; i < 5; i++ {
		b := 1000 + rng.IntN(90000)
		e := b * (50 + rng.IntN(50)) / 100
		rows = append(rows, []string{pick(rng, projects), fmt.Sprintf("%d", b), fmt.Sprintf("%d", e), fmt.Sprintf("%d%%", e*100/b)})
	}
	return rows
}
