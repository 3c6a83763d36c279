package archive

import (
	"archive/tar"
	"errors"
	"testing"

	"github.com/mugai/mugai/internal/testinput/archivetest"
)

// seeds are small archives of every kind and shape the tests build.
func seeds(t testing.TB) [][]byte {
	var z archivetest.RawZip
	enc := archivetest.Stored("enc.txt", []byte("secret"))
	enc.Flags = flagEncrypted
	z.Add(enc, []byte("secret"))
	z.Add(archivetest.Stored("\x8c\xa9\x90\xcf\x8f\x91.txt", []byte("sjis")), []byte("sjis"))
	z.Add(archivetest.Stored("../evil", []byte("x")), []byte("x"))
	twin := z.CD[0]
	twin.Name = []byte("twin")
	z.CD = append(z.CD, twin)

	tarData := archivetest.Tar(t, archivetest.Reg("a.txt", "alpha"),
		archivetest.TarEntry{Header: tar.Header{Name: "l", Typeflag: tar.TypeSymlink, Linkname: "/etc"}},
		archivetest.Reg("a.txt", "dup"))
	return [][]byte{
		archivetest.Zip(t, archivetest.File{Name: "a.txt", Body: []byte("hello hello hello")}, archivetest.File{Name: "d/"},
			archivetest.File{Name: "b.zip", Body: archivetest.Zip(t, archivetest.File{Name: "c", Body: []byte("c")})}),
		z.Bytes(),
		archivetest.Gzip(t, "a.txt", []byte("gzip body")),
		append(archivetest.Gzip(t, "a", []byte("1")), archivetest.Gzip(t, "b", []byte("2"))...),
		archivetest.Gzip(t, "t.tar", tarData),
		tarData,
		archivetest.Zip(t, archivetest.File{Name: "zeros", Body: make([]byte, 1<<16)}),
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
