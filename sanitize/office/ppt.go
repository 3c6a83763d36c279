package office

import (
	"encoding/binary"
	"strconv"
	"strings"
	"unicode/utf16"
)

// ppt converts a PowerPoint 97–2003 presentation ([MS-PPT]). Its
// "PowerPoint Document" stream is a tree of records (§2.3.1: an 8-byte
// header of version, instance, type and length; version 0xF marks a
// container). An edit history chains from the "Current User" stream
// (§2.3.2, offsetToCurrentEdit) through UserEditAtoms (§2.3.3), each with
// a persist directory (§2.3.4) mapping persist ids to stream offsets; the
// newest mapping of an id wins, so text superseded by a later save is not
// shown. The document container's SlideListWithText (§2.4.14.3) lists
// the slides in order with the text of their placeholders; each slide's
// drawing holds the text of its other shapes (OfficeArtClientTextbox with
// TextCharsAtom or TextBytesAtom, §2.9.76); the notes page of a slide
// holds the speaker notes. A file whose edit chain cannot be followed is
// read by a scan of all its text records, masters left out.
func (ex *extraction) ppt(f *oleFile, fileSize int) error {
	doc, err := f.stream(streamPowerPoint, fileSize)
	if err != nil {
		return err
	}
	p := &pptDoc{ex: ex, data: doc}
	p.scanRemoved(doc, 0)
	if cu, err := f.stream(streamCurrentUser, fileSize); err == nil && len(cu) >= 20 {
		le := binary.LittleEndian
		if le.Uint32(cu[12:]) == 0xF3D1C4DF {
			return ErrEncrypted // §2.3.2 headerToken of an encrypted document
		}
		if p.readPersist(int64(le.Uint32(cu[16:]))) && p.slides() {
			return nil
		}
	}
	// No usable edit chain: every text record outside masters, in stream
	// order.
	p.ex.w.flush()
	return p.scanText(doc, 0, ex.w)
}

// Record types ([MS-PPT] §2.13.24).
const (
	rtDocument          = 0x03E8
	rtSlide             = 0x03EE
	rtSlideAtom         = 0x03EF
	rtNotes             = 0x03F0
	rtSlidePersistAtom  = 0x03F3
	rtMainMaster        = 0x03F8
	rtVBAInfo           = 0x03FF
	rtTextCharsAtom     = 0x0FA0
	rtTextBytesAtom     = 0x0FA8
	rtSlideListWithText = 0x0FF0
	rtUserEditAtom      = 0x0FF5
	rtExOleEmbed        = 0x0FCC
	rtExOleLink         = 0x0FCE
	rtPersistDirectory  = 0x1772
	rtExternalOleObject = 0x1011
)

// maxPPTDepth bounds record nesting.
const maxPPTDepth = 32

type pptDoc struct {
	ex      *extraction
	data    []byte
	persist map[uint32]uint32 // persist id → stream offset
	docRef  uint32            // persist id of the document container
	scanned map[uint32]bool   // slide and notes containers written, by offset
	n       int               // records visited, for context checks
}

// pptRecord is one record: its header fields and its data.
type pptRecord struct {
	container bool
	inst      uint16
	typ       uint16
	body      []byte
}

// records calls fn for each record in b, at one level.
func pptRecords(b []byte, fn func(r pptRecord) bool) {
	le := binary.LittleEndian
	for len(b) >= 8 {
		vi, typ, n := le.Uint16(b), le.Uint16(b[2:]), le.Uint32(b[4:])
		if uint64(n) > uint64(len(b)-8) {
			n = uint32(len(b) - 8)
		}
		r := pptRecord{container: vi&0xF == 0xF, inst: vi >> 4, typ: typ, body: b[8 : 8+n]}
		b = b[8+n:]
		if !fn(r) {
			return
		}
	}
}

// recordAt returns the record that starts at off.
func (p *pptDoc) recordAt(off uint32) (pptRecord, bool) {
	if uint64(off)+8 > uint64(len(p.data)) {
		return pptRecord{}, false
	}
	var out pptRecord
	ok := false
	pptRecords(p.data[off:], func(r pptRecord) bool {
		out, ok = r, true
		return false
	})
	return out, ok
}

// readPersist follows the UserEditAtom chain from off, newest first, and
// fills the persist directory. The chain is bounded by the stream size
// and stops at a loop.
func (p *pptDoc) readPersist(off int64) bool {
	le := binary.LittleEndian
	p.persist = map[uint32]uint32{}
	seen := map[int64]bool{}
	docRef := uint32(0)
	for off > 0 && off < int64(len(p.data)) && !seen[off] && len(seen) < 4096 {
		seen[off] = true
		r, ok := p.recordAt(uint32(off))
		if !ok || r.typ != rtUserEditAtom || len(r.body) < 28 {
			return false
		}
		if docRef == 0 {
			docRef = le.Uint32(r.body[16:])
		}
		if pd, ok := p.recordAt(le.Uint32(r.body[12:])); ok && pd.typ == rtPersistDirectory {
			b := pd.body
			for len(b) >= 4 && len(p.persist) < 1<<20 {
				v := le.Uint32(b)
				id, count := v&0xFFFFF, int(v>>20)
				b = b[4:]
				for i := 0; i < count && len(b) >= 4; i++ {
					if _, newer := p.persist[id+uint32(i)]; !newer {
						p.persist[id+uint32(i)] = le.Uint32(b)
					}
					b = b[4:]
				}
			}
		}
		off = int64(le.Uint32(r.body[8:])) // offsetLastEdit
	}
	if docRef == 0 {
		return false
	}
	p.docRef = docRef
	return true
}

