package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mugai/mugai/internal/testinput/archivetest"
)

func TestTar(t *testing.T) {
	longName := strings.Repeat("長い名前/", 30) + "ファイル.txt" // > 100 bytes: pax path record
	data := archivetest.Tar(t,
		archivetest.TarEntry{Header: tar.Header{Name: "dir/", Typeflag: tar.TypeDir}},
		archivetest.Reg("dir/a.txt", "alpha"),
		archivetest.TarEntry{Header: tar.Header{Name: "dir/link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}},
		archivetest.TarEntry{Header: tar.Header{Name: "dir/hard", Typeflag: tar.TypeLink, Linkname: "dir/a.txt"}},
		archivetest.TarEntry{Header: tar.Header{Name: "dev/sda", Typeflag: tar.TypeBlock, Devmajor: 8}},
		archivetest.TarEntry{Header: tar.Header{Name: "dev/tty", Typeflag: tar.TypeChar, Devmajor: 4}},
		archivetest.TarEntry{Header: tar.Header{Name: "fifo", Typeflag: tar.TypeFifo}},
		archivetest.Reg(longName, "long"),
		archivetest.Reg("../../etc/cron.d/evil", "* * * * * root sh"),
		archivetest.Reg("/abs/path.txt", "abs"),
		archivetest.Reg("dir/a.txt", "again"),
		archivetest.Reg("empty", ""),
	)
	if Detect(data) != KindTar {
		t.Fatalf("Detect = %q", Detect(data))
	}
	gs, err := walk(t, data, KindTar, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	cleanLong := strings.TrimSuffix(strings.Repeat("長い名前/", 30), "/") + "/ファイル.txt"
	want := []struct{ path, skipped, data string }{
		{"dir", "directory", ""},
		{"dir/a.txt", "", "alpha"},
		{"dir/link", "symlink", ""},
		{"dir/hard", "hard link", ""},
		{"dev/sda", "device", ""},
		{"dev/tty", "device", ""},
		{"fifo", "special file", ""},
		{cleanLong, "", "long"},
		{"etc/cron.d/evil", "", "* * * * * root sh"},
		{"abs/path.txt", "", "abs"},
		{"dir/a.txt", "duplicate name", ""},
		{"empty", "", ""},
	}
	if len(gs) != len(want) {
		t.Fatalf("paths %q", paths(gs))
	}
	for i, w := range want {
		g := gs[i]
		if g.Path != w.path || g.Skipped != w.skipped || string(g.data) != w.data {
			t.Errorf("entry %d: got %q %q %q, want %q %q %q", i, g.Path, g.Skipped, g.data, w.path, w.skipped, w.data)
		}
		if w.skipped != "" && g.data != nil {
			t.Errorf("entry %d: skipped entry has data", i)
		}
		if w.skipped == "" && int64(len(g.data)) != g.Size {
			t.Errorf("entry %d: size %d, data %d", i, g.Size, len(g.data))
		}
		checkPath(t, g.Path)
	}
}

func TestTarGNULongNameAndLegacyBytes(t *testing.T) {
	// GNU format long names ('L' records) and raw Shift_JIS bytes, as GNU
	// tar writes them in a Japanese locale.
	name := strings.Repeat("d/", 60) + "\x95\x5c.txt" // "表.txt" in Shift_JIS, 5C trail byte
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Size: 2, Format: tar.FormatGNU, Mode: 0o644})
	tw.Write([]byte("ok"))
	tw.Close()
	gs, err := walk(t, buf.Bytes(), KindTar, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Repeat("d/", 60) + "表.txt"
	if len(gs) != 1 || gs[0].Path != want || string(gs[0].data) != "ok" {
		t.Fatalf("got %q", paths(gs))
	}
}

func TestTarLimits(t *testing.T) {
	t.Run("entries", func(t *testing.T) {
		var es []archivetest.TarEntry
		for i := range 11 {
			es = append(es, archivetest.Reg(strings.Repeat("x", i+1), "x"))
		}
		gs, err := walk(t, archivetest.Tar(t, es...), KindTar, Limits{Entries: 10})
		var le *LimitError
		if !errors.As(err, &le) || le.What != "entries" {
			t.Fatalf("got %v", err)
		}
		if len(gs) != 10 {
			t.Errorf("%d entries before the limit", len(gs))
		}
	})
	t.Run("entry size", func(t *testing.T) {
		_, err := walk(t, archivetest.Tar(t, archivetest.Reg("big", strings.Repeat("x", 2000))), KindTar, Limits{EntryBytes: 1000})
		var le *LimitError
		if !errors.As(err, &le) || le.What != "entry size" || le.Path != "big" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("total size", func(t *testing.T) {
		_, err := walk(t, archivetest.Tar(t, archivetest.Reg("a", strings.Repeat("x", 600)), archivetest.Reg("b", strings.Repeat("x", 600))), KindTar, Limits{TotalBytes: 1000})
		var le *LimitError
		if !errors.As(err, &le) || le.What != "total size" || le.Path != "b" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("declared size beyond the data", func(t *testing.T) {
		data := archivetest.Tar(t, archivetest.Reg("a", strings.Repeat("x", 600)))
		// Rewrite the size field to claim 40 MiB (octal 240000000), fixing the
		// checksum, and cut the archive after the data.
		h := data[:512]
		copy(h[124:136], "00240000000\x00")
		copy(h[148:156], "        ")
		var sum int
		for _, b := range h {
			sum += int(b)
		}
		copy(h[148:156], []byte(strings.Repeat("0", 6-len(itoa8(sum)))+itoa8(sum)+"\x00 "))
		start := time.Now()
		_, err := walk(t, data[:512+600], KindTar, Limits{})
		if err == nil {
			t.Fatal("no error for a truncated entry")
		}
		quick(t, start, time.Second)
		t.Log(err)
	})
}

func itoa8(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 8 {
		b = append(b, byte('0'+n%8))
	}
	slices.Reverse(b)
	return string(b)
}

func TestTarSparseAndGlobalHeaders(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeXGlobalHeader, PAXRecords: map[string]string{"comment": "hi"}, Format: tar.FormatPAX})
	tw.WriteHeader(&tar.Header{Name: "a.txt", Typeflag: tar.TypeReg, Size: 1, Mode: 0o644})
	tw.Write([]byte("a"))
	tw.Close()
	gs, err := walk(t, buf.Bytes(), KindTar, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(paths(gs), []string{"a.txt"}) {
		t.Fatalf("got %q", paths(gs))
	}
}

func TestContextAndCallbackErrors(t *testing.T) {
	data := archivetest.Zip(t, archivetest.File{Name: "a", Body: []byte("a")}, archivetest.File{Name: "b", Body: []byte("b")})
	stop := errors.New("stop")
	n := 0
	err := Walk(context.Background(), data, KindZip, Limits{}, func(Entry, []byte) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("fn error: got %v after %d calls", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = Walk(ctx, data, KindZip, Limits{}, func(Entry, []byte) error { n++; cancel(); return nil })
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("cancel: got %v after %d calls", err, n)
	}
	tarData := archivetest.Tar(t, archivetest.Reg("a", "a"), archivetest.Reg("b", "b"))
	ctx, cancel = context.WithCancel(context.Background())
	n = 0
	err = Walk(ctx, tarData, KindTar, Limits{}, func(Entry, []byte) error { n++; cancel(); return nil })
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("tar cancel: got %v after %d calls", err, n)
	}
}

func TestUnsupportedKinds(t *testing.T) {
	for _, k := range []Kind{Kind7z, KindRAR, KindLZH, KindBzip2, KindXz, KindZstd, KindCab} {
		err := Walk(context.Background(), []byte("x"), k, Limits{}, func(Entry, []byte) error { return nil })
		if !errors.Is(err, ErrUnsupported) || k.Supported() {
			t.Errorf("%s: %v", k, err)
		}
	}
	if err := Walk(context.Background(), []byte("x"), "", Limits{}, nil); err == nil {
		t.Error("empty kind accepted")
	}
}
