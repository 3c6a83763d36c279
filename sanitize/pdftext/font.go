package pdftext

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Fonts turn the bytes of a shown string into glyphs: their Unicode text
// and advance width (ISO 32000-1 §9.6 simple fonts, §9.7 composite fonts,
// §9.10 extraction of text content).

type glyph struct {
	text  string
	w     float64 // advance in thousandths of text space (w0 or w1, §9.2.4)
	space bool    // single-byte code 32, which gets word spacing (§9.3.3)
}

type fontKind uint8

const (
	fontSimple fontKind = iota
	fontCID
)

// cidCoding tells how a composite font's codes are split and, without a
// ToUnicode map, read (§9.7.5.2, Table 118 predefined CMaps).
type cidCoding uint8

const (
	codingIdentity cidCoding = iota // two bytes, CID = code
	codingCMap                      // an embedded CMap stream
	codingUCS2                      // Uni*-UCS2-*: two-byte UCS-2 codes
	codingUTF16                     // Uni*-UTF16-*
	codingUTF8                      // Uni*-UTF8-*
	codingUTF32                     // Uni*-UTF32-*
	codingSJIS                      // *RKSJ-*: Shift-JIS byte structure
	codingEUC                       // other legacy CJK: high bit starts a two-byte code
)

type font struct {
	kind     fontKind
	vertical bool
	// sizeScale maps the font size to the glyphs' real size: 1, except for
	// Type 3 fonts, whose /FontMatrix need not be the usual 1/1000.
	sizeScale float64

	// Simple fonts: everything per one-byte code.
	text  [256]string
	width [256]float64

	// Composite fonts.
	coding cidCoding
	enc    *cmap // codingCMap
	toUni  *cmap
	widths []cidWidth
	dw     float64
	memo   map[uint32]glyph
	// Without a ToUnicode map: the character collection the CIDs belong
	// to (predefined.go), or the Unicode of each glyph of an embedded
	// TrueType font (truetype.go) with its CID → glyph id map.
	coll     *collection
	uniCID   map[rune]uint32 // a Unicode CMap's code → CID, built on first use
	gidText  map[uint16]string
	cidToGID []byte // CIDToGIDMap stream: two bytes per CID; nil: identity
}

type cidWidth struct {
	lo, hi uint32
	w      float64
}

// maxFontMemo bounds the per-font glyph cache.
const maxFontMemo = 1 << 16

// next decodes the glyph at the start of s and returns it with the number
// of bytes it used (at least 1).
func (f *font) next(s []byte) (glyph, int) {
	if f.kind == fontSimple {
		c := s[0]
		return glyph{text: f.text[c], w: f.width[c], space: c == ' '}, 1
	}
	n := f.codeLen(s)
	code := codeValue(s[:n])
	key := code | uint32(n-1)<<30 // codes of different lengths stay apart
	if n == 4 {
		key = code
	}
	if g, ok := f.memo[key]; ok {
		return g, n
	}
	g := f.cidGlyph(s[:n], code)
	if len(f.memo) < maxFontMemo {
		f.memo[key] = g
	}
	return g, n
}

func (f *font) codeLen(s []byte) int {
	switch f.coding {
	case codingIdentity, codingUCS2:
		return min(2, len(s))
	case codingUTF16:
		if len(s) >= 4 && s[0]&0xFC == 0xD8 {
			return 4
		}
		return min(2, len(s))
	case codingUTF32:
		return min(4, len(s))
	case codingUTF8:
		_, n := utf8.DecodeRune(s)
		return max(1, n)
	case codingSJIS:
		// Shift-JIS lead bytes (JIS X 0208 Annex 1): 0x81-0x9F, 0xE0-0xFC.
		if c := s[0]; (c >= 0x81 && c <= 0x9F || c >= 0xE0 && c <= 0xFC) && len(s) >= 2 {
			return 2
		}
		return 1
	case codingEUC:
		if s[0] >= 0x81 && len(s) >= 2 {
			return 2
		}
		return 1
	case codingCMap:
		return f.enc.codeLen(s)
	}
	return 1
}

