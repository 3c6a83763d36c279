package archive

import (
	"archive/tar"
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
