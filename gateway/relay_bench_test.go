package gateway

import (
	"encoding/base64"
	"fmt"
	"net/smtp"
	"strings"
	"sync"
	"testing"

	"github.com/mugai/mugai/internal/smtptest"
)

// newsletterMail is a 60 KB HTML newsletter as mail tools send it: a short
// plain alternative and the HTML (nested layout tables, inline styles,
// tracking links, images, a hidden preheader), both UTF-8 in base64.
func newsletterMail() []byte {
	var h strings.Builder
	h.WriteString(`<html><head><style>td{font-family:sans-serif}</style></head><body style="margin:0">` +
		`<div style="display:none;max-height:0;overflow:hidden">今月の特集</div>` +
		`<table role="presentation" width="600" cellpadding="0" cellspacing="0"><tr><td>`)
	for i := 0; h.Len() < 42<<10; i++ {
		fmt.Fprintf(&h, `<tr><td style="padding:16px 24px;"><h2 style="font-size:18px;color:#222;">特集 %d：秋の防災フェア</h2>`+
			`<p style="font-size:14px;line-height:1.7;color:#444;">市民会館にて防災フェアを開催します。①非常食の試食②起震車体験③㈱テスト商事による展示。`+
			`<a href="https://mail.shop.example.jp/c/a%d?utm_source=newsletter&amp;utm_medium=email" style="color:#0a7d3b;">詳しくはこちら</a>。</p>`+
			`<table width="100%%" border="1" style="border-collapse:collapse"><tr><th>日時</th><th>場所</th></tr><tr><td>10月%d日 10:00〜</td><td>中央公園</td></tr></table>`+
			`<img src="https://img.shop.example.jp/%d.jpg" alt="写真 %d" width="260"></td></tr>`, i, i, 1+i%30, i, i)
	}
	h.WriteString(`</td></tr></table><p style="font-size:0">hidden</p></body></html>`)
	plain := strings.Repeat("市民会館にて防災フェアを開催します。詳しくはウェブサイトをご覧ください。\n", 30)
	return []byte("From: news@shop.example.jp\r\nTo: b@example.jp\r\nSubject: newsletter\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=alt\r\n\r\n" +
		"--alt\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64Lines(plain) +
		"--alt\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64Lines(h.String()) +
		"--alt--\r\n")
}

func base64Lines(s string) string {
	e := base64.StdEncoding.EncodeToString([]byte(s))
	var b strings.Builder
	for len(e) > 76 {
		b.WriteString(e[:76] + "\r\n")
		e = e[76:]
	}
	return b.String() + e + "\r\n"
}

// benchRelay sends msg b.N times through the whole relay in-process —
// smtpd, the sanitizer, delivery — from 20 concurrent clients to a
// recording next hop on loopback, and reports messages per second.
func benchRelay(b *testing.B, msg []byte) {
	for _, v := range []struct{ name, config string }{{"vault=off", "vault: {enabled: false}\n"}, {"vault=sqlite", ""}} {
		b.Run(v.name, func(b *testing.B) { benchRelayWith(b, msg, v.config) })
	}
}

// benchRelayWith is benchRelay with more configuration.
func benchRelayWith(b *testing.B, msg []byte, extra string) {
	next := smtptest.NewServer(b, nil)
	_, dnsYAML := authDNS(b)
	addr := startRelay(b, dnsYAML+fmt.Sprintf("listen: {smtp: \"127.0.0.1:0\"}\nrelay: {networks: [127.0.0.0/8]}\ndelivery: {next_hop: \"%s\", tls: none}\nlimits: {connections_per_ip: 100}\n%s", next.Addr, extra))
	loadRelay(b, addr, msg)
}

// loadRelay sends msg b.N times to the relay at addr from 20 concurrent
// clients and reports messages per second.
func loadRelay(b *testing.B, addr string, msg []byte) {
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	jobs := make(chan struct{})
	for w := 0; w < 20; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				if err := smtp.SendMail(addr, nil, "a@example.jp", []string{"b@example.jp"}, msg); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for i := 0; i < b.N; i++ {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkRelay measures the whole relay in-process: 20 concurrent
// clients send a 10 KB plain-text message each through smtpd and the
// sanitizer to a recording next hop on loopback, with the vault off and
// on (SQLite in a temporary directory).
func BenchmarkRelay(b *testing.B) {
	body := strings.Repeat("This is a line of a plain text message of about ten kilobytes.\r\n", 160)
	benchRelay(b, []byte("From: a@example.jp\r\nTo: b@example.jp\r\nSubject: load\r\n\r\n"+body))
}

// BenchmarkRelayHTML is BenchmarkRelay with a 60 KB HTML newsletter, the
// kind whose conversion costs the most CPU among message bodies.
func BenchmarkRelayHTML(b *testing.B) { benchRelay(b, newsletterMail()) }
