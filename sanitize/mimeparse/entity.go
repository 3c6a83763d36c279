package mimeparse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits bound one message. Every field must be positive.
type Limits struct {
	MessageBytes int64 // raw input
	Depth        int   // nesting of multipart and message/rfc822; the top level is 0
	Parts        int   // entities in all, the top level included
	HeaderBytes  int   // one header section
	LineBytes    int   // one input line
	PartBytes    int64 // decoded body of one entity
	TotalBytes   int64 // decoded bodies of all entities
}

// maxWarnings caps Reader.Warnings so a hostile message cannot grow it.
const maxWarnings = 50

// Reader walks one message. Entities must be read in document order: a
// call to NextPart skips whatever is left of the previous part.
type Reader struct {
	lim      Limits
	src      *pushback
	parts    int
	decoded  int64
	warnings []string
	// near lists the multipart paths where a line began with the
	// boundary but was not a delimiter (see partLines.next).
	near []string
	// lastMatch is the part reader that recognised the latest delimiter
	// line: the outermost one, since lines reach the outer levels first.
	lastMatch *partLines
}

// NewReader returns a Reader over a raw message.
func NewReader(r io.Reader, lim Limits) *Reader {
	lr := &limitReader{r: r, max: lim.MessageBytes}
	lines := newBufLines(&newlineReader{r: lr}, lim.LineBytes)
	return &Reader{lim: lim, src: &pushback{src: lines}}
}

// Warnings returns notes on what was repaired while reading, at most 50.
func (r *Reader) Warnings() []string {
	return r.warnings
}

// NearDelimiters lists the multiparts (by Path, each once, at most 50) in
// which a line began with the boundary but was not a delimiter line: it
// was read as content of the part it is in, the only reading RFC 2046
// §5.1.1 gives. A parser that matches delimiters by prefix would have
// split the part there, so a caller that passes the message on should
// say that it took the RFC's reading.
func (r *Reader) NearDelimiters() []string {
	return r.near
}

func (r *Reader) nearDelimiter(path string) {
	if len(r.near) < maxWarnings && (len(r.near) == 0 || r.near[len(r.near)-1] != path) && !slices.Contains(r.near, path) {
		r.near = append(r.near, path)
	}
}

func (r *Reader) warn(path, msg string) {
	if len(r.warnings) >= maxWarnings {
		return
	}
	if path != "" {
		msg = "part " + path + ": " + msg
	}
	r.warnings = append(r.warnings, msg)
}

// Root reads the top-level header section. On an *AmbiguityError the
// returned entity still holds the header, so a caller can build a
// notice-only message from it.
func (r *Reader) Root() (*Entity, error) {
	e := &Entity{r: r, body: r.src}
	if err := e.readHeader(true, false); err != nil {
		return e, err
	}
	return e, nil
}

// Entity is one MIME entity: a header and a body that is a leaf, a
// multipart, or an encapsulated message.
type Entity struct {
	// Path is the entity's position, as an IMAP section number (RFC 3501
	// §6.4.5): "" for the top level, "1", "1.2", ...
	Path string
	// Depth is the nesting level; the top level is 0.
	Depth int
	// Header is the entity's header section.
	Header Header
	// ContentType is the parsed Content-Type with the RFC 2045 §5.2
	// default (text/plain; or message/rfc822 inside multipart/digest,
	// RFC 2046 §5.1.5) filled in.
	ContentType MediaValue
	// Disposition is the parsed Content-Disposition (Value "" if none).
	Disposition MediaValue
	// Encoding is the lower-case Content-Transfer-Encoding ("" if none).
	Encoding string
	// Filename is the decoded file name from Content-Disposition's
	// filename or Content-Type's name, not yet cleaned for display.
	Filename string

	r        *Reader
	parent   *Entity
	body     *pushback // the lines after the header
	children int
	cur      *partLines // the part (or preamble) being read
	finished bool
	// extended lists "--" + the boundaries of nested multiparts that
	// begin with this one's (see checkBoundary).
	extended [][]byte
	// shadowed is set when this multipart's boundary is a proper prefix
	// of an enclosing one's (see checkBoundary).
	shadowed bool
}

