package office

import (
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Spreadsheet bounds (ECMA-376 Part 1 §18.3.1.73 row r: 1..1048576;
// cell references reach column XFD = 16384 in every Excel since 2007).
const (
	maxColumns = 16384
	maxRows    = 1048576
)

// xlsx converts a SpreadsheetML workbook (ECMA-376 Part 1 §18): each sheet
// in workbook order under a "--- sheet: name ---" heading, one line per
// non-empty row with the cells at their column positions separated by
// tabs (so columns line up and the text pastes back into a spreadsheet),
// then the sheet's text boxes and comments.
//
// A cell shows its value as stored: shared and inline strings (rich text
// runs joined, phonetic guides left out), numbers as written, TRUE/FALSE,
// error codes, and for a formula its cached result, never the formula.
// Numbers in a date or time format (§18.8.30, §18.8.31) are shown as
// dates, since a serial such as 45678 means nothing to a reader.
func (ex *extraction) xlsx() error {
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
	b := &book{ex: ex}
	if r, ok := find(rs, "sharedStrings"); ok && !r.external {
		if b.shared, err = ex.sharedStrings(r.target); err != nil {
			return err
		}
	}
	if r, ok := find(rs, "styles"); ok && !r.external {
		if b.dateStyles, err = ex.dateStyles(r.target); err != nil {
			return err
		}
	}
	sheets, err := b.workbook(main)
	if err != nil {
		return err
	}
	ids := byID(rs)
	seen := map[string]bool{}
	for _, s := range sheets {
		r, ok := ids[s.rid]
		if !ok || r.external || seen[r.target] {
			// A sheet listed twice is shown once: its part is read once.
			continue
		}
		seen[r.target] = true
		switch r.typ {
		case "worksheet":
		case "xlMacrosheet", "xlIntlMacrosheet", "dialogsheet":
			// Excel 4.0 macro sheets hold formulas that run as code; they
			// are reported (classifyRel), not shown.
			continue
		default:
			continue // chart sheets have no cell text
		}
		if err := ex.sheetSection(s.name, s.hidden); err != nil {
			return err
		}
		if err := b.sheet(r.target); err != nil {
			return err
		}
		srs, err := ex.rels(r.target)
		if err != nil {
			return err
		}
		for _, sr := range srs {
			if sr.external || sr.typ != "drawing" {
				continue
			}
			if err := ex.drawingText(sr.target, ex.w); err != nil {
				return err
			}
		}
		if sr, ok := find(srs, "comments"); ok && !sr.external {
			ex.w.section("comments: " + s.name)
			if err := ex.sheetComments(sr.target); err != nil {
				return err
			}
		}
	}
	for _, r := range rs {
		if r.typ == "externalLink" && !r.external {
			if err := ex.externalLink(r.target); err != nil {
				return err
			}
		}
	}
	return nil
}

type book struct {
	ex         *extraction
	shared     []string
	dateStyles []bool // per cell format index (s attribute): a date or time format
	date1904   bool
}

type sheetRef struct {
	name, rid string
	hidden    bool
}

// workbook reads the sheet list (§18.2.19, §18.2.20) and the date system.
func (b *book) workbook(part string) ([]sheetRef, error) {
	x, err := b.ex.xmlPart(part)
	if err != nil {
		return nil, err
	}
	defer x.close()
	var out []sheetRef
	for {
		tok, err := x.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		t, ok := tok.(xml.StartElement)
		if !ok || x.ns() != nsS {
			continue
		}
		switch t.Name.Local {
		case "sheet":
			out = append(out, sheetRef{
				name:   attr(t, nsOther, "name"),
				rid:    attr(t, nsR, "id"),
				hidden: attr(t, nsOther, "state") == "hidden" || attr(t, nsOther, "state") == "veryHidden",
			})
		case "workbookPr":
			b.date1904 = onOffAttr(attr(t, nsOther, "date1904"))
		}
	}
}

// sharedStrings reads the shared string table (§18.4.9). A string item is
// its t text or the t texts of its rich text runs; rPh holds the phonetic
// reading (furigana) of Japanese text, which Excel does not show in the
// cell, and is left out.
func (ex *extraction) sharedStrings(part string) ([]string, error) {
	x, err := ex.xmlPart(part)
	if errors.Is(err, errNoPart) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer x.close()
	var (
		out []string
		cur strings.Builder
		inT bool
	)
	for {
		tok, err := x.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				cur.Reset()
			case "t":
				inT = true // rPh, the only other holder of t, is skipped
			case "rPh":
				if err := x.skip(); err != nil {
					return nil, err
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				out = append(out, cur.String())
			case "t":
				inT = false
			}
		case xml.CharData:
			if inT {
				cur.Write(t)
			}
		}
	}
}

// sheet writes the rows of a worksheet (sheetData, §18.3.1.80).
func (b *book) sheet(part string) error {
	x, err := b.ex.xmlPart(part)
	if errors.Is(err, errNoPart) {
		return nil
	}
	if err != nil {
		return err
	}
	defer x.close()
	w := b.ex.w
	var (
		cells   []string
		col     int // next column, 0-based
		typ     string
		style   int
		val     strings.Builder
		inV     bool
		inT     bool
		cellCol int
	)
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
			if x.ns() != nsS {
				continue
			}
			switch t.Name.Local {
			case "row":
				cells, col = cells[:0], 0
			case "c":
				typ = attr(t, nsOther, "t")
				style = 0
				if v := attr(t, nsOther, "s"); v != "" {
					style, _ = strconv.Atoi(v)
				}
				cellCol = col
				if c, ok := columnOf(attr(t, nsOther, "r")); ok {
					cellCol = c
				}
				col = cellCol + 1
				val.Reset()
			case "v":
				inV = x.up(1).local == "c"
			case "t":
				inT = x.up(1).local == "is" || (x.up(1).local == "r" && x.up(2).local == "is")
			case "rPh", "f", "extLst":
				// Phonetic guide, formula (never output) and extensions.
				if err := x.skip(); err != nil {
					return err
				}
			}
		case xml.EndElement:
			if x.endNS() != nsS {
				continue
			}
			switch t.Name.Local {
			case "v":
				inV = false
			case "t":
				inT = false
			case "c":
				if cellCol >= maxColumns {
					continue
				}
				s := b.cellText(typ, style, val.String())
				if s == "" {
					continue
				}
				for len(cells) <= cellCol {
					cells = append(cells, "")
				}
				cells[cellCol] = s
			case "row":
				w.row(cells)
			}
		case xml.CharData:
			if (inV || inT) && val.Len() < int(w.left)+1 {
				val.Write(t)
			}
		}
	}
}

