package pdftext

import (
	"bytes"
	"errors"
)

// Reading the cross-reference information: §7.5.4 (tables), §7.5.5
// (trailer), §7.5.6 (incremental updates and /Prev), §7.5.8 (streams and
// hybrid files). A file whose table cannot be read is reconstructed by
// scanning for "num gen obj" headers, as every mainstream reader does.

// maxXrefSections bounds the /Prev chain; a real file has one per
// incremental save.
const maxXrefSections = 1024

// maxXrefEntries bounds the entries kept for one file. Every in-use entry
// names an object that needs some bytes of the file, so a file can hold at
// most about len(data)/4 of them honestly; the bound stops tables that
// claim millions of objects from allocating for them.
func maxXrefEntries(size int) int {
	return min(maxObjectNumber+1, size/4+4096)
}

var (
	errNoXref    = errors.New("malformed PDF: cross-reference table not found")
	errNoTrailer = errors.New("malformed PDF: no trailer dictionary")
)

func (d *document) readXref() error {
	start, ok := findStartxref(d.data)
	if !ok {
		return errNoXref
	}
	seen := map[int64]bool{}
	limit := maxXrefEntries(len(d.data))
	for off, n := start, 0; off >= 0; n++ {
		if n >= maxXrefSections || seen[off] {
			break // a /Prev cycle or an absurd chain: what was read stands
		}
		seen[off] = true
		prev, err := d.readSection(off, limit)
		if err != nil {
			if n == 0 {
				return err
			}
			break // a broken older section: keep the newer ones
		}
		off = prev
	}
	if d.trailer == nil {
		return errNoTrailer
	}
	return nil
}

// findStartxref reads the offset after the last "startxref" (§7.5.5).
func findStartxref(data []byte) (int64, bool) {
	tail := data[max(0, len(data)-4096):]
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return 0, false
	}
	l := lexer{data: tail, pos: i + len("startxref")}
	v, ok := l.next().intValue()
	if !ok || v < 0 || v >= int64(len(data)) {
		return 0, false
	}
	return v, true
}

// readSection reads one cross-reference section at off and returns the
// offset of the previous one, or -1.
func (d *document) readSection(off int64, limit int) (int64, error) {
	l := lexer{data: d.data, pos: int(off)}
	t := l.next()
	if t.isKeyword("xref") {
		return d.readTable(&l, limit)
	}
	if t.kind == tokInt {
		return d.readXrefStream(off, limit)
	}
	// Offsets a few bytes off are common (a missing header byte, CRLF
	// conversion); look for the keyword nearby before giving up.
	lo := max(0, int(off)-64)
	hi := min(len(d.data), int(off)+64)
	if k := bytes.Index(d.data[lo:hi], []byte("xref")); k >= 0 && (lo+k == 0 || d.data[lo+k-1] != 't') {
		l = lexer{data: d.data, pos: lo + k + 4}
		return d.readTable(&l, limit)
	}
	return -1, errNoXref
}

func (d *document) setEntry(num int64, e xrefEntry, limit int) {
	if num < 0 || num > maxObjectNumber {
		return
	}
	if _, ok := d.xref[uint32(num)]; ok {
		return // a newer section already defined it (§7.5.6)
	}
	if len(d.xref) >= limit {
		return
	}
	d.xref[uint32(num)] = e
}

// readTable reads "start count" subsections of 20-byte entries, then the
// trailer. The entries are read as tokens so that the one-byte line ends
// some writers produce still parse.
func (d *document) readTable(l *lexer, limit int) (int64, error) {
	for {
		save := l.pos
		t := l.next()
		if t.isKeyword("trailer") {
			break
		}
		first, ok1 := t.intValue()
		count, ok2 := l.next().intValue()
		if !ok1 || !ok2 || first < 0 || count < 0 {
			l.pos = save
			// No "trailer" keyword where expected: give up on the table.
			return -1, errNoTrailer
		}
		for i := int64(0); i < count; i++ {
			entry := l.pos
			a, b, c := l.next(), l.next(), l.next()
			if a.isKeyword("trailer") {
				// Fewer entries than the subsection said: writers get the
				// count wrong; the entries read stand.
				l.pos = entry
				break
			}
			o, ok1 := a.intValue()
			g, ok2 := b.intValue()
			if !ok1 || !ok2 || c.kind != tokKeyword {
				return -1, errNoXref
			}
			num := first + i
			if num > maxObjectNumber {
				continue
			}
			switch string(c.text) {
			case "n":
				if g >= 0 && g <= 65535 && o > 0 {
					d.setEntry(num, xrefEntry{typ: 1, gen: uint16(g), off: o}, limit)
				}
			case "f":
				d.setEntry(num, xrefEntry{typ: 0}, limit)
			default:
				return -1, errNoXref
			}
		}
	}
	p := parser{lex: *l}
	o, err := p.object(0)
	tr, ok := o.(dict)
	if err != nil || !ok {
		return -1, errNoTrailer
	}
	d.mergeTrailer(tr)
	// A hybrid file's /XRefStm holds entries for objects in object
	// streams (§7.5.8.4); they count as part of this section.
	if x, ok := asInt(tr["XRefStm"]); ok && x >= 0 && x < int64(len(d.data)) {
		_, _ = d.readXrefStream(x, limit)
	}
	if prev, ok := asInt(tr["Prev"]); ok && prev >= 0 && prev < int64(len(d.data)) {
		return prev, nil
	}
	return -1, nil
}

