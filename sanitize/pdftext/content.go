package pdftext

import (
	"bytes"
	"math"
)

// A small interpreter for content streams (ISO 32000-1 §7.8.2, §8 and §9):
// it tracks the graphics state, text state and text matrices, and turns the
// text-showing operators into positioned glyphs for textOut. Paths, colours,
// images and shading are skipped. pdf.Interpret from ledongthuc/pdf is not
// used: it tokenizes inline image data as if it were operators, allocates
// per value, and panics on odd operands, while this reader must skip
// binary data, stay linear and keep going.

// matrix is [a b c d e f] (§8.3.3); points are row vectors, p' = p × M.
type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2],
		m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2],
		m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4],
		m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

// gstate holds the parts of the graphics state (§8.4.1) and text state
// (§9.3.1) that position text; q and Q save and restore them together.
type gstate struct {
	ctm      matrix
	font     *font
	fontSize float64
	tc, tw   float64 // character and word spacing
	th       float64 // horizontal scaling, 1 = 100%
	tl       float64 // leading
	rise     float64
}

// operand is one value on the content stream's operand stack. Strings and
// names alias the interpreter's arena, arrays its elems; both are reset at
// every operator, so steady-state interpretation does not allocate.
type operand struct {
	kind   tokKind
	num    float64
	b      []byte
	lo, hi int    // tokArrayOpen: elems[lo:hi]
	obj    object // tokDictOpen: the parsed dictionary
}

const (
	maxOperands   = 64   // no operator takes more; junk beyond is dropped
	maxGStack     = 1024 // q nesting
	maxFormDepth  = 16   // Form XObjects within Form XObjects
	formCallCost  = 256  // bytes charged to TotalBytes for each Do of a form
	checkInterval = 4096 // operators between checks of the output budget
)

type interp struct {
	d   *document
	fc  *fontCache
	out *textOut

	gs      gstate
	gstack  []gstate
	qDepth  int // q operators beyond maxGStack, still to be matched by Q
	tm, tlm matrix

	ops   []operand
	arena []byte
	elems []operand

	forms    []uint32 // Form XObjects being run, to break cycles
	formData map[uint32][]byte

	// Marked content (§14.6) with /ActualText (§14.9.4): the glyphs inside
	// are replaced by the text.
	mc []markedContent

	// seam: the stream being run is a part of a page's contents that
	// another part follows; run then stops before an operator that ends
	// the data exactly (it may go on in the next part) and leaves in tail
	// where the bytes after the last operator it ran begin.
	seam bool
	tail int
}

type markedContent struct {
	actual    string
	hasActual bool
	drawn     bool
	x, y      float64
	dx, dy    float64
	size      float64
	start     float64 // along-baseline position of the first glyph
	end       float64
}

func newInterp(d *document, fc *fontCache, out *textOut) *interp {
	return &interp{d: d, fc: fc, out: out, formData: map[uint32][]byte{}}
}

// runPage interprets the content streams of one page.
func (in *interp) runPage(contents object, res dict) error {
	in.gs = gstate{ctm: identity, th: 1}
	in.gstack = in.gstack[:0]
	in.qDepth = 0
	in.tm, in.tlm = identity, identity
	in.mc = in.mc[:0]
	var parts []object
	switch c := in.d.resolve(contents).(type) {
	case *stream:
		parts = []object{c}
	case array:
		parts = c
	}
	// §7.8.2: an array of streams is read as their concatenation. The
	// standard wants the division at token boundaries, but writers split
	// in the middle of a token too ("(Hel" | "lo) Tj", "1" | "2 Tf"), and
	// pdftotext reads on across the seam. So the bytes after a part's last
	// operator — the operands pushed since, or a token cut short — are not
	// run but carried over and read again in front of the next part
	// (bounded by maxCarry; a longer tail is run as it is).
	in.ops = in.ops[:0]
	var carry []byte
	for i, p := range parts {
		if err := in.d.bud.check(); err != nil {
			return err
		}
		s, ok := in.d.resolve(p).(*stream)
		if !ok {
			continue
		}
		data, err := in.d.decode(s)
		if err != nil {
			if isLimit(err) {
				return err
			}
			continue // a damaged stream loses its own text only
		}
		if len(carry) > 0 {
			data = append(carry, data...)
		}
		in.seam = i < len(parts)-1
		err = in.run(data, res, false)
		carry = nil
		if in.seam {
			if tail := data[in.tail:]; len(tail) <= maxCarry {
				carry = append([]byte(nil), tail...)
				in.ops = in.ops[:0]
			} else if err == nil {
				err = in.run(tail, res, false)
			}
		}
		in.seam = false
		if err != nil {
			return err
		}
		if in.out.full {
			return nil
		}
	}
	return nil
}

