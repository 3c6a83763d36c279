package htmltext

import (
	"strings"
	"testing"
)

func TestLinkModes(t *testing.T) {
	type counts struct{ links, changed, unsafe int }
	cases := []struct {
		name, in string
		keep     string
		defang   string
		remove   string
		c        [3]counts // keep, defang, remove
	}{
		{
			name:   "text and url",
			in:     `<a href="https://example.com/path?q=1">Example</a>`,
			keep:   "Example <https://example.com/path?q=1>",
			defang: "Example <hxxps://example[.]com/path?q=1>",
			remove: "Example",
			c:      [3]counts{{1, 0, 0}, {1, 1, 0}, {1, 1, 0}},
		},
		{
			name:   "text is the url",
			in:     `<a href="https://www.example.com/">https://www.example.com</a>`,
			keep:   "https://www.example.com",
			defang: "hxxps://www[.]example[.]com/",
			remove: "https://www.example.com",
			c:      [3]counts{{1, 0, 0}, {1, 1, 0}, {1, 1, 0}},
		},
		{
			name:   "text is the url without scheme",
			in:     `see <a href="http://www.example.com/">www.example.com</a>.`,
			keep:   "see www.example.com.",
			defang: "see hxxp://www[.]example[.]com/.",
			remove: "see www.example.com.",
			c:      [3]counts{{1, 0, 0}, {1, 1, 0}, {1, 1, 0}},
		},
		{
			name:   "empty text shows the url",
			in:     `a <a href="https://example.com/x"></a> b`,
			keep:   "a https://example.com/x b",
			defang: "a hxxps://example[.]com/x b",
			remove: "a b",
			c:      [3]counts{{1, 0, 0}, {1, 1, 0}, {1, 1, 0}},
		},
		{
			name:   "image without alt",
			in:     `<a href="https://e.com/x"><img src=a.png></a>`,
			keep:   "https://e.com/x",
			defang: "hxxps://e[.]com/x",
			remove: "",
			c:      [3]counts{{1, 0, 0}, {1, 1, 0}, {1, 1, 0}},
		},
		{
			name:   "image with alt",
			in:     `<a href="https://e.com/x"><img src=a.png alt="Logo"></a>`,
			keep:   "[image: Logo] <https://e.com/x>",
			defang: "[image: Logo] <hxxps://e[.]com/x>",
			remove: "[image: Logo]",
			c:      [3]counts{{1, 0, 0}, {1, 1, 0}, {1, 1, 0}},
		},
		{
			name:   "http and ftp",
			in:     `<a href="http://a.example/">A</a> <a href="FTP://files.example/f.txt">F</a>`,
			keep:   "A <http://a.example/> F <ftp://files.example/f.txt>",
			defang: "A <hxxp://a[.]example/> F <fxp://files[.]example/f.txt>",
			remove: "A F",
			c:      [3]counts{{2, 0, 0}, {2, 2, 0}, {2, 2, 0}},
		},
		{
			name:   "mailto",
			in:     `<a href="mailto:user@example.com">Mail us</a>`,
			keep:   "Mail us <mailto:user@example.com>",
			defang: "Mail us <user[@]example[.]com>",
			remove: "Mail us",
			c:      [3]counts{{1, 0, 0}, {1, 1, 0}, {1, 1, 0}},
		},
		{
			name:   "mailto with the address as text",
			in:     `<a href="mailto:user@example.com?subject=Hi">user@example.com</a>`,
			keep:   "user@example.com <mailto:user@example.com?subject=Hi>",
			defang: "user@example.com <user[@]example[.]com>",
			remove: "user@example.com",
			c:      [3]counts{{1, 0, 0}, {1, 1, 0}, {1, 1, 0}},
		},
		{
			name:   "mailto text equal",
			in:     `<a href="MAILTO:info@city.example.jp">info@city.example.jp</a>`,
			keep:   "info@city.example.jp",
			defang: "info[@]city[.]example[.]jp",
			remove: "info@city.example.jp",
			c:      [3]counts{{1, 0, 0}, {1, 1, 0}, {1, 1, 0}},
		},
		{
			name:   "tel",
			in:     `<a href="tel:+81-3-1234-5678">Call</a>`,
			keep:   "Call <tel:+81-3-1234-5678>",
			defang: "Call <tel:+81-3-1234-5678>",
			remove: "Call",
			c:      [3]counts{{1, 0, 0}, {1, 0, 0}, {1, 1, 0}},
		},
		{
			name:   "link text across elements",
			in:     `<a href="https://e.com"><b>Bold</b> text </a>after`,
			keep:   "Bold text <https://e.com> after",
			defang: "Bold text <hxxps://e[.]com> after",
			remove: "Bold text after",
			c:      [3]counts{{1, 0, 0}, {1, 1, 0}, {1, 1, 0}},
		},
		{
			name:   "button made of a table",
			in:     `<table><tr><td><a href="https://e.com/y"><table><tr><td>Yes</td></tr></table></a></td><td><a href="https://e.com/n"><table><tr><td>No</td></tr></table></a></td></tr></table>`,
			keep:   "Yes <https://e.com/y> | No <https://e.com/n>",
			defang: "Yes <hxxps://e[.]com/y> | No <hxxps://e[.]com/n>",
			remove: "Yes | No",
			c:      [3]counts{{2, 0, 0}, {2, 2, 0}, {2, 2, 0}},
		},
		{
			name:   "a new link ends the open one",
			in:     `<a href="https://a.example">A<a href="https://b.example">B</a>`,
			keep:   "A <https://a.example> B <https://b.example>",
			defang: "A <hxxps://a[.]example> B <hxxps://b[.]example>",
			remove: "AB",
			// "A <https://a.example>B" would read badly: a space follows
			// a URL unless punctuation does.
			c: [3]counts{{2, 0, 0}, {2, 2, 0}, {2, 2, 0}},
		},
		{
			name:   "image map",
			in:     `<img src=m.png usemap=#m><map name=m><area href="https://e.com/1" alt="One"><area href="https://e.com/2" alt="Two"><area href="javascript:x()" alt="Bad"></map>`,
			keep:   "One <https://e.com/1>\nTwo <https://e.com/2>\nBad",
			defang: "One <hxxps://e[.]com/1>\nTwo <hxxps://e[.]com/2>\nBad",
			remove: "One\nTwo\nBad",
			c:      [3]counts{{3, 1, 1}, {3, 3, 1}, {3, 3, 1}},
		},
		{
			name:   "fragment and empty href are not links",
			in:     `<a href="#top">Top</a> <a href="">Self</a> <a name=x>Anchor</a>`,
			keep:   "Top Self Anchor",
			defang: "Top Self Anchor",
			remove: "Top Self Anchor",
		},
		{
			name:   "relative without base",
			in:     `<a href="/path/page.html">Page</a>`,
			keep:   "Page",
			defang: "Page",
			remove: "Page",
			c:      [3]counts{{1, 1, 0}, {1, 1, 0}, {1, 1, 0}},
		},
		{
			name:   "userinfo is dropped",
			in:     `<a href="https://bank.example@evil.example/login">Bank</a>`,
			keep:   "Bank <https://evil.example/login>",
			defang: "Bank <hxxps://evil[.]example/login>",
			remove: "Bank",
			c:      [3]counts{{1, 1, 0}, {1, 1, 0}, {1, 1, 0}},
		},
		{
			name:   "look-alike host shown as punycode",
			in:     "<a href=\"https://\u0430pple.com/\">Apple</a>",
			keep:   "Apple <https://xn--pple-43d.com/>",
			defang: "Apple <hxxps://xn--pple-43d[.]com/>",
			remove: "Apple",
			c:      [3]counts{{1, 0, 0}, {1, 1, 0}, {1, 1, 0}},
		},
		{
			name:   "spaces and controls are encoded",
			in:     "<a href=\" https://e.com/a b?c d&quot;e#f g \">x</a>",
			keep:   "x <https://e.com/a%20b?c%20d%22e#f%20g>",
			defang: "x <hxxps://e[.]com/a%20b?c%20d%22e#f%20g>",
			remove: "x",
			c:      [3]counts{{1, 0, 0}, {1, 1, 0}, {1, 1, 0}},
		},
		{
			name:   "japanese path is percent-encoded",
			in:     `<a href="https://city.example.jp/お知らせ">お知らせ</a>`,
			keep:   "お知らせ <https://city.example.jp/%E3%81%8A%E7%9F%A5%E3%82%89%E3%81%9B>",
			defang: "お知らせ <hxxps://city[.]example[.]jp/%E3%81%8A%E7%9F%A5%E3%82%89%E3%81%9B>",
			remove: "お知らせ",
			c:      [3]counts{{1, 0, 0}, {1, 1, 0}, {1, 1, 0}},
		},
		{
			name:   "hidden link is not counted",
			in:     `<div style=display:none><a href="https://e.com">x</a></div><a href="https://e.com"><span style=font-size:0>y</span></a>z`,
			keep:   "z",
			defang: "z",
			remove: "z",
		},
		{
			name:   "link around a tracking pixel",
			in:     `<a href="https://t.example/c"><img src=p.gif width=1 height=1></a>z`,
			keep:   "z",
			defang: "z",
			remove: "z",
		},
	}
	for _, tc := range cases {
		for i, mode := range []LinkMode{LinksKeep, LinksDefang, LinksRemove} {
			want := []string{tc.keep, tc.defang, tc.remove}[i]
			t.Run(tc.name+"/"+[]string{"keep", "defang", "remove"}[i], func(t *testing.T) {
				r := convert(t, tc.in, Options{Links: mode})
				if r.Text != want {
					t.Errorf("text:\n got %q\nwant %q", r.Text, want)
				}
				got := counts{r.Links, r.LinksChanged, r.UnsafeLinks}
				if got != tc.c[i] {
					t.Errorf("counts (links, changed, unsafe) = %v, want %v", got, tc.c[i])
				}
			})
		}
	}
}

