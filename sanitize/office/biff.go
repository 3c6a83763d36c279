package office

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/mugai/mugai/sanitize/charset"
)

// biff converts an Excel 97–2003 workbook ([MS-XLS]: BIFF8, in the
// "Workbook" stream) or an Excel 5.0/95 one (BIFF5, in "Book"). The
// stream is a sequence of records (§2.1.4: type, size, data; data longer
// than 8224 bytes goes on in CONTINUE records). The workbook globals come
// first: the code page (BIFF5 strings are 8-bit in it), the date system,
// number formats and cell formats (to show dates as dates), the shared
// string table (SST, §2.4.265) and a BoundSheet8 record (§2.4.28) per
// sheet, giving its name, visibility, type and the stream offset of its
// own records. Each worksheet's cells are read from those: strings
// (LabelSst, Label, RString), numbers (Number, RK, MulRk), booleans and
// errors (BoolErr), and formulas' cached results (Formula, String), never
// the formulas. Text boxes and comments (TxO, §2.4.329) follow a sheet's
// cells. The output has the layout of xlsx: a "--- sheet: name ---"
// heading, one line per row with cells at their columns, tab-separated.
func (ex *extraction) biff(f *oleFile, fileSize int) error {
	name := streamWorkbook
	if !f.has(name) {
		name = streamBook
	}
	data, err := f.stream(name, fileSize)
	if err != nil {
		return err
	}
	b := &biffBook{ex: ex, data: data, codePage: 1252, xfDate: nil, fmtDate: map[int]bool{}}
	if err := b.globals(); err != nil {
		return err
	}
	seen := map[uint32]bool{}
	for _, s := range b.sheets {
		switch s.typ {
		case 0: // worksheet or dialog sheet
		case 1:
			ex.remove("macro (Excel 4.0)")
			continue
		case 6:
			ex.remove("macro (VBA)")
			continue
		default:
			continue // charts
		}
		if seen[s.pos] || int64(s.pos) >= int64(len(data)) {
			continue
		}
		seen[s.pos] = true
		if err := ex.sheetSection(s.name, s.hidden); err != nil {
			return err
		}
		if err := b.sheet(s); err != nil {
			return err
		}
	}
	return nil
}

// Record types ([MS-XLS] §2.3).
const (
	recBOF        = 0x0809
	recEOF        = 0x000A
	recContinue   = 0x003C
	recCodePage   = 0x0042
	recDate1904   = 0x0022
	recFilePass   = 0x002F
	recFormat     = 0x041E
	recXF         = 0x00E0
	recBoundSheet = 0x0085
	recSST        = 0x00FC
	recLabelSST   = 0x00FD
	recLabel      = 0x0204
	recRString    = 0x00D6
	recNumber     = 0x0203
	recRK         = 0x027E
	recMulRK      = 0x00BD
	recFormula    = 0x0006
	recString     = 0x0207
	recBoolErr    = 0x0205
	recTxO        = 0x01B6
)

// BIFF8 sheets have at most 65536 rows and 256 columns (§2.2.2 Rw, Col).
const (
	biffRows = 65536
	biffCols = 256
)

type biffSheet struct {
	name   string
	pos    uint32
	typ    byte
	hidden bool
}

type biffBook struct {
	ex       *extraction
	data     []byte
	biff8    bool
	codePage int
	date1904 bool
	fmtDate  map[int]bool // custom number formats that show dates
	xfDate   []bool       // per cell format (XF): shows a date
	sst      []string
	sheets   []biffSheet
	visited  int // record bytes read, over all substreams
}

// record is one BIFF record: its type and data, with the data of the
// CONTINUE records that follow it as further segments.
type record struct {
	typ  uint16
	segs [][]byte
}

// records iterates the records from pos, joining CONTINUE records to the
// record before them, until an EOF record, the end of the stream or fn
// returning false.
func (b *biffBook) records(pos int, fn func(r record) (bool, error)) error {
	le := binary.LittleEndian
	var cur record
	n := 0
	flush := func() (bool, error) {
		if cur.segs == nil {
			return true, nil
		}
		r := cur
		cur = record{}
		return fn(r)
	}
	for pos+4 <= len(b.data) {
		// Sheets whose offsets point into each other would read the same
		// records again and again: all reading stops at four times the
		// stream.
		if b.visited += 4; b.visited > 4*len(b.data)+4096 {
			break
		}
		if n++; n%4096 == 0 {
			if err := b.ex.check(); err != nil {
				return err
			}
		}
		typ, size := le.Uint16(b.data[pos:]), int(le.Uint16(b.data[pos+2:]))
		pos += 4
		if pos+size > len(b.data) {
			size = len(b.data) - pos
		}
		body := b.data[pos : pos+size]
		pos += size
		b.visited += size
		if typ == recContinue && cur.segs != nil {
			if len(cur.segs) < 1<<16 {
				cur.segs = append(cur.segs, body)
			}
			continue
		}
		if ok, err := flush(); !ok || err != nil {
			return err
		}
		if typ == recEOF {
			return nil
		}
		cur = record{typ: typ, segs: [][]byte{body}}
	}
	_, err := flush()
	return err
}