// IsMultipart reports whether the entity is a multipart/*.
func (e *Entity) IsMultipart() bool {
	return strings.HasPrefix(e.ContentType.Value, "multipart/")
}

// IsMessage reports whether the entity encapsulates a message
// (message/rfc822 or its RFC 6532 sibling message/global).
func (e *Entity) IsMessage() bool {
	return e.ContentType.Value == "message/rfc822" || e.ContentType.Value == "message/global"
}

// KnownEncoding reports whether the body's transfer encoding can be
// decoded. When it cannot, Body returns the raw bytes, which must be
// treated as opaque.
func (e *Entity) KnownEncoding() bool {
	return knownEncoding(e.Encoding)
}

// Boundary returns the multipart boundary.
func (e *Entity) Boundary() string {
	return e.ContentType.Params["boundary"]
}

func (e *Entity) ambiguity(format string, args ...any) error {
	return &AmbiguityError{Path: e.Path, Reason: fmt.Sprintf(format, args...)}
}

// readHeader reads and interprets the header section.
func (e *Entity) readHeader(top, inDigest bool) error {
	hr := headerReader{src: e.body, maxBytes: e.r.lim.HeaderBytes, top: top,
		warn: func(m string) { e.r.warn(e.Path, m) }}
	h, err := hr.read()
	e.Header = h
	if errors.Is(err, errHeaderTooBig) {
		return &LimitError{Bound: BoundHeader, What: "header section size", Limit: int64(e.r.lim.HeaderBytes), Path: e.Path}
	}
	if err != nil {
		return e.wrap(err)
	}
	return e.interpret(inDigest)
}

// single returns the one value of a field that must appear at most once.
// Identical repeats are tolerated; different ones are ambiguous, since
// parsers disagree on which wins (amavis took the first, mail clients the
// last: CVE-2024-28054's class).
func (e *Entity) single(name string) ([]byte, error) {
	vs := e.Header.Values(name)
	for _, v := range vs[min(1, len(vs)):] {
		if !bytes.Equal(bytes.TrimSpace(v), bytes.TrimSpace(vs[0])) {
			return nil, e.ambiguity("more than one %s field with different values", name)
		}
	}
	if len(vs) == 0 {
		return nil, nil
	}
	return vs[0], nil
}

// interpret parses the MIME fields of the header.
func (e *Entity) interpret(inDigest bool) error {
	ct, err := e.single("Content-Type")
	if err != nil {
		return err
	}
	cte, err := e.single("Content-Transfer-Encoding")
	if err != nil {
		return err
	}
	cd, err := e.single("Content-Disposition")
	if err != nil {
		return err
	}
	if ct != nil {
		e.ContentType = ParseMediaValue(ct)
		if len(e.ContentType.Problems) > 0 {
			return e.ambiguity("Content-Type: %s", e.ContentType.Problems[0])
		}
		if !validMediaType(e.ContentType.Value) {
			// RFC 2045 §5.2 recommends text/plain for an invalid field.
			e.r.warn(e.Path, fmt.Sprintf("invalid Content-Type %q read as text/plain", truncate(e.ContentType.Value, 60)))
			e.ContentType.Value = "text/plain"
		}
	} else {
		e.ContentType = MediaValue{Value: "text/plain", Params: map[string]string{}}
		if inDigest {
			e.ContentType.Value = "message/rfc822"
		}
	}
	e.Encoding = normalizeEncoding(string(cte))
	if cd != nil {
		e.Disposition = ParseMediaValue(cd)
		if len(e.Disposition.Problems) > 0 {
			return e.ambiguity("Content-Disposition: %s", e.Disposition.Problems[0])
		}
	} else {
		e.Disposition.Params = map[string]string{}
	}
	name := strings.TrimSpace(e.ContentType.Params["name"])
	filename := strings.TrimSpace(e.Disposition.Params["filename"])
	if name != "" && filename != "" && name != filename {
		return e.ambiguity("file name %q (Content-Disposition) differs from name %q (Content-Type)",
			truncate(filename, 60), truncate(name, 60))
	}
	e.Filename = filename
	if e.Filename == "" {
		e.Filename = name
	}
	if e.IsMultipart() {
		if e.Encoding != "" && e.Encoding != Enc7Bit && e.Encoding != Enc8Bit && e.Encoding != EncBinary {
			// RFC 2045 §6.4 forbids it; parsers ignore it, and so do we.
			e.r.warn(e.Path, "transfer encoding "+e.Encoding+" on a multipart ignored")
			e.Encoding = ""
		}
		return e.checkBoundary()
	}
	return nil
}

