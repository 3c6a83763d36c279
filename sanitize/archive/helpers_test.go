package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/binary"
	"hash/crc32"
	"testing"
	"time"
)

// file is one member of a generated archive.
type file struct {
	name string
	body []byte
}

// zipOf writes files with archive/zip, deflated, names flagged UTF-8 when
// they need it (archive/zip's default).
func zipOf(t testing.TB, files ...file) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(f.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tarOf writes the headers with archive/tar; regular files get body.
func tarOf(t testing.TB, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.hdr
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(e.body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type tarEntry struct {
	hdr  tar.Header
	body []byte
}

func reg(name string, body string) tarEntry {
	return tarEntry{hdr: tar.Header{Name: name, Typeflag: tar.TypeReg}, body: []byte(body)}
}

// gzipOf compresses body as one gzip member with the given FNAME.
func gzipOf(t testing.TB, name string, body []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	zw.Name = name
	if _, err := zw.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func deflate(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.DefaultCompression)
	fw.Write(b)
	fw.Close()
	return buf.Bytes()
}

// rawZip builds zip files byte by byte, for the structures archive/zip's
// writer refuses to make: lying sizes, encryption flags, legacy names,
// central directory records that point wherever a test wants.
type rawZip struct {
	body bytes.Buffer // local headers and data
	cd   []rawRecord
}

type rawRecord struct {
	name          []byte
	flags         uint16
	method        uint16
	crc           uint32
	csize, usize  uint32
	extra         []byte
	offset        uint32
	creator       uint16 // "version made by" high byte: 3 = Unix
	externalAttrs uint32
}

// add writes a local header and data, and returns its central directory
// record (also appended to z.cd) for the test to adjust.
func (z *rawZip) add(r rawRecord, data []byte) *rawRecord {
	r.offset = uint32(z.body.Len())
	if r.csize == 0 && len(data) > 0 {
		r.csize = uint32(len(data))
	}
	z.local(r, data)
	z.cd = append(z.cd, r)
	return &z.cd[len(z.cd)-1]
}

func (z *rawZip) local(r rawRecord, data []byte) {
	le := binary.LittleEndian
	var h [30]byte
	le.PutUint32(h[0:], 0x04034b50)
	le.PutUint16(h[4:], 20)
	le.PutUint16(h[6:], r.flags)
	le.PutUint16(h[8:], r.method)
	le.PutUint32(h[14:], r.crc)
	le.PutUint32(h[18:], r.csize)
	le.PutUint32(h[22:], r.usize)
	le.PutUint16(h[26:], uint16(len(r.name)))
	le.PutUint16(h[28:], uint16(len(r.extra)))
	z.body.Write(h[:])
	z.body.Write(r.name)
	z.body.Write(r.extra)
	z.body.Write(data)
}

func (z *rawZip) bytes() []byte {
	le := binary.LittleEndian
	out := bytes.Clone(z.body.Bytes())
	cdStart := len(out)
	for _, r := range z.cd {
		var h [46]byte
		le.PutUint32(h[0:], 0x02014b50)
		le.PutUint16(h[4:], r.creator<<8|20)
		le.PutUint16(h[6:], 20)
		le.PutUint16(h[8:], r.flags)
		le.PutUint16(h[10:], r.method)
		le.PutUint32(h[16:], r.crc)
		le.PutUint32(h[20:], r.csize)
		le.PutUint32(h[24:], r.usize)
		le.PutUint16(h[28:], uint16(len(r.name)))
		le.PutUint16(h[30:], uint16(len(r.extra)))
		le.PutUint32(h[38:], r.externalAttrs)
		le.PutUint32(h[42:], r.offset)
		out = append(out, h[:]...)
		out = append(out, r.name...)
		out = append(out, r.extra...)
	}
	var e [22]byte
	le.PutUint32(e[0:], 0x06054b50)
	le.PutUint16(e[8:], uint16(len(z.cd)))
	le.PutUint16(e[10:], uint16(len(z.cd)))
	le.PutUint32(e[12:], uint32(len(out)-cdStart))
	le.PutUint32(e[16:], uint32(cdStart))
	return append(out, e[:]...)
}

// stored is a rawRecord for uncompressed data with the right CRC and sizes.
func stored(name string, data []byte) rawRecord {
	return rawRecord{name: []byte(name), crc: crc32.ChecksumIEEE(data), csize: uint32(len(data)), usize: uint32(len(data))}
}

// quick fails the test when a walk that must stop early took long: a
// bomb that was not stopped takes seconds or never ends.
func quick(t testing.TB, start time.Time, bound time.Duration) {
	t.Helper()
	if raceEnabled {
		bound *= 10
	}
	if d := time.Since(start); d > bound {
		t.Errorf("took %v, more than %v", d, bound)
	}
}

// got is what walk saw of one entry.
type got struct {
	Entry
	data []byte
}

func walk(t testing.TB, data []byte, kind Kind, lim Limits) ([]got, error) {
	t.Helper()
	var out []got
	err := Walk(context.Background(), data, kind, lim, func(e Entry, b []byte) error {
		out = append(out, got{e, b})
		return nil
	})
	return out, err
}

func paths(gs []got) []string {
	var p []string
	for _, g := range gs {
		p = append(p, g.Path)
	}
	return p
}
