package pdftext

import (
	"strconv"
)

// The lexer implements the token syntax of ISO 32000-1 §7.2 (lexical
// conventions) and §7.3 (objects) over an in-memory byte slice. It is used for
// the file structure, content streams and CMaps alike. It never allocates for
// numbers or keywords, never recurses, and every loop advances the position, so
// its cost is linear in the input.

type tokKind uint8

const (
	tokEOF     tokKind = iota
	tokInt             // integer (num holds the value)
	tokReal            // real number
	tokName            // /Name, text holds the decoded name
	tokString          // (literal) or <hex>, text holds the decoded bytes
	tokKeyword         // bare word: operators, true/false/null, obj, R, ...
	tokArrayOpen
	tokArrayClose
	tokDictOpen
	tokDictClose
	tokBraceOpen  // '{' (PostScript calculator functions; skipped)
	tokBraceClose // '}'
)

type token struct {
	kind tokKind
	num  float64 // value of tokInt and tokReal
	// text is the decoded bytes of a name or string, or the raw bytes of a
	// keyword. It may alias the input or the lexer's scratch buffer, so it
	// is valid only until the next call of next.
	text []byte
}

type lexer struct {
	data    []byte
	pos     int
	scratch []byte
}

// Character classes of §7.2.2: white-space and delimiters.
func isSpace(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ':
		return true
	}
	return false
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func isRegular(c byte) bool { return !isSpace(c) && !isDelim(c) }

// skipSpace skips white-space and comments (§7.2.3).
func (l *lexer) skipSpace() {
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		if isSpace(c) {
			l.pos++
			continue
		}
		if c == '%' {
			for l.pos < len(l.data) && l.data[l.pos] != '\n' && l.data[l.pos] != '\r' {
				l.pos++
			}
			continue
		}
		return
	}
}

func (l *lexer) next() token {
	l.skipSpace()
	if l.pos >= len(l.data) {
		return token{kind: tokEOF}
	}
	c := l.data[l.pos]
	switch c {
	case '[':
		l.pos++
		return token{kind: tokArrayOpen}
	case ']':
		l.pos++
		return token{kind: tokArrayClose}
	case '{':
		l.pos++
		return token{kind: tokBraceOpen}
	case '}':
		l.pos++
		return token{kind: tokBraceClose}
	case '<':
		if l.pos+1 < len(l.data) && l.data[l.pos+1] == '<' {
			l.pos += 2
			return token{kind: tokDictOpen}
		}
		l.pos++
		return l.hexString()
	case '>':
		l.pos++
		if l.pos < len(l.data) && l.data[l.pos] == '>' {
			l.pos++
			return token{kind: tokDictClose}
		}
		// A lone '>' is not a token; treat it as an unknown keyword so the
		// caller skips it rather than stopping.
		return token{kind: tokKeyword, text: []byte{'>'}}
	case '(':
		l.pos++
		return l.literalString()
	case ')':
		l.pos++
		return token{kind: tokKeyword, text: []byte{')'}}
	case '/':
		l.pos++
		return l.name()
	}
	start := l.pos
	for l.pos < len(l.data) && isRegular(l.data[l.pos]) {
		l.pos++
	}
	word := l.data[start:l.pos]
	if t, ok := parseNumber(word); ok {
		return t
	}
	return token{kind: tokKeyword, text: word}
}

