// Package archivetest writes zip, tar and gzip files for tests only: the
// archive package's own tests, the office and flatten tests and the fuzz
// targets build their archives with it.
//
// Zip, Tar and Gzip write with the standard library's writers; RawZip
// writes a zip file byte by byte, for the structures no writer makes. It
// imports nothing of archive, so a test archive does not depend on the
// reader under test.
package archivetest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"hash/crc32"
	"io"
	"testing"
)

// File is one member of a zip file. A name ending in "/" is a directory.
type File struct {
	Name string
	Body []byte
	// Raw, when set, writes the member with zip.Writer.CreateRaw: the
	// header (Name included) says whatever the test wants, and Body is
	// written as the member's data as it is, compressed or not.
	Raw *zip.FileHeader
}

// Zip writes files with archive/zip, in order, deflated, names flagged
// UTF-8 when they need it (archive/zip's default). A member named
// "mimetype" is stored, as ODF requires of it (ODF 1.2 Part 3 §3.3).
func Zip(tb testing.TB, files ...File) []byte {
	tb.Helper()
	return write(tb, files, func(f File) uint16 {
		if f.Name == "mimetype" {
			return zip.Store
		}
		return zip.Deflate
	})
}

// StoredZip writes files with archive/zip, every member uncompressed.
func StoredZip(tb testing.TB, files ...File) []byte {
	tb.Helper()
	return write(tb, files, func(File) uint16 { return zip.Store })
}

func write(tb testing.TB, files []File, method func(File) uint16) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		var w io.Writer
		var err error
		if f.Raw != nil {
			w, err = zw.CreateRaw(f.Raw)
		} else {
			w, err = zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: method(f)})
		}
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write(f.Body); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// TarEntry is one member of a tar file.
type TarEntry struct {
	Header tar.Header
	Body   []byte
}

// Reg is a regular file of a tar file.
func Reg(name, body string) TarEntry {
	return TarEntry{Header: tar.Header{Name: name, Typeflag: tar.TypeReg}, Body: []byte(body)}
}

// Tar writes the entries with archive/tar: a regular file's Size is set
// from its body, a Mode left zero becomes 0644, and only regular files
// get their body.
func Tar(tb testing.TB, entries ...TarEntry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.Header
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.Body))
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(&h); err != nil {
			tb.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(e.Body); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// Gzip compresses body as one gzip member (RFC 1952) with the given FNAME.
func Gzip(tb testing.TB, name string, body []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	if err != nil {
		tb.Fatal(err)
	}
	zw.Name = name
	if _, err := zw.Write(body); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// Deflate compresses b as raw DEFLATE data (RFC 1951) at the default
// level, as a zip member's data.
func Deflate(b []byte) []byte {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.DefaultCompression)
	fw.Write(b)
	fw.Close()
	return buf.Bytes()
}

// RawZip builds a zip file byte by byte (APPNOTE 4.3.7 local headers,
// 4.3.12 central directory, 4.3.16 end record), for the structures
// archive/zip's writer refuses to make: lying sizes, encryption flags,
// legacy names, central directory records that point wherever a test
// wants. Body holds the local headers and data written so far, CD the
// central directory records Bytes will write; a test may change either.
type RawZip struct {
	Body bytes.Buffer
	CD   []Record
}

// Record is a central directory record; Add and Local write its fields
// into a local header too.
type Record struct {
	Name          []byte
	Flags         uint16
	Method        uint16
	ModTime       uint16 // DOS time (APPNOTE 4.4.6)
	CRC           uint32
	CSize, USize  uint32
	Extra         []byte
	Offset        uint32
	Creator       uint16 // "version made by" high byte: 3 = Unix
	ExternalAttrs uint32
}

// Stored is a Record for uncompressed data with the right CRC and sizes.
func Stored(name string, data []byte) Record {
	return Record{Name: []byte(name), CRC: crc32.ChecksumIEEE(data), CSize: uint32(len(data)), USize: uint32(len(data))}
}

// Add writes a local header and data, and returns its central directory
// record (also appended to z.CD) for the test to adjust. A zero CSize
// becomes len(data).
func (z *RawZip) Add(r Record, data []byte) *Record {
	r.Offset = uint32(z.Body.Len())
	if r.CSize == 0 && len(data) > 0 {
		r.CSize = uint32(len(data))
	}
	z.Local(r, data)
	z.CD = append(z.CD, r)
	return &z.CD[len(z.CD)-1]
}

// Local writes a local header for r and data, without a central record.
func (z *RawZip) Local(r Record, data []byte) {
	le := binary.LittleEndian
	var h [30]byte
	le.PutUint32(h[0:], 0x04034b50)
	le.PutUint16(h[4:], 20)
	r.putShared(h[6:])
	z.Body.Write(h[:])
	z.Body.Write(r.Name)
	z.Body.Write(r.Extra)
	z.Body.Write(data)
}

// putShared writes the fields a local header and a central record share,
// laid out alike in both from the flags on: flags, method, time (date
// left zero), CRC, sizes, name and extra field lengths.
func (r Record) putShared(h []byte) {
	le := binary.LittleEndian
	le.PutUint16(h[0:], r.Flags)
	le.PutUint16(h[2:], r.Method)
	le.PutUint16(h[4:], r.ModTime)
	le.PutUint32(h[8:], r.CRC)
	le.PutUint32(h[12:], r.CSize)
	le.PutUint32(h[16:], r.USize)
	le.PutUint16(h[20:], uint16(len(r.Name)))
	le.PutUint16(h[22:], uint16(len(r.Extra)))
}

// Bytes returns the zip file: Body, the central directory of CD and the
// end record.
func (z *RawZip) Bytes() []byte {
	le := binary.LittleEndian
	out := bytes.Clone(z.Body.Bytes())
	cdStart := len(out)
	for _, r := range z.CD {
		var h [46]byte
		le.PutUint32(h[0:], 0x02014b50)
		le.PutUint16(h[4:], r.Creator<<8|20)
		le.PutUint16(h[6:], 20)
		r.putShared(h[8:])
		le.PutUint32(h[38:], r.ExternalAttrs)
		le.PutUint32(h[42:], r.Offset)
		out = append(out, h[:]...)
		out = append(out, r.Name...)
		out = append(out, r.Extra...)
	}
	var e [22]byte
	le.PutUint32(e[0:], 0x06054b50)
	le.PutUint16(e[8:], uint16(len(z.CD)))
	le.PutUint16(e[10:], uint16(len(z.CD)))
	le.PutUint32(e[12:], uint32(len(out)-cdStart))
	le.PutUint32(e[16:], uint32(cdStart))
	return append(out, e[:]...)
}
