package payload

import (
	"strings"

	"github.com/mugai/mugai/sanitize/mimeparse"
)

// Base64 pasted into text (RFC 4648 §4; the URL-safe alphabet of §5 too).
//
// A candidate is a run of lines made only of the alphabet, ending at the
// first line with '=' padding, or one long token inside a line (a data: URI,
// RFC 2397, or "key: <base64>"), possibly continued by such lines. Quote
// marks and indentation before a line are ignored. The candidate is flagged
// when all of these hold:
//
//   - it has at least Options.MinBase64 characters, so hashes, tokens, DKIM
//     signatures (RFC 6376 "b=", a few hundred characters) and short keys
//     are never candidates;
//   - it uses one alphabet, not a mix of "+/" and "-_";
//   - it uses at least minDistinct of the 64 digits, among them capitals,
//     small letters and figures: hex (16 digits, no capitals), decimal
//     lists and text of letters only are not base64, while base64 of any
//     real file that long uses nearly all 64;
//   - it is shaped like base64: one or two lines, or lines of one width
//     (the last, and the first, may be shorter), or random-looking (at
//     least minRandomDistinct digits, '+' or '/' among them) — a column of
//     words one per line is none of these;
//   - it decodes to something that is not readable text (see isBinary), or
//     to text that itself holds a payload (Find again, to depth maxDepth).
const (
	minDistinct       = 20
	minRandomDistinct = 40
	// minWrapWidth is the narrowest line width taken as wrapped base64;
	// encoders wrap at 60 to 76 (RFC 2045 §6.8 says at most 76).
	minWrapWidth = 16
)

// b64Table classifies the ASCII bytes for base64 (RFC 4648 §4 and §5): the
// low six bits are the digit's value; b64Std marks '+' and '/', b64URL marks
// '-' and '_'; b64Bad (both marks) is every other byte. A constant string,
// so that the hot loops index it without a package-level variable.
const b64Table = "" +
	"\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0" +
	"\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0" +
	"\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xbe\xc0\x7e\xc0\xbf" +
	"\x34\x35\x36\x37\x38\x39\x3a\x3b\x3c\x3d\xc0\xc0\xc0\xc0\xc0\xc0" +
	"\xc0\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e" +
	"\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\xc0\xc0\xc0\xc0\x7f" +
	"\xc0\x1a\x1b\x1c\x1d\x1e\x1f\x20\x21\x22\x23\x24\x25\x26\x27\x28" +
	"\x29\x2a\x2b\x2c\x2d\x2e\x2f\x30\x31\x32\x33\xc0\xc0\xc0\xc0\xc0"

const (
	b64URL = 0x40
	b64Std = 0x80
	b64Bad = b64URL | b64Std
)

// b64Class returns c's entry in b64Table.
func b64Class(c byte) byte {
	if c >= 0x80 {
		return b64Bad
	}
	return b64Table[c]
}

// b64Val returns the six-bit value of a base64 digit of either alphabet,
// or -1.
func b64Val(c byte) int {
	if t := b64Class(c); t&b64Bad != b64Bad {
		return int(t & 0x3F)
	}
	return -1
}

// b64Line describes one line (or token) of base64.
type b64Line struct {
	n        int    // alphabet characters
	pad      int    // trailing '=' (0..2)
	std, url bool   // uses "+/", uses "-_"
	seen     uint64 // set of digit values used
}

// scanB64Line reports whether l is made only of base64 digits followed by
// at most two '='. It stops at the first other byte, which for ordinary
// text is within the first word.
func scanB64Line(l string) (b64Line, bool) {
	var st b64Line
	var marks byte
	i := 0
	for ; i < len(l); i++ {
		t := b64Class(l[i])
		if t&b64Bad == b64Bad {
			break
		}
		marks |= t
		st.seen |= 1 << (t & 0x3F)
	}
	st.n = i
	st.std, st.url = marks&b64Std != 0, marks&b64URL != 0
	for i < len(l) && l[i] == '=' && st.pad < 2 {
		st.pad++
		i++
	}
	return st, i == len(l) && st.n > 0
}

// trimB64 strips what may surround a pasted base64 line: quote marks and
// indentation before it, blanks after it.
func trimB64(l string) string {
	return strings.TrimRight(strings.TrimLeft(l, " \t>"), " \t")
}

