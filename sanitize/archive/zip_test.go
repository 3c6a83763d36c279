package archive

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/mugai/mugai/internal/testinput/archivetest"
)

func TestZipBasic(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.Create("docs/")
	w, _ := zw.Create("docs/見積書.txt")
	w.Write([]byte("お見積り"))
	w, _ = zw.CreateHeader(&zip.FileHeader{Name: "empty.txt", Method: zip.Store})
	w, _ = zw.CreateHeader(&zip.FileHeader{Name: "readme.txt", Method: zip.Store})
	w.Write([]byte("hello"))
	zw.Close()

	gs, err := walk(t, buf.Bytes(), KindZip, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"docs", "docs/見積書.txt", "empty.txt", "readme.txt"}
	if !slices.Equal(paths(gs), want) {
		t.Fatalf("paths %q, want %q", paths(gs), want)
	}
	if gs[0].Skipped != "directory" || gs[0].data != nil {
		t.Errorf("directory: %+v", gs[0])
	}
	if string(gs[1].data) != "お見積り" || gs[1].Size != int64(len("お見積り")) || gs[1].Skipped != "" {
		t.Errorf("text entry: %+v %q", gs[1].Entry, gs[1].data)
	}
	if gs[2].data == nil || len(gs[2].data) != 0 || gs[2].Skipped != "" {
		t.Errorf("empty entry should be read as empty, non-nil: %+v %v", gs[2].Entry, gs[2].data)
	}
	if string(gs[3].data) != "hello" {
		t.Errorf("stored entry %q", gs[3].data)
	}
}

