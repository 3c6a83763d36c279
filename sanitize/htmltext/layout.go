package htmltext

import (
	"strconv"

	"golang.org/x/net/html/atom"
)

// openLayout does what a visible element does when it starts.
func (c *converter) openLayout(idx int, at *attrs) {
	e := &c.stack[idx]
	switch e.tag {
	case atom.P:
		if e.flags&fTight != 0 {
			c.block(1)
		} else {
			c.block(2)
		}
	case atom.Blockquote:
		c.block(2)
		c.pushSeg(e, segQuote, "")
	case atom.Li:
		c.block(1)
		marker := "- "
		if c.list >= 0 && c.stack[c.list].flags&fOrdered != 0 {
			l := &c.stack[c.list]
			n := l.aux
			if v, ok := atoiAttr(at.value); ok && at.hasValue {
				n = v
			}
			l.aux = n + 1
			var buf [16]byte
			marker = string(append(strconv.AppendInt(buf[:0], int64(n), 10), ". "...))
		}
		c.pushSeg(&c.stack[idx], segItem, marker)
	case atom.Dd:
		c.block(1)
		c.pushSeg(e, segIndent, "")
	case atom.Ul, atom.Ol, atom.Menu, atom.Dir:
		if c.list >= 0 {
			e.flags |= fNested
			c.block(1)
		} else {
			c.block(2)
		}
		if e.tag == atom.Ol {
			e.flags |= fOrdered
			e.aux = 1
			if v, ok := atoiAttr(at.start); ok {
				e.aux = v
			}
		}
		e.prev = int32(c.list)
		c.list = idx
	case atom.Pre, atom.Listing:
		c.block(2)
		c.preTok = c.tok
	case atom.Table:
		c.block(1)
		e.prev = int32(c.table)
		c.table = idx
	case atom.Tr:
		c.block(1)
		e.prev = int32(c.row)
		c.row = idx
	case atom.Td, atom.Th:
		c.cellStart(idx)
	case atom.A:
		if at.hasHref {
			c.linkStart(idx, at.href)
		}
	case atom.Q:
		c.w.wordString("\"")
	case atom.Rt:
		// Ruby text (furigana) follows its base in parentheses:
		// 漢字(かんじ), the usual plain-text form.
		c.w.glue("(")
	case atom.Button:
		c.w.space = true
	default:
		switch {
		case e.info.has(iBlock2):
			c.block(2)
		case e.info.has(iBlock1):
			c.block(1)
		}
	}
}

// closeElem does what an element does when it ends (or is taken out of the
// tree).
func (c *converter) closeElem(e *elem, idx int) {
	if idx == c.head {
		c.head = -1
	}
	if e.flags&fLayout == 0 {
		return
	}
	if e.flags&fSeg != 0 {
		c.w.popSeg()
	}
	if e.info.has(iBlock1|iBlock2) && c.w.serial == e.serial && c.w.hard > 0 {
		// A block holding only no-break spaces is a visible empty line:
		// how Outlook and many editors write a blank line.
		c.lineBreak()
	}
	switch e.tag {
	case atom.P:
		if e.flags&fTight != 0 {
			c.block(1)
		} else {
			c.block(2)
		}
	case atom.Blockquote:
		c.block(2)
	case atom.Li, atom.Dd:
		c.block(1)
	case atom.Ul, atom.Ol, atom.Menu, atom.Dir:
		c.list = int(e.prev)
		if e.flags&fNested != 0 {
			c.block(1)
		} else {
			c.block(2)
		}
	case atom.Table:
		c.table = int(e.prev)
		c.block(1)
	case atom.Tr:
		c.row = int(e.prev)
		c.block(1)
	case atom.Td, atom.Th:
		c.cell = int(e.prev)
		if c.w.serial > e.serial {
			// The breaks of a cell's last paragraph are not wanted
			// between it and the next cell of the row.
			c.w.nl = 0
			c.w.clearSpace()
		}
	case atom.A:
		if c.lk.idx == idx {
			c.linkFinish()
		}
	case atom.Q:
		c.w.glue("\"")
	case atom.Rt:
		c.w.glue(")")
	case atom.Button:
		c.w.space = true
	default:
		switch {
		case e.info.has(iBlock2):
			c.block(2)
		case e.info.has(iBlock1):
			c.block(1)
		}
	}
}

func (c *converter) pushSeg(e *elem, kind uint8, marker string) {
	if c.w.pushSeg(kind, marker) {
		e.flags |= fSeg
	}
}

// block asks for line ends unless the current state hides layout, or a
// table cell after others on the row has no content yet: its first
// paragraph's breaks would split the row.
func (c *converter) block(n int) {
	switch {
	case c.flags()&layoutOff != 0:
	case c.freshCell():
		// The break is not made, but it still ends the white space
		// before it: "<div>&nbsp;</div>" indents nothing. A pending cell
		// separator stays.
		c.w.space, c.w.spaceNL, c.w.hard = false, false, 0
	default:
		c.w.block(n)
	}
}

func (c *converter) lineBreak() {
	switch {
	case c.flags()&layoutOff != 0:
	case c.freshCell():
		c.w.space, c.w.spaceNL, c.w.hard = false, false, 0
	default:
		c.w.lineBreak()
	}
}

func (c *converter) freshCell() bool {
	if c.cell < 0 {
		return false
	}
	e := &c.stack[c.cell]
	return e.aux == 1 && c.w.serial == e.serial
}

// cellStart puts a new cell after the previous ones of its row: on the
// same line with " | " between them while the row fits on one line (data
// tables), after a blank line once a cell has spanned lines (the columns
// of a layout table). Empty cells add nothing, so spacer cells leave no
// stray separators.
func (c *converter) cellStart(idx int) {
	if c.row >= 0 {
		row := &c.stack[c.row]
		if c.w.serial > row.serial {
			if c.w.dirty && c.w.nl == 0 && c.w.lineSerial <= row.serial {
				c.w.clearSpace()
				c.w.sep = true
			} else {
				c.w.block(2)
			}
			c.stack[idx].aux = 1
		}
	}
	e := &c.stack[idx]
	e.serial = c.w.serial
	e.prev = int32(c.cell)
	c.cell = idx
}

// atoiAttr parses an integer attribute (<ol start>, <li value>), clamped
// so that a hostile number cannot produce a huge marker.
func atoiAttr(v []byte) (int, bool) {
	v = trimSpace(v)
	neg := false
	if len(v) > 0 && (v[0] == '-' || v[0] == '+') {
		neg = v[0] == '-'
		v = v[1:]
	}
	if len(v) == 0 || !isDigit(v[0]) {
		return 0, false
	}
	n := 0
	for _, b := range v {
		if !isDigit(b) {
			break
		}
		if n < 1e9 {
			n = n*10 + int(b-'0')
		}
	}
	if neg {
		n = -n
	}
	return n, true
}