func TestUnsafeSchemes(t *testing.T) {
	hrefs := []string{
		"javascript:alert(1)",
		"JAVASCRIPT:alert(1)",
		" javascript:alert(1)",
		"\tjavascript:alert(1)",
		"java\tscript:alert(1)",
		"java&#x09;script:alert(1)",
		"java&#x0A;script:alert(1)",
		"java&#13;script:alert(1)",
		"jav&#x61;script:alert(1)",
		"jav&#x61script:alert(1)",
		"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)",
		"javascript&colon;alert(1)",
		"java script:alert(1)",
		"&#x01;javascript:alert(1)",
		"vbscript:msgbox(1)",
		"VBScript:msgbox(1)",
		"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
		"file:///C:/Windows/System32/calc.exe",
		"file://server/share/x.exe",
		"cid:part1@example",
		"ms-msdt:/id PCWDiagnostic",
		"search-ms:query=x",
		"about:blank",
		"x-very-long-scheme-name-beyond-the-buffer:1",
		"https:\\\\evil.example\\",
		"https:evil.example",
		"http://exa mple.com/",
		"http://[::1",
	}
	for _, mode := range []LinkMode{LinksKeep, LinksDefang, LinksRemove} {
		for _, href := range hrefs {
			in := `<p>before <a href="` + href + `">click</a> after`
			r := convert(t, in, Options{Links: mode})
			if r.Text != "before click after" {
				t.Errorf("mode %d, href %q: text %q", mode, href, r.Text)
			}
			if r.Links != 1 || r.UnsafeLinks != 1 || r.LinksChanged != 1 {
				t.Errorf("mode %d, href %q: links %d, unsafe %d, changed %d, want 1 1 1", mode, href, r.Links, r.UnsafeLinks, r.LinksChanged)
			}
			// With no text, nothing at all is shown.
			r = convert(t, `a<a href="`+href+`"></a>b`, Options{Links: mode})
			if r.Text != "ab" {
				t.Errorf("mode %d, empty link to %q: text %q", mode, href, r.Text)
			}
		}
	}
}

