package fuzz

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mugai/mugai/internal/testinput/archivetest"
	"github.com/mugai/mugai/sanitize/archive"
	"github.com/mugai/mugai/sanitize/flatten"
)

// archiveSeeds are small archives of each kind and trick: traversal and
// absolute names, Shift_JIS and bidi names, encrypted and overlapping
// members, links, duplicates, and bombs of each kind.
func archiveSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	// Written byte by byte, to say what no zip library writes: raw name
	// bytes, the encryption flag, a method the reader does not support.
	var tricky archivetest.RawZip
	for _, e := range []struct {
		name, data    string
		flags, method uint16
	}{
		{"enc.txt", "secret", 1, 0},
		{"\x8c\xa9\x90\xcf\x8f\x91.txt", "sjis name", 0, 0},
		{"../../etc/passwd", "x", 0, 0},
		{"/abs/file", "y", 0, 0},
		{`C:\win\..\z.txt`, "z", 0, 0},
		{"invoice\u202etxt.exe", "MZ", 0, 0},
		{"a\x00b\r\n.txt", "c", 0, 0},
		{"bz.bin", "BZh9", 0, 12},
	} {
		r := archivetest.Stored(e.name, []byte(e.data))
		r.Flags, r.Method = e.flags, e.method
		tricky.Add(r, []byte(e.data))
	}
	// Two central records, under two names, for one local header: two
	// members sharing data, the overlap that "better zip bombs" are made of.
	var overlap archivetest.RawZip
	kernel := bytes.Repeat([]byte("A"), 4096)
	twin := *overlap.Add(archivetest.Stored("k", kernel), kernel)
	twin.Name = []byte("k2")
	overlap.CD = append(overlap.CD, twin)
	tarData := archivetest.Tar(tb, archivetest.Reg("a.txt", "alpha"),
		archivetest.TarEntry{Header: tar.Header{Name: "l", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}},
		archivetest.TarEntry{Header: tar.Header{Name: "h", Typeflag: tar.TypeLink, Linkname: "a.txt"}},
		archivetest.TarEntry{Header: tar.Header{Name: "dir/", Typeflag: tar.TypeDir}},
		archivetest.Reg("../up.txt", "up"), archivetest.Reg("/abs.txt", "abs"), archivetest.Reg("a.txt", "dup"),
		archivetest.TarEntry{Header: tar.Header{Name: "長い名前/ファイル.txt", Typeflag: tar.TypeReg, Format: tar.FormatPAX}, Body: []byte("pax")})
	zeros := make([]byte, 1<<20)
	seeds := [][]byte{
		archivetest.Zip(tb, archivetest.File{Name: "a.txt", Body: []byte("hello hello hello")}, archivetest.File{Name: "d/"},
			archivetest.File{Name: "b.zip", Body: archivetest.Zip(tb, archivetest.File{Name: "c.txt", Body: []byte("inner")})}),
		archivetest.StoredZip(tb, archivetest.File{Name: "s.txt", Body: []byte("stored")},
			archivetest.File{Name: "s.txt", Body: []byte("again")}),
		tricky.Bytes(),
		archivetest.Gzip(tb, "a.txt", []byte("gzip body")),
		append(archivetest.Gzip(tb, "a", []byte("1")), archivetest.Gzip(tb, "b", []byte("2"))...),
		archivetest.Gzip(tb, "t.tar", tarData),
		tarData,
		archivetest.Zip(tb, archivetest.File{Name: "zeros", Body: zeros}),
		archivetest.Gzip(tb, "zeros", zeros),
		overlap.Bytes(),
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
