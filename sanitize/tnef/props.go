package tnef

import (
	"encoding/binary"
	"fmt"
)

// MAPI property types (MS-OXCDATA §2.11.1) and the size of one value in a
// TNEF property list: MS-OXTNEF §2.1.3.4 pads every value to a multiple of
// four bytes, so 16-bit values take four.
const (
	ptShort    = 0x0002
	ptLong     = 0x0003
	ptFloat    = 0x0004
	ptDouble   = 0x0005
	ptCurrency = 0x0006
	ptAppTime  = 0x0007
	ptError    = 0x000A
	ptBoolean  = 0x000B
	ptObject   = 0x000D
	ptI8       = 0x0014
	ptString8  = 0x001E
	ptUnicode  = 0x001F
	ptSysTime  = 0x0040
	ptCLSID    = 0x0048
	ptSvrEID   = 0x00FB
	ptRestrict = 0x00FD
	ptActions  = 0x00FE
	ptBinary   = 0x0102

	mvFlag = 0x1000 // multi-valued
)

// Property IDs this package uses (MS-OXPROPS).
const (
	pidSubject          = 0x0037 // PidTagSubject
	pidBody             = 0x1000 // PidTagBody
	pidRTFCompressed    = 0x1009 // PidTagRtfCompressed
	pidHTML             = 0x1013 // PidTagHtml (binary) / PidTagBodyHtml (string)
	pidDisplayName      = 0x3001 // PidTagDisplayName
	pidAttachData       = 0x3701 // PidTagAttachDataBinary / PidTagAttachDataObject
	pidAttachFilename   = 0x3704 // PidTagAttachFilename (8.3)
	pidAttachMethod     = 0x3705 // PidTagAttachMethod: not used, an attached item is known by its data
	pidAttachLongName   = 0x3707 // PidTagAttachLongFilename
	pidAttachMimeTag    = 0x370E // PidTagAttachMimeTag
	pidInternetCodepage = 0x3FDE // PidTagInternetCodepage
	pidMessageCodepage  = 0x3FFD // PidTagMessageCodepage
)

// prop is one single-valued property of a list; values of multi-valued and
// named properties are skipped, since none of those carries the body or a
// file.
type prop struct {
	id, typ uint16
	value   []byte // for variable-size types without the size and padding
}

// propError says where in a property list parsing stopped.
type propError struct {
	off    int
	reason string
}

// fixedSize is the padded size of one value of a fixed-size type, or 0 for
// variable-size types, or -1 for types this package does not know.
func fixedSize(typ uint16) int {
	switch typ {
	case ptShort, ptLong, ptFloat, ptError, ptBoolean:
		return 4
	case ptDouble, ptCurrency, ptAppTime, ptI8, ptSysTime:
		return 8
	case ptCLSID:
		return 16
	case ptObject, ptString8, ptUnicode, ptBinary, ptSvrEID, ptRestrict, ptActions:
		return 0
	}
	return -1
}

// parseProps walks a property list (MS-OXTNEF §2.1.3.4: a count, then for
// each property its tag, the name of a named property, and its values) and
// calls fn for every single-valued property that is not named. Every count
// and size is checked against the bytes that are left before use.
func parseProps(b []byte, fn func(prop)) *propError {
	r := cursor{b: b}
	count := r.u32()
	for i := uint32(0); i < count && r.err == ""; i++ {
		// Each property takes at least eight bytes (tag and a value), so a
		// count beyond that is a lie; stop instead of looping on it.
		if r.left() < 8 {
			r.fail("property count %d runs past the data", count)
			break
		}
		typ := r.u16()
		id := r.u16()
		named := id >= 0x8000
		if named {
			// Named property (MS-OXTNEF §2.1.3.4 PropertyName): GUID, kind,
			// then a numeric ID or a length-prefixed UTF-16LE name.
			r.skip(16)
			switch kind := r.u32(); kind {
			case 0:
				r.skip(4)
			case 1:
				r.skip(pad4(r.u32()))
			default:
				r.fail("property 0x%04x: unknown name kind %d", id, kind)
			}
		}
		base := typ &^ mvFlag
		size := fixedSize(base)
		if size < 0 {
			r.fail("property 0x%04x: unknown type 0x%04x", id, typ)
			break
		}
		n := uint32(1)
		if typ&mvFlag != 0 || size == 0 {
			// Multi-valued properties, and variable-size ones even when
			// single-valued, carry a value count.
			n = r.u32()
		}
		var first []byte
		for v := uint32(0); v < n && r.err == ""; v++ {
			if size > 0 {
				if int64(n-v)*int64(size) > int64(r.left()) {
					r.fail("property 0x%04x: %d values run past the data", id, n)
					break
				}
				val := r.bytes(int64(size))
				if v == 0 {
					first = val
				}
				continue
			}
			vn := r.u32()
			val := r.bytes(int64(vn))
			// Padding to four bytes carries nothing; a writer that left it
			// off the last value has lost no data.
			r.skip(min(pad4(vn)-int64(vn), int64(r.left())))
			if v == 0 {
				first = val
			}
		}
		if r.err != "" {
			return &propError{off: r.errOff, reason: r.err}
		}
		if !named && typ&mvFlag == 0 && n == 1 {
			fn(prop{id: id, typ: base, value: first})
		}
	}
	if r.err != "" {
		return &propError{off: r.errOff, reason: r.err}
	}
	return nil
}

