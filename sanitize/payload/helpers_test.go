package payload

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"strings"
	"testing"
)

// The encoders below build test blocks independently of the decoders under
// test, from the format descriptions cited in the package files.

// randBytes returns n pseudo-random bytes from a fixed seed, with runs of
// zeros mixed in as real files have them.
func randBytes(seed uint64, n int) []byte {
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

// uuEncode writes a traditional uuencode block; zero is the character for
// six zero bits (' ' or '`').
func uuEncode(name string, data []byte, zero byte) string {
	enc := func(v byte) byte {
		if v == 0 {
			return zero
		}
		return v + 0x20
	}
	var b strings.Builder
	fmt.Fprintf(&b, "begin 644 %s\n", name)
	b.WriteString(uuBody(data, enc))
	b.WriteString(string(zero) + "\nend\n")
	return b.String()
}

// uuBody writes the data lines only, 45 bytes a line.
func uuBody(data []byte, enc func(byte) byte) string {
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

// yEncode writes a yEnc block (yEnc 1.3): critical bytes escaped, lines of
// lineLen characters. part > 0 writes a multi-part header for bytes
// [begin, begin+len(data)) of a file of total bytes.
func yEncode(name string, data []byte, lineLen, part, begin, total int) string {
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

// latin1 returns s with every byte read as ISO-8859-1, as a charset decoder
// in front of Find would hand over 8-bit yEnc.
func latin1(s string) string {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

// binhexCRC is BinHex's CRC written the way the original format
// description states it — bits shifted in one at a time, then two zero
// bytes — rather than as crc16XMODEM computes it.
func binhexCRC(data []byte) uint16 {
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

// binhexEncode writes a BinHex 4.0 block (RFC 1741) with an empty resource
// fork, compressing runs of four or more equal bytes. withHeader adds the
// "(This file must be converted" line.
func binhexEncode(name string, data []byte, withHeader bool) string {
	var raw []byte
	raw = append(raw, byte(len(name)))
	raw = append(raw, name...)
	raw = append(raw, 0)
	raw = append(raw, "TEXTttxt"...)
	raw = append(raw, 0, 0)
	raw = binary.BigEndian.AppendUint32(raw, uint32(len(data)))
	raw = binary.BigEndian.AppendUint32(raw, 0)
	raw = binary.BigEndian.AppendUint16(raw, binhexCRC(raw))
	raw = append(raw, data...)
	raw = binary.BigEndian.AppendUint16(raw, binhexCRC(data))
	raw = binary.BigEndian.AppendUint16(raw, binhexCRC(nil))

	var rle []byte
	for i := 0; i < len(raw); {
		c := raw[i]
		n := 1
		for i+n < len(raw) && raw[i+n] == c && n < 255 {
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
			chars = append(chars, binhexAlphabet[v[j]])
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

// wrapBase64 encodes data and wraps it at width characters.
func wrapBase64(enc *base64.Encoding, data []byte, width int) string {
	s := enc.EncodeToString(data)
	var b strings.Builder
	for len(s) > width {
		b.WriteString(s[:width] + "\n")
		s = s[width:]
	}
	b.WriteString(s + "\n")
	return b.String()
}

// checkInvariants asserts what Find promises for any input.
func checkInvariants(t *testing.T, text string, opt Options, blocks []Block) {
	t.Helper()
	opt = opt.withDefaults()
	prev := 0
	for i, b := range blocks {
		switch {
		case b.Start < prev:
			t.Fatalf("block %d starts at %d, before the end of the previous one (%d)", i, b.Start, prev)
		case b.End <= b.Start || b.End > len(text):
			t.Fatalf("block %d spans [%d, %d) in a text of %d bytes", i, b.Start, b.End, len(text))
		case b.Start > 0 && text[b.Start-1] != '\n':
			t.Fatalf("block %d starts at %d, not at the start of a line", i, b.Start)
		case b.End < len(text) && text[b.End-1] != '\n':
			t.Fatalf("block %d ends at %d, not after a line end", i, b.End)
		case len(b.Data) > opt.MaxDecoded:
			t.Fatalf("block %d has %d bytes of data, more than MaxDecoded %d", i, len(b.Data), opt.MaxDecoded)
		case b.Size < int64(len(b.Data)):
			t.Fatalf("block %d: Size %d < len(Data) %d", i, b.Size, len(b.Data))
		case b.Kind == "":
			t.Fatalf("block %d has no kind", i)
		case strings.ContainsFunc(b.Name, func(r rune) bool { return r < 0x20 || r == 0x7F }):
			t.Fatalf("block %d: name %q has control characters", i, b.Name)
		}
		prev = b.End
	}
}
