package office

import (
	"encoding/binary"
	"strings"
	"unicode/utf16"

	"github.com/mugai/mugai/sanitize/charset"
)

// word97 converts a Word binary document ([MS-DOC]). The text of a Word
// 97–2003 file is found through its piece table: the File Information
// Block (FIB, §2.5.1) at the start of the WordDocument stream gives the
// character counts of each part of the document (main text, footnotes,
// headers, comments, endnotes, text boxes, §2.5.7 FibRgLw97) and where the
// Clx lies in the table stream ("0Table" or "1Table", by fWhichTblStm);
// the Clx's PlcPcd (§2.9.38, §2.9.177) lists the pieces, each a run of
// character positions stored either as UTF-16LE or "compressed" as 8-bit
// text (§2.9.73 FcCompressed) at an offset of the WordDocument stream.
// Word 6.0/95 files (nFib below 193) keep the text, in the code page of
// the document's language, between fcMin and fcMac of their FIB.
//
// Paragraph marks, line breaks, cell and row marks are read from the
// characters themselves (§2.8.24 special characters); fields show their
// result, never their instruction (§2.8.25). Formatting is not read.
func (ex *extraction) word97(f *oleFile, fileSize int) error {
	wd, err := f.stream(streamWord, fileSize)
	if err != nil {
		return err
	}
	if len(wd) < 0x22 {
		return corrupt("WordDocument stream of %d bytes", len(wd))
	}
	le := binary.LittleEndian
	ident, nFib, flags := le.Uint16(wd[0:]), le.Uint16(wd[2:]), le.Uint16(wd[0x0A:])
	if ident != 0xA5EC && ident != 0xA5DC {
		return corrupt("WordDocument: no FIB (wIdent %#04x)", ident)
	}
	if flags&0x0100 != 0 {
		// fEncrypted (§2.5.2): RC4 or XOR obfuscation with a password.
		return ErrEncrypted
	}
	if nFib < 101 {
		return ErrUnsupported // Word 2.0 and older
	}
	if nFib < 193 {
		return ex.word95(wd, flags)
	}
	fib, err := readFIB(wd)
	if err != nil {
		return err
	}
	tableName := "0Table"
	if flags&0x0200 != 0 { // fWhichTblStm
		tableName = "1Table"
	}
	table, err := f.stream(tableName, fileSize)
	if err != nil {
		return corrupt("%s stream: %v", tableName, err)
	}
	pieces, err := readPieceTable(table, fib.fcClx, fib.lcbClx)
	if err != nil {
		return err
	}
	// Every character comes from the stream: a piece table that reads
	// more characters than the stream has bytes reuses them (hostile, or
	// a loop of pieces over one run), and reading stops there.
	d := &docReader{ex: ex, wd: wd, pieces: pieces, budget: len(wd)}
	// The parts follow each other in character positions (§2.4.1): main
	// text, footnotes, headers, (macro text, always empty), comments,
	// endnotes, text boxes, header text boxes.
	cp := uint32(0)
	parts := []struct {
		name string
		n    uint32
	}{
		{"", fib.ccp[0]}, {"footnotes", fib.ccp[1]}, {"headers and footers", fib.ccp[2]}, {"", fib.ccp[3]},
		{"comments", fib.ccp[4]}, {"endnotes", fib.ccp[5]}, {"text boxes", fib.ccp[6]}, {"text boxes", fib.ccp[7]},
	}
	for i, p := range parts {
		if err := ex.check(); err != nil {
			return err
		}
		if p.n > 0 && i != 3 {
			if p.name != "" && i != 7 {
				ex.w.section(p.name)
			}
			d.dedup = i == 2 || i == 7
			if err := d.text(cp, cp+p.n); err != nil {
				return err
			}
		}
		cp += p.n
		if cp > maxWordCP {
			break
		}
	}
	return nil
}

// maxWordCP bounds the character positions of a document (FIB counts are
// 32-bit; the text cannot be larger than the stream anyway).
const maxWordCP = 1 << 30

// fib is what the converter needs of a File Information Block.
type fib struct {
	ccp           [8]uint32 // ccpText, ccpFtn, ccpHdd, ccpMcr, ccpAtn, ccpEdn, ccpTxbx, ccpHdrTxbx
	fcClx, lcbClx uint32
}

