package office

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mugai/mugai/sanitize/charset"
)

// The RTF reader follows the Rich Text Format Specification 1.9.1
// (Microsoft, 2008): a document is nested groups {...} of control words
// (\word, optionally with a signed numeric parameter and a space
// delimiter), control symbols (\~, \'hh, ...) and text. A destination —
// a group starting with certain control words, or with \* for an
// "ignorable destination" the reader does not know — holds something
// other than document text: tables of fonts, colours and styles, document
// information, pictures, embedded objects, field instructions.
//
// Bounds: group nesting is limited to maxRTFDepth (a *LimitError), \bin
// skips at most the bytes that remain, \uc and numeric parameters are
// clamped, the font table keeps at most maxNumDefs fonts, and the text is
// bounded by the writer. The work is one pass over the input.

// rtfDest is what the text of a group is.
type rtfDest uint8

const (
	rtfText    rtfDest = iota // document text
	rtfSkip                   // a destination that is not output
	rtfFonts                  // \fonttbl: font numbers and their character sets
	rtfFldinst                // \fldinst: a field instruction, read for DDE only
	rtfAuthor                 // \atnauthor: the author of the next annotation
)

type rtfState struct {
	dest     rtfDest
	uc       int // \ucN: fallback characters after \uN (§"Unicode RTF")
	font     int
	intbl    bool    // the paragraph is in a table (\intbl)
	w        *writer // where text goes
	capture  *rtfCapture
	owner    bool // this group opened capture; it ends with the group
	footnote bool
}

// rtfCapture collects one header, footer, footnote or annotation.
type rtfCapture struct {
	w     *writer
	into  *writer
	dedup bool
}

type rtfReader struct {
	ex      *extraction
	data    []byte
	i       int
	stack   []rtfState
	st      rtfState
	docCP   int
	fontCP  map[int]int
	curFont int // font being defined in \fonttbl
	pend    []byte
	pendCP  int
	ucSkip  int
	high    rune // a pending UTF-16 high surrogate from \uN
	trail   bool // the last queued byte was a DBCS lead byte
	star    bool // \* seen: the next control word starts an ignorable destination
	fresh   bool // nothing but line ends since the last '{': where \* may stand
	nFoot   int
	instr   []byte
	author  []byte
	seen    map[string]bool

	headers, notes, comments *writer
}

func (ex *extraction) rtf(data []byte) error {
	left := ex.w.left
	r := &rtfReader{
		ex: ex, data: data, docCP: 1252, fontCP: map[int]int{}, seen: map[string]bool{},
		headers: newWriter(left), notes: newWriter(left), comments: newWriter(left),
	}
	r.st = rtfState{uc: 1, w: ex.w}
	err := r.run()
	r.flush()
	if err != nil {
		return err
	}
	for _, s := range []struct {
		name string
		w    *writer
	}{{"headers and footers", r.headers}, {"footnotes", r.notes}, {"comments", r.comments}} {
		ex.w.section(s.name)
		ex.w.block(s.w.finish())
		ex.w.truncated = ex.w.truncated || s.w.truncated
	}
	return nil
}

func (r *rtfReader) run() error {
	data := r.data
	nextCheck := 1 << 16
	for r.i < len(data) {
		if r.i >= nextCheck {
			nextCheck = r.i + 1<<16
			if err := r.ex.check(); err != nil {
				return err
			}
		}
		c := data[r.i]
		switch c {
		case '{':
			r.i++
			r.flush()
			if len(r.stack) >= maxRTFDepth {
				return &LimitError{Limit: "RTF depth", Max: maxRTFDepth}
			}
			r.stack = append(r.stack, r.st)
			r.st.owner = false
			r.ucSkip = 0
			r.star = false
			r.fresh = true
		case '}':
			r.i++
			r.flush()
			if len(r.stack) == 0 {
				return nil // the document group is closed; Word reads no further
			}
			r.endGroup()
			if len(r.stack) == 0 {
				return nil
			}
		case '\\':
			if err := r.control(); err != nil {
				return err
			}
		case '\r', '\n':
			r.i++ // line ends in RTF are not text
		default:
			r.textRun()
		}
	}
	return nil
}

