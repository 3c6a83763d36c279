package mimeparse

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/mugai/mugai/sanitize/charset"
)

// MediaValue is a parsed Content-Type or Content-Disposition field:
// the value ("text/plain", "attachment") and its parameters.
type MediaValue struct {
	// Value is lower case; "" when the field had no usable value.
	Value string
	// Params maps lower-case parameter names to values. RFC 2231
	// continuations are joined and charset-decoded; name and filename are
	// also RFC 2047-decoded (non-standard but common, RFC 2231 §1 notwithstanding).
	// Other values are kept as raw bytes in a string, so that a boundary is
	// compared exactly as it appears in the body.
	Params map[string]string
	// Problems lists ambiguities: duplicate parameters with different
	// values, RFC 2231 sections given twice, a parameter given both plainly
	// and RFC 2231-encoded with different values.
	Problems []string
}

// textParams are decoded as human-readable text. Others stay raw.
func isTextParam(name string) bool {
	return name == "name" || name == "filename"
}

// rawParam collects the ways one parameter was given.
type rawParam struct {
	plain    [][]byte       // name=value (every occurrence)
	extended [][]byte       // name*=charset'lang'value
	sections map[int][]byte // name*N= / name*N*=
	secExt   map[int]bool
}

// ParseMediaValue parses raw as "value *(; attribute=value)" following
// RFC 2045 §5.1 and RFC 2231 leniently: unquoted values may hold any byte
// but ';', a quoted value may be unterminated, comments are skipped.
func ParseMediaValue(raw []byte) MediaValue {
	p := &paramScanner{s: raw}
	mv := MediaValue{Params: map[string]string{}}
	p.skipCFWS()
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != ';' && p.s[p.i] != '(' {
		p.i++
	}
	mv.Value = strings.ToLower(string(bytes.TrimSpace(p.s[start:p.i])))
	// "text/plain" may carry white space around the slash in old mail.
	mv.Value = strings.Join(strings.Fields(mv.Value), "")

	params := map[string]*rawParam{}
	var order []string
	for p.i < len(p.s) {
		if p.s[p.i] != ';' {
			p.skipCFWS()
			if p.i < len(p.s) && p.s[p.i] != ';' {
				// Junk between parameters: skip to the next ';'.
				for p.i < len(p.s) && p.s[p.i] != ';' {
					p.i++
				}
			}
			continue
		}
		p.i++ // ';'
		p.skipCFWS()
		name := p.attribute()
		if name == "" {
			continue
		}
		p.skipCFWS()
		if p.i >= len(p.s) || p.s[p.i] != '=' {
			continue // attribute without a value: meaningless, ignored
		}
		p.i++
		p.skipCFWS()
		value := p.value()
		base, section, ext := splitParamName(name)
		rp := params[base]
		if rp == nil {
			rp = &rawParam{}
			params[base] = rp
			order = append(order, base)
		}
		switch {
		case section >= 0:
			if rp.sections == nil {
				rp.sections, rp.secExt = map[int][]byte{}, map[int]bool{}
			}
			if old, dup := rp.sections[section]; dup && !bytes.Equal(old, value) {
				mv.Problems = append(mv.Problems, fmt.Sprintf("parameter %s section %d given twice", base, section))
			}
			rp.sections[section] = value
			rp.secExt[section] = ext
		case ext:
			rp.extended = append(rp.extended, value)
		default:
			rp.plain = append(rp.plain, value)
		}
	}
	for _, base := range order {
		v, problems := params[base].resolve(base)
		mv.Problems = append(mv.Problems, problems...)
		mv.Params[base] = v
	}
	return mv
}

// resolve turns the occurrences of one parameter into its value, noting
// conflicts.
func (rp *rawParam) resolve(base string) (string, []string) {
	var problems []string
	var candidates []string
	if v, ok := distinct(rp.plain); !ok {
		problems = append(problems, fmt.Sprintf("duplicate parameter %q with different values", base))
	} else if v != nil {
		if isTextParam(base) {
			candidates = append(candidates, DecodeWords(v))
		} else {
			candidates = append(candidates, string(v))
		}
	}
	if v, ok := distinct(rp.extended); !ok {
		problems = append(problems, fmt.Sprintf("duplicate parameter %q with different values", base+"*"))
	} else if v != nil {
		candidates = append(candidates, decode2231(v))
	}
	if len(rp.sections) > 0 {
		candidates = append(candidates, rp.joinSections())
	}
	if len(candidates) == 0 {
		return "", problems
	}
	// RFC 2231 §4 forms win over the plain one: they are what a modern
	// client shows. Differing values are a conflict.
	chosen := candidates[len(candidates)-1]
	for _, c := range candidates[:len(candidates)-1] {
		if c != chosen {
			problems = append(problems, fmt.Sprintf("parameter %q given in more than one form with different values", base))
			break
		}
	}
	return chosen, problems
}

