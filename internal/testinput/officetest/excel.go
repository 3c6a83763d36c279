package officetest

import (
	"encoding/binary"
	"math"
	"unicode/utf16"
)

// Sheet is one sheet of a workbook for XLS. Rows hold cell values by
// column: string (a shared string), float64 (Number), int (RK), bool
// (BoolErr), Date (a Number in a date format), Formula (a cached result);
// nil leaves the cell empty.
type Sheet struct {
	Name   string
	Hidden bool
	// Type is the BoundSheet8 dt field: 0 worksheet, 1 Excel 4.0 macro
	// sheet, 2 chart, 6 VBA module.
	Type  byte
	Rows  [][]any
	Notes []string // text boxes or comments (TxO records)
}

// Date is an Excel date serial shown through a date format.
type Date float64

// Formula is a formula cell: only its cached result is stored here (the
// parsed formula is left empty); a string result goes in a String record.
type Formula struct{ Result any }

// Book describes an Excel 97–2003 workbook.
type Book struct {
	Sheets []Sheet
	// SSTChunk, when set, splits the shared string table into CONTINUE
	// records of at most this many bytes of data, cutting strings in the
	// middle with the continuation flag byte of [MS-XLS] §2.5.293.
	SSTChunk int
	// Encrypted writes a FilePass record (§2.4.117).
	Encrypted bool
	Streams   []Stream
}

// XLS writes a BIFF8 workbook ([MS-XLS]): a Workbook stream holding the
// globals (BOF, CodePage 1200, two cell formats, the second a date,
// FilePass when encrypted, BoundSheet8 per sheet, the SST) and each
// sheet's substream (BOF, cells, TxO with CONTINUE, EOF).
func XLS(b Book) []byte { return CompoundFile(XLSStreams(b)...) }

// XLSStreams returns the streams of XLS's file, for a test that changes
// one of them.
func XLSStreams(b Book) []Stream {
	le := binary.LittleEndian
	rec := func(out []byte, typ uint16, data []byte) []byte {
		out = le.AppendUint16(out, typ)
		out = le.AppendUint16(out, uint16(len(data)))
		return append(out, data...)
	}
	bof := func(dt uint16) []byte {
		d := le.AppendUint16(nil, 0x0600)
		d = le.AppendUint16(d, dt)
		return append(d, make([]byte, 12)...)
	}
	// Shared strings, in order of first use.
	var sst []string
	index := map[string]int{}
	for _, s := range b.Sheets {
		for _, row := range s.Rows {
			for _, c := range row {
				if str, ok := c.(string); ok {
					if _, seen := index[str]; !seen {
						index[str] = len(sst)
						sst = append(sst, str)
					}
				}
			}
		}
	}

	var glob []byte
	glob = rec(glob, 0x0809, bof(0x0005))
	if b.Encrypted {
		glob = rec(glob, 0x002F, []byte{1, 0, 1, 0, 1, 0})
	}
	glob = rec(glob, 0x0042, le.AppendUint16(nil, 1200))
	xf := func(ifmt uint16) []byte {
		d := make([]byte, 20)
		le.PutUint16(d[2:], ifmt)
		return d
	}
	glob = rec(glob, 0x00E0, xf(0))  // XF 0: General
	glob = rec(glob, 0x00E0, xf(14)) // XF 1: a built-in date format
	sheetName := func(s string) []byte {
		u := utf16.Encode([]rune(s))
		d := []byte{byte(len(u)), 1}
		for _, c := range u {
			d = le.AppendUint16(d, c)
		}
		return d
	}
	// BoundSheet8 records point at the sheets' offsets, which depend on
	// the size of the globals: write them with a placeholder first.
	boundAt := make([]int, len(b.Sheets))
	for i, s := range b.Sheets {
		boundAt[i] = len(glob) + 4
		d := make([]byte, 6)
		if s.Hidden {
			d[4] = 1
		}
		d[5] = s.Type
		glob = rec(glob, 0x0085, append(d, sheetName(s.Name)...))
	}
	glob = append(glob, sstRecords(sst, b.SSTChunk)...)
	glob = rec(glob, 0x000A, nil)

	out := glob
	for i, s := range b.Sheets {
		le.PutUint32(out[boundAt[i]:], uint32(len(out)))
		out = rec(out, 0x0809, bof(0x0010))
		for r, row := range s.Rows {
			for c, v := range row {
				cell := le.AppendUint16(le.AppendUint16(nil, uint16(r)), uint16(c))
				switch v := v.(type) {
				case string:
					d := le.AppendUint16(cell, 0)
					out = rec(out, 0x00FD, le.AppendUint32(d, uint32(index[v])))
				case float64:
					d := le.AppendUint16(cell, 0)
					out = rec(out, 0x0203, le.AppendUint64(d, math.Float64bits(v)))
				case Date:
					d := le.AppendUint16(cell, 1)
					out = rec(out, 0x0203, le.AppendUint64(d, math.Float64bits(float64(v))))
				case int:
					d := le.AppendUint16(cell, 0)
					out = rec(out, 0x027E, le.AppendUint32(d, uint32(int32(v))<<2|2))
				case bool:
					d := le.AppendUint16(cell, 0)
					bv := byte(0)
					if v {
						bv = 1
					}
					out = rec(out, 0x0205, append(d, bv, 0))
				case Formula:
					d := le.AppendUint16(cell, 0)
					val := make([]byte, 8)
					str, isStr := v.Result.(string)
					switch rv := v.Result.(type) {
					case float64:
						le.PutUint64(val, math.Float64bits(rv))
					case string:
						le.PutUint16(val[6:], 0xFFFF) // string: in the String record
					case bool:
						val[0] = 1
						if rv {
							val[2] = 1
						}
						le.PutUint16(val[6:], 0xFFFF)
					}
					d = append(d, val...)
					d = append(d, make([]byte, 8)...) // grbit, chn, an empty formula
					out = rec(out, 0x0006, d)
					if isStr {
						out = rec(out, 0x0207, xlString(str))
					}
				}
			}
		}
		for _, n := range s.Notes {
			txo := make([]byte, 18)
			le.PutUint16(txo[10:], uint16(len(utf16.Encode([]rune(n)))))
			out = rec(out, 0x01B6, txo)
			out = rec(out, 0x003C, xlChars(n))
			out = rec(out, 0x003C, make([]byte, 16)) // formatting runs
		}
		out = rec(out, 0x000A, nil)
	}
	return append([]Stream{{"Workbook", out}}, b.Streams...)
}

