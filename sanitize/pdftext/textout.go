package pdftext

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// textOut turns positioned glyphs into lines of text, in the order the
// content stream draws them. Positions are measured along the baseline
// ("along") and across it, in device space, so rotated pages and vertical
// writing need no special case:
//
//   - a glyph whose baseline is off the current line's by more than half
//     the font size, or whose writing direction differs, starts a new line;
//     a drop of more than twice the font size, and clearly more than the
//     line spacing so far, leaves a blank line (a paragraph gap; double
//     spaced text does not get one after every line);
//   - a glyph that starts more than spaceGap of the font size after the end
//     of the previous one gets a space before it. For TJ this is the rule
//     "an adjustment below about -200 thousandths is a word space", and it
//     covers Td/Tm moves, which only insert a space when they leave a gap;
//   - between CJK characters, which are not separated by spaces, the gap
//     must be much wider (cjkGap) before a space is written;
//   - a space character writes a space unless its advance, with word and
//     character spacing, is under minSpace of the font size (justified
//     text that squeezes a space away); glyph ends are measured by their
//     width without character spacing, so a gap made with Tc counts;
//   - a jump back along the line by more than three font sizes starts a
//     new line (text drawn out of order, such as a second column);
//   - a word hyphenated at the end of a line is joined with its rest when
//     the next line goes on with a letter, as pdftotext does.
type textOut struct {
	buf   []byte
	limit int // stop when buf grows past this
	full  bool

	active     bool
	dirX, dirY float64
	across     float64
	end        float64
	size       float64
	lastSpace  bool // the line ends with a space
	lastCJK    bool
	lineStart  int     // index in buf where the current line starts
	blankLines int     // newlines at the end of buf
	hyphenAt   int     // index of a line-ending hyphen to join, or -1
	hyphenLine int     // where the line holding that hyphen starts
	lineDrop   float64 // the last line-to-line drop, 0 if none yet

	// Right-to-left text: how the line's Hebrew or Arabic glyphs moved
	// (forward along the baseline: drawn in visual order, to be put in
	// logical order when the line ends), and where text already in
	// logical order ends (a hyphen join reopens a finished line).
	lastAlong       float64
	rtlFwd, rtlBack int
	logicalUpTo     int
}

// The thresholds of the rules above, in font sizes (ems).
const (
	spaceGap   = 0.18 // a word space: "below about -200" thousandths
	minSpace   = 0.1  // a space character narrower than this is no space
	cjkGap     = 0.6  // a gap between CJK characters that is a space
	lineTol    = 0.5  // a baseline shift that is a new line
	paraDrop   = 2.0  // a drop that may be a paragraph gap ...
	paraRatio  = 1.4  // ... when it is this much larger than the last one
	paraFirst  = 2.5  // a paragraph gap when no line spacing is known yet
	backJump   = 3.0  // a jump back that starts a new line
	minGlyphSz = 0.01 // font sizes below this are taken as this
)

func newTextOut(limit int) *textOut {
	return &textOut{limit: limit, hyphenAt: -1}
}

// glyph adds one glyph: its text (possibly empty, for a glyph that maps to
// nothing), its origin (x, y) in device space, the unit vector (dx, dy) of
// its writing direction, how far it reaches along it (adv) and the font
// size in device space.
func (t *textOut) glyph(text string, x, y, dx, dy, adv, size float64) {
	if t.full {
		return
	}
	if !finite(x) || !finite(y) || !finite(adv) || !finite(size) {
		return
	}
	if dx == 0 && dy == 0 {
		dx = 1
	}
	if size < minGlyphSz {
		size = minGlyphSz
	}
	along := x*dx + y*dy
	across := -x*dy + y*dx
	if !t.active {
		t.startLine(dx, dy, across, size, 0)
	} else {
		ref := math.Max(size, t.size)
		dAcross := across - t.across
		sameDir := dx*t.dirX+dy*t.dirY > 0.95
		gap := along - t.end
		switch {
		case !sameDir || math.Abs(dAcross) > lineTol*ref:
			blank := 0
			if sameDir && dAcross < 0 {
				drop := -dAcross
				known := t.lineDrop > 0
				if known && drop > paraDrop*ref && drop > paraRatio*t.lineDrop || !known && drop > paraFirst*ref {
					blank = 1
				}
				if drop < 4*ref {
					t.lineDrop = drop
				}
			}
			t.startLine(dx, dy, across, size, blank)
		case gap < -backJump*ref:
			t.startLine(dx, dy, across, size, 0)
		case text != "" && !t.lastSpace && len(t.buf) > t.lineStart:
			thr := spaceGap
			if t.lastCJK || startsCJK(text) {
				thr = cjkGap
			}
			if gap > thr*ref && !isSpaceText(text) {
				t.buf = append(t.buf, ' ')
				t.lastSpace = true
			}
		}
	}
	t.size = size
	if text == "" {
		t.end = along + adv
		return
	}
	if isSpaceText(text) {
		if adv < minSpace*size {
			return // a squeezed-out space: the next gap decides
		}
		t.end = along + adv
		if !t.lastSpace && len(t.buf) > t.lineStart {
			// The ideographic space is kept: Japanese text uses it on
			// purpose. Other spaces are written as one ASCII space.
			if text == "\u3000" {
				t.buf = append(t.buf, text...)
			} else {
				t.buf = append(t.buf, ' ')
			}
			t.lastSpace = true
		}
		return
	}
	if r, _ := utf8.DecodeRuneInString(text); isRTL(r) && len(t.buf) > t.lineStart {
		if along >= t.lastAlong {
			t.rtlFwd++
		} else {
			t.rtlBack++
		}
	}
	t.lastAlong = along
	t.end = along + adv
	if t.hyphenAt >= 0 {
		if r, _ := utf8.DecodeRuneInString(text); unicode.IsLetter(r) {
			// "exam-\nple" -> "example": drop the hyphen and the line
			// break; the word goes on in the previous line.
			// The joined line starts where the hyphen's line did (kept
			// rather than searched for: a page of such lines would
			// otherwise be scanned again at every join, quadratic time).
			t.buf = t.buf[:t.hyphenAt]
			t.lineStart = t.hyphenLine
		}
		t.hyphenAt = -1
	}
	t.buf = append(t.buf, text...)
	t.lastSpace = false
	t.blankLines = 0
	r, _ := utf8.DecodeLastRuneInString(text)
	t.lastCJK = isCJK(r)
	if len(t.buf) > t.limit {
		t.full = true
	}
}

