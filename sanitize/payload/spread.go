package payload

import (
	"bytes"
	"encoding/ascii85"
	"sort"
	"strings"
)

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

// encoding is one alphabet the spread pass looks for.
type encoding struct {
	kind Kind
	// values holds each byte's digit value plus one, 0 for a byte that
	// is not a digit (a table: this is the inner loop of the pass).
	values [256]uint8
	// bits per digit for the bit-stream encodings; 0 for ascii85.
	bits uint
	// maxPad is the most '=' after a chunk (0: no padding).
	maxPad int
	// caseless: letters of one core must all be of one case (hex, base32).
	caseless bool
	// phases is the number of digits in a group: a file may start at
	// any of them.
	phases int
}

func spreadEncodings() []encoding {
	encs := []encoding{
		{kind: Hex, bits: 4, caseless: true, phases: 2},
		{kind: Base32, bits: 5, maxPad: 6, caseless: true, phases: 8},
		{kind: Base64, bits: 6, maxPad: 2, phases: 4},
		{kind: ASCII85, phases: 5},
	}
	vals := []func(byte) int{hexVal, b32Val, b64Val, a85Val}
	for i := range encs {
		for c := range 256 {
			encs[i].values[c] = uint8(vals[i](byte(c)) + 1)
		}
	}
	return encs
}

// digit returns the value of c, or -1 when c is not a digit.
func (e *encoding) digit(c byte) int { return int(e.values[c]) - 1 }

// isDigit reports whether c is a digit.
func (e *encoding) isDigit(c byte) bool { return e.values[c] != 0 }

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// b32Val is the RFC 4648 §6 alphabet, small letters accepted.
func b32Val(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c - 'a')
	case c >= '2' && c <= '7':
		return int(c-'2') + 26
	}
	return -1
}