func pad4(n uint32) int64 { return (int64(n) + 3) &^ 3 }

// cursor reads little-endian values and fails, once, instead of reading
// past the end.
type cursor struct {
	b      []byte
	off    int
	err    string
	errOff int
}

func (c *cursor) left() int { return len(c.b) - c.off }

func (c *cursor) fail(format string, args ...any) {
	if c.err == "" {
		c.err, c.errOff = fmt.Sprintf(format, args...), c.off
	}
	c.off = len(c.b)
}

func (c *cursor) bytes(n int64) []byte {
	if c.err != "" {
		return nil
	}
	if n < 0 || n > int64(c.left()) {
		c.fail("%d bytes wanted, %d left", n, c.left())
		return nil
	}
	v := c.b[c.off : c.off+int(n) : c.off+int(n)]
	c.off += int(n)
	return v
}

func (c *cursor) skip(n int64) { c.bytes(n) }

func (c *cursor) u16() uint16 {
	if v := c.bytes(2); v != nil {
		return binary.LittleEndian.Uint16(v)
	}
	return 0
}

func (c *cursor) u32() uint32 {
	if v := c.bytes(4); v != nil {
		return binary.LittleEndian.Uint32(v)
	}
	return 0
}

// str reads a string property's value.
func (p prop) str() (raw []byte, unicode, ok bool) {
	switch p.typ {
	case ptString8:
		return trimNUL(p.value), false, true
	case ptUnicode:
		return p.value, true, true
	}
	return nil, false, false
}

func (p prop) u32() (uint32, bool) {
	if p.typ == ptLong && len(p.value) >= 4 {
		return binary.LittleEndian.Uint32(p.value), true
	}
	return 0, false
}

// apply records a message property.
func (m *rawMessage) apply(p prop) {
	switch p.id {
	case pidSubject:
		if raw, u, ok := p.str(); ok {
			m.subject.setOnce(raw, u)
		}
	case pidBody:
		if raw, u, ok := p.str(); ok {
			m.body.setOnce(raw, u)
		}
	case pidHTML:
		if raw, u, ok := p.str(); ok {
			m.html.setOnce(raw, u)
		} else if p.typ == ptBinary {
			m.html.setOnce(p.value, false)
		}
	case pidRTFCompressed:
		if p.typ == ptBinary {
			m.rtf = p.value
		}
	case pidInternetCodepage:
		if v, ok := p.u32(); ok {
			m.internetCP = v
		}
	case pidMessageCodepage:
		if v, ok := p.u32(); ok {
			m.messageCP = v
		}
	}
}

// apply records an attachment property.
func (a *rawAttachment) apply(p prop) {
	raw, u, isStr := p.str()
	switch p.id {
	case pidAttachLongName:
		if isStr {
			a.longName.setOnce(raw, u)
		}
	case pidAttachFilename:
		if isStr {
			a.fileName.setOnce(raw, u)
		}
	case pidDisplayName:
		if isStr {
			a.displayName.setOnce(raw, u)
		}
	case pidAttachMimeTag:
		if isStr {
			a.mime.setOnce(raw, u)
		}
	case pidAttachData:
		switch p.typ {
		case ptBinary:
			a.dataBin = p.value
		case ptObject:
			a.dataObj = p.value
		}
	}
}
