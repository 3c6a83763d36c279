package payload

import "strings"

// Encoded files spread over a text in shapes the line rules of base64.go
// do not follow, and in other encodings: base64 split into paragraphs or
// into chunks each with its own padding, written in groups of four with
// spaces between them, behind "# ", "| " or a row number, inside the
// quotes of a JavaScript array or with a trailing "\", in lines of any
// width, spread over calendar properties; hex dumps (xxd -p, xxd, hexdump
// -C); base32 (RFC 4648 §6); Adobe ascii85 (PostScript Language Reference,
// 3rd ed., §3.13.3). Anyone rebuilds such a file with one command, so it
// is an attachment in the text all the same (invariant 7).
//
// The spread pass looks at every line that no block of the line pass
// holds. For each encoding it takes the core of a line: its longest run
// of digits, or of groups of two to eight digits separated by one or two
// spaces, with little around it. A line is
//
//   - full when its core has at least minCoreDigits digits and what
//     surrounds it is short (a quote mark, a row number, a property name,
//     quotes and a comma, xxd's offset and ASCII column);
//   - short when its core has fewer (the last line of a block, a line of
//     a re-wrapped one, a word);
//   - blank when it has no letter or figure and is short (">" or "#" alone).
//
// A run is a sequence of data lines — full lines, and short ones that
// look like data (see spreadRun) — with any number of blank lines and
// short lines that are not data ("Part 2") between them, so that
// paragraphs and chunks join; any other line ends it. Its digits are
// decoded in one stream, restarting after padding. Then the run is judged
// by what it decodes to, not by its shape: it is a payload when the bytes
// start with a file of a kind fileType knows, or hold one further on
// (embeddedFile: after a key or another file in the same run), or when a
// file starts at a line that is out of step with the run's decoding
// (after a decoy line); or when they are text that holds a payload itself
// (Find again, to depth maxDepth). Last, the lines of all runs are joined
// across whatever separates them, and a file starting at one of them is
// looked for (judgeStream). Anything else — hashes, IDs, tokens, keys,
// certificates, code, prose — decodes to bytes without a file signature
// and is kept, however long.

const (
	// minCoreDigits is the fewest digits in the core of a full line: a
	// word or a short ID is not the line of an encoded file.
	minCoreDigits = 16
	// maxAround bounds what may stand before or after the core of a full
	// line, blanks at either end not counted: room for a quote mark, a row
	// number, "X-PART-12:", xxd's offset or its 16-character ASCII column.
	maxAround = 24
	// maxGroup is the widest group of digits joined across spaces.
	maxGroup = 8
)

// lineKind classifies a line for one encoding.
type lineKind int

const (
	lineOther lineKind = iota
	lineFull
	lineShort // a short core, maybe beside a label (see lineInfo)
	lineBlank
)

// lineInfo is what the spread pass needs to know of a line.
type lineInfo struct {
	kind   lineKind
	lo, hi int // the core
	// width is the width of the core's groups, 0 when it is one run.
	width int
	// label is what stands before the core, blanks trimmed, when it holds
	// a letter or figure (a row number, a property name), else "".
	label string
	// labelAfter: a letter or figure stands after the core too;
	// after: something does.
	labelAfter, after bool
	// closes: the core is followed by the end of the data (ascii85's
	// "~>"): the run ends with this line.
	closes bool
}