func (f *font) cidGlyph(b []byte, code uint32) glyph {
	var g glyph
	text, ok := "", false
	if f.toUni != nil {
		text, ok = f.toUni.lookup(code)
	}
	if !ok {
		switch f.coding {
		case codingUCS2, codingUTF16:
			text = utf16Text(b)
		case codingUTF8:
			text = string(b)
			if !utf8.ValidString(text) {
				text = ""
			}
		case codingUTF32:
			if r := rune(code); utf8.ValidRune(r) {
				text = string(r)
			}
		}
	}
	g.space = len(b) == 1 && b[0] == ' '
	cid, known := code, true
	switch f.coding {
	case codingCMap:
		// A code the CMap does not map is the notdef character: its
		// code still picks a width, but it has no text.
		c, ok := f.enc.cid(code)
		if ok {
			cid = c
		}
		known = ok
	case codingIdentity:
	default:
		// A Unicode CMap: the CID (for the width) is the collection's
		// for the text.
		known = false
		if r, _ := utf8.DecodeRuneInString(text); f.coll != nil && text != "" {
			if f.uniCID == nil {
				f.uniCID = f.coll.inverse()
			}
			cid, known = f.uniCID[r]
		}
		if !known {
			cid = ^uint32(0) // unknown CID: the default width applies
		}
	}
	if !ok && text == "" && known {
		// §9.10.2: no ToUnicode map. The CID names a character of a
		// known collection, or a glyph of the embedded TrueType font,
		// whose own cmap says which character it draws.
		switch {
		case f.coll != nil:
			text = f.coll.text(cid)
		case f.gidText != nil:
			text = f.gidText[f.gid(cid)]
		}
	}
	g.text = cleanText(text)
	g.w = f.dw
	k := lastStarting(len(f.widths), func(i int) uint32 { return f.widths[i].lo }, cid)
	if k >= 0 && cid <= f.widths[k].hi {
		g.w = f.widths[k].w
	}
	if f.vertical {
		g.w = 1000 // §9.7.4.3: the default vertical metric DW2 is [880 -1000]
	}
	return g
}

// fontCache shares decoded fonts and CMaps across the pages of one
// document, keyed by object number.
type fontCache struct {
	fonts  map[uint32]*font
	cmaps  map[uint32]*cmap
	direct int // fonts built for direct (unreferenced) dictionaries
}

// maxDirectFonts bounds how many fonts without an object number are built
// (each may read a ToUnicode stream); after that such fonts decode nothing.
const maxDirectFonts = 4096

func (d *document) loadFont(fc *fontCache, o object) *font {
	if r, ok := o.(ref); ok {
		if f, ok := fc.fonts[r.num]; ok {
			return f
		}
		fc.fonts[r.num] = nil // a cycle through the font reads as no font
		f := d.buildFont(fc, d.dictOf(r))
		fc.fonts[r.num] = f
		return f
	}
	if fc.direct >= maxDirectFonts {
		return nil
	}
	fc.direct++
	return d.buildFont(fc, d.dictOf(o))
}

func (d *document) loadCMap(fc *fontCache, o object) *cmap {
	r, isRef := o.(ref)
	if isRef {
		if m, ok := fc.cmaps[r.num]; ok {
			return m
		}
		fc.cmaps[r.num] = nil
	}
	s, ok := d.resolve(o).(*stream)
	if !ok {
		return nil
	}
	data, err := d.decode(s)
	if err != nil {
		d.bud.note(err)
		return nil
	}
	m := parseCMap(data)
	if isRef {
		fc.cmaps[r.num] = m
	}
	return m
}

func (d *document) buildFont(fc *fontCache, fd dict) *font {
	if fd == nil {
		return nil
	}
	f := &font{sizeScale: 1}
	if d.nameOf(fd["Subtype"]) == "Type0" {
		d.buildCIDFont(fc, f, fd)
		return f
	}
	d.buildSimpleFont(fc, f, fd)
	return f
}

// baseFontName strips a subset tag ("ABCDEF+Helvetica", §9.6.4).
func baseFontName(n name) string {
	s := string(n)
	if len(s) > 7 && s[6] == '+' {
		s = s[7:]
	}
	return s
}

