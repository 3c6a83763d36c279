package archive

import (
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mugai/mugai/internal/testinput/archivetest"
)

func TestGzip(t *testing.T) {
	body := []byte(strings.Repeat("日本語のテキスト\n", 100))
	cases := []struct {
		name, want string
	}{
		{"report.csv", "report.csv"},
		{"café.txt", "café.txt"}, // Latin-1 FNAME, RFC 1952
		{string([]rune{0x8c, 0xa9, 0x90, 0xcf, 0x8f, 0x91}) + ".txt", "見積書.txt"}, // raw Shift_JIS bytes
		{"../../etc/passwd", "etc/passwd"},
		{"", ""},
	}
	for _, c := range cases {
		data := archivetest.Gzip(t, c.name, body)
		if k := Detect(data); k != KindGzip {
			t.Errorf("Detect = %q", k)
		}
		gs, err := walk(t, data, KindGzip, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if len(gs) != 1 || gs[0].Path != c.want || !bytes.Equal(gs[0].data, body) || gs[0].Size != int64(len(body)) {
			t.Errorf("%q: got %+v", c.name, gs)
		}
	}
}

// TestGzipMembers: concatenated members are one stream, as gunzip reads
// them; trailing bytes that start no member are ignored.
func TestGzipMembers(t *testing.T) {
	a := archivetest.Gzip(t, "first.txt", []byte("one\n"))
	b := archivetest.Gzip(t, "second.txt", []byte("two\n"))
	for _, tc := range []struct {
		data []byte
		want string
	}{
		{append(append([]byte{}, a...), b...), "one\ntwo\n"},
		{append(append([]byte{}, a...), make([]byte, 512)...), "one\n"},
		{append(append([]byte{}, a...), "<html>appended</html>"...), "one\n"},
	} {
		gs, err := walk(t, tc.data, KindGzip, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if len(gs) != 1 || gs[0].Path != "first.txt" || string(gs[0].data) != tc.want {
			t.Errorf("got %+v", gs)
		}
	}
	// A second member that starts but is broken is an error.
	broken := append(append([]byte{}, a...), b[:12]...)
	if _, err := walk(t, broken, KindGzip, Limits{}); err == nil {
		t.Error("broken second member accepted")
	}
}

func TestGzipBomb(t *testing.T) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	zeros := make([]byte, 1<<20)
	for range 4 { // 4 MiB of zeros, ~4 KB compressed
		zw.Write(zeros)
	}
	zw.Close()
	start := time.Now()
	_, err := walk(t, buf.Bytes(), KindGzip, Limits{})
	var le *LimitError
	if !errors.As(err, &le) || le.What != "compression ratio" {
		t.Fatalf("got %v", err)
	}
	quick(t, start, 2*time.Second)
	// With a generous ratio the entry limit trips instead.
	_, err = walk(t, buf.Bytes(), KindGzip, Limits{Ratio: 1 << 20, EntryBytes: 2 << 20})
	if !errors.As(err, &le) || le.What != "entry size" {
		t.Fatalf("got %v", err)
	}
}

func TestGzipCorrupt(t *testing.T) {
	data := archivetest.Gzip(t, "a.txt", []byte(strings.Repeat("hello ", 1000)))
	bad := bytes.Clone(data)
	bad[len(bad)-6] ^= 0xff // CRC-32 trailer
	for _, d := range [][]byte{data[:20], data[:len(data)-4], bad} {
		if _, err := walk(t, d, KindGzip, Limits{}); err == nil {
			t.Errorf("no error for %d bytes", len(d))
		}
	}
}

func TestTgz(t *testing.T) {
	tarData := archivetest.Tar(t, archivetest.Reg("a.txt", "alpha"), archivetest.Reg("b/c.txt", "gamma"))
	data := archivetest.Gzip(t, "x.tar", tarData)
	if k := Detect(data); k != KindTgz {
		t.Fatalf("Detect = %q", k)
	}
	gs, err := walk(t, data, KindTgz, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 2 || gs[0].Path != "a.txt" || string(gs[1].data) != "gamma" || gs[1].Path != "b/c.txt" {
		t.Fatalf("got %+v", gs)
	}
	// The same bytes as plain gzip: one entry, the tar.
	gs, err = walk(t, data, KindGzip, Limits{})
	if err != nil || len(gs) != 1 || Detect(gs[0].data) != KindTar {
		t.Fatalf("as gzip: %v %+v", err, gs)
	}
}

func TestTgzBomb(t *testing.T) {
	// Many entries of zeros: each fine alone, the stream ratio is not.
	var es []archivetest.TarEntry
	zeros := string(make([]byte, 1<<20))
	for i := range 4 {
		es = append(es, archivetest.Reg(string(rune('a'+i)), zeros))
	}
	data := archivetest.Gzip(t, "", archivetest.Tar(t, es...))
	start := time.Now()
	gs, err := walk(t, data, KindTgz, Limits{})
	var le *LimitError
	if !errors.As(err, &le) || le.What != "compression ratio" {
		t.Fatalf("got %v after %q", err, paths(gs))
	}
	quick(t, start, 2*time.Second)
	t.Log(err)
}