// readFIB walks the variable-length FIB (§2.5.1): FibBase (32 bytes), csw
// and fibRgW, cslw and fibRgLw, cbRgFcLcb and fibRgFcLcbBlob.
func readFIB(wd []byte) (fib, error) {
	le := binary.LittleEndian
	var f fib
	pos := 0x20
	csw := int(le.Uint16(wd[pos:]))
	pos += 2 + 2*csw
	if pos+2 > len(wd) {
		return f, corrupt("FIB: fibRgW past the stream")
	}
	cslw := int(le.Uint16(wd[pos:]))
	lw := pos + 2
	pos = lw + 4*cslw
	if cslw < 11 || pos+2 > len(wd) {
		return f, corrupt("FIB: fibRgLw of %d longs", cslw)
	}
	// FibRgLw97: cbMac, lProductCreated, lProductRevised, ccpText,
	// ccpFtn, ccpHdd, ccpMcr, ccpAtn, ccpEdn, ccpTxbx, ccpHdrTxbx.
	for i := range f.ccp {
		v := int32(le.Uint32(wd[lw+4*(3+i):]))
		if v > 0 {
			f.ccp[i] = uint32(v)
		}
	}
	cb := int(le.Uint16(wd[pos:]))
	blob := pos + 2
	const clxIndex = 33 // fcClx is the 34th pair of FibRgFcLcb97 (§2.5.6)
	if cb <= clxIndex || blob+8*(clxIndex+1) > len(wd) {
		return f, corrupt("FIB: fibRgFcLcb of %d pairs", cb)
	}
	f.fcClx = le.Uint32(wd[blob+8*clxIndex:])
	f.lcbClx = le.Uint32(wd[blob+8*clxIndex+4:])
	return f, nil
}

// piece is one entry of the piece table: the character positions
// [cp, cpEnd) are stored at fc of the WordDocument stream, 8-bit when
// compressed, else UTF-16LE.
type piece struct {
	cp, cpEnd  uint32
	fc         uint32
	compressed bool
}

// maxPieces bounds the pieces read (a PlcPcd of a few hundred kilobytes
// is a real document's worst case).
const maxPieces = 1 << 20

// readPieceTable finds the Pcdt in the Clx (§2.9.38): Prc entries (clxt
// 1, property modifiers, skipped) and then one Pcdt (clxt 2) holding the
// PlcPcd: n+1 character positions and n 8-byte piece descriptors (§2.9.177).
func readPieceTable(table []byte, fc, lcb uint32) ([]piece, error) {
	le := binary.LittleEndian
	if uint64(fc)+uint64(lcb) > uint64(len(table)) {
		return nil, corrupt("Clx past the table stream")
	}
	clx := table[fc : fc+lcb]
	for len(clx) > 0 {
		switch clx[0] {
		case 1: // Prc: cbGrpprl, grpprl
			if len(clx) < 3 {
				return nil, corrupt("Clx: short Prc")
			}
			n := int(int16(le.Uint16(clx[1:])))
			if n < 0 || 3+n > len(clx) {
				return nil, corrupt("Clx: Prc of %d bytes", n)
			}
			clx = clx[3+n:]
		case 2: // Pcdt: lcb, PlcPcd
			if len(clx) < 5 {
				return nil, corrupt("Clx: short Pcdt")
			}
			n := le.Uint32(clx[1:])
			if uint64(n) > uint64(len(clx)-5) || n < 4 {
				return nil, corrupt("Clx: PlcPcd of %d bytes", n)
			}
			plc := clx[5 : 5+n]
			count := int(n-4) / 12
			if count > maxPieces {
				return nil, &LimitError{Limit: "pieces", Max: maxPieces}
			}
			pcds := plc[4*(count+1):]
			out := make([]piece, 0, count)
			for i := range count {
				cp, end := le.Uint32(plc[4*i:]), le.Uint32(plc[4*i+4:])
				v := le.Uint32(pcds[8*i+2:])
				if end <= cp {
					continue
				}
				p := piece{cp: cp, cpEnd: end, fc: v & 0x3FFFFFFF, compressed: v&0x40000000 != 0}
				if p.compressed {
					p.fc /= 2
				}
				out = append(out, p)
			}
			return out, nil
		default:
			return nil, corrupt("Clx: entry type %d", clx[0])
		}
	}
	return nil, corrupt("Clx without a piece table")
}