// maxCarry bounds the bytes carried from one part of a page's contents to
// the next.
const maxCarry = 64 << 10

// run interprets one content stream with the given resources.
func (in *interp) run(data []byte, res dict, resetOps bool) error {
	l := lexer{data: data}
	if resetOps {
		in.ops = in.ops[:0]
	}
	seam := in.seam
	in.seam = false // a Form XObject run from here is whole
	defer func() { in.seam = seam }()
	in.tail = 0
	nops := 0
	for {
		t := l.next()
		switch t.kind {
		case tokEOF:
			return nil
		case tokInt, tokReal:
			in.push(operand{kind: t.kind, num: t.num})
		case tokName, tokString:
			start := len(in.arena)
			in.arena = append(in.arena, t.text...)
			in.push(operand{kind: t.kind, b: in.arena[start:len(in.arena):len(in.arena)]})
		case tokArrayOpen:
			in.push(in.readArray(&l))
		case tokDictOpen:
			p := parser{lex: l}
			o, err := p.dict(1)
			l.pos = p.lex.pos
			if err != nil {
				o = nil
			}
			in.push(operand{kind: tokDictOpen, obj: o})
		case tokArrayClose, tokDictClose, tokBraceOpen, tokBraceClose:
			// stray delimiters: ignore
		case tokKeyword:
			if seam && l.pos == len(data) {
				// "T" | "j": the keyword may go on in the next part, which
				// reads it again with its operands.
				return nil
			}
			if err := in.op(t.text, &l, res); err != nil {
				return err
			}
			if seam {
				in.tail = l.pos
			}
			in.ops = in.ops[:0]
			in.arena = in.arena[:0]
			in.elems = in.elems[:0]
			nops++
			if nops%checkInterval == 0 {
				if in.out.full {
					return nil
				}
				if err := in.d.bud.check(); err != nil {
					return err
				}
			}
			if in.out.full {
				return nil
			}
		}
	}
}

func (in *interp) push(o operand) {
	if len(in.ops) >= maxOperands {
		in.ops = in.ops[:0]
	}
	in.ops = append(in.ops, o)
}

// readArray reads an array operand (TJ's argument) into elems. Nested
// arrays and dictionaries are skipped.
func (in *interp) readArray(l *lexer) operand {
	lo := len(in.elems)
	depth := 1
	for depth > 0 {
		t := l.next()
		switch t.kind {
		case tokEOF:
			depth = 0
		case tokArrayOpen, tokDictOpen:
			depth++
		case tokArrayClose, tokDictClose:
			depth--
		case tokInt, tokReal:
			if depth == 1 {
				in.elems = append(in.elems, operand{kind: t.kind, num: t.num})
			}
		case tokString:
			if depth == 1 {
				start := len(in.arena)
				in.arena = append(in.arena, t.text...)
				in.elems = append(in.elems, operand{kind: tokString, b: in.arena[start:len(in.arena):len(in.arena)]})
			}
		case tokKeyword:
			// An operator inside an array means the "]" is missing; give
			// the keyword back and end the array.
			l.pos -= len(t.text)
			depth = 0
		}
	}
	return operand{kind: tokArrayOpen, lo: lo, hi: len(in.elems)}
}

// num returns operand i of n (counted from the bottom of the operands this
// operator uses), or 0.
func (in *interp) num(n, i int) float64 {
	k := len(in.ops) - n + i
	if k < 0 || k >= len(in.ops) {
		return 0
	}
	if o := in.ops[k]; o.kind == tokInt || o.kind == tokReal {
		if math.IsNaN(o.num) || math.IsInf(o.num, 0) {
			return 0
		}
		return o.num
	}
	return 0
}

func (in *interp) last() (operand, bool) {
	if len(in.ops) == 0 {
		return operand{}, false
	}
	return in.ops[len(in.ops)-1], true
}

func (in *interp) matrixArgs() matrix {
	return matrix{in.num(6, 0), in.num(6, 1), in.num(6, 2), in.num(6, 3), in.num(6, 4), in.num(6, 5)}
}

