package archive

import (
	"archive/tar"
	"context"
	"errors"
	"testing"
)

// seeds are small archives of every kind and shape the tests build.
func seeds(t testing.TB) [][]byte {
	var z rawZip
	enc := stored("enc.txt", []byte("secret"))
	enc.flags = flagEncrypted
	z.add(enc, []byte("secret"))
	z.add(stored("\x8c\xa9\x90\xcf\x8f\x91.txt", []byte("sjis")), []byte("sjis"))
	z.add(stored("../evil", []byte("x")), []byte("x"))
	twin := z.cd[0]
	twin.name = []byte("twin")
	z.cd = append(z.cd, twin)

	tarData := tarOf(t, reg("a.txt", "alpha"),
		tarEntry{hdr: tar.Header{Name: "l", Typeflag: tar.TypeSymlink, Linkname: "/etc"}},
		reg("a.txt", "dup"))
	return [][]byte{
		zipOf(t, file{"a.txt", []byte("hello hello hello")}, file{"d/", nil}, file{"b.zip", zipOf(t, file{"c", []byte("c")})}),
		z.bytes(),
		gzipOf(t, "a.txt", []byte("gzip body")),
		append(gzipOf(t, "a", []byte("1")), gzipOf(t, "b", []byte("2"))...),
		gzipOf(t, "t.tar", tarData),
		tarData,
		zipOf(t, file{"zeros", make([]byte, 1<<16)}),
	}
}

// FuzzWalk checks that Walk never panics, always stops within its limits,
// and keeps every promise about Entry whatever the input.
func FuzzWalk(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	lim := Limits{Entries: 50, TotalBytes: 1 << 20, EntryBytes: 256 << 10, Ratio: 50}
	f.Fuzz(func(t *testing.T, data []byte) {
		kinds := []Kind{Detect(data), KindZip, KindGzip, KindTar, KindTgz}
		for _, k := range kinds {
			if !k.Supported() {
				continue
			}
			var n int
			var total int64
			err := Walk(context.Background(), data, k, lim, func(e Entry, b []byte) error {
				n++
				checkPath(t, e.Path)
				if e.Skipped != "" && b != nil {
					t.Fatalf("%s: skipped entry %q has data", k, e.Path)
				}
				if e.Skipped == "" {
					if b == nil || int64(len(b)) != e.Size {
						t.Fatalf("%s: entry %q: size %d, data %d", k, e.Path, e.Size, len(b))
					}
					if e.Size > lim.EntryBytes {
						t.Fatalf("%s: entry %q over EntryBytes", k, e.Path)
					}
					total += e.Size
				}
				if e.Encrypted && e.Skipped == "" {
					t.Fatalf("%s: encrypted entry read", k)
				}
				return nil
			})
			if n > lim.Entries {
				t.Fatalf("%s: %d entries", k, n)
			}
			if total > lim.TotalBytes {
				t.Fatalf("%s: %d bytes in all", k, total)
			}
			var le *LimitError
			if errors.As(err, &le) && le.Limit <= 0 {
				t.Fatalf("%s: bad LimitError %v", k, le)
			}
		}
	})
}

func TestSeedsWalk(t *testing.T) {
	for i, s := range seeds(t) {
		k := Detect(s)
		if !k.Supported() {
			t.Errorf("seed %d: Detect = %q", i, k)
		}
		_, err := walk(t, s, k, Limits{})
		var oe *OverlapError
		if err != nil && !errors.As(err, &oe) {
			t.Errorf("seed %d (%s): %v", i, k, err)
		}
	}
}
