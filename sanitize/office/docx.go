package office

import (
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
)

// docx converts a WordprocessingML document (ECMA-376 Part 1 §17): the main
// document, then the headers and footers its sections reference, the
// footnotes and endnotes it references, and the comments.
func (ex *extraction) docx() error {
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
	c := &docxConv{ex: ex, foot: map[string]string{}, end: map[string]string{}}
	if r, ok := find(rs, "numbering"); ok && !r.external {
		if c.num, err = ex.readNumbering(r.target); err != nil {
			return err
		}
	}
	if r, ok := find(rs, "styles"); ok && !r.external {
		if c.styles, err = ex.readStyleNumbering(r.target); err != nil {
			return err
		}
	}
	if err := c.part(main, docBody, ex.w); err != nil {
		return err
	}
	ids := byID(rs)
	for _, sec := range []struct {
		name string
		ids  []string
	}{{"headers", c.headers}, {"footers", c.footers}} {
		ex.w.section(sec.name)
		seen := map[string]bool{}
		for _, id := range sec.ids {
			r, ok := ids[id]
			if !ok || r.external || seen[r.target] {
				continue
			}
			seen[r.target] = true
			// Sections often repeat the same header text in their first,
			// even and default headers; show each text once.
			sub := newWriter(ex.w.left)
			if err := c.part(r.target, docHeader, sub); err != nil {
				if errors.Is(err, errFull) {
					ex.w.truncated = true
				}
				return err
			}
			text := sub.finish()
			if seen[text] || text == "" {
				continue
			}
			seen[text] = true
			ex.w.block(text)
			ex.w.blankLine()
			ex.w.truncated = ex.w.truncated || sub.truncated
		}
	}
	for _, p := range []struct{ typ, name string }{{"footnotes", "footnotes"}, {"endnotes", "endnotes"}, {"comments", "comments"}} {
		r, ok := find(rs, p.typ)
		if !ok || r.external {
			continue
		}
		ex.w.section(p.name)
		if err := c.part(r.target, p.typ, ex.w); err != nil {
			return err
		}
	}
	return nil
}

// Parts of a WordprocessingML document, as docxPart.kind.
const (
	docBody   = "body"
	docHeader = "header"
)

type docxConv struct {
	ex               *extraction
	num              *numbering
	styles           styleNumbering
	foot, end        map[string]string // note id → label shown at its reference
	nFoot, nEnd      int
	headers, footers []string // relationship ids in the order the sections reference them
}

// docxPart is the state of reading one part.
type docxPart struct {
	c        *docxConv
	x        *xmlReader
	w        *writer
	kind     string
	fields   []field
	overflow int        // field begins beyond maxFields, to keep begin/end balanced
	runs     []runState // open w:r elements (a text box nests runs)
	paras    []paraState
	inT      bool
	inInstr  bool
	rubyText []byte // the ruby (furigana) of the ruby being read
	inRuby   int    // open w:rt elements
}

// field is an open complex field (ECMA-376 Part 1 §17.16.18): between
// fldChar begin and separate is the instruction, between separate and end
// the result, which is what Word shows.
type field struct {
	instr  []byte
	result bool
}

const (
	maxFields    = 64
	maxInstrText = 4096
)

type runState struct {
	depth  int
	hidden bool
}

type paraState struct {
	depth int
	numID string
	ilvl  int
	style string
}

func (c *docxConv) part(name, kind string, w *writer) error {
	x, err := c.ex.xmlPart(name)
	if errors.Is(err, errNoPart) {
		return nil
	}
	if err != nil {
		return err
	}
	defer x.close()
	p := &docxPart{c: c, x: x, w: w, kind: kind}
	for {
		if c.ex.w.full() || w.full() {
			return errFull
		}
		tok, err := x.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := p.start(t); err != nil {
				return err
			}
		case xml.EndElement:
			p.end(t)
		case xml.CharData:
			p.chars(t)
		}
	}
	for len(p.fields) > 0 {
		p.endField()
	}
	w.closeAll()
	w.flush()
	return nil
}

