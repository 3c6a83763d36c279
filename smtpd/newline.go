package smtpd

import (
	"errors"
	"io"
)

// errBareLF and errBareCR report a line end other than CRLF in DATA.
var (
	errBareLF = errors.New("bare LF in message")
	errBareCR = errors.New("bare CR in message")
)

// newlineWriter passes a message through, enforcing CRLF line ends
// (RFC 5321 §2.3.8: "CR and LF MUST only occur together as CRLF").
//
// In reject mode it refuses the first bare CR or LF; in normalize mode it
// writes CRLF for each of them. The bytes it sees come from go-smtp's
// DATA reader, which has already removed dot-stuffing and stops only at
// CRLF.CRLF; so <LF>.<LF>, <CR>.<CR> and the like (the SMTP smuggling
// end-of-data variants) arrive here as data with a bare line end.
//
// One case never reaches us: go-smtp's reader drops a CR that follows a
// dot at the start of a line when no LF comes next ("<CR><LF>.<CR>x"
// arrives as "<CR><LF>x"). The rest of the line still ends in CRLF, so the
// Filter sees a well-formed message and nothing ends early.
type newlineWriter struct {
	w         io.Writer
	normalize bool
	cr        bool  // the last byte seen was a CR not yet followed by LF
	err       error // sticky: once refused, always refused
	buf       []byte
}

func newNewlineWriter(w io.Writer, mode BareNewlines) *newlineWriter {
	return &newlineWriter{w: w, normalize: mode == BareNormalize}
}

func (n *newlineWriter) Write(p []byte) (int, error) {
	if n.err != nil {
		return 0, n.err
	}
	if !n.normalize {
		if err := n.check(p); err != nil {
			n.err = err
			return 0, err
		}
		if _, err := n.w.Write(p); err != nil {
			n.err = err
			return 0, err
		}
		return len(p), nil
	}
	n.buf = n.buf[:0]
	for _, c := range p {
		switch {
		case n.cr && c == '\n':
			n.buf = append(n.buf, '\r', '\n')
			n.cr = false
		case n.cr:
			n.buf = append(n.buf, '\r', '\n') // the pending CR was bare
			n.cr = c == '\r'
			if !n.cr {
				n.buf = n.appendByte(n.buf, c)
			}
		case c == '\r':
			n.cr = true // held back until we know what follows
		default:
			n.buf = n.appendByte(n.buf, c)
		}
	}
	if _, err := n.w.Write(n.buf); err != nil {
		n.err = err
		return 0, err
	}
	return len(p), nil
}

// appendByte appends c, turning a bare LF into CRLF (normalize mode).
func (n *newlineWriter) appendByte(b []byte, c byte) []byte {
	if c == '\n' {
		return append(b, '\r', '\n')
	}
	return append(b, c)
}

// check validates p in reject mode, carrying a trailing CR to the next
// call.
func (n *newlineWriter) check(p []byte) error {
	for _, c := range p {
		switch {
		case n.cr && c != '\n':
			return errBareCR
		case !n.cr && c == '\n':
			return errBareLF
		}
		n.cr = c == '\r'
	}
	return nil
}

// Close resolves a CR at the very end of the message (possible with BDAT,
// whose data has no end marker).
func (n *newlineWriter) Close() error {
	if n.err != nil || !n.cr {
		return n.err
	}
	n.cr = false
	if !n.normalize {
		n.err = errBareCR
		return n.err
	}
	_, err := n.w.Write([]byte{'\r', '\n'}) // the bare CR was held back
	if err != nil {
		n.err = err
	}
	return err
}
