package textclean

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func check(t *testing.T, name string, f func(string) string, in, want string) {
	t.Helper()
	if got := f(in); got != want {
		t.Errorf("%s(%q) = %q, want %q", name, in, got, want)
	}
}

func TestTextRemoves(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a\x00b", "ab"},                                     // NUL
		{"a\x01\x07\x08\x0b\x0c\x1b\x1fb", "ab"},             // other C0 controls, incl. VT FF ESC
		{"a\tb\nc", "a\tb\nc"},                               // TAB and LF are kept
		{"a\x7fb", "ab"},                                     // DEL
		{"a\u0080\u0085\u009fb", "ab"},                       // C1 controls (incl. NEL)
		{"\ufeffa\ufeffb", "ab"},                             // BOM / ZWNBSP
		{"a\u202ab\u202bc\u202cd\u202de\u202ef", "abcdef"},   // embeddings and overrides
		{"a\u2066b\u2067c\u2068d\u2069e", "abcde"},           // isolates
		{"invoice\u202etxt.exe", "invoicetxt.exe"},           // RTLO
		{"a\u200bb\u200fc\u061cd\u200ee", "abcde"},           // zero-width space, direction marks
		{"a\u2060b\u00adc\u2064d", "abcd"},                   // word joiner, soft hyphen, invisible plus
		{"a\u2028b\u2029c", "a\nb\nc"},                       // line and paragraph separators are line breaks
		{"ok\U000E0049\U000E0047\U000E004E\U000E0001", "ok"}, // TAG characters ("ASCII smuggling")
		{"pay\u200dpal \u200c", "paypal "},                   // joiners beside ASCII or space
		{"\u3164", " "}, {"a\uffa0b", "a b"},                 // Hangul fillers look like spaces
		{"\u115f\u1160", ""}, // jamo fillers on their own
		{"x\u034fy", "xy"},   // COMBINING GRAPHEME JOINER
		{"日本語\u3000テキスト", "日本語\u3000テキスト"},
	}
	for _, c := range cases {
		check(t, "Text", Text, c.in, c.want)
	}
}

// TestTextKeepsWhatScriptsNeed: joiners inside emoji sequences and Indic
// or Persian words, the visible prepended concatenation marks, variation
// selectors (emoji presentation, Japanese ideographic variants) and
// conjoining jamo with their fillers are text.
func TestTextKeepsWhatScriptsNeed(t *testing.T) {
	for _, s := range []string{
		"👨\u200d👩\u200d👧",              // family: ZWJ sequence
		"❤\ufe0f\u200d🔥",               // heart on fire: VS16 then ZWJ
		"क्\u200dष",                    // Devanagari half form
		"می\u200cخواهم",                // Persian ZWNJ
		"\u0600\u0661\u0662",           // Arabic number sign
		"葛\U000E0100城",                 // ideographic variation sequence
		"\u115f\u1161", "\u1100\u1160", // Hangul fillers inside a syllable
		"🏴",
	} {
		check(t, "Text", Text, s, s)
	}
}

// TestJoinersAfterNFC: a joiner is judged by its neighbours as NFC makes
// them (KELVIN SIGN becomes ASCII "K"), and removing it lets the letter
// compose.
func TestJoinersAfterNFC(t *testing.T) {
	check(t, "Text", Text, "\u212a\u200d\u0301", "\u1e30")
	check(t, "Text", Text, "\u212a\u200d\u00e9", "K\u00e9")
	check(t, "Text", Text, "👨\u200d\u200d👩", "👨\u200d👩")
}

// TestFormatTable compares isFormat with the unicode package's Cf table.
func TestFormatTable(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r == 0x2065 {
			continue // unassigned, default ignorable: removed on purpose
		}
		if isFormat(r) != unicode.Is(unicode.Cf, r) {
			t.Errorf("isFormat(%U) = %v, unicode.Cf says %v", r, isFormat(r), unicode.Is(unicode.Cf, r))
		}
	}
}

func TestTextLineEnds(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a\r\nb\r\n", "a\nb\n"},
		{"a\rb\r", "a\nb\n"},   // bare CR line ends (old Mac mail)
		{"a\r\r\nb", "a\n\nb"}, // CR then CRLF: two breaks
		{"a\n\rb", "a\n\nb"},   // LF then lone CR
		{"\r\n\r\n", "\n\n"},
		{"a\r", "a\n"},
	}
	for _, c := range cases {
		check(t, "Text", Text, c.in, c.want)
	}
}

func TestTextNFC(t *testing.T) {
	cases := []struct{ in, want string }{
		{"e\u0301", "é"},
		{"cafe\u0301", "café"},
		{"\u304b\u3099", "が"},            // decomposed が (か + combining dakuten)
		{"\u30cf\u309a", "パ"},            // decomposed パ
		{"\uff76\uff9e", "\uff76\uff9e"}, // half-width ｶﾞ is NFC already (NFKC would change it)
		{"e\u202e\u0301", "é"},           // a removed override does not keep them apart
		{"\u212b", "Å"},                  // singleton decomposition ANGSTROM SIGN
		{"Vi\u00ea\u0323t", "Việt"},      // windows-1258 style
		{"\u1100\u1161", "가"},            // conjoining jamo
	}
	for _, c := range cases {
		check(t, "Text", Text, c.in, c.want)
	}
}