// checkBoundary rejects a boundary that cannot delimit parts
// unambiguously: missing, too long, or equal to an enclosing boundary
// (nested reuse: which level a delimiter line belongs to is a guess).
//
// RFC 2046 §5.1.1 says a boundary must not be a prefix of another in play,
// because a line matches a delimiter when the boundary "appear[s] in its
// entirety following the CRLF" — parsers that follow that note and parsers
// that match exactly then split the body differently. Real mail does it
// anyway, both ways, and is read here without guessing:
//
//   - A nested boundary that extends an enclosing one (Outlook's
//     "..._alt", Eudora's "....REL"): the enclosing level is told that the
//     nested delimiter lines are content, not confusable lines.
//   - A nested boundary that is a prefix of an enclosing one (docomo's
//     decomail nests "X" in "X_0_"): every enclosing delimiter line also
//     matches the nested boundary under the prefix rule. That changes the
//     structure only if such a line ends the nested multipart before its
//     own closing delimiter and the enclosing body goes on; when it is the
//     enclosing closing delimiter, nothing follows and all parsers agree.
//     NextPart checks which (see shadowed).
func (e *Entity) checkBoundary() error {
	b, ok := e.ContentType.Params["boundary"]
	switch {
	case !ok || b == "":
		return e.ambiguity("multipart without a boundary parameter")
	case len(b) > maxBoundary:
		return e.ambiguity("boundary longer than %d characters", maxBoundary)
	}
	for p := e.parent; p != nil; p = p.parent {
		if !p.IsMultipart() {
			continue
		}
		pb := p.Boundary()
		switch {
		case pb == b:
			return e.ambiguity("boundary %q is the same as an enclosing boundary", truncate(b, 60))
		case strings.HasPrefix(pb, b):
			e.shadowed = true
			e.r.warn(e.Path, "boundary is a prefix of an enclosing boundary")
		case strings.HasPrefix(b, pb):
			p.extended = append(p.extended, []byte("--"+b))
			e.r.warn(e.Path, "boundary extends an enclosing boundary")
		}
	}
	return nil
}

// endedByShadow reports whether a shadowed multipart was cut short by a
// delimiter line of an enclosing multipart whose boundary its own is a
// prefix of, with the enclosing body going on: a parser that applies the
// prefix rule would have read that line, and what follows, as parts of
// this multipart.
func (e *Entity) endedByShadow() bool {
	m := e.r.lastMatch
	if !e.shadowed || m == nil || m.end != delimiter {
		return false
	}
	return strings.HasPrefix(m.owner.Boundary(), e.Boundary())
}

// wrap adds the entity's path to errors raised by the line layer, which
// does not know it.
func (e *Entity) wrap(err error) error {
	var le *LimitError
	if errors.As(err, &le) && le.Path == "" {
		cp := *le
		cp.Path = e.Path
		return &cp
	}
	var ae *AmbiguityError
	if errors.As(err, &ae) && ae.Path == "" {
		cp := *ae
		cp.Path = e.Path
		return &cp
	}
	return err
}

// newChild checks the part and depth limits for a new entity below e.
func (e *Entity) newChild(path string, body *pushback) (*Entity, error) {
	e.r.parts++
	if e.r.parts > e.r.lim.Parts {
		return nil, &LimitError{Bound: BoundParts, What: "number of MIME parts", Limit: int64(e.r.lim.Parts), Path: path}
	}
	if e.Depth+1 > e.r.lim.Depth {
		return nil, &LimitError{Bound: BoundDepth, What: "MIME nesting depth", Limit: int64(e.r.lim.Depth), Path: path}
	}
	return &Entity{r: e.r, parent: e, Depth: e.Depth + 1, Path: path, body: body}, nil
}

