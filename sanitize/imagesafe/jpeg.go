package imagesafe

import (
	"bytes"
	"encoding/binary"
)

// jpegInfo is what scanJPEG learns from the marker segments.
type jpegInfo struct {
	scans       int // SOS segments
	orientation int // EXIF orientation 1–8, 1 when absent
}

// scanJPEG walks the marker segments of a JPEG (ITU-T T.81 §B.1.1.2–4:
// markers are 0xFF then a code; SOI, EOI, RSTn and TEM stand alone, every
// other marker has a two-byte length including itself; the entropy-coded
// data after SOS ends at the first 0xFF not followed by 0x00 or RSTn).
// It stops at EOI or at anything it cannot follow, leaving errors to the
// decoder; everything after EOI is ignored and never reaches the output.
func scanJPEG(data []byte) (jpegInfo, error) {
	info := jpegInfo{orientation: 1}
	p := 2 // after SOI
	for p+1 < len(data) {
		if data[p] != 0xff {
			break
		}
		m := data[p+1]
		if m == 0xff { // fill byte (§B.1.1.2)
			p++
			continue
		}
		p += 2
		switch {
		case m == 0xd9: // EOI
			return info, nil
		case m == 0xd8 || m == 0x01 || m >= 0xd0 && m <= 0xd7:
			continue
		}
		if p+2 > len(data) {
			break
		}
		n := int(binary.BigEndian.Uint16(data[p:]))
		if n < 2 {
			break
		}
		seg := data[p+2 : min(p+n, len(data))]
		p += n
		switch m {
		case 0xe1: // APP1: Exif (CIPA DC-008 §4.5.4)
			if o, ok := exifOrientation(seg); ok && info.orientation == 1 {
				info.orientation = o
			}
		case 0xda: // SOS, then entropy-coded data
			info.scans++
			if info.scans > maxScans {
				return info, nil
			}
			p = skipEntropyData(data, p)
		}
	}
	return info, nil
}

// skipEntropyData returns the offset of the marker that ends the
// entropy-coded segment starting at p.
func skipEntropyData(data []byte, p int) int {
	for {
		if p >= len(data) {
			// A segment length ran past the end; the decoder reports it.
			return len(data)
		}
		i := bytes.IndexByte(data[p:], 0xff)
		if i < 0 || p+i+1 >= len(data) {
			return len(data)
		}
		p += i
		switch next := data[p+1]; {
		case next == 0x00 || next >= 0xd0 && next <= 0xd7: // stuffed byte, restart marker
			p += 2
		case next == 0xff: // fill before a marker
			p++
		default:
			return p
		}
	}
}

// exifOrientation reads tag 0x0112 (Orientation, SHORT) from IFD0 of an
// APP1 Exif segment: "Exif\0\0", then a TIFF header (TIFF 6.0 §2: byte
// order "II" or "MM", 42, offset of IFD0) and 12-byte IFD entries.
func exifOrientation(seg []byte) (int, bool) {
	if !bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
		return 0, false
	}
	t := seg[6:]
	if len(t) < 8 {
		return 0, false
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0, false
	}
	if bo.Uint16(t[2:]) != 42 {
		return 0, false
	}
	ifd := int64(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > int64(len(t)) {
		return 0, false
	}
	n := int64(bo.Uint16(t[ifd:]))
	for i := int64(0); i < n; i++ {
		e := ifd + 2 + 12*i
		if e+12 > int64(len(t)) {
			return 0, false
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		if bo.Uint16(t[e+2:]) != 3 || bo.Uint32(t[e+4:]) != 1 { // SHORT, count 1
			return 0, false
		}
		if o := int(bo.Uint16(t[e+8:])); o >= 1 && o <= 8 {
			return o, true
		}
		return 0, false
	}
	return 0, false
}
