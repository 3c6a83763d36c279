package payload

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
