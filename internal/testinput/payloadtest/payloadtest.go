// Package payloadtest writes the encoded blocks that payload.Find looks
// for — uuencode, yEnc, BinHex 4.0, wrapped base64, and the spread-out
// shapes (paragraphs, padded chunks, groups, prefixed lines, hex dumps,
// base32, ascii85) — and files to put in them: pseudo-random data, a
// PE-shaped executable, a zip. It is for tests only: the payload package's own
// tests and the fuzz targets build their inputs with it.
//
// The encoders follow the format descriptions cited on each (the same the
// payload package cites), not the decoders under test, and import nothing
// of payload: a test built with them does not share the decoders'
// mistakes.
package payloadtest

import (
	"archive/zip"
	"bytes"
	"encoding/ascii85"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"strings"
)

// FileBytes returns n pseudo-random bytes from a fixed seed, with zero
// bytes mixed in as real files have them.
func FileBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		if r.IntN(8) == 0 {
			continue
		}
		b[i] = byte(r.Uint32())
	}
	return b
}

// RandomBytes returns n pseudo-random bytes from a fixed seed, every one
// drawn at random.
func RandomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// UUEncode writes a traditional uuencode block (POSIX uuencode, historical
// form); zero is the character for six zero bits (' ' or '`').
func UUEncode(name string, data []byte, zero byte) string {
	enc := func(v byte) byte {
		if v == 0 {
			return zero
		}
		return v + 0x20
	}
	var b strings.Builder
	fmt.Fprintf(&b, "begin 644 %s\n", name)
	b.WriteString(UUBody(data, enc))
	b.WriteString(string(zero) + "\nend\n")
	return b.String()
}

