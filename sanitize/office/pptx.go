package office

import (
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
)

// pptx converts a PresentationML presentation (ECMA-376 Part 1 §19): each
// slide in presentation order (sldIdLst, §19.2.1.34) under a
// "--- slide N ---" heading, its shapes' text in document order (a table's
// rows as lines), SmartArt text, then the speaker notes and the comments.
func (ex *extraction) pptx() error {
	ex.scanNames()
	if err := ex.scanRels(); err != nil {
		return err
	}
	main, err := ex.mainPart()
	if err != nil {
		return err
	}
	rs, err := ex.rels(main)
	if err != nil {
		return err
	}
	ids, err := ex.slideIDs(main)
	if err != nil {
		return err
	}
	authors := map[string]string{}
	for _, r := range rs {
		if (r.typ == "commentAuthors" || r.typ == "authors") && !r.external {
			if err := ex.commentAuthors(r.target, authors); err != nil {
				return err
			}
		}
	}
	rels := byID(rs)
	seen := map[string]bool{}
	for i, id := range ids {
		r, ok := rels[id]
		if !ok || r.external || r.typ != "slide" || seen[r.target] {
			// PowerPoint lists each slide once; a slide listed again is
			// not read again.
			continue
		}
		seen[r.target] = true
		if err := ex.check(); err != nil {
			return err
		}
		srs, err := ex.rels(r.target)
		if err != nil {
			return err
		}
		if err := ex.slideText(r.target, ex.w, "slide "+strconv.Itoa(i+1)); err != nil {
			return err
		}
		for _, sr := range srs {
			if sr.typ == "diagramData" && !sr.external {
				if err := ex.drawingText(sr.target, ex.w); err != nil {
					return err
				}
			}
		}
		if nr, ok := find(srs, "notesSlide"); ok && !nr.external {
			if err := ex.slideText(nr.target, ex.w, ""); err != nil {
				return err
			}
		}
		for _, sr := range srs {
			if sr.typ == "comments" && !sr.external {
				ex.w.section("comments")
				if err := ex.slideComments(sr.target, authors); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// slideIDs returns the relationship ids of the slides in order.
func (ex *extraction) slideIDs(part string) ([]string, error) {
	x, err := ex.xmlPart(part)
	if err != nil {
		return nil, err
	}
	defer x.close()
	var ids []string
	for {
		tok, err := x.next()
		if err == io.EOF {
			return ids, nil
		}
		if err != nil {
			return nil, err
		}
		if t, ok := tok.(xml.StartElement); ok && x.ns() == nsP && t.Name.Local == "sldId" && x.up(1).local == "sldIdLst" {
			ids = append(ids, attr(t, nsR, "id"))
		}
	}
}

// slideText writes the text of a slide's shapes under the heading, or with
// heading "" of a notes slide's under "notes". On a notes slide only the
// notes body placeholder (ph type="body") is the speaker's text; the
// others are the slide image, number and header. Slide number placeholders
// on slides are left out too: the heading numbers the slide. A hidden
// slide (show="0" on its root, §19.3.1.38) says so in its heading.
func (ex *extraction) slideText(part string, w *writer, heading string) error {
	notes := heading == ""
	if notes {
		w.section("notes")
	}
	x, err := ex.xmlPart(part)
	if errors.Is(err, errNoPart) {
		return nil
	}
	if err != nil {
		return err
	}
	defer x.close()
	var phType []string // per open p:sp
	for {
		if ex.w.full() {
			return errFull
		}
		tok, err := x.next()
		if err == io.EOF {
			w.closeAll()
			w.flush()
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if x.depth() == 1 && !notes {
				if v := attr(t, nsOther, "show"); v != "" && !onOffAttr(v) {
					heading += " (hidden)"
				}
				w.section(heading)
			}
			switch x.ns() {
			case nsP:
				switch t.Name.Local {
				case "sp":
					phType = append(phType, "")
				case "ph":
					if n := len(phType); n > 0 {
						phType[n-1] = attr(t, nsOther, "type")
						if phType[n-1] == "" {
							phType[n-1] = "obj"
						}
					}
				case "txBody":
					if n := len(phType); n > 0 {
						pt := phType[n-1]
						if (notes && pt != "body") || pt == "sldNum" {
							if err := x.skip(); err != nil {
								return err
							}
						}
					}
				case "oleObj":
					ex.remove("OLE object")
				case "control":
					ex.remove("ActiveX control")
				}
			case nsA:
				if err := ex.drawingStart(t, w); err != nil {
					return err
				}
			}
		case xml.EndElement:
			switch x.endNS() {
			case nsP:
				if t.Name.Local == "sp" && len(phType) > 0 {
					phType = phType[:len(phType)-1]
				}
			case nsA:
				drawingEnd(t, w)
			}
		case xml.CharData:
			if x.up(0).ns == nsA && x.up(0).local == "t" {
				w.text(string(t))
			}
		}
	}
}

// drawingStart handles the DrawingML text elements (ECMA-376 Part 1
// §21.1.2: a:p paragraphs, a:br breaks, a:tbl tables) shared by slides,
// sheet drawings and SmartArt data.
func (ex *extraction) drawingStart(t xml.StartElement, w *writer) error {
	switch t.Name.Local {
	case "br":
		w.lineBreak()
	case "tbl":
		w.startTable()
	case "tr":
		w.startRow()
	case "tc":
		w.startCell()
	case "hlinkClick", "hlinkMouseOver":
		// An action setting that starts a program (§21.1.2.3.5,
		// ppaction://program) runs it when clicked in a slide show.
		if strings.HasPrefix(attr(t, nsOther, "action"), "ppaction://program") {
			ex.remove("program action")
		}
	}
	return nil
}

func drawingEnd(t xml.EndElement, w *writer) {
	switch t.Name.Local {
	case "p":
		w.endPara()
	case "tc":
		w.endCell()
	case "tr":
		w.endRow()
	case "tbl":
		w.endTable()
	}
}

// drawingText writes the DrawingML text of a part: a sheet's drawing
// (text boxes and shapes, §20.5), or SmartArt data (dgm:pt/dgm:t).
func (ex *extraction) drawingText(part string, w *writer) error {
	x, err := ex.xmlPart(part)
	if errors.Is(err, errNoPart) {
		return nil
	}
	if err != nil {
		return err
	}
	defer x.close()
	for {
		if ex.w.full() {
			return errFull
		}
		tok, err := x.next()
		if err == io.EOF {
			w.closeAll()
			w.flush()
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if x.ns() == nsA {
				if err := ex.drawingStart(t, w); err != nil {
					return err
				}
			}
		case xml.EndElement:
			if x.endNS() == nsA {
				drawingEnd(t, w)
			}
		case xml.CharData:
			if x.up(0).ns == nsA && x.up(0).local == "t" {
				w.text(string(t))
			}
		}
	}
}

// commentAuthors reads the comment authors: legacy p:cmAuthor (§19.4.2)
// or the modern p188:author list.
func (ex *extraction) commentAuthors(part string, into map[string]string) error {
	return ex.eachStart(part, func(x *xmlReader, t xml.StartElement) error {
		if (t.Name.Local == "cmAuthor" || t.Name.Local == "author") && len(into) < maxNumDefs {
			into[attr(t, nsOther, "id")] = attr(t, nsOther, "name")
		}
		return nil
	})
}

// slideComments writes a slide's comments, legacy (p:cm/p:text, §19.4.1)
// or modern (p188:cm with a text body), as "author: text".
func (ex *extraction) slideComments(part string, authors map[string]string) error {
	x, err := ex.xmlPart(part)
	if errors.Is(err, errNoPart) {
		return nil
	}
	if err != nil {
		return err
	}
	defer x.close()
	w := ex.w
	for {
		if w.full() {
			return errFull
		}
		tok, err := x.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "cm" && x.depth() == 2 {
				w.flush()
				if a := authors[attr(t, nsOther, "authorId")]; a != "" {
					w.label(a + ":")
				}
			} else if x.ns() == nsA {
				if err := ex.drawingStart(t, w); err != nil {
					return err
				}
			}
		case xml.EndElement:
			if t.Name.Local == "cm" && x.depth() == 1 {
				w.flush()
			} else if x.endNS() == nsA {
				drawingEnd(t, w)
			}
		case xml.CharData:
			top := x.up(0)
			if (top.ns == nsA && top.local == "t") || (top.ns == nsP && top.local == "text") {
				w.text(string(t))
			}
		}
	}
}
