// Command cmapgen writes cmaps.bin, the compact tables behind pdftext's
// predefined CMaps (ISO 32000-1 §9.7.5.2, Table 118) and character
// collections, from Adobe's CMap resources.
//
// Source: the CMap files of Adobe's cmap-resources project (BSD 3-clause
// licence, Copyright 1990-2023 Adobe), as Debian's poppler-data package
// installs them under /usr/share/poppler/cMap/Adobe-{Japan1,GB1,CNS1,Korea1}.
// Run it after installing that package:
//
//	go generate ./sanitize/pdftext
//
// What it keeps, for each of the four collections:
//
//   - CID → Unicode, from Adobe-<collection>-UCS2 (the collection's ToUnicode
//     mapping), filled where it has no entry by inverting the UTF-32 Unicode
//     CMap (Uni…-UTF32-H), taking the lowest code point for a CID. Variation
//     selectors after a base character are dropped: text needs the base.
//   - For each encoding CMap of Table 118: its codespace ranges, writing
//     mode, the CMap it builds on (usecmap) and its own code → CID ranges,
//     later definitions winning over earlier ones, as non-overlapping
//     ranges sorted by code.
//
// The format (little endian) is read by predefined.go:
//
//	"PDFCMAP1"
//	u16 collections; each: u8 name length, name, u32 CID count, u32 offset of
//	    u16 BMP code points by CID (0: none), u32 extra count, u32 offset of
//	    extra entries (u32 CID, u32 code point; sorted) for non-BMP ones
//	u16 CMaps; each: u8 name length, name, u32 offset, u32 length of:
//	    u8 collection index, u8 vertical, u8 usecmap name length, name,
//	    u8 codespaces, each u8 bytes, 4 bytes low, 4 bytes high,
//	    u32 ranges, each u32 low code, u16 count of codes - 1, u16 first CID
//	    (every CID of the four collections is below 65536)
package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
)

// collections in table order; the index is what each CMap names.
var collections = []struct{ name, uni string }{
	{"Japan1", "UniJIS-UTF32-H"},
	{"GB1", "UniGB-UTF32-H"},
	{"CNS1", "UniCNS-UTF32-H"},
	{"Korea1", "UniKS-UTF32-H"},
}

// cmapNames are the predefined CMaps of ISO 32000-1 Table 118 by
// collection, less those that need no table: Identity-H and -V (the code
// is the CID) and the Unicode ones (Uni…-UCS2-, -UTF16-: the code is the
// text; pdftext finds their CIDs, for glyph widths, by inverting the
// collection's table).
var cmapNames = [][]string{
	{"83pv-RKSJ-H", "90ms-RKSJ-H", "90ms-RKSJ-V", "90msp-RKSJ-H", "90msp-RKSJ-V", "90pv-RKSJ-H",
		"Add-RKSJ-H", "Add-RKSJ-V", "EUC-H", "EUC-V", "Ext-RKSJ-H", "Ext-RKSJ-V", "H", "V"},
	{"GB-EUC-H", "GB-EUC-V", "GBpc-EUC-H", "GBpc-EUC-V", "GBK-EUC-H", "GBK-EUC-V", "GBKp-EUC-H", "GBKp-EUC-V",
		"GBK2K-H", "GBK2K-V"},
	{"B5pc-H", "B5pc-V", "HKscs-B5-H", "HKscs-B5-V", "ETen-B5-H", "ETen-B5-V", "ETenms-B5-H", "ETenms-B5-V",
		"CNS-EUC-H", "CNS-EUC-V"},
	{"KSC-EUC-H", "KSC-EUC-V", "KSCms-UHC-H", "KSCms-UHC-V", "KSCms-UHC-HW-H", "KSCms-UHC-HW-V", "KSCpc-EUC-H"},
}