func familyOf(base string) stdFamily {
	b := strings.ToLower(base)
	switch {
	case strings.Contains(b, "courier") || strings.Contains(b, "mono"):
		return famCourier
	case strings.Contains(b, "symbol"):
		return famSymbol
	case strings.Contains(b, "times") || strings.Contains(b, "serif") && !strings.Contains(b, "sans"):
		return famTimes
	}
	return famHelvetica
}

// buildSimpleFont implements §9.6.6: a base encoding (the font's built-in
// one unless /Encoding names or gives another), modified by /Differences,
// and overridden code by code by /ToUnicode (§9.10.2, first method).
func (d *document) buildSimpleFont(fc *fontCache, f *font, fd dict) {
	f.kind = fontSimple
	base := baseFontName(d.nameOf(fd["BaseFont"]))
	fam := familyOf(base)
	var table *[256]rune
	switch {
	case fam == famSymbol:
		table = &symbolEncoding
	case strings.Contains(strings.ToLower(base), "dingbats"):
		table = nil // ZapfDingbats: pictures, not text
	default:
		table = &standardEncoding
	}
	var diffs array
	encObj := d.resolve(fd["Encoding"])
	pickBase := func(n name) {
		switch n {
		case "WinAnsiEncoding":
			table = &winAnsiEncoding
		case "MacRomanEncoding":
			table = &macRomanEncoding
		case "StandardEncoding":
			table = &standardEncoding
		case "PDFDocEncoding":
			table = &pdfDocEncoding
		}
	}
	switch e := encObj.(type) {
	case name:
		pickBase(e)
	case dict:
		pickBase(d.nameOf(e["BaseEncoding"]))
		diffs = d.arrayOf(e["Differences"])
	}
	if table != nil {
		for c := range 256 {
			if r := table[c]; r != 0 {
				f.text[c] = string(r)
			}
		}
	}
	// /Differences: a code followed by the names of consecutive codes.
	code := -1
	for _, x := range diffs {
		switch v := d.resolve(x).(type) {
		case int64:
			code = int(v)
		case float64:
			code = int(v)
		case name:
			if code >= 0 && code < 256 {
				if s := glyphText(string(v)); s != "" {
					f.text[code] = s
				}
			}
			code++
		}
	}
	if tu := fd["ToUnicode"]; tu != nil {
		if m := d.loadCMap(fc, tu); m != nil {
			for c := range 256 {
				if s, ok := m.lookup(uint32(c)); ok {
					f.text[c] = s
				}
			}
		}
	}
	for c := range f.text {
		f.text[c] = cleanText(f.text[c])
	}
	// Widths (§9.6.2.1): /FirstChar and /Widths, /MissingWidth in the
	// descriptor; the standard 14 fonts may omit them (§9.6.2.2).
	scale := 1.0
	type3 := d.nameOf(fd["Subtype"]) == "Type3"
	aspect := 1.0
	if type3 {
		// Type 3 widths are in glyph space, mapped to text space by
		// /FontMatrix (§9.6.5) rather than by the 1/1000 of other fonts.
		if fm := d.arrayOf(fd["FontMatrix"]); len(fm) >= 4 {
			a, _ := d.num(fm[0])
			dd, _ := d.num(fm[3])
			if a = math.Abs(a); a > 1e-6 && a < 10 {
				scale = a * 1000
				if r := math.Abs(dd) / a; r > 0.05 && r < 20 {
					aspect = r
				}
			}
		}
	}
	missing := 0.0
	if desc := d.dictOf(fd["FontDescriptor"]); desc != nil {
		missing, _ = d.num(desc["MissingWidth"])
	}
	widths := d.arrayOf(fd["Widths"])
	first, _ := asInt(d.resolve(fd["FirstChar"]))
	for c := range 256 {
		i := int64(c) - first
		switch {
		case widths != nil && i >= 0 && i < int64(len(widths)):
			w, _ := d.num(widths[i])
			f.width[c] = w * scale
		case widths != nil:
			f.width[c] = missing * scale
		default:
			r, _ := utf8.DecodeRuneInString(f.text[c])
			f.width[c] = stdWidth(fam, r)
		}
	}
	if type3 {
		f.sizeScale = type3Scale(f) * aspect
	}
}

