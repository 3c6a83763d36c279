package office

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// writer lays text out as lines. Paragraphs become lines, a run of blank
// lines becomes one, trailing spaces are trimmed, and a table row becomes
// one line with " | " between its non-empty cells (so a layout table with
// one filled cell per row reads as plain lines). Spreadsheets use row,
// which keeps column positions with tabs.
//
// Every byte appended is counted against the output limit when it is
// appended; once the limit is reached the text is cut at a character
// boundary, truncated is set and the converter stops.
type writer struct {
	left      int64 // bytes still allowed
	truncated bool
	out       []byte // committed lines
	line      []byte // the current line
	blank     bool   // a blank line is due before the next line
	heading   string // a section heading due before the next line
	soft      bool   // a space is due before the next text unless it starts with one (label)
	tables    []*tableState
	saved     []savedState
}

type tableState struct {
	cells  []string
	cell   []byte
	inCell bool
	sep    bool // a space is due before the next text of the cell
}

// savedState is the line and tables around a text box (push/pop).
type savedState struct {
	line   []byte
	tables []*tableState
}

func newWriter(limit int64) *writer { return &writer{left: limit} }

// full reports that the output limit was reached.
func (w *writer) full() bool { return w.truncated }

// take returns the part of s that still fits and counts it.
func (w *writer) take(s string) string {
	if int64(len(s)) <= w.left {
		w.left -= int64(len(s))
		return s
	}
	cut := int(w.left)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	w.left = 0
	w.truncated = true
	return s[:cut]
}

// text appends text to the current line or table cell. Line breaks inside
// it become spaces (a converter calls lineBreak for real ones); a tab
// stays a tab outside tables.
func (w *writer) text(s string) {
	if s == "" || w.truncated {
		return
	}
	s = clean(s, len(w.tables) > 0)
	if s == "" {
		return
	}
	if w.soft {
		w.soft = false
		if c := s[0]; c != ' ' && c != '\t' && !strings.HasPrefix(s, "\u3000") {
			s = " " + s
		}
	}
	if t := w.cell(); t != nil {
		if t.sep && len(t.cell) > 0 {
			t.cell = append(t.cell, w.take(" ")...)
		}
		t.sep = false
		t.cell = append(t.cell, w.take(s)...)
		return
	}
	w.line = append(w.line, w.take(s)...)
}

// label writes a prefix such as a note number or an author, followed by
// a space unless the text after it starts with one.
func (w *writer) label(s string) {
	w.text(s)
	w.soft = true
}

// cell returns the open table cell, opening one if text arrives in a table
// outside any cell (malformed input must not lose or misplace text).
func (w *writer) cell() *tableState {
	if len(w.tables) == 0 {
		return nil
	}
	t := w.tables[len(w.tables)-1]
	if !t.inCell {
		t.inCell = true
		t.cell = t.cell[:0]
		t.sep = false
	}
	return t
}

// tab appends a tab (a space inside a table cell).
func (w *writer) tab() { w.text("\t") }

// lineBreak ends the line but not the paragraph (a space inside a cell).
func (w *writer) lineBreak() {
	if len(w.tables) > 0 {
		if t := w.tables[len(w.tables)-1]; t.inCell {
			t.sep = true
		}
		return
	}
	w.commit()
}

// endPara ends a paragraph: an empty paragraph is a blank line.
func (w *writer) endPara() { w.lineBreak() }

// blankLine ends the current line and asks for a blank line before the
// next one.
func (w *writer) blankLine() {
	if len(w.tables) > 0 {
		w.lineBreak()
		return
	}
	if len(w.line) > 0 {
		w.commit()
	}
	if len(w.out) > 0 {
		w.blank = true
	}
}

// section makes the next line, if there is one, start a section under a
// "--- name ---" heading after a blank line. A section without text shows
// no heading.
func (w *writer) section(name string) {
	w.closeAll()
	if len(w.line) > 0 {
		w.commit()
	}
	w.heading = name
}

// commit ends the current line.
func (w *writer) commit() {
	w.soft = false
	line := bytes.TrimRight(w.line, " \t\u3000")
	w.line = w.line[:0]
	if len(line) == 0 {
		if len(w.out) > 0 && w.heading == "" {
			w.blank = true
		}
		return
	}
	if w.heading != "" {
		h := w.heading
		w.heading = ""
		if len(w.out) > 0 {
			w.out = append(w.out, w.take("\n")...)
		}
		w.out = append(w.out, w.take("--- "+clean(h, true)+" ---\n")...)
		w.blank = false
	}
	if w.blank {
		w.out = append(w.out, w.take("\n")...)
		w.blank = false
	}
	w.out = append(w.out, line...) // counted when appended to w.line
	w.out = append(w.out, w.take("\n")...)
}

// flush ends the current line if it has text; unlike commit (the end of
// an empty paragraph) it never makes a blank line.
func (w *writer) flush() {
	if len(w.line) > 0 {
		w.commit()
	}
}

// line writes s as a line of its own.
func (w *writer) lineOf(s string) {
	if len(w.line) > 0 {
		w.commit()
	}
	w.text(s)
	w.commit()
}

// block appends text made by another writer (whose bytes were counted by
// that writer's own limit, not this one's) as lines.
func (w *writer) block(s string) {
	for s != "" && !w.truncated {
		line, rest, _ := strings.Cut(s, "\n")
		w.lineOf(line)
		s = rest
	}
}

