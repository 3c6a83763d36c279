package mimeparse

import (
	"bytes"
	"errors"
	"io"
	"strings"
)

// Field is one header field as it appeared, unfolded.
type Field struct {
	// Name as written (compare with strings.EqualFold).
	Name string
	// Value is the raw value after the colon, unfolded (RFC 5322 §2.2.3:
	// the line breaks of folding removed, the white space kept) and with
	// surrounding white space trimmed. It may hold 8-bit bytes and
	// undecoded RFC 2047 encoded words.
	Value []byte
}

// Header is the header section of one entity, fields in order.
type Header struct {
	Fields []Field
}

// Get returns the raw value of the first field called name, or nil.
func (h *Header) Get(name string) []byte {
	for _, f := range h.Fields {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return nil
}

// Has reports whether a field called name is present.
func (h *Header) Has(name string) bool {
	return h.Count(name) > 0
}

// Values returns the raw values of every field called name.
func (h *Header) Values(name string) [][]byte {
	var vs [][]byte
	for _, f := range h.Fields {
		if strings.EqualFold(f.Name, name) {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// Count returns how many fields are called name.
func (h *Header) Count(name string) int {
	n := 0
	for _, f := range h.Fields {
		if strings.EqualFold(f.Name, name) {
			n++
		}
	}
	return n
}

// headerReader reads one header section from a pushback line source.
type headerReader struct {
	src      *pushback
	maxBytes int
	top      bool // the message's top level: tolerate mbox and BOM leftovers
	warn     func(string)
}

// errHeaderTooBig is turned into a *LimitError by the caller, who knows the path.
var errHeaderTooBig = errors.New("header section too large")

// read returns the header fields. It stops at the blank line that ends the
// section, at the end of the input, or — for a line that is neither a field
// nor a continuation — before that line, which is given back to become the
// first line of the body. Postfix's cleanup(8) draws the line the same way;
// go-message instead fails the whole message.
func (hr *headerReader) read() (Header, error) {
	var h Header
	size := 0
	first := true
	for {
		line, frags, err := hr.readLine(&size)
		if err == io.EOF {
			return h, nil
		}
		if err != nil {
			return h, err
		}
		if first && hr.top {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
			// An mbox "From " separator left on a stored message.
			if bytes.HasPrefix(line, []byte("From ")) {
				first = false
				continue
			}
		}
		if len(bytes.TrimSpace(line)) == 0 {
			if len(line) > 0 && first {
				// A line of spaces before the first field (seen in the
				// wild) cannot end an empty header section.
				first = false
				continue
			}
			return h, nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(h.Fields) == 0 {
				hr.warn("header continuation line with no field before it ignored")
				first = false
				continue
			}
			// RFC 5322 §2.2.3 unfolding: drop the line break, keep the WSP.
			last := &h.Fields[len(h.Fields)-1]
			last.Value = append(last.Value, ' ')
			last.Value = append(last.Value, bytes.TrimSpace(line)...)
			continue
		}
		first = false
		name, value, ok := splitField(line)
		if !ok {
			hr.src.unread(frags)
			hr.warn("header section not ended by a blank line; the rest is read as body")
			return h, nil
		}
		h.Fields = append(h.Fields, Field{Name: name, Value: value})
	}
}

// readLine assembles one whole line from fragments, counting it against
// the header size limit. It returns the line (a copy) and the fragments
// (for unread).
func (hr *headerReader) readLine(size *int) ([]byte, []frag, error) {
	var line []byte
	var frags []frag
	for {
		f, err := hr.src.next()
		if err != nil {
			if err == io.EOF && len(frags) > 0 {
				return line, frags, nil
			}
			return nil, nil, err
		}
		*size += len(f.b) + 1
		if *size > hr.maxBytes {
			return nil, nil, errHeaderTooBig
		}
		line = append(line, f.b...)
		frags = append(frags, frag{b: f.b, eol: f.eol})
		if f.eol {
			return line, frags, nil
		}
		// f.b belongs to a buffer the next read overwrites; keep a copy.
		frags[len(frags)-1].b = bytes.Clone(f.b)
	}
}

// splitField splits "Name: value". RFC 5322 §3.6.8: a field name is
// printable US-ASCII except colon. White space before the colon is
// tolerated (common in old mail); anything else is not a field.
func splitField(line []byte) (string, []byte, bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return "", nil, false
	}
	name := bytes.TrimRight(line[:i], " \t")
	if len(name) == 0 {
		return "", nil, false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return "", nil, false
		}
	}
	return string(name), bytes.TrimSpace(bytes.Clone(line[i+1:])), true
}