func main() {
	src := flag.String("src", "/usr/share/poppler/cMap", "directory holding Adobe-Japan1/, Adobe-GB1/, ... (Debian: poppler-data)")
	out := flag.String("o", "cmaps.bin", "output file")
	flag.Parse()
	var b bytes.Buffer
	b.WriteString("PDFCMAP1")
	type blob struct {
		name string
		data []byte
	}
	var colls []blob
	var extras [][]byte
	var maps []blob
	for ci, c := range collections {
		dir := filepath.Join(*src, "Adobe-"+c.name)
		dense, extra := collection(dir, c.name, c.uni)
		colls = append(colls, blob{c.name, dense})
		extras = append(extras, extra)
		for _, n := range cmapNames[ci] {
			maps = append(maps, blob{n, encodingCMap(dir, n, ci)})
		}
	}
	// Header sizes first, to know the offsets.
	head := 8 + 2
	for _, c := range colls {
		head += 1 + len(c.name) + 16
	}
	head += 2
	for _, m := range maps {
		head += 1 + len(m.name) + 8
	}
	le := binary.LittleEndian
	off := head
	var data bytes.Buffer
	hdr := le.AppendUint16(nil, uint16(len(colls)))
	for i, c := range colls {
		hdr = append(hdr, byte(len(c.name)))
		hdr = append(hdr, c.name...)
		hdr = le.AppendUint32(hdr, uint32(len(c.data)/2))
		hdr = le.AppendUint32(hdr, uint32(off+data.Len()))
		data.Write(c.data)
		hdr = le.AppendUint32(hdr, uint32(len(extras[i])/8))
		hdr = le.AppendUint32(hdr, uint32(off+data.Len()))
		data.Write(extras[i])
	}
	hdr = le.AppendUint16(hdr, uint16(len(maps)))
	for _, m := range maps {
		hdr = append(hdr, byte(len(m.name)))
		hdr = append(hdr, m.name...)
		hdr = le.AppendUint32(hdr, uint32(off+data.Len()))
		hdr = le.AppendUint32(hdr, uint32(len(m.data)))
		data.Write(m.data)
	}
	b.Write(hdr)
	if b.Len() != head {
		log.Fatalf("header is %d bytes, expected %d", b.Len(), head)
	}
	b.Write(data.Bytes())
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("cmapgen: %s: %d bytes, %d collections, %d CMaps\n", *out, b.Len(), len(colls), len(maps))
}

// collection returns the dense CID → BMP table and the non-BMP extras.
func collection(dir, name, uni string) (dense, extra []byte) {
	toUni := map[uint32]rune{}
	f := parse(filepath.Join(dir, "Adobe-"+name+"-UCS2"))
	for _, m := range f.bf {
		toUni[m.code] = m.r
	}
	// Fill the gaps from the Unicode CMap: code (a code point) → CID.
	u := parseChain(dir, uni)
	for _, r := range u.cid {
		for code := r.lo; code <= r.hi; code++ {
			// Ranges come in code order: the first code seen for a CID
			// is its lowest.
			if cid := r.cid + (code - r.lo); toUni[cid] == 0 {
				toUni[cid] = rune(code)
			}
		}
	}
	maxCID := uint32(0)
	for cid := range toUni {
		maxCID = max(maxCID, cid)
	}
	le := binary.LittleEndian
	dense = make([]byte, 2*(maxCID+1))
	var ex [][2]uint32
	for cid, r := range toUni {
		switch {
		case r <= 0 || r == 0xFFFD:
		case r < 0x10000 && (r < 0xD800 || r > 0xDFFF):
			le.PutUint16(dense[2*cid:], uint16(r))
		case r >= 0x10000:
			ex = append(ex, [2]uint32{cid, uint32(r)})
		}
	}
	slices.SortFunc(ex, func(a, b [2]uint32) int { return int(a[0]) - int(b[0]) })
	for _, e := range ex {
		extra = le.AppendUint32(le.AppendUint32(extra, e[0]), e[1])
	}
	return dense, extra
}

// encodingCMap writes one CMap's entry (see the package comment).
func encodingCMap(dir, name string, coll int) []byte {
	f := parse(filepath.Join(dir, name))
	le := binary.LittleEndian
	out := []byte{byte(coll), 0, byte(len(f.use))}
	if f.vertical {
		out[1] = 1
	}
	out = append(out, f.use...)
	out = append(out, byte(len(f.spaces)))
	for _, s := range f.spaces {
		out = append(out, byte(s.n))
		out = append(out, s.lo[:]...)
		out = append(out, s.hi[:]...)
	}
	rs := flatten(f.cid)
	out = le.AppendUint32(out, uint32(len(rs)))
	for _, r := range rs {
		if r.hi-r.lo > 0xFFFF || r.cid > 0xFFFF {
			log.Fatalf("%s: range %x-%x to CID %d does not fit", name, r.lo, r.hi, r.cid)
		}
		out = le.AppendUint16(le.AppendUint16(le.AppendUint32(out, r.lo), uint16(r.hi-r.lo)), uint16(r.cid))
	}
	return out
}

