package office

import (
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
)

// odf converts an OpenDocument package (ODF 1.2 Part 1, unchanged in 1.3
// for what is read here): content.xml's body (text, spreadsheet or
// presentation), then for text documents the page headers and footers of
// styles.xml, the notes and the comments.
func (ex *extraction) odf() error {
	if err := ex.odfManifest(); err != nil {
		return err
	}
	o := &odfConv{ex: ex, notes: newWriter(ex.w.left), comments: newWriter(ex.w.left)}
	if err := o.part("content.xml", false); err != nil {
		return err
	}
	ex.w.closeAll()
	if ex.kind == KindODT {
		o.headers, o.footers = newWriter(ex.w.left), newWriter(ex.w.left)
		if err := o.part("styles.xml", true); err != nil {
			return err
		}
		for _, s := range []struct {
			name string
			w    *writer
		}{{"headers", o.headers}, {"footers", o.footers}} {
			ex.w.section(s.name)
			ex.w.block(s.w.finish())
			ex.w.truncated = ex.w.truncated || s.w.truncated
		}
	}
	for _, s := range []struct {
		name string
		w    *writer
	}{{"notes", o.notes}, {"comments", o.comments}} {
		ex.w.section(s.name)
		ex.w.block(s.w.finish())
		ex.w.truncated = ex.w.truncated || s.w.truncated
	}
	return nil
}

// odfManifest reads META-INF/manifest.xml (ODF 1.2 Part 3 §4): an entry
// with manifest:encryption-data (§4.8) is stored encrypted, so the document
// cannot be read without its password. Macro libraries are reported by
// their folders: Basic/ for StarBasic, Scripts/ for BeanShell, JavaScript
// and Python.
func (ex *extraction) odfManifest() error {
	for _, f := range ex.pkg.list {
		ex.odfName(f.Name)
	}
	return ex.eachStart("META-INF/manifest.xml", func(x *xmlReader, t xml.StartElement) error {
		if x.ns() != nsManifest {
			return nil
		}
		switch t.Name.Local {
		case "encryption-data":
			return ErrEncrypted
		case "file-entry":
			ex.odfName(attr(t, nsManifest, "full-path"))
		}
		return nil
	})
}

func (ex *extraction) odfName(n string) {
	n = strings.TrimLeft(n, "/")
	switch {
	case strings.HasPrefix(n, "Basic/"):
		ex.remove("macro (Basic)")
	case strings.HasPrefix(n, "Scripts/"):
		ex.remove("macro (script)")
	}
}

type odfConv struct {
	ex                *extraction
	notes, comments   *writer
	headers, footers  *writer
	frames            []odfFrame
	body              string // "text", "spreadsheet", "presentation"
	slide             int
	slideNotes        *writer
	citation          strings.Builder
	inCitation        bool
	inCreator         bool
	creator           strings.Builder
	sheet             sheetState
	seenHeader        map[string]bool
	headerFrameWriter *writer
	// Open elements that decide where text goes, counted rather than
	// looked up on the element stack for every piece of text.
	paras, cells, annotations int
}

// odfFrame is where text goes: a writer, or the spreadsheet cell being
// read. Note bodies and annotations push a frame of their own writer.
type odfFrame struct {
	w     *writer
	space bool // white space is pending or the paragraph just began (ODF 1.2 Part 1 §6.1.2)
	elem  string
}

// sheetState is the row and cell of a spreadsheet being read.
type sheetState struct {
	cells     []string
	col, rows int
	inCell    bool
	cell      strings.Builder
	cellSep   bool
	repeat    int
	rowRepeat int
	value     string
}

const maxSpaces = 1024 // text:s c= beyond this is padding, not content

func (o *odfConv) top() *odfFrame { return &o.frames[len(o.frames)-1] }

