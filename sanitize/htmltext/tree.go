package htmltext

import "golang.org/x/net/html/atom"

// The element stack: a reduced version of the tree construction of HTML
// §13.2.6 ("in body" and the table modes), enough to know which elements
// (and so which styles) are in effect for each piece of text. Browsers never
// fail on bad markup; they repair it in well-defined ways, and hidden text is
// hidden exactly as far as the repaired tree says. The parts kept here:
// implied end tags, scopes, the list of active formatting elements with its
// reconstruction, the adoption agency, the form element pointer, foreign
// content with its integration points, and foster parenting (for
// inheritance only: the text is still rendered where it appears).
//
// A streaming converter cannot take back what it wrote: when the adoption
// agency moves content that is already in the tree (a block inside a
// misnested formatting element), that content keeps the visibility it had
// when it was written. oracle_test.go checks everything else against
// x/net/html's tree builder.

// elem is an open element on the converter's stack.
type elem struct {
	tag    atom.Atom
	hash   uint32 // name hash when tag is 0 (custom elements, Outlook's <o:p>)
	info   info
	flags  uint32
	set    uint32 // state flags the element's own attributes turn on
	clr    uint32 // state flags they turn off
	origin int32  // index of the element whose style hides this content, or -1
	prev   int32  // enclosing cell, row, table or list (see converter)
	id     int32  // identity, by which the formatting list and form pointer refer to it
	serial int    // writer serial when the element opened
	aux    int    // next number of an ordered list; 1 for a cell after content
}

// Element flags. The state group is inherited by children.
const (
	fDrop        uint32 = 1 << iota // content never shown (script, style, svg, ...)
	fHide                           // hidden whatever the descendants say (display:none, ...)
	fVis                            // visibility:hidden (a descendant may say visible)
	fFont                           // zero font size (a descendant may set a size)
	fColor                          // transparent text (a descendant may set a colour)
	fPre                            // white space preserved
	fForeign                        // inside <svg> or <math>
	fLayout                         // was visible when opened: its end affects layout
	fSeg                            // pushed a line-prefix segment
	fCounted                        // counted in Result.Hidden
	fGone                           // removed from the stack by </form>: still an ancestor, never matched
	fFoster                         // foster-parented: its parent is the table's parent
	fMath                           // in MathML (with fForeign; otherwise SVG)
	fIntegration                    // an SVG or MathML element in which tags are HTML again
	fNested                         // a list inside a list
	fOrdered                        // <ol>
	fTight                          // a paragraph without margins: one line, no blank lines

	inherited = fDrop | fHide | fVis | fFont | fColor | fPre
	layoutOff = fDrop | fHide
	textOff   = fDrop | fHide | fVis | fFont | fColor
)

func (c *converter) top() *elem {
	if len(c.stack) == 0 {
		return nil
	}
	return &c.stack[len(c.stack)-1]
}

// flags returns the state content is rendered in.
func (c *converter) flags() uint32 {
	if t := c.top(); t != nil {
		return t.flags
	}
	return 0
}

// bucket spreads element names over c.open.
func bucket(a atom.Atom, h uint32) int {
	return int((uint32(a) ^ h) * 2654435761 >> 26)
}

// push pushes e, or returns -1 when the stack is full.
func (c *converter) push(e elem) int {
	if len(c.stack) >= maxDepth {
		return -1
	}
	c.lastID++
	e.id = c.lastID
	c.stack = append(c.stack, e)
	c.open[bucket(e.tag, e.hash)]++
	return len(c.stack) - 1
}

// indexOf returns the stack index of the element with the given id, or -1.
func (c *converter) indexOf(id int32) int {
	for i := len(c.stack) - 1; i >= 0; i-- {
		if c.stack[i].id == id {
			return i
		}
	}
	return -1
}

// removeAt takes the element at i out of the middle of the stack (the
// adoption agency does): its end takes effect now.
func (c *converter) removeAt(i int) {
	e := c.stack[i]
	c.closeElem(&e, i)
	c.open[bucket(e.tag, e.hash)]--
	c.stack = append(c.stack[:i], c.stack[i+1:]...)
	c.shift(i, -1)
}

