package officetest

import (
	"encoding/binary"
	"unicode/utf16"
)

// Slide is one slide for PPT: the placeholder text kept in the document's
// slide list, the text of a text box on the slide's drawing, and the
// speaker notes.
type Slide struct {
	Title, Body string // placeholders ("\r" ends a paragraph)
	Box         string // a text box of the drawing
	Notes       string
}

// Presentation describes a PowerPoint 97–2003 file.
type Presentation struct {
	Slides []Slide
	// Stale is text of an older save left in the stream, which the
	// current edit no longer references.
	Stale string
	// VBA adds a VBAInfoContainer (a macro project).
	VBA bool
	// Encrypted sets the encrypted header token in Current User.
	Encrypted bool
}

// PPT writes a PowerPoint 97–2003 file ([MS-PPT]): a "Current User"
// stream pointing at the last UserEditAtom, and a "PowerPoint Document"
// stream holding the DocumentContainer with the slide lists
// (SlideListWithText for slides, with their placeholder text, and for
// notes), a SlideContainer per slide (SlideAtom naming its notes, a
// drawing with the text box), a NotesContainer per notes page, the
// PersistDirectoryAtom and the UserEditAtom.
func PPT(p Presentation) []byte { return CompoundFile(PPTStreams(p)...) }

// PPTStreams returns the streams of PPT's file, for a test that changes
// one of them.
func PPTStreams(p Presentation) []Stream {
	le := binary.LittleEndian
	rec := func(ver, inst, typ uint16, body ...[]byte) []byte {
		var data []byte
		for _, b := range body {
			data = append(data, b...)
		}
		out := le.AppendUint16(nil, ver|inst<<4)
		out = le.AppendUint16(out, typ)
		out = le.AppendUint32(out, uint32(len(data)))
		return append(out, data...)
	}
	chars := func(s string) []byte {
		var d []byte
		for _, c := range utf16.Encode([]rune(s)) {
			d = le.AppendUint16(d, c)
		}
		return rec(0, 0, 0x0FA0, d)
	}
	textBlock := func(typ uint32, s string) []byte {
		return append(rec(0, 0, 0x0F9F, le.AppendUint32(nil, typ)), chars(s)...)
	}
	u32s := func(vs ...uint32) []byte {
		var d []byte
		for _, v := range vs {
			d = le.AppendUint32(d, v)
		}
		return d
	}
	drawing := func(text string) []byte {
		// PPDrawing > OfficeArtDgContainer > SpgrContainer > SpContainer >
		// ClientTextbox > TextHeaderAtom, TextCharsAtom.
		var tb []byte
		if text != "" {
			tb = rec(0xF, 0, 0xF00D, textBlock(4, text))
		}
		sp := rec(0xF, 0, 0xF004, tb)
		return rec(0xF, 0, 0x040C, rec(0xF, 0, 0xF002, rec(0xF, 0, 0xF003, sp)))
	}

	doc := []byte{}
	var stream []byte
	if p.Stale != "" {
		// An old slide left by an earlier save: no persist entry names it.
		stream = append(stream, rec(0xF, 0, 0x03EE, drawing(p.Stale))...)
	}
	// Persist ids: 1 document, 2.. slides, then notes.
	n := len(p.Slides)
	slideID := func(i int) uint32 { return uint32(256 + i) }
	notesID := func(i int) uint32 { return uint32(512 + i) }
	var slideList, notesList []byte
	for i, s := range p.Slides {
		slideList = append(slideList, rec(0, 0, 0x03F3, u32s(uint32(2+i), 0, 2, slideID(i), 0))...)
		if s.Title != "" {
			slideList = append(slideList, textBlock(0, s.Title)...)
		}
		if s.Body != "" {
			slideList = append(slideList, textBlock(1, s.Body)...)
		}
		if s.Notes != "" {
			notesList = append(notesList, rec(0, 0, 0x03F3, u32s(uint32(2+n+i), 0, 0, notesID(i), 0))...)
		}
	}
	doc = append(doc, rec(0, 0, 0x03E9, make([]byte, 40))...) // DocumentAtom
	doc = append(doc, rec(0xF, 0, 0x0FF0, slideList)...)
	if len(notesList) > 0 {
		doc = append(doc, rec(0xF, 2, 0x0FF0, notesList)...)
	}
	if p.VBA {
		doc = append(doc, rec(0xF, 0, 0x07D0, rec(0xF, 2, 0x03FF, rec(2, 0, 0x0400, u32s(9, 0, 2))))...)
	}
	offsets := map[uint32]uint32{1: uint32(len(stream))}
	stream = append(stream, rec(0xF, 0, 0x03E8, doc)...)
	for i, s := range p.Slides {
		offsets[uint32(2+i)] = uint32(len(stream))
		nref := uint32(0)
		if s.Notes != "" {
			nref = notesID(i)
		}
		atom := rec(2, 0, 0x03EF, u32s(0, 0, 0, 0x80000001, nref), []byte{0, 0, 0, 0})
		stream = append(stream, rec(0xF, 0, 0x03EE, atom, drawing(s.Box))...)
	}
	for i, s := range p.Slides {
		if s.Notes == "" {
			continue
		}
		offsets[uint32(2+n+i)] = uint32(len(stream))
		atom := rec(1, 0, 0x03F1, u32s(slideID(i), 0))
		stream = append(stream, rec(0xF, 0, 0x03F0, atom, drawing(s.Notes))...)
	}
	// One persist directory entry per id (cPersist 1).
	var dir []byte
	for id := uint32(1); id < uint32(2+2*n); id++ {
		if off, ok := offsets[id]; ok {
			dir = append(dir, u32s(id|1<<20, off)...)
		}
	}
	dirAt := uint32(len(stream))
	stream = append(stream, rec(0, 0, 0x1772, dir)...)
	editAt := uint32(len(stream))
	stream = append(stream, rec(0, 0, 0x0FF5, u32s(0, 0x03000000, 0, dirAt, 1, uint32(2+2*n), 1))...)

	token := uint32(0xE391C05F)
	if p.Encrypted {
		token = 0xF3D1C4DF
	}
	cu := rec(0, 0, 0x0FF6, u32s(0x14, token, editAt), []byte{0, 0, 0xF4, 0x03, 3, 0, 0, 0})
	return []Stream{{"Current User", cu}, {"PowerPoint Document", stream}}
}
