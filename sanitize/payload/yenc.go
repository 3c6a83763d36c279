package payload

import (
	"strings"
	"unicode/utf8"
)

// yEnc (yEnc 1.3 draft, J. Helbing, yenc.org, 2002):
//
//	=ybegin [part=1 total=N ]line=128 size=123456 name=file.bin
//	[=ypart begin=1 end=123456]
//	<data lines>
//	=yend size=123456 [part=1 pcrc32=… ]crc32=…
//
// Each byte is written as (b+42) mod 256; NUL, LF, CR and '=' (and, by
// choice of the encoder, others) are escaped as '=' then (b+42+64) mod 256.
// "name=" is always the last keyword and runs to the end of the line.

// parseYEncHeader parses an "=ybegin" line. It wants at least one of the
// keywords the spec makes mandatory (line=, size=, name=), so that a line
// that merely starts with "=ybegin" is not taken for a header. size is the
// stated file size, or -1.
func parseYEncHeader(rest string) (name string, size int64, ok bool) {
	kv, found := strings.CutPrefix(rest, "=ybegin")
	if !found || kv == "" || (kv[0] != ' ' && kv[0] != '\t') {
		return "", -1, false
	}
	if i := strings.Index(kv, " name="); i >= 0 {
		name, kv, ok = kv[i+len(" name="):], kv[:i], true
	}
	size = -1
	if v, found := yKeyword(kv, "size="); found {
		ok = true
		size = 0
		for i := 0; i < len(v) && v[i] >= '0' && v[i] <= '9' && size < 1<<40; i++ {
			size = size*10 + int64(v[i]-'0')
		}
	}
	if _, found := yKeyword(kv, "line="); found {
		ok = true
	}
	return cleanName(name), size, ok
}

// yKeyword finds a keyword at the start of a word of kv and returns what
// follows it.
func yKeyword(kv, key string) (string, bool) {
	for i := 0; ; {
		j := strings.Index(kv[i:], key)
		if j < 0 {
			return "", false
		}
		if j += i; j > 0 && (kv[j-1] == ' ' || kv[j-1] == '\t') {
			return kv[j+len(key):], true
		}
		i = j + 1
	}
}

// yenc reads the block whose header line is ln, up to its "=yend" line.
// Without "=yend" (a truncated post) the block runs to the first blank
// line, the next "=ybegin" or the end of the text: yEnc never writes an
// empty data line, so a blank line is the end of the data.
func (s *scanner) yenc(ln line, prefix, name string, size int64) Block {
	dec := yDecoder{limit: s.opt.MaxDecoded}
	if size > 0 {
		// Every byte takes at least one character.
		dec.out = make([]byte, 0, min(int64(s.opt.MaxDecoded), size, int64(len(s.text)-ln.next)))
	}
	end := ln.next
	for pos := ln.next; pos < len(s.text); {
		d := s.line(pos)
		l, ok := strings.CutPrefix(d.s, prefix)
		if !ok || strings.TrimSpace(l) == "" || strings.HasPrefix(l, "=ybegin ") {
			break
		}
		end, pos = d.next, d.next
		if strings.HasPrefix(l, "=yend") && (len(l) == 5 || l[5] == ' ' || l[5] == '\t') {
			break
		}
		if strings.HasPrefix(l, "=ypart ") {
			continue
		}
		dec.line(l)
	}
	return Block{Kind: YEnc, Name: name, Start: ln.start, End: end, Data: dec.out, Size: dec.n}
}

// yDecoder decodes yEnc data lines, keeping at most limit bytes but
// counting them all.
type yDecoder struct {
	out   []byte
	limit int
	n     int64
	// esc carries an escape '=' left at the end of a line (the spec
	// forbids it, but decoders accept it).
	esc bool
}

func (d *yDecoder) put(c byte) {
	switch {
	case d.esc:
		c -= 64
		d.esc = false
	case c == '=':
		d.esc = true
		return
	}
	d.n++
	if len(d.out) < d.limit {
		d.out = append(d.out, c-42)
	}
}

// line decodes one data line.
//
// Find receives text already decoded to UTF-8 from the part's charset. The
// 8-bit bytes of yEnc have then usually been read as ISO-8859-1 or
// windows-1252 (there is no charset that fits binary), so a line that is
// valid UTF-8 and whose characters all map back to one byte in those
// charsets is decoded character by character; any other line byte by byte
// (yEnc read as raw bytes, or through a lossy charset, where only the
// detection matters).
func (d *yDecoder) line(l string) {
	if !latin1Line(l) {
		for i := 0; i < len(l); i++ {
			d.put(l[i])
		}
		return
	}
	for i := 0; i < len(l); {
		c := l[i]
		if c < utf8.RuneSelf {
			d.put(c)
			i++
			continue
		}
		if (c == 0xC2 || c == 0xC3) && i+1 < len(l) {
			// U+0080–U+00FF, the common case, decoded in place.
			d.put(c<<6 | l[i+1]&0x3F)
			i += 2
			continue
		}
		r, n := utf8.DecodeRuneInString(l[i:])
		b, _ := latin1Byte(r)
		d.put(b)
		i += n
	}
}

// latin1Line reports whether l is valid UTF-8 with at least one non-ASCII
// character, each of which maps back to a byte (see latin1Byte).
func latin1Line(l string) bool {
	wide := false
	for i := 0; i < len(l); {
		c := l[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		wide = true
		if (c == 0xC2 || c == 0xC3) && i+1 < len(l) && l[i+1]&0xC0 == 0x80 {
			i += 2 // U+0080–U+00FF
			continue
		}
		r, n := utf8.DecodeRuneInString(l[i:])
		if _, ok := latin1Byte(r); !ok {
			return false
		}
		i += n
	}
	return wide
}

// cp1252High is windows-1252 at 0x80–0x9F (WHATWG Encoding Standard, index
// windows-1252; the five unassigned bytes map to the C1 controls of the same
// value, as WHATWG decoders do). latin1Byte is its inverse.
const cp1252High = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ"

// latin1Byte maps a character back to the byte ISO-8859-1 or windows-1252
// decodes to it (WHATWG Encoding Standard, index windows-1252, which is
// also what WHATWG decoders use for the "iso-8859-1" label).
func latin1Byte(r rune) (byte, bool) {
	if r < 0x100 {
		return byte(r), true
	}
	switch r {
	case 0x20AC:
		return 0x80, true
	case 0x201A:
		return 0x82, true
	case 0x0192:
		return 0x83, true
	case 0x201E:
		return 0x84, true
	case 0x2026:
		return 0x85, true
	case 0x2020:
		return 0x86, true
	case 0x2021:
		return 0x87, true
	case 0x02C6:
		return 0x88, true
	case 0x2030:
		return 0x89, true
	case 0x0160:
		return 0x8A, true
	case 0x2039:
		return 0x8B, true
	case 0x0152:
		return 0x8C, true
	case 0x017D:
		return 0x8E, true
	case 0x2018:
		return 0x91, true
	case 0x2019:
		return 0x92, true
	case 0x201C:
		return 0x93, true
	case 0x201D:
		return 0x94, true
	case 0x2022:
		return 0x95, true
	case 0x2013:
		return 0x96, true
	case 0x2014:
		return 0x97, true
	case 0x02DC:
		return 0x98, true
	case 0x2122:
		return 0x99, true
	case 0x0161:
		return 0x9A, true
	case 0x203A:
		return 0x9B, true
	case 0x0153:
		return 0x9C, true
	case 0x017E:
		return 0x9E, true
	case 0x0178:
		return 0x9F, true
	}
	return 0, false
}