// insertAt inserts e at index i of the stack.
func (c *converter) insertAt(i int, e elem) bool {
	if len(c.stack) >= maxDepth {
		return false
	}
	c.shift(i, 1)
	c.stack = append(c.stack, elem{})
	copy(c.stack[i+1:], c.stack[i:])
	c.stack[i] = e
	c.open[bucket(e.tag, e.hash)]++
	return true
}

// shift adjusts the stack indices the converter keeps after elements from
// index i up moved by d.
func (c *converter) shift(i, d int) {
	for _, p := range []*int{&c.cell, &c.row, &c.table, &c.list, &c.head, &c.lk.idx} {
		if *p >= i {
			*p += d
		}
	}
	for k := range c.stack {
		if p := &c.stack[k].prev; int(*p) >= i {
			*p += int32(d)
		}
	}
}

// isOpen is a cheap "maybe": false means no element of that name is open.
func (c *converter) isOpen(a atom.Atom) bool { return c.open[bucket(a, 0)] > 0 }

// popTo pops the elements from the top down to index i inclusive. own
// says the element at i ends by its own end tag, so it leaves the active
// formatting list; formatting elements above it stay there, to be reopened.
func (c *converter) popTo(i int, own bool) {
	if i < 0 {
		return
	}
	for len(c.stack) > i {
		c.popOne(own && len(c.stack) == i+1)
	}
	c.popGone()
}

// pop pops the top element.
func (c *converter) pop(own bool) {
	c.popOne(own)
	c.popGone()
}

// popGone pops a form that </form> removed from the stack while elements
// were open inside it: it ends with them.
func (c *converter) popGone() {
	for t := c.top(); t != nil && t.flags&fGone != 0; t = c.top() {
		c.popOne(true)
	}
}

func (c *converter) popOne(own bool) {
	n := len(c.stack) - 1
	e := c.stack[n]
	c.stack = c.stack[:n]
	c.open[bucket(e.tag, e.hash)]--
	if e.info.has(iFormatting) {
		if k := c.afeFind(e.id); k >= 0 {
			if own {
				c.afeRemove(k)
			} else {
				c.afe[k].id = 0
			}
		}
	}
	if e.info.has(iMarker) && own {
		// Markers go only when their element ends by its own end tag
		// (or a cell is closed); popped along with something else,
		// they stay and keep older formatting from being reopened.
		c.afeClearToMarker()
	}
	c.closeElem(&e, n)
}

// hashName is FNV-1a, to tell unknown element names apart.
func hashName(b []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range b {
		h ^= uint32(c)
		h *= 16777619
	}
	return h | 1 // never 0, so that it differs from "no name"
}

// parentState returns the state a new child inherits. Content put into a
// table outside a cell is foster-parented: it goes before the table, so it
// inherits from the table's parent, not from the table.
func (c *converter) parentState(foster bool) (uint32, int32) {
	p := len(c.stack) - 1
	if foster {
		p = c.fosterParent(p)
	}
	if p < 0 {
		return 0, -1
	}
	return c.stack[p].flags, c.stack[p].origin
}

// fosterParent returns the index of the parent of foster-parented content
// placed above index i: the element below the innermost table.
func (c *converter) fosterParent(i int) int {
	for j := i; j >= 0; j-- {
		switch c.stack[j].tag {
		case atom.Table:
			return j - 1
		case atom.Template:
			// Inside a template, misplaced content stays in it.
			return j
		}
	}
	return i
}

// tableMode reports whether a table insertion mode (in table, in table
// body, in row) is in effect: the innermost table-related element open is
// a table, a section or a row, not a cell or caption. Elements
// foster-parented out of the table do not change the mode.
func (c *converter) tableMode() bool {
	if !c.isOpen(atom.Table) {
		return false
	}
	for i := len(c.stack) - 1; i >= 0; i-- {
		switch c.stack[i].tag {
		case atom.Table, atom.Tbody, atom.Thead, atom.Tfoot, atom.Tr:
			return true
		case atom.Td, atom.Th, atom.Caption, atom.Template, atom.Html:
			return false
		}
	}
	return false
}

// inTableContext reports whether content now would be foster-parented.
func (c *converter) inTableContext() bool {
	t := c.top()
	return t != nil && t.info.has(iTableContext)
}

