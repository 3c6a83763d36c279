package office

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// pkg is a zip container (an OPC package, ECMA-376 Part 2, or an ODF
// package, ODF 1.2 Part 3 §3) opened with the limits of one Extract.
type pkg struct {
	files map[string]*zip.File // by partKey
	list  []*zip.File          // in directory order
	lim   Limits
	read  int64 // uncompressed bytes read so far, over all entries
}

// partKey is the name under which an entry is looked up and checked for
// duplicates: OPC part names compare as case-insensitive ASCII (ECMA-376
// Part 2 §9.1.1.1.2) and carry no leading "/" in the zip (Part 2 Annex
// B.1). ODF names are case-sensitive, but refusing two ODF entries that
// differ only in case costs nothing real.
func partKey(name string) string {
	name = strings.TrimLeft(strings.ReplaceAll(name, `\`, "/"), "/")
	return asciiLower(name)
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// openPackage reads the zip central directory. It refuses more entries than
// Limits.Entries and duplicate names: archive/zip would keep both, and which
// one a reader uses differs between programs, the classic way to show a
// scanner one document and Office another.
func openPackage(data []byte, lim Limits) (*pkg, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, corrupt("zip: %v", err)
	}
	if len(zr.File) > lim.Entries {
		return nil, &LimitError{Limit: "Entries", Max: int64(lim.Entries)}
	}
	p := &pkg{files: make(map[string]*zip.File, len(zr.File)), list: zr.File, lim: lim}
	for _, f := range zr.File {
		k := partKey(f.Name)
		if _, dup := p.files[k]; dup {
			return nil, corrupt("duplicate zip entry %q", f.Name)
		}
		p.files[k] = f
	}
	return p, nil
}

// file returns the entry of a part name ("word/document.xml" or
// "/word/document.xml"), nil when absent.
//
// A part name is a URI path (ECMA-376 Part 2 §9.1.1.1), so a relationship
// target may percent-encode what the zip entry name spells out (or the
// other way round); both spellings are tried.
func (p *pkg) file(name string) *zip.File {
	if f := p.files[partKey(name)]; f != nil && !strings.HasSuffix(f.Name, "/") {
		return f
	}
	if strings.Contains(name, "%") {
		if u, err := url.PathUnescape(name); err == nil && u != name {
			return p.file(u)
		}
	}
	return nil
}

// open returns a reader of an entry's uncompressed bytes that enforces
// EntryBytes, TotalBytes and Ratio while reading. The declared sizes are
// checked first so an honest bomb fails before any inflating; the counts
// then catch a dishonest one (archive/zip itself refuses to read past the
// declared size, and reports a short read as an error).
func (p *pkg) open(f *zip.File) (*entryReader, error) {
	if f.Flags&0x1 != 0 {
		// Traditional PKWARE encryption (APPNOTE.TXT §4.4.4 bit 0).
		return nil, ErrEncrypted
	}
	if f.UncompressedSize64 > uint64(p.lim.EntryBytes) {
		return nil, &LimitError{Limit: "EntryBytes", Max: p.lim.EntryBytes, Entry: f.Name}
	}
	if f.UncompressedSize64 > ratioFloor && f.UncompressedSize64/uint64(p.lim.Ratio) > f.CompressedSize64 {
		return nil, &LimitError{Limit: "Ratio", Max: int64(p.lim.Ratio), Entry: f.Name}
	}
	rc, err := f.Open()
	if err != nil {
		return nil, corrupt("%s: %v", f.Name, err)
	}
	ratioMax := int64(ratioFloor)
	if c := int64(f.CompressedSize64); c > 0 && c < (1<<62)/int64(p.lim.Ratio) && c*int64(p.lim.Ratio) > ratioMax {
		ratioMax = c * int64(p.lim.Ratio)
	}
	return &entryReader{rc: rc, p: p, f: f, ratioMax: ratioMax}, nil
}

// entryReader counts what it reads and stops at the first limit.
type entryReader struct {
	rc       io.ReadCloser
	p        *pkg
	f        *zip.File
	n        int64
	ratioMax int64
	err      error // the limit or zip error that stopped reading, if any
}

func (r *entryReader) Read(b []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.rc.Read(b)
	r.n += int64(n)
	r.p.read += int64(n)
	switch {
	case r.n > r.p.lim.EntryBytes:
		r.err = &LimitError{Limit: "EntryBytes", Max: r.p.lim.EntryBytes, Entry: r.f.Name}
	case r.p.read > r.p.lim.TotalBytes:
		r.err = &LimitError{Limit: "TotalBytes", Max: r.p.lim.TotalBytes, Entry: r.f.Name}
	case r.n > r.ratioMax:
		r.err = &LimitError{Limit: "Ratio", Max: int64(r.p.lim.Ratio), Entry: r.f.Name}
	case err != nil && err != io.EOF:
		if errors.Is(err, zip.ErrFormat) || errors.Is(err, io.ErrUnexpectedEOF) {
			r.err = corrupt("%s: uncompressed size differs from the declared %d bytes", r.f.Name, r.f.UncompressedSize64)
		} else {
			r.err = corrupt("%s: %v", r.f.Name, err)
		}
	}
	if r.err != nil {
		return 0, r.err
	}
	return n, err
}

func (r *entryReader) Close() error { return r.rc.Close() }

// readAll reads a whole small entry (the ODF mimetype) within the limits.
func (p *pkg) readAll(f *zip.File) ([]byte, error) {
	r, err := p.open(f)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	return b, nil
}
