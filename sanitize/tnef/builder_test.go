package tnef

import "encoding/binary"

// The test streams are written with tneftest, from the layout of
// MS-OXTNEF; compressRTF, which needs the initial dictionary, is here.

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