// b64Stats accumulates a candidate run.
type b64Stats struct {
	line      b64Line // merged over all lines
	lines     int
	firstW    int
	secondW   int
	lastW     int
	irregular bool // a middle line differs in width from the second line
}

func (st *b64Stats) add(l b64Line) {
	st.line.n += l.n
	st.line.pad += l.pad
	st.line.std = st.line.std || l.std
	st.line.url = st.line.url || l.url
	st.line.seen |= l.seen
	w := l.n + l.pad
	switch st.lines {
	case 0:
		st.firstW = w
	case 1:
		st.secondW = w
	default:
		// The line added last time is a middle line now.
		if st.lastW != st.secondW {
			st.irregular = true
		}
	}
	st.lastW = w
	st.lines++
}

// candidate applies the rules in the comment at the top of this file that
// need no decoding.
func (st *b64Stats) candidate(minChars int) bool {
	if st.line.n+st.line.pad < minChars || (st.line.std && st.line.url) {
		return false
	}
	const upper, lower, digit, symbol = 1<<26 - 1, (1<<26 - 1) << 26, (1<<10 - 1) << 52, 3 << 62
	seen := st.line.seen
	distinct := popcount(seen)
	if distinct < minDistinct || seen&upper == 0 || seen&lower == 0 || seen&digit == 0 {
		return false
	}
	wrapped := st.lines <= 2 ||
		(!st.irregular && st.secondW >= minWrapWidth && st.firstW <= st.secondW && st.lastW <= st.secondW)
	return wrapped || (distinct >= minRandomDistinct && seen&symbol != 0)
}

func popcount(x uint64) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// b64Decoder decodes base64 of either alphabet as it comes, skipping
// anything else, with the decoder of MIME bodies (mimeparse.Base64Decoder),
// keeps at most limit bytes, and counts the digits of all of it.
type b64Decoder struct {
	dec   mimeparse.Base64Decoder
	out   []byte
	limit int
	n     int64 // digits seen
}

func (d *b64Decoder) write(s string) {
	for i := 0; i < len(s); i++ {
		if b64Class(s[i])&b64Bad != b64Bad {
			d.n++
		}
	}
	for len(s) > 0 && len(d.out) < d.limit {
		// Hand over no more than the room left can take (four digits
		// make three bytes, one digit at most one), so that out never
		// grows past limit and a long token past it is not decoded.
		k := min(len(s), max(1, (d.limit-len(d.out))/3*4))
		d.out = d.dec.AppendString(d.out, s[:k])
		s = s[k:]
	}
}

// size is the decoded length of everything written, kept or not.
func (d *b64Decoder) size() int64 { return d.n * 6 / 8 }

// truncated reports whether bytes were dropped at the limit.
func (d *b64Decoder) truncated() bool { return d.size() > int64(len(d.out)) }

// longToken finds a base64 token of at least minChars characters inside l,
// standing as a word of its own: after the start of the line, a blank, or
// one of `,:;"'(<[{>` and before the end, a blank or one of `"')>]},;.`.
// That keeps out the middle of a URL or a "key=value" query string.
func longToken(l string, minChars int) (start, end int, ok bool) {
	for i := 0; i < len(l); {
		if b64Val(l[i]) < 0 {
			i++
			continue
		}
		j := i
		for j < len(l) && b64Val(l[j]) >= 0 {
			j++
		}
		k := j
		for k < len(l) && k-j < 2 && l[k] == '=' {
			k++
		}
		if j-i >= minChars && tokenBefore(l, i) && tokenAfter(l, k) {
			return i, k, true
		}
		i = k
	}
	return 0, 0, false
}

func tokenBefore(l string, i int) bool {
	if i == 0 {
		return true
	}
	switch l[i-1] {
	case ':':
		// "https://host/path…" is a URL, not base64 after a colon.
		return !strings.HasPrefix(l[i:], "//")
	case ' ', '\t', ',', ';', '"', '\'', '(', '<', '[', '{', '>':
		return true
	}
	return false
}

func tokenAfter(l string, k int) bool {
	if k == len(l) {
		return true
	}
	switch l[k] {
	case ' ', '\t', '"', '\'', ')', '>', ']', '}', ',', ';', '.':
		return true
	}
	return false
}

// dataURITail returns the base64 that ends l after "base64," — the first
// line of a data: URI (RFC 2397) wrapped over several lines.
func dataURITail(l string) (string, bool) {
	i := strings.LastIndexByte(l, ',')
	if i < len("base64") || !strings.EqualFold(l[i-len("base64"):i], "base64") {
		return "", false
	}
	tok := l[i+1:]
	if tok == "" {
		return "", true
	}
	st, ok := scanB64Line(tok)
	return tok, ok && st.pad == 0
}