// type3Scale estimates how large a Type 3 font's glyphs are for its font
// size: its glyph space is the font's own, so the font size alone does not
// say how wide a word space is. The estimate compares glyph widths with
// those of a usual font, as pdftotext does: an "m" is about 0.6 em wide,
// another letter or any glyph about 0.5. (The height of /FontBBox, used
// before, overstates the size of fonts with tall or loose boxes, and then
// word gaps read as no gap.)
func type3Scale(f *font) float64 {
	pick := func(ok func(string) bool, typical float64) (float64, bool) {
		for c := range 256 {
			if w := f.width[c] / 1000; w > 0 && ok(f.text[c]) {
				return w / typical, true
			}
		}
		return 0, false
	}
	isLetter := func(s string) bool {
		return len(s) == 1 && (s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z')
	}
	for _, try := range []struct {
		ok      func(string) bool
		typical float64
	}{
		{func(s string) bool { return s == "m" }, 0.6},
		{isLetter, 0.5},
		{func(s string) bool { return s != "" }, 0.5},
	} {
		if v, ok := pick(try.ok, try.typical); ok && v > 0.05 && v < 20 {
			return v
		}
	}
	return 1
}

// buildCIDFont implements §9.7 for Type0 fonts with one descendant.
func (d *document) buildCIDFont(fc *fontCache, f *font, fd dict) {
	f.kind = fontCID
	f.memo = map[uint32]glyph{}
	f.dw = 1000
	switch e := d.resolve(fd["Encoding"]).(type) {
	case name:
		f.coding, f.vertical = predefinedCoding(string(e))
		if m, coll := predefinedCMap(string(e)); m != nil {
			f.enc, f.coding, f.vertical, f.coll = m, codingCMap, m.vertical, coll
		} else {
			f.coll = unicodeCMapCollection(string(e))
		}
	case *stream:
		if m := d.loadCMap(fc, fd["Encoding"]); m != nil {
			f.enc = m
			f.coding = codingCMap
			f.vertical = m.vertical
			if base, coll := predefinedCMap(m.useName); base != nil && m.base == nil {
				// An embedded CMap that adds to a predefined one.
				m.base, f.coll = base, coll
				if len(m.spaces) == 0 {
					m.spaces = base.spaces
				}
				f.vertical = f.vertical || base.vertical
			}
			if len(m.spaces) == 0 {
				// A CMap that only says "usecmap /Identity-H".
				f.coding, _ = predefinedCoding(m.useName)
				if m.useName != "" && f.coding == codingCMap {
					f.coding = codingIdentity
				}
			}
		}
	}
	if tu := fd["ToUnicode"]; tu != nil {
		f.toUni = d.loadCMap(fc, tu)
	}
	desc := d.arrayOf(fd["DescendantFonts"])
	if len(desc) == 0 {
		return
	}
	cf := d.dictOf(desc[0])
	if cf == nil {
		return
	}
	if v, ok := d.num(cf["DW"]); ok {
		f.dw = v
	}
	if f.toUni == nil && f.coll == nil && f.coding == codingIdentity {
		// Identity-H: the CIDs are the collection's the descendant names
		// (§9.7.3, CIDSystemInfo), or glyph ids of an embedded TrueType
		// font (CIDFontType2 with an Identity ordering).
		info := d.dictOf(cf["CIDSystemInfo"])
		if reg, _ := d.resolve(info["Registry"]).(pdfString); string(reg) == "Adobe" {
			ord, _ := d.resolve(info["Ordering"]).(pdfString)
			f.coll = findCollection(string(ord))
		}
		if f.coll == nil && d.nameOf(cf["Subtype"]) == "CIDFontType2" {
			d.trueTypeGlyphs(f, cf)
		}
	}
	f.widths = d.parseW(d.arrayOf(cf["W"]))
	slices.SortStableFunc(f.widths, func(a, b cidWidth) int { return cmp.Compare(a.lo, b.lo) })
}

// maxWidthEntries bounds the ranges read from a /W array.
const maxWidthEntries = 1 << 16

// parseW reads a CIDFont /W array (§9.7.4.3): "c [w1 w2 ...]" or
// "cfirst clast w".
func (d *document) parseW(w array) []cidWidth {
	var out []cidWidth
	for i := 0; i < len(w) && len(out) < maxWidthEntries; {
		c, ok := asInt(d.resolve(w[i]))
		if !ok || c < 0 || i+1 >= len(w) {
			break
		}
		if list, ok := d.resolve(w[i+1]).(array); ok {
			for k, x := range list {
				if len(out) >= maxWidthEntries {
					break
				}
				v, _ := d.num(x)
				cc := uint32(c) + uint32(k)
				out = append(out, cidWidth{lo: cc, hi: cc, w: v})
			}
			i += 2
			continue
		}
		if i+2 >= len(w) {
			break
		}
		last, ok1 := asInt(d.resolve(w[i+1]))
		v, ok2 := d.num(w[i+2])
		if ok1 && ok2 && last >= c && last < 1<<32 {
			out = append(out, cidWidth{lo: uint32(c), hi: uint32(last), w: v})
		}
		i += 3
	}
	return out
}

// predefinedCoding maps the name of a predefined CMap (§9.7.5.2, Table
// 118) to how its codes are split and read.
func predefinedCoding(n string) (cidCoding, bool) {
	vertical := strings.HasSuffix(n, "-V")
	switch {
	case n == "Identity-H" || n == "Identity-V" || n == "":
		return codingIdentity, vertical
	case strings.Contains(n, "-UCS2-"):
		return codingUCS2, vertical
	case strings.Contains(n, "-UTF16-"):
		return codingUTF16, vertical
	case strings.Contains(n, "-UTF8-"):
		return codingUTF8, vertical
	case strings.Contains(n, "-UTF32-"):
		return codingUTF32, vertical
	case strings.Contains(n, "RKSJ"):
		return codingSJIS, vertical
	}
	return codingEUC, vertical
}

// unicodeCMapCollection is the collection of a Unicode predefined CMap
// (Table 118: UniJIS-…, UniGB-…, UniCNS-…, UniKS-…), whose CIDs give
// glyph widths.
func unicodeCMapCollection(n string) *collection {
	for prefix, ord := range map[string]string{"UniJIS": "Japan1", "UniGB": "GB1", "UniCNS": "CNS1", "UniKS": "Korea1"} {
		if strings.HasPrefix(n, prefix+"-") {
			return findCollection(ord)
		}
	}
	return nil
}

// glyphText maps a glyph name to Unicode following the Adobe Glyph List
// rules: drop a suffix after '.', split ligature components at '_', and
// read each as a known name, uniXXXX[XXXX...] or uXXXX[XX].
func glyphText(n string) string {
	if r, ok := glyphNames[n]; ok {
		return string(r)
	}
	if i := strings.IndexByte(n, '.'); i >= 0 {
		n = n[:i]
	}
	var sb strings.Builder
	for _, part := range strings.Split(n, "_") {
		if r, ok := glyphNames[part]; ok {
			sb.WriteRune(r)
			continue
		}
		switch {
		case strings.HasPrefix(part, "uni") && len(part) >= 7 && (len(part)-3)%4 == 0:
			for i := 3; i+4 <= len(part); i += 4 {
				v, err := strconv.ParseUint(part[i:i+4], 16, 32)
				if err != nil || (v >= 0xD800 && v <= 0xDFFF) {
					return sb.String()
				}
				sb.WriteRune(rune(v))
			}
		case strings.HasPrefix(part, "u") && len(part) >= 5 && len(part) <= 7:
			v, err := strconv.ParseUint(part[1:], 16, 32)
			if err == nil && utf8.ValidRune(rune(v)) {
				sb.WriteRune(rune(v))
			}
		}
	}
	return sb.String()
}