// state computes an element's flags from its parent's and its own.
func state(parent uint32, parentOrigin int32, set, clr uint32, idx int) (uint32, int32) {
	f := ((parent & inherited) | set) &^ clr
	origin := parentOrigin
	if (f&^parent)&(textOff&^fDrop) != 0 {
		origin = int32(idx) // this element starts the hidden region
	}
	return f, origin
}

// restyle recomputes the state of the elements from index i up, after the
// adoption agency changed their ancestors.
func (c *converter) restyle(i int) {
	for first := true; i < len(c.stack); i, first = i+1, false {
		e := &c.stack[i]
		p := i - 1
		if first {
			// The common ancestor the adoption agency moved things to
			// is on the stack: a form that </form> took off is not.
			for p >= 0 && c.stack[p].flags&fGone != 0 {
				p--
			}
		}
		if e.flags&fFoster != 0 {
			p = c.fosterParent(p)
		}
		pf, po := uint32(0), int32(-1)
		if p >= 0 {
			pf, po = c.stack[p].flags, c.stack[p].origin
		}
		f, o := state(pf, po, e.set, e.clr, i)
		e.flags = e.flags&^inherited | f
		e.origin = o
		if f&layoutOff == 0 && e.flags&fLayout == 0 {
			// Hidden when it opened, visible now: it starts here (with
			// default attributes: the original ones are gone).
			e.flags |= fLayout
			c.openLayout(i, &attrs{})
		}
	}
}

// Scopes of "has an element in scope" (HTML §13.2.4.2).
const (
	scopeDefault = iota
	scopeButton
	scopeList
	scopeTable
)

// inScope returns the index of the innermost open element a within scope,
// or -1.
func (c *converter) inScope(a atom.Atom, scope int) int {
	if !c.isOpen(a) {
		return -1
	}
	for i := len(c.stack) - 1; i >= 0; i-- {
		e := &c.stack[i]
		if e.flags&fGone != 0 {
			continue
		}
		if e.tag == a {
			return i
		}
		if isScopeBoundary(e, scope) {
			return -1
		}
	}
	return -1
}

func isScopeBoundary(e *elem, scope int) bool {
	switch scope {
	case scopeTable:
		return e.tag == atom.Table || e.tag == atom.Html || e.tag == atom.Template
	case scopeButton:
		if e.tag == atom.Button {
			return true
		}
	case scopeList:
		if e.tag == atom.Ol || e.tag == atom.Ul {
			return true
		}
	}
	return e.info.has(iScope)
}

// implicitClose ends the elements a start tag closes in a browser's tree
// construction (HTML §13.2.6.4.7). It returns false when the tag is to be
// ignored.
func (c *converter) implicitClose(a atom.Atom, in info) bool {
	if in.has(iClosesP) {
		c.popTo(c.inScope(atom.P, scopeButton), false)
	}
	switch a {
	case atom.Li:
		c.closeItem(atom.Li, atom.Li)
	case atom.Dd, atom.Dt:
		c.closeItem(atom.Dd, atom.Dt)
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		if t := c.top(); t != nil && t.info.has(iHeading) {
			c.pop(true)
		}
	case atom.Td, atom.Th, atom.Tr, atom.Tbody, atom.Thead, atom.Tfoot, atom.Caption, atom.Colgroup:
		return c.tablePart(a)
	case atom.Table:
		// A table start tag where a row or section is expected ends
		// the open table: the new one follows it.
		if c.tableMode() {
			c.popTo(c.inScope(atom.Table, scopeTable), true)
		}
	case atom.A:
		// A new link ends an open one, through the adoption agency; if
		// that left it in place (out of scope), it goes anyway.
		c.formattingEnd(atom.A, 0)
		if k := c.afeLast(atom.A, 0); k >= 0 {
			id := c.afe[k].id
			c.afeRemove(k)
			if i := c.indexOf(id); i >= 0 && id != 0 {
				// Off the stack, but still the ancestor of what is
				// inside it.
				e := &c.stack[i]
				c.closeElem(e, i)
				e = &c.stack[i]
				e.flags = e.flags&^fLayout | fGone
				e.id = 0
				c.popGone()
			}
		}
	case atom.Nobr:
		// Reopened formatting counts: a <nobr> closed early is found in
		// scope once reconstructed, and then ended.
		c.reconstruct()
		if c.inScope(atom.Nobr, scopeDefault) >= 0 {
			c.formattingEnd(atom.Nobr, 0)
		}
	case atom.Option:
		if t := c.top(); t != nil && t.tag == atom.Option {
			c.pop(true)
		}
	case atom.Optgroup:
		if t := c.top(); t != nil && t.tag == atom.Option {
			c.pop(true)
		}
		if t := c.top(); t != nil && t.tag == atom.Optgroup {
			c.pop(true)
		}
	case atom.Button:
		c.popTo(c.inScope(atom.Button, scopeDefault), true)
	case atom.Select:
		c.popTo(c.inScope(atom.Select, scopeDefault), true)
	case atom.Rt, atom.Rp:
		if t := c.top(); t != nil && (t.tag == atom.Rt || t.tag == atom.Rp) {
			c.pop(true)
		}
	}
	return true
}