// core finds the core of l (no line end) for e: the span [lo, hi) of its
// longest run of digits (with its padding) or sequence of groups that has
// at most maxAround bytes (blanks not counted) before and after it, the
// digits it holds, and the width of its groups (0 for a single run).
// Groups are runs of one width, at most maxGroup digits, one space apart
// (or two); the last may be narrower or padded. (xxd's offset is a run of
// digits too, but on the last line the data beside it is the core.)
func (e *encoding) core(l string) (lo, hi, digits, groups int) {
	// The sequence being built: its span, digits, count and width of its
	// groups, and whether another group may follow.
	seqLo, seqHi, seqN, seqGroups, width, open := 0, 0, 0, 0, 0, false
	consider := func() {
		// On a tie the later one wins: data stands right of a row
		// number or an offset.
		if seqN < digits ||
			seqLo > maxAround && len(trimBlanks(l[:seqLo])) > maxAround ||
			len(l)-seqHi > maxAround && len(trimBlanks(l[seqHi:])) > maxAround {
			return
		}
		lo, hi, digits, groups = seqLo, seqHi, seqN, 0
		if seqGroups > 1 {
			groups = width
		}
	}
	for i := 0; i < len(l); {
		if !e.isDigit(l[i]) {
			i++
			continue
		}
		j, alnum := i, false
		for j < len(l) && e.isDigit(l[j]) {
			alnum = alnum || isAlnum(l[j])
			j++
		}
		k := j
		for k < len(l) && k-j < e.maxPad && l[k] == '=' {
			k++
		}
		if e.kind == Base64 && !alnum {
			// "//", "--", "+": a comment mark or a rule, not data.
			i = k
			continue
		}
		n := j - i
		// A group joins across one space, or two (hexdump -C's middle
		// gap) when it is as wide as the others; and it ends at a blank
		// or a closing mark, so that xxd's ASCII column ("cafe.b") is not
		// taken for one.
		gap := l[seqHi:i]
		joins := open && (k == len(l) || groupEnd[l[k]]) &&
			(gap == " " && n <= width || gap == "  " && n == width)
		if !joins {
			if seqN > 0 {
				consider()
			}
			seqLo, seqN, seqGroups, width = i, 0, 0, n
		}
		seqHi, seqN, seqGroups = k, seqN+n, seqGroups+1
		open = n == width && width <= maxGroup && k == j
		i = k
	}
	if seqN > 0 {
		consider()
	}
	return lo, hi, digits, groups
}

// groupEnd marks the bytes a group of a sequence may end at: a blank or a
// closing mark.
var groupEnd = [256]bool{' ': true, '\t': true, '"': true, '\'': true, ',': true, ';': true, '\\': true, '|': true, ')': true, ']': true, '}': true}

// classify describes line l for e.
func (e *encoding) classify(l string) lineInfo {
	for len(l) > 0 && (l[len(l)-1] == ' ' || l[len(l)-1] == '\t' || l[len(l)-1] == '\r') {
		l = l[:len(l)-1]
	}
	if len(l) < minCoreDigits && len(l) > 0 && e.isDigit(l[0]) && isAlnum(l[0]) {
		// The quick way for a short word or a short line of data,
		// which texts are full of: all digits, nothing around.
		i := 1
		for i < len(l) && e.isDigit(l[i]) && l[i] != ' ' {
			i++
		}
		if i == len(l) && !(e.caseless && hasUpper(l) && hasLower(l)) && (e.kind != ASCII85 || !strings.Contains(l, "~")) {
			return lineInfo{kind: lineShort, lo: 0, hi: len(l)}
		}
	}
	if !e.mayHoldCore(l) {
		return lineInfo{} // most lines of prose, told without finding runs
	}
	return e.classifyCore(l)
}

// mayHoldCore reports whether l (without trailing blanks) may have a
// core. A core has at most maxAround bytes, blanks at either end not
// counted, before and after it (see core), so on a long line it must
// cover the middle of l, from X, the last start with a short enough
// prefix, to Y, the first end with a short enough suffix; and a core
// holds only digits, padding and the spaces between groups. A line whose
// middle holds anything else has none — and, longer than maxAround, is
// not blank either: classifyCore would find it of no kind.
func (e *encoding) mayHoldCore(l string) bool {
	lead := 0
	for lead < len(l) && (l[lead] == ' ' || l[lead] == '\t') {
		lead++
	}
	x := lead + maxAround
	for x < len(l) && (l[x] == ' ' || l[x] == '\t' || l[x] == '\r') {
		x++
	}
	x = max(x, maxAround)
	y := len(l) - maxAround
	for y > 0 && (l[y-1] == ' ' || l[y-1] == '\t') {
		y--
	}
	for i := x; i < y; i++ {
		if c := l[i]; !e.isDigit(c) && c != '=' && c != ' ' {
			return false
		}
	}
	return true
}

