package charset

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestDecodeFamilies decodes hand-written bytes of every supported family.
func TestDecodeFamilies(t *testing.T) {
	cases := []struct{ label, in, want, charset string }{
		{"utf-8", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac", "café 日本", "utf-8"},
		{"utf-8", "\xef\xbb\xbfBOM", "BOM", "utf-8"},
		{"us-ascii", "plain text\r\n", "plain text\r\n", "us-ascii"},
		{"iso-8859-1", "caf\xe9", "café", "windows-1252"},
		{"iso-8859-1", "\x93quoted\x94", "“quoted”", "windows-1252"}, // C1 bytes as windows-1252
		{"iso-8859-2", "Za\xbf\xf3\xb3\xe6 g\xea\xb6l\xb1 ja\xbc\xf1", "Zażółć gęślą jaźń", "iso-8859-2"},
		{"iso-8859-3", "\xa1", "Ħ", "iso-8859-3"},
		{"iso-8859-4", "\xa1", "Ą", "iso-8859-4"},
		{"iso-8859-5", "\xbf\xe0\xd8\xd2\xd5\xe2", "Привет", "iso-8859-5"},
		{"iso-8859-6", "\xc7", "ا", "iso-8859-6"},
		{"iso-8859-7", "\xca\xe1\xeb\xe7\xec\xdd\xf1\xe1", "Καλημέρα", "iso-8859-7"},
		{"iso-8859-8", "\xf9\xec\xe5\xed", "שלום", "iso-8859-8"},
		{"iso-8859-8-i", "\xf9\xec\xe5\xed", "שלום", "iso-8859-8-i"},
		{"iso-8859-9", "\xddstanbul", "İstanbul", "windows-1254"},
		{"iso-8859-10", "\xa1", "Ą", "iso-8859-10"},
		{"iso-8859-11", "\xa1", "ก", "windows-874"},
		{"iso-8859-13", "\xc0\xfe", "Ąž", "iso-8859-13"},
		{"iso-8859-14", "\xa1", "Ḃ", "iso-8859-14"},
		{"iso-8859-15", "\xa4 \xbd \xbe", "€ œ Ÿ", "iso-8859-15"},
		{"iso-8859-16", "\xa1\xa4", "Ą€", "iso-8859-16"},
		{"windows-1250", "P\xf8\xedli\x9a \x9elu\x9dou\xe8k\xfd k\xf9\xf2", "Příliš žluťoučký kůň", "windows-1250"},
		{"windows-1251", "\xcf\xf0\xe8\xe2\xe5\xf2", "Привет", "windows-1251"},
		{"windows-1252", "\x93quoted\x94 \x80", "“quoted” €", "windows-1252"},
		{"windows-1253", "\xca\xe1\xeb\xe7\xec\xdd\xf1\xe1", "Καλημέρα", "windows-1253"},
		{"windows-1254", "\xddstanbul \xf0\xfc\xfe\xf6\xe7", "İstanbul ğüşöç", "windows-1254"},
		{"windows-1255", "\xf9\xec\xe5\xed", "שלום", "windows-1255"},
		{"windows-1256", "\xe3\xd1\xcd\xc8\xc7", "مرحبا", "windows-1256"},
		{"windows-1257", "\xc0\xfeuolas", "Ąžuolas", "windows-1257"},
		{"windows-1258", "Vi\xea\xf2t", "Vi\u00ea\u0323t", "windows-1258"},
		{"koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4, \xcd\xc9\xd2", "Привет, мир", "koi8-r"},
		{"koi8-u", "\xf0\xd2\xc9\xd7\xa6\xd4, \xad\xc1\xce\xcf\xcb", "Привіт, ґанок", "koi8-u"},
		{"gb2312", "\xc4\xe3\xba\xc3\xa3\xac\xca\xc0\xbd\xe7", "你好，世界", "gbk"},
		{"gb2312", "\x81\x40", "丂", "gbk"}, // a GBK-only character under a GB2312 label
		{"gbk", "\xd6\xd0\xbb\xaa\xc8\xcb\xc3\xf1\xb9\xb2\xba\xcd\xb9\xfa", "中华人民共和国", "gbk"},
		{"gb18030", "\xc4\xe3\xba\xc3\x94\x39\xfc\x36", "你好😀", "gb18030"},
		{"big5", "\xc1c\xc5\xe9\xa4\xa4\xa4\xe5\xb4\xfa\xb8\xd5", "繁體中文測試", "big5"},
		{"euc-kr", "\xbe\xc8\xb3\xe7\xc7\xcf\xbc\xbc\xbf\xe4", "안녕하세요", "euc-kr"},
		{"ks_c_5601-1987", "\xbe\xc8\xb3\xe7\xc7\xcf\xbc\xbc\xbf\xe4", "안녕하세요", "euc-kr"},
		{"utf-7", "Hi Mom -+Jjo--!", "Hi Mom -☺-!", "utf-7"},
		{"utf-16", "\xfe\xff\x65\xe5\x67\x2c", "日本", "utf-16"},
		{"utf-16le", "A\x00B\x00", "AB", "utf-16le"},
		{"utf-16be", "\x00A\x00B", "AB", "utf-16be"},
		{"utf-32", "\x00\x00\xfe\xff\x00\x00\x65\xe5", "日", "utf-32"},
		{"x-mac-cyrillic", "\x8f\xf0\xe8\xe2\xe5\xf2", "Привет", "x-mac-cyrillic"},
	}
	for _, c := range cases {
		got, res := Decode([]byte(c.in), c.label)
		if got != c.want || res.Charset != c.charset || res.Guessed || res.Replaced != 0 {
			t.Errorf("Decode(%q, %q) = %q, %+v; want %q as %s", c.in, c.label, got, res, c.want, c.charset)
		}
	}
}

// TestDecodeCorrections covers each rule of Decode's doc comment, and the
// cases where the label must be kept.
func TestDecodeCorrections(t *testing.T) {
	sjis := "\x82\xa8\x90\xa2\x98b\x82\xc9\x82\xc8\x82\xc1\x82\xc4\x82\xa8\x82\xe8\x82\xdc\x82\xb7\x81B"
	euc := "\xa4\xaa\xc0\xa4\xcf\xc3\xa4\xcb\xa4\xca\xa4\xc3\xa4\xc6\xa4\xaa\xa4\xea\xa4\xde\xa4\xb9\xa1\xa3"
	u8 := "お世話になっております。"
	iso := jis + "$*@$OC$K$J$C$F$*$j$^$9!#" + asc
	const sentence = "お世話になっております。"
	cases := []struct {
		rule, label, in, want, charset string
		guessed                        bool
	}{
		// Missing, unknown and placeholder labels are guessed.
		{"none", "", sjis, sentence, "shift_jis", true},
		{"none, ISO-2022-JP", "", iso, sentence, "iso-2022-jp", true},
		{"none, ASCII", "", "hello", "hello", "us-ascii", true},
		{"unknown-8bit", "unknown-8bit", euc, sentence, "euc-jp", true},
		{"x-unknown", "x-unknown", u8, sentence, "utf-8", true},
		{"8bit", "8bit", sjis, sentence, "shift_jis", true},
		{"default", "default", sjis, sentence, "shift_jis", true},
		{"unknown label", "us-askey", "plain", "plain", "us-ascii", true},
		// 1: JIS escapes in 7-bit text under an ASCII-compatible label.
		{"1 us-ascii", "us-ascii", iso, sentence, "iso-2022-jp", true},
		{"1 utf-8", "utf-8", iso, sentence, "iso-2022-jp", true},
		{"1 iso-8859-1", "iso-8859-1", iso, sentence, "iso-2022-jp", true},
		{"1 shift_jis", "shift_jis", iso, sentence, "iso-2022-jp", true},
		{"1 not for ESC ( B alone", "us-ascii", "a" + asc + "b", "a" + asc + "b", "us-ascii", false},
		// 2: us-ascii with 8-bit bytes.
		{"2 Shift_JIS", "us-ascii", sjis, sentence, "shift_jis", true},
		{"2 UTF-8", "us-ascii", u8, sentence, "utf-8", true},
		{"2 Latin", "us-ascii", "Gr\xfc\xdfe aus M\xfcnchen", "Grüße aus München", "windows-1252", true},
		// 3: ISO-2022-JP with 8-bit bytes and no escapes.
		{"3 Shift_JIS", "iso-2022-jp", sjis, sentence, "shift_jis", true},
		{"3 EUC-JP", "iso-2022-jp", euc, sentence, "euc-jp", true},
		{"3 UTF-8", "iso-2022-jp", u8, sentence, "utf-8", true},
		{"3 kept with escapes", "iso-2022-jp", iso + "\xff", sentence + "\uFFFD", "iso-2022-jp", false},
		// 4: UTF-7 with 8-bit bytes.
		{"4", "utf-7", u8, sentence, "utf-8", true},
		// 5: UTF-16 that is 8-bit text.
		{"5", "utf-16", "Hello\r\nWorld\r\n", "Hello\r\nWorld\r\n", "us-ascii", true},
		{"5 kept with BOM", "utf-16", "\xfe\xff\x00\n", "\n", "utf-16", false},
		// 6: valid UTF-8 under a legacy label.
		{"6 iso-8859-1", "iso-8859-1", "r\xc3\xa9sum\xc3\xa9", "résumé", "utf-8", true},
		{"6 windows-1252 Japanese", "windows-1252", u8, sentence, "utf-8", true},
		{"6 shift_jis", "shift_jis", u8, sentence, "utf-8", true},
		{"6 one sequence is not enough", "iso-8859-1", "\xc3\xa9", "Ã©", "windows-1252", false},
		{"6 short EUC-JP that is valid UTF-8 stays", "euc-jp", "\xc2\xa1\xc2\xa1", "臓臓", "euc-jp", false},
		// 7: declared multi-byte charset with errors, alternative clean.
		{"7 utf-8 is Shift_JIS", "utf-8", sjis, sentence, "shift_jis", true},
		{"7 utf-8 is EUC-JP", "utf-8", euc, sentence, "euc-jp", true},
		{"7 euc-jp is Shift_JIS", "euc-jp", sjis, sentence, "shift_jis", true},
		{"7 mostly UTF-8 stays", "utf-8", u8 + "\xe3\x81", sentence + "\uFFFD", "utf-8", false},
		{"7 no clean alternative stays", "utf-8", "caf\xe9", "caf\uFFFD", "utf-8", false},
		// Correct labels are kept.
		{"kept utf-8", "utf-8", u8, sentence, "utf-8", false},
		{"kept shift_jis", "shift_jis", sjis, sentence, "shift_jis", false},
		{"kept euc-jp", "euc-jp", euc, sentence, "euc-jp", false},
		{"kept iso-8859-1", "iso-8859-1", "caf\xe9", "café", "windows-1252", false},
	}
	for _, c := range cases {
		got, res := Decode([]byte(c.in), c.label)
		if got != c.want || res.Charset != c.charset || res.Guessed != c.guessed {
			t.Errorf("rule %s: Decode(%q, %q) = %q, %+v; want %q as %s (guessed %v)",
				c.rule, c.in, c.label, got, res, c.want, c.charset, c.guessed)
		}
		if res.Declared != normalizeLabel(c.label) {
			t.Errorf("rule %s: Declared = %q", c.rule, res.Declared)
		}
	}
}

func TestDecodeInvalidUTF8(t *testing.T) {
	cases := []struct {
		in, want string
		replaced int
	}{
		{"a\xffb", "a\uFFFDb", 1},
		{"\xe3\x81", "\uFFFD", 1},                           // truncated: one maximal subpart
		{"\xe3\x81a\xe3", "\uFFFDa\uFFFD", 2},               // two of them
		{"\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD", 3},           // a surrogate is three errors (ED then A0 is not a subpart)
		{"\xc0\xaf", "\uFFFD\uFFFD", 2},                     // overlong
		{"\xf4\x90\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD", 4}, // beyond U+10FFFF
		{"\xf0\x9f\x98", "\uFFFD", 1},
	}
	for _, c := range cases {
		got, res := Decode([]byte(c.in), "utf-8")
		if got != c.want || res.Replaced != c.replaced {
			t.Errorf("Decode(%q) = %q, %d replaced; want %q, %d", c.in, got, res.Replaced, c.want, c.replaced)
		}
	}
}

func TestDecodeUTF16(t *testing.T) {
	cases := []struct {
		label, in, want, charset string
		replaced                 int
	}{
		{"utf-16", "\xfe\xff\x00H\x00i", "Hi", "utf-16", 0},
		{"utf-16", "\xff\xfeH\x00i\x00", "Hi", "utf-16", 0},
		{"utf-16", "H\x00i\x00 \x00!\x00", "Hi !", "utf-16", 0}, // no BOM, little-endian by NUL bytes
		{"utf-16", "\x00H\x00i", "Hi", "utf-16", 0},             // no BOM, big-endian
		{"utf-16", "\x65\xe5\x67\x2c", "日本", "utf-16", 0},       // no BOM, no clue: RFC 2781 big-endian
		{"utf-16le", "\xfe\xff\x00H", "H", "utf-16le", 0},       // a BOM beats the label
		{"utf-16be", "\xd8\x3d\xde\x00", "😀", "utf-16be", 0},
		{"utf-16le", "\x3d\xd8\x00\xde", "😀", "utf-16le", 0},
		{"utf-16be", "\xd8\x3d\x00A", "\uFFFDA", "utf-16be", 1}, // unpaired high surrogate
		{"utf-16be", "\xde\x00\x00A", "\uFFFDA", "utf-16be", 1}, // lone low surrogate
		{"utf-16be", "\x00A\x00", "A\uFFFD", "utf-16be", 1},     // odd length
	}
	for _, c := range cases {
		got, res := Decode([]byte(c.in), c.label)
		if got != c.want || res.Charset != c.charset || res.Replaced != c.replaced {
			t.Errorf("Decode(%q, %q) = %q, %+v; want %q", c.in, c.label, got, res, c.want)
		}
	}
}

func TestDecodeUTF7(t *testing.T) {
	cases := []struct {
		in, want string
		replaced int
	}{
		// RFC 2152 §"Examples"
		{"Hi Mom -+Jjo--!", "Hi Mom -☺-!", 0},
		{"+ZeVnLIqe-", "日本語", 0},
		{"A+ImIDkQ.", "A≢Α.", 0},
		{"Item 3 is +AKM-1.", "Item 3 is £1.", 0},
		// Outlook Express mail in the corpus
		{"Die Hasen und die Fr+APY-sche", "Die Hasen und die Frösche", 0},
		{"+AGEAYgBj", "abc", 0}, // run closed by the end of text
		{"1 +- 1 = 2", "1 + 1 = 2", 0},
		{"C++ code", "C++ code", 0}, // an unescaped '+' means itself
		{"a+b", "a+b", 0},
		{"x+ab.", "x+ab.", 0},
		{"end+", "end+", 0},
		{"+2D3eAA-", "😀", 0},
		{"+2D0-x", "\uFFFDx", 1},        // high surrogate alone
		{"+3gA-x", "\uFFFDx", 1},        // low surrogate alone
		{"+AGF-", "a\uFFFD", 1},         // non-zero padding bits
		{"+AGEA-", "a\uFFFD", 1},        // a whole unused base64 digit
		{"a\xe9b", "a\uFFFDb", 1},       // 8-bit byte (under a declared label that is trusted: see rule 4)
		{"+AGE\r\nx", "a\r\nx", 0},      // the run ends at CR
		{"+2D3YPQ-", "\uFFFD\uFFFD", 2}, // two high surrogates
	}
	for _, c := range cases {
		var got string
		var replaced int
		if strings.ContainsRune(c.in, utf8.RuneError) || !utf8.ValidString(c.in) {
			// Decode would apply rule 4; test the decoder itself.
			got, replaced = decodeAs([]byte(c.in), nameUTF7, nil)
		} else {
			var res Result
			got, res = Decode([]byte(c.in), "utf-7")
			replaced = res.Replaced
		}
		if got != c.want || replaced != c.replaced {
			t.Errorf("UTF-7 %q = %q (%d replaced); want %q (%d)", c.in, got, replaced, c.want, c.replaced)
		}
	}
}

func TestDecodeEmpty(t *testing.T) {
	for _, label := range []string{"", "utf-8", "iso-2022-jp", "utf-16", "utf-7", "shift_jis", "bogus"} {
		got, res := Decode(nil, label)
		if got != "" || res.Replaced != 0 {
			t.Errorf("Decode(nil, %q) = %q, %+v", label, got, res)
		}
	}
}

// TestDecodeUTF8MatchesBytewise compares decodeUTF8 with the character at
// a time repair it replaced, on random bytes around valid characters.
func TestDecodeUTF8MatchesBytewise(t *testing.T) {
	pieces := []string{"a", "\n", "日", "é", "\U0001F600", "\xff", "\xe6\x97", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80", "\x80"}
	seed := uint32(7)
	for range 5000 {
		var sb strings.Builder
		seed = seed*1664525 + 1013904223
		for k := int(seed>>24) % 40; k > 0; k-- {
			seed = seed*1664525 + 1013904223
			sb.WriteString(pieces[int(seed>>24)%len(pieces)])
		}
		in := []byte(sb.String())
		var want []byte
		wantN := 0
		for i := 0; i < len(in); {
			if r, n := utf8.DecodeRune(in[i:]); r != utf8.RuneError || n > 1 {
				want = append(want, in[i:i+n]...)
				i += n
				continue
			}
			want = append(want, replacement...)
			wantN++
			i += invalidUTF8Prefix(in[i:])
		}
		if len(in) >= 3 && string(in[:3]) == "\xef\xbb\xbf" {
			continue // the BOM is dropped first; not what is compared here
		}
		got, n := decodeUTF8(in)
		if got != string(want) || n != wantN {
			t.Fatalf("%q: got %q (%d), want %q (%d)", in, got, n, want, wantN)
		}
	}
}