// globals reads the workbook globals substream.
func (b *biffBook) globals() error {
	le := binary.LittleEndian
	first := true
	return b.records(0, func(r record) (bool, error) {
		d := r.segs[0]
		if first {
			first = false
			if r.typ != recBOF || len(d) < 2 {
				if r.typ&0xFF == 0x09 && len(d) >= 2 {
					// BIFF5 and older BOF records (0x0209, 0x0409, 0x0809).
					return true, nil
				}
				return false, corrupt("workbook stream without a BOF record")
			}
			b.biff8 = le.Uint16(d) >= 0x0600
			return true, nil
		}
		switch r.typ {
		case recFilePass:
			return false, ErrEncrypted
		case recCodePage:
			if len(d) >= 2 {
				b.codePage = int(le.Uint16(d))
			}
		case recDate1904:
			b.date1904 = len(d) >= 2 && le.Uint16(d) == 1
		case recFormat:
			if len(d) >= 3 && len(b.fmtDate) < maxNumDefs {
				id := int(le.Uint16(d))
				s := newSegReader(r.segs)
				s.skip(2)
				code, _ := b.string16(s)
				b.fmtDate[id] = isDateFormat(code)
			}
		case recXF:
			if len(d) >= 4 && len(b.xfDate) < 65536 {
				id := int(le.Uint16(d[2:]))
				date, ok := b.fmtDate[id]
				if !ok {
					date = builtinDateFormat(id)
				}
				b.xfDate = append(b.xfDate, date)
			}
		case recBoundSheet:
			if len(d) < 7 || len(b.sheets) >= maxSheets {
				return true, nil
			}
			s := biffSheet{pos: le.Uint32(d), hidden: d[4]&3 != 0, typ: d[5]}
			sr := newSegReader(r.segs)
			sr.skip(6)
			s.name, _ = b.string8(sr)
			b.sheets = append(b.sheets, s)
		case recSST:
			return true, b.readSST(r)
		}
		return true, nil
	})
}

// maxSheets bounds the sheets of a workbook (Excel allows as many as
// memory does; real workbooks have dozens).
const maxSheets = 4096

// readSST reads the shared strings (§2.4.265): two counts, then
// XLUnicodeRichExtendedString entries across the SST and its CONTINUE
// records.
func (b *biffBook) readSST(r record) error {
	s := newSegReader(r.segs)
	s.skip(4)
	unique, ok := s.u32()
	if !ok {
		return nil
	}
	// Each string takes at least 3 bytes: the count cannot exceed that.
	n := min(int(unique), s.left()/3)
	b.sst = make([]string, 0, n)
	for range n {
		str, ok := b.richString(s)
		if !ok {
			break
		}
		b.sst = append(b.sst, str)
	}
	return nil
}

// richString reads an XLUnicodeRichExtendedString (§2.5.293): cch, flags
// (fHighByte, fExtSt, fRichSt), the run count and phonetic size when
// flagged, the characters, then the runs and the phonetic block, which
// are skipped.
func (b *biffBook) richString(s *segReader) (string, bool) {
	cch, ok1 := s.u16()
	flags, ok2 := s.byte()
	if !ok1 || !ok2 {
		return "", false
	}
	var runs, ext uint32
	if flags&0x08 != 0 {
		v, ok := s.u16()
		if !ok {
			return "", false
		}
		runs = uint32(v)
	}
	if flags&0x04 != 0 {
		v, ok := s.u32()
		if !ok {
			return "", false
		}
		ext = v
	}
	str, ok := s.chars(int(cch), flags&0x01 != 0)
	if !ok {
		return str, false
	}
	s.skip(int(runs)*4 + int(min(ext, 1<<30)))
	return str, true
}

// string16 reads an XLUnicodeString (cch as 16 bits) in BIFF8, or a
// 16-bit-counted 8-bit string in BIFF5.
func (b *biffBook) string16(s *segReader) (string, bool) {
	cch, ok := s.u16()
	if !ok {
		return "", false
	}
	return b.stringChars(s, int(cch))
}

// string8 reads a ShortXLUnicodeString (cch as 8 bits).
func (b *biffBook) string8(s *segReader) (string, bool) {
	cch, ok := s.byte()
	if !ok {
		return "", false
	}
	return b.stringChars(s, int(cch))
}