// a85Val: '!' to 'u' are the digits 0 to 84; 'z' stands for four zero
// bytes.
func a85Val(c byte) int {
	switch {
	case c >= '!' && c <= 'u':
		return int(c - '!')
	case c == 'z':
		return 85
	}
	return -1
}

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
		j := i
		for j < len(l) && e.isDigit(l[j]) {
			j++
		}
		k := j
		for k < len(l) && k-j < e.maxPad && l[k] == '=' {
			k++
		}
		if e.kind == Base64 && !hasAlnum(l[i:j]) {
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
		joins := open && (k == len(l) || strings.IndexByte(" \t\"',;\\|)]}", l[k]) >= 0) &&
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

// labelShape is a label with each word that holds a figure made alike,
// so that the row numbers of one column ("9\t", "10\t") and xxd's offsets
// ("00000490:", "000004a0:") compare equal.
func labelShape(label string) string {
	var b strings.Builder
	for i := 0; i < len(label); {
		j := i
		digit := false
		for j < len(label) && isAlnum(label[j]) {
			digit = digit || label[j] >= '0' && label[j] <= '9'
			j++
		}
		switch {
		case j == i:
			b.WriteByte(label[i])
			j++
		case digit:
			b.WriteByte('9')
		default:
			b.WriteString(label[i:j])
		}
		i = j
	}
	return b.String()
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

// spreadRun is a run of lines being gathered. Lines are data once
// committed: full lines at once, short lines when a full line follows or
// when they hold a figure, a symbol or padding that a word would not
// (endsBlock), or are as wide as the line before; so that "Thanks" after
// a block is not part of it, but a block wrapped narrower than a full
// line is.
type spreadRun struct {
	start, end int    // the block: first line committed to the end of the last
	digits     []byte // the digits committed, '=' after padding
	lines      []lineRef
	pending    []byte // digits of short lines not committed yet
	pendLines  []lineRef
	gap        int // blank or separating lines since the last data line
	// width and label are those of the last full line, after says a
	// full line had something after its core (xxd's ASCII column): a
	// short line is data when its groups and labels match them.
	width int
	label string
	after bool
	// lastWidth is the width of the core of the last line committed: a
	// short line as wide is the next line of a narrow wrap.
	lastWidth int
	// starts are the offsets in digits of the lines that do not start on
	// a group boundary of their chunk: a file that starts there is not
	// aligned with the decoding of the whole run.
	starts []int
	chunk  int // offset in digits where the current chunk starts
}

// lineRef locates a line of a run: the offset of its first digit in the
// run's digits (or pending digits) and the line in the text.
type lineRef struct{ digit, pos, next int }

func (r *spreadRun) reset() {
	*r = spreadRun{digits: r.digits[:0], lines: r.lines[:0], pending: r.pending[:0],
		pendLines: r.pendLines[:0], starts: r.starts[:0], start: -1}
}

// active reports whether the run holds any line.
func (r *spreadRun) active() bool { return len(r.lines) > 0 || len(r.pendLines) > 0 }

// add appends core c of line l to the run's pending digits; full lines
// are committed at once.
func (r *spreadRun) add(e *encoding, c string, l line, full bool) {
	if len(r.lines) == 0 && len(r.pendLines) >= 2*maxPending {
		// Short lines and nothing committed: a column of words, most
		// likely. Only the last ones can still start a block.
		r.dropPending(len(r.pendLines) - maxPending)
	}
	r.pendLines = append(r.pendLines, lineRef{len(r.pending), l.start, l.next})
	r.pending = e.appendDigits(r.pending, c)
	if full {
		r.commit(e)
	}
}

// maxPending is how many short lines without a figure or symbol may
// start a block before the first line that has one.
const maxPending = 32

// dropPending forgets the first n pending lines.
func (r *spreadRun) dropPending(n int) {
	cut := r.pendLines[n].digit
	r.pending = append(r.pending[:0], r.pending[cut:]...)
	r.pendLines = append(r.pendLines[:0], r.pendLines[n:]...)
	for i := range r.pendLines {
		r.pendLines[i].digit -= cut
	}
}

// commit makes the pending lines data.
func (r *spreadRun) commit(e *encoding) {
	base, prev := len(r.digits), 0
	for _, l := range r.pendLines {
		if i := bytes.LastIndexByte(r.pending[prev:l.digit], '='); i >= 0 {
			r.chunk = base + prev + i + 1
		}
		prev = l.digit
		d := base + l.digit
		if d > 0 && (d-r.chunk)%e.phases != 0 {
			r.starts = append(r.starts, d)
		}
		r.lines = append(r.lines, lineRef{d, l.pos, l.next})
	}
	if i := bytes.LastIndexByte(r.pending[prev:], '='); i >= 0 {
		r.chunk = base + prev + i + 1
	}
	r.digits = append(r.digits, r.pending...)
	if r.start < 0 {
		r.start = r.pendLines[0].pos
	}
	r.end = r.pendLines[len(r.pendLines)-1].next
	r.pending, r.pendLines = r.pending[:0], r.pendLines[:0]
}

// shortData reports whether a short line continues the run's data: its
// groups are as wide as those of the full lines (so "Part 2" between the
// paragraphs of a document is not), and its labels are of the same shape
// (the last row of a numbered column, of xxd's output) or there are none.
func (r *spreadRun) shortData(info lineInfo) bool {
	if info.width != 0 && info.width != r.width || info.labelAfter && !r.after {
		return false
	}
	return info.label == "" || labelShape(info.label) == labelShape(r.label)
}

// streamCheck gathers the stream of all the lines of a text that could be
// data, and notes those at which a file may start (fileStart) as soon as
// enough digits follow them, so that it keeps the digits but only a few
// lines.
type streamCheck struct {
	digits []byte
	head   []byte    // the bytes a line start decodes to, reused
	queue  []lineRef // lines not checked yet, from next on: too few digits after them
	next   int
	cands  []lineRef // lines at which a file may start
	first  int       // start of the first line
	end    int       // end of the last line
	lines  int
}

// streamHead is how many digits after a line start fileStart looks at.
const streamHead = 24

func (c *streamCheck) add(e *encoding, core string, l line) {
	if c.lines == 0 {
		c.first = l.start
	}
	c.lines++
	c.end = l.next
	c.queue = append(c.queue, lineRef{len(c.digits), l.start, l.next})
	c.digits = e.appendDigits(c.digits, core)
	c.check(e, false)
}

// check tests the queued lines that have enough digits after them (or
// all of them): first their first byte, then their first bytes.
func (c *streamCheck) check(e *encoding, all bool) {
	i := c.next
	for ; i < len(c.queue) && len(c.cands) <= maxRealign; i++ {
		d := c.queue[i].digit
		left := len(c.digits) - d
		if !all && left < e.firstDigits() {
			break
		}
		if !e.mayStartFile(c.digits[d:]) {
			continue
		}
		if !all && left < streamHead {
			break
		}
		c.head, _ = e.decode(c.head[:0], c.digits[d:min(len(c.digits), d+streamHead)], 16)
		if fileStart(c.head) {
			c.cands = append(c.cands, c.queue[i])
		}
	}
	c.next = i
	if c.next > 64 && c.next*2 > len(c.queue) {
		c.queue = c.queue[:copy(c.queue, c.queue[c.next:])]
		c.next = 0
	}
}

// judgeStream looks for a file in the stream of all the lines of a text
// that could be data: a file cut into pieces that something other than
// blank lines keeps apart (a heading, a line of prose), which a filter
// such as grep '^[A-Za-z0-9+/=]*$' joins again. Only a file that starts at
// the start of a line, outside the blocks found, is looked for, so that
// bytes joined from unrelated lines do not match by chance. The block
// runs from that line to the last line of the stream.
func (s *scanner) judgeStream(e *encoding, c *streamCheck, found []Block) (Block, bool) {
	c.check(e, true)
	if c.lines < 2 {
		return Block{}, false // a single line is a run of its own
	}
	checks, j := 0, 0
	for _, l := range c.cands {
		for j < len(found) && found[j].End <= l.pos {
			j++
		}
		if j < len(found) && found[j].Start <= l.pos {
			continue
		}
		b := Block{Kind: e.kind, Start: l.pos, End: c.end}
		if checks++; checks > maxRealign {
			b.Start = c.first
			b.Data, b.Size = e.decode(nil, c.digits, s.opt.MaxDecoded)
			return b, true
		}
		head, _ := e.decode(nil, c.digits[l.digit:min(len(c.digits), l.digit+realignBytes*2)], realignBytes)
		if b.Type = fileType(head); b.Type != "" {
			b.Data, b.Size = e.decode(nil, c.digits[l.digit:], s.opt.MaxDecoded)
			return b, true
		}
	}
	return Block{}, false
}

// appendDigits appends the digits of a core to dst, and '=' where padding
// ends a chunk; group separators are dropped. An ascii85 'z' is written as
// the five digits it stands for, so that offsets count groups.
func (e *encoding) appendDigits(dst []byte, c string) []byte {
	i := 0
	for i < len(c) && e.isDigit(c[i]) && c[i] != 'z' {
		i++
	}
	if i == len(c) {
		return append(dst, c...) // the usual line: digits only
	}
	padded := false
	for i := 0; i < len(c); i++ {
		switch ch := c[i]; {
		case ch == 'z' && e.kind == ASCII85:
			dst = append(dst, "!!!!!"...)
		case e.isDigit(ch):
			if padded {
				dst = append(dst, '=')
				padded = false
			}
			dst = append(dst, ch)
		case ch == '=':
			padded = true
		}
	}
	if padded {
		dst = append(dst, '=')
	}
	return dst
}

// maxRealign bounds the lines of one run whose start looks like a file
// but is not aligned with the run's decoding, each of which costs a
// decode of a few kilobytes to check. Honest text has none; a run with
// more is taken for a payload (fail closed).
const maxRealign = 64

// realignBytes is how much is decoded from such a line to check it: what
// mimetype reads, and the headers fileType looks into.
const realignBytes = 8 << 10

// judgeRun decodes a run and decides whether it is a payload: a file at
// its start or anywhere in the decoded bytes, a file that starts at a line
// not aligned with the rest (after a decoy or a key of another length),
// or text that holds a payload.
//
// The block starts at the line where the file does: a line before it in
// the same run (a sentence that ends in a long word, a key) stays.
func (s *scanner) judgeRun(e *encoding, run *spreadRun) (Block, bool) {
	block := func(data []byte, size int64, typ string) (Block, bool) {
		return Block{Kind: e.kind, Start: run.start, End: run.end, Data: data, Size: size, Type: typ}, true
	}
	data, size := e.decode(nil, run.digits, s.opt.MaxDecoded)
	if typ := fileType(data); typ != "" {
		return block(data, size, typ)
	}
	typ, at := embeddedFile(data)
	embedded := run.end // the line where the embedded file starts
	if typ != "" {
		embedded = run.lineOf(e, at)
	} else if len(data) >= minFileBytes && !isBinary(data, size > int64(len(data))) {
		// Readable text: a file decoded out of step would have made it
		// binary, so only what the text holds is left to look for.
		if s.depth < maxDepth && !s.textSearched(run.start, run.end) && s.textHidesPayload(data) {
			return block(data, size, "")
		}
		return Block{}, false
	}
	// A file that starts at a line out of step, before any file found in
	// step: the outer one (an archive holding a program).
	checks := 0
	var head []byte
	for _, d := range run.starts {
		if run.lineAtDigit(d) >= embedded {
			break
		}
		if !e.mayStartFile(run.digits[d:]) {
			continue
		}
		head, _ = e.decode(head[:0], run.digits[d:min(len(run.digits), d+streamHead)], 16)
		if !fileStart(head) {
			continue
		}
		if checks++; checks > maxRealign {
			return block(data, size, "")
		}
		head, _ = e.decode(head[:0], run.digits[d:min(len(run.digits), d+realignBytes*2)], realignBytes)
		if t := fileType(head); t != "" {
			data, size = e.decode(data[:0], run.digits[d:], s.opt.MaxDecoded)
			b, ok := block(data, size, t)
			b.Start = run.lineAtDigit(d)
			return b, ok
		}
	}
	if typ != "" {
		b, ok := block(data[at:], size-int64(at), typ)
		b.Start = embedded
		return b, ok
	}
	return Block{}, false
}

// lineAtDigit returns where the line of the run starts that holds digit d.
func (r *spreadRun) lineAtDigit(d int) int {
	i := sort.Search(len(r.lines), func(i int) bool { return r.lines[i].digit > d })
	if i == 0 {
		return r.start
	}
	return r.lines[i-1].pos
}

// lineOf returns where the line of the run starts in which the
// first bit of byte at of the run's decoding lies (the run's start when
// that is before its first line).
func (r *spreadRun) lineOf(e *encoding, at int) int {
	pos := r.start
	emitted, pending, next := 0, uint(0), 0
	for i, c := range r.digits {
		for next < len(r.lines) && r.lines[next].digit == i {
			if emitted > at || emitted == at && pending > 0 {
				return pos
			}
			pos = r.lines[next].pos
			next++
		}
		switch {
		case c == '=':
			pending = 0
		case e.bits == 0:
			// ascii85: four bytes for five digits.
			if pending++; pending == 5 {
				emitted, pending = emitted+4, 0
			}
		default:
			if pending += e.bits; pending >= 8 {
				emitted, pending = emitted+1, pending-8
			}
		}
		if emitted > at {
			return pos
		}
	}
	return pos
}

// firstDigits is how many digits the first two bytes take.
func (e *encoding) firstDigits() int {
	if e.bits == 0 {
		return 5
	}
	return int((16 + e.bits - 1) / e.bits)
}

// mayStartFile reports whether the first two bytes that digits decode to
// begin a file of fileStart: the test before decoding more.
func (e *encoding) mayStartFile(digits []byte) bool {
	var first uint32 // the first two bytes
	if e.bits == 0 {
		// ascii85: the first two of the four bytes of a group of five.
		if len(digits) < 5 {
			return true
		}
		for _, c := range digits[:5] {
			if c < '!' || c > 'u' {
				return true // let the decoder judge
			}
			first = first*85 + uint32(c-'!')
		}
		first >>= 16
	} else {
		n := uint(0)
		for _, c := range digits {
			if c == '=' {
				return false
			}
			first = first<<e.bits | uint32(e.digit(c))
			if n += e.bits; n >= 16 {
				first = first >> (n - 16) & 0xFFFF
				break
			}
		}
		if n < 16 {
			return false
		}
	}
	starts, fold := fileStarts(byte(first >> 8))
	for _, m := range starts {
		if c := byte(first); m != "" && (m[1] == c || fold && m[1]|0x20 == c|0x20) {
			return true
		}
	}
	return false
}

// decode decodes digits ('=' restarts the bit stream: a new chunk) into
// dst, keeping at most limit bytes, and returns the decoded size of all.
func (e *encoding) decode(dst, digits []byte, limit int) ([]byte, int64) {
	if e.bits == 0 {
		return a85Decode(dst, digits, limit)
	}
	if dst == nil {
		dst = make([]byte, 0, min(limit, len(digits)*int(e.bits)/8))
	}
	var acc uint32
	var nbits uint
	var size int64
	for _, c := range digits {
		if c == '=' {
			acc, nbits = 0, 0
			continue
		}
		acc = acc<<e.bits | uint32(e.digit(c))
		nbits += e.bits
		if nbits >= 8 {
			nbits -= 8
			size++
			if len(dst) < limit {
				dst = append(dst, byte(acc>>nbits))
			}
		}
	}
	return dst, size
}

// a85Decode decodes ascii85 digits with the standard library, a slice at
// a time so that at most limit bytes are kept; a corrupt group (a 'z'
// inside a group, a group over 2^32) ends the data.
func a85Decode(dst, digits []byte, limit int) ([]byte, int64) {
	var size int64
	// 1024 digits decode to at most 4096 bytes (all 'z').
	var tmp [4096]byte
	for len(digits) > 0 {
		n := min(len(digits), 1024)
		nd, ns, err := ascii85.Decode(tmp[:], digits[:n], n == len(digits))
		if bad, ok := err.(ascii85.CorruptInputError); ok && bad > 0 {
			// Decode yields nothing on an error: take the groups
			// before the bad one.
			nd, _, _ = ascii85.Decode(tmp[:], digits[:int(bad)], false)
		}
		size += int64(nd)
		if room := limit - len(dst); room > 0 {
			dst = append(dst, tmp[:min(nd, room)]...)
		}
		if err != nil || ns == 0 {
			break
		}
		digits = digits[ns:]
	}
	return dst, size
}

// textSearched reports whether the line pass already decoded [start, end)
// as text and searched it for payloads.
func (s *scanner) textSearched(start, end int) bool {
	i := sort.Search(len(s.searched), func(i int) bool { return s.searched[i][1] >= end })
	return i < len(s.searched) && s.searched[i][0] <= start
}