// docReader reads character positions through the piece table and writes
// them out.
type docReader struct {
	ex     *extraction
	wd     []byte
	pieces []piece
	dedup  bool // write each paragraph once (headers repeat per section)
	budget int  // characters still to be read

	fields  []wordField
	cells   bool // the last character was a cell mark
	para    strings.Builder
	seen    map[string]bool
	inTable bool
	row     []string
}

// text writes the characters [from, to).
func (d *docReader) text(from, to uint32) error {
	d.fields = d.fields[:0]
	for _, p := range d.pieces {
		lo, hi := max(p.cp, from), min(p.cpEnd, to)
		if lo >= hi {
			continue
		}
		if err := d.ex.check(); err != nil {
			return err
		}
		if d.budget <= 0 || d.ex.w.full() {
			break
		}
		hi = min(hi, lo+uint32(d.budget))
		d.budget -= int(hi - lo)
		off := uint64(p.fc) + uint64(lo-p.cp)
		n := uint64(hi - lo)
		if p.compressed {
			if off+n > uint64(len(d.wd)) {
				return corrupt("piece past the WordDocument stream")
			}
			for _, c := range d.wd[off : off+n] {
				d.char(compressedRune(c))
			}
			continue
		}
		off = uint64(p.fc) + 2*uint64(lo-p.cp)
		if off+2*n > uint64(len(d.wd)) {
			return corrupt("piece past the WordDocument stream")
		}
		b := d.wd[off : off+2*n]
		var hiSur rune
		for i := 0; i+1 < len(b); i += 2 {
			r := rune(binary.LittleEndian.Uint16(b[i:]))
			switch {
			case utf16.IsSurrogate(r) && r < 0xDC00:
				hiSur = r
				continue
			case utf16.IsSurrogate(r):
				r = utf16.DecodeRune(hiSur, r)
			}
			hiSur = 0
			d.char(r)
		}
	}
	d.endPara()
	d.endRow()
	return nil
}

// compressedRune maps a byte of compressed text (§2.9.73: code page 1252,
// with the bytes 0x80–0x9F of the table given there).
func compressedRune(c byte) rune {
	if c >= 0x80 && c <= 0x9F {
		if r := cp1252High[c-0x80]; r != 0 {
			return r
		}
	}
	return rune(c)
}

var cp1252High = [32]rune{
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
}

// char handles one character of the text (§2.8.24 and §2.8.25).
func (d *docReader) char(r rune) {
	if r == 0x13 { // field begin: the instruction follows
		if len(d.fields) < maxFieldDepth {
			d.fields = append(d.fields, wordField{})
		}
		return
	}
	if n := len(d.fields); n > 0 {
		f := &d.fields[n-1]
		switch r {
		case 0x14: // separator: the result follows
			if !f.result {
				d.ex.fieldInstruction(string(f.instr))
			}
			f.result = true
			return
		case 0x15: // field end
			if !f.result {
				d.ex.fieldInstruction(string(f.instr))
			}
			d.fields = d.fields[:n-1]
			return
		}
		if !f.result {
			// The instruction is never shown; its first words say what
			// the field does (DDE, INCLUDEPICTURE, ...).
			if len(f.instr) < 256 {
				f.instr = append(f.instr, string(r)...)
			}
			return
		}
	}
	cellMark := false
	switch r {
	case 0x0D: // paragraph mark
		d.endPara()
	case 0x0B: // line break
		d.para.WriteByte('\n')
	case 0x0C: // page or section break
		d.endPara()
		d.endRow()
	case 0x07: // cell mark; a second one in a row is the row mark
		if d.cells {
			d.endRow()
		} else {
			d.inTable = true
			d.row = append(d.row, strings.TrimSpace(d.para.String()))
			d.para.Reset()
			cellMark = true
		}
	case 0x09:
		d.para.WriteByte('\t')
	case 0x1E: // non-breaking hyphen
		d.para.WriteByte('-')
	case 0xA0:
		d.para.WriteByte(' ')
	default:
		if r >= 0x20 && r != 0xFEFF {
			d.para.WriteRune(r)
			if d.para.Len() > maxParagraph && !d.inTable {
				d.endPara() // a paragraph without end is written in parts
			}
		}
		// Other controls are anchors: 0x01 picture, 0x02 footnote
		// reference, 0x05 comment reference, 0x08 drawn object, 0x1F
		// optional hyphen.
	}
	d.cells = cellMark
}

