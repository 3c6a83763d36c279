package payload

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/mugai/mugai/internal/testinput/payloadtest"
)

// plainText returns about n bytes of ordinary mail text: Japanese and
// English paragraphs, a quoted reply, a signature, URLs, short words on
// lines of their own — everything Find has to look at and reject.
func plainText(n int) string {
	page := japaneseText +
		"Dear Mr. Yamada,\n\nThank you for your message of 12 March. The revised schedule is attached\n" +
		"below; please check the dates in section 3 and let me know by Friday.\n\n" +
		"> On Tue, 11 Mar 2025 09:14:02 +0900, Yamada Taro wrote:\n> Could you send the revised schedule?\n>\n" +
		"See https://www.example.go.jp/policy/2025/schedule.html?id=42&lang=ja for details.\n" +
		"Thanks\nSuzuki\n\n-- \n総務部 鈴木 花子 / Hanako Suzuki\nTEL 03-1234-5678\n" +
		"Message-ID: <20250312.091402.ABCDEF@example.jp>\n\n"
	return strings.Repeat(page, n/len(page)+1)[:n]
}

func benchmarkFind(b *testing.B, text string) {
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Find(text, Options{})
	}
}

func BenchmarkFindPlainText(b *testing.B) { benchmarkFind(b, plainText(1<<20)) }

func BenchmarkFindUUEncode(b *testing.B) {
	benchmarkFind(b, payloadtest.UUEncode("big.bin", payloadtest.FileBytes(50, 750<<10), '`'))
}

func BenchmarkFindBase64(b *testing.B) {
	benchmarkFind(b, payloadtest.WrapBase64(base64.StdEncoding, payloadtest.FileBytes(51, 750<<10), 76))
}

func BenchmarkFindYEnc(b *testing.B) {
	benchmarkFind(b, payloadtest.Latin1(payloadtest.YEnc("big.bin", payloadtest.FileBytes(52, 700<<10), 128, 0, 0, 0)))
}

func BenchmarkFindBase64Text(b *testing.B) {
	// Base64 that decodes to text: decoded, sniffed and searched again.
	benchmarkFind(b, payloadtest.WrapBase64(base64.StdEncoding, []byte(plainText(750<<10)), 76))
}
