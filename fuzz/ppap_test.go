package fuzz

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"

	"github.com/mugai/mugai/internal/testinput/archivetest"
	"github.com/mugai/mugai/ppap"
	"github.com/mugai/mugai/sanitize/archive"
	"github.com/mugai/mugai/sanitize/flatten"
)

// encryptedSeeds are the archives Info-ZIP, 7-Zip and bsdtar made
// (sanitize/archive/testdata/encrypted) and archivetest's, each scheme
// with stored, deflated, deferred and Shift_JIS-named members.
func encryptedSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	var seeds [][]byte
	files, _ := filepath.Glob(filepath.Join("..", "sanitize", "archive", "testdata", "encrypted", "*.zip"))
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil && len(b) <= maxCorpusSeed {
			seeds = append(seeds, b)
		}
	}
	members := []archivetest.File{
		{Name: "見積書.txt", Body: []byte(strings.Repeat("見積金額 1,234,567円\n", 20))},
		{Name: "\x90\xbf\x8b\x81\x8f\x91.txt", Body: []byte("sjis")},
		{Name: "docs/"}, {Name: "empty.txt"},
		{Name: "inner.zip", Body: archivetest.Zip(tb, archivetest.File{Name: "a.txt", Body: []byte("inner")})},
	}
	for _, enc := range []archivetest.Encryption{
		{}, {Store: true}, {Deferred: true, ModTime: 0x4bc0},
		{AES: 1}, {AES: 2, AE2: true}, {AES: 3}, {AES: 3, AE2: true, Store: true},
	} {
		seeds = append(seeds, archivetest.EncryptedZip("Abc123!", enc, members...))
	}
	return append(seeds, corpusAttachments(tb, flatten.KindZIP)...)
}

// FuzzEncryptedZip: OpenEncrypted, Check and Decrypt on any bytes and
// password: no panic, done in bounded time, only the documented errors
// (a wrong password and a damaged archive told apart), Decrypt agreeing
// with Check, and a plain zip that Walk reads as a zip of the same
// entries, with exactly the locked members still encrypted and nothing
// past the limits.
func FuzzEncryptedZip(f *testing.F) {
	for _, s := range encryptedSeeds(f) {
		f.Add(s, "Abc123!")
	}
	f.Add(encryptedSeeds(f)[0], "パスワード１")
	lim := archive.Limits{Entries: 50, TotalBytes: 1 << 20, EntryBytes: 256 << 10, Ratio: 50}
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		start := time.Now()
		a, err := archive.OpenEncrypted(data, lim)
		if err != nil {
			var le *archive.LimitError
			var oe *archive.OverlapError
			if !errors.Is(err, archive.ErrDamaged) && !errors.Is(err, archive.ErrNotEncrypted) &&
				!errors.Is(err, archive.ErrUnsupported) && !errors.As(err, &le) && !errors.As(err, &oe) {
				t.Fatalf("OpenEncrypted: undocumented error %v", err)
			}
			return
		}
		switch a.Scheme() {
		case "zipcrypto", "aes-128", "aes-192", "aes-256":
		default:
			t.Fatalf("Scheme %q", a.Scheme())
		}
		checked := a.Check(password)
		if a.Check(password) != checked {
			t.Fatal("Check is not deterministic")
		}
		d, err := a.Decrypt(context.Background(), password)
		switch {
		case err == nil && !checked:
			t.Fatal("Decrypt opened what Check refused")
		case errors.Is(err, archive.ErrPassword):
			return
		case errors.Is(err, archive.ErrDamaged):
			if !checked {
				t.Fatalf("damaged, but the password failed the check: %v", err)
			}
			return
		case err != nil:
			t.Fatalf("Decrypt: undocumented error %v", err)
		}
		if d.Opened == 0 || len(d.Zip) > 2*len(data)+22 {
			t.Fatalf("opened %d, %d bytes from %d", d.Opened, len(d.Zip), len(data))
		}
		var n, encrypted int
		var total int64
		err = archive.Walk(context.Background(), d.Zip, archive.KindZip, lim, func(e archive.Entry, b []byte) error {
			n++
			if e.Encrypted {
				encrypted++
			}
			total += int64(len(b))
			return nil
		})
		var le *archive.LimitError
		if err != nil && !errors.As(err, &le) {
			t.Fatalf("Walk on the plain zip: %v", err)
		}
		if err == nil && encrypted != len(d.Locked) {
			t.Fatalf("%d members still encrypted, %d reported locked", encrypted, len(d.Locked))
		}
		if total > lim.TotalBytes {
			t.Fatalf("%d bytes read past the limit", total)
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Fatalf("took %v on %d bytes", took, len(data))
		}
	})
}

// FuzzPasswordCandidates: ppap.Candidates on any text: deterministic, at
// most the number asked for, each candidate unique, 4 to 64 printable
// ASCII characters without spaces at its ends, and found in the text as
// the reader sees it (full-width forms folded).
func FuzzPasswordCandidates(f *testing.F) {
	for _, s := range []string{
		"先ほどお送りしたファイルのパスワードをお知らせします。パスワード：Abc123!",
		"パスワードは下記のとおりです。\n\n　　8xK#2mPq\n",
		"【パスワード】Sx7-Kp2m\n【ファイル名】請求書.zip",
		"解凍用のパスワードは「tanaka 0401」になります。",
		"ﾊﾟｽﾜｰﾄﾞ：Ａｂｃ１２３！（大文字小文字を区別）",
		"The password for the zip file I just sent is: Ocean#42\n-- \nJohn",
		"PW:(pr0ject-x)\n> パスワード：Old-2023",
		"himitsu",
		"パスワードを変更してください。",
	} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, text string, max uint8) {
		got := ppap.Candidates(text, int(max%20))
		want := int(max % 20)
		if want == 0 {
			want = ppap.DefaultMaxCandidates
		}
		if len(got) > want {
			t.Fatalf("%d candidates, asked for %d", len(got), want)
		}
		seen := map[string]bool{}
		folded := norm.NFC.String(width.Fold.String(text))
		for _, c := range got {
			if len(c) < 4 || len(c) > 64 || strings.TrimSpace(c) != c || seen[c] {
				t.Fatalf("candidate %q", c)
			}
			for i := 0; i < len(c); i++ {
				if c[i] < ' ' || c[i] > '~' {
					t.Fatalf("candidate %q holds byte %#x", c, c[i])
				}
			}
			if !strings.Contains(folded, c) {
				t.Fatalf("candidate %q is not in the text", c)
			}
			seen[c] = true
		}
		if again := ppap.Candidates(text, int(max%20)); strings.Join(again, "\x00") != strings.Join(got, "\x00") {
			t.Fatalf("not deterministic: %q then %q", got, again)
		}
	})
}
