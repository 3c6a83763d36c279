package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/text/encoding/japanese"
)

// The message kinds of the relay figures. Each is written with LF line
// ends for smtp-source -F (which ends every line with CRLF itself) and,
// as *.crlf.eml, with CRLF for "mugai sanitize".
const (
	plainSize = 10 << 10 // a plain Japanese business mail
	htmlSize  = 60 << 10 // an HTML newsletter (multipart/alternative)
	pdfSize   = 1000_000 // a mail with a PDF report attached
)

// generate writes every input of the harness into dir.
func generate(dir string, bigMsgMB int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := map[string][]byte{}
	files["plain"] = plainMessage(plainSize)
	// The HTML goes base64-encoded (4/3 larger) beside a short plain
	// alternative, so it is sized to make the message htmlSize.
	news := newsletterHTML((htmlSize-5<<10)*3/4, 1)
	files["html"] = htmlMessage(news)
	report, err := pdfOfSize(740_000)
	if err != nil {
		return err
	}
	files["pdf"] = pdfMessage(report, "令和7年度事業報告書.pdf")
	for name, msg := range files {
		if err := os.WriteFile(filepath.Join(dir, name+".eml"), msg, 0o644); err != nil {
			return err
		}
		crlf := bytes.ReplaceAll(msg, []byte("\n"), []byte("\r\n"))
		if err := os.WriteFile(filepath.Join(dir, name+".crlf.eml"), crlf, 0o644); err != nil {
			return err
		}
	}
	// Converter inputs: the newsletter's HTML, a long one, the report,
	// a long text-only report, and a one-page one (where a conversion's
	// fixed cost shows: scripts/convert-cost.sh).
	big := newsletterHTML(1<<20, 2)
	var long, small bytes.Buffer
	if err := reportPDF(&long, 300, nil, 0, 0, false, 3); err != nil {
		return err
	}
	if err := reportPDF(&small, 1, nil, 0, 0, false, 4); err != nil {
		return err
	}
	for name, data := range map[string][]byte{
		"news.html": news, "big.html": big, "report.pdf": report, "long.pdf": long.Bytes(), "small.pdf": small.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	if bigMsgMB > 0 {
		return bigMessage(filepath.Join(dir, "big.crlf.eml"), int64(bigMsgMB)*1000_000)
	}
	return nil
}

// pdfOfSize makes a report with photos whose size is about want bytes:
// text pages, a ruled table every third page and distinct photos.
func pdfOfSize(want int) ([]byte, error) {
	var photos [][]byte
	for i := 0; i < 5; i++ {
		photos = append(photos, photo(800, 533, uint64(i), 80))
	}
	per := len(photos[0])
	var text bytes.Buffer
	if err := reportPDF(&text, 24, nil, 0, 0, false, 1); err != nil {
		return nil, err
	}
	n := max(1, min(len(photos), (want-text.Len())/per))
	var b bytes.Buffer
	err := reportPDF(&b, 24, photos[:n], 800, 533, false, 1)
	return b.Bytes(), err
}

// header writes the fields common to every message, LF line ends.
func header(b *strings.Builder, subject, from string, extra ...string) {
	fmt.Fprintf(b, "Return-Path: <%s>\n", from)
	fmt.Fprintf(b, "From: %s <%s>\n", mime.BEncoding.Encode("utf-8", "山田 太郎"), from)
	b.WriteString("To: soumu@city.example.lg.jp\n")
	fmt.Fprintf(b, "Subject: %s\n", iso2022Word(subject))
	b.WriteString("Date: Tue, 14 Oct 2025 10:23:45 +0900\n")
	b.WriteString("Message-ID: <20251014102345.4F2A1@mail.example.jp>\n")
	b.WriteString("MIME-Version: 1.0\n")
	for _, e := range extra {
		b.WriteString(e + "\n")
	}
}

// iso2022Word is subject as an RFC 2047 encoded word in ISO-2022-JP, as
// Japanese mail clients write it.
func iso2022Word(s string) string {
	enc, _ := japanese.ISO2022JP.NewEncoder().String(s)
	return "=?ISO-2022-JP?B?" + base64.StdEncoding.EncodeToString([]byte(enc)) + "?="
}

// iso2022Body is text in ISO-2022-JP, wrapped at 36 characters a line
// (Japanese clients wrap near 72 columns), LF line ends.
func iso2022Body(rng *rand.Rand, size int) string {
	var b strings.Builder
	for b.Len() < size {
		for _, l := range wrap(paragraph(rng, 4), 36) {
			enc, _ := japanese.ISO2022JP.NewEncoder().String(l)
			b.WriteString(enc + "\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func plainMessage(size int) []byte {
	rng := rand.New(rand.NewPCG(1, 1))
	var b strings.Builder
	header(&b, "会議資料の送付について", "yamada@example.jp",
		"Content-Type: text/plain; charset=ISO-2022-JP", "Content-Transfer-Encoding: 7bit")
	b.WriteString("\n")
	b.WriteString(iso2022Body(rng, size-b.Len()))
	return []byte(b.String())
}

// newsletterHTML is a retail newsletter as mail marketing tools write it:
// nested layout tables, inline styles, a hidden preheader, conditional
// comments, tracking links and pixels, images, an event table and a
// footer with unsubscribe links, to about size bytes.
func newsletterHTML(size int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 2))
	var h strings.Builder
	h.WriteString(`<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" lang="ja"><head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>まちの暮らし通信 10月号</title>
<!--[if mso]><xml><o:OfficeDocumentSettings><o:PixelsPerInch>96</o:PixelsPerInch></o:OfficeDocumentSettings></xml><![endif]-->
<style type="text/css">
body{margin:0;padding:0;background:#f2f2f2;font-family:'Hiragino Kaku Gothic ProN',Meiryo,sans-serif}
.btn a{display:inline-block;padding:12px 24px;background:#0a7d3b;color:#fff;text-decoration:none;border-radius:4px}
@media only screen and (max-width:600px){.col{display:block!important;width:100%!important}}
</style></head>
<body style="margin:0;padding:0;background-color:#f2f2f2;">
<div style="display:none;font-size:1px;line-height:1px;max-height:0;max-width:0;opacity:0;overflow:hidden;">今月の特集：秋の防災フェアと新米フェア開催のお知らせ&zwnj;&nbsp;&zwnj;&nbsp;</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#f2f2f2"><tr><td align="center" style="padding:20px 0;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;background:#ffffff;">
<tr><td style="padding:16px 24px;border-bottom:3px solid #0a7d3b;"><a href="https://mail.shop.example.jp/c/1a2b3c?u=8812&amp;utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=2025oct"><img src="https://img.shop.example.jp/logo.png" width="180" height="40" alt="まちの暮らし通信" style="display:block;border:0;"></a></td></tr>
<tr><td style="padding:8px 24px;font-size:12px;"><table role="presentation" width="100%"><tr>
<td align="center"><a href="https://mail.shop.example.jp/c/nav1?utm_source=newsletter" style="color:#333;text-decoration:none;">新着商品</a></td>
<td align="center"><a href="https://mail.shop.example.jp/c/nav2?utm_source=newsletter" style="color:#333;text-decoration:none;">セール</a></td>
<td align="center"><a href="https://mail.shop.example.jp/c/nav3?utm_source=newsletter" style="color:#333;text-decoration:none;">イベント</a></td>
<td align="center"><a href="https://mail.shop.example.jp/c/nav4?utm_source=newsletter" style="color:#333;text-decoration:none;">お問い合わせ</a></td>
</tr></table></td></tr>
`)
	const footer = `<tr><td style="padding:24px;background:#333;color:#ccc;font-size:11px;line-height:1.6;">
<p style="margin:0 0 8px 0;">このメールは配信をご希望いただいた方にお送りしています。配信停止は<a href="https://mail.shop.example.jp/unsubscribe?u=8812&amp;t=f3a9c2" style="color:#fff;">こちら</a>、配信先の変更は<a href="https://mail.shop.example.jp/profile?u=8812" style="color:#fff;">マイページ</a>から。</p>
<p style="margin:0;">株式会社まちの暮らし　〒100-0001 東京都千代田区千代田1-1　TEL 03-0000-0000</p>
</td></tr></table>
<img src="https://mail.shop.example.jp/open.gif?u=8812&amp;m=2025oct" width="1" height="1" alt="" style="display:block;">
</td></tr></table></body></html>
`
	for i := 1; h.Len() < size-len(footer); i++ {
		switch i % 4 {
		case 0:
			// An event table.
			h.WriteString(`<tr><td style="padding:16px 24px;"><h3 style="font-size:16px;color:#0a7d3b;margin:0 0 8px 0;">イベント情報</h3>
<table width="100%" cellpadding="6" cellspacing="0" border="1" style="border-collapse:collapse;font-size:13px;border-color:#ddd;">
<tr style="background:#eef7f1;"><th align="left">日時</th><th align="left">場所</th><th align="left">内容</th></tr>
`)
			for r := 0; r < 4; r++ {
				fmt.Fprintf(&h, "<tr><td>10月%d日（%s）%d:00〜</td><td>%s</td><td>%s</td></tr>\n",
					1+rng.IntN(30), pick(rng, []string{"月", "火", "水", "木", "金", "土", "日"}), 9+rng.IntN(8),
					pick(rng, []string{"市民会館 大ホール", "中央公園", "駅前広場", "図書館 多目的室"}), pick(rng, headings))
			}
			h.WriteString("</table></td></tr>\n")
		case 2:
			// Two product columns.
			h.WriteString(`<tr><td style="padding:8px 24px;"><table role="presentation" width="100%"><tr>`)
			for c := 0; c < 2; c++ {
				id := rng.IntN(100000)
				fmt.Fprintf(&h, `<td class="col" width="50%%" valign="top" style="padding:8px;"><a href="https://mail.shop.example.jp/c/p%d?utm_source=newsletter&amp;utm_content=item%d"><img src="https://img.shop.example.jp/items/%d.jpg" width="260" alt="%s" style="display:block;width:100%%;border:0;"></a>
<p style="font-size:14px;font-weight:bold;margin:8px 0 4px 0;">%s セット</p><p style="font-size:13px;color:#c00;margin:0;">特価 %d円（税込）</p></td>`,
					id, i, id, pick(rng, projects), pick(rng, projects), 980+rng.IntN(9000))
			}
			h.WriteString("</tr></table></td></tr>\n")
		default:
			// An article with a button.
			fmt.Fprintf(&h, `<tr><td style="padding:16px 24px;"><h2 style="font-size:18px;color:#222;margin:0 0 8px 0;">%s</h2>
<p style="font-size:14px;line-height:1.7;color:#444;margin:0 0 12px 0;">%s<a href="https://mail.shop.example.jp/c/a%d?utm_source=newsletter&amp;utm_medium=email" style="color:#0a7d3b;">詳しくはこちら</a>。</p>
<p style="font-size:14px;line-height:1.7;color:#444;margin:0 0 12px 0;">%s</p>
<div class="btn" style="text-align:center;"><a href="https://mail.shop.example.jp/c/b%d?utm_source=newsletter">特集ページを見る</a></div></td></tr>
`, pick(rng, headings), paragraph(rng, 3), i, paragraph(rng, 2), i)
		}
	}
	h.WriteString(footer)
	return []byte(h.String())
}

// htmlMessage wraps a newsletter as mail tools send it: a short plain
// text alternative and the HTML, both UTF-8 in base64 (quoted-printable
// would triple the size of Japanese text).
func htmlMessage(html []byte) []byte {
	rng := rand.New(rand.NewPCG(4, 4))
	var b strings.Builder
	header(&b, "【まちの暮らし通信】10月号：秋の防災フェアのお知らせ", "news@shop.example.jp",
		`Content-Type: multipart/alternative; boundary="----=_Part_4711_1.1760400000"`, "List-Unsubscribe: <https://mail.shop.example.jp/unsubscribe?u=8812>")
	b.WriteString("\n------=_Part_4711_1.1760400000\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: base64\n\n")
	var plain strings.Builder
	for plain.Len() < 2<<10 {
		plain.WriteString(paragraph(rng, 3) + "\n\n")
	}
	b.WriteString(base64Lines([]byte(plain.String())))
	b.WriteString("\n------=_Part_4711_1.1760400000\nContent-Type: text/html; charset=UTF-8\nContent-Transfer-Encoding: base64\n\n")
	b.WriteString(base64Lines(html))
	b.WriteString("\n------=_Part_4711_1.1760400000--\n")
	return []byte(b.String())
}

// pdfMessage is a mail with a body and a PDF attachment, named the way
// Japanese clients do (RFC 2047 in name, RFC 2231 in filename*).
func pdfMessage(pdf []byte, name string) []byte {
	var b strings.Builder
	writePDFMessageHead(&b, name)
	b.WriteString(base64Lines(pdf))
	b.WriteString("\n--=_mugai_bench_1--\n")
	return []byte(b.String())
}

func writePDFMessageHead(b *strings.Builder, name string) {
	rng := rand.New(rand.NewPCG(5, 5))
	header(b, "令和7年度事業報告書の送付", "yamada@example.jp", `Content-Type: multipart/mixed; boundary="=_mugai_bench_1"`)
	b.WriteString("\n--=_mugai_bench_1\nContent-Type: text/plain; charset=ISO-2022-JP\nContent-Transfer-Encoding: 7bit\n\n")
	b.WriteString(iso2022Body(rng, 2<<10))
	fmt.Fprintf(b, "\n--=_mugai_bench_1\nContent-Type: application/pdf; name=\"%s\"\nContent-Transfer-Encoding: base64\n"+
		"Content-Disposition: attachment; filename*=UTF-8''%s\n\n",
		mime.BEncoding.Encode("utf-8", name), rfc2231(name))
}

// rfc2231 percent-encodes a value for an RFC 2231 extended parameter.
func rfc2231(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && (c == '.' || c == '-' || c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// base64Lines is data in base64, 76 characters a line, LF line ends.
func base64Lines(data []byte) string {
	s := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	b.Grow(len(s) + len(s)/76 + 1)
	for len(s) > 76 {
		b.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	b.WriteString(s + "\n")
	return b.String()
}

// bigMessage writes a message of about size bytes, CRLF line ends: a
// body and one scanned PDF (a page image per page and a text layer),
// base64-encoded, streamed to the file.
func bigMessage(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	var head strings.Builder
	writePDFMessageHead(&head, "スキャン文書.pdf")
	bw.WriteString(strings.ReplaceAll(head.String(), "\n", "\r\n"))

	// base64 grows by 4/3 plus a CRLF per 76 characters.
	pdfBytes := (size - int64(head.Len())) * 57 / 78
	scans := [][]byte{photo(1240, 1754, 21, 60), photo(1240, 1754, 22, 60)}
	pages := int(pdfBytes / int64(len(scans[0])))
	enc := base64.NewEncoder(base64.StdEncoding, &lineWriter{w: bw, width: 76})
	if err := reportPDF(enc, max(1, pages), scans, 1240, 1754, true, 9); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	bw.WriteString("\r\n--=_mugai_bench_1--\r\n")
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// lineWriter breaks a stream into CRLF-ended lines of width bytes.
type lineWriter struct {
	w     io.Writer
	width int
	col   int
}

func (l *lineWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if l.col == l.width {
			if _, err := l.w.Write([]byte("\r\n")); err != nil {
				return n, err
			}
			l.col = 0
		}
		k := min(len(p), l.width-l.col)
		if _, err := l.w.Write(p[:k]); err != nil {
			return n, err
		}
		l.col += k
		n += k
		p = p[k:]
	}
	return n, nil
}
