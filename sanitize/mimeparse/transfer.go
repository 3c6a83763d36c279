package mimeparse

import (
	"bufio"
	"bytes"
	"io"
	"strings"
)

// Transfer encodings (RFC 2045 §6.1).
const (
	Enc7Bit            = "7bit"
	Enc8Bit            = "8bit"
	EncBinary          = "binary"
	EncBase64          = "base64"
	EncQuotedPrintable = "quoted-printable"
	// EncUUEncode is the unregistered but common x-uuencode (also seen as
	// uuencode, x-uue): old mailers used it for attachments.
	EncUUEncode = "x-uuencode"
)

// normalizeEncoding returns the lower-case transfer encoding named by a
// Content-Transfer-Encoding value, tolerating junk after the token.
func normalizeEncoding(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if i := strings.IndexAny(v, ";("); i >= 0 {
		v = v[:i]
	}
	v = strings.Trim(strings.TrimSpace(v), `"`)
	// Misspellings seen in real mail that every client reads the same way.
	switch strings.Join(strings.Fields(v), "-") {
	case "7-bit", "7bits", "8-bit", "8bits", "plain", "none", "text":
		return Enc8Bit
	case "quoted-printable", "quoted_printable", "qp":
		return EncQuotedPrintable
	case "base-64":
		return EncBase64
	case "x-uuencode", "uuencode", "x-uue", "x-uu":
		return EncUUEncode
	}
	if i := strings.IndexAny(v, " \t"); i >= 0 {
		v = v[:i]
	}
	return v
}

// knownEncoding reports whether the transfer encoding can be decoded.
// Unknown ones (x-uuencode, x-gzip64, ...) leave the body undecodable:
// such a part is dropped, never shown raw.
func knownEncoding(enc string) bool {
	switch enc {
	case "", Enc7Bit, Enc8Bit, EncBinary, EncBase64, EncQuotedPrintable, EncUUEncode:
		return true
	}
	return false
}

// newTransferDecoder wraps r in the decoder for enc. Identity encodings
// (and unknown ones, which the caller must treat as opaque) return r.
func newTransferDecoder(enc string, r io.Reader) io.Reader {
	switch enc {
	case EncBase64:
		return &base64Reader{r: r}
	case EncQuotedPrintable:
		return &qpReader{br: bufio.NewReaderSize(r, 4096)}
	case EncUUEncode:
		return &uuReader{br: bufio.NewReaderSize(r, 4096)}
	}
	return r
}

// uuReader decodes a uuencoded body: lines before "begin" are skipped,
// each data line's first character gives its length (POSIX uuencode),
// decoding stops at "end". Malformed lines are skipped, not fatal: the
// result is only ever hashed or handed to a converter.
type uuReader struct {
	br      *bufio.Reader
	started bool
	done    bool
	out     []byte
}

func (u *uuReader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.done {
			return 0, io.EOF
		}
		line, err := u.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// No uuencoded line is this long: skip the rest of it.
			for err == bufio.ErrBufferFull {
				_, err = u.br.ReadSlice('\n')
			}
			line = nil
		}
		if err != nil && err != io.EOF {
			return 0, err
		}
		if err == io.EOF {
			u.done = true
		}
		line = trimLineEnd(line)
		switch {
		case !u.started:
			u.started = strings.HasPrefix(string(line), "begin ")
		case string(line) == "end":
			u.done = true
		default:
			u.out = AppendUULine(u.out[:0], line)
		}
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

func trimLineEnd(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

// AppendUULine appends to dst the bytes of one uuencoded data line (POSIX
// uuencode, the format of x-uuencode bodies and of uuencode pasted into
// text): a length character, then groups of four characters of six bits
// each (' ' and '`' both mean zero). Characters missing at the end of the
// line are zero too: they were trailing spaces, which mail transports
// strip (a line of 45 NUL bytes arrives as a bare "M"), so the line still
// yields the n bytes its length character promises — at most 63, which
// also bounds the loop. The line is decoded as given, without its line
// end; an empty line yields nothing.
func AppendUULine[S ~string | ~[]byte](dst []byte, line S) []byte {
	if len(line) == 0 {
		return dst
	}
	n := int(line[0]-' ') & 63
	for i := 1; n > 0; i += 4 {
		var v [4]byte
		for j := range v {
			if i+j < len(line) {
				v[j] = (line[i+j] - ' ') & 63
			}
		}
		for _, x := range [3]byte{v[0]<<2 | v[1]>>4, v[1]<<4 | v[2]>>2, v[2]<<6 | v[3]} {
			if n == 0 {
				break
			}
			dst = append(dst, x)
			n--
		}
	}
	return dst
}

// base64Reader decodes a base64 body with a Base64Decoder.
type base64Reader struct {
	r   io.Reader
	buf [8192]byte
	dec Base64Decoder
	err error
	out []byte
}

func (b *base64Reader) Read(p []byte) (int, error) {
	for len(b.out) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		n, err := b.r.Read(b.buf[:])
		b.err = err
		b.out = b.dec.Append(b.buf[:0], b.buf[:n])
	}
	n := copy(p, b.out)
	b.out = b.out[n:]
	return n, nil
}

// Base64Decoder decodes base64 (RFC 2045 §6.8, RFC 4648 §4) leniently, as
// mail clients do: characters outside the alphabet (line ends, spaces,
// junk) are skipped, the URL-safe '-' and '_' (RFC 4648 §5) are read as
// '+' and '/', and '=' padding ends one quantum, so that concatenated
// base64 runs decode too. Go's encoding/base64 would stop at the first
// such byte. The zero value is ready to use; it keeps the bits of an
// unfinished quantum from one call to the next, so input may come in
// pieces of any size.
type Base64Decoder struct {
	acc  uint32
	bits uint
}

