package pdftext

import (
	"errors"
	"fmt"
	"io"
	"slices"
)

// maxObjectNumber is the largest object number accepted: ISO 32000-1
// Annex C (Table C.1) gives 8,388,607 indirect objects as the
// implementation limit, and no conforming file exceeds it.
const maxObjectNumber = 8388607

// maxLoadDepth bounds nested loads (an object whose /Length lives in an
// object stream whose /Length is another reference ...).
const maxLoadDepth = 8

// An xrefEntry locates one object (§7.5.4, §7.5.8.3).
type xrefEntry struct {
	typ uint8 // 0 free, 1 at offset, 2 in an object stream
	gen uint16
	off int64  // type 1: byte offset of "num gen obj"
	stm uint32 // type 2: number of the object stream
	idx int    // type 2: index within the object stream
}

// document is one PDF file being read. It owns every cache, so nothing is
// shared between calls of Extract.
type document struct {
	data    []byte
	xref    map[uint32]xrefEntry
	trailer dict
	crypt   *crypter
	bud     *budget

	cache     map[uint32]object // loaded indirect objects
	objStms   map[uint32]*objStm
	loading   map[uint32]bool // objects being loaded, to break cycles
	loadDepth int

	reconstructed bool
	stms          []uint32 // object streams found by reconstruct

	// Parse windows: an object is parsed no further than the next object
	// offset, so that damaged objects (an unclosed string) cost at most
	// their own bytes, and parsing the whole file stays linear.
	offsets    []int64
	endstreams []int

	zr, fr io.ReadCloser // reused decompressors
}

// windowEnd returns the offset of the next object after off, or the end of
// the file.
func (d *document) windowEnd(off int64) int {
	if d.offsets == nil {
		d.offsets = make([]int64, 0, len(d.xref))
		for _, e := range d.xref {
			if e.typ == 1 && e.off < int64(len(d.data)) {
				d.offsets = append(d.offsets, e.off)
			}
		}
		slices.Sort(d.offsets)
	}
	k, found := slices.BinarySearch(d.offsets, off)
	if found {
		k++
	}
	for k < len(d.offsets) && d.offsets[k] <= off {
		k++
	}
	if k == len(d.offsets) {
		return len(d.data)
	}
	return int(d.offsets[k])
}

// resetCache forgets loaded objects: after the security handler is set up
// (objects loaded before would be undecrypted) and after reconstruction.
// Members of the object streams a reconstruction found are registered
// then, once they can be decrypted.
func (d *document) resetCache() {
	d.cache = map[uint32]object{}
	d.objStms = map[uint32]*objStm{}
	d.offsets = nil
	if len(d.stms) == 0 || (d.trailer != nil && d.trailer["Encrypt"] != nil && d.crypt == nil) {
		return
	}
	limit := maxXrefEntries(len(d.data))
	for _, sn := range d.stms {
		os, err := d.objStm(sn)
		if err != nil {
			continue
		}
		for i, n := range os.nums {
			if _, ok := d.xref[n]; !ok && len(d.xref) < limit {
				d.xref[n] = xrefEntry{typ: 2, stm: sn, idx: i}
			}
		}
	}
}

// objStm is a decoded object stream (§7.5.7).
type objStm struct {
	data    []byte
	nums    []uint32
	offsets []int
	sorted  []int          // distinct offsets, for parse windows
	parsed  map[int]object // members by offset: a header may list one offset many times
}

func (d *document) resolve(o object) object {
	if r, ok := o.(ref); ok {
		return d.get(r)
	}
	return o
}

// get loads an indirect object; any failure reads as null, as §7.3.10
// prescribes for references to missing objects. Limit errors are kept in
// the budget and surface from the next check.
func (d *document) get(r ref) object {
	if o, ok := d.cache[r.num]; ok {
		return o
	}
	if d.loading[r.num] || d.loadDepth >= maxLoadDepth {
		return nil // a reference cycle through loading (e.g. /Length)
	}
	d.loading[r.num] = true
	d.loadDepth++
	o, err := d.load(r)
	d.loadDepth--
	delete(d.loading, r.num)
	if err != nil {
		d.bud.note(err)
		o = nil
	}
	d.cache[r.num] = o
	return o
}

func (d *document) load(r ref) (object, error) {
	e, ok := d.xref[r.num]
	if !ok || e.typ == 0 {
		return nil, nil
	}
	if e.typ == 2 {
		return d.loadFromStream(r.num, e)
	}
	o, err := d.loadAt(r, e.off)
	if err != nil && !d.reconstructed {
		// The table pointed at the wrong place: rebuild it from the
		// objects themselves (as viewers do) and try once more.
		if rerr := d.reconstruct(); rerr == nil {
			if e2, ok := d.xref[r.num]; ok && e2 != e {
				if e2.typ == 2 {
					return d.loadFromStream(r.num, e2)
				}
				return d.loadAt(r, e2.off)
			}
		}
	}
	return o, err
}

var errBadObject = errors.New("malformed PDF: object not found at its offset")