type cidRange struct{ lo, hi, cid uint32 }

// flatten resolves overlaps (a later range wins) into sorted,
// non-overlapping ranges, merging neighbours that continue each other.
func flatten(in []cidRange) []cidRange {
	m := map[uint32]uint32{}
	for _, r := range in {
		for c := r.lo; c <= r.hi; c++ {
			m[c] = r.cid + (c - r.lo)
		}
	}
	codes := make([]uint32, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var out []cidRange
	for _, c := range codes {
		if n := len(out); n > 0 && out[n-1].hi+1 == c && out[n-1].cid+(c-out[n-1].lo) == m[c] {
			out[n-1].hi = c
			continue
		}
		out = append(out, cidRange{c, c, m[c]})
	}
	return out
}

type codespace struct {
	n      int
	lo, hi [4]byte
}

type bfEntry struct {
	code uint32
	r    rune
}

type cmapFile struct {
	use      string
	vertical bool
	spaces   []codespace
	cid      []cidRange
	bf       []bfEntry
}

// parseChain reads a CMap with the ranges of the CMaps it uses first.
func parseChain(dir, name string) cmapFile {
	f := parse(filepath.Join(dir, name))
	if f.use != "" {
		base := parseChain(dir, f.use)
		f.cid = append(base.cid, f.cid...)
	}
	return f
}

// parse reads the operators that matter of a CMap resource; Adobe writes
// one mapping per line.
func parse(path string) cmapFile {
	data, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	var f cmapFile
	var section string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '%' {
			continue
		}
		fields := strings.Fields(line)
		switch {
		case strings.HasSuffix(line, "usecmap"):
			f.use = strings.TrimPrefix(fields[0], "/")
			continue
		case line == "/WMode 1 def":
			f.vertical = true
			continue
		case strings.HasPrefix(fields[len(fields)-1], "begin"):
			section = strings.TrimPrefix(fields[len(fields)-1], "begin")
			continue
		case strings.HasPrefix(line, "end"):
			section = ""
			continue
		}
		switch section {
		case "codespacerange":
			lo, hi := hexBytes(fields[0]), hexBytes(fields[1])
			s := codespace{n: len(lo)}
			copy(s.lo[:], lo)
			copy(s.hi[:], hi)
			f.spaces = append(f.spaces, s)
		case "cidrange":
			cid, _ := strconv.ParseUint(fields[2], 10, 32)
			f.cid = append(f.cid, cidRange{code(fields[0]), code(fields[1]), uint32(cid)})
		case "cidchar":
			cid, _ := strconv.ParseUint(fields[1], 10, 32)
			c := code(fields[0])
			f.cid = append(f.cid, cidRange{c, c, uint32(cid)})
		case "bfchar":
			f.bf = append(f.bf, bfEntry{code: code(fields[0]), r: firstRune(hexBytes(fields[1]))})
		case "bfrange":
			lo, hi := code(fields[0]), code(fields[1])
			if strings.HasPrefix(fields[2], "[") {
				log.Fatalf("%s: array bfrange not handled", path)
			}
			r := firstRune(hexBytes(fields[2]))
			for c := lo; c <= hi; c++ {
				f.bf = append(f.bf, bfEntry{code: c, r: r + rune(c-lo)})
			}
		}
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	return f
}

func hexBytes(s string) []byte {
	b, err := hex.DecodeString(strings.Trim(s, "<>"))
	if err != nil {
		log.Fatalf("bad hex %q", s)
	}
	return b
}

func code(s string) uint32 {
	var v uint32
	for _, c := range hexBytes(s) {
		v = v<<8 | uint32(c)
	}
	return v
}

// firstRune decodes UTF-16BE and returns its first code point: a variation
// selector after it is left out.
func firstRune(b []byte) rune {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.BigEndian.Uint16(b[2*i:])
	}
	rs := utf16.Decode(u)
	if len(rs) == 0 {
		return 0
	}
	return rs[0]
}