// Append appends the bytes src decodes to to dst. The output is never
// longer than the input, so src may be decoded in place (dst = src[:0]).
func (d *Base64Decoder) Append(dst, src []byte) []byte { return appendBase64(d, dst, src) }

// AppendString is Append for a string.
func (d *Base64Decoder) AppendString(dst []byte, src string) []byte {
	return appendBase64(d, dst, src)
}

func appendBase64[S ~string | ~[]byte](d *Base64Decoder, out []byte, in S) []byte {
	for i := 0; i < len(in); i++ {
		// Fast path, same result: on a quantum boundary, four alphabet
		// characters in a row (nearly all of a well-formed body) are
		// three bytes. 0xfe and 0xff have the high bit set, so one OR
		// tells all four are values below 64.
		for d.bits == 0 && i+4 <= len(in) {
			v0, v1, v2, v3 := base64Value[in[i]], base64Value[in[i+1]], base64Value[in[i+2]], base64Value[in[i+3]]
			if v0|v1|v2|v3 >= 64 {
				break
			}
			x := uint32(v0)<<18 | uint32(v1)<<12 | uint32(v2)<<6 | uint32(v3)
			out = append(out, byte(x>>16), byte(x>>8), byte(x))
			i += 4
		}
		if i == len(in) {
			break
		}
		v := base64Value[in[i]]
		if v == 0xff {
			continue
		}
		if v == 0xfe { // '='
			d.acc, d.bits = 0, 0
			continue
		}
		d.acc = d.acc<<6 | uint32(v)
		d.bits += 6
		if d.bits >= 8 {
			d.bits -= 8
			out = append(out, byte(d.acc>>d.bits))
		}
	}
	return out
}

// base64Value maps a byte to its 6-bit value; 0xfe marks '=', 0xff others.
// URL-safe '-' and '_' are accepted too: some webmail writes them.
var base64Value = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	t['-'], t['_'] = 62, 63
	t['='] = 0xfe
	return t
}()

// qpReader decodes quoted-printable (RFC 2045 §6.7) leniently. Go's
// mime/quotedprintable fails on control characters and on '=' followed by
// junk before a line end; mail clients show such text, so an invalid
// escape is kept literally and nothing fails. Trailing white space before
// a line end is transport padding (rule 3) and dropped. Input line ends
// are LF (see newlineReader).
type qpReader struct {
	br  *bufio.Reader
	buf []byte // backing store of out
	out []byte // decoded bytes not yet returned
	err error
	ws  []byte // white space held back until we know it is not trailing
}

// Read decodes line after line into p while input is at hand: one line
// per call would cost the callers' loops (bytes.Buffer.ReadFrom, the
// limits) once per line of the message.
func (q *qpReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(q.out) == 0 {
			if q.err != nil || n > 0 && q.br.Buffered() == 0 {
				break // the error comes with the next call; or no waiting for more
			}
			q.fill()
			continue
		}
		c := copy(p[n:], q.out)
		q.out = q.out[c:]
		n += c
	}
	if n > 0 {
		return n, nil
	}
	return 0, q.err
}

// fill decodes up to one input line into q.out. The text between escapes
// is copied in runs found with bytes.IndexByte; blanks at the end of the
// line are padding and are cut when the line end comes (keep marks where
// they begin), or held in q.ws when the line goes on in the next read.
func (q *qpReader) fill() {
	line, err := q.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		err = nil // a long line: decode this piece, continue after
	}
	q.err = err
	// Blanks held from the previous piece of this line stay only if
	// something follows them.
	out := append(q.buf[:0], q.ws...)
	q.ws = q.ws[:0]
	keep := 0
	body, eol := line, false
	if len(line) > 0 && line[len(line)-1] == '\n' {
		body, eol = line[:len(line)-1], true
	}
	for i := 0; i < len(body); {
		j := bytes.IndexByte(body[i:], '=')
		if j < 0 {
			j = len(body)
		} else {
			j += i
		}
		if j > i {
			out = append(out, body[i:j]...)
			if k := lastNonBlank(body[i:j]); k >= 0 {
				keep = len(out) - (j - i) + k + 1
			}
			if i = j; i == len(body) {
				break
			}
		}
		rest := line[i+1:] // body[i] is '='
		switch {
		case len(rest) >= 2 && isHex(rest[0]) && isHex(rest[1]):
			out = append(out, unhex(rest[0])<<4|unhex(rest[1]))
			i += 3
		case isSoftBreak(rest):
			// "=" then optional white space then the line end: a soft line
			// break; skip through the LF.
			i, eol = len(body), false
		default:
			// Not an escape: keep the '=' as a mail client would. (An
			// escape cut by the end of the read buffer, possible only on
			// lines over 4 KiB, lands here too.)
			out = append(out, '=')
			i++
		}
		keep = len(out)
	}
	switch {
	case eol:
		out = append(out[:keep], '\n') // trailing white space is padding
	case q.err != nil:
		out = out[:keep] // white space at the very end of the data is padding too
	default:
		q.ws = append(q.ws, out[keep:]...)
		out = out[:keep]
	}
	q.buf, q.out = out, out
}

// lastNonBlank returns the index of the last byte of b that is not a
// space or TAB, or -1.
func lastNonBlank(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] != ' ' && b[i] != '\t' {
			return i
		}
	}
	return -1
}

func isSoftBreak(rest []byte) bool {
	for _, c := range rest {
		switch c {
		case ' ', '\t':
		case '\n':
			return true
		default:
			return false
		}
	}
	// "=" at the very end of the data.
	return true
}