// cellText renders a cell value by its type (ST_CellType, §18.18.11).
func (b *book) cellText(typ string, style int, v string) string {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(b.shared) {
			return ""
		}
		return b.shared[i]
	case "b":
		switch strings.TrimSpace(v) {
		case "1", "true":
			return "TRUE"
		case "0", "false":
			return "FALSE"
		}
		return v
	case "str", "inlineStr", "e", "d":
		return v
	}
	if style >= 0 && style < len(b.dateStyles) && b.dateStyles[style] {
		if d, ok := serialDate(v, b.date1904); ok {
			return d
		}
	}
	return strings.TrimSpace(v)
}

// serialDate renders an Excel date serial (§18.17.4.1: days since
// 1899-12-30 in the 1900 system, whose day 60 is the fictitious
// 1900-02-29; days since 1904-01-01 in the 1904 system).
func serialDate(v string, date1904 bool) (string, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 || f > 2958466 || math.IsNaN(f) {
		return "", false
	}
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	} else if f < 61 {
		base = base.AddDate(0, 0, 1)
	}
	days := math.Floor(f)
	secs := math.Round((f - days) * 86400)
	t := base.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second)
	switch {
	case days == 0 && secs > 0:
		return t.Format("15:04:05"), true
	case secs == 0:
		return t.Format("2006-01-02"), true
	}
	return t.Format("2006-01-02 15:04:05"), true
}

// columnOf returns the 0-based column of an A1 cell reference.
func columnOf(ref string) (int, bool) {
	col := 0
	i := 0
	for ; i < len(ref); i++ {
		c := ref[i] | 0x20
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
		if col > maxColumns {
			return maxColumns, true
		}
	}
	if i == 0 {
		return 0, false
	}
	return col - 1, true
}

