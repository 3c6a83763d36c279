package office

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"

	"golang.org/x/text/encoding/japanese"
)

// sjis writes s as \'hh escapes of its Shift_JIS (CP932) bytes, the way
// Word writes text in an \ansicpg932 document.
func sjis(t testing.TB, s string) string {
	t.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	// Word escapes every byte of a double-byte character but writes an
	// ASCII trail byte as itself ("\'95\\" for 表, whose trail byte is
	// the backslash); so does this.
	var out strings.Builder
	trail := false
	for _, c := range b {
		switch {
		case trail && c < 0x80:
			if c == '\\' || c == '{' || c == '}' {
				out.WriteByte('\\')
			}
			out.WriteByte(c)
		case c < 0x80:
			out.WriteByte(c)
		default:
			fmt.Fprintf(&out, `\'%02x`, c)
		}
		trail = !trail && ((c >= 0x81 && c <= 0x9F) || (c >= 0xE0 && c <= 0xFC))
	}
	return out.String()
}

// uni writes s as \uN control words (signed 16-bit UTF-16 code units),
// each followed by the fallback fb (for \ucN skipping).
func uni(s, fb string) string {
	var out strings.Builder
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&out, `\u%d%s`, int16(u), fb)
	}
	return out.String()
}

func extractRTF(t *testing.T, src string) Result {
	t.Helper()
	data := []byte(src)
	if k := Detect(data); k != KindRTF {
		t.Fatalf("Detect = %q", k)
	}
	return extract(t, data)
}

// TestRTF covers Japanese in \'hh escapes of \ansicpg932 and of a font's
// \fcharset128, \uN with \uc1 and \uc2 fallbacks (negative values and a
// surrogate pair), paragraphs, breaks and symbols, a table, skipped
// destinations (font, colour and style tables, info, generator, pictures,
// binary data, unknown \* destinations), a field result, headers, a
// footnote and an annotation.
func TestRTF(t *testing.T) {
	src := `{\rtf1\ansi\ansicpg932\deff0\deflang1033\deflangfe1041` +
		`{\fonttbl{\f0\fnil\fcharset128 ` + sjis(t, "ＭＳ 明朝") + `;}{\f1\fswiss\fcharset0 Arial;}}` +
		`{\colortbl ;\red255\green0\blue0;}{\stylesheet{\s0 Normal;}}` +
		`{\info{\title ` + sjis(t, "題名") + `}{\author x}}{\*\generator Riched20 10.0.19041;}` +
		`{\header \pard\plain ` + sjis(t, "ヘッダー") + `\par}{\footer \pard\plain ` + sjis(t, "フッター") + `\par}` +
		"\\viewkind4\\uc1\r\n" +
		`\pard\f0\fs21 ` + sjis(t, "お世話になっております。①㈱") + `\par` + "\r\n" +
		`\uc1 ` + uni("ユニコード！𠮷", "?") + ` \uc2 ` + uni("二", `\'93\'f1`) + `\par ` +
		`A\tab B\line C\~D\emdash E \{braces\} \\ back\par` +
		`{\pict\pngblip\picw10 89504e470d0a1a0a}` +
		`{\*\shppict{\pict\bin8 }{\}\'zz}}` + `after binary\par` +
		`{\*\unknowndest secret}\unknownword kept\par` +
		`\trowd\cellx1000\cellx2000\cellx3000 \pard\intbl ` + sjis(t, "品名") + `\cell\cell ` + sjis(t, "金額") + `\cell\row` +
		`\trowd\cellx1000\cellx2000 \pard\intbl A1\par A2\cell B\cell\row` +
		`\pard ` + sjis(t, "表の後") + `\par` +
		`{\field{\*\fldinst{ HYPERLINK "http://example.jp/" }}{\fldrslt{\ul ` + sjis(t, "リンク") + `}}}\par` +
		sjis(t, "本文") + `{\super\chftn}{\footnote\pard\plain{\super\chftn} ` + sjis(t, "脚注です。") + `}\par` +
		`{\*\atnid YT}{\*\atnauthor ` + sjis(t, "山田") + `}\chatn{\*\annotation{\*\atnref 1}\pard\plain ` + sjis(t, "確認") + `}` +
		`{\f1 Latin \f0 ` + sjis(t, "和文") + `}\par` +
		`}` + "\r\nignored after the end"
	res := extractRTF(t, src)
	checkText(t, res.Text, `お世話になっております。①㈱
ユニコード！𠮷 二
A	B
C D—E {braces} \ back
after binary
kept
品名 | 金額
A1 A2 | B
表の後
リンク
本文[1]
Latin 和文

--- headers and footers ---
ヘッダー

フッター

--- footnotes ---
[1] 脚注です。

--- comments ---
山田: 確認
`)
	checkRemoved(t, res.Removed)
}

