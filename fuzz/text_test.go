package fuzz

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mugai/mugai/internal/htmltexttest"
	"github.com/mugai/mugai/sanitize/charset"
	"github.com/mugai/mugai/sanitize/htmltext"
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
		"\xa4\xb3\xa4\xf3", "+ZeVnLIqe-", "\xf8\x9f\xf9\x91\xfb\xfc\xf0\x40", "\x1b$Bv}yL\x1b(B", "+2D0-", "\xfe\xff\x00A", "\xe3\x81", "\x1b$(D\"/", "\x00\x01\u202e"} {
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
		// With a carrier, carrier codes become emoji or 〓, never more
		// U+FFFD than without, and in the Japanese charsets (which cannot
		// encode U+FFFD) each U+FFFD is counted.
		for _, c := range []charset.Carrier{charset.CarrierDocomo, charset.CarrierAU, charset.CarrierSoftBank} {
			cs, cres := charset.DecodeCarrier(b, label, c)
			if !utf8.ValidString(cs) || cres.Charset != res.Charset || cres.Replaced > res.Replaced+cres.Substituted {
				t.Fatalf("DecodeCarrier(%q, %q, %s) = %q %+v; Decode gave %+v", b, label, c, cs, cres, res)
			}
			japanese := cres.Charset == "shift_jis" || cres.Charset == "iso-2022-jp" || cres.Charset == "euc-jp"
			if n := strings.Count(cs, "\uFFFD"); japanese && n != cres.Replaced {
				t.Fatalf("DecodeCarrier(%q, %q, %s) = %q holds %d U+FFFD, counted %d", b, label, c, cs, n, cres.Replaced)
			}
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

// FuzzDefangText: no text DefangText returns holds a clickable address —
// a scheme followed by "://" (or by "\\" for the schemes a browser reads
// so) other than the defanged hxxp, hxxps and fxp, a UNC path, an unsafe
// scheme, or "www."/"ftp." with a dot after them at a word start — and
// NeutralizeText leaves no unsafe scheme or UNC path, also when applied
// again to their own output; both count a change exactly when they make
// one.
func FuzzDefangText(f *testing.F) {
	for _, s := range []string{
		"see https://www.example.jp/a?b=1.", "_https://evil.example/", `https://evil.example\p`, `https:\\evil.example`,
		"file://server/share/x.exe", `\\evil.example\share\a.lnk`, "ftp.host/x", "https://evil,example/",
		"URL:javascript:alert(1)", "ATTACH:file://evil.example/x", "hxxps://r[.]example/?u=https://evil.example/",
		"data:text/html,<script>", "ms-msdt:/id x", "wwW.Example.jp", "https://аpple.com/", "xhttps://x.y/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fn := range []struct {
			name string
			all  bool
			f    func(string) (string, int)
		}{{"DefangText", true, htmltext.DefangText}, {"NeutralizeText", false, htmltext.NeutralizeText}} {
			out, n := fn.f(s)
			if (n == 0) != (out == s) {
				t.Fatalf("%s(%q) = %q, %d: count and change disagree", fn.name, s, out, n)
			}
			// A second pass (converted text is defanged again as the
			// body) may change more — a bracket put in by the first can
			// start a new scheme ("A.http:/\\" → "A[.]http:/\\" →
			// "A[.]hxxp://") — but it too leaves nothing clickable.
			if again, _ := fn.f(out); clickable(again, fn.all) != "" {
				t.Fatalf("%s twice: %q -> %q -> %q leaves %q clickable", fn.name, s, out, again, clickable(again, fn.all))
			}
			if where := clickable(out, fn.all); where != "" {
				t.Fatalf("%s(%q) = %q leaves %q clickable", fn.name, s, out, where)
			}
		}
	})
}

// clickable finds an address a mail client would still follow in text
// DefangText (all) or NeutralizeText returned, or "".
func clickable(s string, all bool) string {
	// ASCII lower case only, so that offsets into low are offsets into s.
	low := asciiLower(s)
	for _, unsafe := range []string{"javascript:", "vbscript:", "file:", "ms-msdt:", "search-ms:"} {
		for i := strings.Index(low, unsafe); i >= 0; {
			if i == 0 || !isSchemeChar(low[i-1]) {
				if w := strings.TrimRight(addressWord(low[i:]), ".,;:!?)]}"); len(w) > len(unsafe) {
					return s[i:]
				}
			}
			j := strings.Index(low[i+1:], unsafe)
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	for i := 0; i+3 < len(s); i++ {
		if s[i] == '\\' && s[i+1] == '\\' && (i == 0 || s[i-1] != '\\' && s[i-1] != '/') && isHostChar(s[i+2]) &&
			strings.ContainsRune(addressWord(s[i+2:]), '\\') {
			return s[i:]
		}
	}
	if !all {
		return ""
	}
	for i := strings.Index(s, "://"); i >= 0; {
		// At most 32 characters before the colon, as DefangText looks:
		// no client links a longer scheme (none is registered with one),
		// and looking further would make its scan quadratic.
		st := i
		for st > 0 && isSchemeChar(low[st-1]) && i-st < 32 {
			st--
		}
		for st < i && !('a' <= low[st] && low[st] <= 'z') {
			st++
		}
		if scheme := low[st:i]; st < i && scheme != "hxxp" && scheme != "hxxps" && scheme != "fxp" &&
			i+3 < len(s) && (isHostChar(s[i+3]) || s[i+3] >= 0x80 || s[i+3] == '/' || s[i+3] == '[') {
			return s[st:]
		}
		j := strings.Index(s[i+1:], "://")
		if j < 0 {
			break
		}
		i += 1 + j
	}
	for i := 0; i+4 < len(s); i++ {
		if (i == 0 || !isWordChar(s[i-1])) && (strings.EqualFold(s[i:i+4], "www.") || strings.EqualFold(s[i:i+4], "ftp.")) && isWordChar(s[i+4]) {
			return s[i:]
		}
	}
	return ""
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// addressWord is the start of s up to where a mail client ends an
// address: white space, a non-ASCII byte or one of <>"'`.
func addressWord(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || strings.IndexByte("<>\"'`", c) >= 0 {
			return s[:i]
		}
	}
	return s
}

func isSchemeChar(c byte) bool {
	return 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'
}

func isHostChar(c byte) bool {
	return 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

func isWordChar(c byte) bool { return isHostChar(c) }