// field is an open field: its instruction so far, and whether its result
// is being read.
type wordField struct {
	instr  []byte
	result bool
}

// maxParagraph bounds the bytes of a paragraph held before writing.
const maxParagraph = 1 << 20

// maxFieldDepth bounds field nesting; deeper begin marks are ignored.
const maxFieldDepth = 64

// endPara writes the collected paragraph. Inside a table a paragraph
// mark only separates paragraphs of one cell. A paragraph that follows a
// row mark without a cell mark of its own ends the table.
func (d *docReader) endPara() {
	if d.inTable {
		d.para.WriteByte(' ')
		return
	}
	s := d.para.String()
	d.para.Reset()
	for _, line := range strings.Split(s, "\n") {
		d.line(line)
	}
}

func (d *docReader) line(s string) {
	w := d.ex.w
	// Leading spaces are mostly what follows a note or comment mark.
	s = strings.Trim(s, " \t\u3000")
	if d.dedup {
		if strings.TrimSpace(s) == "" {
			return
		}
		if d.seen == nil {
			d.seen = map[string]bool{}
		}
		if d.seen[s] {
			return
		}
		d.seen[s] = true
	}
	w.text(s)
	w.commit()
}

// endRow writes a table row: its non-empty cells joined by " | ".
func (d *docReader) endRow() {
	if !d.inTable {
		return
	}
	d.inTable, d.cells = false, false
	var cells []string
	for _, c := range d.row {
		if c = strings.Join(strings.Fields(c), " "); c != "" {
			cells = append(cells, c)
		}
	}
	d.row = d.row[:0]
	d.para.Reset()
	if len(cells) > 0 {
		d.line(strings.Join(cells, " | "))
	}
}

// word95 reads a Word 6.0/95 document that is not stored in pieces
// ([MS-DOC] does not cover it; the FIB of that version has fcMin at 0x18
// and fcMac at 0x1C, the language id at 6): its text is a run of bytes in
// the code page of the document's language. A "complex" (fast-saved) file
// has a piece table of another layout; it is read as the run it keeps.
func (ex *extraction) word95(wd []byte, flags uint16) error {
	le := binary.LittleEndian
	if len(wd) < 0x20 {
		return corrupt("Word 6/95 FIB")
	}
	lo, hi := le.Uint32(wd[0x18:]), le.Uint32(wd[0x1C:])
	if hi > uint32(len(wd)) || lo >= hi {
		return corrupt("Word 6/95 text range")
	}
	cp := langCodePage(le.Uint16(wd[6:]))
	s, _ := charset.Decode(wd[lo:hi], codePageLabel(cp))
	d := &docReader{ex: ex}
	for _, r := range s {
		d.char(r)
	}
	d.endPara()
	d.endRow()
	return nil
}

// langCodePage is the ANSI code page of a Windows language id (LCID).
func langCodePage(lid uint16) int {
	switch lid & 0x3FF {
	case 0x11:
		return 932 // Japanese
	case 0x04:
		if lid == 0x0404 || lid == 0x0C04 || lid == 0x1404 {
			return 950 // Traditional Chinese
		}
		return 936
	case 0x12:
		return 949 // Korean
	case 0x19, 0x22, 0x23, 0x02, 0x2F:
		return 1251
	case 0x05, 0x0E, 0x15, 0x18, 0x1A, 0x1B, 0x24:
		return 1250
	case 0x08:
		return 1253
	case 0x1F:
		return 1254
	case 0x0D:
		return 1255
	case 0x01:
		return 1256
	case 0x25, 0x26, 0x27:
		return 1257
	case 0x2A:
		return 1258
	case 0x1E:
		return 874
	}
	return 1252
}
