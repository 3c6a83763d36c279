package fuzz

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mugai/mugai/sanitize/charset"
	"github.com/mugai/mugai/sanitize/htmltext"
	"github.com/mugai/mugai/sanitize/htmltext/htmltexttest"
	"github.com/mugai/mugai/sanitize/mimeparse"
	"github.com/mugai/mugai/sanitize/textclean"
)

// FuzzCharsetDecode: any bytes under any label decode to valid UTF-8,
// deterministically, under the name of a charset Lookup knows, at most
// three bytes out per byte in (plus a little for a BOM or a flush), with
// a plausible count of replacements; Guess always names a charset; and
// the cleaned text holds no forbidden rune.
func FuzzCharsetDecode(f *testing.F) {
	for _, s := range []string{"", "hello", "\x1b$B$3$s$K$A$O\x1b(B", "\x1b$B-!-j\x1b(B", "\x82\xb1\x82\xf1", "\x82\xa0",
		"\xa4\xb3\xa4\xf3", "+ZeVnLIqe-", "+2D0-", "\xfe\xff\x00A", "\xe3\x81", "\x1b$(D\"/", "\x00\x01\u202e"} {
		for _, l := range []string{"", "iso-2022-jp", "utf-7", "utf-16", "utf-8", "shift_jis", "euc-jp", "unknown-8bit", "gb2312"} {
			f.Add([]byte(s), l)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, label string) {
		s, res := charset.Decode(b, label)
		if !utf8.ValidString(s) {
			t.Fatalf("Decode(%q, %q) gave invalid UTF-8", b, label)
		}
		if s2, res2 := charset.Decode(b, label); s2 != s || res2 != res {
			t.Fatalf("Decode(%q, %q) is not deterministic", b, label)
		}
		if _, name, ok := charset.Lookup(res.Charset); !ok || name != res.Charset {
			t.Fatalf("Decode(%q, %q) used %q, which Lookup does not know", b, label, res.Charset)
		}
		if len(s) > 3*len(b)+16 {
			t.Fatalf("Decode(%q, %q) grew %d bytes to %d", b, label, len(b), len(s))
		}
		if res.Replaced < 0 || res.Replaced > len(b) {
			t.Fatalf("Decode(%q, %q) Replaced = %d", b, label, res.Replaced)
		}
		if charset.Guess(b) == "" {
			t.Fatalf("Guess(%q) is empty", b)
		}
		if r, bad := forbidden(textclean.Text(s), true); bad {
			t.Fatalf("cleaned text holds U+%04X", r)
		}
	})
}

// FuzzFilename: decoding a Content-Disposition value (RFC 2045/2231/2047)
// and cleaning the file name never yields CR, LF, NUL, bidi controls or
// a path separator.
func FuzzFilename(f *testing.F) {
	for _, s := range []string{
		`attachment; filename="a.pdf"`,
		`attachment; filename*=utf-8''%E8%A6%8B%E7%A9%8D.pdf`,
		`attachment; filename*=iso-2022-jp''%1B%24B8%2B%1B%28B.pdf`,
		`attachment; filename*0*=shift_jis''%8C%A9; filename*1=.pdf`,
		`attachment; filename="=?utf-8?b?44GC?= =?utf-8?q?=E2=80=AE?=.exe"`,
		`attachment; filename="invoice` + "\u202e" + `fdp.exe"`,
		`attachment; filename="../../etc/passwd"`,
		`attachment; filename="=?utf-8?q?a=0D=0Ab?="`,
		`attachment; filename*=utf-8''%00%0d%0a%e2%80%8b.txt`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		mv := mimeparse.ParseMediaValue([]byte(raw))
		name := textclean.Filename(mv.Params["filename"])
		if !utf8.ValidString(name) {
			t.Fatalf("file name %q is not valid UTF-8", name)
		}
		if r, bad := forbidden(name, false); bad {
			t.Fatalf("file name %q holds U+%04X", name, r)
		}
		if strings.ContainsAny(name, "/\\") || strings.HasPrefix(name, ".") {
			t.Fatalf("file name %q can name a path", name)
		}
		words := textclean.Line(mimeparse.DecodeWords([]byte(raw)))
		if r, bad := forbidden(words, false); bad {
			t.Fatalf("decoded header %q holds U+%04X", words, r)
		}
	})
}

// FuzzHTMLToText: any HTML converts without error, in each link mode, to
// text with the layout Result promises (valid UTF-8, no blank line at
// either end or two in a row, no trailing white space), without control
// or invisible characters, with consistent counts, and never shows an
// unsafe URL scheme as a link.
func FuzzHTMLToText(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "sanitize", "htmltext", "testdata", "*.html"))
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	for _, s := range []string{
		`<p hidden>x<div>y`, `<b><div>x</b>y</div>`, `<a href="jav&#x61;script:alert(1)">x</a>`,
		`<table><a href=javascript:x>t</a><tr><td>c`,
		`<a href="data:text/html,x">d</a><a href=" vbscript:x">v</a>`, `<base href="https://evil.example/"><a href="/x">r</a>`,
		`<meta http-equiv=refresh content="0;url=https://evil.example/">`, `<img srcset="https://evil.example/a.png 1x" alt="">`,
		`<style>@import url(https://evil.example/x.css)</style><span style="font-size:0">hidden</span>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, mode := range []htmltext.LinkMode{htmltext.LinksKeep, htmltext.LinksDefang, htmltext.LinksRemove} {
			r, err := htmltext.Convert(context.Background(), strings.NewReader(in), htmltext.Options{Links: mode, MaxToken: 1 << 12})
			if err != nil {
				t.Fatal(err)
			}
			checkHTMLText(t, in, r)
			low := strings.ToLower(r.Text)
			for _, scheme := range []string{"<javascript:", "<vbscript:", "<data:", "<file:"} {
				if strings.Contains(low, scheme) && !strings.Contains(strings.ToLower(in), scheme) {
					t.Fatalf("mode %d shows a %s link: %q", mode, scheme, r.Text)
				}
			}
		}
	})
}

// checkHTMLText asserts what Convert promises for any input: the layout
// of its text, and consistent counts.
func checkHTMLText(t *testing.T, in string, r htmltext.Result) {
	t.Helper()
	if err := htmltexttest.CheckText(r.Text); err != nil {
		t.Fatalf("input %.300q\noutput %.300q\n%v", in, r.Text, err)
	}
	if r.LinksChanged > r.Links || r.UnsafeLinks > r.LinksChanged || r.Hidden < 0 {
		t.Fatalf("input %.300q\noutput %.300q\ninconsistent counts %+v", in, r.Text, r)
	}
}
