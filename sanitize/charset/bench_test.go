package charset

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
)

// megabyte returns about 1 MB of realistic Japanese mail in enc.
func megabyte(b *testing.B, enc encoding.Encoding) []byte {
	one := encode(b, enc, japaneseMail)
	return bytes.Repeat(one, (1<<20)/len(one)+1)
}

func benchDecode(b *testing.B, in []byte, label string) {
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, res := Decode(in, label); res.Replaced != 0 {
			b.Fatalf("%+v", res)
		}
	}
}

func BenchmarkDecodeISO2022JP(b *testing.B) {
	benchDecode(b, megabyte(b, japanese.ISO2022JP), "iso-2022-jp")
}

func BenchmarkDecodeShiftJIS(b *testing.B) {
	benchDecode(b, megabyte(b, japanese.ShiftJIS), "shift_jis")
}

func BenchmarkDecodeEUCJP(b *testing.B) { benchDecode(b, megabyte(b, japanese.EUCJP), "euc-jp") }

func BenchmarkDecodeUTF8(b *testing.B) {
	benchDecode(b, bytes.Repeat([]byte(japaneseMail), (1<<20)/len(japaneseMail)+1), "utf-8")
}

// BenchmarkDecodeUnlabelledShiftJIS includes guessing.
func BenchmarkDecodeUnlabelledShiftJIS(b *testing.B) {
	benchDecode(b, megabyte(b, japanese.ShiftJIS), "")
}

func BenchmarkGuessShiftJIS(b *testing.B) {
	in := megabyte(b, japanese.ShiftJIS)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if Guess(in) != nameShiftJIS {
			b.Fatal("wrong guess")
		}
	}
}

// BenchmarkDecodeUTF8HTML decodes a megabyte of HTML, mostly ASCII, as
// newsletters are.
func BenchmarkDecodeUTF8HTML(b *testing.B) {
	line := `<td style="font-family: Arial; color: #333333;"><a href="https://example.com/news?id=1">Read more</a> ニュース</td>` + "\n"
	in := []byte(strings.Repeat(line, (1<<20)/len(line)))
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		DecodeCarrier(in, "utf-8", "")
	}
}
