package htmltext

import "bytes"

// Inline style analysis: which declarations of a style attribute make an
// element's content invisible. Mail clients honour inline CSS, so newsletters
// hide their "preheader" and phishers hide filter-bait text with it; the text
// we output must match what a reader sees, not what the markup contains.
//
// The parser is deliberately lenient, like a browser's: property names are
// case-insensitive, comments may appear anywhere, "!important" is honoured,
// and the last declaration of a property wins unless an earlier one was
// important. Values we do not understand count as "not hiding".

// prop is the outcome of the winning declaration of one property.
type prop struct {
	v   uint8 // one of the v* classes below
	set bool
	imp bool
}

// Value classes. Each property uses the few that matter to it.
const (
	vOther   uint8 = iota
	vNone          // display: none
	vHidden        // visibility: hidden|collapse; overflow: hidden|clip
	vVisible       // visibility: visible
	vZero          // a length, size or opacity that is (effectively) zero
	vTiny          // a length of at most 1px: the "visually hidden" pattern
	vAbs           // font-size that does not depend on the parent's size
	vRel           // font-size relative to the parent's (em, %), not zero
	vAll           // mso-hide: all
	vOut           // position taking the box out of flow (absolute, fixed, relative)
	vFar           // offset far outside the viewport (left: -9999px)
	vClear         // color: transparent or alpha 0
)

// style holds the properties that can hide content.
type style struct {
	display, visibility, fontSize, opacity, msoHide prop
	height, maxHeight, width, maxWidth, overflow    prop
	clip, clipPath, position, left, top, textIndent prop
	color, marginTop, marginBottom                  prop
}

// put applies one declaration with CSS's precedence inside one block: a
// later declaration wins unless the earlier one was !important and this one
// is not.
func (p *prop) put(v uint8, imp bool) {
	if p.set && p.imp && !imp {
		return
	}
	*p = prop{v: v, set: true, imp: imp}
}

// sticky reports whether the element and everything inside it are invisible
// regardless of what descendants say (display, opacity, clipping, Outlook's
// mso-hide, off-screen positioning).
func (s *style) sticky() bool {
	if s.display.v == vNone || s.opacity.v == vZero || s.msoHide.v == vAll {
		return true
	}
	small := func(p prop) bool { return p.v == vZero || p.v == vTiny }
	if s.overflow.v == vHidden && (small(s.height) || small(s.maxHeight) || small(s.width) || small(s.maxWidth)) {
		return true
	}
	out := s.position.v == vOut
	if out && (s.clip.v == vZero || s.left.v == vFar || s.top.v == vFar) {
		return true
	}
	return s.clipPath.v == vZero || s.textIndent.v == vFar
}

// tight reports a paragraph without vertical margins, which reads as one
// line, not as a paragraph set off by blank lines.
func (s *style) tight() bool { return s.marginTop.v == vZero && s.marginBottom.v == vZero }

// displayShown reports a display value other than none: it overrides the
// hidden attribute, whose effect is only the UA style sheet's display:none.
func (s *style) displayShown() bool { return s.display.set && s.display.v != vNone }

// parseStyle reads a style attribute into st. scratch is reused between
// calls to avoid an allocation per element; the grown buffer is returned.
func parseStyle(attr []byte, st *style, scratch []byte) []byte {
	full := cleanCSS(scratch[:0], attr)
	for buf := full; len(buf) > 0; {
		end := declEnd(buf)
		parseDecl(buf[:end], st)
		if end == len(buf) {
			break
		}
		buf = buf[end+1:]
	}
	return full[:0]
}

