package fuzz

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mugai/mugai/sanitize/archive"
	"github.com/mugai/mugai/sanitize/flatten"
)

// zfile is one member for zipOf: a name ending in "/" is a directory.
type zfile struct {
	name string
	body []byte
}

// zipOf writes a deflated zip archive with archive/zip.
func zipOf(tb testing.TB, files ...zfile) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate})
		if err != nil {
			tb.Fatal(err)
		}
		w.Write(f.body)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// storedZipOf writes the members uncompressed: a fuzz input built on it
// spends its time in the reader of the members, not in inflating them.
func storedZipOf(tb testing.TB, files ...zfile) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Store})
		if err != nil {
			tb.Fatal(err)
		}
		w.Write(f.body)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// rawEntry is a stored zip member written byte by byte, so that a seed
// can say what no zip library writes: raw name bytes, the encryption
// flag, a method it does not support.
type rawEntry struct {
	name   string // raw bytes, any encoding
	data   []byte
	flags  uint16
	method uint16
}

// rawZip writes the entries (APPNOTE 4.3.7 local headers, 4.3.12 central
// directory, 4.3.16 end record). Each twin adds one more central record,
// under another name, for the local header of the entry it indexes: two
// members sharing data, the overlap that "better zip bombs" are made of.
func rawZip(entries []rawEntry, twins map[int]string) []byte {
	le := binary.LittleEndian
	var out, cd []byte
	var offsets []uint32
	central := func(e rawEntry, name string, off uint32) {
		cd = le.AppendUint32(cd, 0x02014b50)
		cd = le.AppendUint16(cd, 20)
		cd = le.AppendUint16(cd, 20)
		cd = le.AppendUint16(cd, e.flags)
		cd = le.AppendUint16(cd, e.method)
		cd = le.AppendUint32(cd, 0) // time, date
		cd = le.AppendUint32(cd, crc32.ChecksumIEEE(e.data))
		cd = le.AppendUint32(cd, uint32(len(e.data)))
		cd = le.AppendUint32(cd, uint32(len(e.data)))
		cd = le.AppendUint16(cd, uint16(len(name)))
		cd = append(cd, make([]byte, 8)...) // extra, comment, disk, internal attributes
		cd = le.AppendUint32(cd, 0)         // external attributes
		cd = le.AppendUint32(cd, off)
		cd = append(cd, name...)
	}
	for _, e := range entries {
		offsets = append(offsets, uint32(len(out)))
		out = le.AppendUint32(out, 0x04034b50)
		out = le.AppendUint16(out, 20)
		out = le.AppendUint16(out, e.flags)
		out = le.AppendUint16(out, e.method)
		out = le.AppendUint32(out, 0)
		out = le.AppendUint32(out, crc32.ChecksumIEEE(e.data))
		out = le.AppendUint32(out, uint32(len(e.data)))
		out = le.AppendUint32(out, uint32(len(e.data)))
		out = le.AppendUint16(out, uint16(len(e.name)))
		out = le.AppendUint16(out, 0)
		out = append(out, e.name...)
		out = append(out, e.data...)
	}
	n := 0
	for i, e := range entries {
		central(e, e.name, offsets[i])
		n++
		if name, ok := twins[i]; ok {
			central(e, name, offsets[i])
			n++
		}
	}
	cdOff := len(out)
	out = append(out, cd...)
	out = le.AppendUint32(out, 0x06054b50)
	out = le.AppendUint32(out, 0)
	out = le.AppendUint16(out, uint16(n))
	out = le.AppendUint16(out, uint16(n))
	out = le.AppendUint32(out, uint32(len(cd)))
	out = le.AppendUint32(out, uint32(cdOff))
	return le.AppendUint16(out, 0)
}