// UUBody writes the data lines only, 45 bytes a line, each six-bit value
// written as enc gives it.
func UUBody(data []byte, enc func(byte) byte) string {
	var b strings.Builder
	for len(data) > 0 {
		n := min(45, len(data))
		chunk := data[:n]
		data = data[n:]
		b.WriteByte(enc(byte(n)))
		for i := 0; i < n; i += 3 {
			var g [3]byte
			copy(g[:], chunk[i:min(i+3, n)])
			b.WriteByte(enc(g[0] >> 2))
			b.WriteByte(enc((g[0]<<4 | g[1]>>4) & 0x3F))
			b.WriteByte(enc((g[1]<<2 | g[2]>>6) & 0x3F))
			b.WriteByte(enc(g[2] & 0x3F))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// YEnc writes a yEnc block (yEnc 1.3): critical bytes escaped, lines of
// lineLen characters, as 8-bit bytes (Latin1 reads them as a charset
// decoder would). part > 0 writes a multi-part header for bytes
// [begin, begin+len(data)) of a file of total bytes.
func YEnc(name string, data []byte, lineLen, part, begin, total int) string {
	var b strings.Builder
	if part > 0 {
		fmt.Fprintf(&b, "=ybegin part=%d line=%d size=%d name=%s\n", part, lineLen, total, name)
		fmt.Fprintf(&b, "=ypart begin=%d end=%d\n", begin+1, begin+len(data))
	} else {
		fmt.Fprintf(&b, "=ybegin line=%d size=%d name=%s\n", lineLen, len(data), name)
	}
	col := 0
	for i, c := range data {
		o := c + 42
		switch {
		case o == 0, o == '\n', o == '\r', o == '=',
			(o == '\t' || o == ' ') && (col == 0 || col >= lineLen-1 || i == len(data)-1),
			o == '.' && col == 0:
			b.WriteByte('=')
			b.WriteByte(o + 64)
			col += 2
		default:
			b.WriteByte(o)
			col++
		}
		if col >= lineLen {
			b.WriteByte('\n')
			col = 0
		}
	}
	if col > 0 {
		b.WriteByte('\n')
	}
	if part > 0 {
		fmt.Fprintf(&b, "=yend size=%d part=%d pcrc32=%08x\n", len(data), part, crc32.ChecksumIEEE(data))
	} else {
		fmt.Fprintf(&b, "=yend size=%d crc32=%08x\n", len(data), crc32.ChecksumIEEE(data))
	}
	return b.String()
}

// Latin1 returns s with every byte read as ISO-8859-1, as a charset
// decoder in front of Find would hand over 8-bit yEnc.
func Latin1(s string) string {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

// BinHexCRC is BinHex's CRC (CCITT polynomial, zero start) written the way
// the original format description states it — bits shifted in one at a
// time, then two zero bytes — rather than the way a decoder computes it.
func BinHexCRC(data []byte) uint16 {
	var crc uint16
	for _, c := range append(append([]byte(nil), data...), 0, 0) {
		for i := 7; i >= 0; i-- {
			top := crc & 0x8000
			crc = crc<<1 | uint16(c>>i)&1
			if top != 0 {
				crc ^= 0x1021
			}
		}
	}
	return crc
}

// binHexAlphabet maps six-bit values to characters (RFC 1741, Appendix A).
const binHexAlphabet = "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"

// BinHex writes a BinHex 4.0 block (RFC 1741): header, data fork and an
// empty resource fork, each with its CRC, runs of four or more equal bytes
// compressed (0x90), written six bits to a character, 64 to a line,
// between colons. withHeader adds the "(This file must be converted" line.
func BinHex(name string, data []byte, withHeader bool) string {
	return binHex(name, data, withHeader, true)
}

// BinHexUncompressed writes the block of BinHex with its header line, but
// compresses no run: only the marker byte 0x90 itself is escaped (0x90 0).
func BinHexUncompressed(name string, data []byte) string {
	return binHex(name, data, true, false)
}

func binHex(name string, data []byte, withHeader, runs bool) string {
	var raw []byte
	raw = append(raw, byte(len(name)))
	raw = append(raw, name...)
	raw = append(raw, 0)
	raw = append(raw, "TEXTttxt"...)
	raw = append(raw, 0, 0)
	raw = binary.BigEndian.AppendUint32(raw, uint32(len(data)))
	raw = binary.BigEndian.AppendUint32(raw, 0)
	raw = binary.BigEndian.AppendUint16(raw, BinHexCRC(raw))
	raw = append(raw, data...)
	raw = binary.BigEndian.AppendUint16(raw, BinHexCRC(data))
	raw = binary.BigEndian.AppendUint16(raw, BinHexCRC(nil))

	var rle []byte
	for i := 0; i < len(raw); {
		c := raw[i]
		n := 1
		for runs && i+n < len(raw) && raw[i+n] == c && n < 255 {
			n++
		}
		lit := []byte{c}
		if c == 0x90 {
			lit = []byte{0x90, 0}
		}
		rle = append(rle, lit...)
		if n >= 4 {
			rle = append(rle, 0x90, byte(n))
		} else {
			for range n - 1 {
				rle = append(rle, lit...)
			}
		}
		i += n
	}

	var chars []byte
	for i := 0; i < len(rle); i += 3 {
		var g [3]byte
		k := copy(g[:], rle[i:])
		v := [4]byte{g[0] >> 2, (g[0]<<4 | g[1]>>4) & 0x3F, (g[1]<<2 | g[2]>>6) & 0x3F, g[2] & 0x3F}
		for j := 0; j <= k; j++ {
			chars = append(chars, binHexAlphabet[v[j]])
		}
	}
	s := ":" + string(chars) + ":"
	var b strings.Builder
	if withHeader {
		b.WriteString("(This file must be converted with BinHex 4.0)\n")
	}
	for len(s) > 64 {
		b.WriteString(s[:64] + "\n")
		s = s[64:]
	}
	b.WriteString(s + "\n")
	return b.String()
}

// WrapBase64 encodes data with enc (RFC 4648) and wraps it at width
// characters, each line ending in "\n".
func WrapBase64(enc *base64.Encoding, data []byte, width int) string {
	return Wrap(enc.EncodeToString(data), width)
}

// PE returns a small file shaped like a Windows executable (Microsoft PE
// format): a DOS header whose e_lfanew (offset 0x3C) points at "PE\0\0"
// and a COFF header for i386, then n bytes of FileBytes(seed) with marker
// written at their start, so that a test can look for it in an output.
func PE(marker string, seed uint64, n int) []byte {
	b := make([]byte, 0x80, 0x80+24+n)
	copy(b, "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")
	copy(b[0x40:], "This program cannot be run in DOS mode.\r\r\n$")
	binary.LittleEndian.PutUint32(b[0x3C:], 0x80)
	b = append(b, "PE\x00\x00"...)
	b = binary.LittleEndian.AppendUint16(b, 0x14C) // Machine: i386
	b = binary.LittleEndian.AppendUint16(b, 1)     // NumberOfSections
	b = append(b, make([]byte, 12)...)
	b = binary.LittleEndian.AppendUint16(b, 0xE0)   // SizeOfOptionalHeader
	b = binary.LittleEndian.AppendUint16(b, 0x0102) // Characteristics
	body := FileBytes(seed, n)
	copy(body, marker)
	return append(b, body...)
}

// Zip returns a zip archive (PKWARE APPNOTE) holding one stored file.
func Zip(name string, data []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
	if err == nil {
		_, err = w.Write(data)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		panic(err) // writing to memory cannot fail
	}
	return buf.Bytes()
}

// Wrap breaks s into lines of width characters, each ending in "\n".
func Wrap(s string, width int) string {
	var b strings.Builder
	for len(s) > width {
		b.WriteString(s[:width] + "\n")
		s = s[width:]
	}
	b.WriteString(s + "\n")
	return b.String()
}

// WrapWidths breaks s into lines whose widths cycle through widths, as a
// hand edit or a mail client re-wrapping the text would leave them.
func WrapWidths(s string, widths ...int) string {
	var b strings.Builder
	for i := 0; len(s) > 0; i++ {
		w := min(widths[i%len(widths)], len(s))
		b.WriteString(s[:w] + "\n")
		s = s[w:]
	}
	return b.String()
}

// Paragraphs splits s into paragraphs of size characters, each wrapped at
// width and followed by a blank line (the last one too).
func Paragraphs(s string, size, width int) string {
	var b strings.Builder
	for len(s) > 0 {
		n := min(size, len(s))
		b.WriteString(Wrap(s[:n], width) + "\n")
		s = s[n:]
	}
	return b.String()
}

// ChunkedBase64 encodes data chunk bytes at a time, each chunk on its own
// line with its own '=' padding, as a tool that encodes a stream in pieces
// writes it.
func ChunkedBase64(data []byte, chunk int) string {
	var b strings.Builder
	for len(data) > 0 {
		n := min(chunk, len(data))
		b.WriteString(base64.StdEncoding.EncodeToString(data[:n]) + "\n")
		data = data[n:]
	}
	return b.String()
}

// Groups writes s in groups of size characters separated by sep, perLine
// groups to a line.
func Groups(s string, size, perLine int, sep string) string {
	var b strings.Builder
	for n := 0; len(s) > 0; n++ {
		g := min(size, len(s))
		switch {
		case n == 0:
		case n%perLine == 0:
			b.WriteByte('\n')
		default:
			b.WriteString(sep)
		}
		b.WriteString(s[:g])
		s = s[g:]
	}
	b.WriteByte('\n')
	return b.String()
}

// Affix puts prefix before and suffix after every line of block.
func Affix(block, prefix, suffix string) string {
	lines := strings.SplitAfter(block, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l == "" {
			continue
		}
		b.WriteString(prefix + strings.TrimSuffix(l, "\n") + suffix)
		if strings.HasSuffix(l, "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// Numbered puts a row number and a TAB before every line of block, as the
// text of a spreadsheet with a number column beside a data column reads.
func Numbered(block string) string {
	lines := strings.SplitAfter(block, "\n")
	var b strings.Builder
	for i, l := range lines {
		if l != "" {
			fmt.Fprintf(&b, "%d\t%s", i+1, l)
		}
	}
	return b.String()
}

// HexPlain writes data as xxd -p does: lowercase hex, 60 digits a line.
func HexPlain(data []byte) string { return Wrap(hex.EncodeToString(data), 60) }

// HexDump writes data as xxd does by default: an offset, eight groups of
// four hex digits and the bytes as ASCII, 16 bytes a line.
func HexDump(data []byte) string {
	var b strings.Builder
	for off := 0; off < len(data); off += 16 {
		line := data[off:min(off+16, len(data))]
		fmt.Fprintf(&b, "%08x:", off)
		for i := 0; i < 16; i += 2 {
			switch {
			case i+1 < len(line):
				fmt.Fprintf(&b, " %02x%02x", line[i], line[i+1])
			case i < len(line):
				fmt.Fprintf(&b, " %02x  ", line[i])
			default:
				b.WriteString("     ")
			}
		}
		b.WriteString("  ")
		for _, c := range line {
			if c < 0x20 || c > 0x7E {
				c = '.'
			}
			b.WriteByte(c)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Base32 writes data in base32 (RFC 4648 §6), padded, wrapped at width.
func Base32(data []byte, width int) string {
	return Wrap(base32.StdEncoding.EncodeToString(data), width)
}

// ASCII85 writes data in Adobe's ascii85 (PostScript Language Reference,
// 3rd ed., §3.13.3), wrapped at width; framed adds the "<~" and "~>"
// delimiters.
func ASCII85(data []byte, width int, framed bool) string {
	enc := make([]byte, ascii85.MaxEncodedLen(len(data)))
	s := string(enc[:ascii85.Encode(enc, data)])
	if framed {
		s = "<~" + s + "~>"
	}
	return Wrap(s, width)
}