// endGroup restores the state of the enclosing group, finishing what the
// closing group was.
func (r *rtfReader) endGroup() {
	st := r.st
	r.st = r.stack[len(r.stack)-1]
	r.stack = r.stack[:len(r.stack)-1]
	r.ucSkip = 0
	r.star = false
	if st.dest == rtfFldinst && r.st.dest != rtfFldinst {
		r.ex.fieldInstruction(string(r.instr))
		r.instr = r.instr[:0]
	}
	if st.owner && st.capture != nil {
		c := st.capture
		text := c.w.finish()
		if text != "" && !(c.dedup && r.seen[text]) {
			r.seen[text] = true
			c.into.block(text)
			if c.dedup {
				c.into.blankLine()
			}
			c.into.truncated = c.into.truncated || c.w.truncated
		}
	}
}

// textRun handles text bytes up to the next special character.
func (r *rtfReader) textRun() {
	data := r.data
	start := r.i
	r.fresh = false
	for r.i < len(data) {
		c := data[r.i]
		if c == '\\' || c == '{' || c == '}' || c == '\r' || c == '\n' {
			break
		}
		r.i++
	}
	b := data[start:r.i]
	for len(b) > 0 && r.ucSkip > 0 {
		b = b[1:]
		r.ucSkip--
	}
	if len(b) > 0 && r.trail {
		// The second byte of a double-byte character written as
		// \'hh followed by a literal trail byte, as Word does.
		r.byteOut(b[0])
		b = b[1:]
	}
	if len(b) == 0 || r.st.dest == rtfSkip || r.st.dest == rtfFonts {
		return
	}
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		r.flush()
		r.emit(string(b))
		return
	}
	for _, c := range b {
		if c < 0x80 {
			r.flush()
			r.emit(string(rune(c)))
		} else {
			r.byteOut(c)
		}
	}
}

// byteOut queues a byte of the current code page (\'hh or 8-bit text);
// a double-byte character arrives as two of them.
func (r *rtfReader) byteOut(c byte) {
	if r.st.dest != rtfText && r.st.dest != rtfFldinst && r.st.dest != rtfAuthor {
		return
	}
	cp := r.codePage()
	if r.trail {
		cp = r.pendCP // a trail byte belongs to its lead byte's character
	}
	if len(r.pend) > 0 && cp != r.pendCP {
		r.flush()
	}
	r.pendCP = cp
	r.trail = !r.trail && isLeadByte(cp, c)
	if len(r.pend) < 1<<16 {
		r.pend = append(r.pend, c)
	} else {
		r.flush()
		r.pend = append(r.pend, c)
	}
}

// isLeadByte reports whether c starts a double-byte character in a DBCS
// code page (CP932: 0x81–0x9F, 0xE0–0xFC; CP936, 949, 950: 0x81–0xFE).
// The trail byte may be ASCII (0x40–0x7E), so it can arrive as a literal
// character after a \'hh lead byte.
func isLeadByte(cp int, c byte) bool {
	switch cp {
	case 932:
		return (c >= 0x81 && c <= 0x9F) || (c >= 0xE0 && c <= 0xFC)
	case 936, 949, 950:
		return c >= 0x81 && c <= 0xFE
	}
	return false
}

// flush decodes the queued bytes through sanitize/charset.
func (r *rtfReader) flush() {
	r.trail = false
	if len(r.pend) == 0 {
		return
	}
	s, _ := charset.Decode(r.pend, codePageLabel(r.pendCP))
	r.pend = r.pend[:0]
	r.emit(s)
}

// emit sends decoded text to the group's destination.
func (r *rtfReader) emit(s string) {
	if r.high != 0 {
		r.high = 0 // an unpaired surrogate is dropped
	}
	switch r.st.dest {
	case rtfText:
		r.tableState()
		r.st.w.text(s)
	case rtfFldinst:
		if room := maxInstrText - len(r.instr); room > 0 {
			r.instr = append(r.instr, s[:min(len(s), room)]...)
		}
	case rtfAuthor:
		if len(r.author) < 256 {
			r.author = append(r.author, s...)
		}
	}
}

// tableState opens or closes the table before text: a paragraph with
// \intbl is in a table row, one without ends the table (RTF 1.9.1,
// "Table Definitions": rows are paragraphs with \intbl ended by \row).
func (r *rtfReader) tableState() {
	w := r.st.w
	if w != r.ex.w {
		return
	}
	switch {
	case r.st.intbl && len(w.tables) == 0:
		w.startTable()
	case !r.st.intbl && len(w.tables) > 0:
		w.endTable()
	}
}

