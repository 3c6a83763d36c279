package charset

import (
	"bytes"
	"io"
	"math/rand"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/transform"
)

var fuzzLabels = []string{"", "utf-8", "us-ascii", "iso-2022-jp", "shift_jis", "euc-jp", "utf-7", "utf-16",
	"utf-16le", "utf-16be", "utf-32", "gbk", "gb18030", "big5", "euc-kr", "windows-1252", "iso-8859-5",
	"koi8-r", "unknown-8bit", "bogus"}

// randomInput makes bytes of several shapes that reach the decoders'
// corners: uniform noise, escape-heavy 7-bit text, '+'-heavy base64 text
// and lead-byte-heavy 8-bit text.
func randomInput(rng *rand.Rand) []byte {
	n := rng.Intn(200)
	b := make([]byte, n)
	alphabets := []string{
		"",
		"\x1b$B()@DJIA&.N\x0e\x0f!#$%-|~\r\n ab",
		"+-/ABZaz09 \r\n.\x80",
		"\x81\x82\x87\x8e\x8f\xa1\xa4\xa5\xb0\xe0\xed\xfa\xfc\xfd\xff@A\x7f ",
		"\x00\xd8\xdc\xfe\xffA ",
	}
	alpha := alphabets[rng.Intn(len(alphabets))]
	for i := range b {
		if alpha == "" {
			b[i] = byte(rng.Intn(256))
		} else {
			b[i] = alpha[rng.Intn(len(alpha))]
		}
	}
	return b
}

// TestDecodeProperties: for any input and label, Decode returns valid
// UTF-8, deterministically, names a charset Lookup knows, and does not
// blow up the output.
func TestDecodeProperties(t *testing.T) {
	rng := rand.New(rand.NewSource(20240601))
	for i := 0; i < 20000; i++ {
		b := randomInput(rng)
		label := fuzzLabels[rng.Intn(len(fuzzLabels))]
		checkDecode(t, b, label)
	}
}

func checkDecode(t *testing.T, b []byte, label string) {
	t.Helper()
	out, res := Decode(b, label)
	if !utf8.ValidString(out) {
		t.Fatalf("Decode(%q, %q) = %q: invalid UTF-8", b, label, out)
	}
	if out2, res2 := Decode(b, label); out2 != out || res2 != res {
		t.Fatalf("Decode(%q, %q) is not deterministic", b, label)
	}
	if _, name, ok := Lookup(res.Charset); !ok || name != res.Charset {
		t.Fatalf("Decode(%q, %q) used %q, which Lookup does not know", b, label, res.Charset)
	}
	if len(out) > 3*len(b)+16 {
		t.Fatalf("Decode(%q, %q) grew %d bytes to %d", b, label, len(b), len(out))
	}
	if res.Replaced < 0 || res.Replaced > len(b) {
		t.Fatalf("Decode(%q, %q) Replaced = %d", b, label, res.Replaced)
	}
	if g := Guess(b); g == "" {
		t.Fatalf("Guess(%q) empty", b)
	}
}

// TestDecodeStreamingMatches: the decoders Lookup returns, fed one byte at
// a time, agree with Decode's whole-buffer decoding.
func TestDecodeStreamingMatches(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for _, name := range []string{nameUTF7, nameISO2022JP} {
		enc, _, _ := Lookup(name)
		for i := 0; i < 2000; i++ {
			b := randomInput(rng)
			want, _ := decodeAs(b, name, nil)
			got, err := io.ReadAll(transform.NewReader(iotest.OneByteReader(bytes.NewReader(b)), enc.NewDecoder()))
			if err != nil || string(got) != want {
				t.Fatalf("%s %q: streamed %q (%v), whole %q", name, b, got, err, want)
			}
		}
	}
}

// encodeUTF7 is a test oracle: a plain RFC 2152 encoder that writes every
// character outside a conservative direct set in base64 and always closes a
// run with '-'.
func encodeUTF7(s string) string {
	const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var b strings.Builder
	inRun, bits, nbits := false, uint32(0), uint(0)
	flush := func() {
		if nbits > 0 {
			b.WriteByte(digits[(bits<<(6-nbits))&0x3f])
		}
		b.WriteByte('-')
		inRun, bits, nbits = false, 0, 0
	}
	for _, r := range s {
		direct := r < 0x80 && (r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' ||
			strings.ContainsRune(" \t\r\n'(),-./:?!\"#$%&*;<=>@[]^_`{|}", r))
		if direct {
			if inRun {
				flush()
			}
			b.WriteRune(r)
			continue
		}
		if r == '+' && !inRun {
			b.WriteString("+-")
			continue
		}
		if !inRun {
			b.WriteByte('+')
			inRun = true
		}
		for _, u := range utf16.Encode([]rune{r}) {
			bits = bits<<16 | uint32(u)
			nbits += 16
			for nbits >= 6 {
				nbits -= 6
				b.WriteByte(digits[(bits>>nbits)&0x3f])
			}
			bits &= 1<<nbits - 1
		}
	}
	if inRun {
		flush()
	}
	return b.String()
}

func TestUTF7RoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	pool := []rune("aZ09 +-.\r\n~\\äöü日本語テスト①㈱😀𠮷\u00a0")
	for i := 0; i < 3000; i++ {
		var rs []rune
		for j := rng.Intn(30); j >= 0; j-- {
			if rng.Intn(4) == 0 {
				rs = append(rs, rune(rng.Intn(0xd800))) // any BMP character below the surrogates
			} else {
				rs = append(rs, pool[rng.Intn(len(pool))])
			}
		}
		want := string(rs)
		enc := encodeUTF7(want)
		got, n := decodeAs([]byte(enc), nameUTF7, nil)
		if got != want || n != 0 {
			t.Fatalf("UTF-7 %q: decoded %q (%d replaced), want %q", enc, got, n, want)
		}
	}
}

// TestDecodeLinear runs the decoders over large inputs of the kinds most
// likely to make a careless decoder quadratic or stuck.
func TestDecodeLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("large inputs")
	}
	inputs := map[string]string{
		"escapes":     "\x1b",
		"designation": "\x1b$B",
		"pluses":      "+",
		"runs":        "+A",
		"high":        "\xff",
		"leads":       "\x82",
		"surrogates":  "\xd8\x00",
	}
	for name, unit := range inputs {
		b := bytes.Repeat([]byte(unit), (256<<10)/len(unit))
		for _, label := range fuzzLabels {
			out, _ := Decode(b, label)
			if !utf8.ValidString(out) {
				t.Fatalf("%s as %q: invalid UTF-8", name, label)
			}
		}
	}
}