// base64At looks for a base64 candidate starting at ln (or, for a wrapped
// data: URI, on the line before it).
func (s *scanner) base64At(ln line) (Block, bool, int) {
	l := trimB64(ln.s)
	var st b64Stats
	// head is base64 taken from a line that is not all base64; body is
	// the first line that is.
	var head string
	start, body := ln.start, ln.start
	// width is the width of full lines; -1 until the first body line sets
	// it.
	width := -1
	first, pure := scanB64Line(l)
	switch {
	case pure:
		if w := first.n + first.pad; w < minWrapWidth && s.wordBeforeBase64(ln.next, w) {
			return Block{}, false, ln.next
		}
		if s.prevStart >= 0 {
			if tok, ok := dataURITail(trimB64(s.line(s.prevStart).s)); ok {
				start, head = s.prevStart, tok
				if tok != "" {
					t, _ := scanB64Line(tok)
					st.add(t)
				}
			}
		}
		st.add(first)
		width = first.n + first.pad
	case len(l) >= s.opt.MinBase64:
		i, k, ok := longToken(l, s.opt.MinBase64)
		if !ok {
			return Block{}, false, ln.next
		}
		head = l[i:k]
		first, _ = scanB64Line(head)
		st.add(first)
		body = ln.next
		if k < len(l) || first.pad > 0 {
			return s.base64Block(st, start, head, body, body, "")
		}
	default:
		return Block{}, false, ln.next
	}
	end, tail := s.base64Continue(&st, ln.next, width, len(head), start != ln.start)
	return s.base64Block(st, start, head, body, end, tail)
}

// wordBeforeBase64 reports whether a short line of base64 characters ("Hi",
// "Regards") of width w is a word just before a base64 block rather than
// its first line: one of the next two lines is a full line of base64, and
// the short lines together are narrower.
func (s *scanner) wordBeforeBase64(pos, w int) bool {
	for range 2 {
		if pos >= len(s.text) {
			return false
		}
		d := s.line(pos)
		t, ok := scanB64Line(trimB64(d.s))
		if !ok {
			return false
		}
		tw := t.n + t.pad
		if tw >= minWrapWidth {
			return w < tw
		}
		w += tw
		pos = d.next
	}
	return false
}

// base64Continue extends a candidate with the lines made only of base64
// from pos on, to the first padded one, and returns the candidate's end.
//
// Where a run ends is a guess when the text goes on without a blank line.
// A line of the other alphabet ends it: "-- " (a signature separator) or a
// "--boundary" line of pasted MIME source is URL-safe base64 by its
// characters. And when a regular run (full lines, then one shorter line)
// is followed by at most two lines shorter than one full line, those are
// taken for words ("Thanks", "Taro") and left out. A run whose widths keep
// changing, as when someone re-wraps base64 to slip it past this check,
// is taken whole. After a head token (one long line), a continuation must
// be at least as wide as the token: "attachment: <base64>" followed by
// "end" is one line. A wrapped data: URI (dataURI) ends on a line that
// starts with its last base64 and closes the markup (`…==">`): that line
// is part of the block, and its base64 is returned as tail.
func (s *scanner) base64Continue(st *b64Stats, pos, width, headLen int, dataURI bool) (end int, tail string) {
	end = pos
	if st.line.pad > 0 {
		return end, ""
	}
	shortEnd := -1
	var atShort b64Stats
	tailLines, tailChars := 0, 0
	for pos < len(s.text) {
		d := s.line(pos)
		t, ok := scanB64Line(trimB64(d.s))
		if pad := trimB64(d.s); !ok && (pad == "=" || pad == "==") && st.line.pad == 0 {
			// The padding of the last group, wrapped onto a line of its
			// own, ends the run.
			st.line.pad += len(pad)
			end = d.next
			break
		}
		if !ok && dataURI {
			if tok := uriClose(trimB64(d.s)); tok != "" && (width < 0 || len(tok) <= width) {
				t, _ := scanB64Line(tok)
				st.add(t)
				return d.next, tok
			}
		}
		if !ok || (t.std && st.line.url) || (t.url && st.line.std) {
			break
		}
		w := t.n + t.pad
		if width < 0 {
			if w < headLen {
				break
			}
			width = w
		}
		st.add(t)
		end, pos = d.next, d.next
		switch {
		case shortEnd >= 0:
			tailLines++
			tailChars += w
		case w < width:
			shortEnd, atShort = end, *st
		}
		if t.pad > 0 {
			break
		}
	}
	if shortEnd >= 0 && tailLines > 0 && tailLines <= 2 && tailChars < width {
		*st = atShort
		return shortEnd, ""
	}
	return end, ""
}