// codePage is the code page of \'hh bytes here: the current font's
// character set (\fcharsetN or \cpgN in the font table), else the
// document's (\ansicpgN).
func (r *rtfReader) codePage() int {
	if cp, ok := r.fontCP[r.st.font]; ok && cp != 0 {
		return cp
	}
	return r.docCP
}

// charsetCodePage maps \fcharsetN (RTF 1.9.1, "Font Table") to a Windows
// code page; 0 means the document's.
func charsetCodePage(n int) int {
	switch n {
	case 0, 2:
		return 1252 // ANSI; symbol fonts are shown as their ANSI letters
	case 77:
		return 10000
	case 128:
		return 932
	case 129:
		return 949
	case 134:
		return 936
	case 136:
		return 950
	case 161:
		return 1253
	case 162:
		return 1254
	case 163:
		return 1258
	case 177:
		return 1255
	case 178:
		return 1256
	case 186:
		return 1257
	case 204:
		return 1251
	case 222:
		return 874
	case 238:
		return 1250
	case 254:
		return 437
	case 255:
		return 850
	}
	return 0
}

// codePageLabel names a Windows code page for charset.Decode.
func codePageLabel(cp int) string {
	switch cp {
	case 932:
		return "cp932"
	case 936:
		return "gbk"
	case 949:
		return "euc-kr"
	case 950:
		return "big5"
	case 874:
		return "windows-874"
	case 437:
		return "ibm437"
	case 850:
		return "ibm850"
	case 10000:
		return "macintosh"
	case 65001:
		return "utf-8"
	case 20932, 51932:
		return "euc-jp"
	}
	if cp >= 1250 && cp <= 1258 {
		return "windows-" + strconv.Itoa(cp)
	}
	return "windows-1252"
}

// control reads a control word or symbol at r.i (a backslash).
func (r *rtfReader) control() error {
	data := r.data
	r.i++
	if r.i >= len(data) {
		return nil
	}
	fresh := r.fresh
	r.fresh = false
	c := data[r.i]
	if !isLetter(c) {
		r.i++
		r.symbol(c, fresh)
		return nil
	}
	start := r.i
	for r.i < len(data) && isLetter(data[r.i]) && r.i-start < 32 {
		r.i++
	}
	word := string(data[start:r.i])
	param, hasParam := 0, false
	if r.i < len(data) && (data[r.i] == '-' || isDigit(data[r.i])) {
		neg := data[r.i] == '-'
		if neg {
			r.i++
		}
		n, digits := int64(0), 0
		for r.i < len(data) && isDigit(data[r.i]) {
			if digits < 10 {
				n = n*10 + int64(data[r.i]-'0')
			}
			digits++
			r.i++
		}
		if digits > 0 {
			hasParam = true
			n = min(n, 1<<31-1)
			if neg {
				n = -n
			}
			param = int(n)
		}
	}
	if r.i < len(data) && data[r.i] == ' ' {
		r.i++ // the delimiting space is part of the control word
	}
	if word == "bin" {
		// \binN: N bytes of binary data follow (RTF 1.9.1 "\bin"); they
		// are never text, whatever the state.
		n := max(param, 0)
		r.i += min(n, len(data)-r.i)
		return nil
	}
	if r.ucSkip > 0 {
		r.ucSkip--
		return nil
	}
	star := r.star
	r.star = false
	r.word(word, param, hasParam, star)
	return nil
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

// symbol handles a control symbol (a backslash and one non-letter).
// fresh says that c follows the group's opening brace directly.
func (r *rtfReader) symbol(c byte, fresh bool) {
	if c == '\'' {
		h, ok := 0, r.i+2 <= len(r.data)
		if ok {
			h, ok = hexByte(r.data[r.i], r.data[r.i+1])
		}
		if !ok {
			return
		}
		r.i += 2
		if r.ucSkip > 0 {
			r.ucSkip--
			return
		}
		r.byteOut(byte(h))
		return
	}
	if r.ucSkip > 0 {
		r.ucSkip--
		return
	}
	switch c {
	case '*':
		// RTF 1.9.1 "Destinations": an ignorable destination is written
		// "{\*\name"; a \* anywhere else is a stray symbol, and taking it
		// as one would skip the rest of the group — the whole document
		// when that group is the document's.
		r.star = fresh
	case '\\', '{', '}':
		if r.trail {
			r.byteOut(c) // the trail byte 0x5C, 0x7B or 0x7D, escaped
			return
		}
		r.flush()
		r.emit(string(rune(c)))
	case '~':
		r.flush()
		r.emit(" ")
	case '_':
		r.flush()
		r.emit("-")
	case '\r', '\n':
		r.word("par", 0, false, false)
	case '\t':
		r.word("tab", 0, false, false)
	}
	// \- (optional hyphen), \: (index subentry), \| (formula) show nothing.
}

func hexByte(a, b byte) (int, bool) {
	h, ok1 := hexDigit(a)
	l, ok2 := hexDigit(b)
	return h<<4 | l, ok1 && ok2
}

func hexDigit(c byte) (int, bool) {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0'), true
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10, true
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10, true
	}
	return 0, false
}