// classifyCore is classify's full path, on l without trailing blanks.
func (e *encoding) classifyCore(l string) lineInfo {
	lo, hi, n, width := e.core(l)
	if n == 0 {
		if len(trimBlanks(l)) <= maxAround && !hasAlnum(l) {
			return lineInfo{kind: lineBlank}
		}
		return lineInfo{}
	}
	var upper, lower, figure bool
	for i := lo; i < hi; i++ {
		switch c := l[i]; {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= '0' && c <= '9':
			figure = true
		}
	}
	switch {
	case e.caseless && upper && lower:
		return lineInfo{} // mixed case is not hex or base32
	case !upper && !lower && !figure && e.kind == Base64:
		// "----", "//", "==": a separator or comment mark, no data.
		if len(trimBlanks(l)) <= maxAround {
			return lineInfo{kind: lineBlank}
		}
		return lineInfo{}
	}
	before, after := trimBlanks(l[:lo]), trimBlanks(l[hi:])
	info := lineInfo{kind: lineShort, lo: lo, hi: hi, width: width, labelAfter: hasAlnum(after), after: after != "",
		closes: e.kind == ASCII85 && strings.HasPrefix(after, "~>")}
	if hasAlnum(before) {
		info.label = before
	}
	if n >= minCoreDigits {
		info.kind = lineFull
	}
	return info
}

// sameLabelShape reports whether two labels are alike once each word
// that holds a figure is made alike, so that the row numbers of one column
// ("9\t", "10\t") and xxd's offsets ("00000490:", "000004a0:") compare
// equal. It compares word by word, without building the shapes: it runs
// for every short line beside a run.
func sameLabelShape(a, b string) bool {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		var x, y string
		x, i = shapeToken(a, i)
		y, j = shapeToken(b, j)
		if x != y {
			return false
		}
	}
	return i == len(a) && j == len(b)
}

// shapeToken returns the token of label at i and where the next starts:
// a byte that is no letter or figure, a word of letters, or "9" for a
// word that holds a figure.
func shapeToken(label string, i int) (string, int) {
	j := i
	digit := false
	for j < len(label) && isAlnum(label[j]) {
		digit = digit || label[j] >= '0' && label[j] <= '9'
		j++
	}
	switch {
	case j == i:
		return label[i : i+1], i + 1
	case digit:
		return "9", j
	}
	return label[i:j], j
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

func hasLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'a' && s[i] <= 'z' {
			return true
		}
	}
	return false
}

// trimBlanks removes spaces, TABs and a CR from both ends of s.
func trimBlanks(s string) string {
	i, j := 0, len(s)
	for i < j && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	for j > i && (s[j-1] == ' ' || s[j-1] == '\t' || s[j-1] == '\r') {
		j--
	}
	return s[i:j]
}

// hasAlnum reports whether s holds a letter or figure (any non-ASCII
// character counts as a letter).
func hasAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 {
			return true
		}
	}
	return false
}

// endsBlock reports whether a short line after the last full line of a run
// belongs to it: padded, one digit repeated, or holding a figure, a symbol
// or a capital after a small letter, as a word would not ("AAA=", "AAAA",
// "Zm9v+", "4f0a", "VrB"), not "Thanks" or "Taro".
func (e *encoding) endsBlock(c string) bool {
	if strings.HasSuffix(c, "=") || len(c) >= 3 && strings.Count(c, c[:1]) == len(c) {
		// Padding, or one digit over and over ("AAAA": zero bytes).
		return true
	}
	for i := 0; i < len(c); i++ {
		switch ch := c[i]; {
		case ch >= '0' && ch <= '9', e.kind == Base64 && (ch == '+' || ch == '/'):
			return true
		case e.kind == Base64 && i > 0 && ch >= 'A' && ch <= 'Z' && c[i-1] >= 'a' && c[i-1] <= 'z':
			// A capital after a small letter: "VrB", "HcQ"; words are
			// capitalised at the start or all through.
			return true
		case e.kind == ASCII85 && !isAlnum(ch):
			// Most ascii85 digits are punctuation.
			return true
		}
	}
	return false
}

