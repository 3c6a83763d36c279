package payload

import (
	"strings"

	"github.com/mugai/mugai/sanitize/mimeparse"
)

// uuencode, as the POSIX uuencode utility writes it (POSIX.1-2017, XCU
// "uuencode", STDOUT section):
//
//	begin <mode> <name>
//	<data lines>
//	`
//	end
//
// Each data line starts with a character that encodes how many bytes the
// line holds (0x20+n), followed by groups of four characters that each
// encode six bits (0x20+v). Encoders differ in writing zero as ' ' or '`';
// mail transports add or strip trailing spaces. The -m form is
//
//	begin-base64 <mode> <name>
//	<base64 lines (RFC 4648 §4)>
//	====

const (
	// uuFullLine is the length of the 45-byte lines every common encoder
	// writes: the count character 'M' and 60 data characters.
	uuFullLine = 61
	// uuMaxSlack is how many characters past the last four-character group
	// a data line may carry: some encoders append a checksum character, and
	// transports pad lines with spaces.
	uuMaxSlack = 2
)

// parseUUHeader parses "begin <octal mode> [<name>]" and
// "begin-base64 <octal mode> [<name>]". The name may be missing (MIME-tools'
// sig-uu test message has "begin 644 " and nothing else).
func parseUUHeader(rest string) (name string, b64 bool, ok bool) {
	rest = strings.TrimRight(rest, " \t")
	switch {
	case strings.HasPrefix(rest, "begin-base64"):
		rest, b64 = rest[len("begin-base64"):], true
	case strings.HasPrefix(rest, "begin"):
		rest = rest[len("begin"):]
	default:
		return "", false, false
	}
	if rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
		return "", false, false
	}
	rest = strings.TrimLeft(rest, " \t")
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '7' {
		i++
	}
	if i == 0 || i > 6 || (i < len(rest) && rest[i] != ' ' && rest[i] != '\t') {
		return "", false, false
	}
	return cleanName(rest[i:]), b64, true
}

// isUUEnd reports whether l is the "end" line (trailing blanks tolerated).
func isUUEnd(l string) bool {
	return strings.TrimRight(l, " \t") == "end"
}

// uuLineLen checks a traditional data line and returns the number of bytes
// it encodes. A line may be short, as when a transport stripped trailing
// spaces that encoded zero bits (the missing characters then decode as
// zero); strict, for the first line after "begin" and for lines with no
// "begin" at all, still demands half the characters the count calls for,
// which a line of prose in capitals after "begin 644 things" lacks.
func uuLineLen(l string, strict bool) (int, bool) {
	if l == "" {
		return 0, false
	}
	if !uuChars(l) {
		// A tab or other blank at the end, added in transit.
		l = strings.TrimRight(l, " \t")
		if l == "" || !uuChars(l) {
			return 0, false
		}
	}
	n := int(l[0]-0x20) & 0x3F
	body := len(l) - 1
	full := (n + 2) / 3 * 4
	if body > full+uuMaxSlack {
		body = len(strings.TrimRight(l, " ")) - 1
		if body > full+uuMaxSlack {
			return 0, false
		}
	}
	if strict && body < (n*4+2)/3/2 {
		return 0, false
	}
	return n, true
}

// uuChars reports whether every byte of l is in the uuencode range
// 0x20..0x60.
func uuChars(l string) bool {
	for i := 0; i < len(l); i++ {
		if c := l[i]; c < 0x20 || c > 0x60 {
			return false
		}
	}
	return true
}

// uuDecodeLine appends the bytes a data line encodes to dst
// (mimeparse.AppendUULine), keeping at most limit bytes in dst.
func uuDecodeLine(dst []byte, l string, limit int) []byte {
	var buf [63]byte
	line := mimeparse.AppendUULine(buf[:0], l)
	return append(dst, line[:min(len(line), max(0, limit-len(dst)))]...)
}