// rtfSkipDests are destinations whose content is not document text (RTF
// 1.9.1: font, file, colour, style, list and revision tables, document
// information, pictures, object data, bookmarks, index and table of
// contents entries, footnote separators, shape properties, XML data).
var rtfSkipDests = map[string]bool{
	"colortbl": true, "stylesheet": true, "info": true, "listtable": true, "listoverridetable": true,
	"revtbl": true, "rsidtbl": true, "filetbl": true, "pict": true, "shppict": true, "nonshppict": true,
	"themedata": true, "colorschememapping": true, "datastore": true, "latentstyles": true,
	"xmlnstbl": true, "pgdsctbl": true, "generator": true, "objdata": true, "objclass": true,
	"objname": true, "objalias": true, "objsect": true, "bkmkstart": true, "bkmkend": true, "pntxta": true,
	"pntxtb": true, "listpicture": true, "mmathPr": true, "panose": true, "falt": true, "fontemb": true,
	"fontfile": true, "author": true, "operator": true, "title": true, "subject": true, "keywords": true,
	"comment": true, "doccomm": true, "company": true, "category": true, "manager": true, "hlinkbase": true,
	"ftnsep": true, "ftnsepc": true, "aftnsep": true, "aftnsepc": true, "ftncn": true, "aftncn": true,
	"userprops": true, "xe": true, "tc": true, "tcn": true, "txe": true, "rxe": true, "background": true,
	"atnid": true, "atndate": true, "atnref": true, "atrfstart": true, "atrfend": true, "atnparent": true,
	"sp": true, "sn": true, "sv": true, "shprslt": true, "do": true,
	"template": true, "ud": true, "wgrffmtfilter": true, "mhtmltag": true, "htmltag": true,
	"passwordhash": true, "password": true, "docvar": true,
	"protusertbl": true, "formfield": true, "datafield": true, "fldtype": true, "xmlattrname": true,
	"xmlattrvalue": true, "xmlclose": true, "xmlopen": true, "picprop": true, "blipuid": true,
	"oldcprops": true, "oldpprops": true, "oldtprops": true, "oldsprops": true, "fchars": true, "lchars": true,
	"ebcstart": true, "ebcend": true, "factoidname": true, "private": true, "nesttableprops": true,
}

