package tnef

import (
	"bytes"
	"encoding/binary"
	"unicode/utf16"
)

// stream builds TNEF streams for tests (MS-OXTNEF §2.1.3).
type stream struct{ bytes.Buffer }

func newStream() *stream {
	s := &stream{}
	binary.Write(s, binary.LittleEndian, uint32(signature))
	binary.Write(s, binary.LittleEndian, uint16(0x0001)) // legacy key
	return s
}

// attr writes one attribute; id is the full ID with its type word.
func (s *stream) attr(level byte, id uint32, data []byte) *stream {
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

// Full attribute IDs (type word, ID word) as Outlook writes them.
const (
	fullOemCodepage    = 0x00069007
	fullSubject        = 0x00018004
	fullBody           = 0x0002800C
	fullMsgProps       = 0x00069003
	fullAttachRendData = 0x00069002
	fullAttachTitle    = 0x00018010
	fullAttachData     = 0x0006800F
	fullAttachment     = 0x00069005
)

func (s *stream) codepage(cp uint32) *stream {
	b := make([]byte, 8)
	binary.LittleEndian.PutUint32(b, cp)
	return s.attr(levelMessage, fullOemCodepage, b)
}

func (s *stream) attachment(title []byte, data []byte, props []byte) *stream {
	s.attr(levelAttachment, fullAttachRendData, make([]byte, 14))
	if title != nil {
		s.attr(levelAttachment, fullAttachTitle, append(bytes.Clone(title), 0))
	}
	if data != nil {
		s.attr(levelAttachment, fullAttachData, data)
	}
	if props != nil {
		s.attr(levelAttachment, fullAttachment, props)
	}
	return s
}

// props builds a MAPI property list (MS-OXTNEF §2.1.3.4).
type props struct {
	buf bytes.Buffer
	n   uint32
}

func (p *props) tag(typ, id uint16) {
	binary.Write(&p.buf, binary.LittleEndian, typ)
	binary.Write(&p.buf, binary.LittleEndian, id)
	p.n++
}

func (p *props) value(b []byte) {
	binary.Write(&p.buf, binary.LittleEndian, uint32(1))
	binary.Write(&p.buf, binary.LittleEndian, uint32(len(b)))
	p.buf.Write(b)
	p.buf.Write(make([]byte, int(pad4(uint32(len(b))))-len(b)))
}

func (p *props) str8(id uint16, b []byte) *props {
	p.tag(ptString8, id)
	p.value(append(bytes.Clone(b), 0))
	return p
}

func (p *props) unicode(id uint16, s string) *props {
	p.tag(ptUnicode, id)
	p.value(utf16le(s + "\x00"))
	return p
}

func (p *props) binary(id uint16, b []byte) *props {
	p.tag(ptBinary, id)
	p.value(b)
	return p
}

func (p *props) object(id uint16, iid, b []byte) *props {
	p.tag(ptObject, id)
	p.value(append(bytes.Clone(iid), b...))
	return p
}

func (p *props) long(id uint16, v uint32) *props {
	p.tag(ptLong, id)
	binary.Write(&p.buf, binary.LittleEndian, v)
	return p
}

// namedLong writes a named property with a string name, which the decoder
// must skip correctly.
func (p *props) namedLong(name string, v uint32) *props {
	p.tag(ptLong, 0x8001)
	p.buf.Write(make([]byte, 16)) // GUID
	binary.Write(&p.buf, binary.LittleEndian, uint32(1))
	n := utf16le(name + "\x00")
	binary.Write(&p.buf, binary.LittleEndian, uint32(len(n)))
	p.buf.Write(n)
	p.buf.Write(make([]byte, int(pad4(uint32(len(n))))-len(n)))
	binary.Write(&p.buf, binary.LittleEndian, v)
	return p
}

// multiShort writes a multi-valued 16-bit property, skipped by the decoder.
func (p *props) multiShort(id uint16, vs ...uint16) *props {
	p.tag(ptShort|mvFlag, id)
	binary.Write(&p.buf, binary.LittleEndian, uint32(len(vs)))
	for _, v := range vs {
		binary.Write(&p.buf, binary.LittleEndian, uint32(v))
	}
	return p
}

func (p *props) bytes() []byte {
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

// iidMessage is IID_IMessage {00020307-0000-0000-C000-000000000046} as it
// appears in PidTagAttachDataObject.
var iidMessage = []byte{0x07, 0x03, 0x02, 0x00, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46}

// compressRTF is a small LZFu compressor for tests (MS-OXRTFCP §2.2.2):
// greedy longest match in the same 4 KiB dictionary the decoder keeps,
// then the end marker.
func compressRTF(raw []byte) []byte {
	var dict [4096]byte
	copy(dict[:], rtfDictionary)
	w := len(rtfDictionary)
	var out []byte
	var control byte
	var group []byte
	bit := 0
	flush := func() {
		out = append(out, control)
		out = append(out, group...)
		control, group, bit = 0, nil, 0
	}
	for i := 0; i < len(raw); {
		bestOff, bestLen := 0, 0
		for off := 0; off < 4096; off++ {
			if off == w {
				continue
			}
			// The decoder copies byte by byte, so a match may read bytes
			// it has just written at w, w+1, ...
			n := 0
			for n < 17 && i+n < len(raw) {
				idx := (off + n) & 0xfff
				c := dict[idx]
				if dist := (idx - w) & 0xfff; dist < n {
					c = raw[i+dist]
				}
				if c != raw[i+n] {
					break
				}
				n++
			}
			if n > bestLen {
				bestOff, bestLen = off, n
			}
		}
		if bestLen >= 2 {
			control |= 1 << bit
			group = binary.BigEndian.AppendUint16(group, uint16(bestOff<<4|(bestLen-2)))
			for k := 0; k < bestLen; k++ {
				dict[w] = raw[i+k]
				w = (w + 1) & 0xfff
			}
			i += bestLen
		} else {
			group = append(group, raw[i])
			dict[w] = raw[i]
			w = (w + 1) & 0xfff
			i++
		}
		if bit++; bit == 8 {
			flush()
		}
	}
	// End marker: a reference to the write position.
	control |= 1 << bit
	group = binary.BigEndian.AppendUint16(group, uint16(w<<4))
	flush()

	hdr := make([]byte, 16)
	binary.LittleEndian.PutUint32(hdr[0:], uint32(len(out)+12))
	binary.LittleEndian.PutUint32(hdr[4:], uint32(len(raw)))
	binary.LittleEndian.PutUint32(hdr[8:], rtfCompressed)
	return append(hdr, out...)
}