func (d *document) mergeTrailer(tr dict) {
	if d.trailer == nil {
		d.trailer = dict{}
	}
	for k, v := range tr {
		if _, ok := d.trailer[k]; !ok {
			d.trailer[k] = v
		}
	}
}

// readXrefStream reads a cross-reference stream (§7.5.8). Its dictionary
// is also a trailer.
func (d *document) readXrefStream(off int64, limit int) (int64, error) {
	hdr, pos, ok := indirectHeader(d.data, int(off))
	if !ok {
		return -1, errNoXref
	}
	p := newParser(d.data, pos)
	o, err := p.object(0)
	sd, ok := o.(dict)
	if err != nil || !ok || asName(sd["Type"]) != "XRef" {
		return -1, errNoXref
	}
	if t := p.lex.next(); !t.isKeyword("stream") {
		return -1, errNoXref
	}
	start := streamStart(d.data, p.lex.pos)
	length := int64(-1)
	if n, ok := asInt(sd["Length"]); ok {
		length = n // an indirect /Length cannot be resolved yet
	}
	s := &stream{hdr: sd, raw: d.data[start:d.streamEnd(start, length)], owner: hdr}
	// §7.6.1: cross-reference streams are never encrypted.
	data, err := d.decodeWith(s, false)
	if err != nil {
		return -1, err
	}
	var w [3]int
	wa, _ := sd["W"].(array)
	if len(wa) < 3 {
		return -1, errNoXref
	}
	sum := 0
	for i := range 3 {
		v, ok := asInt(wa[i])
		if !ok || v < 0 || v > 8 {
			return -1, errNoXref
		}
		w[i] = int(v)
		sum += int(v)
	}
	if sum == 0 {
		return -1, errNoXref
	}
	size, _ := asInt(sd["Size"])
	index, _ := sd["Index"].(array)
	if index == nil {
		index = array{int64(0), size}
	}
	rec := 0
	for i := 0; i+1 < len(index); i += 2 {
		first, ok1 := asInt(index[i])
		count, ok2 := asInt(index[i+1])
		if !ok1 || !ok2 || first < 0 || count < 0 {
			break
		}
		for k := int64(0); k < count; k++ {
			if (rec+1)*sum > len(data) {
				break
			}
			row := data[rec*sum : (rec+1)*sum]
			rec++
			f1 := int64(1) // §7.5.8.3: type 1 when the first field is absent
			if w[0] > 0 {
				f1 = beInt(row[:w[0]])
			}
			f2 := beInt(row[w[0] : w[0]+w[1]])
			f3 := beInt(row[w[0]+w[1]:])
			num := first + k
			switch f1 {
			case 0:
				d.setEntry(num, xrefEntry{typ: 0}, limit)
			case 1:
				if f3 >= 0 && f3 <= 65535 && f2 > 0 {
					d.setEntry(num, xrefEntry{typ: 1, gen: uint16(f3), off: f2}, limit)
				}
			case 2:
				if f2 >= 0 && f2 <= maxObjectNumber && f3 >= 0 && f3 < maxObjStmEntries {
					d.setEntry(num, xrefEntry{typ: 2, stm: uint32(f2), idx: int(f3)}, limit)
				}
			}
		}
	}
	d.mergeTrailer(sd)
	if prev, ok := asInt(sd["Prev"]); ok && prev >= 0 && prev < int64(len(d.data)) {
		return prev, nil
	}
	return -1, nil
}

// beInt reads a big-endian unsigned field of at most 8 bytes; values that
// do not fit an int64 come out negative and are rejected by the callers.
func beInt(b []byte) int64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return int64(v)
}

