package htmltext

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/net/html/atom"
)

// flow writes text with HTML white-space collapsing.
func (c *converter) flow(s []byte) {
	w := &c.w
	for i := 0; i < len(s); {
		b := s[i]
		if b <= ' ' {
			switch b {
			case ' ', '\t', '\r', '\f':
				w.space = true
			case '\n':
				w.space, w.spaceNL = true, true
			}
			// Other C0 controls are not shown at all.
			i++
			continue
		}
		j := i
		for j < len(s) {
			b := s[j]
			if b < utf8.RuneSelf {
				if b <= ' ' || b == 0x7f {
					break
				}
				j++
				continue
			}
			r, n := utf8.DecodeRune(s[j:])
			if special(r, n) {
				break
			}
			j += n
		}
		if j > i {
			w.word(s[i:j])
			i = j
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		switch {
		case r == 0xA0:
			w.hard++
		case r == utf8.RuneError && n <= 1:
			w.wordString("\uFFFD")
		case r == 0x2028 || r == 0x2029:
			w.space = true
		}
		i += n
	}
}

// pre writes preformatted text: spaces and line ends kept.
func (c *converter) pre(s []byte) {
	w := &c.w
	for i := 0; i < len(s); {
		if s[i] == '\n' {
			w.newline()
			i++
			continue
		}
		j := i
		for j < len(s) {
			b := s[j]
			if b < utf8.RuneSelf {
				if b == '\n' || (b < ' ' && b != '\t') || b == 0x7f {
					break
				}
				j++
				continue
			}
			r, n := utf8.DecodeRune(s[j:])
			if special(r, n) {
				break
			}
			j += n
		}
		if j > i {
			w.word(s[i:j])
			i = j
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		switch {
		case r == 0xA0:
			w.wordString(" ")
		case r == utf8.RuneError && n <= 1:
			w.wordString("\uFFFD")
		}
		i += n
	}
}

// special reports characters that are not copied as they are: invalid
// UTF-8, no-break space, C1 controls, and invisible characters that only
// serve to hide or disguise text (zero-width spaces used to split words
// past filters, soft hyphens, the "&zwnj;&#847;" padding of newsletter
// preheaders, bidirectional overrides that reorder what is read).
func special(r rune, n int) bool {
	switch {
	case r == utf8.RuneError && n <= 1:
		return true
	case r == 0xA0, r == 0xAD, r == 0x034F, r == 0x180E, r == 0xFEFF:
		return true
	case 0x80 <= r && r <= 0x9F:
		return true
	case 0x200B <= r && r <= 0x200C, 0x2060 <= r && r <= 0x2064:
		return true
	case 0x202A <= r && r <= 0x202E, 0x2066 <= r && r <= 0x2069:
		return true
	case r == 0x2028 || r == 0x2029:
		return true
	}
	return false
}

// hasVisible reports whether s has anything but white space and invisible
// characters.
func hasVisible(s []byte) bool {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b > ' ' && b != 0x7f {
				return true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		if !special(r, n) || r == utf8.RuneError {
			return true
		}
		i += n
	}
	return false
}

func isSpace(s []byte) bool {
	for _, b := range s {
		switch b {
		case ' ', '\t', '\n', '\r', '\f':
		default:
			return false
		}
	}
	return true
}

// void renders an element that has no content.
func (c *converter) void(a atom.Atom, at *attrs, f uint32, origin int32) {
	if f&fDrop != 0 {
		return
	}
	hidden := f&layoutOff != 0
	switch a {
	case atom.Br:
		if !hidden {
			c.lineBreak()
		}
	case atom.Hr:
		if !hidden {
			c.block(1)
			c.w.wordString(hrLine)
			c.block(1)
		}
	case atom.Img:
		c.image(at, f, origin)
	case atom.Input:
		switch string(bytes.ToLower(trimSpace(at.typ))) {
		case "image":
			c.image(at, f, origin)
		case "submit", "button", "reset":
			// The label of a button is visible; the values of other
			// fields are form data, not content of the message.
			if f&textOff == 0 && at.hasValue && hasVisible(at.value) {
				c.w.space = true
				c.w.wordString("[")
				c.flow(at.value)
				c.w.glue("]")
				c.w.space = true
			}
		}
	case atom.Area:
		if !hidden && at.hasHref {
			c.area(at)
		}
	}
}

// image shows an image with alt text as "[image: alt]".
func (c *converter) image(at *attrs, f uint32, origin int32) {
	hidden := f&(layoutOff|fVis) != 0 || tinyDim(at.width) || tinyDim(at.height)
	alt := at.hasAlt && hasVisible(at.alt)
	if hidden {
		if alt {
			c.countHidden(origin)
		}
		if c.lk.idx >= 0 {
			// A link around a tracking pixel is not visible either.
			c.lk.hidden = true
		}
		return
	}
	if c.lk.idx >= 0 {
		c.lk.image = true
	}
	if !alt {
		return
	}
	// An image is a box of its own: keep its label apart from the words
	// around it.
	c.w.space = true
	c.w.wordString(c.imgOpen)
	c.w.space = true
	c.flow(at.alt)
	c.w.glue("]")
	c.w.space = true
}

// tinyDim reports a width or height attribute of 0 or 1 pixel: tracking
// pixels, whose alt text no reader sees.
func tinyDim(v []byte) bool {
	n, unit, ok := parseNumber(v)
	return ok && (unit == "" || unit == "px") && n <= 1
}

// area renders an image-map link on its own line: its alt text and URL.
func (c *converter) area(at *attrs) {
	if c.lk.idx >= 0 {
		// Inside a link, only the text can be shown.
		if at.hasAlt {
			c.flow(at.alt)
		}
		return
	}
	c.block(1)
	c.linkStart(-2, at.href)
	if at.hasAlt {
		c.flow(at.alt)
	}
	if c.lk.idx != -1 {
		c.linkFinish()
	}
	c.block(1)
}

func (c *converter) linkStart(idx int, href []byte) {
	t := classify(href, c.base)
	if t.kind == urlNone {
		return
	}
	c.lk = linkState{idx: idx, t: t}
	c.w.markWant = true
}

// linkFinish shows the URL of the link that just ended, according to the
// policy, and counts it.
func (c *converter) linkFinish() {
	lk := c.lk
	c.lk = linkState{idx: -1}
	empty := c.w.markWant
	c.w.markWant = false
	if empty && lk.hidden && !lk.image {
		return // nothing of the link is visible
	}
	c.res.Links++
	switch lk.t.kind {
	case urlUnsafe:
		c.res.UnsafeLinks++
		c.res.LinksChanged++
		return
	case urlRefused:
		c.res.LinksChanged++
		return
	}
	var show string
	switch c.opt.Links {
	case LinksRemove:
		c.res.LinksChanged++
		return
	case LinksDefang:
		show = lk.t.defanged
		if show != lk.t.shown || lk.t.changed {
			c.res.LinksChanged++
		}
	default:
		show = lk.t.shown
		if lk.t.changed {
			c.res.LinksChanged++
		}
	}
	if empty {
		c.w.urlString(show)
		return
	}
	if text, ok := c.w.linkText(); ok && sameURL(text, &lk.t) {
		// The text already says where the link goes; when defanging,
		// the text itself is what must not be clickable.
		if show != lk.t.shown {
			c.w.replaceLinkText(show)
		}
		return
	}
	c.w.appendURL(show)
}