// put writes text where it belongs now.
func (o *odfConv) put(s string) {
	f := o.top()
	if f.w == nil {
		return
	}
	if o.sheet.inCell && f.w == o.ex.w {
		if o.sheet.cellSep && o.sheet.cell.Len() > 0 {
			o.sheet.cell.WriteByte(' ')
		}
		o.sheet.cellSep = false
		if int64(o.sheet.cell.Len()) < o.ex.w.left {
			o.sheet.cell.WriteString(s)
		}
		return
	}
	f.w.text(s)
}

// chars writes paragraph text with ODF white-space collapsing: a run of
// spaces, tabs and line ends is one space, and none at the start of a
// paragraph (Part 1 §6.1.2); text:s, text:tab and text:line-break are the
// explicit ones.
func (o *odfConv) chars(b []byte) {
	f := o.top()
	if collapsed(b, f.space) {
		if len(b) > 0 {
			f.space = b[len(b)-1] == ' '
			o.put(string(b))
		}
		return
	}
	var sb strings.Builder
	for _, r := range string(b) {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			if !f.space {
				sb.WriteByte(' ')
			}
			f.space = true
			continue
		}
		f.space = false
		sb.WriteRune(r)
	}
	o.put(sb.String())
}

// collapsed reports whether text needs no white-space collapsing: no tab
// or line end, no two spaces in a row, no leading space after white space.
func collapsed(b []byte, space bool) bool {
	prev := space
	for _, c := range b {
		switch c {
		case '\t', '\n', '\r':
			return false
		case ' ':
			if prev {
				return false
			}
			prev = true
		default:
			prev = false
		}
	}
	return true
}

func (o *odfConv) endPara() {
	f := o.top()
	f.space = true
	if o.sheet.inCell && f.w == o.ex.w {
		o.sheet.cellSep = true
		return
	}
	if f.w != nil {
		f.w.endPara()
	}
}

func (o *odfConv) part(name string, styles bool) error {
	x, err := o.ex.xmlPart(name)
	if errors.Is(err, errNoPart) {
		if styles {
			return nil
		}
		return corrupt("no content.xml")
	}
	if err != nil {
		return err
	}
	defer x.close()
	main := o.ex.w
	if styles {
		main = nil // only headers and footers are read from styles.xml
	}
	o.frames = []odfFrame{{w: main, space: true}}
	for {
		if o.ex.w.full() {
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
			if err := o.start(x, t); err != nil {
				return err
			}
		case xml.EndElement:
			o.end(x, t)
		case xml.CharData:
			switch {
			case o.inCitation:
				if o.citation.Len() < 64 {
					o.citation.Write(t)
				}
			case o.inCreator:
				if o.creator.Len() < 256 {
					o.creator.Write(t)
				}
			case o.paras > 0:
				o.chars(t)
			}
		}
	}
}

func (o *odfConv) start(x *xmlReader, t xml.StartElement) error {
	ex := o.ex
	space := x.ns()
	o.count(space, t.Name.Local, 1)
	switch space {
	case nsOffice:
		switch t.Name.Local {
		case "text", "spreadsheet", "presentation":
			if x.up(1).local == "body" {
				o.body = t.Name.Local
			}
		case "annotation":
			o.frames = append(o.frames, odfFrame{w: o.comments, space: true, elem: "annotation"})
			o.comments.flush()
		case "automatic-styles", "font-face-decls", "forms", "settings", "meta":
			return x.skip()
		case "dde-source":
			ex.remove("DDE link")
		case "script":
			ex.remove("macro (script)")
		}
	case nsDC:
		if t.Name.Local == "creator" && o.annotations > 0 {
			o.inCreator = true
			o.creator.Reset()
		} else if t.Name.Local == "date" {
			return x.skip()
		}
	case nsText:
		return o.startText(x, t)
	case nsTable:
		return o.startTable(x, t)
	case nsDraw:
		return o.startDraw(x, t)
	case nsPres:
		switch t.Name.Local {
		case "notes":
			if o.body == "presentation" {
				o.slideNotes = newWriter(ex.w.left)
				o.frames = append(o.frames, odfFrame{w: o.slideNotes, space: true, elem: "notes"})
			}
		case "event-listener":
			if attr(t, nsPres, "action") == "execute" {
				ex.remove("program action")
			}
		}
	case nsScript:
		if t.Name.Local == "event-listener" {
			// A macro bound to an event (Part 1 §10.3.2, §19.506).
			ex.remove("macro (event handler)")
		}
	case nsStyle:
		if main := o.frames[0].w; main == nil {
			switch t.Name.Local {
			case "header", "header-left", "header-first", "footer", "footer-left", "footer-first":
				// Page headers and footers of master pages (Part 1 §16.10).
				o.headerFrameWriter = newWriter(ex.w.left)
				o.frames = append(o.frames, odfFrame{w: o.headerFrameWriter, space: true, elem: t.Name.Local})
			}
		}
	case nsSVG:
		if t.Name.Local == "title" || t.Name.Local == "desc" {
			return x.skip() // alternative text, not shown
		}
	}
	return nil
}

