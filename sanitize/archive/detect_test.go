package archive

import (
	"bytes"
	"image"
	"image/png"
	"testing"

	"github.com/mugai/mugai/internal/testinput/archivetest"
)

func TestDetect(t *testing.T) {
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, image.NewGray(image.Rect(0, 0, 1, 1)))
	lzh := make([]byte, 22)
	copy(lzh[2:], "-lh5-")
	lzh[20] = 1
	cases := []struct {
		name string
		data []byte
		want Kind
	}{
		{"zip", archivetest.Zip(t, archivetest.File{Name: "a", Body: []byte("a")}), KindZip},
		{"empty zip", archivetest.Zip(t), KindZip},
		{"gzip", archivetest.Gzip(t, "a", []byte("hello")), KindGzip},
		{"tgz", archivetest.Gzip(t, "", archivetest.Tar(t, archivetest.Reg("a", "a"))), KindTgz},
		{"tar", archivetest.Tar(t, archivetest.Reg("a", "a")), KindTar},
		{"7z", []byte("7z\xbc\xaf\x27\x1c\x00\x04"), Kind7z},
		{"rar4", []byte("Rar!\x1a\x07\x00\xcf\x90"), KindRAR},
		{"rar5", []byte("Rar!\x1a\x07\x01\x00\x33"), KindRAR},
		{"lzh", lzh, KindLZH},
		{"bzip2", []byte("BZh91AY&SYxxxx"), KindBzip2},
		{"bzip2 empty", []byte("BZh9\x17\x72\x45\x38\x50\x90\x00\x00\x00\x00"), KindBzip2},
		{"xz", []byte("\xfd7zXZ\x00\x00\x04"), KindXz},
		{"zstd", []byte("\x28\xb5\x2f\xfd\x04"), KindZstd},
		{"cab", []byte("MSCF\x00\x00\x00\x00\x10\x00"), KindCab},
		{"png", pngBuf.Bytes(), ""},
		{"text", []byte("hello, world"), ""},
		{"BZh text", []byte("BZh9 is not enough"), ""},
		{"empty", nil, ""},
		{"zeros", make([]byte, 1024), ""},
		{"PK text", []byte("PK is a prefix"), ""},
	}
	for _, c := range cases {
		if got := Detect(c.data); got != c.want {
			t.Errorf("%s: Detect = %q, want %q", c.name, got, c.want)
		}
	}
	// A corrupted tar checksum is not a tar.
	tr := archivetest.Tar(t, archivetest.Reg("a", "a"))
	tr[148] ^= 1
	if Detect(tr) == KindTar {
		t.Error("tar with a bad checksum detected")
	}
}
