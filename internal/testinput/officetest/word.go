package officetest

import (
	"encoding/binary"
	"unicode/utf16"
)

// Word describes a Word 97–2003 document for Doc. Each part is its text
// as Word stores it ([MS-DOC] §2.8.24): "\r" ends a paragraph, "\v" is a
// line break, "\a" ends a table cell (a second "\a" ends the row), "\x13
// instruction \x14 result \x15" is a field.
type Word struct {
	Text, Footnotes, Headers, Comments, Endnotes, TextBoxes string
	// Compressed stores text of code page 1252 as 8-bit pieces
	// (§2.9.73), the way Word saves Western text.
	Compressed bool
	// Encrypted sets fEncrypted in the FIB.
	Encrypted bool
	// Streams are added to the compound file (a "Macros/VBA/dir" stream
	// for a VBA project, "ObjectPool/_1/\x01Ole10Native" for an object).
	Streams []Stream
}

// Doc writes a Word 97–2003 .doc file: a WordDocument stream with a File
// Information Block (§2.5.1, nFib 193) and the text, and a 1Table stream
// whose Clx (§2.9.38) holds the piece table. Each part is a piece of its
// own, and the main text is split in two pieces, so that readers walk
// more than one.
func Doc(w Word) []byte { return CompoundFile(DocStreams(w)...) }

// DocStreams returns the streams of Doc's file, for a test that changes
// one of them.
func DocStreams(w Word) []Stream {
	le := binary.LittleEndian
	parts := []string{w.Text, w.Footnotes, w.Headers, "", w.Comments, w.Endnotes, w.TextBoxes, ""}
	const (
		csw, cslw, cbRgFcLcb = 14, 22, 93
		textAt               = 0x800
	)
	fibLen := 0x20 + 2 + 2*csw + 2 + 4*cslw + 2 + 8*cbRgFcLcb
	wd := make([]byte, textAt)
	le.PutUint16(wd[0:], 0xA5EC) // wIdent
	le.PutUint16(wd[2:], 0x00C1) // nFib: Word 97
	flags := uint16(0x0200)      // fWhichTblStm: 1Table
	if w.Encrypted {
		flags |= 0x0100
	}
	le.PutUint16(wd[0x0A:], flags)
	pos := 0x20
	le.PutUint16(wd[pos:], csw)
	pos += 2 + 2*csw
	le.PutUint16(wd[pos:], cslw)
	lw := pos + 2
	pos = lw + 4*cslw
	le.PutUint16(wd[pos:], cbRgFcLcb)
	blob := pos + 2
	_ = fibLen

	type pieceDef struct {
		cp, end    uint32
		fc         uint32
		compressed bool
	}
	var pieces []pieceDef
	cp := uint32(0)
	addPiece := func(s string) {
		u := utf16.Encode([]rune(s))
		if len(u) == 0 {
			return
		}
		p := pieceDef{cp: cp, end: cp + uint32(len(u))}
		latin := w.Compressed
		for _, c := range u {
			if c >= 0x80 {
				latin = false
			}
		}
		if latin {
			p.fc = uint32(len(wd))*2 | 0x40000000
			for _, c := range u {
				wd = append(wd, byte(c))
			}
			p.compressed = true
		} else {
			if len(wd)%2 == 1 {
				wd = append(wd, 0)
			}
			p.fc = uint32(len(wd))
			for _, c := range u {
				wd = le.AppendUint16(wd, c)
			}
		}
		pieces = append(pieces, p)
		cp = p.end
	}
	for i, s := range parts {
		n := len(utf16.Encode([]rune(s)))
		le.PutUint32(wd[lw+4*(3+i):], uint32(n))
		if i == 0 {
			r := []rune(s)
			addPiece(string(r[:len(r)/2]))
			addPiece(string(r[len(r)/2:]))
			continue
		}
		addPiece(s)
	}
	le.PutUint32(wd[lw:], uint32(len(wd))) // cbMac
	// fcMin and fcMac (FibBase bytes 0x18 and 0x1C, "reserved" in
	// [MS-DOC] but written by Word 97): the range of the text, which
	// readers of older versions such as catdoc use. fExtChar says the text
	// may be UTF-16.
	le.PutUint32(wd[0x18:], textAt)
	le.PutUint32(wd[0x1C:], uint32(len(wd)))
	le.PutUint16(wd[0x0A:], flags|0x1000)

	// The Clx: one Prc (an empty property modifier) and the Pcdt.
	plc := make([]byte, 0, 4*(len(pieces)+1)+8*len(pieces))
	for _, p := range pieces {
		plc = le.AppendUint32(plc, p.cp)
	}
	plc = le.AppendUint32(plc, cp)
	for _, p := range pieces {
		plc = append(plc, 0, 0)
		plc = le.AppendUint32(plc, p.fc)
		plc = append(plc, 0, 0)
	}
	table := make([]byte, 0x10)
	fcClx := len(table)
	table = append(table, 1, 2, 0, 0x00, 0x00) // Prc: cbGrpprl 2, an empty grpprl
	table = append(table, 2)
	table = le.AppendUint32(table, uint32(len(plc)))
	table = append(table, plc...)
	le.PutUint32(wd[blob+8*33:], uint32(fcClx))
	le.PutUint32(wd[blob+8*33+4:], uint32(len(table)-fcClx))

	return append([]Stream{{"WordDocument", wd}, {"1Table", table}}, w.Streams...)
}

// Word95 writes a Word 6.0/95 document: its FIB (wIdent 0xA5DC, nFib 104)
// gives the language id (lid) and the range fcMin..fcMac of the text,
// which is stored in the code page of that language (Shift_JIS for
// Japanese, lid 0x0411).
func Word95(lid uint16, text []byte) []byte {
	le := binary.LittleEndian
	wd := make([]byte, 0x300)
	le.PutUint16(wd[0:], 0xA5DC)
	le.PutUint16(wd[2:], 104)
	le.PutUint16(wd[6:], lid)
	le.PutUint32(wd[0x18:], uint32(len(wd)))
	wd = append(wd, text...)
	le.PutUint32(wd[0x1C:], uint32(len(wd)))
	return CompoundFile(Stream{"WordDocument", wd})
}