func (t *textOut) startLine(dx, dy, across, size float64, blank int) {
	t.hyphenAt = -1
	if t.active {
		t.endLine()
		if blank == 0 && endsHyphenated(t.buf[t.lineStart:]) {
			t.hyphenAt = len(t.buf) - 1
			t.hyphenLine = t.lineStart
		}
		if len(t.buf) > 0 {
			for t.blankLines < 1+blank {
				t.buf = append(t.buf, '\n')
				t.blankLines++
			}
		}
	}
	t.active = true
	t.dirX, t.dirY = dx, dy
	t.across = across
	t.size = size
	t.lastSpace = false
	t.lastCJK = false
	t.lineStart = len(t.buf)
	t.rtlFwd, t.rtlBack = 0, 0
}

// endsHyphenated reports a line that ends with a letter and a hyphen.
func endsHyphenated(line []byte) bool {
	if len(line) < 3 || line[len(line)-1] != '-' {
		return false
	}
	r, _ := utf8.DecodeLastRune(line[:len(line)-1])
	return unicode.IsLetter(r)
}

// endLine trims the trailing space of the current line and puts
// right-to-left text drawn in visual order into logical order.
func (t *textOut) endLine() {
	defer func() {
		from := max(t.lineStart, t.logicalUpTo)
		if t.rtlFwd > 0 && t.rtlFwd >= t.rtlBack && from < len(t.buf) {
			copy(t.buf[from:], visualToLogical(t.buf[from:]))
		}
		t.logicalUpTo = len(t.buf)
		t.rtlFwd, t.rtlBack = 0, 0
	}()
	for len(t.buf) > t.lineStart {
		switch {
		case t.buf[len(t.buf)-1] == ' ':
			t.buf = t.buf[:len(t.buf)-1]
		case bytes.HasSuffix(t.buf[t.lineStart:], []byte("\u3000")):
			t.buf = t.buf[:len(t.buf)-len("\u3000")]
		default:
			return
		}
	}
}

// text returns the page's text with surrounding white-space removed.
func (t *textOut) text() string {
	t.endLine()
	return strings.Trim(string(t.buf), " \n")
}

// isRTL reports letters of the right-to-left scripts: Hebrew, Arabic,
// Syriac, Thaana, N'Ko and their presentation forms.
func isRTL(r rune) bool {
	switch {
	case r >= 0x0590 && r <= 0x08FF:
		return unicode.IsLetter(r) || unicode.Is(unicode.Mn, r)
	case r >= 0xFB1D && r <= 0xFDFF, r >= 0xFE70 && r <= 0xFEFF:
		return true
	}
	return false
}

