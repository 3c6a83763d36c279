package pdftext

import (
	"bytes"
	"errors"
	"slices"
)

// The object model of ISO 32000-1 §7.3. An object is one of:
//
//	nil (null), bool, int64, float64, name, pdfString, array, dict, ref, *stream
type object = any

type (
	name      string
	pdfString string // raw bytes; decrypted when loaded from an encrypted file
	array     []object
	dict      map[name]object
	ref       struct {
		num uint32
		gen uint16
	}
)

// A stream is a dictionary followed by data (§7.3.8). raw is the encoded,
// still encrypted data, a subslice of the file.
type stream struct {
	hdr dict
	raw []byte
	// owner is the indirect object that holds the stream; its number and
	// generation key the decryption (§7.6.2).
	owner ref
}

// maxNesting bounds how deeply arrays and dictionaries may nest. ISO 32000-1
// sets no number; real files stay in single digits, and the bound keeps the
// recursive parser's stack small whatever the input.
const maxNesting = 64

var errNesting = errors.New("malformed PDF: objects nested too deeply")

// parser reads objects from a lexer. It knows nothing of the file's
// cross-reference table: references stay unresolved (ref values).
type parser struct {
	lex lexer
}

func newParser(data []byte, pos int) *parser {
	return &parser{lex: lexer{data: data, pos: pos}}
}

// object parses one direct object; a keyword that is not part of an object
// is returned as errUnexpected (with the lexer positioned after it).
func (p *parser) object(depth int) (object, error) {
	if depth > maxNesting {
		return nil, errNesting
	}
	t := p.lex.next()
	return p.objectFrom(t, depth)
}

var errUnexpected = errors.New("malformed PDF: unexpected token")

func (p *parser) objectFrom(t token, depth int) (object, error) {
	switch t.kind {
	case tokEOF:
		return nil, errUnexpectedEOF
	case tokInt:
		v, ok := t.intValue()
		if !ok {
			return t.num, nil
		}
		// "n g R" is a reference (§7.3.10). Look ahead without consuming
		// when it is not.
		if v >= 0 && v <= maxObjectNumber {
			save := p.lex.pos
			t2 := p.lex.next()
			if g, ok := t2.intValue(); ok && g >= 0 && g <= 65535 {
				t3 := p.lex.next()
				if t3.isKeyword("R") {
					return ref{uint32(v), uint16(g)}, nil
				}
			}
			p.lex.pos = save
		}
		return v, nil
	case tokReal:
		return t.num, nil
	case tokName:
		return name(t.text), nil
	case tokString:
		return pdfString(t.text), nil
	case tokArrayOpen:
		return p.array(depth + 1)
	case tokDictOpen:
		return p.dict(depth + 1)
	case tokKeyword:
		switch string(t.text) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
	}
	return nil, errUnexpected
}

var errUnexpectedEOF = errors.New("malformed PDF: unexpected end of data")

func (p *parser) array(depth int) (object, error) {
	if depth > maxNesting {
		return nil, errNesting
	}
	var a array
	for {
		t := p.lex.next()
		switch t.kind {
		case tokArrayClose:
			return a, nil
		case tokEOF:
			return a, nil // unterminated: keep what was read
		case tokDictClose:
			// A stray ">>" ends a broken array inside a dictionary; give
			// it back to the dictionary.
			p.lex.pos -= 2
			return a, nil
		}
		o, err := p.objectFrom(t, depth)
		if err == errUnexpected {
			if t.isKeyword("endobj") || t.isKeyword("stream") || t.isKeyword("obj") {
				p.lex.pos -= len(t.text)
				return a, nil
			}
			continue // skip junk inside arrays
		}
		if err != nil {
			return nil, err
		}
		a = append(a, o)
	}
}

