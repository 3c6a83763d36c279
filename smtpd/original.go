package smtpd

import "io"

// Original is a message as the client sent it, complete: the bytes of
// DATA (or BDAT) after the line-end check, with CRLF line ends, ending in
// CRLF. It can be read from the start any number of times, and by several
// readers at once, so that each stage of a Filter reads the original
// itself: sender authentication and the vault before the sanitizer, and
// the sanitizer after them. Nothing is copied to hand it out: it is
// smtpd's spool (memory, or an unlinked temporary file for a large
// message), valid until the Filter returns.
type Original struct {
	s *spool
}

// NewOriginal returns an Original holding msg (for tests and tools that
// call a Filter themselves); msg must not be changed afterwards.
func NewOriginal(msg []byte) *Original {
	s := &spool{n: int64(len(msg))}
	if len(msg) > 0 {
		s.mem, s.starts = [][]byte{msg}, []int64{0}
	}
	return &Original{s: s}
}

// Size is the message's length in bytes.
func (o *Original) Size() int64 { return o.s.Size() }

// Reader reads the message from its first byte; each call returns a
// reader of its own.
func (o *Original) Reader() io.Reader { return o.s.Reader() }

// ReadAt implements io.ReaderAt.
func (o *Original) ReadAt(p []byte, off int64) (int, error) { return o.s.ReadAt(p, off) }