func childPath(parent string, n int) string {
	if parent == "" {
		return strconv.Itoa(n)
	}
	return parent + "." + strconv.Itoa(n)
}

// NextPart returns the next part of a multipart entity, or io.EOF after
// the last one. The preamble and epilogue (RFC 2046 §5.1.1) are skipped:
// mail clients do not show them.
func (e *Entity) NextPart() (*Entity, error) {
	if !e.IsMultipart() {
		return nil, fmt.Errorf("mimeparse: NextPart on %s", e.ContentType.Value)
	}
	if e.finished {
		return nil, io.EOF
	}
	if e.cur == nil {
		// The preamble is read like a part that ends at the first delimiter.
		e.cur = &partLines{parent: e.body, dash: []byte("--" + e.Boundary()), atStart: true, owner: e}
	}
	for {
		_, err := e.cur.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, e.wrap(err)
		}
	}
	switch e.cur.end {
	case closeDelimiter:
		e.finished = true
		if e.children == 0 {
			e.r.warn(e.Path, "multipart with no parts")
		}
		return nil, io.EOF
	case endOfInput:
		e.finished = true
		if e.endedByShadow() {
			return nil, e.ambiguity("an enclosing delimiter line, which also matches this multipart's boundary %q as a prefix, ends it before its closing delimiter", truncate(e.Boundary(), 60))
		}
		if e.children == 0 && e.cur.sawText {
			// Everything is preamble: no client would show a part, and
			// some would show the body as text. Refuse to guess.
			return nil, e.ambiguity("multipart body without any boundary delimiter line")
		}
		if e.children == 0 {
			e.r.warn(e.Path, "empty multipart body")
			return nil, io.EOF
		}
		e.r.warn(e.Path, "multipart without a closing delimiter")
		return nil, io.EOF
	}
	e.children++
	pl := &partLines{parent: e.body, dash: e.cur.dash, atStart: true, owner: e}
	e.cur = pl
	child, err := e.newChild(childPath(e.Path, e.children), &pushback{src: pl})
	if err != nil {
		return nil, err
	}
	return child, child.readHeader(false, e.ContentType.Value == "multipart/digest")
}

// Message parses the body of a message/rfc822 entity as a message of its
// own. Its top-level entity has the same Path as e when it is a multipart
// (its parts are e.Path.1, e.Path.2, ...) and e.Path.1 otherwise, as IMAP
// numbers them.
func (e *Entity) Message() (*Entity, error) {
	if !e.IsMessage() {
		return nil, fmt.Errorf("mimeparse: Message on %s", e.ContentType.Value)
	}
	var body *pushback
	if e.Encoding == "" || e.Encoding == Enc7Bit || e.Encoding == Enc8Bit || e.Encoding == EncBinary {
		body = e.body
	} else {
		// RFC 2046 §5.2.1 forbids encoding message/rfc822, but mailers
		// do it; decode, then read lines from the decoded bytes.
		if !e.KnownEncoding() {
			return nil, e.ambiguity("message/rfc822 in unknown transfer encoding %q", e.Encoding)
		}
		body = &pushback{src: newBufLines(&newlineReader{r: e.Body()}, e.r.lim.LineBytes)}
	}
	child, err := e.newChild(e.Path, body)
	if err != nil {
		return nil, err
	}
	if err := child.readHeader(false, false); err != nil {
		return child, err
	}
	if !child.IsMultipart() {
		child.Path = childPath(e.Path, 1)
	}
	return child, nil
}

// Body returns the entity's body with the transfer encoding removed
// (raw, when KnownEncoding is false), counting decoded bytes against the
// part and total limits. It must be read before the next NextPart call.
func (e *Entity) Body() io.Reader {
	raw := &lineBytes{src: e.body}
	return &decodedLimit{r: newTransferDecoder(e.Encoding, raw), e: e}
}

