package pdftext

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// CMaps (ISO 32000-1 §9.7.5, and Adobe Technical Note #5014 for the syntax)
// and ToUnicode CMaps (§9.10.3). Only the operators that matter for text are
// read: codespace ranges (how many bytes make a code, §9.7.6.2), bfchar and
// bfrange (code to Unicode, including the array form of bfrange), cidchar
// and cidrange (code to CID, for widths), usecmap and /WMode.

// maxCMapEntries bounds the single-code mappings one CMap may define;
// wider bfranges are kept as ranges rather than expanded.
const (
	maxCMapEntries = 1 << 20
	maxCMapRanges  = 1 << 16
	maxCodespaces  = 256 // Adobe's CMap syntax allows 100 per block
	expandSpan     = 256 // §9.10.3 limits a bfrange to the last byte anyway
)

type codespace struct {
	n      int
	lo, hi [4]byte
}

type uniRange struct {
	lo, hi uint32
	dst    []uint16 // UTF-16 of the first code; the last unit is incremented
}

type cidRange struct {
	lo, hi, cid uint32
}

type cmap struct {
	spaces    []codespace
	uni       map[uint32]string
	uniRanges []uniRange
	cids      map[uint32]uint32
	cidRanges []cidRange
	vertical  bool
	useName   string // a predefined CMap named by usecmap
	base      *cmap  // the predefined CMap it builds on: consulted for codes it does not map
}

// parseCMap reads a CMap from its decoded bytes. It never fails: what it
// cannot read is left out.
func parseCMap(data []byte) *cmap {
	m := &cmap{uni: map[uint32]string{}, cids: map[uint32]uint32{}}
	l := lexer{data: data}
	type operand struct {
		kind tokKind
		num  float64
		b    []byte
		arr  [][]byte
	}
	var ops []operand
	entries := 0
	for {
		t := l.next()
		switch t.kind {
		case tokEOF:
			m.sortRanges()
			return m
		case tokInt, tokReal:
			ops = append(ops, operand{kind: t.kind, num: t.num})
		case tokName:
			ops = append(ops, operand{kind: tokName, b: append([]byte(nil), t.text...)})
		case tokString:
			ops = append(ops, operand{kind: tokString, b: append([]byte(nil), t.text...)})
		case tokArrayOpen:
			var arr [][]byte
			for {
				e := l.next()
				if e.kind == tokArrayClose || e.kind == tokEOF {
					break
				}
				if e.kind == tokString || e.kind == tokName {
					arr = append(arr, append([]byte(nil), e.text...))
				}
			}
			ops = append(ops, operand{kind: tokArrayOpen, arr: arr})
		case tokDictOpen, tokDictClose, tokArrayClose, tokBraceOpen, tokBraceClose:
			// CMap resource dictionaries (CIDSystemInfo) carry nothing we use.
		case tokKeyword:
			switch string(t.text) {
			case "endcodespacerange":
				for i := 0; i+1 < len(ops); i += 2 {
					lo, hi := ops[i].b, ops[i+1].b
					if len(lo) == 0 || len(lo) > 4 || len(lo) != len(hi) || len(m.spaces) >= maxCodespaces {
						continue
					}
					cs := codespace{n: len(lo)}
					copy(cs.lo[:], lo)
					copy(cs.hi[:], hi)
					m.spaces = append(m.spaces, cs)
				}
			case "endbfchar":
				for i := 0; i+1 < len(ops) && entries < maxCMapEntries; i += 2 {
					src := ops[i].b
					if ops[i].kind != tokString || len(src) == 0 || len(src) > 4 {
						continue
					}
					if s, ok := dstText(ops[i+1].kind, ops[i+1].b); ok {
						m.uni[codeValue(src)] = s
						entries++
					}
				}
			case "endbfrange":
				for i := 0; i+2 < len(ops); i += 3 {
					a, b, dst := ops[i], ops[i+1], ops[i+2]
					if a.kind != tokString || b.kind != tokString || len(a.b) == 0 || len(a.b) > 4 || len(b.b) > 4 {
						continue
					}
					lo, hi := codeValue(a.b), codeValue(b.b)
					if hi < lo {
						continue
					}
					switch dst.kind {
					case tokArrayOpen:
						// One destination string per code (§9.10.3).
						for k, s := range dst.arr {
							c := lo + uint32(k)
							if c > hi || entries >= maxCMapEntries {
								break
							}
							m.uni[c] = utf16Text(s)
							entries++
						}
					case tokString:
						units := bytesToUnits(dst.b)
						if len(units) == 0 {
							continue
						}
						if hi-lo < expandSpan && entries+int(hi-lo) < maxCMapEntries {
							for c := lo; c <= hi; c++ {
								m.uni[c] = rangeText(units, c-lo)
								entries++
							}
						} else if len(m.uniRanges) < maxCMapRanges {
							m.uniRanges = append(m.uniRanges, uniRange{lo: lo, hi: hi, dst: units})
						}
					case tokName:
						if s, ok := dstText(tokName, dst.b); ok && entries < maxCMapEntries {
							m.uni[lo] = s
							entries++
						}
					}
				}
			case "endcidchar":
				for i := 0; i+1 < len(ops) && len(m.cids) < maxCMapEntries; i += 2 {
					if ops[i].kind == tokString && ops[i+1].kind == tokInt && len(ops[i].b) <= 4 && ops[i+1].num >= 0 {
						m.cids[codeValue(ops[i].b)] = uint32(ops[i+1].num)
					}
				}
			case "endcidrange":
				for i := 0; i+2 < len(ops) && len(m.cidRanges) < maxCMapRanges; i += 3 {
					a, b, c := ops[i], ops[i+1], ops[i+2]
					if a.kind == tokString && b.kind == tokString && c.kind == tokInt && len(a.b) <= 4 && len(b.b) <= 4 && c.num >= 0 && c.num < 1<<32 {
						m.cidRanges = append(m.cidRanges, cidRange{lo: codeValue(a.b), hi: codeValue(b.b), cid: uint32(c.num)})
					}
				}
			case "usecmap":
				if n := len(ops); n > 0 && ops[n-1].kind == tokName {
					m.useName = string(ops[n-1].b)
				}
			case "def":
				// "/WMode 1 def" selects vertical writing (§9.7.5.3).
				if n := len(ops); n >= 2 && ops[n-2].kind == tokName && string(ops[n-2].b) == "WMode" && ops[n-1].num == 1 {
					m.vertical = true
				}
			}
			ops = ops[:0]
		}
		if len(ops) > 3*maxCMapRanges {
			ops = ops[:0] // operands with no operator: junk
		}
	}
}

