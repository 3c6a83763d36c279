package archive

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// gzipMagic starts every gzip member (RFC 1952 §2.3.1: ID1, ID2).
const gzipMagic = "\x1f\x8b"

// members reads a gzip file as one stream, member after member, the way
// gunzip does: RFC 1952 §2.2 makes a gzip file "a series of members", and
// concatenated .gz files are decompressed as one. Bytes after the last
// member that do not start another member (tape padding, or anything
// appended) end the stream and are ignored, as gunzip ignores "trailing
// garbage"; nothing of them is returned.
//
// It also bounds the decompressed stream: past max bytes, Read fails with
// err (a LimitError), so no header, padding or skipped data can make the
// work unbounded.
type members struct {
	src  *bytes.Reader
	zr   *gzip.Reader
	name string // FNAME of the first member, raw bytes
	n    int64
	max  int64
	err  *LimitError
	done bool
}

func newMembers(data []byte, b bound) (*members, error) {
	src := bytes.NewReader(data)
	// gzip.Reader reads through src directly (bytes.Reader is an
	// io.ByteReader, so no buffering): after a member's trailer, src is
	// positioned exactly at the next member.
	zr, err := gzip.NewReader(src)
	if err != nil {
		return nil, fmt.Errorf("archive: gzip: %w", err)
	}
	zr.Multistream(false)
	return &members{src: src, zr: zr, name: latin1Bytes(zr.Header.Name), max: b.max, err: b.err("")}, nil
}

func (m *members) Read(p []byte) (int, error) {
	for {
		if m.done {
			return 0, io.EOF
		}
		if m.n > m.max {
			return 0, m.err
		}
		// Never ask for more than one byte past the bound.
		if rest := m.max + 1 - m.n; int64(len(p)) > rest {
			p = p[:rest]
		}
		n, err := m.zr.Read(p)
		m.n += int64(n)
		if n > 0 || err == nil {
			if m.n > m.max {
				return 0, m.err
			}
			if err == io.EOF {
				err = m.next()
			}
			return n, err
		}
		if err != io.EOF {
			return 0, err
		}
		if err := m.next(); err != nil {
			return 0, err
		}
	}
}

// next moves to the following member, or ends the stream.
func (m *members) next() error {
	rest := m.src.Len()
	if rest < len(gzipMagic) {
		m.done = true
		return nil
	}
	var head [2]byte
	if _, err := m.src.ReadAt(head[:], m.src.Size()-int64(rest)); err != nil || string(head[:]) != gzipMagic {
		m.done = true
		return nil
	}
	if err := m.zr.Reset(m.src); err != nil {
		return fmt.Errorf("archive: gzip: member at offset %d: %w", m.src.Size()-int64(rest), err)
	}
	m.zr.Multistream(false)
	return nil
}

// latin1Bytes undoes compress/gzip's decoding of FNAME, which maps each byte
// to the rune of the same value (ISO 8859-1, RFC 1952 §2.3.1), so that
// decodeName can see the bytes the writer really used.
func latin1Bytes(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > 0xff {
			return s
		}
		b.WriteByte(byte(r))
	}
	return b.String()
}

// gzipName returns the cleaned entry path from FNAME. gzip records only the
// base name, but a path is cleaned like any other.
func gzipName(raw string) string {
	return cleanPath(decodeName(raw, gzipLegacy))
}

func walkGzip(ctx context.Context, data []byte, lim Limits, fn func(Entry, []byte) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b := entryBound(lim, 0, int64(len(data)))
	m, err := newMembers(data, b)
	if err != nil {
		return err
	}
	path := gzipName(m.name)
	m.err.Path = path
	out, err := readBounded(m, b, int64(len(data))*4, path)
	var le *LimitError
	switch {
	case errors.As(err, &le):
		return le
	case err != nil:
		return fmt.Errorf("archive: gzip: %w", err)
	}
	return fn(Entry{Path: path, Size: int64(len(out))}, out)
}

func walkTgz(ctx context.Context, data []byte, lim Limits, fn func(Entry, []byte) error) error {
	// The whole decompressed tar stream (headers, padding and the data of
	// skipped entries included) counts against TotalBytes and the ratio:
	// an entry's own compressed size is unknown inside one deflate stream,
	// and a stream of pax headers or skipped entries must cost no more than
	// one of file data.
	b := bound{max: lim.TotalBytes, what: limitTotal, limit: lim.TotalBytes}
	if r := ratioBound(int64(len(data)), lim.Ratio); r < b.max {
		b = bound{max: r, what: limitRatio, limit: int64(lim.Ratio)}
	}
	m, err := newMembers(data, b)
	if err != nil {
		return err
	}
	return walkTarReader(ctx, m, int64(len(data))*8, true, lim, fn)
}
