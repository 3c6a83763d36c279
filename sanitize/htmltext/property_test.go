package htmltext

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mugai/mugai/internal/htmltexttest"
)

// checkOutput asserts what must hold for any input: valid UTF-8, the line
// layout the Result documents, no control or invisible characters, and
// consistent counts.
func checkOutput(t *testing.T, in string, r Result) {
	t.Helper()
	if err := htmltexttest.CheckText(r.Text); err != nil {
		t.Fatalf("input %.300q\noutput %.300q\n%v", in, r.Text, err)
	}
	if r.LinksChanged > r.Links || r.UnsafeLinks > r.LinksChanged || r.Hidden < 0 {
		t.Fatalf("input %.300q\noutput %.300q\ninconsistent counts %+v", in, r.Text, r)
	}
}

// checkNoMarkup asserts that every '<' the converter wrote (for inputs
// whose text has none) opens a "<url>" after a link's text.
func checkNoMarkup(t *testing.T, in, text string) {
	t.Helper()
	for i := strings.IndexByte(text, '<'); i >= 0; i = next(text, i) {
		end := strings.IndexByte(text[i:], '>')
		if end < 0 {
			t.Fatalf("input %.300q\noutput %.300q\nunclosed '<' at %d", in, text, i)
		}
		u := text[i+1 : i+end]
		if !urlLike.MatchString(u) {
			t.Fatalf("input %.300q\noutput %.300q\nmarkup-like %q", in, text, text[i:i+end+1])
		}
	}
}

func next(s string, i int) int {
	j := strings.IndexByte(s[i+1:], '<')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

var urlLike = regexp.MustCompile(`^(https?://|hxxps?://|ftp://|fxp://|mailto:|tel:|[^\s<>]*\[@\])[^\s<>]*$`)

// genMail writes a random document in the style of real mail: tables,
// paragraphs, lists, styles, images, entities, Japanese text, and links to
// safe and unsafe URLs. "javascript" and '<' appear only in markup.
func genMail(rng *rand.Rand, size int) string {
	hrefs := []string{
		"https://example.com/a?b=1&amp;c=2", "http://www.example.org/", "mailto:a@example.jp",
		"tel:+81-3-0000-0000", "ftp://files.example.net/x", "/relative/path", "#frag", "",
		"javascript:alert(1)", " JavaScript:void(0)", "java\tscript:x()", "jav&#x61;script:x()",
		"&#106;avascript:x()", "javascript&colon;x()", "vbscript:x", "data:text/html,<b>x</b>",
		"file:///etc/passwd", "https://user:pw@example.com/", "https://ｅｘａｍｐｌｅ.com/",
		"https://e.com/<script>", "https://e.com/a b\nc",
	}
	texts := []string{
		"Hello", "world", "お知らせ", "市役所", "です。", "&amp;", "&nbsp;", "&copy;", "x&#x200B;y",
		"\u202eevil", "tab\there", "line\nbreak", "&#0;", "emoji 😀", "Ｆｕｌｌ", "日本\n語",
	}
	tags := []string{"div", "p", "span", "b", "table", "tr", "td", "th", "ul", "ol", "li",
		"blockquote", "pre", "h1", "a", "font", "center", "dl", "dt", "dd", "q", "ruby", "rt",
		"button", "select", "option", "noscript", "details", "summary", "sub", "x-y"}
	styles := []string{"display:none", "font-size:0", "color:red", "visibility:hidden",
		"visibility:visible", "opacity:0", "mso-hide:all", "max-height:0;overflow:hidden",
		"margin:0", "font-size:14px"}
	var b strings.Builder
	for b.Len() < size {
		switch r := rng.IntN(24); {
		case r < 8:
			b.WriteString(" " + texts[rng.IntN(len(texts))] + " ")
		case r < 14:
			t := tags[rng.IntN(len(tags))]
			b.WriteString("<" + t)
			if rng.IntN(3) == 0 {
				b.WriteString(` style="` + styles[rng.IntN(len(styles))] + `"`)
			}
			if t == "a" || rng.IntN(8) == 0 {
				b.WriteString(` href="` + hrefs[rng.IntN(len(hrefs))] + `"`)
			}
			b.WriteString(">")
		case r < 19:
			b.WriteString("</" + tags[rng.IntN(len(tags))] + ">")
		case r < 20:
			fmt.Fprintf(&b, `<img src="https://e.com/i.png" alt="alt%d" width="%d">`, rng.IntN(9), rng.IntN(3))
		case r < 21:
			b.WriteString(`<area href="` + hrefs[rng.IntN(len(hrefs))] + `" alt="area">`)
		case r < 22:
			b.WriteString(`<base href="https://base.example/dir/">`)
		case r < 23:
			b.WriteString("<br><hr>")
		default:
			b.WriteString(`<script>var u="javascript:x";</script><style>a{background:url(javascript:x)}</style><!-- javascript: -->`)
		}
	}
	return b.String()
}

func TestPropertiesGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	n := 2000
	if testing.Short() {
		n = 200
	}
	for range n {
		in := genMail(rng, 100+rng.IntN(1500))
		for _, mode := range []LinkMode{LinksKeep, LinksDefang, LinksRemove} {
			r, err := Convert(context.Background(), strings.NewReader(in), Options{Links: mode})
			if err != nil {
				t.Fatal(err)
			}
			checkOutput(t, in, r)
			checkNoMarkup(t, in, r.Text)
			low := strings.ToLower(r.Text)
			for _, bad := range []string{"javascript", "vbscript", "data:", "file:", "user:pw"} {
				if strings.Contains(low, bad) {
					t.Fatalf("input %q\noutput %q\ncontains %q", in, r.Text, bad)
				}
			}
		}
	}
}