func codeValue(b []byte) uint32 {
	var v uint32
	for _, c := range b {
		v = v<<8 | uint32(c)
	}
	return v
}

// dstText decodes a bfchar destination: UTF-16BE (§9.10.3), or a glyph
// name, which some producers write.
func dstText(kind tokKind, b []byte) (string, bool) {
	switch kind {
	case tokString:
		return utf16Text(b), true
	case tokName:
		s := glyphText(string(b))
		return s, s != ""
	}
	return "", false
}

func bytesToUnits(b []byte) []uint16 {
	if len(b) == 1 {
		return []uint16{uint16(b[0])}
	}
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
	}
	return u
}

// utf16Text decodes UTF-16BE; a lone byte is taken as Latin-1, which
// broken producers write for ASCII.
func utf16Text(b []byte) string {
	return unitsText(bytesToUnits(b))
}

func unitsText(u []uint16) string {
	var sb strings.Builder
	for _, r := range utf16.Decode(u) {
		if r == utf8.RuneError {
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// rangeText is the destination of code lo+off in a bfrange: the last UTF-16
// unit of the first destination incremented by off (a surrogate pair is
// incremented as one code point).
func rangeText(units []uint16, off uint32) string {
	if off == 0 {
		return unitsText(units)
	}
	n := len(units)
	if n >= 2 && utf16.IsSurrogate(rune(units[n-2])) {
		r := utf16.DecodeRune(rune(units[n-2]), rune(units[n-1])) + rune(off)
		hi, lo := utf16.EncodeRune(r)
		if hi == utf8.RuneError {
			return ""
		}
		out := append(append([]uint16{}, units[:n-2]...), uint16(hi), uint16(lo))
		return unitsText(out)
	}
	last := uint32(units[n-1]) + off
	if last > 0xFFFF {
		return ""
	}
	out := append(append([]uint16{}, units[:n-1]...), uint16(last))
	return unitsText(out)
}

// sortRanges orders the ranges by their first code, so that a lookup is a
// binary search. Where ranges overlap, the one that starts last wins.
func (m *cmap) sortRanges() {
	slices.SortStableFunc(m.uniRanges, func(a, b uniRange) int { return cmp.Compare(a.lo, b.lo) })
	slices.SortStableFunc(m.cidRanges, func(a, b cidRange) int { return cmp.Compare(a.lo, b.lo) })
}

// lastStarting returns the index of the last range starting at or before
// code, or -1.
func lastStarting(n int, lo func(int) uint32, code uint32) int {
	k := sort.Search(n, func(i int) bool { return lo(i) > code })
	return k - 1
}

func (m *cmap) lookup(code uint32) (string, bool) {
	if s, ok := m.uni[code]; ok {
		return s, true
	}
	k := lastStarting(len(m.uniRanges), func(i int) uint32 { return m.uniRanges[i].lo }, code)
	if k >= 0 && code <= m.uniRanges[k].hi {
		r := m.uniRanges[k]
		return rangeText(r.dst, code-r.lo), true
	}
	return "", false
}

func (m *cmap) cid(code uint32) (uint32, bool) {
	if c, ok := m.cids[code]; ok {
		return c, true
	}
	k := lastStarting(len(m.cidRanges), func(i int) uint32 { return m.cidRanges[i].lo }, code)
	if k >= 0 && code <= m.cidRanges[k].hi {
		r := m.cidRanges[k]
		return r.cid + (code - r.lo), true
	}
	if m.base != nil {
		return m.base.cid(code)
	}
	return 0, false
}

// codeLen returns how many bytes of s form the next code (§9.7.6.2): the
// first length whose codespace range contains the leading bytes. When none
// does, the shortest codespace length is used, as the standard directs for
// invalid codes.
func (m *cmap) codeLen(s []byte) int {
	shortest := 0
	for n := 1; n <= 4 && n <= len(s); n++ {
		for i := range m.spaces {
			cs := &m.spaces[i]
			if cs.n != n {
				continue
			}
			if shortest == 0 || n < shortest {
				shortest = n
			}
			ok := true
			for k := 0; k < n; k++ {
				if s[k] < cs.lo[k] || s[k] > cs.hi[k] {
					ok = false
					break
				}
			}
			if ok {
				return n
			}
		}
	}
	if shortest == 0 {
		for i := range m.spaces {
			if shortest == 0 || m.spaces[i].n < shortest {
				shortest = m.spaces[i].n
			}
		}
	}
	if shortest == 0 {
		shortest = 1
	}
	return min(shortest, len(s))
}
