package pdftext

import (
	"encoding/binary"
	"unicode/utf8"
)

// An embedded TrueType font's own character map: for a CIDFontType2 font
// without a ToUnicode map and with no known character collection, the
// CIDs select glyphs (through /CIDToGIDMap, ISO 32000-1 §9.7.4.2), and the
// font program's 'cmap' table (OpenType spec, "cmap — Character to Glyph
// Index Mapping Table") says which Unicode character each glyph draws. It
// is read backwards: glyph id → the lowest code point that maps to it.

// maxCmapSteps bounds the code points a 'cmap' subtable is walked for;
// the whole of Unicode is 1.1 million, a BMP font 65536.
const maxCmapSteps = 1 << 21

// trueTypeGlyphs reads the embedded font program of a CIDFontType2
// dictionary and its CIDToGIDMap into f. Failures leave f unchanged.
func (d *document) trueTypeGlyphs(f *font, cf dict) {
	desc := d.dictOf(cf["FontDescriptor"])
	s, ok := d.resolve(desc["FontFile2"]).(*stream)
	if !ok {
		return
	}
	prog, err := d.decode(s)
	if err != nil {
		d.bud.note(err)
		return
	}
	m := trueTypeUnicode(prog)
	if len(m) == 0 {
		return
	}
	f.gidText = m
	if gs, ok := d.resolve(cf["CIDToGIDMap"]).(*stream); ok {
		if b, err := d.decode(gs); err == nil {
			f.cidToGID = b
		} else {
			d.bud.note(err)
		}
	}
}

// gid maps a CID to a glyph id through the CIDToGIDMap (identity when the
// font has none, or names /Identity).
func (f *font) gid(cid uint32) uint16 {
	if f.cidToGID != nil {
		if i := int(cid) * 2; cid < 1<<24 && i+1 < len(f.cidToGID) {
			return binary.BigEndian.Uint16(f.cidToGID[i:])
		}
		return 0
	}
	return uint16(min(cid, 0xFFFF))
}

// trueTypeUnicode returns glyph id → text from a TrueType font program's
// Unicode 'cmap' subtable (platform 3 encoding 10 or 1, or platform 0;
// formats 12 and 4).
func trueTypeUnicode(prog []byte) map[uint16]string {
	be := binary.BigEndian
	if len(prog) < 12 {
		return nil
	}
	n := int(be.Uint16(prog[4:]))
	var cmap []byte
	for i := range n {
		r := 12 + 16*i
		if r+16 > len(prog) {
			return nil
		}
		if string(prog[r:r+4]) == "cmap" {
			off, size := be.Uint32(prog[r+8:]), be.Uint32(prog[r+12:])
			if uint64(off)+uint64(size) > uint64(len(prog)) {
				return nil
			}
			cmap = prog[off : off+size]
		}
	}
	if len(cmap) < 4 {
		return nil
	}
	var best []byte
	bestRank := 0
	for i := range int(be.Uint16(cmap[2:])) {
		r := 4 + 8*i
		if r+8 > len(cmap) {
			break
		}
		pid, eid, off := be.Uint16(cmap[r:]), be.Uint16(cmap[r+2:]), be.Uint32(cmap[r+4:])
		rank := 0
		switch {
		case pid == 3 && eid == 10:
			rank = 3
		case pid == 3 && eid == 1:
			rank = 2
		case pid == 0:
			rank = 1
		}
		if rank > bestRank && uint64(off)+4 <= uint64(len(cmap)) {
			best, bestRank = cmap[off:], rank
		}
	}
	if best == nil {
		return nil
	}
	out := map[uint16]string{}
	add := func(c uint32, gid uint32) {
		if gid == 0 || gid > 0xFFFF || !utf8.ValidRune(rune(c)) || c < 0x20 {
			return
		}
		if _, ok := out[uint16(gid)]; !ok {
			out[uint16(gid)] = string(rune(c))
		}
	}
	steps := 0
	switch be.Uint16(best) {
	case 4:
		if len(best) < 14 {
			return nil
		}
		seg := int(be.Uint16(best[6:])) / 2
		ends, starts := 14, 16+2*seg
		deltas, ranges := starts+2*seg, starts+4*seg
		if ranges+2*seg > len(best) {
			return nil
		}
		for i := range seg {
			end, start := uint32(be.Uint16(best[ends+2*i:])), uint32(be.Uint16(best[starts+2*i:]))
			delta, ro := uint32(be.Uint16(best[deltas+2*i:])), int(be.Uint16(best[ranges+2*i:]))
			for c := start; c <= end && c != 0xFFFF; c++ {
				if steps++; steps > maxCmapSteps {
					return out
				}
				if ro == 0 {
					add(c, (c+delta)&0xFFFF)
					continue
				}
				at := ranges + 2*i + ro + 2*int(c-start)
				if at+2 > len(best) {
					break
				}
				if g := uint32(be.Uint16(best[at:])); g != 0 {
					add(c, (g+delta)&0xFFFF)
				}
			}
		}
	case 12:
		if len(best) < 16 {
			return nil
		}
		groups := int(be.Uint32(best[12:]))
		for i := 0; i < groups && 16+12*i+12 <= len(best); i++ {
			g := best[16+12*i:]
			start, end, gid := be.Uint32(g), be.Uint32(g[4:]), be.Uint32(g[8:])
			for c := start; c <= end && c <= 0x10FFFF; c++ {
				if steps++; steps > maxCmapSteps {
					return out
				}
				add(c, gid+(c-start))
			}
		}
	}
	return out
}