func (o *odfConv) startText(x *xmlReader, t xml.StartElement) error {
	ex := o.ex
	switch t.Name.Local {
	case "p", "h":
		o.top().space = true
	case "s":
		n, err := strconv.Atoi(attr(t, nsText, "c"))
		if err != nil || n < 1 {
			n = 1
		}
		o.put(strings.Repeat(" ", min(n, maxSpaces)))
		o.top().space = false
	case "tab":
		o.put("\t")
		o.top().space = false
	case "line-break":
		if f := o.top(); f.w != nil {
			if o.sheet.inCell && f.w == ex.w {
				o.sheet.cellSep = true
			} else {
				f.w.lineBreak()
			}
			f.space = true
		}
	case "tracked-changes":
		// Deleted text is kept in the change log (§5.5); not shown.
		return x.skip()
	case "sequence-decls", "variable-decls", "user-field-decls", "alphabetical-index-source",
		"table-of-content-source", "illustration-index-source", "table-index-source", "object-index-source",
		"user-index-source", "bibliography-source":
		return x.skip()
	case "dde-connection-decls", "dde-connection-decl", "dde-connection":
		ex.remove("DDE field")
		if t.Name.Local != "dde-connection" {
			return x.skip()
		}
	case "section-source":
		if attr(t, nsXLink, "href") != "" {
			ex.remove("external link")
		}
	case "note-citation":
		o.inCitation = true
		o.citation.Reset()
	case "note-body":
		o.frames = append(o.frames, odfFrame{w: o.notes, space: true, elem: "note-body"})
		o.notes.flush()
		if c := strings.TrimSpace(o.citation.String()); c != "" {
			o.notes.label("[" + c + "]")
		}
	case "ruby-text":
		o.put("(")
	}
	return nil
}

func (o *odfConv) startTable(x *xmlReader, t xml.StartElement) error {
	ex := o.ex
	sheet := o.body == "spreadsheet" && o.top().w == ex.w
	switch t.Name.Local {
	case "table":
		if sheet && x.up(1).local == "spreadsheet" {
			ex.w.section("sheet: " + attr(t, nsTable, "name"))
			o.sheet.rows = 0
			return nil
		}
		if f := o.top(); f.w != nil {
			f.w.startTable()
		}
	case "table-row":
		if sheet && x.up(1).local != "table-cell" {
			o.sheet.cells, o.sheet.col = o.sheet.cells[:0], 0
			o.sheet.rowRepeat = repeatAttr(t, "number-rows-repeated", maxRows)
			return nil
		}
		if f := o.top(); f.w != nil {
			f.w.startRow()
		}
	case "table-cell", "covered-table-cell":
		if sheet && !o.sheet.inCell {
			o.sheet.inCell = true
			o.sheet.cell.Reset()
			o.sheet.cellSep = false
			o.sheet.repeat = repeatAttr(t, "number-columns-repeated", maxColumns)
			o.sheet.value = cellValue(t)
			return nil
		}
		if f := o.top(); f.w != nil {
			f.w.startCell()
		}
	case "dde-links", "dde-link":
		ex.remove("DDE link")
		return x.skip()
	case "table-source":
		ex.remove("external link")
	case "database-source-sql", "database-source-table", "database-source-query":
		ex.remove("external data connection")
	case "named-expressions", "content-validations", "calculation-settings", "table-columns", "table-column",
		"table-header-columns", "label-ranges", "data-pilot-tables", "consolidation", "tracked-changes":
		return x.skip()
	}
	return nil
}