func (p *docxPart) start(t xml.StartElement) error {
	x, w := p.x, p.w
	switch p.x.ns() {
	case nsW:
	case nsO:
		if t.Name.Local == "OLEObject" {
			// VML OLE object ([MS-OI29500] / ECMA-376 Part 4 §19.2.2.5).
			if strings.EqualFold(attrAny(t, "Type"), "Link") {
				p.c.ex.remove("external link")
			} else {
				p.c.ex.remove("OLE object")
			}
		}
		return nil
	default:
		return nil
	}
	inRun := x.up(1).ns == nsW && x.up(1).local == "r"
	switch t.Name.Local {
	case "p":
		p.paras = append(p.paras, paraState{depth: x.depth()})
	case "pStyle", "numId", "ilvl":
		p.paraProp(t)
	case "r":
		hidden := len(p.runs) > 0 && p.runs[len(p.runs)-1].hidden
		p.runs = append(p.runs, runState{depth: x.depth(), hidden: hidden})
	case "vanish", "specVanish":
		// Hidden text (§17.3.2.41) is not shown by Word; like hidden
		// HTML, it is not output. Only the run's own properties count,
		// not the paragraph mark's (pPr/rPr).
		if x.up(1).local == "rPr" && x.up(2).local == "r" && len(p.runs) > 0 && onOff(t) {
			p.runs[len(p.runs)-1].hidden = true
		}
	case "t":
		p.inT = inRun
	case "instrText":
		p.inInstr = inRun
	case "tab", "ptab":
		if inRun && p.visible() {
			w.tab()
		}
	case "br", "cr":
		if inRun && p.visible() {
			w.lineBreak()
		}
	case "noBreakHyphen":
		if inRun && p.visible() {
			w.text("-")
		}
	case "del", "moveFrom":
		// Deleted and moved-away text of tracked changes (§17.13.5) is not
		// part of the document as shown.
		if x.up(1).local != "rPr" && x.up(1).local != "pPr" {
			return x.skip()
		}
	case "fldChar":
		switch attr(t, nsW, "fldCharType") {
		case "begin":
			p.beginField(nil, false)
		case "separate":
			if n := len(p.fields); n > 0 && p.overflow == 0 {
				p.fields[n-1].result = true
			}
		case "end":
			p.endField()
		}
	case "fldSimple":
		// A simple field (§17.16.19) holds its result as content.
		p.beginField([]byte(attr(t, nsW, "instr")), true)
	case "footnoteReference", "endnoteReference":
		if inRun && p.visible() {
			p.noteRef(t)
		}
	case "tbl":
		w.startTable()
	case "tr":
		w.startRow()
	case "tc":
		w.startCell()
	case "txbxContent":
		w.push()
	case "rt":
		// Ruby (§17.3.3.25): the guide text comes first in the markup
		// but reads after its base, as "漢字(かんじ)".
		p.inRuby++
		p.rubyText = p.rubyText[:0]
	case "headerReference", "footerReference":
		if p.kind == docBody {
			id := attr(t, nsR, "id")
			if t.Name.Local == "headerReference" {
				p.c.headers = append(p.c.headers, id)
			} else {
				p.c.footers = append(p.c.footers, id)
			}
		}
	case "footnote", "endnote":
		if x.depth() != 2 {
			return nil
		}
		switch attr(t, nsW, "type") {
		case "separator", "continuationSeparator", "continuationNotice":
			return x.skip()
		}
		ids := p.c.foot
		if t.Name.Local == "endnote" {
			ids = p.c.end
		}
		label, ok := ids[attr(t, nsW, "id")]
		if !ok {
			// Not referenced from the text, so Word does not show it.
			return x.skip()
		}
		w.label(label)
	case "comment":
		if x.depth() == 2 {
			if a := strings.TrimSpace(attr(t, nsW, "author")); a != "" {
				w.label(a + ":")
			}
		}
	case "object":
		p.c.ex.remove("OLE object")
	case "control":
		p.c.ex.remove("ActiveX control")
	case "altChunk":
		// Imported content (HTML, RTF, another document) stored as a
		// separate part (§17.17.2); not converted here.
		p.c.ex.remove("embedded file")
	case "sym":
		// A symbol-font character (§17.3.3.30), Private Use Area: no text.
	}
	return nil
}

// paraProp reads the list numbering of the current paragraph.
func (p *docxPart) paraProp(t xml.StartElement) {
	if len(p.paras) == 0 {
		return
	}
	para := &p.paras[len(p.paras)-1]
	x := p.x
	val := attr(t, nsW, "val")
	switch t.Name.Local {
	case "pStyle":
		if x.depth() == para.depth+2 && x.up(1).local == "pPr" {
			para.style = val
		}
	case "numId", "ilvl":
		if x.depth() == para.depth+3 && x.up(1).local == "numPr" && x.up(2).local == "pPr" {
			if t.Name.Local == "numId" {
				para.numID = val
			} else {
				para.ilvl, _ = strconv.Atoi(val)
			}
		}
	}
}

func (p *docxPart) end(t xml.EndElement) {
	if p.x.endNS() != nsW {
		return
	}
	w := p.w
	switch t.Name.Local {
	case "pPr":
		if n := len(p.paras); n > 0 && p.x.depth() == p.paras[n-1].depth {
			p.listLabel(p.paras[n-1])
		}
	case "p":
		if n := len(p.paras); n > 0 {
			p.paras = p.paras[:n-1]
		}
		w.endPara()
	case "r":
		if n := len(p.runs); n > 0 {
			p.runs = p.runs[:n-1]
		}
		p.inT, p.inInstr = false, false
	case "t":
		p.inT = false
	case "instrText":
		p.inInstr = false
	case "fldSimple":
		p.endField()
	case "tc":
		w.endCell()
	case "tr":
		w.endRow()
	case "tbl":
		w.endTable()
	case "txbxContent":
		w.pop()
	case "rt":
		p.inRuby--
	case "rubyBase":
		if len(p.rubyText) > 0 {
			w.text("(" + string(p.rubyText) + ")")
			p.rubyText = p.rubyText[:0]
		}
	case "footnote", "endnote", "comment":
		if p.x.depth() == 1 {
			w.flush()
		}
	}
}