// TestRTFFontCharset: \'hh bytes take the code page of the current
// font's \fcharset, not the document's.
func TestRTFFontCharset(t *testing.T) {
	res := extractRTF(t, `{\rtf1\ansi\ansicpg1252{\fonttbl{\f0\froman\fcharset0 Times;}{\f1\fmodern\fcharset128 MS Gothic;}{\f2\fcharset204 Arial Cyr;}}`+
		`\f0 caf\'e9 {\f1 `+sjis(t, "あ")+`} {\f2 \'cf\'f0\'e8\'e2\'e5\'f2}\par}`)
	checkText(t, res.Text, "café あ Привет\n")
}

// TestRTFActive: an embedded OLE object (its result shown, its data not),
// a linked object, an OLE control, a DDE field, an attached template.
func TestRTFActive(t *testing.T) {
	res := extractRTF(t, `{\rtf1\ansi `+
		`{\object\objemb\objw100\objh100{\*\objclass Package}{\*\objdata 0105000002000000080000005061636b616765004d5a9000}{\result{\pict\wmetafile8 0100}}}`+
		`{\object\objautlink{\*\objclass Excel.Sheet.8}{\*\objdata 01}{\result linked result}}\par`+
		`{\object\objocx{\*\objdata 01}}`+
		`{\field{\*\fldinst DDEAUTO c:\\windows\\system32\\cmd.exe "/k calc"}{\fldrslt shown}}\par`+
		`{\*\template http://192.0.2.1/evil.dotm}text\par}`)
	checkText(t, res.Text, "linked result\nshown\ntext\n")
	checkRemoved(t, res.Removed, "ActiveX control", "DDE field", "OLE object", "external link", "external template")
}

// TestRTFDeep: group nesting beyond the bound is a LimitError, not a
// stack of a million states.
func TestRTFDeep(t *testing.T) {
	src := `{\rtf1 ` + strings.Repeat("{", 1000000) + "x" + strings.Repeat("}", 1000000) + "}"
	_, err := Extract(context.Background(), []byte(src), KindRTF, Limits{})
	wantLimit(t, err, "RTF depth")

	// Nesting within the bound is fine.
	src = `{\rtf1 ` + strings.Repeat("{", 200) + "deep" + strings.Repeat("}", 200) + `\par}`
	checkText(t, extractRTF(t, src).Text, "deep\n")
}

// TestRTFHostileParameters: huge \bin, \uc and numeric parameters and
// truncated input end cleanly.
func TestRTFHostileParameters(t *testing.T) {
	for _, src := range []string{
		`{\rtf1 a\bin99999999999999999999`,
		`{\rtf1 a\bin-5 b\par}`,
		`{\rtf1 \uc999999999 \u12354 abc\par}`,
		`{\rtf1 \u99999999999999 x\par}`,
		`{\rtf1 \'`,
		`{\rtf1 \'4`,
		`{\rtf1 \`,
		`{\rtf1 \abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz123 x}`,
		`{\rtf1 }}}}}`,
	} {
		if _, err := Extract(context.Background(), []byte(src), KindRTF, Limits{}); err != nil {
			t.Errorf("%q: %v", src, err)
		}
	}
}

// TestRTFStarMidGroup: \* marks an ignorable destination only right after
// a group's opening brace ("{\*\dest"). A stray \* in the middle of a
// group, as some converters write, must not skip the rest of that group —
// here the document's own, with all its text.
func TestRTFStarMidGroup(t *testing.T) {
	res := extractRTF(t, `{\rtf1\ansi first\par \*\strayword second\par {\b bold \*\unknown still bold}\par`+
		`{\*\unknowndest hidden}{\i x \*\also shown}\par last\par}`)
	checkText(t, res.Text, "first\nsecond\nbold still bold\nx shown\nlast\n")
}
