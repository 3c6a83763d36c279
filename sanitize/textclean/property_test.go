package textclean

import (
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// pieces are the characters the rules care about, mixed with ordinary text.
var pieces = []string{
	"a", "Z", " ", "  ", ".", "..", "/", "\\", ":", "*", "?", "\"", "<", ">", "|", "_",
	"\t", "\r", "\n", "\r\n", "\x00", "\x01", "\x1b", "\x7f", "\u0080", "\u0085", "\u009f",
	"\ufeff", "\u202a", "\u202e", "\u2066", "\u2069", "\u200b", "\u200d", "\u200f", "\u2060",
	"\u2064", "\u061c", "\u180e", "\u2028", "\u2029", "\u3000", "e", "\u0301", "\u0308", "か",
	"\u3099", "\u212b", "日本", "ｶ", "\uff9e", "😀", "\xff", "\xe3\x81", "\xc2", "\xed\xa0\x80",
	"CON", "nul", ".txt", "\u00ad", "\U000E0041", "\U000E007F", "\u200c", "\u3164", "\u115f", "\u1160",
	"\u1161", "\u1100", "\u212a", "\u0600", "👩", "क", "\u094d", "\ufe0f", "\U000E0100", "\u034f",
}

func randomString(rng *rand.Rand) string {
	var b strings.Builder
	for n := rng.Intn(40); n >= 0; n-- {
		if rng.Intn(10) == 0 {
			b.WriteByte(byte(rng.Intn(256)))
		} else {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
	}
	return b.String()
}

// forbidden reports a rune no output of mode m may contain.
func forbidden(r rune, m mode) bool {
	switch {
	case r < 0x20 && r != '\t' && r != '\n', r == 0x7f, isRemoved(r, m), isFiller(r):
		return true
	case r == '\u2028' || r == '\u2029':
		return true
	case m != modeText && (r == '\t' || r == '\n'):
		return true
	case m == modeFilename && r < 0x80 && isFilenameForbidden(byte(r)):
		return true
	}
	return false
}

var modes = []struct {
	name string
	m    mode
	f    func(string) string
}{{"Text", modeText, Text}, {"Line", modeLine, Line}, {"Filename", modeFilename, Filename}}

// checkClean asserts every promise of Text, Line and Filename for input s.
func checkClean(t *testing.T, s string) {
	t.Helper()
	for _, fn := range modes {
		out := fn.f(s)
		if !utf8.ValidString(out) || !norm.NFC.IsNormalString(out) {
			t.Fatalf("%s(%q) = %q: not valid NFC UTF-8", fn.name, s, out)
		}
		prev := rune(0)
		for i, r := range out {
			if forbidden(r, fn.m) {
				t.Fatalf("%s(%q) = %q contains %U", fn.name, s, out, r)
			}
			if isContextual(r) {
				next, _ := utf8.DecodeRuneInString(out[i+utf8.RuneLen(r):])
				if i+utf8.RuneLen(r) == len(out) {
					next = 0
				}
				if !keepContextual(prev, r, next) {
					t.Fatalf("%s(%q) = %q keeps %U between %U and %U", fn.name, s, out, r, prev, next)
				}
			}
			prev = r
		}
		if fn.m != modeText && (strings.Contains(out, "  ") || strings.HasPrefix(out, " ") || strings.HasSuffix(out, " ")) {
			t.Fatalf("%s(%q) = %q: spaces not collapsed and trimmed", fn.name, s, out)
		}
		if fn.m == modeFilename && (len(out) > MaxFilenameBytes || strings.HasPrefix(out, ".") || strings.HasSuffix(out, ".")) {
			t.Fatalf("Filename(%q) = %q", s, out)
		}
		if again := fn.f(out); again != out {
			t.Fatalf("%s is not idempotent: %q -> %q -> %q", fn.name, s, out, again)
		}
		// The fast path may only skip work that would change nothing.
		if !needsWork(s, fn.m) && rewrite(s, fn.m) != s {
			t.Fatalf("needsWork(%q, %s) = false, but the rewrite gives %q", s, fn.name, rewrite(s, fn.m))
		}
	}
	if strings.ContainsAny(Line(s), "\r\n") {
		t.Fatalf("Line(%q) keeps a line break", s)
	}
}

func TestProperties(t *testing.T) {
	rng := rand.New(rand.NewSource(42))
	for i := 0; i < 30000; i++ {
		checkClean(t, randomString(rng))
	}
}

// TestFastPathDoesNotAllocate: clean text comes back as is.
func TestFastPathDoesNotAllocate(t *testing.T) {
	for _, s := range []string{"Hello, world.\nSecond line\twith tab.\n", "お世話になっております。\n会議は１０時からです。\n", "café"} {
		if n := testing.AllocsPerRun(100, func() { _ = Text(s) }); n != 0 {
			t.Errorf("Text(%q) allocates %v times", s, n)
		}
		line := strings.ReplaceAll(strings.ReplaceAll(s, "\n", " "), "\t", " ")
		line = strings.TrimSpace(line)
		if n := testing.AllocsPerRun(100, func() { _ = Line(line) }); n != 0 {
			t.Errorf("Line(%q) allocates %v times", line, n)
		}
	}
}

// TestNFCInert checks the ranges nfcInert trusts against the norm tables.
func TestNFCInert(t *testing.T) {
	for r := rune(0x80); r <= 0xffff; r++ {
		if !nfcInert(r) {
			continue
		}
		p := norm.NFC.PropertiesString(string(r))
		if !p.BoundaryBefore() || p.CCC() != 0 || norm.NFC.String(string(r)) != string(r) {
			t.Errorf("%U is not inert under NFC", r)
		}
	}
}