// listLabel writes a paragraph's list label when its properties are read.
func (p *docxPart) listLabel(para paraState) {
	numID, ilvl := para.numID, para.ilvl
	if numID == "" && para.style != "" {
		numID, ilvl = p.c.styles.lookup(para.style)
	}
	if label := p.c.num.label(numID, ilvl); label != "" && p.fieldsShow() {
		p.w.text(strings.Repeat("  ", min(ilvl, 8)) + label + " ")
	}
}

func (p *docxPart) chars(t xml.CharData) {
	switch {
	case p.inT:
		if n := len(p.runs); n > 0 && p.runs[n-1].hidden {
			return
		}
		if f := p.instrField(); f != nil {
			// The result of a field nested in another field's instruction
			// is part of that instruction (QUOTE and IF build DDE commands
			// this way to hide them from scanners).
			f.appendInstr(t)
			return
		}
		if p.inRuby > 0 {
			if len(p.rubyText) < 256 {
				p.rubyText = append(p.rubyText, t...)
			}
			return
		}
		p.w.text(string(t))
	case p.inInstr:
		if n := len(p.fields); n > 0 && !p.fields[n-1].result && p.overflow == 0 {
			p.fields[n-1].appendInstr(t)
		}
	}
}

func (f *field) appendInstr(b []byte) {
	if room := maxInstrText - len(f.instr); room > 0 {
		f.instr = append(f.instr, b[:min(len(b), room)]...)
	}
}

// visible reports whether run content here is shown: not hidden and not in
// a field instruction.
func (p *docxPart) visible() bool {
	if n := len(p.runs); n > 0 && p.runs[n-1].hidden {
		return false
	}
	return p.fieldsShow()
}

func (p *docxPart) fieldsShow() bool { return p.instrField() == nil }

// instrField returns the innermost field whose instruction is being read.
func (p *docxPart) instrField() *field {
	for i := len(p.fields) - 1; i >= 0; i-- {
		if !p.fields[i].result {
			return &p.fields[i]
		}
	}
	return nil
}

func (p *docxPart) beginField(instr []byte, result bool) {
	if len(p.fields) >= maxFields || p.overflow > 0 {
		p.overflow++
		return
	}
	p.fields = append(p.fields, field{instr: instr, result: result})
}

func (p *docxPart) endField() {
	if p.overflow > 0 {
		p.overflow--
		return
	}
	n := len(p.fields)
	if n == 0 {
		return
	}
	f := p.fields[n-1]
	p.fields = p.fields[:n-1]
	p.c.ex.fieldInstruction(string(f.instr))
}

// fieldInstruction notes a field that fetches or runs something (field
// codes: ECMA-376 Part 1 §17.16.5). Its instruction is never output.
func (ex *extraction) fieldInstruction(instr string) {
	f := strings.Fields(strings.NewReplacer("\\", " ", "\"", " ").Replace(instr))
	if len(f) == 0 {
		return
	}
	switch strings.ToUpper(f[0]) {
	case "DDE", "DDEAUTO":
		// Dynamic Data Exchange runs a command of another program
		// (the 2017 DDEAUTO malware wave, Microsoft ADV170021).
		ex.remove("DDE field")
	case "INCLUDEPICTURE":
		ex.remove("remote image")
	case "INCLUDETEXT", "LINK", "IMPORT":
		ex.remove("external link")
	}
}

// noteRef writes the mark of a footnote or endnote reference: footnotes
// are numbered 1, 2, ... and endnotes i, ii, ... in order of reference, as
// Word numbers them by default (§17.11.17, §17.11.11). A custom mark
// (customMarkFollows) is the run's own text.
func (p *docxPart) noteRef(t xml.StartElement) {
	id := attr(t, nsW, "id")
	custom := onOffAttr(attr(t, nsW, "customMarkFollows"))
	var label string
	if t.Name.Local == "footnoteReference" {
		p.c.nFoot++
		label = "[" + strconv.Itoa(p.c.nFoot) + "]"
		if custom {
			label = "[*]"
		}
		if _, dup := p.c.foot[id]; !dup && p.kind == docBody {
			p.c.foot[id] = label
		}
	} else {
		p.c.nEnd++
		label = "[" + strings.ToLower(roman(min(p.c.nEnd, 3999))) + "]"
		if custom {
			label = "[*]"
		}
		if _, dup := p.c.end[id]; !dup && p.kind == docBody {
			p.c.end[id] = label
		}
	}
	if !custom {
		p.w.text(label)
	}
}

// onOff reads an ST_OnOff w:val (§17.17.4): absent means on.
func onOff(t xml.StartElement) bool {
	for _, a := range t.Attr {
		if a.Name.Local == "val" {
			return onOffAttr(a.Value)
		}
	}
	return true
}

func onOffAttr(v string) bool {
	switch strings.ToLower(v) {
	case "1", "true", "on":
		return true
	}
	return false
}