// cleanCSS copies src to dst lower-cased, with comments replaced by a space
// (CSS Syntax §4.3.2: a comment is not part of any token).
func cleanCSS(dst, src []byte) []byte {
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '/' && i+1 < len(src) && src[i+1] == '*' {
			j := i + 2
			for j+1 < len(src) && !(src[j] == '*' && src[j+1] == '/') {
				j++
			}
			i = j + 1 // an unterminated comment runs to the end
			dst = append(dst, ' ')
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// declEnd returns the index of the ';' ending the first declaration of b,
// skipping semicolons inside quotes and parentheses (url("a;b")).
func declEnd(b []byte) int {
	var quote byte
	depth := 0
	for i, c := range b {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			if depth > 0 {
				depth--
			}
		case c == ';' && depth == 0:
			return i
		}
	}
	return len(b)
}

func parseDecl(d []byte, st *style) {
	colon := -1
	for i, c := range d {
		if c == ':' {
			colon = i
			break
		}
	}
	if colon < 0 {
		return
	}
	name := trimSpace(d[:colon])
	val := trimSpace(d[colon+1:])
	imp := false
	if i := bytes.LastIndexByte(val, '!'); i >= 0 && string(trimSpace(val[i+1:])) == "important" {
		imp = true
		val = trimSpace(val[:i])
	}
	switch string(name) {
	case "display":
		v := vOther
		if string(firstWord(val)) == "none" {
			v = vNone
		}
		st.display.put(v, imp)
	case "visibility":
		switch string(val) {
		case "hidden", "collapse":
			st.visibility.put(vHidden, imp)
		case "visible", "initial", "unset", "revert":
			st.visibility.put(vVisible, imp)
		}
	case "font-size":
		if v, ok := fontSizeClass(val); ok {
			st.fontSize.put(v, imp)
		}
	case "font":
		// The shorthand's size is the first token with a unit (or a bare
		// 0), possibly followed by "/line-height": "font:0/0 a" is the
		// classic text-hiding hack.
		for rest := val; len(rest) > 0; {
			var tok []byte
			tok, rest = nextField(rest)
			if i := bytes.IndexByte(tok, '/'); i >= 0 {
				tok = tok[:i]
			}
			if len(tok) == 0 || !(isDigit(tok[0]) || tok[0] == '.' || tok[0] == '+' || tok[0] == '-') {
				continue
			}
			n, unit, ok := parseNumber(tok)
			if !ok || (unit == "" && n != 0) {
				continue // a font-weight such as 700
			}
			if v, ok := fontSizeClass(tok); ok {
				st.fontSize.put(v, imp)
			}
			break
		}
	case "opacity":
		n, unit, ok := parseNumber(val)
		if ok {
			if unit == "%" {
				n /= 100
			}
			v := vOther
			// Anything below 10% is unreadable; phishing kits use 0.01.
			if n < 0.1 {
				v = vZero
			}
			st.opacity.put(v, imp)
		}
	case "mso-hide":
		v := vOther
		if string(val) == "all" {
			v = vAll
		}
		st.msoHide.put(v, imp)
	case "height":
		st.height.put(sizeClass(val), imp)
	case "max-height":
		st.maxHeight.put(sizeClass(val), imp)
	case "width":
		st.width.put(sizeClass(val), imp)
	case "max-width":
		st.maxWidth.put(sizeClass(val), imp)
	case "overflow", "overflow-x", "overflow-y":
		v := vOther
		switch string(firstWord(val)) {
		case "hidden", "clip":
			v = vHidden
		}
		// overflow-x/-y only ever add clipping here: a later
		// "overflow-y: auto" must not undo "overflow: hidden".
		if v == vHidden || string(name) == "overflow" {
			st.overflow.put(v, imp)
		}
	case "clip":
		v := vOther
		if bytes.HasPrefix(val, []byte("rect(")) && allZero(val[5:]) {
			v = vZero
		}
		st.clip.put(v, imp)
	case "clip-path":
		// inset(50%) or more clips the whole box away.
		v := vOther
		if bytes.HasPrefix(val, []byte("inset(")) {
			args := fieldsFunc(val[6:], func(c byte) bool { return isCSSSpace(c) || c == ')' })
			if len(args) > 0 {
				if n, unit, ok := parseNumber(args[0]); ok && unit == "%" && n >= 50 {
					v = vZero
				}
			}
		}
		st.clipPath.put(v, imp)
	case "position":
		v := vOther
		switch string(val) {
		case "absolute", "fixed", "relative":
			v = vOut
		}
		st.position.put(v, imp)
	case "left":
		st.left.put(offsetClass(val), imp)
	case "top":
		st.top.put(offsetClass(val), imp)
	case "text-indent":
		st.textIndent.put(offsetClass(val), imp)
	case "margin":
		// 1 to 4 values: top, right, bottom, left; bottom defaults to top.
		top, rest := nextField(val)
		_, rest = nextField(rest)
		bottom, _ := nextField(rest)
		if len(top) > 0 {
			if len(bottom) == 0 {
				bottom = top
			}
			st.marginTop.put(zeroClass(top), imp)
			st.marginBottom.put(zeroClass(bottom), imp)
		}
	case "margin-top":
		st.marginTop.put(zeroClass(val), imp)
	case "margin-bottom":
		st.marginBottom.put(zeroClass(val), imp)
	case "color":
		v := vOther
		if transparentColor(val) {
			v = vClear
		}
		st.color.put(v, imp)
	}
}

// fontSizeClass classifies a font-size value.
func fontSizeClass(val []byte) (uint8, bool) {
	switch string(val) {
	case "inherit":
		return 0, false
	case "xx-small", "x-small", "small", "medium", "large", "x-large",
		"xx-large", "xxx-large", "initial", "unset", "revert":
		return vAbs, true
	case "smaller", "larger":
		return vRel, true
	}
	n, unit, ok := parseNumber(val)
	if !ok {
		// calc() and friends: assume readable text rather than hide it.
		return vAbs, true
	}
	switch {
	case n <= 0:
		return vZero, true
	case (unit == "px" || unit == "pt") && n < 3:
		// Text this small is unreadable: 1px white text is how filter
		// bait is usually hidden.
		return vZero, true
	case unit == "em" || unit == "%" || unit == "ex" || unit == "ch":
		return vRel, true
	}
	return vAbs, true
}

func zeroClass(val []byte) uint8 {
	if n, _, ok := parseNumber(val); ok && n == 0 {
		return vZero
	}
	return vOther
}

// sizeClass classifies a width or height.
func sizeClass(val []byte) uint8 {
	n, unit, ok := parseNumber(val)
	switch {
	case !ok:
		return vOther
	case n <= 0:
		return vZero
	case n <= 1 && (unit == "px" || unit == ""):
		return vTiny
	}
	return vOther
}

// offsetClass reports offsets that put a box far outside the page, the
// "left:-9999px" way of hiding text.
func offsetClass(val []byte) uint8 {
	n, unit, ok := parseNumber(val)
	if !ok {
		return vOther
	}
	switch unit {
	case "em", "rem", "ex", "ch":
		n *= 16
	case "%":
		n *= 10
	case "in":
		n *= 96
	case "cm":
		n *= 38
	}
	if n <= -500 {
		return vFar
	}
	return vOther
}

// transparentColor reports color values with zero alpha.
func transparentColor(val []byte) bool {
	if string(val) == "transparent" {
		return true
	}
	if len(val) == 5 && val[0] == '#' {
		return val[4] == '0' && isHex(val[1:])
	}
	if len(val) == 9 && val[0] == '#' {
		return val[7] == '0' && val[8] == '0' && isHex(val[1:])
	}
	for _, f := range []string{"rgba(", "rgb(", "hsla(", "hsl("} {
		if !bytes.HasPrefix(val, []byte(f)) {
			continue
		}
		args := val[len(f):]
		end := bytes.IndexByte(args, ')')
		if end < 0 {
			return false
		}
		args = args[:end]
		// The alpha is the last argument, after "/" or the third ",".
		var alpha []byte
		if i := bytes.LastIndexByte(args, '/'); i >= 0 {
			alpha = args[i+1:]
		} else if bytes.Count(args, []byte{','}) == 3 {
			alpha = args[bytes.LastIndexByte(args, ',')+1:]
		} else {
			return false
		}
		n, _, ok := parseNumber(trimSpace(alpha))
		return ok && n == 0
	}
	return false
}

// allZero reports whether the arguments of rect(...) are all zero lengths.
func allZero(args []byte) bool {
	seen := false
	for _, tok := range fieldsFunc(args, func(c byte) bool { return c == ',' || c == ' ' || c == ')' || c == '\t' }) {
		n, _, ok := parseNumber(tok)
		if !ok || n != 0 {
			return false
		}
		seen = true
	}
	return seen
}

// parseNumber parses a CSS number with an optional unit ("-1.5em", ".5",
// "0%"). Precision beyond what the thresholds need does not matter.
func parseNumber(b []byte) (n float64, unit string, ok bool) {
	b = trimSpace(b)
	i := 0
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	digits := 0
	for ; i < len(b) && isDigit(b[i]); i++ {
		if n < 1e12 {
			n = n*10 + float64(b[i]-'0')
		}
		digits++
	}
	if i < len(b) && b[i] == '.' {
		i++
		scale := 0.1
		for ; i < len(b) && isDigit(b[i]); i++ {
			n += float64(b[i]-'0') * scale
			scale /= 10
			digits++
		}
	}
	if digits == 0 {
		return 0, "", false
	}
	rest := b[i:]
	for _, c := range rest {
		if !(c >= 'a' && c <= 'z' || c == '%') {
			return 0, "", false
		}
	}
	if neg {
		n = -n
	}
	// A constant string per known unit, so the result does not allocate.
	switch string(rest) {
	case "":
		unit = ""
	case "px":
		unit = "px"
	case "pt":
		unit = "pt"
	case "em":
		unit = "em"
	case "rem":
		unit = "rem"
	case "ex":
		unit = "ex"
	case "ch":
		unit = "ch"
	case "%":
		unit = "%"
	case "in":
		unit = "in"
	case "cm":
		unit = "cm"
	default:
		unit = "?"
	}
	return n, unit, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) && !('a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func isCSSSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isCSSSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isCSSSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func firstWord(b []byte) []byte {
	b = trimSpace(b)
	for i, c := range b {
		if isCSSSpace(c) {
			return b[:i]
		}
	}
	return b
}

// nextField returns the first whitespace-separated token of b and the
// rest after it.
func nextField(b []byte) (tok, rest []byte) {
	b = trimSpace(b)
	for i, c := range b {
		if isCSSSpace(c) {
			return b[:i], b[i:]
		}
	}
	return b, nil
}

// fieldsFunc splits b at bytes for which sep is true. It is only used for
// the rare rect() and inset() values, so its allocation does not matter.
func fieldsFunc(b []byte, sep func(byte) bool) [][]byte {
	var out [][]byte
	start := -1
	for i, c := range b {
		if sep(c) {
			if start >= 0 {
				out = append(out, b[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, b[start:])
	}
	return out
}
