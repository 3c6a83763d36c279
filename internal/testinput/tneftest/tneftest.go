// Package tneftest writes TNEF streams (winmail.dat, MS-OXTNEF) and the
// MAPI property lists inside them, for tests only: the tnef package's own
// tests and the fuzz targets build their inputs with it.
//
// It writes the layout the specifications describe and imports nothing
// of tnef, so a test stream does not depend on the decoder under test.
package tneftest

import (
	"bytes"
	"encoding/binary"
	"unicode/utf16"
)

// Stream layout (MS-OXTNEF §2.1.3): the signature, a legacy key, then
// attributes of a level.
const (
	Signature       = 0x223E9F78
	LevelMessage    = 0x01
	LevelAttachment = 0x02
)

// Full attribute IDs (MS-OXTNEF §2.1.3.3): the type in the high word, the
// ID in the low word, as Outlook writes them.
const (
	AttOemCodepage    = 0x00069007
	AttSubject        = 0x00018004
	AttBody           = 0x0002800C
	AttMsgProps       = 0x00069003
	AttAttachRendData = 0x00069002
	AttAttachTitle    = 0x00018010
	AttAttachData     = 0x0006800F
	AttAttachment     = 0x00069005
)

// MAPI property IDs (MS-OXPROPS) that a test message or attachment carries.
const (
	PidSubject          = 0x0037 // PidTagSubject
	PidBody             = 0x1000 // PidTagBody
	PidRTFCompressed    = 0x1009 // PidTagRtfCompressed
	PidHTML             = 0x1013 // PidTagHtml (binary), PidTagBodyHtml (string)
	PidAttachData       = 0x3701 // PidTagAttachDataBinary, PidTagAttachDataObject
	PidAttachFilename   = 0x3704 // PidTagAttachFilename (8.3)
	PidAttachMethod     = 0x3705 // PidTagAttachMethod
	PidAttachLongName   = 0x3707 // PidTagAttachLongFilename
	PidAttachMimeTag    = 0x370E // PidTagAttachMimeTag
	PidInternetCodepage = 0x3FDE // PidTagInternetCodepage
	PidMessageCodepage  = 0x3FFD // PidTagMessageCodepage
)

// IIDMessage is IID_IMessage {00020307-0000-0000-C000-000000000046} as
// PidTagAttachDataObject starts with it for an attached Outlook item.
const IIDMessage = "\x07\x03\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"

// A Stream is a TNEF stream being written; Bytes returns it.
type Stream struct{ bytes.Buffer }

// NewStream starts a stream: the signature and the legacy key.
func NewStream() *Stream {
	s := &Stream{}
	binary.Write(s, binary.LittleEndian, uint32(Signature))
	binary.Write(s, binary.LittleEndian, uint16(0x0001)) // legacy key
	return s
}

// Attr writes one attribute: the level, the full ID, the length, the data
// and the 16-bit sum of the data.
func (s *Stream) Attr(level byte, id uint32, data []byte) *Stream {
	s.WriteByte(level)
	binary.Write(s, binary.LittleEndian, id)
	binary.Write(s, binary.LittleEndian, uint32(len(data)))
	s.Write(data)
	var sum uint16
	for _, b := range data {
		sum += uint16(b)
	}
	binary.Write(s, binary.LittleEndian, sum)
	return s
}

// Codepage writes the message's OEM code page (AttOemCodepage: the code
// page, then a secondary one left zero).
func (s *Stream) Codepage(cp uint32) *Stream {
	b := make([]byte, 8)
	binary.LittleEndian.PutUint32(b, cp)
	return s.Attr(LevelMessage, AttOemCodepage, b)
}

// Attachment writes the attributes of one attachment: the rendering data
// that opens it, then its title (NUL-terminated, in the stream's code
// page), data and property list, each when given ("" or nil: left out).
func (s *Stream) Attachment(title string, data, props []byte) *Stream {
	s.Attr(LevelAttachment, AttAttachRendData, make([]byte, 14))
	if title != "" {
		s.Attr(LevelAttachment, AttAttachTitle, append([]byte(title), 0))
	}
	if data != nil {
		s.Attr(LevelAttachment, AttAttachData, data)
	}
	if props != nil {
		s.Attr(LevelAttachment, AttAttachment, props)
	}
	return s
}

// Props is a MAPI property list being written (MS-OXTNEF §2.1.3.4): a
// count, then each property's tag (its type, MS-OXCDATA §2.11.1, and ID)
// and value, a variable-size value as one counted blob padded to four
// bytes. Bytes returns it.
type Props struct {
	buf bytes.Buffer
	n   uint32
}

