package htmltext

import (
	"bytes"
	"unicode/utf8"
)

// The writer turns a stream of words, spaces and break requests into lines.
// Everything is appended to one byte slice, so the cost is linear in the
// output; nothing is rewritten except the tail of the current line (trailing
// blanks, and a link's text when defanging replaces it).
//
// Breaks are lazy: a block element only asks for "a new line" or "a blank
// line" before whatever comes next, and the request is carried out when the
// next visible character arrives. That collapses the runs of empty <div>s
// and <p>s of real-world mail into at most one blank line, drops breaks at
// the very start and end, and lets a table cell cancel the breaks of its own
// first and last paragraph.

// Prefix segment kinds: each blockquote, list item and definition adds one
// to the prefix of the lines inside it.
const (
	segQuote  uint8 = iota // "> "
	segItem                // "- " or "12. " on the item's first line, spaces after
	segIndent              // "  " (definition description)
)

type seg struct {
	kind uint8
	used bool // the item's marker has been written
	n    uint8
	mark [16]byte
}

type writer struct {
	b         []byte
	lineStart int  // index in b of the current line
	bodyStart int  // index in b just after the current line's prefix
	dirty     bool // the current line has been started
	blankPrev bool // the last finished line was blank (true at the start)
	lines     int  // finished lines

	nl      int  // line ends wanted before the next content: 0, 1 or 2
	nlQuote int  // lowest quote depth while nl was pending
	space   bool // collapsible white space pending
	spaceNL bool // ... that contained a line break of the source
	hard    int  // pending no-break spaces
	sep     bool // pending table cell separator

	afterURL bool // the last thing written is a URL

	last       rune // last character of the current line
	serial     int  // content writes so far
	lineSerial int  // serial of the current line's first content write

	segs   []seg
	quotes int // segQuote entries in segs

	// mark records where the next content write starts, so that a link's
	// text can be compared with its URL (and replaced when defanging).
	markWant bool
	mark     int
	markLine int
}

// block asks for n line ends (1: start a new line, 2: leave a blank line)
// before the next content. Pending spaces are dropped: they would be
// trailing white space.
func (w *writer) block(n int) {
	if w.nl == 0 || w.quotes < w.nlQuote {
		w.nlQuote = w.quotes
	}
	if n > w.nl {
		w.nl = n
	}
	w.clearSpace()
}

// lineBreak is <br>: unlike block it always adds a line end, so two of them
// leave an empty line (but never more than one).
func (w *writer) lineBreak() {
	if w.nl == 0 || w.quotes < w.nlQuote {
		w.nlQuote = w.quotes
	}
	switch {
	case !w.dirty && w.nl == 0:
		w.nl = 2
	case w.nl < 2:
		w.nl++
	}
	w.clearSpace()
}

func (w *writer) clearSpace() {
	w.space, w.spaceNL, w.hard, w.sep = false, false, 0, false
}

// flushBreaks carries out pending line ends.
func (w *writer) flushBreaks() {
	if w.nl == 0 {
		return
	}
	if w.dirty {
		w.endLine()
	}
	if w.nl >= 2 && !w.blankPrev {
		w.blankLine(min(w.nlQuote, w.quotes))
	}
	w.nl = 0
}

// begin prepares for a content write whose first character is first: it
// carries out pending breaks, writes the line prefix or the white space
// owed since the previous word.
func (w *writer) begin(first rune) {
	w.flushBreaks()
	if !w.dirty {
		w.lineStart = len(w.b)
		w.writePrefix()
		w.bodyStart = len(w.b)
		w.dirty = true
		w.lineSerial = w.serial
		w.b = appendSpaces(w.b, w.hard)
	} else if w.sep {
		w.b = append(w.b, " | "...)
	} else {
		n := w.hard
		// A word right after a URL would read as part of it.
		if w.afterURL && !w.space && !closingPunct(first) {
			n++
		}
		// CSS Text §4.1.2: a segment break between two East Asian
		// wide characters is removed rather than shown as a space, so a
		// Japanese sentence wrapped in the source stays one word.
		if w.space && !(w.spaceNL && isWideCJK(w.last) && isWideCJK(first)) {
			n++
		}
		w.b = appendSpaces(w.b, n)
	}
	w.clearSpace()
	w.afterURL = false
	if w.markWant {
		w.markWant = false
		w.mark = len(w.b)
		w.markLine = w.lines
	}
	w.serial++
}

// word writes a run of visible characters (no white space inside).
func (w *writer) word(run []byte) {
	if len(run) == 0 {
		return
	}
	w.begin(firstRune(run))
	w.b = append(w.b, run...)
	if c := run[len(run)-1]; c < utf8.RuneSelf {
		w.last = rune(c)
	} else {
		w.last, _ = utf8.DecodeLastRune(run)
	}
}

// urlString writes a URL shown on its own (a link without text).
func (w *writer) urlString(s string) {
	w.wordString(s)
	w.afterURL = true
}

// wordString is word for a string.
func (w *writer) wordString(s string) {
	if s == "" {
		return
	}
	r, _ := utf8.DecodeRuneInString(s)
	w.begin(r)
	w.b = append(w.b, s...)
	w.last, _ = utf8.DecodeLastRuneInString(s)
}

// glue writes s right after the previous content, with no space between
// (closing quote, bracket or parenthesis).
func (w *writer) glue(s string) {
	if w.dirty && w.nl == 0 {
		w.clearSpace()
	}
	w.wordString(s)
}