// repeatAttr reads a repetition count (Part 1 §19.675, §19.680), clamped
// to what a sheet can hold, so a hostile count costs nothing.
func repeatAttr(t xml.StartElement, local string, max int) int {
	n, err := strconv.Atoi(attr(t, nsTable, local))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, max)
}

// cellValue is a cell's typed value (office:value-type, Part 1 §19.387),
// shown when the cell has no text paragraph.
func cellValue(t xml.StartElement) string {
	switch attr(t, nsOffice, "value-type") {
	case "float", "percentage", "currency":
		return attr(t, nsOffice, "value")
	case "date":
		return attr(t, nsOffice, "date-value")
	case "time":
		return attr(t, nsOffice, "time-value")
	case "boolean":
		return strings.ToUpper(attr(t, nsOffice, "boolean-value"))
	case "string":
		return attr(t, nsOffice, "string-value")
	}
	return ""
}

func (o *odfConv) startDraw(x *xmlReader, t xml.StartElement) error {
	ex := o.ex
	href := attr(t, nsXLink, "href")
	switch t.Name.Local {
	case "page":
		if o.body == "presentation" && o.top().w == ex.w {
			o.slide++
			heading := "slide " + strconv.Itoa(o.slide)
			ex.w.section(heading)
			o.slideNotes = nil
		}
	case "frame":
		if attr(t, nsPres, "class") == "page-number" {
			return x.skip()
		}
	case "text-box":
		if o.paras > 0 {
			if f := o.top(); f.w != nil {
				f.w.push()
			}
		}
	case "image":
		if remote(href) {
			ex.remove("remote image")
		}
	case "object":
		if remote(href) {
			ex.remove("external link")
		}
	case "object-ole":
		ex.remove("OLE object")
		if remote(href) {
			ex.remove("external link")
		}
	case "floating-frame":
		if remote(href) {
			ex.remove("external link")
		}
	case "applet":
		ex.remove("applet")
	case "plugin":
		ex.remove("plugin")
	case "page-thumbnail":
		return x.skip()
	}
	return nil
}

// remote reports whether an xlink:href leaves the package: package-internal
// references are relative paths ("Pictures/1.png", "./Object 1").
func remote(href string) bool {
	h := strings.ToLower(strings.TrimSpace(href))
	if h == "" || strings.HasPrefix(h, "./") || strings.HasPrefix(h, "#") {
		return false
	}
	return strings.Contains(h, ":") || strings.HasPrefix(h, "/") || strings.HasPrefix(h, "\\\\") || strings.HasPrefix(h, "../")
}