func TestTextInvalidUTF8(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a\xffb", "a\uFFFDb"},
		{"\xe3\x81", "\uFFFD\uFFFD"},
		{"\xc2\x85", ""}, // valid NEL (C1) is removed
		{"\xc2", "\uFFFD"},
		{"\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD"}, // surrogate
	}
	for _, c := range cases {
		check(t, "Text", Text, c.in, c.want)
	}
}

func TestLine(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Subject line", "Subject line"},
		{"  padded  ", "padded"},
		{"a  b   c", "a b c"},
		{"folded\r\n continuation", "folded continuation"},
		{"injected\r\nBcc: victim@example.com", "injected Bcc: victim@example.com"},
		{"bare\rCR and bare\nLF", "bare CR and bare LF"},
		{"tab\there", "tab here"},
		{"\t\r\n", ""},
		{"a\u2028b\u2029c", "a b c"},
		{"a\x00\x1b[31mb", "a[31mb"},
		{"会議の件\u3000（再送）", "会議の件\u3000（再送）"},
		{"\u202eevil", "evil"},
		{"e\u0301 ", "é"},
		{"", ""},
	}
	for _, c := range cases {
		check(t, "Line", Line, c.in, c.want)
	}
}

func TestFilename(t *testing.T) {
	long := strings.Repeat("あ", 100) + ".pdf" // 304 bytes
	cases := []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"見積書.pdf", "見積書.pdf"},
		{"invoice\u202Etxt.exe", "invoicetxt.exe"}, // RTLO
		{"invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"in\u200bvoice\u200d.pdf\u2060.exe", "invoice.pdf.exe"}, // zero-width characters
		{"a\u200e\u200f\u061c\u180e\u2064b", "ab"},               // direction marks
		{"../../etc/passwd", "_.._etc_passwd"},
		{"..\\..\\windows\\system32", "_.._windows_system32"},
		{"/etc/passwd", "_etc_passwd"},
		{"C:\\boot.ini", "C__boot.ini"},
		{`a:b*c?d"e<f>g|h`, "a_b_c_d_e_f_g_h"},
		{".hidden", "hidden"},
		{" . .x", "x"},
		{"...", ""},
		{"", ""},
		{"  ", ""},
		{"trailing.exe. . ", "trailing.exe"},
		{"name\r\n.txt", "name .txt"},
		{"tab\tname.txt", "tab name.txt"},
		{"a\x00b.txt", "ab.txt"},
		{"CON", "_CON"},
		{"con.txt", "_con.txt"},
		{"LPT1.doc", "_LPT1.doc"},
		{"COM0.doc", "COM0.doc"},
		{"CONSOLE.txt", "CONSOLE.txt"},
		{"e\u0301.txt", "é.txt"},
		{"\u304b\u3099.txt", "が.txt"},
		{long, strings.Repeat("あ", 65) + ".pdf"}, // 195 + 4 bytes
	}
	for _, c := range cases {
		check(t, "Filename", Filename, c.in, c.want)
	}
}

func TestFilenameLong(t *testing.T) {
	cases := []string{
		strings.Repeat("a", 1000),
		strings.Repeat("a", 1000) + ".docx",
		strings.Repeat("日本", 200) + ".xlsx",
		strings.Repeat("é", 300),
		strings.Repeat("e\u0301", 300),                  // decomposed: NFC makes it é
		strings.Repeat("a\u0301\u0302\u0303", 100),      // stacked marks cannot compose
		strings.Repeat("x", 198) + "\u0301\u0302" + "y", // marks right at the cut
		"a." + strings.Repeat("b", 300),                 // "extension" too long to keep
		strings.Repeat("😀", 100) + ".png",
	}
	for _, in := range cases {
		got := Filename(in)
		if len(got) > MaxFilenameBytes || !utf8.ValidString(got) || got == "" {
			t.Errorf("Filename(%d bytes) = %q (%d bytes)", len(in), got, len(got))
		}
		if i := strings.LastIndexByte(in, '.'); i > 0 && len(in)-i <= 6 && !strings.HasSuffix(got, in[i:]) {
			t.Errorf("Filename(%q...) = %q lost the extension %q", in[:20], got, in[i:])
		}
		// No combining mark is cut off from its character: the result is
		// a prefix of the NFC name, at a character boundary.
		nfc := norm.NFC.String(in)
		stem := got
		if i := strings.LastIndexByte(got, '.'); i >= 0 {
			stem = got[:i]
		}
		if !strings.HasPrefix(nfc, stem) {
			t.Errorf("Filename(%q...) = %q is not a prefix of the name", in[:20], got)
		} else if r, _ := utf8.DecodeRuneInString(nfc[len(stem):]); len(stem) < len(nfc) && (r == utf8.RuneError || unicode.Is(unicode.M, r)) {
			t.Errorf("Filename(%q...) = %q cuts inside a character", in[:20], got)
		}
	}
	if got := Filename(strings.Repeat("x", 198) + "\u0301\u0302" + "y"); got != strings.Repeat("x", 197) {
		t.Errorf("marks at the cut: got %q", got)
	}
}