// closeItem closes an open list item (li) or definition (dd/dt) the way
// the "in body" insertion mode does.
func (c *converter) closeItem(a1, a2 atom.Atom) {
	if !c.isOpen(a1) && !c.isOpen(a2) {
		return
	}
	for i := len(c.stack) - 1; i >= 0; i-- {
		e := &c.stack[i]
		if e.flags&fGone != 0 {
			continue
		}
		if e.tag == a1 || e.tag == a2 {
			c.popTo(i, true)
			return
		}
		if e.info.has(iSpecial) && e.tag != atom.Address && e.tag != atom.Div && e.tag != atom.P {
			return
		}
	}
}

// tablePart handles the start of a table's inner element: it closes the
// open cell, row or section it implies the end of, clears what was
// foster-parented above the row or table, and opens an implied <tr> for a
// cell that has none. Outside a table these tags are ignored, as browsers
// ignore them. The walk stops at the first table element it meets, which
// is near the top of the stack in real mail.
func (c *converter) tablePart(a atom.Atom) bool {
	if !c.isOpen(atom.Table) && !c.isOpen(atom.Template) {
		return false
	}
	cellTag := a == atom.Td || a == atom.Th
	rowish := cellTag || a == atom.Tr
	for i := len(c.stack) - 1; i >= 0; i-- {
		switch c.stack[i].tag {
		case atom.Template:
			// Template contents take table parts as they come.
			return true
		case atom.Td, atom.Th:
			// "Close the cell" (which also ends its formatting).
			c.popTo(i, true)
			if cellTag {
				return true // the row stays open for the new cell
			}
		case atom.Tr:
			switch {
			case cellTag:
				c.popTo(i+1, false)
			case a == atom.Tr:
				c.popTo(i, false)
			default:
				continue // a section closes up to the table
			}
			return true
		case atom.Tbody, atom.Thead, atom.Tfoot:
			if rowish {
				c.popTo(i+1, false)
				if cellTag {
					c.openElem(atom.Tr, 0, elemInfo(atom.Tr), &attrs{})
				}
				return true
			}
		case atom.Caption, atom.Colgroup:
			// Any table part ends a caption or column group.
			c.popTo(i, true)
		case atom.Table:
			c.popTo(i+1, false)
			if cellTag {
				c.openElem(atom.Tr, 0, elemInfo(atom.Tr), &attrs{})
			}
			return true
		}
	}
	return false
}

// endTablePart handles the end tag of a table, section, row, cell or
// caption: it closes the open cell first (as "close the cell" does), then
// everything up to the element. Rows put directly into a table are in an
// implied <tbody>, which </tbody> closes.
func (c *converter) endTablePart(a atom.Atom) {
	cell, row := -1, -1
	for i := len(c.stack) - 1; i >= 0; i-- {
		e := &c.stack[i]
		if e.flags&fGone != 0 {
			continue
		}
		switch {
		case e.tag == a:
			if cell > i {
				c.popTo(cell, true)
			}
			c.popTo(i, true)
			return
		case e.tag == atom.Td || e.tag == atom.Th:
			if cell < 0 {
				cell = i
			}
		case e.tag == atom.Tr:
			if row < 0 {
				row = i
			}
		case e.tag == atom.Table:
			if a == atom.Tbody && (row >= 0 || cell >= 0) {
				if cell >= 0 {
					c.popTo(cell, true)
				}
				c.popTo(i+1, false)
			}
			return
		case e.tag == atom.Template || e.tag == atom.Html:
			return
		}
	}
}

