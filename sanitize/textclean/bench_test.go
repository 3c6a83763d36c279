package textclean

import (
	"strings"
	"testing"
)

var (
	asciiText    = strings.Repeat("The quick brown fox jumps over the lazy dog.\n", 1500)
	japaneseText = strings.Repeat("いつもお世話になっております。株式会社サンプルの佐藤です。\n", 1000)
	dirtyText    = strings.Repeat("line with CRLF\r\nand\x00 controls \u202e and cafe\u0301\r\n", 1000)
)

func benchText(b *testing.B, s string) {
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		_ = Text(s)
	}
}

func BenchmarkTextASCII(b *testing.B)    { benchText(b, asciiText) }
func BenchmarkTextJapanese(b *testing.B) { benchText(b, japaneseText) }
func BenchmarkTextDirty(b *testing.B)    { benchText(b, dirtyText) }

func BenchmarkLine(b *testing.B) {
	s := "Re: 【重要】会議の件について（再送） - 株式会社サンプル"
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		_ = Line(s)
	}
}