// reconstruct rebuilds the cross-reference information by scanning the
// whole file for "num gen obj" (later definitions win, as with incremental
// updates) and for trailer dictionaries. Objects inside object streams are
// added from the streams found. It runs at most once per document.
func (d *document) reconstruct() error {
	if d.reconstructed {
		return errNoXref
	}
	d.reconstructed = true
	data := d.data
	xref := map[uint32]xrefEntry{}
	limit := maxXrefEntries(len(data))
	var trailer dict
	var stms []uint32
	objKw := []byte("obj")
	for pos := 0; pos < len(data); {
		k := bytes.Index(data[pos:], objKw)
		if k < 0 {
			break
		}
		at := pos + k
		pos = at + 3
		if at+3 < len(data) && isRegular(data[at+3]) {
			continue // "object", "objstm", ...
		}
		s := lineStartBefore(data, at)
		if s < 0 {
			continue
		}
		hdr, after, ok := indirectHeader(data, s)
		if !ok || after != at+3 {
			continue
		}
		if len(xref) < limit || xref[hdr.num].typ != 0 {
			xref[hdr.num] = xrefEntry{typ: 1, gen: hdr.gen, off: int64(s)}
		}
		// Look at the object: skip over stream data (binary data could
		// otherwise fake headers), remember object streams, and take a
		// cross-reference stream's dictionary as a trailer. The parse stops
		// at the next "obj", which keeps the scan linear.
		window := len(data)
		if k := bytes.Index(data[after:], objKw); k >= 0 {
			window = after + k
		}
		p := newParser(data[:window], after)
		o, err := p.object(0)
		dd, isDict := o.(dict)
		if err != nil || !isDict {
			continue
		}
		save := p.lex.pos
		if t := p.lex.next(); t.isKeyword("stream") {
			st := streamStart(data, p.lex.pos)
			length := int64(-1)
			if n, ok := asInt(dd["Length"]); ok {
				length = n
			}
			pos = max(pos, d.streamEnd(st, length))
			switch asName(dd["Type"]) {
			case "ObjStm":
				stms = append(stms, hdr.num)
			case "XRef":
				if _, ok := dd["Root"]; ok {
					trailer = mergeInto(trailer, dd)
				}
			}
		} else {
			p.lex.pos = save
		}
	}
	for pos := 0; pos < len(data); {
		k := bytes.Index(data[pos:], []byte("trailer"))
		if k < 0 {
			break
		}
		pos += k + len("trailer")
		window := len(data)
		if k := bytes.Index(data[pos:], []byte("trailer")); k >= 0 {
			window = pos + k
		}
		p := newParser(data[:window], pos)
		if o, err := p.object(0); err == nil {
			if td, ok := o.(dict); ok {
				if _, ok := td["Root"]; ok {
					trailer = mergeInto(trailer, td)
				}
			}
		}
	}
	if len(xref) == 0 {
		return errNoXref
	}
	old, oldTrailer := d.xref, d.trailer
	if trailer == nil {
		trailer = dict{}
		for k, v := range oldTrailer {
			trailer[k] = v
		}
	}
	// Keep /Encrypt and /ID from the original trailer when the scan found
	// none (they are needed to decrypt).
	for _, k := range []name{"Encrypt", "ID"} {
		if _, ok := trailer[k]; !ok {
			if v, ok := oldTrailer[k]; ok {
				trailer[k] = v
			}
		}
	}
	d.xref = xref
	d.stms = stms
	d.trailer = trailer
	d.resetCache()
	// No usable /Root: look for the catalog itself. In an encrypted file
	// whose key is not known yet, objects in object streams cannot be
	// read, so a /Root that is present is kept.
	canRead := trailer["Encrypt"] == nil || d.crypt != nil
	if trailer["Root"] == nil || canRead && d.dictOf(trailer["Root"]) == nil {
		if root, ok := d.findCatalog(); ok {
			trailer["Root"] = root
		}
	}
	if trailer["Root"] == nil {
		d.xref, d.trailer = old, oldTrailer
		return errNoTrailer
	}
	return nil
}

func mergeInto(dst, src dict) dict {
	if dst == nil {
		dst = dict{}
	}
	for k, v := range src {
		dst[k] = v // later trailers win
	}
	return dst
}

// lineStartBefore finds the start of "num gen " before the "obj" at at,
// scanning back over at most two integers and the white-space around them.
func lineStartBefore(data []byte, at int) int {
	i := at
	for field := 0; field < 2; field++ {
		for i > 0 && isSpace(data[i-1]) {
			i--
		}
		end := i
		for i > 0 && data[i-1] >= '0' && data[i-1] <= '9' && end-i < 10 {
			i--
		}
		if i == end {
			return -1
		}
	}
	if i > 0 && isRegular(data[i-1]) {
		return -1
	}
	return i
}

// findCatalog looks for an object of /Type /Catalog among all objects.
func (d *document) findCatalog() (ref, bool) {
	best := ref{}
	found := false
	for num, e := range d.xref {
		if e.typ == 0 {
			continue
		}
		r := ref{num: num, gen: e.gen}
		if dd, ok := d.get(r).(dict); ok && asName(dd["Type"]) == "Catalog" {
			if _, ok := dd["Pages"]; ok && (!found || num > best.num) {
				best, found = r, true
			}
		}
	}
	return best, found
}
