package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mugai/mugai/internal/testinput/archivetest"
)

// fixturePassword is the password testdata/encrypted/make.sh uses.
const fixturePassword = "Abc123!"

// The members make.sh puts in most archives, as Walk reports them.
var fixtureMembers = map[string]string{
	"見積書.txt":          "見積書\r\n件名: 庁舎清掃業務委託\r\n金額: 1,234,567円（税込）\r\n",
	"numbers.txt":      seqText(1, 3000),
	"docs/memo.txt":    "memo in a folder\n",
	"inner.zip":        "",            // a zip holding inner.txt; checked by innerZipOK
	"請求書.txt":          "請求書の本文です。\n", // Shift_JIS name on disk, stored without the UTF-8 flag
	"inner-locked.zip": "",            // an encrypted zip holding docs/memo.txt
	"zeros.bin":        "",
}

func seqText(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "%d\n", i)
	}
	return b.String()
}

// fixtures are the archives make.sh writes: the scheme Scheme reports,
// the password, and the members Walk must find in the plain zip.
var fixtures = []struct {
	file, scheme, password string
	members                []string
}{
	{"infozip-zipcrypto.zip", "zipcrypto", fixturePassword, []string{"見積書.txt", "numbers.txt", "docs/memo.txt", "inner.zip", "請求書.txt"}},
	{"7z-zipcrypto.zip", "zipcrypto", fixturePassword, []string{"docs/memo.txt", "inner.zip", "numbers.txt", "見積書.txt"}},
	{"7z-aes128.zip", "aes-128", fixturePassword, []string{"docs/memo.txt", "inner.zip", "numbers.txt", "見積書.txt"}},
	{"7z-aes192.zip", "aes-192", fixturePassword, []string{"docs/memo.txt", "inner.zip", "numbers.txt", "見積書.txt"}},
	{"7z-aes256.zip", "aes-256", fixturePassword, []string{"docs/memo.txt", "inner.zip", "numbers.txt", "見積書.txt"}},
	{"bsdtar-aes256.zip", "aes-256", fixturePassword, []string{"見積書.txt", "numbers.txt", "docs/memo.txt", "inner.zip"}},
	{"bsdtar-zipcrypto.zip", "zipcrypto", fixturePassword, []string{"見積書.txt", "numbers.txt", "docs/memo.txt", "inner.zip"}},
	{"infozip-utf8-password.zip", "zipcrypto", "パスワード１", []string{"numbers.txt"}},
	{"infozip-sjis-password.zip", "zipcrypto", "パスワード１", []string{"numbers.txt"}},
	{"infozip-nested.zip", "zipcrypto", fixturePassword, []string{"inner.zip", "inner-locked.zip", "numbers.txt"}},
}

// TestEncryptedFixtures opens the committed archives made by Info-ZIP,
// 7-Zip and bsdtar (testdata/encrypted/make.sh).
func TestEncryptedFixtures(t *testing.T) {
	checkFixtures(t, filepath.Join("testdata", "encrypted"), true)
}

// TestEncryptedRealTools runs make.sh again, with the tools installed on
// this machine (.ci/run installs zip and 7zip), and checks what they make
// today: fresh salts, times and tool versions.
func TestEncryptedRealTools(t *testing.T) {
	if testing.Short() {
		t.Skip("runs zip and 7-Zip")
	}
	have := []string{}
	for _, tool := range []string{"zip", "7zz", "7z", "bsdtar"} {
		if _, err := exec.LookPath(tool); err == nil {
			have = append(have, tool)
		}
	}
	if !slices.Contains(have, "zip") && !slices.Contains(have, "7zz") && !slices.Contains(have, "7z") {
		t.Skip("neither zip nor 7-Zip is installed (Debian: apt-get install zip 7zip); the committed fixtures are checked by TestEncryptedFixtures")
	}
	dir := t.TempDir()
	cmd := exec.Command("bash", filepath.Join("testdata", "encrypted", "make.sh"), dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make.sh: %v\n%s", err, out)
	}
	t.Logf("archives made with %s", strings.Join(have, ", "))
	checkFixtures(t, dir, false)
}