// dateStyles reads which cell formats (cellXfs, §18.8.10) show numbers as
// dates or times: the built-in date formats (§18.8.30: ids 14–22, 45–47,
// and the East Asian 27–36, 50–58) and custom formats (§18.8.31) whose
// code has date or time letters outside quotes, escapes and brackets.
func (ex *extraction) dateStyles(part string) ([]bool, error) {
	custom := map[int]bool{}
	var out []bool
	err := ex.eachStart(part, func(x *xmlReader, t xml.StartElement) error {
		if x.ns() != nsS {
			return nil
		}
		switch t.Name.Local {
		case "numFmt":
			id, err := strconv.Atoi(attr(t, nsOther, "numFmtId"))
			if err == nil && len(custom) < maxNumDefs {
				custom[id] = isDateFormat(attr(t, nsOther, "formatCode"))
			}
		case "xf":
			if x.up(1).local != "cellXfs" || len(out) >= 65536 {
				return nil
			}
			id, _ := strconv.Atoi(attr(t, nsOther, "numFmtId"))
			d, ok := custom[id]
			if !ok {
				d = builtinDateFormat(id)
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// sheetSection starts a sheet's section: "--- sheet: name ---", with
// "(hidden)" for a hidden sheet.
func (ex *extraction) sheetSection(name string, hidden bool) error {
	if err := ex.check(); err != nil {
		return err
	}
	heading := "sheet: " + name
	if hidden {
		heading += " (hidden)"
	}
	ex.w.section(heading)
	return nil
}

// builtinDateFormat reports the built-in number formats that show dates
// or times (ids 14–22, 45–47, and the East Asian 27–36, 50–58; the same
// ids in SpreadsheetML and BIFF, [MS-XLS] §2.4.126).
func builtinDateFormat(id int) bool {
	return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) || (id >= 50 && id <= 58)
}

func isDateFormat(code string) bool {
	// Only the first section (positive numbers) matters.
	inQuote, inBracket := false, false
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case inQuote:
			inQuote = c != '"'
		case inBracket:
			inBracket = c != ']'
		case c == '"':
			inQuote = true
		case c == '[':
			inBracket = true
		case c == '\\' || c == '_' || c == '*':
			i++
		case c == ';':
			return false
		case len(code)-i >= 7 && strings.EqualFold(code[i:i+7], "General"):
			i += 6
		default:
			switch c | 0x20 {
			case 'y', 'm', 'd', 'h', 's', 'g':
				return true
			case 'e':
				// "e" is the Japanese era year (ggge); "E+" is scientific.
				if i+1 >= len(code) || (code[i+1] != '+' && code[i+1] != '-') {
					return true
				}
				i++
			}
		}
	}
	return false
}

// sheetComments writes a sheet's comments (§18.7.3) as "A1 author: text".
// Excel starts a note's text with its author's name in bold ("山田:"); the
// name is then not repeated.
func (ex *extraction) sheetComments(part string) error {
	x, err := ex.xmlPart(part)
	if errors.Is(err, errNoPart) {
		return nil
	}
	if err != nil {
		return err
	}
	defer x.close()
	var (
		authors       []string
		inAuthor, inT bool
		author, text  strings.Builder
		ref, byAuthor string
	)
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
			switch t.Name.Local {
			case "author":
				inAuthor = true
				author.Reset()
			case "comment":
				text.Reset()
				ref, byAuthor = attr(t, nsOther, "ref"), ""
				if i, err := strconv.Atoi(attr(t, nsOther, "authorId")); err == nil && i >= 0 && i < len(authors) {
					byAuthor = strings.TrimSpace(authors[i])
				}
			case "t":
				inT = (x.up(1).local == "text" && x.up(2).local == "comment") || (x.up(1).local == "r" && x.up(2).local == "text")
			case "rPh":
				if err := x.skip(); err != nil {
					return err
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "author":
				inAuthor = false
				if len(authors) < maxNumDefs {
					authors = append(authors, author.String())
				}
			case "t":
				inT = false
			case "comment":
				body := strings.TrimSpace(text.String())
				label := ref
				if byAuthor != "" && !strings.HasPrefix(body, byAuthor) {
					label += " " + byAuthor
				}
				w.flush()
				w.label(label + ":")
				for i, l := range strings.Split(body, "\n") {
					if i > 0 {
						w.lineBreak()
					}
					w.text(l)
				}
				w.flush()
			}
		case xml.CharData:
			switch {
			case inAuthor && author.Len() < 256:
				author.Write(t)
			case inT && int64(text.Len()) <= w.left:
				text.Write(t)
			}
		}
	}
}

// externalLink notes a DDE link (§18.14.4) in an external link part:
// =cmd|'/c calc'!A0 style formulas are stored this way.
func (ex *extraction) externalLink(part string) error {
	return ex.eachStart(part, func(x *xmlReader, t xml.StartElement) error {
		switch t.Name.Local {
		case "ddeLink":
			ex.remove("DDE link")
		case "oleLink":
			ex.remove("external link")
		}
		return nil
	})
}