// spread finds the spread-out files of text[:end] for every encoding,
// outside the blocks already found, in one pass over the lines. Each
// encoding stops once it has limit+1 blocks; stop is the start of the last
// block of the first one to stop (end when none did), and before stop the
// blocks are complete.
func (s *scanner) spread(found []Block, end, limit int) (blocks []Block, stop int) {
	encs := spreadEncodings()
	states := make([]spreadState, len(encs))
	for i := range states {
		states[i].e = &encs[i]
		states[i].run.reset()
	}
	live := len(states)
	next := 0 // index into found
	for pos := 0; pos < end && live > 0; {
		for next < len(found) && found[next].End <= pos {
			next++
		}
		skip := next < len(found) && found[next].Start <= pos
		var ln line
		if skip {
			pos = found[next].End
		} else {
			ln = s.line(pos)
			pos = ln.next
		}
		for i := range states {
			st := &states[i]
			if st.done {
				continue
			}
			if skip {
				st.finish(s)
			} else {
				st.line(s, ln)
			}
			if len(st.out) > limit {
				st.done = true
				live--
			}
		}
	}
	stop = end
	for i := range states {
		st := &states[i]
		if !st.done {
			st.finish(s)
			if len(st.out) <= limit {
				if b, ok := s.judgeStream(st.e, &st.stream, st.out); ok {
					st.out = unionBlocks(st.out, []Block{b})
				}
			}
		}
		if len(st.out) > limit {
			stop = min(stop, st.out[limit].Start)
		}
		blocks = unionBlocks(blocks, st.out)
	}
	return blocks, stop
}

// spreadState is the spread pass of one encoding.
type spreadState struct {
	e    *encoding
	out  []Block
	run  spreadRun
	done bool // it has found more blocks than it may return
	// stream gathers every line that could be data, whatever lies
	// between them (see judgeStream).
	stream streamCheck
}

// finish judges the run gathered and starts a new one.
func (st *spreadState) finish(s *scanner) {
	if len(st.run.lines) > 0 {
		if b, ok := s.judgeRun(st.e, &st.run); ok {
			st.out = append(st.out, b)
		}
	}
	st.run.reset()
}

// line takes the next line of the text.
func (st *spreadState) line(s *scanner, ln line) {
	e, run := st.e, &st.run
	info := e.classify(ln.s)
	core := ln.s[info.lo:info.hi]
	if info.kind == lineFull || info.kind == lineShort && info.label == "" && !info.labelAfter {
		st.stream.add(e, core, ln)
	}
	switch {
	case info.kind == lineFull:
		run.add(e, core, ln, true)
		run.gap, run.width, run.label, run.lastWidth = 0, info.width, info.label, len(core)
		run.after = run.after || info.after
		if info.closes {
			st.finish(s)
		}
	case info.kind == lineShort && run.shortData(info):
		// Data if a full line follows, or if it looks like data:
		// "AAA=" or "Zm9v" after the last full line, the last row of a
		// numbered column, groups as wide as the run's, the next line of
		// a narrow wrap (not "Thanks").
		run.add(e, core, ln, false)
		if e.endsBlock(core) || info.closes || info.label != "" || info.width != 0 || run.gap == 0 && len(core) == run.lastWidth {
			run.commit(e)
			run.lastWidth = len(core)
		}
		run.gap = 0
		if info.closes {
			st.finish(s)
		}
	case !run.active():
	case info.kind == lineBlank && e.maxPad > 0 && len(run.lines) > 0 && strings.Contains(ln.s, "="):
		// The padding of the last line, wrapped onto a line of its own:
		// it ends the data, short lines before it included.
		if len(run.pendLines) > 0 {
			run.commit(e)
		}
		run.end = ln.next
	case len(trimBlanks(ln.s)) <= maxAround:
		// A blank line, or a short one that is not data ("Part 2",
		// "Regards,"): the run may go on after it.
		run.gap++
	default:
		st.finish(s)
	}
}