func (b *biffBook) stringChars(s *segReader, cch int) (string, bool) {
	if b.biff8 {
		flags, ok := s.byte()
		if !ok {
			return "", false
		}
		return s.chars(cch, flags&0x01 != 0)
	}
	raw, ok := s.bytes(cch)
	str, _ := charset.Decode(raw, codePageLabel(b.codePage))
	return str, ok
}

// sheet writes one worksheet's cells, row by row, then its text boxes
// and comments.
func (b *biffBook) sheet(sh biffSheet) error {
	le := binary.LittleEndian
	cells := map[uint32]string{} // row<<8 | col
	var notes []string
	pendingFormula := uint32(1 << 31)
	set := func(row, col uint16, s string) {
		if int(col) >= biffCols || s == "" || len(cells) >= biffRows*4 {
			return
		}
		cells[uint32(row)<<8|uint32(col)] = s
	}
	first := true
	err := b.records(int(sh.pos), func(r record) (bool, error) {
		d := r.segs[0]
		if first {
			first = false
			if r.typ&0xFF != 0x09 {
				return false, nil // the offset points at no sheet
			}
			return true, nil
		}
		if r.typ == recBOF {
			return true, nil // an embedded chart's substream: its cells are not the sheet's
		}
		if len(d) < 6 && r.typ != recString && r.typ != recTxO {
			return true, nil
		}
		switch r.typ {
		case recLabelSST:
			if len(d) >= 10 {
				if i := int(le.Uint32(d[6:])); i < len(b.sst) {
					set(le.Uint16(d), le.Uint16(d[2:]), b.sst[i])
				}
			}
		case recLabel, recRString:
			s := newSegReader(r.segs)
			s.skip(6)
			str, _ := b.string16(s)
			set(le.Uint16(d), le.Uint16(d[2:]), str)
		case recNumber:
			if len(d) >= 14 {
				set(le.Uint16(d), le.Uint16(d[2:]), b.number(math.Float64frombits(le.Uint64(d[6:])), le.Uint16(d[4:])))
			}
		case recRK:
			if len(d) >= 10 {
				set(le.Uint16(d), le.Uint16(d[2:]), b.number(rkValue(le.Uint32(d[6:])), le.Uint16(d[4:])))
			}
		case recMulRK:
			row, col := le.Uint16(d), le.Uint16(d[2:])
			for i := 4; i+6 <= len(d)-2; i += 6 {
				set(row, col, b.number(rkValue(le.Uint32(d[i+2:])), le.Uint16(d[i:])))
				col++
			}
		case recBoolErr:
			if len(d) >= 8 {
				set(le.Uint16(d), le.Uint16(d[2:]), boolErrText(d[6], d[7] != 0))
			}
		case recFormula:
			if len(d) < 14 {
				return true, nil
			}
			row, col := le.Uint16(d), le.Uint16(d[2:])
			v := d[6:14]
			if le.Uint16(v[6:]) != 0xFFFF {
				set(row, col, b.number(math.Float64frombits(le.Uint64(v)), le.Uint16(d[4:])))
				return true, nil
			}
			switch v[0] {
			case 0: // the string result is in the String record that follows
				pendingFormula = uint32(row)<<8 | uint32(col)
			case 1:
				set(row, col, boolErrText(v[2], false))
			case 2:
				set(row, col, boolErrText(v[2], true))
			}
		case recString:
			if pendingFormula < 1<<31 {
				s := newSegReader(r.segs)
				if str, _ := b.string16(s); str != "" {
					set(uint16(pendingFormula>>8), uint16(pendingFormula&0xFF), str)
				}
				pendingFormula = 1 << 31
			}
		case recTxO:
			// The text is in the first CONTINUE (flag byte, characters);
			// formatting runs in the next (§2.4.329).
			if len(d) >= 12 && len(r.segs) > 1 && len(notes) < maxNumDefs {
				cch := int(le.Uint16(d[10:]))
				s := newSegReader(r.segs[1:2])
				if str, _ := b.stringChars(s, cch); strings.TrimSpace(str) != "" {
					notes = append(notes, str)
				}
			}
		}
		if r.typ != recFormula && r.typ != recString {
			pendingFormula = 1 << 31 // a String record belongs to the Formula just before it
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	keys := make([]uint32, 0, len(cells))
	for k := range cells {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	w := b.ex.w
	var row []string
	cur := uint32(1 << 31)
	for _, k := range keys {
		if k>>8 != cur {
			w.row(row)
			row, cur = row[:0], k>>8
		}
		col := int(k & 0xFF)
		for len(row) <= col {
			row = append(row, "")
		}
		row[col] = cells[k]
		if w.full() {
			return errFull
		}
	}
	w.row(row)
	if len(notes) > 0 {
		w.section("comments: " + sh.name)
		for _, n := range notes {
			w.lineOf(strings.Join(strings.Fields(n), " "))
		}
	}
	return nil
}

// number renders a cell's number: as a date when its format shows one,
// else as Excel shows a number in the General format (15 significant
// digits, no exponent for ordinary magnitudes).
func (b *biffBook) number(v float64, xf uint16) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	if int(xf) < len(b.xfDate) && b.xfDate[xf] {
		if d, ok := serialDate(strconv.FormatFloat(v, 'f', -1, 64), b.date1904); ok {
			return d
		}
	}
	v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 15, 64), 64)
	if a := math.Abs(v); a != 0 && (a >= 1e15 || a < 1e-9) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// rkValue decodes an RkNumber (§2.5.217): bit 1 says a 30-bit integer,
// else the top 30 bits of a double; bit 0 says divided by 100.
func rkValue(rk uint32) float64 {
	var v float64
	if rk&2 != 0 {
		v = float64(int32(rk) >> 2)
	} else {
		v = math.Float64frombits(uint64(rk&0xFFFFFFFC) << 32)
	}
	if rk&1 != 0 {
		v /= 100
	}
	return v
}

// boolErrText renders a Boolean or an error value (§2.5.10 BErr).
func boolErrText(v byte, isErr bool) string {
	if !isErr {
		if v != 0 {
			return "TRUE"
		}
		return "FALSE"
	}
	switch v {
	case 0x00:
		return "#NULL!"
	case 0x07:
		return "#DIV/0!"
	case 0x0F:
		return "#VALUE!"
	case 0x17:
		return "#REF!"
	case 0x1D:
		return "#NAME?"
	case 0x24:
		return "#NUM!"
	case 0x2A:
		return "#N/A"
	}
	return ""
}

// segReader reads a record's data across its CONTINUE segments. A run of
// characters that crosses into the next segment goes on there after a
// new flag byte saying whether the rest is 8- or 16-bit (§2.5.293).
type segReader struct {
	segs [][]byte
	i    int
	off  int
}

func newSegReader(segs [][]byte) *segReader { return &segReader{segs: segs} }

// cur returns the unread bytes of the current segment, moving on to the
// next segment when it is used up.
func (s *segReader) cur() []byte {
	for s.i < len(s.segs) && s.off >= len(s.segs[s.i]) {
		s.i++
		s.off = 0
	}
	if s.i >= len(s.segs) {
		return nil
	}
	return s.segs[s.i][s.off:]
}

func (s *segReader) left() int {
	n := 0
	for i := s.i; i < len(s.segs); i++ {
		n += len(s.segs[i])
	}
	return n - s.off
}

func (s *segReader) byte() (byte, bool) {
	c := s.cur()
	if len(c) == 0 {
		return 0, false
	}
	s.off++
	return c[0], true
}

func (s *segReader) bytes(n int) ([]byte, bool) {
	out := make([]byte, 0, min(n, s.left()))
	for len(out) < n {
		c := s.cur()
		if len(c) == 0 {
			return out, false
		}
		k := min(len(c), n-len(out))
		out = append(out, c[:k]...)
		s.off += k
	}
	return out, true
}

func (s *segReader) skip(n int) {
	for n > 0 {
		c := s.cur()
		if len(c) == 0 {
			return
		}
		k := min(len(c), n)
		s.off += k
		n -= k
	}
}

func (s *segReader) u16() (uint16, bool) {
	b, ok := s.bytes(2)
	if !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint16(b), true
}

func (s *segReader) u32() (uint32, bool) {
	b, ok := s.bytes(4)
	if !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b), true
}

// chars reads cch characters, 16-bit when high, else 8-bit (Latin-1).
// Where the characters go on in the next segment, that segment starts
// with a flag byte of its own.
func (s *segReader) chars(cch int, high bool) (string, bool) {
	u := make([]uint16, 0, min(cch, s.left()))
	for len(u) < cch {
		if s.i < len(s.segs) && s.off >= len(s.segs[s.i]) {
			s.i++
			if s.i >= len(s.segs) || len(s.segs[s.i]) == 0 {
				return string(utf16.Decode(u)), false
			}
			high, s.off = s.segs[s.i][0]&0x01 != 0, 1
			continue
		}
		if s.i >= len(s.segs) {
			return string(utf16.Decode(u)), false
		}
		c := s.segs[s.i][s.off:]
		if high {
			k := min(len(c)/2, cch-len(u))
			for j := range k {
				u = append(u, binary.LittleEndian.Uint16(c[2*j:]))
			}
			s.off += 2 * k
			if k == 0 {
				s.off += len(c) // an odd byte at the segment's end
			}
		} else {
			k := min(len(c), cch-len(u))
			for j := range k {
				u = append(u, uint16(c[j]))
			}
			s.off += k
		}
	}
	return string(utf16.Decode(u)), true
}
