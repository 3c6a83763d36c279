package htmltext

import "golang.org/x/net/html/atom"

// info is what the converter needs to know about an element name. The
// categories come from the HTML Living Standard's tree-construction rules
// (https://html.spec.whatwg.org/multipage/parsing.html); a tokenizer has no
// tree, so the converter re-creates just enough of those rules to know where
// an element (and its hidden state) ends.
type info uint32

const (
	iVoid         info = 1 << iota // never has content or an end tag
	iDrop                          // content is never shown (script, style, media, ...)
	iSpecial                       // "special" category: stops the any-other-end-tag walk
	iClosesP                       // start tag closes an open <p> in button scope
	iFormatting                    // formatting element: reopened after an early close
	iBreakout                      // start tag ends foreign (SVG/MathML) content
	iScope                         // boundary of the default "has an element in scope"
	iHeadContent                   // may appear in <head> without ending it
	iBlock1                        // starts and ends its own line
	iBlock2                        // has a blank line before and after
	iHeading                       // h1-h6
	iTablePart                     // tbody, thead, tfoot
	iReconstruct                   // start tag reopens formatting elements closed early
	iMarker                        // opening puts a marker in the active formatting list
	iTableContext                  // table, tbody, thead, tfoot, tr: content here is foster-parented
	iEndScope                      // end tag closes everything up to it within scope
)

// has reports whether any of the bits of f are set.
func (i info) has(f info) bool { return i&f != 0 }

// elemInfo classifies a tag. Unknown names (atom 0: custom elements,
// Outlook's <o:p>) are inline containers.
func elemInfo(a atom.Atom) info {
	i := baseInfo(a)
	switch a {
	case atom.Img, atom.Br, atom.Embed, atom.Input, atom.Area, atom.Wbr, atom.Keygen,
		atom.Select, atom.Xmp, atom.Button:
		// Special elements before which "reconstruct the active
		// formatting elements" runs (HTML §13.2.6.4.7).
		i |= iReconstruct
	case atom.Object, atom.Applet, atom.Marquee:
		i |= iReconstruct | iMarker
	case atom.Td, atom.Th, atom.Caption, atom.Template:
		i |= iMarker
	case atom.Table, atom.Tbody, atom.Thead, atom.Tfoot, atom.Tr:
		i |= iTableContext
	}
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Button, atom.Center,
		atom.Details, atom.Dialog, atom.Dir, atom.Div, atom.Dl, atom.Fieldset, atom.Figcaption,
		atom.Figure, atom.Footer, atom.Header, atom.Hgroup, atom.Listing, atom.Main, atom.Menu,
		atom.Nav, atom.Ol, atom.Pre, atom.Search, atom.Section, atom.Summary, atom.Ul,
		atom.P, atom.Li, atom.Dd, atom.Dt, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Applet, atom.Marquee, atom.Object, atom.Template, atom.Select,
		atom.Table, atom.Tbody, atom.Thead, atom.Tfoot, atom.Tr, atom.Td, atom.Th,
		atom.Caption, atom.Colgroup:
		// The block end tags of "in body" and the table modes: they
		// close everything open inside them (within scope). Other end
		// tags stop at the first special element.
		i |= iEndScope
	}
	if !i.has(iSpecial | iClosesP) {
		// Inline content ("any other start tag") reconstructs too.
		i |= iReconstruct
	}
	return i
}