// mutate damages a document the way broken mail does: bytes cut,
// repeated, or replaced by markup characters.
func mutate(rng *rand.Rand, s string) string {
	b := []byte(s)
	for range 1 + rng.IntN(8) {
		if len(b) == 0 {
			break
		}
		i := rng.IntN(len(b))
		switch rng.IntN(5) {
		case 0:
			j := min(len(b), i+rng.IntN(40))
			b = append(b[:i], b[j:]...)
		case 1:
			j := min(len(b), i+rng.IntN(40))
			b = append(b[:j], append(append([]byte(nil), b[i:j]...), b[j:]...)...)
		case 2:
			const junk = "<>\"'&/=; \n\x00\xff"
			b[i] = junk[rng.IntN(len(junk))]
		case 3:
			b = b[:i]
		case 4:
			ins := []string{"<p hidden>", "</td>", "<table>", "<svg>", "<!--", "<script>", "</b>", "<a href=x>", "&#"}[rng.IntN(9)]
			b = append(b[:i], append([]byte(ins), b[i:]...)...)
		}
	}
	return string(b)
}

func TestPropertiesMutated(t *testing.T) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.html"))
	var docs []string
	for _, f := range seeds {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(b))
	}
	rng := rand.New(rand.NewPCG(3, 5))
	for range 20 {
		docs = append(docs, genMail(rng, 2000))
	}
	n := 1500
	if testing.Short() {
		n = 150
	}
	for i := range n {
		in := mutate(rng, docs[i%len(docs)])
		mode := LinkMode(rng.IntN(3))
		r, err := Convert(context.Background(), strings.NewReader(in), Options{Links: mode, MaxToken: 1 << rng.IntN(16)})
		if err != nil {
			t.Fatal(err)
		}
		checkOutput(t, in, r)
	}
}

func TestPropertiesRandomBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 17))
	const alphabet = "<>/=\"' !-?&;#abcdpxsyt\n\t\x00\xe3\x81\x82"
	for range 2000 {
		b := make([]byte, rng.IntN(300))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		in := string(b)
		r, err := Convert(context.Background(), strings.NewReader(in), Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkOutput(t, in, r)
	}
}