func checkFixtures(t *testing.T, dir string, all bool) {
	ctx := context.Background()
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, fx.file))
			if errors.Is(err, os.ErrNotExist) && !all {
				t.Skipf("%s was not made (a tool is missing)", fx.file)
			}
			if err != nil {
				t.Fatal(err)
			}
			a, err := OpenEncrypted(data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if a.Scheme() != fx.scheme {
				t.Errorf("Scheme %q, want %q", a.Scheme(), fx.scheme)
			}
			for _, wrong := range []string{"", "abc123!", fx.password + " ", "Abc123", "パスワード1"} {
				// One wrong password in 256 passes a traditional check
				// byte (the archives are made anew, with new random
				// headers, when the tools are installed); its data then
				// fails the CRC-32 (TestEncryptedLuckyWrongPassword).
				lucky := fx.scheme == "zipcrypto" && a.Check(wrong)
				if a.Check(wrong) && !lucky {
					t.Errorf("Check(%q) passed", wrong)
				}
				if _, err := a.Decrypt(ctx, wrong); !errors.Is(err, ErrPassword) && !(lucky && errors.Is(err, ErrDamaged)) {
					t.Errorf("Decrypt(%q): %v, want ErrPassword", wrong, err)
				}
			}
			if !a.Check(fx.password) {
				t.Fatalf("Check(%q) failed", fx.password)
			}
			d, err := a.Decrypt(ctx, fx.password)
			if err != nil {
				t.Fatal(err)
			}
			checkPlain(t, data, d, fx.members)
		})
	}
}