// rowText renders a spreadsheet row: cells joined by tabs at their column
// positions, each cleaned (a line break or tab in a cell is a space, so a
// row stays one line), trailing empty cells dropped. An empty row renders
// as "".
func rowText(cells []string) string {
	var b strings.Builder
	tabs := 0
	for _, c := range cells {
		c = strings.TrimSpace(clean(c, true))
		if c == "" {
			tabs++
			continue
		}
		if b.Len() > 0 {
			tabs++
		}
		for ; tabs > 0; tabs-- {
			b.WriteByte('\t')
		}
		b.WriteString(c)
	}
	return b.String()
}

// row writes a spreadsheet row (see rowText); an empty row writes nothing.
func (w *writer) row(cells []string) {
	if s := rowText(cells); s != "" {
		w.lineOf(s)
	}
}

func (w *writer) startTable() {
	if len(w.tables) == 0 && len(w.line) > 0 {
		w.commit()
	}
	w.tables = append(w.tables, &tableState{})
}

func (w *writer) startRow() {
	if len(w.tables) == 0 {
		w.startTable()
	}
	t := w.tables[len(w.tables)-1]
	if t.inCell || len(t.cells) > 0 {
		w.endRow()
	}
}

func (w *writer) startCell() {
	if len(w.tables) == 0 {
		w.startTable()
	}
	t := w.tables[len(w.tables)-1]
	if t.inCell {
		w.endCell()
	}
	t.inCell, t.cell, t.sep = true, t.cell[:0], false
}

func (w *writer) endCell() {
	if len(w.tables) == 0 {
		return
	}
	t := w.tables[len(w.tables)-1]
	if !t.inCell {
		return
	}
	t.cells = append(t.cells, strings.TrimSpace(string(t.cell)))
	t.inCell, t.cell = false, t.cell[:0]
}

func (w *writer) endRow() {
	if len(w.tables) == 0 {
		return
	}
	t := w.tables[len(w.tables)-1]
	if t.inCell {
		w.endCell()
	}
	var b strings.Builder
	for _, c := range t.cells {
		if c == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(w.take(" | "))
		}
		b.WriteString(c)
	}
	t.cells = t.cells[:0]
	if b.Len() == 0 {
		return
	}
	if len(w.tables) > 1 {
		// A nested table's row continues the text of the outer cell.
		p := w.tables[len(w.tables)-2]
		if !p.inCell {
			p.inCell, p.cell = true, p.cell[:0]
		}
		if len(p.cell) > 0 {
			p.cell = append(p.cell, w.take(" ")...)
		}
		p.cell = append(p.cell, b.String()...)
		p.sep = true
		return
	}
	w.line = append(w.line, b.String()...)
	w.commit()
}

func (w *writer) endTable() {
	if len(w.tables) == 0 {
		return
	}
	w.endRow()
	w.tables = w.tables[:len(w.tables)-1]
}

// push starts a text box inside the current paragraph: its paragraphs are
// written as lines of their own now, and the outer paragraph resumes after
// pop. So a text box reads before the paragraph that anchors it.
func (w *writer) push() {
	w.saved = append(w.saved, savedState{line: w.line, tables: w.tables})
	w.line, w.tables = nil, nil
}

func (w *writer) pop() {
	if len(w.saved) == 0 {
		return
	}
	for len(w.tables) > 0 {
		w.endTable()
	}
	if len(w.line) > 0 {
		w.commit()
	}
	s := w.saved[len(w.saved)-1]
	w.saved = w.saved[:len(w.saved)-1]
	w.line, w.tables = s.line, s.tables
}

// closeAll ends every open text box and table.
func (w *writer) closeAll() {
	for len(w.saved) > 0 {
		w.pop()
	}
	for len(w.tables) > 0 {
		w.endTable()
	}
}

// finish returns the text.
func (w *writer) finish() string {
	w.closeAll()
	if len(w.line) > 0 {
		w.commit()
	}
	return string(w.out)
}

// clean removes what must not reach the output: C0 controls other than
// tab and line feed, DEL, C1 controls, U+FEFF, the bidi embeddings,
// overrides and isolates (U+202A–U+202E, U+2066–U+2069; CVE-2021-42574),
// and invalid UTF-8 (as U+FFFD). Line breaks, vertical tabs and form feeds
// become spaces; so do tabs when inCell. The common all-printable-ASCII
// string is returned as is.
func clean(s string, inCell bool) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7F {
			i++
			continue
		}
		if c == '\t' && !inCell {
			i++
			continue
		}
		if c < 0x80 {
			break
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || dropOrSpace(r) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		switch {
		case r == '\t':
			if inCell {
				b.WriteByte(' ')
			} else {
				b.WriteByte('\t')
			}
		case r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == 0x85 || r == 0x2028 || r == 0x2029:
			b.WriteByte(' ')
		case dropOrSpace(r) || r < 0x20:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// dropOrSpace reports the non-ASCII characters clean removes or replaces.
func dropOrSpace(r rune) bool {
	return (r >= 0x7F && r <= 0x9F) || r == 0xFEFF || r == 0x2028 || r == 0x2029 ||
		(r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}
