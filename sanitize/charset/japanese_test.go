package charset

import (
	"bytes"
	"io"
	"math/rand"
	"testing"
	"testing/iotest"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

const (
	esc = "\x1b"
	jis = esc + "$B"  // JIS X 0208-1983
	old = esc + "$@"  // JIS C 6226-1978
	asc = esc + "(B"  // ASCII
	rom = esc + "(J"  // JIS X 0201 Roman
	kan = esc + "(I"  // JIS X 0201 katakana
	sup = esc + "$(D" // JIS X 0212
)

// cp932InJIS are CP932 extension characters as Outlook (CP50221) and iPhone
// Mail put them into ISO-2022-JP: NEC row 13 is JIS row 0x2D, the
// NEC-selected IBM extensions are rows 89–92 (0x79–0x7C).
var cp932InJIS = []struct{ jis, want string }{
	{"-!", "①"}, {"-\"", "②"}, {"-3", "⑲"}, {"-4", "⑳"},
	{"-5", "Ⅰ"}, {"->", "Ⅹ"}, {"-@", "㍉"}, {"-_", "㍻"},
	{"-b", "№"}, {"-c", "㏍"}, {"-d", "℡"}, {"-j", "㈱"}, {"-k", "㈲"}, {"-o", "㍼"},
	{"y!", "纊"}, {"|q", "ⅰ"}, {"|z", "ⅹ"}, {"|{", "￢"}, {"||", "￤"}, {"|}", "＇"}, {"|~", "＂"},
}

// TestXTextISO2022JPHasCP932Extensions documents why this package can rely
// on x/text's jis0208 table: its own ISO-2022-JP decoder already maps the
// CP932 rows.
func TestXTextISO2022JPHasCP932Extensions(t *testing.T) {
	for _, c := range cp932InJIS {
		got, err := japanese.ISO2022JP.NewDecoder().String(jis + c.jis + asc)
		if err != nil || got != c.want {
			t.Errorf("x/text ISO2022JP(ESC $ B %q) = %q, %v; want %q", c.jis, got, err, c.want)
		}
	}
}

func TestISO2022JPCP932Extensions(t *testing.T) {
	for _, c := range cp932InJIS {
		for _, designate := range []string{jis, old} {
			in := "x" + designate + c.jis + asc + "y"
			got, res := Decode([]byte(in), "ISO-2022-JP")
			if got != "x"+c.want+"y" || res.Replaced != 0 || res.Charset != "iso-2022-jp" || res.Guessed {
				t.Errorf("Decode(%q) = %q, %+v; want %q", in, got, res, "x"+c.want+"y")
			}
		}
	}
}

func TestISO2022JP(t *testing.T) {
	cases := []struct {
		name, in, want string
		replaced       int
	}{
		{"sentence", jis + "$*@$OC$K$J$C$F$*$j$^$9!#" + asc, "お世話になっております。", 0},
		{"greeting ESC $ @", old + "$3$s$K$A$O" + asc, "こんにちは", 0},
		{"mixed lines", "Dear " + jis + "2q5D" + asc + " team\r\n" + jis + "$O#1#0;~$+$i$G$9!#" + asc + "\r\n",
			"Dear 会議 team\r\nは１０時からです。\r\n", 0},
		{"circled numbers from iPhone", jis + "4]?t;z$N%F%9%H$G$9-\"|r" + asc, "丸数字のテストです②ⅱ", 0},
		{"JIS X 0201 Roman is read as ASCII", rom + "C:\\path ~" + asc, "C:\\path ~", 0},
		{"half-width katakana ESC ( I", kan + "1234" + asc + "!", "ｱｲｳｴ!", 0},
		{"half-width katakana SO/SI", "a\x0e1\x0fb", "aｱb", 0},
		{"JIS X 0212", sup + "\"/" + asc, "˘", 0},
		{"long-form JIS X 0208", esc + "$(B" + "$3" + asc, "こ", 0},
		{"JIS X 0213 plane 1 rows shared with 0208", esc + "$(Q" + "$3-!" + asc, "こ①", 0},
		{"JIS X 0213 plane 1 row 85+ unknown", esc + "$(Q" + "u!" + asc, "\uFFFD", 1},
		{"1990 announcer ignored", esc + "&@" + jis + "$3" + asc, "こ", 0},
		{"G2 designation ignored, single shift replaced", esc + ".A" + esc + "NAx", "\uFFFDx", 1},
		{"GB2312 in ISO-2022-JP-2 not mapped", esc + "$A" + "0!" + asc + "x", "\uFFFDx", 1},
		// Senders that forget ESC ( B before the line break: the break
		// survives and the next line is ASCII (x/text would eat CR LF).
		{"missing ESC ( B before CRLF", jis + "$3\r\nabc", "こ\r\nabc", 0},
		{"missing ESC ( B before LF", jis + "$3\nabc", "こ\nabc", 0},
		{"missing ESC ( B at end", jis + "$3", "こ", 0},
		{"space inside kanji run", jis + "$3 $s" + asc, "こ ん", 0},
		{"control as second byte", jis + "$\x01" + asc, "\uFFFD\x01", 1},
		{"odd byte at end", jis + "$3$", "こ\uFFFD", 1},
		{"truncated escape at end", "ab" + esc + "$", "ab\uFFFD$", 1},
		{"unknown escape", "a" + esc + "zb", "a\uFFFDzb", 1},
		{"undefined cell", jis + ")!" + asc, "\uFFFD", 1}, // row 9 is empty
		{"8-bit byte among escapes", jis + "$3" + asc + "\xa0", "こ\uFFFD", 1},
		{"katakana out of range", kan + "`" + asc, "\uFFFD", 1},
	}
	for _, c := range cases {
		got, res := Decode([]byte(c.in), "iso-2022-jp")
		if got != c.want || res.Replaced != c.replaced || res.Charset != "iso-2022-jp" {
			t.Errorf("%s: Decode(%q) = %q, %+v; want %q with %d replaced", c.name, c.in, got, res, c.want, c.replaced)
		}
	}
}

func TestISO2022JPAliases(t *testing.T) {
	in := []byte(jis + "-j-b" + asc)
	for _, label := range []string{"iso-2022-jp", "ISO-2022-JP", "csISO2022JP", "iso-2022-jp-1", "iso-2022-jp-2",
		"iso-2022-jp-3", "iso-2022-jp-2004", "iso-2022-jp-ms", "CP50220", "cp50221", "cp50222", "\"iso-2022-jp\""} {
		got, res := Decode(in, label)
		if got != "㈱№" || res.Charset != "iso-2022-jp" || res.Guessed {
			t.Errorf("Decode(_, %q) = %q, %+v", label, got, res)
		}
	}
}

// TestISO2022JPMatchesXText checks the rewrite against x/text's decoder on
// well-formed input (where both must agree) built from random JIS X 0208,
// JIS X 0212 and katakana runs.
func TestISO2022JPMatchesXText(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for n := 0; n < 300; n++ {
		var b bytes.Buffer
		for runs := rng.Intn(8); runs >= 0; runs-- {
			switch rng.Intn(4) {
			case 0:
				b.WriteString(asc + "Hello, ")
			case 1:
				b.WriteString(jis)
				for i := rng.Intn(20); i >= 0; i-- {
					// Rows 0x75–0x78, empty in JIS X 0208, hold au's
					// emoji (TestCarrierEmoji).
					b.WriteByte(byte(0x21 + rng.Intn(0x54)))
					b.WriteByte(byte(0x21 + rng.Intn(94)))
				}
			case 2:
				b.WriteString(sup)
				for i := rng.Intn(5); i >= 0; i-- {
					b.WriteByte(byte(0x21 + rng.Intn(94)))
					b.WriteByte(byte(0x21 + rng.Intn(94)))
				}
			case 3:
				b.WriteString(kan)
				for i := rng.Intn(5); i >= 0; i-- {
					b.WriteByte(byte(0x21 + rng.Intn(0x3f)))
				}
			}
		}
		b.WriteString(asc)
		want, err := japanese.ISO2022JP.NewDecoder().String(b.String())
		if err != nil {
			t.Fatal(err)
		}
		got, _ := Decode(b.Bytes(), "iso-2022-jp")
		if got != want {
			t.Fatalf("input %q:\n got %q\nwant %q", b.String(), got, want)
		}
	}
}

// TestISO2022JPStreaming feeds the Lookup decoder one byte at a time, so
// every escape sequence and character is split across calls.
func TestISO2022JPStreaming(t *testing.T) {
	in := "Re: " + jis + "$*@$OC$K$J$C$F$*$j$^$9!#-!-j" + asc + "\r\n" + kan + "123" + asc + sup + "\"/" + asc + " " + esc + "$"
	enc, _, ok := Lookup("iso-2022-jp")
	if !ok {
		t.Fatal("iso-2022-jp unknown")
	}
	r := transform.NewReader(iotest.OneByteReader(bytes.NewReader([]byte(in))), enc.NewDecoder())
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Decode([]byte(in), "iso-2022-jp")
	if string(got) != want {
		t.Errorf("streamed %q, Decode %q", got, want)
	}
}

func TestShiftJIS(t *testing.T) {
	cases := []struct {
		name, in, want string
		replaced       int
	}{
		{"sentence", "\x82\xa8\x90\xa2\x98b\x82\xc9\x82\xc8\x82\xc1\x82\xc4\x82\xa8\x82\xe8\x82\xdc\x82\xb7\x81B", "お世話になっております。", 0},
		{"greeting", "\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd", "こんにちは", 0},
		{"NEC row 13", "\x87@\x87\x8a\x87\x82\x87T", "①㈱№Ⅰ", 0},
		{"NEC-selected IBM extension", "\xed@", "纊", 0},
		{"IBM extensions", "\xfa@\xfaU", "ⅰ￤", 0},
		{"half-width katakana", "\xb1\xb2\xb3", "ｱｲｳ", 0},
		{"trail byte 0x5C (ソ, 表)", "\x83\x5c\x95\x5c", "ソ表", 0},
		{"CP932 mappings for ～ and ＼", "\x81`\x81_", "～＼", 0},
		{"truncated", "\x82\xb1\x82", "こ\uFFFD", 1},
		{"invalid lead", "\xa0a", "\uFFFDa", 1},
		{"empty row", "\x85@", "\uFFFD", 1},
	}
	for _, c := range cases {
		got, res := Decode([]byte(c.in), "shift_jis")
		if got != c.want || res.Replaced != c.replaced || res.Charset != "shift_jis" || res.Guessed {
			t.Errorf("%s: Decode(%q) = %q, %+v; want %q, %d replaced", c.name, c.in, got, res, c.want, c.replaced)
		}
	}
}

func TestShiftJISAliases(t *testing.T) {
	in := []byte("\x87@\x87\x8a\x82\xb1")
	for _, label := range []string{"Shift_JIS", "shift-jis", "SJIS", "x-sjis", "MS_Kanji", "csShiftJIS", "Windows-31J",
		"cp932", "CP932", "ms932", "windows-932", "x-sjis-docomo", "x-sjis-kddi", "x-sjis-softbank", "Shift_JIS-2004",
		"shift_jisx0213", "sjis-win", "x-mac-japanese", " 'Shift_JIS' "} {
		got, res := Decode(in, label)
		if got != "①㈱こ" || res.Charset != "shift_jis" || res.Guessed {
			t.Errorf("Decode(_, %q) = %q, %+v", label, got, res)
		}
	}
}

func TestEUCJP(t *testing.T) {
	cases := []struct {
		name, in, want string
		replaced       int
	}{
		{"sentence", "\xa4\xaa\xc0\xa4\xcf\xc3\xa4\xcb\xa4\xca\xa4\xc3\xa4\xc6\xa4\xaa\xa4\xea\xa4\xde\xa4\xb9\xa1\xa3", "お世話になっております。", 0},
		{"NEC row 13", "\xad\xa1\xad\xea", "①㈱", 0},
		{"half-width katakana", "\x8e\xb1\x8e\xb2", "ｱｲ", 0},
		{"JIS X 0212", "\x8f\xa2\xaf", "˘", 0},
		{"invalid", "\xa4", "\uFFFD", 1},
	}
	for _, label := range []string{"EUC-JP", "eucjp", "x-euc-jp", "ujis", "cp51932", "eucJP-ms"} {
		for _, c := range cases {
			got, res := Decode([]byte(c.in), label)
			if got != c.want || res.Replaced != c.replaced || res.Charset != "euc-jp" || res.Guessed {
				t.Errorf("%s %s: Decode(%q) = %q, %+v; want %q, %d replaced", label, c.name, c.in, got, res, c.want, c.replaced)
			}
		}
	}
}
