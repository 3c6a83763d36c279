package pdftext

import (
	_ "embed"
	"encoding/binary"
	"sort"
	"unicode/utf8"
)

// Predefined CMaps and character collections (ISO 32000-1 §9.7.5.2, Table
// 118; §9.10.2): a composite font without a ToUnicode map is still
// readable when its encoding is a predefined CMap (90ms-RKSJ-H, EUC-H,
// GBK-EUC-H, ...: code → CID) and its CIDs belong to one of Adobe's
// character collections (Adobe-Japan1, -GB1, -CNS1, -Korea1: CID →
// Unicode). The tables come from Adobe's CMap resources (BSD licence,
// reproduced in cmaps.LICENSE) by internal/cmapgen, which documents the
// format; they are read in place
// from the embedded bytes, so nothing is decoded until a document needs
// it, and nothing is shared between documents but those read-only bytes.

//go:generate go run ./internal/cmapgen -o cmaps.bin

//go:embed cmaps.bin
var cmapTables string

// collection is one character collection's CID → Unicode table.
type collection struct {
	name          string
	count         uint32 // CIDs in the dense table
	dense         uint32 // offset of count u16 code points
	nExtra, extra uint32 // non-BMP entries: u32 CID, u32 code point
}

// tableHeader walks the header of cmapTables: the collections, then the
// CMaps with their offsets and lengths.
func tableHeader(coll func(collection) bool, cm func(name string, off, n uint32) bool) {
	t := cmapTables
	if len(t) < 12 || t[:8] != "PDFCMAP1" {
		return
	}
	p := 8
	nc := int(t[p]) | int(t[p+1])<<8
	p += 2
	for range nc {
		n := int(t[p])
		c := collection{name: t[p+1 : p+1+n]}
		p += 1 + n
		c.count, c.dense, c.nExtra, c.extra = u32at(t, p), u32at(t, p+4), u32at(t, p+8), u32at(t, p+12)
		p += 16
		if coll != nil && !coll(c) {
			return
		}
	}
	nm := int(t[p]) | int(t[p+1])<<8
	p += 2
	for range nm {
		n := int(t[p])
		name := t[p+1 : p+1+n]
		p += 1 + n
		off, size := u32at(t, p), u32at(t, p+4)
		p += 8
		if cm != nil && !cm(name, off, size) {
			return
		}
	}
}

// u32at reads a little-endian uint32 of the tables.
func u32at(s string, o int) uint32 {
	return uint32(s[o]) | uint32(s[o+1])<<8 | uint32(s[o+2])<<16 | uint32(s[o+3])<<24
}

// findCollection returns the collection of an Adobe ordering ("Japan1").
func findCollection(ordering string) *collection {
	var out *collection
	tableHeader(func(c collection) bool {
		if c.name == ordering {
			out = &c
			return false
		}
		return true
	}, nil)
	return out
}

func collectionAt(i int) *collection {
	var out *collection
	k := 0
	tableHeader(func(c collection) bool {
		if k == i {
			out = &c
			return false
		}
		k++
		return true
	}, nil)
	return out
}

// text returns the Unicode text of a CID, "" when the collection has none.
func (c *collection) text(cid uint32) string {
	if cid < c.count {
		o := c.dense + 2*cid
		if r := rune(cmapTables[o]) | rune(cmapTables[o+1])<<8; r != 0 {
			return string(r)
		}
	}
	k := sort.Search(int(c.nExtra), func(i int) bool { return c.extraCID(i) >= cid })
	if k < int(c.nExtra) && c.extraCID(k) == cid {
		o := int(c.extra) + 8*k + 4
		r := rune(u32at(cmapTables, o))
		if utf8.ValidRune(r) {
			return string(r)
		}
	}
	return ""
}

func (c *collection) extraCID(i int) uint32 {
	o := int(c.extra) + 8*i
	return u32at(cmapTables, o)
}

// inverse inverts the table for a Unicode CMap's code: the lowest CID whose
// text is r. It is built per font, on first use.
func (c *collection) inverse() map[rune]uint32 {
	m := make(map[rune]uint32, c.count)
	for cid := c.count; cid > 0; cid-- {
		o := c.dense + 2*(cid-1)
		if r := rune(cmapTables[o]) | rune(cmapTables[o+1])<<8; r != 0 {
			m[r] = cid - 1
		}
	}
	return m
}

// maxUseDepth bounds usecmap chains of the predefined CMaps (at most two
// deep in Adobe's files).
const maxUseDepth = 4

// predefinedCMap builds the CMap of a predefined name, with its
// collection, or nil when the name is not in the tables.
func predefinedCMap(name string) (*cmap, *collection) {
	return loadPredefined(name, 0)
}

func loadPredefined(name string, depth int) (*cmap, *collection) {
	var off, n uint32
	found := false
	tableHeader(nil, func(nm string, o, l uint32) bool {
		if nm == name {
			off, n, found = o, l, true
			return false
		}
		return true
	})
	if !found || depth > maxUseDepth || uint64(off)+uint64(n) > uint64(len(cmapTables)) {
		return nil, nil
	}
	b := []byte(cmapTables[off : off+n])
	le := binary.LittleEndian
	coll := collectionAt(int(b[0]))
	m := &cmap{vertical: b[1] == 1}
	p := 2
	use := string(b[p+1 : p+1+int(b[p])])
	p += 1 + int(b[p])
	ns := int(b[p])
	p++
	for range ns {
		cs := codespace{n: int(b[p])}
		copy(cs.lo[:], b[p+1:p+5])
		copy(cs.hi[:], b[p+5:p+9])
		m.spaces = append(m.spaces, cs)
		p += 9
	}
	nr := int(le.Uint32(b[p:]))
	p += 4
	m.cidRanges = make([]cidRange, 0, nr)
	for range nr {
		lo := le.Uint32(b[p:])
		m.cidRanges = append(m.cidRanges, cidRange{lo: lo, hi: lo + uint32(le.Uint16(b[p+4:])), cid: uint32(le.Uint16(b[p+6:]))})
		p += 8
	}
	if use != "" {
		if base, _ := loadPredefined(use, depth+1); base != nil {
			m.base = base
			if len(m.spaces) == 0 {
				m.spaces = base.spaces
			}
		}
	}
	return m, coll
}
