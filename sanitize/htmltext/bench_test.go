package htmltext

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
)

// newsletter builds a realistic HTML newsletter of about size bytes: a
// preheader, nested layout tables with inline styles, a two-column product
// grid, a data table, lists, many tracked links and images, Outlook
// conditional comments and a footer, as mail marketing tools produce them.
func newsletter(size int) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<title>Weekly news</title><style type="text/css">body{margin:0;padding:0}table td{border-collapse:collapse}
@media only screen and (max-width:600px){.col{width:100%!important;display:block!important}}</style></head>
<body style="margin:0;padding:0;background:#f0f0f0">
<div style="display:none;font-size:1px;color:#f0f0f0;line-height:1px;max-height:0;max-width:0;opacity:0;overflow:hidden;mso-hide:all">This week: spring offers, events and news &zwnj;&nbsp;&#847;&zwnj;&nbsp;&#847;</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#f0f0f0"><tr><td align="center">
<!--[if mso]><table role="presentation" width="600"><tr><td><![endif]-->
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;background:#ffffff">
`)
	for i := 0; b.Len() < size-2000; i++ {
		fmt.Fprintf(&b, `<tr><td style="padding:24px 24px 0 24px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:22px;color:#333333">
<h2 style="margin:0 0 8px 0;font-size:20px;color:#1a1a1a">Story %[1]d: news from the garden</h2>
<p style="margin:0 0 12px 0">Spring brings new plants &amp; fresh ideas. Read how our customers in town %[1]d
grow tomatoes, herbs and flowers on a small balcony &mdash; and what you can learn from them.
<a href="https://click.example.com/t/%[1]d?u=8f3e&amp;l=story" style="color:#0b66c3;text-decoration:underline">Read the full story</a></p>
<table role="presentation" width="100%%" cellpadding="0" cellspacing="0" border="0"><tr>
<td class="col" width="50%%" valign="top" style="padding:0 8px 0 0">
<a href="https://click.example.com/t/%[1]d/p1"><img src="https://cdn.example.com/img/%[1]d-1.jpg" width="268" height="180" alt="Product %[1]d-1" style="display:block;border:0;width:100%%;height:auto"></a>
<p style="margin:8px 0 0 0;font-weight:bold">Seed box %[1]d</p><p style="margin:0;color:#777">&euro;%[1]d.95 &nbsp;<span style="text-decoration:line-through">&euro;%[1]d9.00</span></p>
</td><td class="col" width="50%%" valign="top" style="padding:0 0 0 8px">
<a href="https://click.example.com/t/%[1]d/p2"><img src="https://cdn.example.com/img/%[1]d-2.jpg" width="268" height="180" alt="Product %[1]d-2" style="display:block;border:0;width:100%%;height:auto"></a>
<p style="margin:8px 0 0 0;font-weight:bold">Garden tool %[1]d</p><p style="margin:0;color:#777">&euro;1%[1]d.50</p>
</td></tr></table>
<table cellpadding="4" cellspacing="0" border="1" style="border-collapse:collapse;margin:12px 0;font-size:13px">
<tr><th align="left">Event</th><th align="left">Date</th><th align="left">Place</th></tr>
<tr><td>Planting workshop</td><td>May %[1]d</td><td>Community hall</td></tr>
<tr><td>Seed swap</td><td>June %[1]d</td><td>Market square</td></tr></table>
<ul style="margin:0 0 12px 20px;padding:0"><li>Water in the morning</li><li>Mulch against weeds<ul><li>straw</li><li>bark</li></ul></li><li>Feed every two weeks</li></ul>
<table role="presentation" cellpadding="0" cellspacing="0" border="0" align="center"><tr><td style="border-radius:4px;background:#2e7d32">
<a href="https://click.example.com/t/%[1]d/cta" style="display:inline-block;padding:12px 28px;font-size:16px;color:#ffffff;text-decoration:none">Shop now</a></td></tr></table>
<p style="margin:12px 0 0 0;font-size:0;line-height:0">&nbsp;</p>
</td></tr>
`, i)
	}
	b.WriteString(`<tr><td align="center" style="padding:24px;font-size:11px;color:#999999;font-family:Arial,sans-serif">
<a href="https://facebook.example/x"><img src="https://cdn.example.com/fb.png" width="24" height="24" alt="Facebook"></a>
<a href="https://instagram.example/x"><img src="https://cdn.example.com/ig.png" width="24" height="24" alt="Instagram"></a><br>
Garden Co., 1 Main Street &middot; <a href="https://click.example.com/unsub?u=8f3e" style="color:#999">Unsubscribe</a> &middot;
<a href="mailto:info@example.com" style="color:#999">info@example.com</a></td></tr></table>
<!--[if mso]></td></tr></table><![endif]--></td></tr></table>
<img src="https://click.example.com/open.gif?u=8f3e" width="1" height="1" alt="" style="display:block">
</body></html>`)
	return b.String()
}

func BenchmarkConvert(b *testing.B) {
	doc := newsletter(100 << 10)
	if path := os.Getenv("HTMLTEXT_BENCH_WRITE"); path != "" {
		// Writes the input, to compare with other converters
		// (w3m -dump) on the same bytes.
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for _, mode := range []struct {
		name string
		mode LinkMode
	}{{"keep", LinksKeep}, {"defang", LinksDefang}} {
		b.Run(mode.name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Convert(context.Background(), strings.NewReader(doc), Options{Links: mode.mode}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestBenchmarkInput(t *testing.T) {
	doc := newsletter(100 << 10)
	if len(doc) < 95<<10 || len(doc) > 110<<10 {
		t.Errorf("benchmark input is %d bytes, want about 100 KiB", len(doc))
	}
	r := convert(t, doc, Options{})
	checkOutput(t, "newsletter", r)
	if r.Hidden != 1 || r.Links < 100 || strings.Contains(r.Text, "This week: spring offers") {
		t.Errorf("unexpected result for the benchmark input: %d links, %d hidden", r.Links, r.Hidden)
	}
}

// BenchmarkDefangTextAdversarial runs DefangText and NeutralizeText over
// one long word made of many nested or adjacent addresses, at two sizes;
// the ns/byte figures of the two sizes should match (the scan is linear).
// go test ./sanitize/htmltext -run XXX -bench DefangTextAdversarial
func BenchmarkDefangTextAdversarial(b *testing.B) {
	for _, unit := range []string{"http://a/", "A://", `\\a\`, "https://x/?u=", "www.a.", "file:", "data:a/b,", "https://a.b.c:https://"} {
		for _, size := range []int{1 << 18, 1 << 20} {
			s := strings.Repeat(unit, size/len(unit))
			b.Run(fmt.Sprintf("%q/%d", unit, size), func(b *testing.B) {
				b.SetBytes(int64(len(s)))
				for b.Loop() {
					DefangText(s)
					NeutralizeText(s)
				}
			})
		}
	}
}