// xlString is an XLUnicodeString: cch, flag, UTF-16 characters.
func xlString(s string) []byte {
	u := utf16.Encode([]rune(s))
	d := binary.LittleEndian.AppendUint16(nil, uint16(len(u)))
	return append(d, xlChars(s)...)
}

// xlChars is a flag byte (fHighByte) and the UTF-16 characters.
func xlChars(s string) []byte {
	d := []byte{1}
	for _, c := range utf16.Encode([]rune(s)) {
		d = binary.LittleEndian.AppendUint16(d, c)
	}
	return d
}

// sstRecords writes the SST and its CONTINUE records. Strings whose
// characters are Latin-1 are stored 8-bit; a string cut at a record
// boundary goes on after a flag byte, and its header is never cut.
func sstRecords(sst []string, chunk int) []byte {
	le := binary.LittleEndian
	if chunk <= 0 {
		chunk = 8224
	}
	var recs [][]byte
	cur := le.AppendUint32(le.AppendUint32(nil, uint32(len(sst))), uint32(len(sst)))
	flush := func() {
		recs = append(recs, cur)
		cur = nil
	}
	for _, s := range sst {
		u := utf16.Encode([]rune(s))
		high := false
		for _, c := range u {
			if c > 0xFF {
				high = true
			}
		}
		if len(cur)+3 > chunk {
			flush()
		}
		flag := byte(0)
		if high {
			flag = 1
		}
		cur = append(le.AppendUint16(cur, uint16(len(u))), flag)
		for i := 0; i < len(u); {
			size := 1
			if high {
				size = 2
			}
			if len(cur)+size > chunk {
				flush()
				cur = append(cur, flag)
				continue
			}
			if high {
				cur = le.AppendUint16(cur, u[i])
			} else {
				cur = append(cur, byte(u[i]))
			}
			i++
		}
	}
	flush()
	var out []byte
	for i, r := range recs {
		typ := uint16(0x003C)
		if i == 0 {
			typ = 0x00FC
		}
		out = le.AppendUint16(out, typ)
		out = le.AppendUint16(out, uint16(len(r)))
		out = append(out, r...)
	}
	return out
}