func (p *parser) dict(depth int) (object, error) {
	if depth > maxNesting {
		return nil, errNesting
	}
	d := dict{}
	for {
		t := p.lex.next()
		switch t.kind {
		case tokDictClose:
			return d, nil
		case tokEOF:
			return d, nil
		case tokName:
		default:
			if t.isKeyword("endobj") || t.isKeyword("stream") || t.isKeyword("obj") {
				// Missing ">>": stop here and let the caller see the keyword.
				p.lex.pos -= len(t.text)
				return d, nil
			}
			continue // a non-name key: skip it (tolerated by common readers)
		}
		key := name(t.text)
		vt := p.lex.next()
		if vt.kind == tokDictClose {
			return d, nil
		}
		v, err := p.objectFrom(vt, depth)
		if err == errUnexpected {
			if vt.isKeyword("endobj") || vt.isKeyword("stream") {
				p.lex.pos -= len(vt.text)
				return d, nil
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if v != nil { // §7.3.7: a null value is the same as an absent key
			d[key] = v
		}
	}
}

// indirectHeader parses "num gen obj" at pos and returns the object number,
// generation and the position after "obj".
func indirectHeader(data []byte, pos int) (ref, int, bool) {
	l := lexer{data: data, pos: pos}
	t1 := l.next()
	n, ok1 := t1.intValue()
	t2 := l.next()
	g, ok2 := t2.intValue()
	if !ok1 || !ok2 || n < 0 || n > maxObjectNumber || g < 0 || g > 65535 {
		return ref{}, 0, false
	}
	// "obj" may be glued to the next token ("1 0 obj<<"): the lexer has
	// already split it because '<' is a delimiter.
	t3 := l.next()
	if !t3.isKeyword("obj") {
		return ref{}, 0, false
	}
	return ref{uint32(n), uint16(g)}, l.pos, true
}

// streamStart returns the start of stream data after the "stream" keyword
// at kwEnd (the position just after the keyword): §7.3.8.1 requires CRLF or
// LF; a lone CR is accepted as writers produce it.
func streamStart(data []byte, kwEnd int) int {
	i := kwEnd
	// Some writers put spaces before the end-of-line.
	for i < len(data) && (data[i] == ' ' || data[i] == '\t') {
		i++
	}
	if i < len(data) && data[i] == '\r' {
		i++
	}
	if i < len(data) && data[i] == '\n' {
		i++
	}
	return i
}

var endstreamKw = []byte("endstream")

// streamEnd finds where the data of a stream starting at start ends, given
// its declared length (or -1). The declared /Length is trusted only when
// "endstream" follows it; otherwise the data ends before the next
// "endstream", which is how damaged files are commonly read. The positions
// of "endstream" are indexed once per file, so that many streams without
// one cannot make the search quadratic.
func (d *document) streamEnd(start int, length int64) int {
	data := d.data
	if length >= 0 && int64(start)+length <= int64(len(data)) {
		end := start + int(length)
		j := end
		for j < len(data) && isSpace(data[j]) {
			j++
		}
		if bytes.HasPrefix(data[j:], endstreamKw) {
			return end
		}
	}
	if d.endstreams == nil {
		d.endstreams = []int{}
		for i := 0; ; {
			k := bytes.Index(data[i:], endstreamKw)
			if k < 0 {
				break
			}
			d.endstreams = append(d.endstreams, i+k)
			i += k + len(endstreamKw)
		}
	}
	k, _ := slices.BinarySearch(d.endstreams, start)
	if k == len(d.endstreams) {
		return len(data)
	}
	end := d.endstreams[k]
	// Drop the end-of-line that precedes "endstream" (§7.3.8.1).
	if end > start && data[end-1] == '\n' {
		end--
	}
	if end > start && data[end-1] == '\r' {
		end--
	}
	return end
}

// Accessors that read a value of one kind, zero otherwise.

func asInt(o object) (int64, bool) {
	switch v := o.(type) {
	case int64:
		return v, true
	case float64:
		if v >= -1<<53 && v <= 1<<53 && v == float64(int64(v)) {
			return int64(v), true
		}
	}
	return 0, false
}

func asNum(o object) (float64, bool) {
	switch v := o.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

func asName(o object) name {
	n, _ := o.(name)
	return n
}