func (in *interp) op(kw []byte, l *lexer, res dict) error {
	switch string(kw) {
	case "q":
		if len(in.gstack) < maxGStack {
			in.gstack = append(in.gstack, in.gs)
		} else {
			in.qDepth++
		}
	case "Q":
		if in.qDepth > 0 {
			in.qDepth--
		} else if n := len(in.gstack); n > 0 {
			in.gs = in.gstack[n-1]
			in.gstack = in.gstack[:n-1]
		}
	case "cm":
		in.gs.ctm = in.matrixArgs().mul(in.gs.ctm)
	case "BT":
		in.tm, in.tlm = identity, identity
	case "ET":
	case "Tc":
		in.gs.tc = in.num(1, 0)
	case "Tw":
		in.gs.tw = in.num(1, 0)
	case "Tz":
		in.gs.th = in.num(1, 0) / 100
	case "TL":
		in.gs.tl = in.num(1, 0)
	case "Ts":
		in.gs.rise = in.num(1, 0)
	case "Tf":
		in.gs.fontSize = in.num(1, 0)
		if len(in.ops) >= 2 && in.ops[len(in.ops)-2].kind == tokName {
			in.setFont(res, in.ops[len(in.ops)-2].b)
		}
	case "Td":
		in.moveLine(in.num(2, 0), in.num(2, 1))
	case "TD":
		in.gs.tl = -in.num(2, 1)
		in.moveLine(in.num(2, 0), in.num(2, 1))
	case "Tm":
		in.tm = in.matrixArgs()
		in.tlm = in.tm
	case "T*":
		in.moveLine(0, -in.gs.tl)
	case "Tj":
		if o, ok := in.last(); ok && o.kind == tokString {
			in.show(o.b)
		}
	case "'":
		in.moveLine(0, -in.gs.tl)
		if o, ok := in.last(); ok && o.kind == tokString {
			in.show(o.b)
		}
	case "\"":
		in.gs.tw = in.num(3, 0)
		in.gs.tc = in.num(3, 1)
		in.moveLine(0, -in.gs.tl)
		if o, ok := in.last(); ok && o.kind == tokString {
			in.show(o.b)
		}
	case "TJ":
		if o, ok := in.last(); ok && o.kind == tokArrayOpen {
			for _, e := range in.elems[o.lo:o.hi] {
				if e.kind == tokString {
					in.show(e.b)
				} else {
					in.adjust(e.num)
				}
			}
		}
	case "Do":
		if o, ok := in.last(); ok && o.kind == tokName {
			return in.doXObject(res, o.b)
		}
	case "gs":
		if o, ok := in.last(); ok && o.kind == tokName {
			in.extGState(res, o.b)
		}
	case "BI":
		skipInlineImage(l)
	case "BMC":
		in.mc = append(in.mc, markedContent{})
	case "BDC":
		in.beginMarked(res)
	case "EMC":
		in.endMarked()
	}
	return nil
}

func (in *interp) setFont(res dict, n []byte) {
	in.gs.font = nil
	fonts := in.d.dictOf(res["Font"])
	if fonts == nil {
		return
	}
	o, ok := fonts[name(n)]
	if !ok {
		return
	}
	in.gs.font = in.d.loadFont(in.fc, o)
}

// extGState applies the /Font entry of a graphics state parameter
// dictionary (§8.4.5, Table 58).
func (in *interp) extGState(res dict, n []byte) {
	gsd := in.d.dictOf(in.d.dictOf(res["ExtGState"])[name(n)])
	if gsd == nil {
		return
	}
	if fa := in.d.arrayOf(gsd["Font"]); len(fa) == 2 {
		in.gs.font = in.d.loadFont(in.fc, fa[0])
		in.gs.fontSize, _ = in.d.num(fa[1])
	}
}

// moveLine implements Td (§9.4.2): a new line start offset from the
// current one.
func (in *interp) moveLine(tx, ty float64) {
	in.tlm = matrix{1, 0, 0, 1, tx, ty}.mul(in.tlm)
	in.tm = in.tlm
}