// TestZipJapaneseNames: names written without the UTF-8 flag, as Windows
// Explorer and Lhaplus on Japanese Windows do, are Shift_JIS (CP932).
func TestZipJapaneseNames(t *testing.T) {
	sjis := func(s string) []byte {
		b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	unicodeExtra := func(header []byte, name string) []byte {
		v := []byte{1, 0, 0, 0, 0}
		binary.LittleEndian.PutUint32(v[1:], crc32.ChecksumIEEE(header))
		v = append(v, name...)
		h := []byte{0x75, 0x70, byte(len(v)), byte(len(v) >> 8)}
		return append(h, v...)
	}
	var z archivetest.RawZip
	body := []byte("x")
	names := []struct {
		raw   []byte
		flags uint16
		extra []byte
		want  string
	}{
		{sjis("見積書.pdf"), 0, nil, "見積書.pdf"},
		{sjis(`資料\①表示テスト.txt`), 0, nil, "資料/①表示テスト.txt"}, // NEC row 13 (CP932) and a 5C trail byte
		{[]byte("報告.txt"), 0, nil, "報告.txt"},             // UTF-8 without the flag (macOS)
		{[]byte("報告2.txt"), flagUTF8, nil, "報告2.txt"},
		{[]byte("caf\x82.txt"), 0, nil, "café.txt"}, // not Shift_JIS: IBM437
		{[]byte("old.txt"), 0, unicodeExtra([]byte("old.txt"), "新.txt"), "新.txt"},
		{[]byte("stale.txt"), 0, unicodeExtra([]byte("other"), "偽.txt"), "stale.txt"}, // CRC mismatch: ignored
		{[]byte("ｶﾀｶﾅ\u202etxt.exe"), flagUTF8, nil, "ｶﾀｶﾅtxt.exe"},
	}
	for _, n := range names {
		r := archivetest.Stored("", body)
		r.Name, r.Flags, r.Extra = n.raw, n.flags, n.extra
		z.Add(r, body)
	}
	gs, err := walk(t, z.Bytes(), KindZip, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		if gs[i].Path != n.want {
			t.Errorf("name %q: got %q, want %q", n.raw, gs[i].Path, n.want)
		}
		if string(gs[i].data) != "x" {
			t.Errorf("name %q: data %q", n.raw, gs[i].data)
		}
	}
}

func TestZipPathTraversal(t *testing.T) {
	cases := map[string]string{
		"../../etc/passwd":          "etc/passwd",
		"/etc/shadow":               "etc/shadow",
		`C:\x`:                      "x",
		`C:\Windows\system32\a.dll`: "Windows/system32/a.dll",
		`D:rel.txt`:                 "rel.txt",
		`..\..\boot.ini`:            "boot.ini",
		`\\server\share\f.txt`:      "server/share/f.txt",
		"a/./b/../c":                "a/b/c",
		"dir//file":                 "dir/file",
		"...":                       "",
		"..":                        "",
		".hidden":                   "hidden",
		"ab:c*d?.txt":               "ab_c_d_.txt",
		"a:b":                       "b", // drive-relative on Windows
		"CON":                       "_CON",
	}
	var z archivetest.RawZip
	var order []string
	for name := range cases {
		order = append(order, name)
	}
	slices.Sort(order)
	for _, name := range order {
		z.Add(archivetest.Stored(name, []byte("x")), []byte("x"))
	}
	gs, err := walk(t, z.Bytes(), KindZip, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range order {
		p := gs[i].Path
		if p != cases[name] {
			t.Errorf("%q: got %q, want %q", name, p, cases[name])
		}
		checkPath(t, p)
	}
}

// checkPath asserts the promises of Entry.Path.
func checkPath(t testing.TB, p string) {
	t.Helper()
	if strings.HasPrefix(p, "/") || strings.Contains(p, `\`) || strings.Contains(p, "//") || strings.HasSuffix(p, "/") {
		t.Errorf("path %q is not clean", p)
	}
	for _, el := range strings.Split(p, "/") {
		if el == ".." || el == "." || strings.Contains(el, ":") {
			t.Errorf("path %q has element %q", p, el)
		}
	}
}

func TestZipEncrypted(t *testing.T) {
	var z archivetest.RawZip
	secret := []byte("ciphertext-looking bytes")
	r := archivetest.Stored("契約書.docx", secret)
	r.Flags = flagEncrypted
	r.USize = 12345
	z.Add(r, secret)
	// WinZip AES: method 99 and extra field 0x9901 (vendor version 2,
	// "AE", strength 3 = AES-256, actual method 8).
	aes := []byte{0x01, 0x99, 7, 0, 2, 0, 'A', 'E', 3, 8, 0}
	r = archivetest.Stored("aes.txt", secret)
	r.Method, r.Extra, r.Flags = 99, aes, flagEncrypted
	z.Add(r, secret)
	// The extra field alone is enough.
	r = archivetest.Stored("aes-noflag.txt", secret)
	r.Method, r.Extra = 8, aes
	z.Add(r, secret)
	z.Add(archivetest.Stored("plain.txt", []byte("ok")), []byte("ok"))

	gs, err := walk(t, z.Bytes(), KindZip, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs[:3] {
		if !g.Encrypted || g.Skipped != "encrypted" || g.data != nil {
			t.Errorf("%s: %+v data %q", g.Path, g.Entry, g.data)
		}
	}
	if gs[0].Size != 12345 {
		t.Errorf("encrypted entry size %d, want the declared 12345", gs[0].Size)
	}
	if gs[3].Encrypted || string(gs[3].data) != "ok" {
		t.Errorf("plain entry %+v", gs[3])
	}
}

func TestZipDuplicateNames(t *testing.T) {
	var z archivetest.RawZip
	z.Add(archivetest.Stored("a.txt", []byte("first")), []byte("first"))
	z.Add(archivetest.Stored("b.txt", []byte("b")), []byte("b"))
	z.Add(archivetest.Stored("a.txt", []byte("second")), []byte("second"))
	z.Add(archivetest.Stored("./a.txt", []byte("third")), []byte("third")) // same once cleaned
	gs, err := walk(t, z.Bytes(), KindZip, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if string(gs[0].data) != "first" || gs[0].Skipped != "" {
		t.Errorf("first copy: %+v %q", gs[0].Entry, gs[0].data)
	}
	for _, g := range gs[2:] {
		if g.Skipped != "duplicate name" || g.data != nil || g.Path != "a.txt" {
			t.Errorf("later copy: %+v %q", g.Entry, g.data)
		}
	}
}

func TestZipSpecialFiles(t *testing.T) {
	var z archivetest.RawZip
	link := archivetest.Stored("link", []byte("/etc/passwd"))
	link.Creator, link.ExternalAttrs = 3, uint32(0o120777)<<16 // S_IFLNK
	z.Add(link, []byte("/etc/passwd"))
	dev := archivetest.Stored("dev", nil)
	dev.Creator, dev.ExternalAttrs = 3, uint32(0o060600)<<16 // S_IFBLK
	z.Add(dev, nil)
	fifo := archivetest.Stored("fifo", nil)
	fifo.Creator, fifo.ExternalAttrs = 3, uint32(0o010600)<<16 // S_IFIFO
	z.Add(fifo, nil)
	gs, err := walk(t, z.Bytes(), KindZip, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"symlink", "device", "special file"} {
		if gs[i].Skipped != want || gs[i].data != nil {
			t.Errorf("%s: %+v", gs[i].Path, gs[i].Entry)
		}
	}
}

func TestZipUnsupportedMethod(t *testing.T) {
	var z archivetest.RawZip
	r := archivetest.Stored("x.txt", []byte("lzma data"))
	r.Method = 14
	z.Add(r, []byte("lzma data"))
	gs, err := walk(t, z.Bytes(), KindZip, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if gs[0].Skipped != "unsupported compression method 14 (LZMA)" {
		t.Errorf("skip %q", gs[0].Skipped)
	}
}

// TestZipOverlapSameHeader: two central directory records point at one
// local header, so one compressed stream would be read twice.
func TestZipOverlapSameHeader(t *testing.T) {
	var z archivetest.RawZip
	body := archivetest.Deflate(bytes.Repeat([]byte("A"), 1<<20))
	r := z.Add(archivetest.Record{Name: []byte("a.txt"), Method: zip.Deflate, CSize: uint32(len(body)), USize: 1 << 20, CRC: crc32.ChecksumIEEE(bytes.Repeat([]byte("A"), 1<<20))}, body)
	twin := *r
	twin.Name = []byte("b.txt")
	z.CD = append(z.CD, twin)
	checkOverlapRefused(t, z.Bytes())
}

// TestZipOverlapNested builds the shape of Fifield's overlapping bomb: each
// entry's stored data contains the next entry's local header and data, so
// the data ranges nest and the last kernel is shared by all.
func TestZipOverlapNested(t *testing.T) {
	kernel := archivetest.Deflate(make([]byte, 1<<20))
	var z archivetest.RawZip
	// Build from the innermost out: entry i's data = header(i+1) + data(i+1).
	const n = 5
	inner := kernel
	var recs []archivetest.Record
	for i := n - 1; i >= 0; i-- {
		var hdr archivetest.RawZip
		name := []byte{byte('a' + i)}
		hdr.Local(archivetest.Record{Name: name, Method: zip.Deflate, CSize: uint32(len(inner))}, nil)
		recs = append(recs, archivetest.Record{Name: name, Method: zip.Deflate, CSize: uint32(len(inner)), USize: 1 << 20})
		if i > 0 {
			inner = append(hdr.Body.Bytes(), inner...)
		} else {
			z.Body.Write(hdr.Body.Bytes())
			z.Body.Write(inner)
		}
	}
	// Offsets: entry 0 at 0, each next header right after the previous
	// header (inside the previous entry's data).
	slices.Reverse(recs)
	off := uint32(0)
	for i := range recs {
		recs[i].Offset = off
		off += 30 + uint32(len(recs[i].Name))
	}
	z.CD = recs
	checkOverlapRefused(t, z.Bytes())
}

func checkOverlapRefused(t *testing.T, data []byte) {
	t.Helper()
	called := 0
	err := Walk(context.Background(), data, KindZip, Limits{}, func(Entry, []byte) error { called++; return nil })
	var oe *OverlapError
	if !errors.As(err, &oe) {
		t.Fatalf("got %v, want an OverlapError", err)
	}
	if called != 0 {
		t.Errorf("fn called %d times before the refusal", called)
	}
	t.Log(err)
}

func TestZipBombRatio(t *testing.T) {
	// 4 MiB of zeros deflate to about 4 KB: the limit is the 1 MiB floor.
	zeros := make([]byte, 4<<20)
	data := archivetest.Zip(t, archivetest.File{Name: "small.txt", Body: []byte("hello")}, archivetest.File{Name: "zeros.bin", Body: zeros})
	t.Logf("zip of 4 MiB zeros: %d bytes", len(data))
	start := time.Now()
	gs, err := walk(t, data, KindZip, Limits{})
	var le *LimitError
	if !errors.As(err, &le) || le.What != "compression ratio" || le.Limit != 100 || le.Path != "zeros.bin" {
		t.Fatalf("got %v, want a compression ratio LimitError", err)
	}
	if len(gs) != 1 || gs[0].Path != "small.txt" {
		t.Errorf("entries before the bomb: %q", paths(gs))
	}
	quick(t, start, 2*time.Second)
}

func TestZipRatioFloor(t *testing.T) {
	// A blank form: 600 KiB of spaces compresses far beyond 100:1 but stays
	// under the floor.
	data := archivetest.Zip(t, archivetest.File{Name: "form.txt", Body: bytes.Repeat([]byte(" "), 600<<10)})
	gs, err := walk(t, data, KindZip, Limits{})
	if err != nil || len(gs) != 1 || len(gs[0].data) != 600<<10 {
		t.Fatalf("err %v, entries %+v", err, gs)
	}
}

// TestZipLyingSizes: declared sizes are claims; the reads are bounded by
// what was really decompressed.
func TestZipLyingSizes(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<17) // 2 MiB, compresses ~250:1
	comp := archivetest.Deflate(big)
	crc := crc32.ChecksumIEEE(big)

	t.Run("declared smaller", func(t *testing.T) {
		var z archivetest.RawZip
		z.Add(archivetest.Record{Name: []byte("liar.txt"), Method: zip.Deflate, CRC: crc, USize: 100}, comp)
		z.Add(archivetest.Stored("next.txt", []byte("ok")), []byte("ok"))
		gs, err := walk(t, z.Bytes(), KindZip, Limits{Ratio: 100000})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(gs[0].Skipped, "damaged") || gs[0].data != nil {
			t.Errorf("liar: %+v", gs[0].Entry)
		}
		if string(gs[1].data) != "ok" {
			t.Errorf("next entry not read: %+v", gs[1])
		}
	})
	t.Run("declared huge", func(t *testing.T) {
		var z archivetest.RawZip
		z.Add(archivetest.Record{Name: []byte("huge.txt"), Method: zip.Deflate, CRC: crc32.ChecksumIEEE([]byte("hi")), USize: 0xfffffff0},
			archivetest.Deflate([]byte("hi")))
		_, err := walk(t, z.Bytes(), KindZip, Limits{Ratio: 1 << 30})
		var le *LimitError
		if !errors.As(err, &le) || le.What != "entry size" {
			t.Fatalf("got %v, want an entry size LimitError", err)
		}
	})
	t.Run("declared smaller than limit, real bigger", func(t *testing.T) {
		// Declared under EntryBytes; the real data is over it. The read stops
		// at the limit (or archive/zip's own size check) either way.
		var z archivetest.RawZip
		z.Add(archivetest.Record{Name: []byte("x"), Method: zip.Deflate, CRC: crc, USize: 1 << 20}, comp)
		start := time.Now()
		gs, err := walk(t, z.Bytes(), KindZip, Limits{EntryBytes: 2 << 20, Ratio: 100000})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(gs[0].Skipped, "damaged") {
			t.Errorf("got %+v", gs[0].Entry)
		}
		quick(t, start, time.Second)
	})
	t.Run("compressed size past the end", func(t *testing.T) {
		var z archivetest.RawZip
		r := z.Add(archivetest.Stored("cut.txt", []byte("abc")), []byte("abc"))
		r.CSize, r.USize = 1<<30, 1<<30
		gs, err := walk(t, z.Bytes(), KindZip, Limits{EntryBytes: 2 << 30, TotalBytes: 4 << 30})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(gs[0].Skipped, "damaged") {
			t.Errorf("got %+v", gs[0].Entry)
		}
	})
	t.Run("bad crc", func(t *testing.T) {
		var z archivetest.RawZip
		r := archivetest.Stored("crc.txt", []byte("abc"))
		r.CRC++
		z.Add(r, []byte("abc"))
		gs, err := walk(t, z.Bytes(), KindZip, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if gs[0].Skipped != "damaged: checksum mismatch" {
			t.Errorf("got %+v", gs[0].Entry)
		}
	})
}

func TestZipLimits(t *testing.T) {
	t.Run("entries", func(t *testing.T) {
		var z archivetest.RawZip
		for i := range 1001 {
			z.Add(archivetest.Stored(fmt.Sprintf("f%04d", i), []byte("x")), []byte("x"))
		}
		gs, err := walk(t, z.Bytes(), KindZip, Limits{})
		var le *LimitError
		if !errors.As(err, &le) || le.What != "entries" || le.Limit != 1000 {
			t.Fatalf("got %v", err)
		}
		if len(gs) != 0 {
			t.Errorf("%d entries passed before the refusal", len(gs))
		}
	})
	t.Run("entry bytes", func(t *testing.T) {
		_, err := walk(t, archivetest.Zip(t, archivetest.File{Name: "a", Body: make([]byte, 2000)}), KindZip, Limits{EntryBytes: 1000})
		var le *LimitError
		if !errors.As(err, &le) || le.What != "entry size" || le.Limit != 1000 || le.Path != "a" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("total bytes", func(t *testing.T) {
		gs, err := walk(t, archivetest.Zip(t, archivetest.File{Name: "a", Body: make([]byte, 600)}, archivetest.File{Name: "b", Body: make([]byte, 600)}), KindZip, Limits{TotalBytes: 1000})
		var le *LimitError
		if !errors.As(err, &le) || le.What != "total size" || le.Path != "b" {
			t.Fatalf("got %v", err)
		}
		if len(gs) != 1 {
			t.Errorf("entries %q", paths(gs))
		}
	})
}

// TestZipNested42: a ten-level nested zip (the 42.zip idea: every level
// holds several copies of the one below). Recursion is the caller's; one
// level must be cheap, and a caller that recurses with a depth limit and a
// shared budget stops quickly.
func TestZipNested42(t *testing.T) {
	level := archivetest.Zip(t, archivetest.File{Name: "0.bin", Body: make([]byte, 2<<20)})
	for i := 1; i <= 10; i++ {
		var fs []archivetest.File
		for j := range 4 {
			fs = append(fs, archivetest.File{Name: string(rune('a'+j)) + ".zip", Body: level})
		}
		level = archivetest.Zip(t, fs...)
	}
	t.Logf("10-level nested zip: %d bytes", len(level))

	start := time.Now()
	gs, err := walk(t, level, KindZip, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 4 || Detect(gs[0].data) != KindZip {
		t.Fatalf("level 1: %q", paths(gs))
	}
	quick(t, start, time.Second)

	// A caller's recursion: a depth limit, one budget for everything.
	var budget int64
	var maxDepth int
	var rec func(data []byte, depth int) error
	rec = func(data []byte, depth int) error {
		if depth > maxDepth {
			return errNesting
		}
		return Walk(context.Background(), data, Detect(data), Limits{TotalBytes: budget}, func(e Entry, b []byte) error {
			budget -= int64(len(b))
			if budget <= 0 {
				return &LimitError{What: "total size", Limit: DefaultTotalBytes}
			}
			if k := Detect(b); k != "" {
				return rec(b, depth+1)
			}
			return nil
		})
	}
	for _, depth := range []int{3, 20} {
		start := time.Now()
		budget, maxDepth = DefaultTotalBytes, depth
		err := rec(level, 1)
		var le *LimitError
		if !errors.Is(err, errNesting) && !errors.As(err, &le) {
			t.Fatalf("depth %d: recursion ended with %v", depth, err)
		}
		quick(t, start, time.Second)
		t.Logf("depth limit %d: %v after %v", depth, err, time.Since(start))
	}
}

var errNesting = errors.New("nesting too deep")

func TestZipCorrupt(t *testing.T) {
	data := archivetest.Zip(t, archivetest.File{Name: "a.txt", Body: []byte("hello")})
	for _, bad := range [][]byte{data[:10], data[:len(data)-5], []byte("PK\x03\x04garbage")} {
		if _, err := walk(t, bad, KindZip, Limits{}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