// appendURL writes " <u>" after a link's text. The link's last content is
// on the current line if it is started, and the URL goes right after it,
// before any break the link's own blocks asked for (a "button" made of a
// table inside <a>).
func (w *writer) appendURL(u string) {
	sp := w.space
	w.clearSpace()
	defer func() { w.space, w.afterURL = sp, true }()
	if w.dirty {
		w.b = append(w.b, " <"...)
	} else {
		w.begin('<')
		w.b = append(w.b, '<')
	}
	w.b = append(w.b, u...)
	w.b = append(w.b, '>')
	w.last = '>'
}

// linkText returns the content written since the mark, if it is all on the
// current line (a URL never spans lines).
func (w *writer) linkText() ([]byte, bool) {
	if w.markWant || w.markLine != w.lines || !w.dirty || w.mark > len(w.b) || w.mark < w.bodyStart {
		return nil, false
	}
	return w.b[w.mark:], true
}

// replaceLinkText replaces the text written since the mark by s.
func (w *writer) replaceLinkText(s string) {
	w.b = append(w.b[:w.mark], s...)
	w.last, _ = utf8.DecodeLastRuneInString(s)
}

// newline is a line end inside preformatted text.
func (w *writer) newline() {
	w.flushBreaks()
	if w.dirty {
		w.endLine()
	} else if !w.blankPrev {
		w.blankLine(w.quotes)
	}
}

// endLine finishes the current line: trailing blanks are cut, and a line
// left blank after a blank line is dropped.
func (w *writer) endLine() {
	end := len(w.b)
	for end > w.lineStart && (w.b[end-1] == ' ' || w.b[end-1] == '\t') {
		end--
	}
	w.b = w.b[:end]
	w.dirty = false
	w.last = 0
	if end <= w.bodyStart {
		// Only a prefix (or white space) was written: make it a plain
		// blank line, or nothing if the previous one was blank already.
		w.b = w.b[:w.lineStart]
		if !w.blankPrev {
			w.blankLine(w.quotes)
		}
		return
	}
	w.b = append(w.b, '\n')
	w.lines++
	w.blankPrev = false
}

// blankLine writes an empty line inside depth levels of quoting: "> >".
func (w *writer) blankLine(depth int) {
	for i := range depth {
		if i > 0 {
			w.b = append(w.b, ' ')
		}
		w.b = append(w.b, '>')
	}
	w.b = append(w.b, '\n')
	w.lines++
	w.blankPrev = true
}

func (w *writer) writePrefix() {
	for i := range w.segs {
		s := &w.segs[i]
		switch s.kind {
		case segQuote:
			w.b = append(w.b, "> "...)
		case segIndent:
			w.b = append(w.b, "  "...)
		case segItem:
			if s.used {
				w.b = appendSpaces(w.b, int(s.n))
			} else {
				w.b = append(w.b, s.mark[:s.n]...)
				s.used = true
			}
		}
	}
}

// pushSeg adds a prefix segment; it reports false when the nesting cap is
// reached (the element is then rendered without its own prefix).
func (w *writer) pushSeg(kind uint8, marker string) bool {
	if len(w.segs) >= maxSegs {
		return false
	}
	s := seg{kind: kind}
	s.n = uint8(copy(s.mark[:], marker))
	w.segs = append(w.segs, s)
	if kind == segQuote {
		w.quotes++
	}
	return true
}

func (w *writer) popSeg() {
	if n := len(w.segs); n > 0 {
		if w.segs[n-1].kind == segQuote {
			w.quotes--
		}
		w.segs = w.segs[:n-1]
	}
}

// text returns the finished output, without trailing line ends (or a
// trailing blank quote line).
func (w *writer) text() string {
	if w.dirty {
		w.endLine()
	}
	b := w.b
	for {
		n := len(b)
		for n > 0 && b[n-1] == '\n' {
			n--
		}
		b = b[:n]
		i := bytes.LastIndexByte(b, '\n') + 1
		if i == len(b) || !onlyQuoteMarks(b[i:]) {
			break
		}
		b = b[:i]
	}
	return string(b)
}

func onlyQuoteMarks(b []byte) bool {
	for _, c := range b {
		if c != '>' && c != ' ' {
			return false
		}
	}
	return true
}

// closingPunct reports punctuation that follows a word without a space.
func closingPunct(r rune) bool {
	switch r {
	case '.', ',', ';', ':', '!', '?', ')', ']', '}', '"', '\'',
		'。', '、', '」', '』', '）', '】', '〕', '！', '？':
		return true
	}
	return false
}

func appendSpaces(b []byte, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, ' ')
	}
	return b
}

func firstRune(b []byte) rune {
	if b[0] < utf8.RuneSelf {
		return rune(b[0])
	}
	r, _ := utf8.DecodeRune(b)
	return r
}

// isWideCJK reports East Asian wide (or halfwidth katakana) characters other
// than Hangul, the set for which CSS removes segment breaks.
func isWideCJK(r rune) bool {
	switch {
	case r < 0x2E80:
		return false
	case r <= 0x303F, // radicals, Kangxi, CJK symbols and punctuation
		0x3040 <= r && r <= 0x30FF, // hiragana, katakana
		0x3100 <= r && r <= 0x312F, // bopomofo
		0x3190 <= r && r <= 0x33FF, // kanbun ... CJK compatibility
		0x3400 <= r && r <= 0x4DBF, // extension A
		0x4E00 <= r && r <= 0x9FFF, // unified ideographs
		0xF900 <= r && r <= 0xFAFF, // compatibility ideographs
		0xFE30 <= r && r <= 0xFE4F, // compatibility forms
		0xFF00 <= r && r <= 0xFF9F, // fullwidth forms, halfwidth katakana
		0xFFE0 <= r && r <= 0xFFE6,
		0x20000 <= r && r <= 0x3FFFF:
		return true
	}
	return false
}