// parseNumber recognises the numeric objects of §7.3.3: an optional sign,
// digits and at most one period. Malformed producers write things like
// "--5" or "1.2.3"; those are keywords here and ignored by the callers.
func parseNumber(w []byte) (token, bool) {
	if len(w) == 0 {
		return token{}, false
	}
	i := 0
	neg := false
	if w[0] == '+' || w[0] == '-' {
		neg = w[0] == '-'
		i++
	}
	if i == len(w) {
		return token{}, false
	}
	var ip float64
	digits := 0
	for ; i < len(w) && w[i] >= '0' && w[i] <= '9'; i++ {
		ip = ip*10 + float64(w[i]-'0')
		digits++
	}
	if i == len(w) {
		if neg {
			ip = -ip
		}
		return token{kind: tokInt, num: ip}, true
	}
	if w[i] != '.' {
		return token{}, false
	}
	i++
	frac := 0.0
	scale := 1.0
	for ; i < len(w) && w[i] >= '0' && w[i] <= '9'; i++ {
		if scale < 1e15 {
			frac = frac*10 + float64(w[i]-'0')
			scale *= 10
		}
		digits++
	}
	if i != len(w) || digits == 0 {
		return token{}, false
	}
	v := ip + frac/scale
	if neg {
		v = -v
	}
	return token{kind: tokReal, num: v}, true
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// name decodes a name object (§7.3.5), including #xx escapes.
func (l *lexer) name() token {
	start := l.pos
	for l.pos < len(l.data) && isRegular(l.data[l.pos]) {
		l.pos++
	}
	raw := l.data[start:l.pos]
	hasEsc := false
	for _, c := range raw {
		if c == '#' {
			hasEsc = true
			break
		}
	}
	if !hasEsc {
		return token{kind: tokName, text: raw}
	}
	out := l.scratch[:0]
	for i := 0; i < len(raw); i++ {
		if raw[i] == '#' && i+2 < len(raw) {
			h, lo := unhex(raw[i+1]), unhex(raw[i+2])
			if h >= 0 && lo >= 0 {
				out = append(out, byte(h<<4|lo))
				i += 2
				continue
			}
		}
		out = append(out, raw[i])
	}
	l.scratch = out
	return token{kind: tokName, text: out}
}

// hexString decodes <...> (§7.3.4.3): white-space ignored, an odd final
// digit is followed by an implied 0. Invalid characters are skipped, since
// readers in the wild tolerate them.
func (l *lexer) hexString() token {
	out := l.scratch[:0]
	hi := -1
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		l.pos++
		if c == '>' {
			break
		}
		v := unhex(c)
		if v < 0 {
			continue
		}
		if hi < 0 {
			hi = v
		} else {
			out = append(out, byte(hi<<4|v))
			hi = -1
		}
	}
	if hi >= 0 {
		out = append(out, byte(hi<<4))
	}
	l.scratch = out
	return token{kind: tokString, text: out}
}

// literalString decodes (...) with balanced parentheses and the escapes of
// §7.3.4.2 (Table 3). An end-of-line inside the string is read as \n. An
// unterminated string ends at the end of the input.
func (l *lexer) literalString() token {
	out := l.scratch[:0]
	depth := 1
	d := l.data
	for l.pos < len(d) {
		c := d[l.pos]
		l.pos++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				l.scratch = out
				return token{kind: tokString, text: out}
			}
		case '\r':
			// §7.3.4.2: an end-of-line marker (CR, LF or CR LF) in a literal
			// string is read as a single LF.
			if l.pos < len(d) && d[l.pos] == '\n' {
				l.pos++
			}
			c = '\n'
		case '\\':
			if l.pos >= len(d) {
				continue
			}
			e := d[l.pos]
			l.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				// Line continuation: backslash-EOL is dropped.
				if l.pos < len(d) && d[l.pos] == '\n' {
					l.pos++
				}
				continue
			case '\n':
				continue
			case '0', '1', '2', '3', '4', '5', '6', '7':
				v := int(e - '0')
				for k := 0; k < 2 && l.pos < len(d) && d[l.pos] >= '0' && d[l.pos] <= '7'; k++ {
					v = v*8 + int(d[l.pos]-'0')
					l.pos++
				}
				c = byte(v) // high-order overflow is ignored (§7.3.4.2)
			default:
				// Unknown escape: the backslash is ignored.
				c = e
			}
		}
		out = append(out, c)
	}
	l.scratch = out
	return token{kind: tokString, text: out}
}

// intValue returns the token's value as an int when it is an integer token
// that fits.
func (t token) intValue() (int64, bool) {
	if t.kind != tokInt || t.num > 1<<53 || t.num < -(1<<53) {
		return 0, false
	}
	return int64(t.num), true
}

func (t token) isKeyword(k string) bool {
	return t.kind == tokKeyword && string(t.text) == k
}

// String is for error messages and debugging.
func (t token) String() string {
	switch t.kind {
	case tokEOF:
		return "EOF"
	case tokInt, tokReal:
		return strconv.FormatFloat(t.num, 'g', -1, 64)
	case tokName:
		return "/" + string(t.text)
	case tokString:
		return strconv.Quote(string(t.text))
	}
	return string(t.text)
}