// pptSlide is a slide or notes page listed in the document.
type pptSlide struct {
	persist, id uint32
	texts       []string // placeholder text kept in the list
}

// slides writes the slides in order. It reports false when the document
// container is not where the persist directory says.
func (p *pptDoc) slides() bool {
	le := binary.LittleEndian
	off, ok := p.persist[p.docRef]
	if !ok {
		return false
	}
	doc, ok := p.recordAt(off)
	if !ok || doc.typ != rtDocument {
		return false
	}
	var slides, notes []pptSlide
	p.scanned = map[uint32]bool{}
	pptRecords(doc.body, func(r pptRecord) bool {
		if r.typ != rtSlideListWithText || (r.inst != 0 && r.inst != 2) {
			return true
		}
		var list []pptSlide
		pptRecords(r.body, func(a pptRecord) bool {
			switch a.typ {
			case rtSlidePersistAtom:
				if len(a.body) >= 16 {
					list = append(list, pptSlide{persist: le.Uint32(a.body), id: le.Uint32(a.body[12:])})
				}
			case rtTextCharsAtom, rtTextBytesAtom:
				if n := len(list); n > 0 {
					list[n-1].texts = append(list[n-1].texts, atomText(a))
				}
			}
			return len(list) < 1<<16
		})
		if r.inst == 0 {
			slides = list
		} else {
			notes = list
		}
		return true
	})
	notesByID := map[uint32]uint32{}
	for _, n := range notes {
		notesByID[n.id] = n.persist
	}
	w := p.ex.w
	for i, s := range slides {
		if p.ex.check() != nil || w.full() {
			return true
		}
		w.section("slide " + strconv.Itoa(i+1))
		for _, t := range s.texts {
			writeTextBlock(w, t)
		}
		so, ok := p.persist[s.persist]
		if !ok || p.scanned[so] {
			continue // a container listed twice is written once
		}
		p.scanned[so] = true
		slide, ok := p.recordAt(so)
		if !ok || slide.typ != rtSlide {
			continue
		}
		p.scanText(slide.body, 1, w)
		// SlideAtom (§2.5.10): notesIdRef at offset 16 of its data.
		var notesID uint32
		pptRecords(slide.body, func(a pptRecord) bool {
			if a.typ == rtSlideAtom && len(a.body) >= 20 {
				notesID = le.Uint32(a.body[16:])
				return false
			}
			return true
		})
		if np, ok := notesByID[notesID]; ok && notesID != 0 {
			if no, ok := p.persist[np]; ok && !p.scanned[no] {
				p.scanned[no] = true
				if nr, ok := p.recordAt(no); ok && nr.typ == rtNotes {
					w.section("notes")
					p.scanText(nr.body, 1, w)
				}
			}
		}
	}
	return true
}

// scanText writes the text records inside b, depth first, leaving out
// master slides.
func (p *pptDoc) scanText(b []byte, depth int, w *writer) error {
	if depth > maxPPTDepth {
		return nil
	}
	var err error
	pptRecords(b, func(r pptRecord) bool {
		if p.n++; p.n%4096 == 0 {
			if err = p.ex.check(); err != nil {
				return false
			}
		}
		switch {
		case r.typ == rtMainMaster:
		case r.container:
			err = p.scanText(r.body, depth+1, w)
		case r.typ == rtTextCharsAtom || r.typ == rtTextBytesAtom:
			writeTextBlock(w, atomText(r))
		}
		return err == nil && !w.full()
	})
	return err
}

// scanRemoved names the active content the stream holds: a VBA project
// (VBAInfoContainer, §2.4.17) and embedded or linked OLE objects.
func (p *pptDoc) scanRemoved(b []byte, depth int) {
	if depth > maxPPTDepth {
		return
	}
	pptRecords(b, func(r pptRecord) bool {
		switch r.typ {
		case rtVBAInfo:
			p.ex.remove("macro (VBA)")
		case rtExOleEmbed, rtExternalOleObject:
			p.ex.remove("OLE object")
		case rtExOleLink:
			p.ex.remove("external link")
		}
		if r.container {
			p.scanRemoved(r.body, depth+1)
		}
		return true
	})
}

// atomText decodes a TextCharsAtom (UTF-16LE) or TextBytesAtom (the low
// bytes of UTF-16 code units, §2.9.76).
func atomText(r pptRecord) string {
	if r.typ == rtTextBytesAtom {
		u := make([]uint16, len(r.body))
		for i, c := range r.body {
			u[i] = uint16(c)
		}
		return string(utf16.Decode(u))
	}
	u := make([]uint16, len(r.body)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(r.body[2*i:])
	}
	return string(utf16.Decode(u))
}

// writeTextBlock writes a shape's text: paragraphs end at CR, lines at
// vertical tab (§2.9.76).
func writeTextBlock(w *writer, s string) {
	s = strings.NewReplacer("\r", "\n", "\v", "\n").Replace(s)
	for _, line := range strings.Split(s, "\n") {
		w.text(line)
		w.flush()
	}
}
