package htmltext

import (
	"bytes"
	"net/url"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// attrs are the attributes the converter looks at. The slices are copies
// made by the tokenizer, valid while the tag is handled.
type attrs struct {
	style, href, alt, value, typ, start, width, height, class []byte
	hasStyle, hasHref, hasAlt, hasValue, hidden, open         bool
	fontAttr                                                  bool // color, face or size
}

// linkState is the open <a> (or <area>) being rendered.
type linkState struct {
	idx    int // stack index of the <a>, -1 when none
	t      target
	hidden bool // some of its text was hidden
	image  bool // it contains a visible image
}

type converter struct {
	opt      Options
	imgOpen  string // "[image:"
	w        writer
	stack    []elem
	overflow int        // elements opened beyond maxDepth, not tracked
	open     [64]uint16 // open elements per name bucket: skips hopeless stack walks
	afe      []afeEntry
	lastID   int32
	form     int32 // the form element pointer: id of the open <form>, or 0
	head     int   // index of the open <head>, or -1
	seenBody bool
	base     *url.URL
	baseSeen bool
	// Innermost visible cell, row, table and list: the chains continue
	// through elem.prev.
	cell, row, table, list int
	lk                     linkState
	tok, preTok            int // token counter; the token that opened a <pre>
	scratch                []byte
	res                    Result
}

func newConverter(opt Options) *converter {
	label := opt.ImageLabel
	if label == "" {
		label = "image"
	}
	return &converter{
		opt:     opt,
		imgOpen: "[" + label + ":",
		w:       writer{blankPrev: true, b: make([]byte, 0, 4096)},
		stack:   make([]elem, 0, 32),
		head:    -1,
		cell:    -1,
		row:     -1,
		table:   -1,
		list:    -1,
		lk:      linkState{idx: -1},
		preTok:  -2,
	}
}

// finish closes what is still open and returns the result.
func (c *converter) finish() Result {
	c.popTo(0, false)
	c.res.Text = c.w.text()
	return c.res
}

func (c *converter) readAttrs(z *html.Tokenizer, at *attrs) {
	for more := true; more; {
		var k, v []byte
		k, v, more = z.TagAttr()
		// The first of duplicate attributes wins, as in browsers.
		switch string(k) {
		case "style":
			if !at.hasStyle {
				at.style, at.hasStyle = v, true
			}
		case "hidden":
			at.hidden = true
		case "href":
			if !at.hasHref {
				at.href, at.hasHref = v, true
			}
		case "alt":
			if !at.hasAlt {
				at.alt, at.hasAlt = v, true
			}
		case "value":
			if !at.hasValue {
				at.value, at.hasValue = v, true
			}
		case "type":
			if at.typ == nil {
				at.typ = v
			}
		case "start":
			if at.start == nil {
				at.start = v
			}
		case "width":
			if at.width == nil {
				at.width = v
			}
		case "height":
			if at.height == nil {
				at.height = v
			}
		case "class":
			if at.class == nil {
				at.class = v
			}
		case "open":
			at.open = true
		case "color", "face", "size":
			at.fontAttr = true
		}
	}
}

func (c *converter) startTag(z *html.Tokenizer, selfClosing bool) {
	name, hasAttr := z.TagName()
	a := atom.Lookup(name)
	var h uint32
	if a == 0 {
		h = hashName(name)
	}
	var at attrs
	if hasAttr {
		c.readAttrs(z, &at)
	}
	switch a {
	case atom.Noscript, atom.Noembed, atom.Noframes:
		// A mail reader never runs scripts, loads plugins or shows
		// frames, so it shows this fallback content: tokenize it as
		// markup rather than as the raw text a scripting browser skips.
		// (This also keeps an unclosed <noscript> from hiding the rest.)
		z.NextIsNotRawText()
	case atom.Base:
		// Only the first <base href> counts (HTML §4.2.3).
		if at.hasHref && !c.baseSeen {
			c.baseSeen = true
			c.base = parseBase(at.href)
		}
	case atom.Html:
		return
	case atom.Body:
		c.closeHead()
		c.seenBody = true
		return
	case atom.Head:
		// A second or late <head> is ignored, as by browsers.
		if !c.seenBody && c.head < 0 && len(c.stack) == 0 {
			c.head = c.push(elem{tag: a, info: elemInfo(a), flags: fDrop, set: fDrop, origin: -1, prev: -1})
		}
		return
	}
	in := elemInfo(a)
	if t := c.top(); t != nil && t.flags&(fForeign|fIntegration) == fForeign {
		if !in.has(iBreakout) || a == atom.Font && !at.fontAttr {
			// <title>, <style>, <textarea> ... hold markup in SVG and
			// MathML, not raw text.
			z.NextIsNotRawText()
			// Everything in SVG/MathML is dropped; self-closing tags
			// really are empty there.
			if !selfClosing {
				// Foreign elements never match HTML end tags or
				// scopes: they are kept by name hash only.
				set := fForeign | fDrop | t.flags&fMath
				if isIntegrationPoint(a, set&fMath != 0) {
					set |= fIntegration
				}
				e := elem{hash: hashName(name) ^ foreignMark, info: foreignInfo(a, set&fMath != 0), flags: t.flags&inherited | set, set: set, origin: t.origin, prev: -1}
				if c.push(e) < 0 {
					c.overflow++
				}
			}
			return
		}
		// HTML §13.2.6.5: these start tags end foreign content.
		for t := c.top(); t != nil && t.flags&(fForeign|fIntegration) == fForeign; t = c.top() {
			c.pop(false)
		}
	}
	if c.head >= 0 {
		t := c.top()
		switch {
		case !in.has(iHeadContent):
			// "in head" insertion mode: anything else ends the head
			// (but not inside a <template>, which takes anything).
			if !c.isOpen(atom.Template) {
				c.closeHead()
			}
		case t.tag == atom.Noscript && t.info.has(iHeadContent):
			// "in head noscript": only a few elements may follow.
			switch a {
			case atom.Basefont, atom.Bgsound, atom.Link, atom.Meta, atom.Noframes, atom.Style:
			case atom.Noscript:
				return // ignored there
			default:
				c.closeHead()
			}
		}
	} else if !c.seenBody && len(c.stack) == 0 && in.has(iHeadContent) {
		// Head elements before any content go into an implied <head>.
		c.head = c.push(elem{tag: atom.Head, info: elemInfo(atom.Head), flags: fDrop, set: fDrop, origin: -1, prev: -1})
	}
	if !in.has(iHeadContent) {
		c.seenBody = true
	}
	if a == atom.Form && !c.isOpen(atom.Template) {
		if c.form != 0 {
			// A form inside a form is ignored.
			return
		}
		if c.tableMode() {
			// In a table a form is inserted and closed at once: it
			// contains nothing (but a second form is still ignored).
			c.form = -1
			return
		}
	}
	if !c.implicitClose(a, in) {
		return
	}
	if in.has(iReconstruct) {
		c.reconstruct()
	}
	c.openElem(a, h, in, &at)
}

func (c *converter) closeHead() {
	if c.head >= 0 {
		c.popTo(c.head, true)
	}
}

// ownState returns the state flags an element's own name and attributes
// turn on and off.
func ownState(a atom.Atom, in info, at *attrs, st *style) (set, clr uint32) {
	if (at.hidden && !st.displayShown()) || st.sticky() {
		set |= fHide
	}
	if st.visibility.set {
		if st.visibility.v == vHidden {
			set |= fVis
		} else {
			clr |= fVis
		}
	}
	switch st.fontSize.v {
	case vZero:
		set |= fFont
	case vAbs:
		clr |= fFont
	}
	if st.color.set {
		if st.color.v == vClear {
			set |= fColor
		} else {
			clr |= fColor
		}
	}
	if in.has(iDrop) || (a == atom.Dialog && !at.open) {
		set |= fDrop
	}
	switch a {
	case atom.Svg:
		set |= fForeign
	case atom.Math:
		set |= fForeign | fMath
	case atom.Pre, atom.Listing, atom.Xmp, atom.Plaintext:
		set |= fPre
	}
	return set, clr
}

// openElem computes the state of a new element, renders void elements, and
// pushes the others.
func (c *converter) openElem(a atom.Atom, h uint32, in info, at *attrs) {
	var st style
	if at.hasStyle {
		c.scratch = parseStyle(at.style, &st, c.scratch)
	}
	set, clr := ownState(a, in, at, &st)
	// Content other than table parts put into a table outside a cell is
	// moved before the table ("foster parenting"): it inherits from the
	// table's parent.
	foster := c.inTableContext() && !in.has(iTableContext) &&
		a != atom.Td && a != atom.Th && a != atom.Caption && a != atom.Colgroup && a != atom.Col
	pf, po := c.parentState(foster)
	f, origin := state(pf, po, set, clr, len(c.stack))
	if foster {
		f |= fFoster
	}
	if in.has(iVoid) {
		c.void(a, at, f, origin)
		return
	}
	if a == atom.P && (st.tight() || msoClass(at.class)) {
		// Outlook writes every line as <p class=MsoNormal> with no
		// margins (its style sheet says so); such a paragraph is a line.
		f |= fTight
	}
	idx := c.push(elem{tag: a, hash: h, info: in, flags: f, set: set, clr: clr, origin: origin, prev: -1, serial: c.w.serial})
	if idx < 0 {
		c.overflow++
		return
	}
	if in.has(iFormatting) {
		c.afeAdd(&c.stack[idx])
	}
	if a == atom.Form {
		c.form = c.stack[idx].id
	}
	if in.has(iMarker) {
		c.afeMarker()
	}
	if f&layoutOff != 0 {
		return
	}
	c.stack[idx].flags |= fLayout
	c.openLayout(idx, at)
}

// msoClass reports a class from Microsoft Word's HTML ("MsoNormal",
// "MsoListParagraph", ...), whose paragraphs have no margins.
func msoClass(class []byte) bool {
	for _, f := range bytes.Fields(class) {
		if bytes.HasPrefix(f, []byte("Mso")) {
			return true
		}
	}
	return false
}

// text renders a text token.
func (c *converter) text(s []byte) {
	if c.head >= 0 {
		t := c.top()
		inNoscript := t.tag == atom.Noscript && len(c.stack)-2 == c.head
		if (len(c.stack)-1 != c.head && !inNoscript) || isSpace(s) {
			// Text of title, style, script; white space between head
			// elements.
			return
		}
		// Other text ends the head (and a <noscript> in it).
		c.closeHead()
	}
	if !isSpace(s) {
		c.seenBody = true
	}
	if len(s) == 0 {
		return
	}
	if c.inTableContext() && isSpace(s) {
		// White space between table parts is not rendered.
		return
	}
	c.reconstruct()
	f, origin := c.parentState(c.inTableContext())
	if f&fDrop != 0 {
		return
	}
	if f&textOff != 0 {
		if hasVisible(s) {
			c.countHidden(origin)
			if c.lk.idx >= 0 {
				c.lk.hidden = true
			}
		}
		return
	}
	if f&fPre != 0 {
		if c.tok == c.preTok+1 && s[0] == '\n' {
			// A newline right after <pre> is not content (HTML §13.2.6.4.7).
			s = s[1:]
		}
		c.pre(s)
		return
	}
	c.flow(s)
}

// countHidden counts the element that hid some content, once.
func (c *converter) countHidden(origin int32) {
	if origin < 0 || int(origin) >= len(c.stack) {
		c.res.Hidden++
		return
	}
	if e := &c.stack[origin]; e.flags&fCounted == 0 {
		e.flags |= fCounted
		c.res.Hidden++
	}
}

// endTagName handles an end tag token.
func (c *converter) endTagName(name []byte) {
	a := atom.Lookup(name)
	var h uint32
	if a == 0 {
		h = hashName(name)
	}
	c.endTag(a, h, hashName(name)^foreignMark)
}

// foreignMark sets foreign elements' name hashes apart from HTML ones.
const foreignMark = 1 << 31