// gzipOf compresses body as one gzip member named name (FNAME).
func gzipOf(tb testing.TB, name string, body []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Name = name
	zw.Write(body)
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// tarOf writes a tar archive; a header's Size is set from its body.
func tarOf(tb testing.TB, entries ...tarEntry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.hdr
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		h.Size = int64(len(e.body))
		h.Mode = 0o644
		if err := tw.WriteHeader(&h); err != nil {
			tb.Fatal(err)
		}
		tw.Write(e.body)
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

type tarEntry struct {
	hdr  tar.Header
	body []byte
}

func reg(name, body string) tarEntry {
	return tarEntry{hdr: tar.Header{Name: name}, body: []byte(body)}
}

// archiveSeeds are small archives of each kind and trick: traversal and
// absolute names, Shift_JIS and bidi names, encrypted and overlapping
// members, links, duplicates, and bombs of each kind.
func archiveSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	enc := rawEntry{name: "enc.txt", data: []byte("secret"), flags: 1}
	tricky := rawZip([]rawEntry{
		enc,
		{name: "\x8c\xa9\x90\xcf\x8f\x91.txt", data: []byte("sjis name")},
		{name: "../../etc/passwd", data: []byte("x")},
		{name: "/abs/file", data: []byte("y")},
		{name: `C:\win\..\z.txt`, data: []byte("z")},
		{name: "invoice\u202etxt.exe", data: []byte("MZ")},
		{name: "a\x00b\r\n.txt", data: []byte("c")},
		{name: "bz.bin", data: []byte("BZh9"), method: 12},
	}, nil)
	tarData := tarOf(tb, reg("a.txt", "alpha"),
		tarEntry{hdr: tar.Header{Name: "l", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}},
		tarEntry{hdr: tar.Header{Name: "h", Typeflag: tar.TypeLink, Linkname: "a.txt"}},
		tarEntry{hdr: tar.Header{Name: "dir/", Typeflag: tar.TypeDir}},
		reg("../up.txt", "up"), reg("/abs.txt", "abs"), reg("a.txt", "dup"),
		tarEntry{hdr: tar.Header{Name: "長い名前/ファイル.txt", Format: tar.FormatPAX}, body: []byte("pax")})
	zeros := make([]byte, 1<<20)
	seeds := [][]byte{
		zipOf(tb, zfile{"a.txt", []byte("hello hello hello")}, zfile{"d/", nil},
			zfile{"b.zip", zipOf(tb, zfile{"c.txt", []byte("inner")})}),
		storedZipOf(tb, zfile{"s.txt", []byte("stored")}, zfile{"s.txt", []byte("again")}),
		tricky,
		gzipOf(tb, "a.txt", []byte("gzip body")),
		append(gzipOf(tb, "a", []byte("1")), gzipOf(tb, "b", []byte("2"))...),
		gzipOf(tb, "t.tar", tarData),
		tarData,
		zipOf(tb, zfile{"zeros", zeros}),
		gzipOf(tb, "zeros", zeros),
		// One deflated kernel shared by many central records.
		rawZip([]rawEntry{{name: "k", data: bytes.Repeat([]byte("A"), 4096)}},
			map[int]string{0: "k2"}),
	}
	return append(seeds, corpusAttachments(tb, flatten.KindZIP, flatten.KindGZIP, flatten.KindTAR, flatten.KindTGZ)...)
}

// checkArchivePath asserts what Entry.Path promises: relative, "/"
// between clean elements, no "." or "..", no drive letter, nothing a
// terminal or file system could misread.
func checkArchivePath(t *testing.T, p string) {
	t.Helper()
	if !utf8.ValidString(p) || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") ||
		strings.Contains(p, `\`) || strings.Contains(p, "//") {
		t.Fatalf("path %q is not clean", p)
	}
	if r, bad := forbidden(p, false); bad {
		t.Fatalf("path %q holds U+%04X", p, r)
	}
	for _, el := range strings.Split(p, "/") {
		if p != "" && (el == "" || el == "." || el == ".." || strings.ContainsAny(el, ":*?\"<>|")) {
			t.Fatalf("path %q has element %q", p, el)
		}
	}
}

// FuzzZip: Walk over any bytes, as whatever kind Detect says and as each
// kind it opens: no panic, done in bounded time, every Entry.Path clean,
// the bytes handed over within the entry and total limits (so a bomb stops
// at the limits), read entries with unique paths and a fresh slice each,
// encrypted and skipped entries never read, and only the documented
// errors for the limits.
func FuzzZip(f *testing.F) {
	for _, s := range archiveSeeds(f) {
		f.Add(s)
	}
	lim := archive.Limits{Entries: 50, TotalBytes: 1 << 20, EntryBytes: 256 << 10, Ratio: 50}
	limitOf := map[string]int64{
		"entries": int64(lim.Entries), "total size": lim.TotalBytes,
		"entry size": lim.EntryBytes, "compression ratio": int64(lim.Ratio),
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, k := range []archive.Kind{archive.Detect(data), archive.KindZip, archive.KindGzip, archive.KindTar, archive.KindTgz} {
			if !k.Supported() {
				continue
			}
			var n int
			var total int64
			read := map[string]bool{}
			type kept struct {
				b   []byte
				sum [32]byte
			}
			var keep []kept
			start := time.Now()
			err := archive.Walk(context.Background(), data, k, lim, func(e archive.Entry, b []byte) error {
				n++
				checkArchivePath(t, e.Path)
				switch {
				case e.Skipped != "" && b != nil:
					t.Fatalf("%s: skipped entry %q (%s) has data", k, e.Path, e.Skipped)
				case e.Encrypted && e.Skipped == "":
					t.Fatalf("%s: encrypted entry %q read", k, e.Path)
				case e.Skipped != "":
					return nil
				case b == nil || int64(len(b)) != e.Size:
					t.Fatalf("%s: entry %q: size %d, %d bytes", k, e.Path, e.Size, len(b))
				case e.Size > lim.EntryBytes:
					t.Fatalf("%s: entry %q of %d bytes over EntryBytes", k, e.Path, e.Size)
				case e.Path != "" && read[e.Path]:
					t.Fatalf("%s: two entries read as %q", k, e.Path)
				}
				read[e.Path] = true
				total += e.Size
				keep = append(keep, kept{b, sha256.Sum256(b)})
				return nil
			})
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("%s: Walk took %v on %d bytes", k, d, len(data))
			}
			if n > lim.Entries {
				t.Fatalf("%s: %d entries passed the limit of %d", k, n, lim.Entries)
			}
			if total > lim.TotalBytes {
				t.Fatalf("%s: %d bytes in all", k, total)
			}
			for _, c := range keep {
				if sha256.Sum256(c.b) != c.sum {
					t.Fatalf("%s: an entry's slice changed after fn returned", k)
				}
			}
			var le *archive.LimitError
			var oe *archive.OverlapError
			switch {
			case errors.As(err, &le):
				if want, ok := limitOf[le.What]; !ok || le.Limit != want {
					t.Fatalf("%s: LimitError %+v", k, le)
				}
			case errors.As(err, &oe):
				if n != 0 {
					t.Fatalf("%s: overlapping archive refused after %d entries", k, n)
				}
			case errors.Is(err, archive.ErrUnsupported):
				t.Fatalf("%s: supported kind said unsupported: %v", k, err)
			}
		}
	})
}
