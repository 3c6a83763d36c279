package sanitize

import (
	"io"
	"strings"
	"testing"
)

// BenchmarkOutputWrite measures the output writer alone: headers, a
// Japanese body (base64) and two text attachments (quoted-printable and
// 7bit) of about 100 KB in all, written through go-message's writers.
func BenchmarkOutputWrite(b *testing.B) {
	body := strings.Repeat("お世話になっております。総務課の山田です。来週の会議資料を送付いたします。\n", 600)
	m := &outMessage{
		header: []field{{"From", "yamada@example.lg.jp"}, {"To", "sato@example.lg.jp"}, {"Subject", "=?UTF-8?B?5Lya6K2w6LOH5paZ?="}},
		body:   body,
		attachments: []outPart{
			{name: "report.pdf.txt", text: strings.Repeat("Budget 2025: 1,234,567 yen; see table 3 (略).\n", 400)},
			{name: "memo.txt", text: strings.Repeat("plain ASCII memo line\n", 400)},
		},
		summary: "yes; converted=1",
	}
	pol := DefaultPolicy()
	size := len(body) + len(m.attachments[0].text) + len(m.attachments[1].text)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := m.write(io.Discard, &pol); err != nil {
			b.Fatal(err)
		}
	}
}