// decodedLimit counts decoded bytes.
type decodedLimit struct {
	r io.Reader
	n int64
	e *Entity
}

func (d *decodedLimit) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	d.n += int64(n)
	d.e.r.decoded += int64(n)
	if err != nil && err != io.EOF {
		err = d.e.wrap(err)
	}
	switch {
	case d.n > d.e.r.lim.PartBytes:
		return n, &LimitError{Bound: BoundPart, What: "decoded part size", Limit: d.e.r.lim.PartBytes, Path: d.e.Path}
	case d.e.r.decoded > d.e.r.lim.TotalBytes:
		return n, &LimitError{Bound: BoundTotal, What: "total decoded size", Limit: d.e.r.lim.TotalBytes, Path: d.e.Path}
	}
	return n, err
}

// lineBytes turns line fragments back into bytes. The line end before the
// end of a part belongs to the delimiter that follows (RFC 2046 §5.1.1), so
// a line end is only written once another line follows.
type lineBytes struct {
	src       lineSource
	pendingNL bool
	rest      []byte
	err       error
}

func (l *lineBytes) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(l.rest) > 0 {
			c := copy(p[n:], l.rest)
			l.rest = l.rest[c:]
			n += c
			continue
		}
		if l.err != nil {
			break
		}
		f, err := l.src.next()
		if err != nil {
			l.err = err
			break
		}
		if l.pendingNL {
			p[n] = '\n'
			n++
		}
		l.pendingNL = f.eol
		l.rest = f.b
	}
	if n > 0 {
		return n, nil
	}
	return 0, l.err
}

// partLines yields the lines of one part of a multipart body, up to the
// next delimiter line of its boundary.
type partLines struct {
	parent  lineSource
	dash    []byte // "--" boundary
	owner   *Entity
	atStart bool // the next fragment starts a line
	sawText bool // a line other than white space went by
	done    bool
	end     delimiterKind // delimiter, closeDelimiter, or endOfInput
}

func (p *partLines) next() (frag, error) {
	if p.done {
		return frag{}, io.EOF
	}
	f, err := p.parent.next()
	if err == io.EOF {
		p.done, p.end = true, endOfInput
		return frag{}, io.EOF
	}
	if err != nil {
		return frag{}, err
	}
	if p.atStart && bytes.HasPrefix(f.b, p.dash) {
		switch k := classifyDelimiter(f.b[len(p.dash):], f.eol); {
		case k == delimiter || k == closeDelimiter:
			p.done, p.end = true, k
			p.owner.r.lastMatch = p
			return frag{}, io.EOF
		case !p.nestedDelimiter(f):
			// RFC 2046 §5.1.1: a delimiter line is "--" boundary, optional
			// white space, and the line end; anything else is content.
			// Only a parser that matches by prefix reads a delimiter here.
			// The relay rebuilds what it reads, so that careless reading
			// can never reach the recipient: this one is taken, and said.
			p.owner.r.nearDelimiter(p.owner.Path)
		}
	}
	if !p.sawText && len(bytes.TrimSpace(f.b)) > 0 {
		p.sawText = true
	}
	p.atStart = f.eol
	return f, nil
}

// nestedDelimiter reports whether f is a delimiter line of a nested
// multipart whose boundary extends this one's.
func (p *partLines) nestedDelimiter(f frag) bool {
	for _, d := range p.owner.extended {
		if bytes.HasPrefix(f.b, d) {
			if k := classifyDelimiter(f.b[len(d):], f.eol); k == delimiter || k == closeDelimiter {
				return true
			}
		}
	}
	return false
}

// validMediaType checks "type/subtype" made of RFC 2045 §5.1 token characters.
func validMediaType(v string) bool {
	i := strings.IndexByte(v, '/')
	if i <= 0 || i == len(v)-1 {
		return false
	}
	for j := 0; j < len(v); j++ {
		if j == i {
			continue
		}
		c := v[j]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}

// truncate shortens s to at most n bytes for an error message, without
// cutting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