// endTag handles an end tag; hf is the name's hash as a foreign element.
func (c *converter) endTag(a atom.Atom, h, hf uint32) {
	if t := c.top(); t != nil && t.flags&fForeign != 0 {
		// In SVG/MathML an end tag closes the matching foreign element;
		// </p> and </br> break out of foreign content.
		for i := len(c.stack) - 1; i >= 0 && c.stack[i].flags&fForeign != 0; i-- {
			if e := &c.stack[i]; e.tag == a && e.hash == h || e.hash == hf {
				c.popTo(i, true)
				return
			}
		}
		if a == atom.P || a == atom.Br {
			for t := c.top(); t != nil && t.flags&fForeign != 0 && t.flags&fIntegration == 0; t = c.top() {
				c.pop(false)
			}
		}
	}
	switch a {
	case atom.Form:
		c.endForm()
		return
	case atom.Table, atom.Tbody, atom.Thead, atom.Tfoot, atom.Tr, atom.Td, atom.Th, atom.Caption:
		if c.overflow == 0 {
			c.endTablePart(a)
			return
		}
	case atom.Template:
		// </template> closes the innermost template, whatever is open
		// inside it (no scope), popping cells without "closing" them:
		// their markers stay, and only the template's is cleared.
		for i := len(c.stack) - 1; i >= 0; i-- {
			if c.stack[i].tag == atom.Template {
				c.popTo(i, true)
				return
			}
		}
		return
	case atom.Br:
		// "</br>" is a <br> (HTML §13.2.6.4.7).
		c.reconstruct()
		c.lineBreak()
		return
	case atom.Html, atom.Body:
		// Text after </body> is still shown by browsers.
		return
	}
	if c.overflow > 0 {
		c.overflow--
		return
	}
	in := elemInfo(a)
	if in.has(iFormatting) && c.formattingEnd(a, h) {
		return
	}
	if c.open[bucket(a, h)] == 0 && !in.has(iHeading) {
		if a == atom.P {
			// "</p>" with no open <p> makes an empty paragraph.
			c.block(2)
		}
		return
	}
	scope := scopeDefault
	switch {
	case a == atom.Li:
		scope = scopeList
	case a == atom.P:
		scope = scopeButton
	case a == atom.Td || a == atom.Th || a == atom.Tr || a == atom.Table || a == atom.Caption || in.has(iTablePart):
		scope = scopeTable
	}
	scoped := in.has(iEndScope)
	for i := len(c.stack) - 1; i >= 0; i-- {
		e := &c.stack[i]
		if e.flags&fGone != 0 {
			continue
		}
		if e.tag == a && e.hash == h || in.has(iHeading) && e.info.has(iHeading) {
			c.popTo(i, true)
			return
		}
		if scoped {
			if isScopeBoundary(e, scope) {
				break
			}
		} else if e.info.has(iSpecial) {
			// "Any other end tag": a special element in between
			// means the end tag is ignored.
			break
		}
	}
	if a == atom.P {
		c.block(2)
	}
}

// endForm handles </form>, which ends the form the form element pointer
// names rather than the innermost one, and takes it off the stack without
// ending the elements open inside it (they stay its descendants).
func (c *converter) endForm() {
	id := c.form
	c.form = 0
	i := -1
	if id != 0 {
		i = c.indexOf(id)
	}
	if i < 0 || c.stack[i].flags&fGone != 0 {
		return
	}
	for j := len(c.stack) - 1; j > i; j-- {
		if e := &c.stack[j]; e.flags&fGone == 0 && e.info.has(iScope) {
			return
		}
	}
	// Generate implied end tags.
	for t := c.top(); t != nil && len(c.stack)-1 > i; t = c.top() {
		switch t.tag {
		case atom.Dd, atom.Dt, atom.Li, atom.Optgroup, atom.Option, atom.P, atom.Rb, atom.Rp, atom.Rt, atom.Rtc:
			c.pop(true)
			continue
		}
		break
	}
	if len(c.stack)-1 == i {
		c.pop(true)
		return
	}
	c.stack[i].flags |= fGone
}
