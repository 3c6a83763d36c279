package payload

import (
	"encoding/binary"
	"math"
	"strings"
	"unicode/utf8"
)

// BinHex 4.0 (RFC 1741, Appendix A, the format's description):
//
//	(This file must be converted with BinHex 4.0)
//	:<64-character lines of six-bit characters>
//	<…>:
//
// The characters between the colons decode, six bits each, to a byte
// stream compressed with a run-length code (0x90 n: repeat the previous byte
// to n copies in all; 0x90 0: a literal 0x90). The stream is a header —
// name length (1..63), name, version, type, creator, flags, data fork
// length, resource fork length, CRC — then the data fork and its CRC, then
// the resource fork and its CRC. CRCs are CRC-16/XMODEM (CCITT polynomial
// 0x1021, initial value 0). Whitespace between the colons is ignored.

// binhexAlphabet maps six-bit values to characters (RFC 1741, Appendix A).
const binhexAlphabet = "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"

// binhexHeaderLine is how the first line starts; encoders differ in what
// follows ("4.0)", "4.0 by …").
const binhexHeaderLine = "(This file must be converted with BinHex"

// binhexMaxGap is how many blank lines may separate the header line from the
// data.
const binhexMaxGap = 2

// binhexHeaderMax is the longest BinHex header: name length byte, a 63-byte
// name, 20 bytes of fields and the CRC.
const binhexHeaderMax = 1 + 63 + 20 + 2

func isBinHexHeader(rest string) bool {
	return len(rest) >= len(binhexHeaderLine) && strings.EqualFold(rest[:len(binhexHeaderLine)], binhexHeaderLine)
}

// binhexAfterHeader reads the block whose "(This file must be converted"
// line is ln. It needs a ':' data line after it.
func (s *scanner) binhexAfterHeader(ln line, prefix string) (Block, bool) {
	pos := ln.next
	for gap := 0; pos < len(s.text); gap++ {
		d := s.line(pos)
		l, ok := strings.CutPrefix(d.s, prefix)
		if !ok {
			return Block{}, false
		}
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, ":") {
			break
		}
		if l != "" || gap == binhexMaxGap {
			return Block{}, false
		}
		pos = d.next
	}
	dec, end := s.binhexData(pos, prefix)
	if end < 0 {
		return Block{}, false
	}
	b := Block{Kind: BinHex, Start: ln.start, End: end, Size: int64(end - ln.start)}
	if name, data, size, ok := dec.file(s.opt.MaxDecoded); ok {
		b.Name, b.Data, b.Size = name, data, size
	}
	return b, true
}

// binhexHeaderless looks for ':'-framed BinHex data whose header line was
// left out. Without that line, only a decoded header with a good CRC makes
// it a block. A rejected run is reported by its end, so that it is not
// scanned again from each of its lines.
func (s *scanner) binhexHeaderless(ln line, prefix string) (Block, bool, int) {
	first := strings.TrimRight(ln.s[len(prefix):], " \t")
	if len(first) < 64 {
		return Block{}, false, ln.next
	}
	for i := 1; i < 64; i++ { // a full first line of data, no ':' in it
		if strings.IndexByte(binhexAlphabet, first[i]) < 0 {
			return Block{}, false, ln.next
		}
	}
	dec, end := s.binhexData(ln.start, prefix)
	if end < 0 {
		return Block{}, false, ln.next
	}
	name, data, size, ok := dec.file(s.opt.MaxDecoded)
	if !ok {
		return Block{}, false, end
	}
	return Block{Kind: BinHex, Name: name, Start: ln.start, End: end, Data: data, Size: size}, true, end
}

// binhexData decodes the data that starts with ':' on the line at pos. The
// block ends after the line with the closing ':' or, when there is none,
// after the last line of BinHex characters. end is -1 when the first line
// holds no data.
func (s *scanner) binhexData(pos int, prefix string) (dec hqxDecoder, end int) {
	dec.limit = s.opt.MaxDecoded
	if dec.limit <= math.MaxInt-binhexHeaderMax {
		dec.limit += binhexHeaderMax // room for the header before the data fork
	}
	end = -1
	for first := true; pos < len(s.text); first = false {
		d := s.line(pos)
		l, ok := strings.CutPrefix(d.s, prefix)
		if !ok {
			break
		}
		l = strings.TrimSpace(l)
		if first {
			l = l[1:] // the opening ':' (the caller checked it)
		}
		if l == "" {
			if first {
				end = d.next // ":" alone, data on the next lines
				pos = d.next
				continue
			}
			break
		}
		chars, closed, ok := binhexLine(l)
		if !ok {
			break
		}
		dec.write(chars)
		end, pos = d.next, d.next
		if closed {
			break
		}
	}
	return dec, end
}