// adjust applies a number of a TJ array (§9.4.3): it moves the next glyph
// by -n/1000 of the font size, horizontally or, in vertical writing,
// vertically.
func (in *interp) adjust(n float64) {
	fs := in.gs.fontSize
	if f := in.gs.font; f != nil && f.vertical {
		ty := -n / 1000 * fs
		in.tm[4] += ty * in.tm[2]
		in.tm[5] += ty * in.tm[3]
		return
	}
	tx := -n / 1000 * fs * in.gs.th
	in.tm[4] += tx * in.tm[0]
	in.tm[5] += tx * in.tm[1]
}

// show draws a string (§9.4.3, §9.4.4): for each glyph, its origin in
// device space is (0, rise) × Tm × CTM, and Tm then advances by the glyph's
// width plus character and word spacing.
func (in *interp) show(s []byte) {
	f := in.gs.font
	if f == nil {
		// No font selected: nothing can be decoded; keep the position.
		return
	}
	fs := in.gs.fontSize
	m := in.tm.mul(in.gs.ctm)
	scaleX := math.Hypot(m[0], m[1])
	scaleY := math.Hypot(m[2], m[3])
	size := math.Abs(fs) * scaleY * f.sizeScale
	if f.vertical {
		size = math.Abs(fs) * scaleX * f.sizeScale
	}
	var dx, dy float64
	if f.vertical {
		// Vertical writing advances down the text space y axis.
		if scaleY > 0 {
			dx, dy = -m[2]/scaleY, -m[3]/scaleY
		}
	} else if scaleX > 0 {
		dx, dy = m[0]/scaleX, m[1]/scaleX
		if fs < 0 {
			dx, dy = -dx, -dy
		}
	}
	for len(s) > 0 {
		g, n := f.next(s)
		s = s[n:]
		x := m[4] + in.gs.rise*m[2]
		y := m[5] + in.gs.rise*m[3]
		// adv is how far the glyph reaches along the baseline: its own
		// width for a visible glyph, so that character spacing (Tc) shows
		// as a gap; the whole pen advance for a space, whose width is the
		// gap. (Producers justify with Tc, and with a negative Tw that
		// makes a space character all but vanish.)
		var adv float64
		if f.vertical {
			ty := g.w / 1000 * fs
			adv = ty * scaleY
			in.tm[4] -= ty * in.tm[2]
			in.tm[5] -= ty * in.tm[3]
			m[4] -= ty * m[2]
			m[5] -= ty * m[3]
		} else {
			w := g.w / 1000 * fs
			tx := w + in.gs.tc
			if g.space {
				tx += in.gs.tw
			}
			tx *= in.gs.th
			adv = w * in.gs.th * scaleX
			if g.space || isSpaceText(g.text) {
				adv = tx * scaleX
			}
			if fs < 0 {
				adv = -adv
			}
			in.tm[4] += tx * in.tm[0]
			in.tm[5] += tx * in.tm[1]
			m[4] += tx * m[0]
			m[5] += tx * m[1]
		}
		if k := len(in.mc); k > 0 && in.mc[k-1].hasActual {
			in.mc[k-1].note(x, y, dx, dy, adv, size)
			continue
		}
		in.out.glyph(g.text, x, y, dx, dy, adv, size)
	}
}

func (mc *markedContent) note(x, y, dx, dy, adv, size float64) {
	along := x*dx + y*dy
	if !mc.drawn {
		mc.drawn = true
		mc.x, mc.y, mc.dx, mc.dy, mc.size = x, y, dx, dy, size
		mc.start = along
	}
	mc.end = along + adv
}

// beginMarked handles BDC: the properties are an inline dictionary or a
// name in the /Properties resource (§14.6.2).
func (in *interp) beginMarked(res dict) {
	mc := markedContent{}
	if o, ok := in.last(); ok {
		var props dict
		switch o.kind {
		case tokDictOpen:
			props, _ = o.obj.(dict)
		case tokName:
			props = in.d.dictOf(in.d.dictOf(res["Properties"])[name(o.b)])
		}
		if s, ok := in.d.resolve(props["ActualText"]).(pdfString); ok {
			mc.actual = textString([]byte(s))
			mc.hasActual = true
		}
	}
	// Nested ActualText: the outer one wins, so the inner is ignored.
	for _, outer := range in.mc {
		if outer.hasActual {
			mc.hasActual = false
		}
	}
	if len(in.mc) < maxGStack {
		in.mc = append(in.mc, mc)
	}
}

