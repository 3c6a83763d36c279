package fuzz

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mugai/mugai/sanitize/payload"
)

// Encoders for payload seeds: each writes a block the way the tool that
// made the format does, so that Find's decoders are reached.

func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// uuencoded writes a uuencode block (POSIX uuencode, historical form with
// "`" for zero).
func uuencoded(name string, data []byte) string {
	enc := func(c byte) byte {
		if c == 0 {
			return '`'
		}
		return c + ' '
	}
	var b strings.Builder
	fmt.Fprintf(&b, "begin 644 %s\n", name)
	for i := 0; i < len(data); i += 45 {
		line := data[i:min(i+45, len(data))]
		b.WriteByte(enc(byte(len(line))))
		for j := 0; j < len(line); j += 3 {
			var g [3]byte
			copy(g[:], line[j:])
			b.Write([]byte{enc(g[0] >> 2), enc((g[0]<<4 | g[1]>>4) & 63), enc((g[1]<<2 | g[2]>>6) & 63), enc(g[2] & 63)})
		}
		b.WriteByte('\n')
	}
	b.WriteString("`\nend\n")
	return b.String()
}

// yencoded writes a single-part yEnc block (yEnc 1.3) of 128-byte lines,
// as 8-bit bytes read as ISO-8859-1 (what a charset decoder hands Find).
func yencoded(name string, data []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "=ybegin line=128 size=%d name=%s\n", len(data), name)
	col := 0
	for _, c := range data {
		c += 42
		if c == 0 || c == '\n' || c == '\r' || c == '=' || (col == 0 && (c == '.' || c == ' ' || c == '\t')) {
			b.WriteRune('=')
			c += 64
			col++
		}
		b.WriteRune(rune(c))
		if col++; col >= 128 {
			b.WriteByte('\n')
			col = 0
		}
	}
	if col > 0 {
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "=yend size=%d crc32=%08x\n", len(data), crc32.ChecksumIEEE(data))
	return b.String()
}

// crcXModem is BinHex's CRC (CCITT polynomial, zero start).
func crcXModem(b []byte) uint16 {
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

// binhexed writes a BinHex 4.0 block (RFC 1741): header, data fork and an
// empty resource fork, each with its CRC, run-length coded (0x90) and
// written six bits to a character, 64 to a line, between colons.
func binhexed(name string, data []byte) string {
	raw := append([]byte{byte(len(name))}, name...)
	raw = append(raw, 0)
	raw = append(raw, "TEXTttxt\x00\x00"...)
	raw = binary.BigEndian.AppendUint32(raw, uint32(len(data)))
	raw = binary.BigEndian.AppendUint32(raw, 0)
	raw = binary.BigEndian.AppendUint16(raw, crcXModem(raw))
	raw = append(raw, data...)
	raw = binary.BigEndian.AppendUint16(raw, crcXModem(data))
	raw = binary.BigEndian.AppendUint16(raw, 0)
	var rle []byte
	for _, c := range raw {
		rle = append(rle, c)
		if c == 0x90 {
			rle = append(rle, 0)
		}
	}
	const alphabet = "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"
	var chars []byte
	for i := 0; i < len(rle); i += 3 {
		var g [3]byte
		k := copy(g[:], rle[i:])
		v := [4]byte{g[0] >> 2, (g[0]<<4 | g[1]>>4) & 63, (g[1]<<2 | g[2]>>6) & 63, g[2] & 63}
		for j := 0; j <= k; j++ {
			chars = append(chars, alphabet[v[j]])
		}
	}
	s := ":" + string(chars) + ":"
	var b strings.Builder
	b.WriteString("(This file must be converted with BinHex 4.0)\n")
	for len(s) > 64 {
		b.WriteString(s[:64] + "\n")
		s = s[64:]
	}
	b.WriteString(s + "\n")
	return b.String()
}

func base64Lines(data []byte, width int) string {
	s := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(s) > width {
		b.WriteString(s[:width] + "\n")
		s = s[width:]
	}
	b.WriteString(s + "\n")
	return b.String()
}

// pgpArmored wraps one new-format OpenPGP packet (RFC 9580 §4.2.1, §6.2).
func pgpArmored(label string, tag byte, body []byte) string {
	p := []byte{0xC0 | tag, 255}
	p = binary.BigEndian.AppendUint32(p, uint32(len(body)))
	p = append(p, body...)
	return "-----BEGIN PGP " + label + "-----\n\n" + base64Lines(p, 64) + "=nU1X\n-----END PGP " + label + "-----\n"
}

// FuzzPayload: Find, with any options, returns blocks in order, without
// overlap, each spanning whole lines of the text, with data within
// MaxDecoded, a Size at least as large, a kind, and a name without
// control characters; the same blocks every time.
func FuzzPayload(f *testing.F) {
	data := randomBytes(40, 120)
	lit := append([]byte{'b', 5}, "a.exe\x00\x00\x00\x00"...)
	// The anti-virus test file, put together here so that this source
	// file is not itself flagged.
	eicar := `X5O!P%@AP[4\PZX54(P^)7CC)7}$` + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
	for _, s := range []string{
		"",
		uuencoded("a b.exe", data),
		yencoded("y.bin", data),
		binhexed("h.bin", data),
		base64Lines(data, 16),
		"begin-base64 600 z\n" + base64Lines(data, 60) + "====\n",
		pgpArmored("SIGNATURE", 2, data),
		pgpArmored("MESSAGE", 11, append(lit, data...)),
		eicar,
		"> " + strings.ReplaceAll(uuencoded("q.bin", data), "\n", "\n> "),
		"begin 644 x\nM\n",
		"data:application/octet-stream;base64," + base64.StdEncoding.EncodeToString(data) + "\n",
		"お世話になっております。\r\n" + base64Lines(data, 76) + "よろしくお願いします。\n",
	} {
		f.Add(s, 16, 64)
	}
	f.Fuzz(func(t *testing.T, text string, minBase64, maxDecoded int) {
		opt := payload.Options{MinBase64: minBase64 % 4096, MaxDecoded: maxDecoded % 4096}
		blocks := payload.Find(text, opt)
		limit := opt.MaxDecoded
		if limit <= 0 {
			limit = 16 << 20 // the documented default
		}
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
			case len(b.Data) > limit:
				t.Fatalf("block %d has %d bytes of data, more than MaxDecoded %d", i, len(b.Data), limit)
			case b.Size < int64(len(b.Data)):
				t.Fatalf("block %d: Size %d < len(Data) %d", i, b.Size, len(b.Data))
			case b.Kind == "":
				t.Fatalf("block %d has no kind", i)
			case !utf8.ValidString(b.Name) || strings.ContainsFunc(b.Name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
				t.Fatalf("block %d: name %q has control characters", i, b.Name)
			}
			prev = b.End
		}
		if again := payload.Find(text, opt); !reflect.DeepEqual(blocks, again) {
			t.Fatalf("Find is not deterministic")
		}
	})
}
