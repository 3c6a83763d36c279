package fuzz

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/mugai/mugai/sanitize/textclean"
)

// cleanRemoved reports a rune textclean's documentation says is removed
// from every output: C0 controls but TAB and LF, DEL, C1 controls, the
// line and paragraph separators, the Hangul fillers U+3164 and U+FFA0,
// the TAG characters, and every format character (Cf) but the visible
// prepended concatenation marks and the joiners; for file names the
// joiners too. (Where joiners may stay is checked by invisibleJoiner.)
func cleanRemoved(r rune, filename bool) bool {
	switch {
	case r < 0x20 && r != '\t' && r != '\n', r == 0x7f, r >= 0x80 && r <= 0x9f,
		r == 0x2028, r == 0x2029, r == 0x3164, r == 0xffa0, r >= 0xe0000 && r <= 0xe007f:
		return true
	case r == 0x200c || r == 0x200d:
		return filename
	case r >= 0x0600 && r <= 0x0605, r == 0x06dd, r == 0x070f, r == 0x0890, r == 0x0891, r == 0x08e2,
		r == 0x110bd, r == 0x110cd, r >= 0x13430 && r <= 0x1343f:
		return false
	}
	return unicode.Is(unicode.Cf, r)
}

// invisibleJoiner reports a ZWJ or ZWNJ of s that does not stand between
// two visible non-ASCII characters, where no script needs one.
func invisibleJoiner(s string) bool {
	rs := []rune(s)
	visible := func(i int) bool {
		return i >= 0 && i < len(rs) && rs[i] >= 0x80 && unicode.IsGraphic(rs[i]) && !unicode.IsSpace(rs[i])
	}
	for i, r := range rs {
		if (r == 0x200c || r == 0x200d) && !(visible(i-1) && visible(i+1)) {
			return true
		}
	}
	return false
}

// FuzzTextClean: Text, Line and Filename give valid NFC UTF-8 without the
// characters each removes (invisible format characters among them, joiners
// kept only between visible non-ASCII characters); Line and Filename give one line with single,
// trimmed spaces; Filename gives no path separator or character Windows
// forbids, no leading or trailing dot, at most MaxFilenameBytes; all
// three are idempotent. (The package's own tests also compare its fast
// path with the full rewrite; from outside, these output checks hold
// whichever path ran.)
func FuzzTextClean(f *testing.F) {
	for _, s := range []string{"", "a\r\nb", "invoice\u202etxt.exe", "e\u0301", "../../x", "\xff\xfe", "CON.txt", "  a  ",
		"a\u2028b\u2029c", "\u200b.exe", "ok\U000E0041\U000E0042", "👨\u200d👩", "pay\u200dpal", "\u3164\u115f\u1160", "x\x00\x1b[31m", "ｶ\uff9e", "\u212b", "report.exe. . ", strings.Repeat("長い", 80) + ".pdf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fn := range []struct {
			name string
			mode int // 0 text, 1 line, 2 file name
			f    func(string) string
		}{{"Text", 0, textclean.Text}, {"Line", 1, textclean.Line}, {"Filename", 2, textclean.Filename}} {
			out := fn.f(s)
			if !utf8.ValidString(out) || !norm.NFC.IsNormalString(out) {
				t.Fatalf("%s(%q) = %q: not valid NFC UTF-8", fn.name, s, out)
			}
			for _, r := range out {
				switch {
				case cleanRemoved(r, fn.mode == 2):
					t.Fatalf("%s(%q) = %q holds %U", fn.name, s, out, r)
				case fn.mode > 0 && (r == '\t' || r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029'):
					t.Fatalf("%s(%q) = %q holds a line break or TAB %U", fn.name, s, out, r)
				case fn.mode == 2 && strings.ContainsRune(`/\:*?"<>|`, r):
					t.Fatalf("Filename(%q) = %q holds %q", s, out, r)
				}
			}
			if invisibleJoiner(out) {
				t.Fatalf("%s(%q) = %q keeps a joiner where no script needs it", fn.name, s, out)
			}
			if fn.mode > 0 && (strings.Contains(out, "  ") || strings.HasPrefix(out, " ") || strings.HasSuffix(out, " ")) {
				t.Fatalf("%s(%q) = %q: spaces not collapsed and trimmed", fn.name, s, out)
			}
			if fn.mode == 2 && (len(out) > textclean.MaxFilenameBytes || strings.HasPrefix(out, ".") || strings.HasSuffix(out, ".")) {
				t.Fatalf("Filename(%q) = %q", s, out)
			}
			if again := fn.f(out); again != out {
				t.Fatalf("%s is not idempotent: %q -> %q -> %q", fn.name, s, out, again)
			}
		}
	})
}