func TestBaseHref(t *testing.T) {
	runText(t, Options{}, []textCase{
		{"relative", `<base href="https://example.com/dir/"><a href="page.html">P</a>`, "P <https://example.com/dir/page.html>"},
		{"absolute path", `<base href="https://example.com/dir/"><a href="/x">P</a>`, "P <https://example.com/x>"},
		{"protocol-relative", `<base href="https://example.com/"><a href="//other.example/y">P</a>`, "P <https://other.example/y>"},
		{"only the first base counts", `<base href="https://one.example/"><base href="https://two.example/"><a href="x">P</a>`, "P <https://one.example/x>"},
		{"first base without href does not count", `<base target=_blank><base href="https://two.example/"><a href="x">P</a>`, "P <https://two.example/x>"},
		{"invalid first base disables", `<base href="/relative/"><base href="https://two.example/"><a href="x">P</a>`, "P"},
		{"javascript base", `<base href="javascript:alert(1)//"><a href="x">P</a>`, "P"},
		{"scheme-less base", `<base href="example.com"><a href="x">P</a>`, "P"},
		{"unsafe link with base", `<base href="https://e.com/"><a href="javascript:alert(1)">x</a>`, "x"},
		{"absolute link ignores base", `<base href="https://e.com/"><a href="https://other.example/">x</a>`, "x <https://other.example/>"},
		{"fragment with base", `<base href="https://e.com/"><a href="#top">Top</a>`, "Top"},
		{"base in body", `<a href="y">Before</a> <base href="https://e.com/"><a href="z">After</a>`, "Before After <https://e.com/z>"},
	})
	r := convert(t, `<base href="https://e.com/"><a href="x">P</a>`, Options{Links: LinksDefang})
	if r.Text != "P <hxxps://e[.]com/x>" || r.LinksChanged != 1 {
		t.Errorf("defang with base: %q, changed %d", r.Text, r.LinksChanged)
	}
	// A long base must not be repeated for every link.
	long := "https://e.com/" + strings.Repeat("a", 4*maxURLLen) + "/"
	r = convert(t, `<base href="`+long+`">`+strings.Repeat(`<a href="x">P</a>`, 100), Options{})
	if len(r.Text) > 1000 {
		t.Errorf("output of %d bytes from a long base", len(r.Text))
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		href  string
		kind  urlKind
		shown string
	}{
		{"HTTPS://EXAMPLE.COM/Path", urlOK, "https://example.com/Path"},
		{"https://example.com:8443/x", urlOK, "https://example.com:8443/x"},
		{"https://example.com:84x3/x", urlUnsafe, ""},
		{"https://[2001:db8::1]/x", urlOK, "https://[2001:db8::1]/x"},
		{"https://ｅｘａｍｐｌｅ.com/", urlOK, "https://example.com/"},
		{"https://e.com/a%zzb", urlOK, "https://e.com/a%25zzb"},
		{"https://e.com/?q=<script>", urlOK, "https://e.com/?q=%3Cscript%3E"},
		{"https://e.com/" + strings.Repeat("x", maxURLLen), urlRefused, ""},
		{"mailto:", urlRefused, ""},
		{"mailto:?subject=x", urlRefused, ""},
		{"tel:+1 555", urlOK, "tel:+1%20555"},
		{"#", urlNone, ""},
		{"   ", urlNone, ""},
		{"page.html", urlRefused, ""},
		{"//e.com/x", urlRefused, ""},
	}
	for _, tc := range cases {
		got := classify([]byte(tc.href), nil)
		if got.kind != tc.kind || (tc.kind == urlOK && got.shown != tc.shown) {
			t.Errorf("classify(%q) = kind %d shown %q, want kind %d shown %q", tc.href, got.kind, got.shown, tc.kind, tc.shown)
		}
	}
}

func TestDefangMail(t *testing.T) {
	cases := map[string]string{
		"a@b.example":             "a[@]b[.]example",
		"a@b.example,c@d.example": "a[@]b[.]example,c[@]d[.]example",
		"first.last@x.example":    "first.last[@]x[.]example",
		"%61@b.example":           "a[@]b[.]example",
		"no-at-sign":              "no-at-sign",
		"a b@c.example":           "a%20b[@]c[.]example",
	}
	for in, want := range cases {
		if got := defangMail(in); got != want {
			t.Errorf("defangMail(%q) = %q, want %q", in, got, want)
		}
	}
}