func baseInfo(a atom.Atom) info {
	switch a {
	case atom.Area, atom.Base, atom.Basefont, atom.Bgsound, atom.Col, atom.Embed,
		atom.Frame, atom.Img, atom.Input, atom.Keygen, atom.Link, atom.Meta,
		atom.Param, atom.Source, atom.Track, atom.Wbr:
		i := iVoid | iSpecial
		switch a {
		case atom.Base, atom.Basefont, atom.Bgsound, atom.Link, atom.Meta:
			i |= iHeadContent
		case atom.Embed, atom.Img:
			i |= iBreakout
		}
		return i
	case atom.Br:
		return iVoid | iSpecial | iBreakout
	case atom.Hr:
		return iVoid | iSpecial | iBreakout | iClosesP | iBlock1

	case atom.Script, atom.Style, atom.Title:
		return iDrop | iSpecial | iHeadContent
	case atom.Template:
		return iDrop | iSpecial | iHeadContent | iScope
	case atom.Head:
		return iDrop | iSpecial | iBreakout
	case atom.Object, atom.Applet:
		return iDrop | iSpecial | iScope
	case atom.Iframe, atom.Frameset, atom.Textarea:
		return iDrop | iSpecial
	case atom.Svg, atom.Math, atom.Audio, atom.Video, atom.Canvas, atom.Datalist, atom.Rp:
		return iDrop
	case atom.Dialog:
		// Dropped unless it has the open attribute (decided at push
		// time). Not in the special category.
		return iClosesP | iBlock1

	case atom.Noscript, atom.Noframes:
		// Rendered as markup: see the comment in startTag.
		return iSpecial | iHeadContent
	case atom.Noembed:
		return iSpecial

	case atom.P:
		return iSpecial | iClosesP | iBreakout | iBlock2
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return iSpecial | iClosesP | iBreakout | iBlock2 | iHeading
	case atom.Blockquote, atom.Dl, atom.Pre, atom.Listing, atom.Ul, atom.Ol, atom.Menu:
		return iSpecial | iClosesP | iBreakout | iBlock2
	case atom.Dir, atom.Figure, atom.Xmp, atom.Plaintext:
		return iSpecial | iClosesP | iBlock2
	case atom.Div, atom.Center, atom.Dd, atom.Dt, atom.Li:
		return iSpecial | iClosesP | iBreakout | iBlock1
	case atom.Address, atom.Article, atom.Aside, atom.Details, atom.Fieldset,
		atom.Figcaption, atom.Footer, atom.Header, atom.Hgroup, atom.Main,
		atom.Nav, atom.Search, atom.Section, atom.Summary, atom.Form:
		return iSpecial | iClosesP | iBlock1
	case atom.Legend, atom.Option, atom.Optgroup:
		return iBlock1
	case atom.Select:
		return iSpecial | iBlock1

	case atom.Table:
		return iSpecial | iScope | iBreakout | iBlock1
	case atom.Caption:
		return iSpecial | iScope | iBlock1
	case atom.Td, atom.Th:
		return iSpecial | iScope
	case atom.Tr:
		return iSpecial | iBlock1
	case atom.Tbody, atom.Thead, atom.Tfoot:
		return iSpecial | iTablePart
	case atom.Colgroup:
		return iSpecial
	case atom.Html:
		return iSpecial | iScope
	case atom.Body:
		return iSpecial | iBreakout
	case atom.Marquee:
		return iSpecial | iScope
	case atom.Button:
		return iSpecial

	case atom.A:
		// Not a breakout: SVG has an <a> of its own.
		return iFormatting
	case atom.B, atom.Big, atom.Code, atom.Em, atom.Font, atom.I, atom.Nobr,
		atom.S, atom.Small, atom.Strike, atom.Strong, atom.Tt, atom.U:
		return iFormatting | iBreakout
	case atom.Ruby, atom.Span, atom.Sub, atom.Sup, atom.Var:
		return iBreakout
	}
	return 0
}

// foreignInfo classifies an element inside SVG or MathML: only the
// integration points (where HTML resumes) are special and scope
// boundaries; the rest are plain.
func foreignInfo(a atom.Atom, math bool) info {
	if isIntegrationPoint(a, math) || math && a == atom.AnnotationXml {
		return iSpecial | iScope
	}
	return 0
}

// isIntegrationPoint reports SVG foreignObject, desc and title and the
// MathML text integration points, inside which tags are HTML again.
func isIntegrationPoint(a atom.Atom, math bool) bool {
	if math {
		switch a {
		case atom.Mi, atom.Mo, atom.Mn, atom.Ms, atom.Mtext:
			return true
		}
		return false
	}
	switch a {
	case atom.Foreignobject, atom.Desc, atom.Title:
		return true
	}
	return false
}