func (o *odfConv) end(x *xmlReader, t xml.EndElement) {
	ex := o.ex
	o.count(x.endNS(), t.Name.Local, -1)
	switch x.endNS() {
	case nsText:
		switch t.Name.Local {
		case "p", "h":
			o.endPara()
		case "note-citation":
			o.inCitation = false
			if c := strings.TrimSpace(o.citation.String()); c != "" {
				o.put("[" + c + "]")
			}
		case "note-body":
			o.popFrame("note-body")
		case "ruby-text":
			o.put(")")
		}
	case nsOffice:
		if t.Name.Local == "annotation" {
			o.popFrame("annotation")
		}
	case nsDC:
		if t.Name.Local == "creator" && o.inCreator {
			o.inCreator = false
			if c := strings.TrimSpace(o.creator.String()); c != "" {
				o.comments.label(c + ":")
			}
		}
	case nsTable:
		sheet := o.body == "spreadsheet" && o.top().w == ex.w
		switch t.Name.Local {
		case "table-cell", "covered-table-cell":
			if sheet && o.sheet.inCell && o.cells == 0 {
				o.endSheetCell()
				return
			}
			if f := o.top(); f.w != nil {
				f.w.endCell()
			}
		case "table-row":
			if sheet && o.cells == 0 {
				o.endSheetRow()
				return
			}
			if f := o.top(); f.w != nil {
				f.w.endRow()
			}
		case "table":
			if sheet && x.up(0).local == "spreadsheet" {
				return
			}
			if f := o.top(); f.w != nil {
				f.w.endTable()
			}
		}
	case nsDraw:
		switch t.Name.Local {
		case "text-box":
			if o.paras > 0 {
				if f := o.top(); f.w != nil {
					f.w.pop()
				}
			}
		case "page":
			if o.slideNotes != nil && o.top().w == ex.w {
				ex.w.section("notes")
				ex.w.block(o.slideNotes.finish())
				ex.w.truncated = ex.w.truncated || o.slideNotes.truncated
				o.slideNotes = nil
			}
		}
	case nsPres:
		if t.Name.Local == "notes" {
			o.popFrame("notes")
		}
	case nsStyle:
		switch t.Name.Local {
		case "header", "header-left", "header-first", "footer", "footer-left", "footer-first":
			if o.popFrame(t.Name.Local) && o.headerFrameWriter != nil {
				text := o.headerFrameWriter.finish()
				if o.seenHeader == nil {
					o.seenHeader = map[string]bool{}
				}
				if text != "" && !o.seenHeader[text] {
					o.seenHeader[text] = true
					dst := o.headers
					if strings.HasPrefix(t.Name.Local, "footer") {
						dst = o.footers
					}
					dst.block(text)
					dst.blankLine()
				}
				o.headerFrameWriter = nil
			}
		}
	}
}

// count keeps the open paragraph, cell and annotation counts.
func (o *odfConv) count(space ns, local string, d int) {
	switch {
	case space == nsText && (local == "p" || local == "h"):
		o.paras += d
	case space == nsTable && (local == "table-cell" || local == "covered-table-cell"):
		o.cells += d
	case space == nsOffice && local == "annotation":
		o.annotations += d
	}
}

// popFrame ends a frame pushed for the element, if it is the top one.
func (o *odfConv) popFrame(elem string) bool {
	if n := len(o.frames); n > 1 && o.frames[n-1].elem == elem {
		f := o.frames[n-1]
		f.w.closeAll()
		f.w.flush()
		o.frames = o.frames[:n-1]
		return true
	}
	return false
}

func (o *odfConv) endSheetCell() {
	s := &o.sheet
	s.inCell = false
	text := strings.TrimSpace(s.cell.String())
	if text == "" {
		text = s.value
	}
	if text == "" {
		s.col = min(s.col+s.repeat, maxColumns)
		return
	}
	for k := 0; k < s.repeat && s.col < maxColumns; k++ {
		for len(s.cells) <= s.col {
			s.cells = append(s.cells, "")
		}
		s.cells[s.col] = text
		s.col++
	}
}

func (o *odfConv) endSheetRow() {
	s := &o.sheet
	w := o.ex.w
	text := rowText(s.cells)
	s.cells = s.cells[:0]
	if text == "" {
		s.rows = min(s.rows+s.rowRepeat, maxRows)
		return
	}
	// A repeated row is rendered once and written as often as it repeats,
	// within the rows a sheet can have and the output limit.
	for k := 0; k < s.rowRepeat && s.rows < maxRows && !w.full(); k++ {
		w.lineOf(text)
		s.rows++
	}
}