// uuencode reads the block whose header line is ln. It needs at least one
// valid data line after the header, so that prose such as
// "begin 644 things" is not taken for a block. Without an "end" line the
// block runs to its last data line.
func (s *scanner) uuencode(ln line, prefix, name string, b64 bool) (Block, bool) {
	if b64 {
		return s.uuencodeBase64(ln, prefix, name)
	}
	var data []byte
	var size int64
	end := -1
	for pos := ln.next; pos < len(s.text); {
		d := s.line(pos)
		l, ok := strings.CutPrefix(d.s, prefix)
		if !ok {
			break
		}
		if isUUEnd(l) {
			if end >= 0 {
				end = d.next
			}
			break
		}
		if strings.TrimRight(l, " \t") == "" {
			// The zero-length line is a single ' ', which a transport may
			// strip; take the blank line only if "end" follows.
			if end >= 0 && d.next < len(s.text) {
				if e := s.line(d.next); isUUEnd(strings.TrimPrefix(e.s, prefix)) {
					end = e.next
				}
			}
			break
		}
		n, ok := uuLineLen(l, end < 0)
		if !ok {
			break
		}
		data = uuDecodeLine(data, l, s.opt.MaxDecoded)
		size += int64(n)
		end, pos = d.next, d.next
		if n == 0 {
			// The zero-length line ends the data; "end" should follow.
			if pos < len(s.text) {
				if e := s.line(pos); isUUEnd(strings.TrimPrefix(e.s, prefix)) {
					end = e.next
				}
			}
			break
		}
	}
	if end < 0 {
		return Block{}, false
	}
	return Block{Kind: UUEncode, Name: name, Start: ln.start, End: end, Data: data, Size: size}, true
}

// uuencodeBase64 reads a "begin-base64" block up to its "====" line.
func (s *scanner) uuencodeBase64(ln line, prefix, name string) (Block, bool) {
	var dec b64Decoder
	dec.limit = s.opt.MaxDecoded
	end := -1
	for pos := ln.next; pos < len(s.text); pos = end {
		d := s.line(pos)
		l, ok := strings.CutPrefix(d.s, prefix)
		if !ok {
			break
		}
		l = strings.TrimRight(l, " \t")
		if l == "====" {
			if end >= 0 {
				end = d.next
			}
			break
		}
		st, ok := scanB64Line(l)
		if !ok || st.url {
			break
		}
		dec.write(l)
		end = d.next
		if st.pad > 0 {
			// Padding ends the data; the "====" line should follow.
			if end < len(s.text) {
				if e := s.line(end); strings.TrimRight(strings.TrimPrefix(e.s, prefix), " \t") == "====" {
					end = e.next
				}
			}
			break
		}
	}
	if end < 0 {
		return Block{}, false
	}
	return Block{Kind: UUEncode, Name: name, Start: ln.start, End: end, Data: dec.out, Size: dec.size()}, true
}

// uuRun finds uuencoded data whose "begin" line is missing, as in the
// second and later parts of a file split over several messages: a run of
// full 45-byte data lines ('M' and 60 characters), then optionally a
// shorter last line, the zero-length line and "end". Without a header the
// run must hold at least MinBase64 characters, as a base64 run must; prose
// in capitals that happens to fit the pattern is not that long.
func (s *scanner) uuRun(ln line, prefix string) (Block, bool, int) {
	var data []byte
	var size int64
	chars := 0
	end := ln.start
	pos := ln.start
	for pos < len(s.text) {
		d := s.line(pos)
		l, ok := strings.CutPrefix(d.s, prefix)
		if !ok || (len(l) != uuFullLine && len(l) != uuFullLine+1) || l[0] != 'M' {
			break
		}
		n, ok := uuLineLen(l, true)
		if !ok {
			break
		}
		data = uuDecodeLine(data, l, s.opt.MaxDecoded)
		size += int64(n)
		chars += len(l)
		end, pos = d.next, d.next
	}
	if chars < s.opt.MinBase64 {
		return Block{}, false, max(end, ln.next)
	}
	// The tail: at most one shorter data line, the zero-length line, "end".
	short, zero := false, false
	for range 3 {
		if pos >= len(s.text) {
			break
		}
		d := s.line(pos)
		l, ok := strings.CutPrefix(d.s, prefix)
		if !ok {
			break
		}
		if isUUEnd(l) {
			end = d.next
			break
		}
		n, ok := uuLineLen(l, true)
		if !ok || zero || (n > 0 && short) {
			break
		}
		short, zero = short || n > 0, n == 0
		data = uuDecodeLine(data, l, s.opt.MaxDecoded)
		size += int64(n)
		end, pos = d.next, d.next
	}
	return Block{Kind: UUEncode, Start: ln.start, End: end, Data: data, Size: size}, true, end
}