func (in *interp) endMarked() {
	n := len(in.mc)
	if n == 0 {
		return
	}
	mc := in.mc[n-1]
	in.mc = in.mc[:n-1]
	if mc.hasActual && mc.drawn {
		in.out.glyph(cleanText(mc.actual), mc.x, mc.y, mc.dx, mc.dy, mc.end-mc.start, mc.size)
	}
}

// doXObject runs a Form XObject (§8.10) with its own resources and matrix;
// images are skipped. Each form's decoded data is kept for reuse, and every
// run is charged to TotalBytes, which bounds forms that call each other
// many times over.
func (in *interp) doXObject(res dict, n []byte) error {
	xo := in.d.dictOf(res["XObject"])
	if xo == nil {
		return nil
	}
	o := xo[name(n)]
	s, ok := in.d.resolve(o).(*stream)
	if !ok || in.d.nameOf(s.hdr["Subtype"]) != "Form" {
		return nil
	}
	return in.runForm(o, s, res)
}

// runForm runs a form's stream s (o is how it was named: a reference
// when it has an object number) with its own resources and matrix.
func (in *interp) runForm(o object, s *stream, res dict) error {
	r, isRef := o.(ref)
	if len(in.forms) >= maxFormDepth {
		return nil
	}
	if isRef {
		for _, f := range in.forms {
			if f == r.num {
				return nil // a form that draws itself
			}
		}
	}
	var data []byte
	if isRef {
		if cached, ok := in.formData[r.num]; ok {
			data = cached
			if err := in.d.bud.charge(int64(len(data)) + formCallCost); err != nil {
				return err
			}
		}
	}
	if data == nil {
		var err error
		data, err = in.d.decode(s)
		if err != nil {
			if isLimit(err) {
				return err
			}
			return nil
		}
		if isRef {
			in.formData[r.num] = data
		}
	}
	formRes := in.d.dictOf(s.hdr["Resources"])
	if formRes == nil {
		formRes = res // §7.8.3: a form without resources uses the page's
	}
	saved := in.gs
	savedStack := len(in.gstack)
	savedQ := in.qDepth
	savedTm, savedTlm := in.tm, in.tlm
	if fm := in.d.arrayOf(s.hdr["Matrix"]); len(fm) == 6 {
		var m matrix
		for i := range 6 {
			m[i], _ = in.d.num(fm[i])
		}
		in.gs.ctm = m.mul(in.gs.ctm)
	}
	num := uint32(0)
	if isRef {
		num = r.num
	}
	in.forms = append(in.forms, num)
	err := in.run(data, formRes, true)
	in.forms = in.forms[:len(in.forms)-1]
	in.gs = saved
	in.gstack = in.gstack[:min(savedStack, len(in.gstack))]
	in.qDepth = savedQ
	in.tm, in.tlm = savedTm, savedTlm
	return err
}

// skipInlineImage moves past an inline image (§8.9.7): the dictionary up
// to ID, one white-space byte, the binary data, and EI. The data length
// comes from /L or /Length when present (ISO 32000-2); otherwise the data
// ends at the first "EI" that stands between white-space bytes.
func skipInlineImage(l *lexer) {
	length := -1
	for {
		t := l.next()
		if t.kind == tokEOF {
			return
		}
		if t.isKeyword("ID") {
			break
		}
		if t.kind == tokName && (string(t.text) == "L" || string(t.text) == "Length") {
			save := l.pos
			if v, ok := l.next().intValue(); ok && v >= 0 {
				length = int(min(v, int64(len(l.data))))
			} else {
				l.pos = save
			}
		}
	}
	if l.pos < len(l.data) && isSpace(l.data[l.pos]) {
		l.pos++
	}
	data := l.data
	if length >= 0 && l.pos+length <= len(data) {
		j := l.pos + length
		k := j
		for k < len(data) && isSpace(data[k]) {
			k++
		}
		if bytes.HasPrefix(data[k:], []byte("EI")) {
			l.pos = k + 2
			return
		}
	}
	for i := l.pos; i+1 < len(data); {
		k := bytes.Index(data[i:], []byte("EI"))
		if k < 0 {
			break
		}
		at := i + k
		before := at == 0 || isSpace(data[at-1])
		after := at+2 >= len(data) || isSpace(data[at+2]) || isDelim(data[at+2])
		if before && after {
			l.pos = at + 2
			return
		}
		i = at + 1
	}
	l.pos = len(data)
}
