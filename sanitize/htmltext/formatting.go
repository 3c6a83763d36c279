package htmltext

import "golang.org/x/net/html/atom"

// The list of active formatting elements and the adoption agency (HTML
// §13.2.4.3, §13.2.6.4.7): how browsers keep <b>, <font>, <a> ... in
// effect across the block elements that end them early, and what they do
// with misnested end tags. Both decide which styles apply to later text,
// so hidden text needs them.

// afeEntry is an entry of the list of active formatting elements (HTML
// §13.2.4.3): a formatting element that is open (id != 0) or that was
// closed early and will be reopened before the next inline content.
type afeEntry struct {
	tag      atom.Atom
	hash     uint32
	info     info
	set, clr uint32
	id       int32
	marker   bool
}

// maxAFE bounds the active formatting list (browsers bound identical
// entries to three, the "Noah's Ark" clause; a total bound also covers
// entries that differ).
const maxAFE = 64

// formattingEnd is the adoption agency algorithm (HTML §13.2.6.4.7) for the
// end of formatting element a, applied to the stack: which elements stay
// open and what each inherits afterwards. It reports false when a has no
// entry in the active formatting list, and the end tag is to be handled as
// "any other end tag".
func (c *converter) formattingEnd(a atom.Atom, h uint32) bool {
	for iter := 0; iter < 8; iter++ {
		k := c.afeLast(a, h)
		if k < 0 {
			return iter > 0
		}
		i := -1
		if id := c.afe[k].id; id != 0 {
			i = c.indexOf(id)
		}
		if i < 0 {
			// Closed early and not reopened yet: it just leaves the list.
			c.afeRemove(k)
			return true
		}
		for j := len(c.stack) - 1; j > i; j-- {
			if e := &c.stack[j]; e.flags&fGone == 0 && e.info.has(iScope) {
				return true // not in scope: ignored
			}
		}
		fb := -1
		for j := i + 1; j < len(c.stack); j++ {
			if e := &c.stack[j]; e.flags&fGone == 0 && e.info.has(iSpecial) {
				fb = j
				break
			}
		}
		if fb < 0 {
			c.popTo(i, true)
			return true
		}
		// The inner loop: between the formatting element and the
		// furthest block, elements not in the list leave the stack (and
		// stop being ancestors); the others are cloned in place, and the
		// furthest block moves inside the clones, out of the formatting
		// element.
		bookmark := k
		last := fb
		for node, n := fb-1, 1; node > i; node, n = node-1, n+1 {
			nk := c.afeFind(c.stack[node].id)
			if n > 3 && nk >= 0 {
				c.afeRemove(nk)
				if nk < bookmark {
					bookmark--
				}
				nk = -1
			}
			if nk < 0 {
				c.removeAt(node)
				fb--
				last--
				continue
			}
			if last == fb {
				bookmark = nk + 1
			}
			last = node
		}
		if i > 0 && c.stack[i-1].info.has(iTableContext) {
			// The common ancestor is a table part: the moved block is
			// foster-parented.
			c.stack[last].flags |= fFoster
		}
		// A clone of the formatting element takes the furthest block's
		// children: what is open above the block stays inside it.
		f := c.stack[i]
		clone := elem{tag: f.tag, hash: f.hash, info: f.info, set: f.set, clr: f.clr, prev: -1, serial: c.w.serial}
		c.lastID++
		clone.id = c.lastID
		inserted := c.insertAt(fb+1, clone)
		c.removeAt(i)
		// The clone replaces the element in the list, at the bookmark.
		ent := c.afe[k]
		c.afeRemove(k)
		if bookmark > k {
			bookmark--
		}
		if inserted {
			ent.id = clone.id
			c.afe = append(c.afe, afeEntry{})
			copy(c.afe[bookmark+1:], c.afe[bookmark:])
			c.afe[bookmark] = ent
		}
		c.restyle(i)
		if !inserted {
			return true
		}
	}
	return true
}

// afeAdd records a newly opened formatting element.
func (c *converter) afeAdd(e *elem) {
	// Noah's Ark: at most three identical entries after the last marker.
	same, first := 0, -1
	for k := len(c.afe) - 1; k >= 0 && !c.afe[k].marker; k-- {
		x := &c.afe[k]
		if x.tag == e.tag && x.hash == e.hash && x.set == e.set && x.clr == e.clr {
			same++
			first = k
		}
	}
	if same >= 3 {
		c.afeRemove(first)
	}
	if len(c.afe) >= maxAFE {
		c.afeRemove(0)
	}
	c.afe = append(c.afe, afeEntry{tag: e.tag, hash: e.hash, info: e.info, set: e.set, clr: e.clr, id: e.id})
}

func (c *converter) afeMarker() {
	if len(c.afe) >= maxAFE {
		c.afeRemove(0)
	}
	c.afe = append(c.afe, afeEntry{marker: true})
}

func (c *converter) afeClearToMarker() {
	for n := len(c.afe); n > 0; n-- {
		m := c.afe[n-1].marker
		c.afe = c.afe[:n-1]
		if m {
			return
		}
	}
}

// afeLast returns the last entry for a after the last marker, or -1.
func (c *converter) afeLast(a atom.Atom, h uint32) int {
	for k := len(c.afe) - 1; k >= 0 && !c.afe[k].marker; k-- {
		if c.afe[k].tag == a && c.afe[k].hash == h {
			return k
		}
	}
	return -1
}

func (c *converter) afeFind(id int32) int {
	for k := len(c.afe) - 1; k >= 0; k-- {
		if c.afe[k].id == id {
			return k
		}
	}
	return -1
}

func (c *converter) afeRemove(k int) {
	c.afe = append(c.afe[:k], c.afe[k+1:]...)
}

// reconstruct reopens the formatting elements closed early (by a block
// end, or by a start tag's implied end tags) before inline content, as
// "reconstruct the active formatting elements" does: in
// <div><font style="font-size:0">x</div>y, the y is in a new font element.
func (c *converter) reconstruct() {
	n := len(c.afe)
	k := n
	for k > 0 && !c.afe[k-1].marker && c.afe[k-1].id == 0 {
		k--
	}
	for ; k < n; k++ {
		x := &c.afe[k]
		foster := c.inTableContext()
		pf, po := c.parentState(foster)
		f, o := state(pf, po, x.set, x.clr, len(c.stack))
		if foster {
			f |= fFoster
		}
		idx := c.push(elem{tag: x.tag, hash: x.hash, info: x.info, flags: f, set: x.set, clr: x.clr, origin: o, prev: -1})
		if idx < 0 {
			return
		}
		x.id = c.stack[idx].id
	}
}
