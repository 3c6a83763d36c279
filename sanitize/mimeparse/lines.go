package mimeparse

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// newlineReader converts CRLF and lone CR to LF. Mail arrives with CRLF on
// the wire (RFC 5321 §2.3.8), but stored messages use LF and old Macintosh
// mail lone CR; normalising first lets one boundary rule serve all three.
// The conversion is in place: it never lengthens the data.
type newlineReader struct {
	r      io.Reader
	lastCR bool
}

func (n *newlineReader) Read(p []byte) (int, error) {
	for {
		m, err := n.r.Read(p)
		out := n.convert(p[:m])
		if out > 0 || err != nil || m == 0 {
			return out, err
		}
	}
}

// convert rewrites b in place and returns the length of the result. It
// copies the runs between CRs, found with bytes.IndexByte, instead of
// looking at every byte: a line of mail is some 76 bytes.
func (n *newlineReader) convert(b []byte) int {
	i := 0
	if len(b) > 0 {
		if n.lastCR && b[0] == '\n' {
			i = 1 // the LF of a CRLF whose CR was the last byte of the previous read
		}
		n.lastCR = false
	}
	out := 0
	for i < len(b) {
		j := bytes.IndexByte(b[i:], '\r')
		if j < 0 {
			out += copy(b[out:], b[i:])
			break
		}
		out += copy(b[out:], b[i:i+j])
		b[out] = '\n'
		out++
		i += j + 1
		switch {
		case i == len(b):
			n.lastCR = true
		case b[i] == '\n':
			i++
		}
	}
	return out
}

// limitReader fails with a *LimitError once more than max bytes of the
// message were read.
type limitReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return 0, &LimitError{Bound: BoundMessage, What: "message size", Limit: l.max}
	}
	return n, err
}

// frag is one piece of a line, without its line terminator. A line longer
// than the read buffer comes as several fragments; only the last has eol
// set. Boundaries are only recognised in a fragment that starts a line, and
// the first fragment of a line always holds at least the buffer size, more
// than any accepted boundary.
type frag struct {
	b   []byte
	eol bool
}

// lineSource yields the lines of some body. The bytes of a fragment are
// valid only until the next call.
type lineSource interface {
	next() (frag, error)
}

// bufSize is the read buffer of a line source; see frag.
const bufSize = 64 << 10

// maxBoundary is the longest boundary accepted. RFC 2046 §5.1.1 allows 70
// characters; real mail has longer ones, and fragments must hold a whole
// delimiter.
const maxBoundary = 1000

// bufLines reads lines from an io.Reader whose line ends are LF.
type bufLines struct {
	br      *bufio.Reader
	cur     int // length of the current line so far
	maxLine int
}

func newBufLines(r io.Reader, maxLine int) *bufLines {
	return &bufLines{br: bufio.NewReaderSize(r, bufSize), maxLine: maxLine}
}

func (s *bufLines) next() (frag, error) {
	b, err := s.br.ReadSlice('\n')
	switch {
	case err == nil:
		b = b[:len(b)-1]
		if err := s.grow(len(b)); err != nil {
			return frag{}, err
		}
		s.cur = 0
		return frag{b: b, eol: true}, nil
	case errors.Is(err, bufio.ErrBufferFull):
		if err := s.grow(len(b)); err != nil {
			return frag{}, err
		}
		return frag{b: b}, nil
	case errors.Is(err, io.EOF):
		if len(b) == 0 {
			return frag{}, io.EOF
		}
		if err := s.grow(len(b)); err != nil {
			return frag{}, err
		}
		// A last line without a line end; the next call reports EOF.
		s.cur = 0
		return frag{b: b, eol: true}, nil
	default:
		return frag{}, err
	}
}

func (s *bufLines) grow(n int) error {
	s.cur += n
	if s.cur > s.maxLine {
		return &LimitError{Bound: BoundLine, What: "line length", Limit: int64(s.maxLine)}
	}
	return nil
}

// pushback wraps a lineSource so that one whole line can be given back: the
// header reader reads one line too far when a header section is not ended
// by a blank line.
type pushback struct {
	src   lineSource
	saved []frag
}

func (p *pushback) next() (frag, error) {
	if n := len(p.saved); n > 0 {
		f := p.saved[0]
		p.saved = p.saved[1:]
		return f, nil
	}
	return p.src.next()
}

// unread gives back the fragments of one line (copied: the originals
// belong to a buffer that the next read overwrites).
func (p *pushback) unread(fs []frag) {
	cp := make([]frag, 0, len(fs)+len(p.saved))
	for _, f := range fs {
		cp = append(cp, frag{b: bytes.Clone(f.b), eol: f.eol})
	}
	p.saved = append(cp, p.saved...)
}

// delimiterKind classifies a line that starts with "--" boundary.
type delimiterKind int

const (
	delimiter      delimiterKind = iota + 1 // "--boundary" LWSP*
	closeDelimiter                          // "--boundary--" LWSP*
	confusable                              // starts like a delimiter but is neither
	endOfInput                              // no delimiter: the enclosing body ended
)

// classifyDelimiter looks at what follows "--boundary" on a line. rest is
// the remainder of the fragment and whole reports whether that fragment
// ends the line. RFC 2046 §5.1.1 allows only linear white space after the
// boundary ("transport padding"), yet its note to implementors says a line
// matches when the boundary "appear[s] in its entirety following the CRLF",
// and parsers split on that: Go's mime/multipart ends a part at
// "--boundary" followed by '-', a space or a tab whatever comes next, but
// not at "--boundaryX". Any such line is confusable.
func classifyDelimiter(rest []byte, whole bool) delimiterKind {
	if !whole {
		return confusable
	}
	if len(bytes.TrimLeft(rest, " \t")) == 0 {
		return delimiter
	}
	if bytes.HasPrefix(rest, []byte("--")) && len(bytes.TrimLeft(rest[2:], " \t")) == 0 {
		return closeDelimiter
	}
	return confusable
}