// visualToLogical reorders a line whose glyphs were drawn left to right
// in display order (as most PDF producers draw Hebrew and Arabic) into
// the order the text is read and typed, as pdftotext does: a line of
// mostly right-to-left letters is reversed, except its runs of Latin
// letters and digits, which read left to right inside it; in a
// left-to-right line only the right-to-left runs are reversed. Brackets
// in reversed text are mirrored. The result has the same length.
func visualToLogical(line []byte) []byte {
	rs := []rune(string(line))
	rtl, ltr := 0, 0
	for _, r := range rs {
		switch {
		case isRTL(r):
			rtl++
		case unicode.IsLetter(r):
			ltr++
		}
	}
	// runs reverses, in place, each maximal run of runes that in(r) and
	// the neutral runes between two of them.
	runs := func(in func(rune) bool) {
		for i := 0; i < len(rs); {
			if !in(rs[i]) {
				i++
				continue
			}
			j, end := i, i
			for j < len(rs) && (in(rs[j]) || neutral(rs[j])) {
				if in(rs[j]) {
					end = j
				}
				j++
			}
			slices.Reverse(rs[i : end+1])
			i = end + 1
		}
	}
	ltrOrDigit := func(r rune) bool { return !isRTL(r) && (unicode.IsLetter(r) || unicode.IsDigit(r)) }
	if rtl > ltr {
		slices.Reverse(rs)
		runs(ltrOrDigit) // back to left to right
		for i, r := range rs {
			rs[i] = mirror(r)
		}
	} else {
		runs(isRTL)
	}
	return []byte(string(rs))
}

// neutral runes may stand inside a run of one direction: spaces and
// punctuation.
func neutral(r rune) bool {
	return r == ' ' || unicode.IsPunct(r) || unicode.Is(unicode.Mn, r)
}

// mirror swaps a bracket for its mirror image, as right-to-left display
// draws it.
func mirror(r rune) rune {
	switch r {
	case '(':
		return ')'
	case ')':
		return '('
	case '[':
		return ']'
	case ']':
		return '['
	case '{':
		return '}'
	case '}':
		return '{'
	case '<':
		return '>'
	case '>':
		return '<'
	}
	return r
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func isSpaceText(s string) bool {
	for _, r := range s {
		if r != ' ' && r != '\u00a0' && r != '\u3000' && r != '\t' {
			return false
		}
	}
	return s != ""
}

func startsCJK(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isCJK(r)
}

// isCJK reports characters of scripts written without spaces between
// words: kana, CJK ideographs, CJK symbols and punctuation, and the
// full-width forms (the ones Japanese text mixes in: ①, ㈱, ＡＢＣ).
func isCJK(r rune) bool {
	switch {
	case r >= 0x2E80 && r <= 0x9FFF: // radicals .. CJK unified ideographs
		return true
	case r >= 0x2460 && r <= 0x24FF: // enclosed alphanumerics (①)
		return true
	case r >= 0xF900 && r <= 0xFAFF, r >= 0xFE30 && r <= 0xFE4F:
		return true
	case r >= 0xFF00 && r <= 0xFFEF: // half- and full-width forms
		return true
	case r >= 0x20000 && r <= 0x3FFFF:
		return true
	case r >= 0xAC00 && r <= 0xD7AF: // Hangul syllables are spaced, but
		return false // keep them with the default rule
	}
	return false
}

// cleanText prepares decoded glyph text for output: Latin ligatures are
// spelled out (as text extractors conventionally do, so that "ﬁle" is
// found as "file"), and characters that must not reach a plain-text
// message are dropped: C0 and C1 controls, bidi embedding and isolate
// controls, private-use code points (symbol-font pictures), the
// replacement character and noncharacters. Whitespace becomes a space.
func cleanText(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var sb strings.Builder
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v':
			sb.WriteByte(' ')
		case r >= 0x2000 && r <= 0x200A, r == 0x202F, r == 0x205F:
			// En, em, thin and other spaces (Adobe-Japan1 maps its
			// half-width space to U+2002): one space.
			sb.WriteByte(' ')
		case r < 0x20 || (r >= 0x7f && r < 0xa0):
		case r == 0xAD: // soft hyphen: invisible unless at a line break
		case r >= 0x200B && r <= 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2060 && r <= 0x206F:
		case r == 0xFEFF || r == utf8.RuneError:
		case r >= 0xE000 && r <= 0xF8FF, r >= 0xF0000:
		case r >= 0xFDD0 && r <= 0xFDEF, r&0xFFFE == 0xFFFE:
		case r >= 0xFB00 && r <= 0xFB06:
			sb.WriteString(ligatures[r-0xFB00])
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

var ligatures = [7]string{"ff", "fi", "fl", "ffi", "ffl", "st", "st"}

// textString decodes a text string (§7.9.2.2): UTF-16BE with a byte order
// mark, UTF-8 with one (ISO 32000-2), or PDFDocEncoding.
func textString(b []byte) string {
	switch {
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		return string(utf16.Decode(u))
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		return strings.ToValidUTF8(string(b[3:]), "")
	}
	var sb strings.Builder
	for _, c := range b {
		if r := pdfDocEncoding[c]; r != 0 {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}