// word acts on a control word.
func (r *rtfReader) word(word string, param int, hasParam, star bool) {
	st := &r.st
	if st.dest == rtfFonts {
		switch word {
		case "f":
			r.curFont = param
		case "fcharset":
			if cp := charsetCodePage(param); cp != 0 && len(r.fontCP) < maxNumDefs {
				r.fontCP[r.curFont] = cp
			}
		case "cpg":
			if len(r.fontCP) < maxNumDefs {
				r.fontCP[r.curFont] = param
			}
		}
		return
	}
	switch word {
	case "u":
		if st.dest == rtfSkip {
			r.ucSkip = st.uc
			return
		}
		r.flush()
		r.unicode(param)
		r.ucSkip = st.uc
		return
	case "uc":
		st.uc = min(max(param, 0), 16)
		return
	}
	if st.dest == rtfSkip {
		return
	}
	switch word {
	case "fonttbl":
		r.flush()
		st.dest = rtfFonts
		return
	case "fldinst":
		r.flush()
		st.dest = rtfFldinst
		return
	case "atnauthor":
		r.flush()
		st.dest = rtfAuthor
		r.author = r.author[:0]
		return
	case "object":
		r.ex.remove("OLE object")
		return
	case "objautlink", "objlink":
		r.ex.remove("external link")
		return
	case "objocx":
		r.ex.remove("ActiveX control")
		return
	case "template":
		// {\*\template path}: the attached template Word loads.
		r.ex.remove("external template")
		r.flush()
		st.dest = rtfSkip
		return
	case "shpinst", "shptxt":
		// A shape's instructions ({\*\shpinst}) hold its properties, which
		// are skipped as \sp groups, and its text box (\shptxt), which is
		// text. The fallback drawing (\shprslt) repeats that text and is
		// skipped.
		return
	case "annotation":
		r.flush()
		r.beginCapture(r.comments, false)
		if a := strings.TrimSpace(string(r.author)); a != "" {
			r.st.w.label(a + ":")
		}
		r.author = r.author[:0]
		return
	}
	if rtfSkipDests[word] || star {
		r.flush()
		st.dest = rtfSkip
		return
	}
	if st.dest != rtfText {
		return
	}
	w := st.w
	switch word {
	case "ansicpg":
		r.docCP = param
	case "ansi":
		r.docCP = 1252
	case "mac":
		r.docCP = 10000
	case "pc":
		r.docCP = 437
	case "pca":
		r.docCP = 850
	case "deff":
		st.font = param
	case "f":
		if hasParam {
			st.font = param
		}
	case "par", "sect", "page":
		r.flush()
		r.tableState()
		w.endPara()
	case "line":
		r.flush()
		w.lineBreak()
	case "tab":
		r.flush()
		w.tab()
	case "pard":
		st.intbl = false
	case "intbl":
		st.intbl = true
	case "cell":
		r.flush()
		if len(w.tables) == 0 {
			w.startTable()
		}
		w.cell() // an empty cell is still a cell
		w.endCell()
	case "nestcell":
		r.flush()
		w.lineBreak()
	case "row":
		r.flush()
		w.endRow()
	case "header", "headerl", "headerr", "headerf", "footer", "footerl", "footerr", "footerf":
		r.flush()
		r.beginCapture(r.headers, true)
	case "footnote":
		r.flush()
		r.beginCapture(r.notes, false)
		st.footnote = true
	case "chftn":
		r.flush()
		if st.footnote {
			w.label("[" + strconv.Itoa(r.nFoot) + "]")
		} else {
			r.nFoot++
			w.text("[" + strconv.Itoa(r.nFoot) + "]")
		}
	case "lquote":
		r.emitWord("\u2018")
	case "rquote":
		r.emitWord("\u2019")
	case "ldblquote":
		r.emitWord("\u201C")
	case "rdblquote":
		r.emitWord("\u201D")
	case "bullet":
		r.emitWord("\u2022")
	case "endash":
		r.emitWord("\u2013")
	case "emdash":
		r.emitWord("\u2014")
	case "emspace", "enspace", "qmspace":
		r.emitWord(" ")
	}
}

func (r *rtfReader) emitWord(s string) {
	r.flush()
	r.emit(s)
}

// beginCapture sends the rest of the group to a writer of its own.
func (r *rtfReader) beginCapture(into *writer, dedup bool) {
	c := &rtfCapture{w: newWriter(r.ex.w.left), into: into, dedup: dedup}
	r.st.capture, r.st.owner, r.st.w = c, true, c.w
	r.st.intbl = false
}

// unicode writes \uN: a UTF-16 code unit as a signed 16-bit number
// (negative for U+8000 and above), surrogate pairs as two \u.
func (r *rtfReader) unicode(n int) {
	if n < 0 {
		n += 65536
	}
	if n < 0 || n > 0xFFFF {
		return
	}
	u := rune(n)
	switch {
	case u >= 0xD800 && u < 0xDC00:
		r.high = u
		return
	case u >= 0xDC00 && u < 0xE000:
		if r.high == 0 {
			return
		}
		u = 0x10000 + (r.high-0xD800)<<10 + (u - 0xDC00)
		r.high = 0
	}
	var buf [utf8.UTFMax]byte
	k := utf8.EncodeRune(buf[:], u)
	r.emit(string(buf[:k]))
}
