package tnef

import (
	"encoding/binary"
	"errors"
)

// MS-OXRTFCP §2.1.3.1: the header's COMPTYPE.
const (
	rtfCompressed   = 0x75465A4C // "LZFu"
	rtfUncompressed = 0x414C454D // "MELA"
	rtfHeaderSize   = 16
)

// rtfDictionary is the initial dictionary of MS-OXRTFCP §2.1.2.1 (207
// bytes); the write position starts right after it.
const rtfDictionary = `{\rtf1\ansi\mac\deff0\deftab720{\fonttbl;}{\f0\fnil \froman \fswiss \fmodern \fscript \fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\colortbl\red0\green0\blue0` +
	"\r\n" + `\par \pard\plain\f0\fs20\b\i\u\tab\tx`

var errRTF = errors.New("tnef: damaged compressed RTF")

// decompressRTF decompresses PidTagRtfCompressed (MS-OXRTFCP §2.2.3). The
// output is bounded by the header's RAWSIZE, by limit, and in any case by
// the input: one reference of two bytes yields at most 17, so the work is
// linear. The CRC is not checked. More than limit bytes is a LimitError.
func decompressRTF(b []byte, limit int64) ([]byte, error) {
	if len(b) < rtfHeaderSize {
		return nil, errRTF
	}
	compSize := int64(binary.LittleEndian.Uint32(b))
	rawSize := int64(binary.LittleEndian.Uint32(b[4:]))
	compType := binary.LittleEndian.Uint32(b[8:])
	// COMPSIZE counts the bytes after itself; a larger value than the data
	// is a truncated property, read as far as it goes.
	switch end := compSize + 4; {
	case end < rtfHeaderSize:
		return nil, errRTF
	case end < int64(len(b)):
		b = b[:end]
	}
	in := b[rtfHeaderSize:]
	// RAWSIZE is a claim: produce at most one byte more than the limit
	// allows, and fail only if the data really is that large.
	rawSize = min(rawSize, limit+1)
	var out []byte
	switch compType {
	case rtfUncompressed:
		out = append(out, in[:min(int64(len(in)), rawSize)]...)
	case rtfCompressed:
		out = lzfu(in, rawSize)
	default:
		return nil, errRTF
	}
	if int64(len(out)) > limit {
		return nil, &LimitError{What: "total size", Limit: limit}
	}
	return out, nil
}

// lzfu decompresses MS-OXRTFCP §2.2.3 compressed content: runs of a
// control byte whose bits, least significant first, say whether a literal
// byte (0) or a big-endian 16-bit dictionary reference (1: 12-bit offset,
// 4-bit length minus 2) follows. Output stops at rawSize, at the end
// marker (a reference to the current write position), or at the end of the
// input, whichever comes first.
func lzfu(in []byte, rawSize int64) []byte {
	var dict [4096]byte
	copy(dict[:], rtfDictionary)
	w := len(rtfDictionary)
	out := make([]byte, 0, min(rawSize, int64(len(in))*9))
	for i := 0; i < len(in); {
		control := in[i]
		i++
		for bit := 0; bit < 8; bit++ {
			if int64(len(out)) >= rawSize {
				return out
			}
			if control&(1<<bit) == 0 {
				if i >= len(in) {
					return out
				}
				c := in[i]
				i++
				out = append(out, c)
				dict[w] = c
				w = (w + 1) & 0xfff
				continue
			}
			if i+2 > len(in) {
				return out
			}
			ref := int(binary.BigEndian.Uint16(in[i:]))
			i += 2
			off, n := ref>>4, ref&0xf+2
			if off == w {
				// The reference to the write position ends the stream.
				return out
			}
			for k := 0; k < n && int64(len(out)) < rawSize; k++ {
				c := dict[(off+k)&0xfff]
				out = append(out, c)
				dict[w] = c
				w = (w + 1) & 0xfff
			}
		}
	}
	return out
}