// distinct returns the single value among vs (nil when none); ok is false
// when they differ. Identical repeats are harmless and tolerated.
func distinct(vs [][]byte) ([]byte, bool) {
	if len(vs) == 0 {
		return nil, true
	}
	for _, v := range vs[1:] {
		if !bytes.Equal(v, vs[0]) {
			return nil, false
		}
	}
	return vs[0], true
}

// joinSections assembles RFC 2231 §3 continuations in index order. The
// charset comes from section 0 (§4.1); sections marked extended are
// percent-decoded, others taken literally.
func (rp *rawParam) joinSections() string {
	idx := make([]int, 0, len(rp.sections))
	for i := range rp.sections {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	var label string
	var buf []byte
	for _, i := range idx {
		v := rp.sections[i]
		if rp.secExt[i] {
			if i == idx[0] {
				label, v = splitCharsetLang(v)
			}
			buf = append(buf, percentDecode(v)...)
		} else {
			buf = append(buf, v...)
		}
	}
	if label == "" && bytes.Contains(buf, []byte("=?")) {
		// Some mailers put RFC 2047 words in continuations.
		return DecodeWords(buf)
	}
	s, _ := charset.Decode(buf, label)
	return s
}

// decode2231 decodes an RFC 2231 §4 extended value: charset'lang'%XX...
func decode2231(v []byte) string {
	label, rest := splitCharsetLang(v)
	s, _ := charset.Decode(percentDecode(rest), label)
	return s
}

// splitCharsetLang splits "charset'language'value". Without the two quotes
// the whole is the value and the charset is left to the guesser.
func splitCharsetLang(v []byte) (string, []byte) {
	i := bytes.IndexByte(v, '\'')
	if i < 0 {
		return "", v
	}
	j := bytes.IndexByte(v[i+1:], '\'')
	if j < 0 {
		return "", v
	}
	return string(v[:i]), v[i+1+j+1:]
}

// percentDecode decodes %XX escapes; a '%' not followed by two hex digits
// is kept literally.
func percentDecode(v []byte) []byte {
	if bytes.IndexByte(v, '%') < 0 {
		return v
	}
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '%' && i+2 < len(v) && isHex(v[i+1]) && isHex(v[i+2]) {
			out = append(out, unhex(v[i+1])<<4|unhex(v[i+2]))
			i += 2
			continue
		}
		out = append(out, v[i])
	}
	return out
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// splitParamName splits an RFC 2231 attribute name: "filename*1*" is
// base "filename", section 1, extended. section is -1 when there is none.
func splitParamName(name string) (base string, section int, ext bool) {
	name = strings.ToLower(name)
	if strings.HasSuffix(name, "*") {
		ext = true
		name = name[:len(name)-1]
	}
	if i := strings.LastIndexByte(name, '*'); i > 0 {
		if n, err := strconv.Atoi(name[i+1:]); err == nil && n >= 0 && n < 1000 {
			return name[:i], n, ext
		}
	}
	return name, -1, ext
}

// paramScanner walks a header value.
type paramScanner struct {
	s []byte
	i int
}

// skipCFWS skips white space and RFC 5322 comments (nested parentheses,
// quoted-pairs). An unterminated comment runs to the end.
func (p *paramScanner) skipCFWS() {
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			p.i++
		case c == '(':
			depth := 0
			for p.i < len(p.s) {
				ch := p.s[p.i]
				p.i++
				if ch == '\\' {
					// A quoted-pair (RFC 5322 §3.2.1); a backslash that
					// ends the value escapes nothing and must not move
					// p.i past the end (found by fuzz.FuzzFilename).
					if p.i < len(p.s) {
						p.i++
					}
					continue
				}
				if ch == '(' {
					depth++
				} else if ch == ')' {
					if depth--; depth == 0 {
						break
					}
				}
			}
		default:
			return
		}
	}
}

// attribute reads a parameter name: everything up to '=', ';' or white space.
func (p *paramScanner) attribute() string {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '=' || c == ';' || c == ' ' || c == '\t' || c == '(' {
			break
		}
		p.i++
	}
	return string(p.s[start:p.i])
}

// value reads a quoted string (RFC 5322 §3.2.4, backslash escapes) or an
// unquoted value up to the next ';' (trailing white space dropped).
func (p *paramScanner) value() []byte {
	if p.i < len(p.s) && p.s[p.i] == '"' {
		p.i++
		var out []byte
		for p.i < len(p.s) {
			c := p.s[p.i]
			p.i++
			switch c {
			case '\\':
				if p.i < len(p.s) {
					out = append(out, p.s[p.i])
					p.i++
				}
			case '"':
				return out
			default:
				out = append(out, c)
			}
		}
		return out
	}
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != ';' {
		p.i++
	}
	return bytes.TrimRight(p.s[start:p.i], " \t")
}
