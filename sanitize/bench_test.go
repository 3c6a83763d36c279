package sanitize_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"github.com/mugai/mugai/sanitize"
)

// japaneseMessage is a plain ISO-2022-JP business mail of about 20 KB.
func japaneseMessage(b testing.TB) []byte {
	para := "お世話になっております。総務課の山田です。来週の会議の資料を送付いたします。①議事次第②配布資料㈱テスト商事様よりご提案のあった件について、ご確認をお願いいたします。\n"
	body, err := japanese.ISO2022JP.NewEncoder().String(strings.Repeat(para, 80))
	if err != nil {
		b.Fatal(err)
	}
	return []byte("From: yamada@example.lg.jp\r\nTo: sato@example.lg.jp\r\nSubject: =?ISO-2022-JP?B?GyRCMnE1RDtxTkEbKEI=?=\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" +
		strings.ReplaceAll(body, "\n", "\r\n"))
}

// newsletter is an HTML newsletter of about 100 KB: nested layout tables,
// inline styles, links, images and a hidden preheader.
func newsletter() []byte {
	var h strings.Builder
	h.WriteString(`<html><head><style>td{font-family:sans-serif}</style></head><body>`)
	h.WriteString(`<div style="display:none;max-height:0;overflow:hidden">preheader text</div>`)
	h.WriteString(`<table width="600" cellpadding="0" cellspacing="0"><tr><td>`)
	for i := 0; h.Len() < 100<<10; i++ {
		fmt.Fprintf(&h, `<table width="100%%"><tr><td style="padding:10px"><h2 style="font-size:18px">記事 %d: 新しいお知らせ</h2>`+
			`<p style="color:#333">本文の段落です。詳しくは<a href="https://news.example.jp/articles/%d?utm_source=mail&amp;utm_medium=newsletter">こちら</a>をご覧ください。</p>`+
			`<img src="https://img.example.jp/%d.png" alt="写真 %d" width="560"><ul><li>ポイント一</li><li>ポイント二</li></ul></td></tr></table>`, i, i, i, i)
	}
	h.WriteString(`</td></tr></table><p style="font-size:0">hidden</p></body></html>`)
	return []byte("From: news@example.jp\r\nTo: sato@example.lg.jp\r\nSubject: newsletter\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + h.String())
}

// manyParts400 is a multipart/mixed with 400 small parts, half text
// attachments and half binaries.
func manyParts400() []byte {
	var b strings.Builder
	b.WriteString("From: a@example.jp\r\nTo: b@example.jp\r\nSubject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=xyz\r\n\r\n")
	for i := 0; i < 400; i++ {
		if i%2 == 0 {
			fmt.Fprintf(&b, "--xyz\r\nContent-Type: text/plain; charset=utf-8; name=\"note%d.txt\"\r\nContent-Disposition: attachment; filename=\"note%d.txt\"\r\n\r\nメモ %d の内容です。\r\n", i, i, i)
		} else {
			fmt.Fprintf(&b, "--xyz\r\nContent-Type: application/octet-stream; name=\"bin%d.dat\"\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA4fug4AtAnNIbgBTM0hVGhpcyBwcm9ncmFt\r\n", i)
		}
	}
	b.WriteString("--xyz--\r\n")
	return []byte(b.String())
}

func benchMessage(b *testing.B, msg []byte) {
	s := sanitize.New(sanitize.DefaultPolicy())
	if _, err := s.Message(io.Discard, bytes.NewReader(msg)); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Message(io.Discard, bytes.NewReader(msg)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlainJapanese(b *testing.B)  { benchMessage(b, japaneseMessage(b)) }
func BenchmarkNewsletter100K(b *testing.B) { benchMessage(b, newsletter()) }
func BenchmarkManyParts(b *testing.B)      { benchMessage(b, manyParts400()) }