// binhexLine checks one line of data and returns its characters up to a
// closing ':'.
func binhexLine(l string) (chars string, closed, ok bool) {
	for i := 0; i < len(l); i++ {
		switch c := l[i]; {
		case c == ':':
			return l[:i], true, true
		case c == ' ' || c == '\t':
		case strings.IndexByte(binhexAlphabet, c) < 0:
			return "", false, false
		}
	}
	return l, false, true
}

// hqxDecoder turns BinHex characters into the run-length-decoded stream,
// keeping at most limit bytes but counting them all.
type hqxDecoder struct {
	out    []byte
	limit  int
	acc    uint32
	nbits  uint
	last   byte
	marker bool
	total  int64
}

func (d *hqxDecoder) write(chars string) {
	for i := 0; i < len(chars); i++ {
		v := strings.IndexByte(binhexAlphabet, chars[i])
		if v < 0 {
			continue // whitespace
		}
		d.acc = d.acc<<6 | uint32(v)
		d.nbits += 6
		if d.nbits >= 8 {
			d.nbits -= 8
			d.unrle(byte(d.acc >> d.nbits))
		}
	}
}

func (d *hqxDecoder) unrle(c byte) {
	switch {
	case d.marker:
		d.marker = false
		if c == 0 {
			d.emit(0x90)
			return
		}
		n := int(c) - 1
		if len(d.out) >= d.limit {
			d.total += int64(n)
			return
		}
		for ; n > 0; n-- {
			d.emit(d.last)
		}
	case c == 0x90:
		d.marker = true
	default:
		d.emit(c)
	}
}

func (d *hqxDecoder) emit(c byte) {
	d.total++
	d.last = c
	d.out = appendCapped(d.out, d.limit, c)
}

// file parses the decoded header. It returns the file name, the data fork
// (capped at maxData) and the data fork's length; ok is false when the
// header is incomplete or its CRC does not match.
func (d *hqxDecoder) file(maxData int) (name string, data []byte, size int64, ok bool) {
	out := d.out
	if len(out) < 1 {
		return "", nil, 0, false
	}
	n := int(out[0])
	if n < 1 || n > 63 || len(out) < n+22 {
		return "", nil, 0, false
	}
	if crc16XMODEM(out[:n+20]) != binary.BigEndian.Uint16(out[n+20:]) {
		return "", nil, 0, false
	}
	dlen := int64(binary.BigEndian.Uint32(out[n+12:]))
	data = out[n+22:]
	if int64(len(data)) > dlen {
		data = data[:dlen]
	}
	if len(data) > maxData {
		data = data[:maxData]
	}
	return cleanName(binhexName(out[1 : 1+n])), data[:len(data):len(data)], dlen, true
}

// binhexName decodes the file name from a BinHex header. The format came
// from the Mac, whose names were Mac OS Roman, but BinHex in mail was mostly
// written by Windows mail clients, which stored the name in their own
// charset: Eudora's BinHex in the corpus (mail-mime-parser m2011.eml) has
// "Frösche" with ö as 0xF6, windows-1252. So: UTF-8 when it is valid (ASCII
// included), else windows-1252.
func binhexName(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	high := []rune(cp1252High)
	var s strings.Builder
	for _, c := range b {
		switch {
		case c < 0x80 || c >= 0xA0:
			s.WriteRune(rune(c))
		default:
			s.WriteRune(high[c-0x80])
		}
	}
	return s.String()
}

// crc16XMODEM is CRC-16 with the CCITT polynomial 0x1021, initial value 0,
// no reflection — the CRC BinHex uses (RFC 1741).
func crc16XMODEM(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc ^= uint16(c) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