// loadAt parses "num gen obj ... endobj" at off.
func (d *document) loadAt(r ref, off int64) (object, error) {
	if off < 0 || off >= int64(len(d.data)) {
		return nil, errBadObject
	}
	hdr, pos, ok := indirectHeader(d.data, int(off))
	if !ok || hdr.num != r.num {
		return nil, errBadObject
	}
	p := newParser(d.data[:d.windowEnd(off)], pos)
	o, err := p.object(0)
	if err != nil {
		return nil, err
	}
	o = d.decryptStrings(o, hdr, 0)
	if dd, ok := o.(dict); ok {
		save := p.lex.pos
		if t := p.lex.next(); t.isKeyword("stream") {
			start := streamStart(d.data, p.lex.pos)
			length := int64(-1)
			if n, ok := asInt(d.resolve(dd["Length"])); ok && n >= 0 {
				length = n
			}
			end := d.streamEnd(start, length)
			return &stream{hdr: dd, raw: d.data[start:end], owner: hdr}, nil
		}
		p.lex.pos = save
	}
	return o, nil
}

func (d *document) loadFromStream(num uint32, e xrefEntry) (object, error) {
	os, err := d.objStm(e.stm)
	if err != nil {
		return nil, err
	}
	i := e.idx
	if i < 0 || i >= len(os.nums) || os.nums[i] != num {
		// The index is a hint; fall back to searching the header.
		i = -1
		for k, n := range os.nums {
			if n == num {
				i = k
				break
			}
		}
		if i < 0 {
			return nil, nil
		}
	}
	off := os.offsets[i]
	if o, ok := os.parsed[off]; ok {
		return o, nil
	}
	end := len(os.data)
	if k, _ := slices.BinarySearch(os.sorted, off+1); k < len(os.sorted) {
		end = os.sorted[k]
	}
	p := newParser(os.data[:end], off)
	o, err := p.object(0)
	os.parsed[off] = o
	if err != nil {
		return nil, err
	}
	// Strings inside an object stream were decrypted with the stream
	// (§7.6.2); they are not decrypted again.
	return o, nil
}

// maxObjStmEntries bounds the header of one object stream. The header is
// read only up to /First and each pair takes at least four bytes, so the
// real bound is usually far smaller.
const maxObjStmEntries = 1 << 20

func (d *document) objStm(num uint32) (*objStm, error) {
	if os, ok := d.objStms[num]; ok {
		if os == nil {
			return nil, errBadObjStm
		}
		return os, nil
	}
	d.objStms[num] = nil // a failed or cyclic load stays failed
	s, ok := d.get(ref{num: num}).(*stream)
	if !ok || asName(s.hdr["Type"]) != "ObjStm" {
		return nil, errBadObjStm
	}
	data, err := d.decode(s)
	if err != nil {
		return nil, err
	}
	n, _ := asInt(s.hdr["N"])
	first, _ := asInt(s.hdr["First"])
	if n < 0 || first < 0 || first > int64(len(data)) {
		return nil, errBadObjStm
	}
	n = min(n, maxObjStmEntries)
	os := &objStm{data: data}
	l := lexer{data: data[:first]}
	for k := int64(0); k < n; k++ {
		t1, t2 := l.next(), l.next()
		on, ok1 := t1.intValue()
		off, ok2 := t2.intValue()
		if !ok1 || !ok2 {
			break
		}
		if on < 0 || on > maxObjectNumber || off < 0 || first+off >= int64(len(data)) {
			continue
		}
		os.nums = append(os.nums, uint32(on))
		os.offsets = append(os.offsets, int(first+off))
	}
	os.sorted = slices.Compact(slices.Sorted(slices.Values(os.offsets)))
	os.parsed = map[int]object{}
	d.objStms[num] = os
	return os, nil
}

var errBadObjStm = errors.New("malformed PDF: bad object stream")

// decryptStrings decrypts every string inside an object read from the file
// body (§7.6.2: strings of an indirect object are encrypted with its key).
func (d *document) decryptStrings(o object, owner ref, depth int) object {
	if d.crypt == nil || depth > maxNesting {
		return o
	}
	switch v := o.(type) {
	case pdfString:
		return pdfString(d.crypt.decryptString(owner, []byte(v)))
	case array:
		for i := range v {
			v[i] = d.decryptStrings(v[i], owner, depth+1)
		}
	case dict:
		for k, x := range v {
			v[k] = d.decryptStrings(x, owner, depth+1)
		}
	}
	return o
}

// Typed accessors that resolve references.

func (d *document) dictOf(o object) dict {
	switch v := d.resolve(o).(type) {
	case dict:
		return v
	case *stream:
		return v.hdr
	}
	return nil
}

func (d *document) arrayOf(o object) array {
	a, _ := d.resolve(o).(array)
	return a
}

func (d *document) num(o object) (float64, bool) {
	return asNum(d.resolve(o))
}

func (d *document) nameOf(o object) name {
	return asName(d.resolve(o))
}

func (d *document) String() string {
	return fmt.Sprintf("document(%d bytes, %d objects)", len(d.data), len(d.xref))
}
