package htmltext

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The converter re-creates the parts of HTML tree construction that decide
// which styles apply to which text. This test checks that against the real
// thing: x/net/html's parser builds the repaired tree a browser would, the
// same visibility rules are applied to that tree, and the visible words
// must be those the converter shows (as multisets: foster parenting moves
// text, the converter keeps it in place).
//
// One thing a streaming converter cannot do is change its mind: the
// adoption agency algorithm sometimes moves content that was already
// inserted (a block inside a misnested formatting element moves out of
// it, or under another ancestor). So each word is checked against the tree
// of the document up to that word, the state it had when it was written;
// how often the final tree differs is only reported.

// oracleWords returns the words of the visible text of doc, computed on the
// parsed tree.
func oracleWords(doc string) []string {
	root, err := html.ParseWithOptions(strings.NewReader(doc), html.ParseOptionEnableScripting(false))
	if err != nil {
		panic(err)
	}
	var words []string
	var walk func(n *html.Node, f uint32)
	walk = func(n *html.Node, f uint32) {
		switch n.Type {
		case html.TextNode:
			if f&textOff == 0 {
				words = append(words, visibleFields(n.Data)...)
			}
			return
		case html.ElementNode:
			if n.DataAtom == atom.Head {
				return
			}
			a := n.DataAtom
			if n.Namespace != "" {
				a = atom.Svg // everything in foreign content is dropped
			}
			var at attrs
			for _, x := range n.Attr {
				switch x.Key {
				case "style":
					if !at.hasStyle {
						at.style, at.hasStyle = []byte(x.Val), true
					}
				case "hidden":
					at.hidden = true
				case "open":
					at.open = true
				}
			}
			var st style
			if at.hasStyle {
				parseStyle(at.style, &st, nil)
			}
			set, clr := ownState(a, elemInfo(a), &at, &st)
			f = ((f & inherited) | set) &^ clr
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch, f)
		}
	}
	walk(root, 0)
	return words
}

// visibleFields splits text into words the way the converter shows them:
// invisible characters removed, no-break spaces as spaces.
func visibleFields(s string) []string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == 0xA0:
			b.WriteByte(' ')
		case special(r, 1), r < ' ' && r != '\t' && r != '\n' && r != '\r' && r != '\f', r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return strings.Fields(b.String())
}

// outputWords returns the words of the converter's text without the
// decoration it adds (list markers, quote marks, cell separators, rules).
func outputWords(text string) []string {
	var words []string
	for _, w := range strings.Fields(text) {
		switch {
		case w == "|", w == ">", w == "-", strings.Trim(w, "-") == "":
		case strings.HasSuffix(w, ".") && strings.Trim(w[:len(w)-1], "0123456789") == "" && len(w) > 1:
		default:
			words = append(words, w)
		}
	}
	return words
}

// genDoc writes a random, often malformed, document: tags opened and
// closed at random, styles that hide and unhide, and words that are all
// different ("w17"), each with spaces around it so that word boundaries do
// not depend on layout.
func genDoc(rng *rand.Rand, size int) string {
	tags := []string{
		"div", "p", "span", "b", "i", "font", "a", "em", "strong", "u", "s", "nobr",
		"table", "tbody", "tr", "td", "th", "h1", "h2", "center", "section",
		"ul", "ol", "li", "dl", "dt", "dd", "blockquote", "pre", "x-el", "o:p", "sub",
		"button", "label", "form", "fieldset", "address", "details", "summary",
		"svg", "math", "dialog", "noscript", "object", "textarea", "title",
		// Not <template> and <caption>: x/net/html departs from the
		// standard there (a <th> in a caption is ignored), and neither
		// appears in mail.
	}
	styles := []string{
		"display:none", "visibility:hidden", "visibility:visible", "font-size:0",
		"font-size:14px", "font-size:2em", "opacity:0", "mso-hide:all",
		"max-height:0;overflow:hidden", "color:transparent", "color:red",
		"display:block", "position:absolute;left:-9999px", "font:0/0 a",
	}
	var b strings.Builder
	var open []string
	word := 0
	for b.Len() < size {
		switch r := rng.IntN(20); {
		case r < 7:
			word++
			fmt.Fprintf(&b, " w%d ", word)
		case r < 13:
			t := tags[rng.IntN(len(tags))]
			b.WriteString("<" + t)
			switch rng.IntN(6) {
			case 0:
				b.WriteString(` style="` + styles[rng.IntN(len(styles))] + `"`)
			case 1:
				b.WriteString(" hidden")
			case 2:
				b.WriteString(" open")
			}
			b.WriteString(">")
			open = append(open, t)
		case r < 17 && len(open) > 0:
			// Mostly the innermost element, sometimes another one.
			k := len(open) - 1
			if rng.IntN(4) == 0 {
				k = rng.IntN(len(open))
			}
			b.WriteString("</" + open[k] + ">")
			open = append(open[:k], open[k+1:]...)
		case r < 18:
			b.WriteString("<br>")
		case r < 19:
			b.WriteString("&nbsp;")
		default:
			b.WriteString("</" + tags[rng.IntN(len(tags))] + ">")
		}
	}
	return b.String()
}

func TestVisibleTextMatchesTreeBuilder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 3000
	if s := os.Getenv("HTMLTEXT_ORACLE_DOCS"); s != "" {
		// A longer run for development: HTMLTEXT_ORACLE_DOCS=100000.
		n, _ = strconv.Atoi(s)
		rng = rand.New(rand.NewPCG(uint64(n), 3))
	}
	if testing.Short() {
		n = 300
	}
	failures, moved := 0, 0
	for i := range n {
		doc := genDoc(rng, 50+rng.IntN(400))
		r, err := Convert(context.Background(), strings.NewReader(doc), Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := outputWords(r.Text)
		want := insertionWords(doc)
		final := oracleWords(doc)
		slices.Sort(got)
		slices.Sort(want)
		slices.Sort(final)
		if !slices.Equal(want, final) {
			moved++
		}
		if slices.Equal(got, want) {
			continue
		}
		failures++
		if failures <= 5 {
			t.Errorf("doc %d differs from the tree builder\ndoc: %s\nshown but hidden: %v\nvisible but not shown: %v\ntext:\n%s",
				i, doc, minus(got, want), minus(want, got), r.Text)
		}
	}
	if failures > 0 {
		t.Errorf("%d of %d documents differ", failures, n)
	}
	t.Logf("in %d of %d documents the adoption agency later moved written text", moved, n)
}

// insertionWords returns the words of doc that are visible in the tree of
// the document cut right after them.
func insertionWords(doc string) []string {
	var words []string
	for _, m := range wordRE.FindAllStringIndex(doc, -1) {
		w := doc[m[0]:m[1]]
		if slices.Contains(oracleWords(doc[:m[1]]), w) {
			words = append(words, w)
		}
	}
	return words
}

var wordRE = regexp.MustCompile(`\bw[0-9]+\b`)

// minus returns the elements of a (sorted) not matched in b (sorted).
func minus(a, b []string) []string {
	var out []string
	i, j := 0, 0
	for i < len(a) {
		switch {
		case j >= len(b) || a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			j++
		default:
			i++
			j++
		}
	}
	return out
}