func (p *Props) tag(typ, id uint16) {
	binary.Write(&p.buf, binary.LittleEndian, typ)
	binary.Write(&p.buf, binary.LittleEndian, id)
	p.n++
}

func (p *Props) value(b []byte) {
	binary.Write(&p.buf, binary.LittleEndian, uint32(1))
	binary.Write(&p.buf, binary.LittleEndian, uint32(len(b)))
	p.buf.Write(b)
	p.buf.Write(make([]byte, pad(len(b))))
}

// pad is how many zero bytes bring n to a multiple of four.
func pad(n int) int { return (4 - n%4) % 4 }

// Str8 writes an 8-bit string property, NUL added.
func (p *Props) Str8(id uint16, b []byte) *Props {
	p.tag(0x001E, id) // PtypString8
	p.value(append(bytes.Clone(b), 0))
	return p
}

// Unicode writes a UTF-16LE string property, NUL added.
func (p *Props) Unicode(id uint16, s string) *Props {
	p.tag(0x001F, id) // PtypString
	p.value(utf16le(s + "\x00"))
	return p
}

// Binary writes a binary property.
func (p *Props) Binary(id uint16, b []byte) *Props {
	p.tag(0x0102, id) // PtypBinary
	p.value(b)
	return p
}

// Object writes an object property: the interface ID, then b.
func (p *Props) Object(id uint16, iid, b []byte) *Props {
	p.tag(0x000D, id) // PtypObject
	p.value(append(bytes.Clone(iid), b...))
	return p
}

// Long writes a 32-bit integer property.
func (p *Props) Long(id uint16, v uint32) *Props {
	p.tag(0x0003, id) // PtypInteger32
	binary.Write(&p.buf, binary.LittleEndian, v)
	return p
}

// NamedLong writes a named 32-bit property with a string name (a GUID, a
// kind, the name), which a decoder must skip correctly.
func (p *Props) NamedLong(name string, v uint32) *Props {
	p.tag(0x0003, 0x8001)         // PtypInteger32
	p.buf.Write(make([]byte, 16)) // GUID
	binary.Write(&p.buf, binary.LittleEndian, uint32(1))
	n := utf16le(name + "\x00")
	binary.Write(&p.buf, binary.LittleEndian, uint32(len(n)))
	p.buf.Write(n)
	p.buf.Write(make([]byte, pad(len(n))))
	binary.Write(&p.buf, binary.LittleEndian, v)
	return p
}

// MultiShort writes a multi-valued 16-bit property, each value padded to
// four bytes.
func (p *Props) MultiShort(id uint16, vs ...uint16) *Props {
	p.tag(0x1002, id) // PtypMultipleInteger16
	binary.Write(&p.buf, binary.LittleEndian, uint32(len(vs)))
	for _, v := range vs {
		binary.Write(&p.buf, binary.LittleEndian, uint32(v))
	}
	return p
}

// Bytes returns the property list: the count, then the properties.
func (p *Props) Bytes() []byte {
	out := binary.LittleEndian.AppendUint32(nil, p.n)
	return append(out, p.buf.Bytes()...)
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// LZFuLiterals writes raw as compressed RTF (MS-OXRTFCP §2.2.2) made of
// literals only, closed by the end marker: a reference to the write
// position, which starts after the 207-byte initial dictionary. The CRC
// field is left zero.
func LZFuLiterals(raw []byte) []byte {
	const dictLen = 207
	var out []byte
	for i := 0; i < len(raw); i += 8 {
		out = append(out, 0)
		out = append(out, raw[i:min(i+8, len(raw))]...)
	}
	w := (dictLen + len(raw)) & 0xfff
	if len(raw)%8 == 0 {
		out = append(out, 0x01)
	} else {
		// The marker takes the next free bit of the last control byte.
		out[len(out)-1-len(raw)%8] |= 1 << (len(raw) % 8)
	}
	out = binary.BigEndian.AppendUint16(out, uint16(w<<4))
	hdr := binary.LittleEndian.AppendUint32(nil, uint32(len(out)+12))
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(len(raw)))
	hdr = binary.LittleEndian.AppendUint32(hdr, 0x75465A4C) // "LZFu"
	hdr = binary.LittleEndian.AppendUint32(hdr, 0)          // CRC, not checked
	return append(hdr, out...)
}
