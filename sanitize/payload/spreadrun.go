package payload

import (
	"bytes"
	"sort"
)

// Runs of the spread pass (spread.go): gathering their lines, and judging
// what they decode to.

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
	return info.label == "" || sameLabelShape(info.label, r.label)
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

// textSearched reports whether the line pass already decoded [start, end)
// as text and searched it for payloads.
func (s *scanner) textSearched(start, end int) bool {
	i := sort.Search(len(s.searched), func(i int) bool { return s.searched[i][1] >= end })
	return i < len(s.searched) && s.searched[i][0] <= start
}