// uriClose returns the base64 that starts l when the markup around a data:
// URI closes right after it (`…==">`, `…)`), else "".
func uriClose(l string) string {
	i := 0
	for i < len(l) && b64Val(l[i]) >= 0 {
		i++
	}
	for pad := 0; i < len(l) && l[i] == '=' && pad < 2; pad++ {
		i++
	}
	if i == 0 || i == len(l) {
		return ""
	}
	switch l[i] {
	case '"', '\'', ')', '>':
		return l[:i]
	}
	return ""
}

// base64Block decides on a gathered candidate: head, then the lines in
// [body, end), the last of which holds only tail when tail is set. A rejected candidate is skipped whole.
func (s *scanner) base64Block(st b64Stats, start int, head string, body, end int, tail string) (Block, bool, int) {
	if !st.candidate(s.opt.MinBase64) {
		return Block{}, false, end
	}
	dec := b64Decoder{limit: s.opt.MaxDecoded}
	dec.out = make([]byte, 0, min(s.opt.MaxDecoded, (st.line.n+3)/4*3))
	dec.write(head)
	for pos := body; pos < end; {
		d := s.line(pos)
		if d.next == end && tail != "" {
			dec.write(tail)
			break
		}
		dec.write(trimB64(d.s))
		pos = d.next
	}
	if s.keyOrCertificate(start, dec.out, dec.truncated()) || !s.hidesPayload(start, end, dec.out, dec.truncated()) {
		return Block{}, false, end
	}
	start, end = s.pemFrame(start, end)
	typ := fileType(dec.out)
	if typ == "" {
		typ, _ = embeddedFile(dec.out)
	}
	return Block{Kind: Base64, Start: start, End: end, Data: dec.out, Size: dec.size(), Type: typ}, true, end
}

// keyOrCertificate reports whether decoded base64 that starts at start is
// a key or certificate (see keys.go): under a PEM BEGIN line whose label
// its bytes parse as, or an SSH public key blob, with no file inside.
func (s *scanner) keyOrCertificate(start int, data []byte, truncated bool) bool {
	if truncated {
		return false
	}
	label := ""
	if s.prevStart >= 0 && start > s.prevStart {
		label = pemLabel(s.line(s.prevStart).s)
	}
	if !isKeyOrCertificate(label, data) && !isSSHPublicKey(data) {
		return false
	}
	typ, _ := embeddedFile(data)
	return typ == ""
}

// pemFrame widens a block to the "-----BEGIN …-----" and "-----END …-----"
// lines (RFC 7468 §2) around it, so that no empty frame is left behind.
func (s *scanner) pemFrame(start, end int) (int, int) {
	isFrame := func(l, kw string) bool {
		l = trimB64(l)
		return strings.HasPrefix(l, kw) && strings.HasSuffix(l, "-----") && len(l) > len(kw)+5
	}
	if s.prevStart >= 0 && start > s.prevStart && isFrame(s.line(s.prevStart).s, "-----BEGIN ") {
		start = s.prevStart
	}
	if end < len(s.text) {
		if d := s.line(end); isFrame(d.s, "-----END ") {
			end = d.next
		}
	}
	return start, end
}

// hidesPayload reports whether base64 in [start, end) that decoded to data
// is a payload: binary, or text that holds a payload itself.
func (s *scanner) hidesPayload(start, end int, data []byte, truncated bool) bool {
	if isBinary(data, truncated) {
		return true
	}
	if s.depth >= maxDepth {
		return false
	}
	s.searched = append(s.searched, [2]int{start, end})
	return s.textHidesPayload(data)
}

// textHidesPayload reports whether decoded text holds a payload of its
// own, one level deeper.
func (s *scanner) textHidesPayload(data []byte) bool {
	opt := s.opt
	opt.MaxBlocks = 1 // whether there is one is all that counts
	return len(find(string(data), opt, s.depth+1)) > 0
}