// checkPlain walks the plain zip and compares it with the original:
// the same entries in the same order under the same decoded names, each
// named member read with its content, none left encrypted.
func checkPlain(t *testing.T, original []byte, d *Decrypted, members []string) {
	t.Helper()
	if len(d.Zip) > len(original) {
		t.Errorf("plain zip of %d bytes is larger than the encrypted one, %d", len(d.Zip), len(original))
	}
	if d.Opened != len(members) || len(d.Locked) != 0 {
		t.Errorf("opened %d, locked %q; want %d, none", d.Opened, d.Locked, len(members))
	}
	before, err := walk(t, original, KindZip, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	gs, err := walk(t, d.Zip, KindZip, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(paths(gs), paths(before)) {
		t.Errorf("plain zip paths %q, original %q", paths(gs), paths(before))
	}
	byPath := map[string]got{}
	for _, g := range gs {
		if g.Encrypted || g.Skipped != "" && g.Skipped != "directory" {
			t.Errorf("%s: encrypted %v, skipped %q", g.Path, g.Encrypted, g.Skipped)
		}
		byPath[g.Path] = g
	}
	for _, m := range members {
		g, ok := byPath[m]
		switch {
		case !ok:
			t.Errorf("member %q missing; have %q", m, paths(gs))
		case strings.HasSuffix(m, ".zip"):
			innerZipOK(t, m, g.data)
		case string(g.data) != fixtureMembers[m]:
			t.Errorf("%s: %q, want %q", m, g.data, fixtureMembers[m])
		}
	}
}

// innerZipOK checks the nested archives: inner.zip is a plain zip,
// inner-locked.zip another encrypted one, opened with the same password.
func innerZipOK(t *testing.T, name string, data []byte) {
	t.Helper()
	if name == "inner-locked.zip" {
		a, err := OpenEncrypted(data, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		d, err := a.Decrypt(context.Background(), fixturePassword)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		data = d.Zip
	}
	gs, err := walk(t, data, KindZip, Limits{})
	if err != nil || len(gs) != 1 || gs[0].Encrypted {
		t.Fatalf("%s: %v %+v", name, err, gs)
	}
	want := map[string]string{"inner.zip": "inside the inner zip\n", "inner-locked.zip": "memo in a folder\n"}[name]
	if string(gs[0].data) != want {
		t.Errorf("%s/%s: %q, want %q", name, gs[0].Path, gs[0].data, want)
	}
}

// openFixture reads and opens one of the committed archives.
func openFixture(tb testing.TB, name string) ([]byte, *Encrypted) {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "encrypted", name))
	if err != nil {
		tb.Fatal(err)
	}
	a, err := OpenEncrypted(data, Limits{})
	if err != nil {
		tb.Fatal(err)
	}
	return data, a
}

// TestEncryptedTwoPasswords: Info-ZIP appended a member under another
// password; the first password opens its member, the other stays locked
// and Walk reports it as encrypted.
func TestEncryptedTwoPasswords(t *testing.T) {
	_, a := openFixture(t, "infozip-two-passwords.zip")
	d, err := a.Decrypt(context.Background(), fixturePassword)
	if err != nil {
		t.Fatal(err)
	}
	if d.Opened != 1 || !slices.Equal(d.Locked, []string{"docs/memo.txt"}) {
		t.Errorf("opened %d, locked %q", d.Opened, d.Locked)
	}
	gs, err := walk(t, d.Zip, KindZip, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 2 || string(gs[0].data) != fixtureMembers["numbers.txt"] || !gs[1].Encrypted || gs[1].data != nil {
		t.Errorf("walk: %+v", gs)
	}
	// The quick check uses the first encrypted member: the second
	// member's password does not open the archive.
	if _, err := a.Decrypt(context.Background(), "other-pw"); !errors.Is(err, ErrPassword) {
		t.Errorf("other password: %v", err)
	}
}

// TestEncryptedBomb: 16 MiB of zeros behind a password. Decrypt does not
// expand it past the limits; Walk on the plain zip stops at the ratio
// limit as it does for an open bomb.
func TestEncryptedBomb(t *testing.T) {
	start := time.Now()
	_, a := openFixture(t, "infozip-bomb.zip")
	d, err := a.Decrypt(context.Background(), fixturePassword)
	if err != nil {
		t.Fatal(err)
	}
	quick(t, start, 200*time.Millisecond)
	_, err = walk(t, d.Zip, KindZip, Limits{})
	var le *LimitError
	if !errors.As(err, &le) || le.What != limitRatio {
		t.Errorf("walk: %v, want the ratio limit", err)
	}
	// With room for it, the same bomb is read in full: the plain zip is
	// the archive, not a damaged copy.
	gs, err := walk(t, d.Zip, KindZip, Limits{Ratio: 2000, EntryBytes: 32 << 20})
	if err != nil || len(gs) != 1 || len(gs[0].data) != 16<<20 {
		t.Errorf("walk without the ratio limit: %v %d entries", err, len(gs))
	}
}

// TestEncryptedSynthetic covers what the tools above do not write (AE-1
// with every strength, stored members, streaming flags) with archives
// written from the specifications by archivetest.
func TestEncryptedSynthetic(t *testing.T) {
	body := []byte(strings.Repeat("パスワード付き ZIP の中身です。\n", 40))
	for _, enc := range []archivetest.Encryption{
		{}, {Store: true}, {Deferred: true, ModTime: 0x4bc0}, {Deferred: true, Store: true, ModTime: 0xffff},
		{AES: 1}, {AES: 2}, {AES: 3}, {AES: 1, AE2: true}, {AES: 2, AE2: true}, {AES: 3, AE2: true, Store: true},
	} {
		t.Run(fmt.Sprintf("%+v", enc), func(t *testing.T) {
			data := archivetest.EncryptedZip("s3cret", enc,
				archivetest.File{Name: "中身.txt", Body: body}, archivetest.File{Name: "empty.txt"},
				archivetest.File{Name: "\x90\xbf\x8b\x81\x8f\x91.txt", Body: []byte("sjis")})
			a, err := OpenEncrypted(data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Decrypt(context.Background(), "S3cret"); !errors.Is(err, ErrPassword) {
				t.Errorf("wrong password: %v", err)
			}
			d, err := a.Decrypt(context.Background(), "s3cret")
			if err != nil {
				t.Fatal(err)
			}
			gs, err := walk(t, d.Zip, KindZip, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"中身.txt", "empty.txt", "請求書.txt"}
			if !slices.Equal(paths(gs), want) || !bytes.Equal(gs[0].data, body) || len(gs[1].data) != 0 || string(gs[2].data) != "sjis" {
				t.Errorf("walk: %q", paths(gs))
			}
		})
	}
}

// TestEncryptedDamaged: a damaged archive is told apart from a wrong
// password, and its damaged data never reaches Walk as if it were sound.
func TestEncryptedDamaged(t *testing.T) {
	body := []byte(strings.Repeat("confidential ", 100))
	member := func(enc archivetest.Encryption, mutate func(r *archivetest.Record, data []byte)) []byte {
		r, data := archivetest.EncryptedMember("pw", enc, "a.txt", body)
		mutate(&r, data)
		var z archivetest.RawZip
		z.Add(r, data)
		return z.Bytes()
	}
	flip := func(i int) func(*archivetest.Record, []byte) {
		return func(_ *archivetest.Record, d []byte) {
			if i < 0 {
				i += len(d)
			}
			d[i] ^= 0x40
		}
	}
	for _, tc := range []struct {
		name string
		data []byte
		open error // from OpenEncrypted
		dec  error // from Decrypt("pw")
	}{
		{"aes mac", member(archivetest.Encryption{AES: 3}, flip(-1)), nil, ErrDamaged},
		{"aes data", member(archivetest.Encryption{AES: 3}, flip(30)), nil, ErrDamaged},
		{"aes salt", member(archivetest.Encryption{AES: 3}, flip(0)), nil, ErrPassword},
		{"zipcrypto data", member(archivetest.Encryption{}, flip(-3)), nil, ErrDamaged},
		{"zipcrypto stored data", member(archivetest.Encryption{Store: true}, flip(-3)), nil, ErrDamaged},
		{"zipcrypto header", member(archivetest.Encryption{}, flip(11)), nil, ErrPassword},
		{"zipcrypto crc", member(archivetest.Encryption{}, func(r *archivetest.Record, _ []byte) { r.CRC ^= 1 }), nil, ErrDamaged},
		{"aes too short", member(archivetest.Encryption{AES: 1}, func(r *archivetest.Record, _ []byte) { r.CSize = 19 }), ErrDamaged, nil},
		{"zipcrypto too short", member(archivetest.Encryption{}, func(r *archivetest.Record, _ []byte) { r.CSize = 11 }), ErrDamaged, nil},
		{"method 99 without field", member(archivetest.Encryption{}, func(r *archivetest.Record, _ []byte) { r.Method = 99 }), ErrDamaged, nil},
		{"aes unknown vendor", member(archivetest.Encryption{AES: 1}, func(r *archivetest.Record, _ []byte) { r.Extra[6] = 'X' }), ErrUnsupported, nil},
		{"aes unknown strength", member(archivetest.Encryption{AES: 1}, func(r *archivetest.Record, _ []byte) { r.Extra[8] = 4 }), ErrUnsupported, nil},
		{"strong encryption", member(archivetest.Encryption{}, func(r *archivetest.Record, _ []byte) { r.Flags |= 1 << 6 }), ErrUnsupported, nil},
		{"not encrypted", archivetest.Zip(t, archivetest.File{Name: "a.txt", Body: body}), ErrNotEncrypted, nil},
		{"not a zip", []byte("PK\x03\x04 but nothing else"), ErrDamaged, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := OpenEncrypted(tc.data, Limits{})
			if tc.open != nil || err != nil {
				if !errors.Is(err, tc.open) {
					t.Fatalf("OpenEncrypted: %v, want %v", err, tc.open)
				}
				return
			}
			d, err := a.Decrypt(context.Background(), "pw")
			if !errors.Is(err, tc.dec) || d != nil {
				t.Errorf("Decrypt: %v, %v; want %v", d, err, tc.dec)
			}
		})
	}
}

// TestEncryptedTruncated cuts a real archive at every length: each cut is
// refused as damaged (never as a wrong password, never a panic), or, when
// the cut left a readable archive, opens with the right password.
func TestEncryptedTruncated(t *testing.T) {
	for _, name := range []string{"7z-aes256.zip", "infozip-zipcrypto.zip"} {
		data, err := os.ReadFile(filepath.Join("testdata", "encrypted", name))
		if err != nil {
			t.Fatal(err)
		}
		for n := range len(data) {
			a, err := OpenEncrypted(data[:n], Limits{})
			if err != nil {
				if !errors.Is(err, ErrDamaged) {
					t.Fatalf("%s cut at %d: %v, want ErrDamaged", name, n, err)
				}
				continue
			}
			if _, err := a.Decrypt(context.Background(), fixturePassword); err != nil {
				t.Errorf("%s cut at %d opened but did not decrypt: %v", name, n, err)
			}
		}
	}
}

// TestEncryptedLuckyWrongPassword: a wrong password that passes the
// traditional check byte (one in 256 do) is caught by the CRC-32 and
// reported as ErrDamaged, never handed on as a plain zip of garbage.
func TestEncryptedLuckyWrongPassword(t *testing.T) {
	for _, store := range []bool{false, true} {
		data := archivetest.EncryptedZip("right", archivetest.Encryption{Store: store},
			archivetest.File{Name: "a.txt", Body: []byte(strings.Repeat("text ", 200))})
		a, err := OpenEncrypted(data, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		lucky := ""
		for i := 0; i < 100000 && lucky == ""; i++ {
			if pw := fmt.Sprintf("wrong%d", i); a.Check(pw) {
				lucky = pw
			}
		}
		if lucky == "" {
			t.Fatal("no wrong password passed the check byte in 100000 tries")
		}
		if _, err := a.Decrypt(context.Background(), lucky); !errors.Is(err, ErrDamaged) {
			t.Errorf("store=%v: %q passed the check byte; Decrypt: %v, want ErrDamaged", store, lucky, err)
		}
	}
}

// TestEncryptedMixed: members that are not encrypted pass through as
// they are, directories stay directories, limits apply before anything
// is decrypted, and the context stops the work.
func TestEncryptedMixed(t *testing.T) {
	var z archivetest.RawZip
	z.Add(archivetest.Stored("open.txt", []byte("not secret")), []byte("not secret"))
	z.Add(archivetest.Record{Name: []byte("dir/"), Flags: 1}, nil)
	r, data := archivetest.EncryptedMember("pw", archivetest.Encryption{AES: 3}, "dir/secret.txt", []byte("secret"))
	z.Add(r, data)
	a, err := OpenEncrypted(z.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := a.Decrypt(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	gs, err := walk(t, d.Zip, KindZip, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Opened != 1 || len(gs) != 3 || string(gs[0].data) != "not secret" || gs[1].Skipped != "directory" || string(gs[2].data) != "secret" {
		t.Errorf("opened %d: %+v", d.Opened, gs)
	}

	if _, err := OpenEncrypted(z.Bytes(), Limits{Entries: 2}); !errors.As(err, new(*LimitError)) {
		t.Errorf("entry limit: %v", err)
	}
	var overlap archivetest.RawZip
	r, data = archivetest.EncryptedMember("pw", archivetest.Encryption{}, "a", []byte("aaaa"))
	twin := *overlap.Add(r, data)
	twin.Name = []byte("b")
	overlap.CD = append(overlap.CD, twin)
	if _, err := OpenEncrypted(overlap.Bytes(), Limits{}); !errors.As(err, new(*OverlapError)) {
		t.Errorf("overlap: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Decrypt(ctx, "pw"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// BenchmarkCheck measures the quick check of one wrong password, the
// cost the PPAP opener pays per candidate and archive.
func BenchmarkCheck(b *testing.B) {
	for _, name := range []string{"7z-aes256.zip", "7z-aes128.zip", "7z-zipcrypto.zip"} {
		_, a := openFixture(b, name)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				a.Check("wrong password")
			}
		})
	}
}
