package htmltext

import (
	"context"
	"strings"
	"testing"
)

// convert runs Convert and fails the test on an error.
func convert(t *testing.T, in string, opt Options) Result {
	t.Helper()
	r, err := Convert(context.Background(), strings.NewReader(in), opt)
	if err != nil {
		t.Fatalf("Convert(%q): %v", in, err)
	}
	return r
}

type textCase struct {
	name, in, want string
}

// runText checks the text of each case with the given options.
func runText(t *testing.T, opt Options, cases []textCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := convert(t, tc.in, opt).Text
			if got != tc.want {
				t.Errorf("input:\n%s\ngot:\n%s\nwant:\n%s", tc.in, got, tc.want)
			}
		})
	}
}

func TestBlocks(t *testing.T) {
	runText(t, Options{}, []textCase{
		{"plain text", "Hello,   world", "Hello, world"},
		{"paragraphs", "<p>One</p><p>Two</p>", "One\n\nTwo"},
		{"implied paragraph end", "<p>One<p>Two", "One\n\nTwo"},
		{"br", "a<br>b<br><br>c<br><br><br><br>d", "a\nb\n\nc\n\nd"},
		{"br at the edges", "<br><br>a<br><br>", "a"},
		{"self-closing br", "a<br/>b<BR />c", "a\nb\nc"},
		{"end tag br is a br", "a</br>b", "a\nb"},
		{"divs", "<div>a</div><div>b</div>", "a\nb"},
		{"empty blocks collapse", "<div>a</div><div></div><div><div></div></div><div>b</div>", "a\nb"},
		{"paragraph after div", "<div>a</div><p>b</p><div>c</div>", "a\n\nb\n\nc"},
		{"stray end p is an empty paragraph", "a</p>b", "a\n\nb"},
		{"headings", "text<h1>Title</h1>more<h2>Sub</h2>end", "text\n\nTitle\n\nmore\n\nSub\n\nend"},
		{"heading closes heading", "<h1>One<h2>Two", "One\n\nTwo"},
		{"whitespace collapse", "<p>  a \n\t b  </p>", "a b"},
		{"inline elements", "<p>a<b>b</b><i> c</i>  <span>d</span></p>", "ab c d"},
		{"nbsp is kept", "a&nbsp;&nbsp;b", "a  b"},
		{"nbsp paragraph is empty", "<p>a</p><p>&nbsp;</p><p>&nbsp;&nbsp;</p><p>b</p>", "a\n\nb"},
		{"nbsp indentation", "<p>&nbsp;&nbsp;indented</p>", "  indented"},
		{"hr", "a<hr>b", "a\n" + hrLine + "\nb"},
		{"entities", "&lt;b&gt; &amp; &quot; &#x41;&#66; &eacute; &copy; &zzz; &not", "<b> & \" AB é © &zzz; ¬"},
		{"entity-encoded markup is text", "&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"},
		{"literal angle brackets", "a < b > c", "a < b > c"},
		{"quote element", "He said <q>hi</q>.", "He said \"hi\"."},
		{"address and center", "<center>c</center><address>a</address>", "c\na"},
		{"definition list", "<dl><dt>Term<dd>Meaning<dt>T2<dd>M2</dl>", "Term\n  Meaning\nT2\n  M2"},
		{"zero-width characters", "Pa\u200by\u200bPal se\u00adcure \ufeffx", "PayPal secure x"},
		{"bidi overrides removed", "abc\u202edcb\u202c", "abcdcb"},
		{"control characters removed", "a\x01b\x7fc", "abc"},
		{"invalid UTF-8", "a\xffb", "a\ufffdb"},
		{"details", "<details><summary>More</summary>Body</details>", "More\nBody"},
		{"paragraphs without margins are lines", "<p style='margin:0'>a</p><p style='margin:0 0 0 10px'>b</p><p style='margin-top:0;margin-bottom:0'>c</p>", "a\nb\nc"},
		{"outlook paragraphs", "<p class=MsoNormal>Hi,<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Thanks.<o:p></o:p></p><p class=MsoNormal>Ken<o:p></o:p></p>", "Hi,\n\nThanks.\nKen"},
		{"no-break space block is an empty line", "<div>a</div><div>&nbsp;</div><div>b</div>", "a\n\nb"},
		{"br block is an empty line", "<div>a</div><div><br></div><div>b</div>", "a\n\nb"},
		{"dialog closed", "a<dialog>x</dialog>b", "ab"},
		{"dialog open", "a<dialog open>x</dialog>b", "a\nx\nb"},
	})
}

func TestLists(t *testing.T) {
	runText(t, Options{}, []textCase{
		{"bullets", "<ul><li>a<li>b</ul>", "- a\n- b"},
		{"numbers", "<ol><li>a</li><li>b</li></ol>", "1. a\n2. b"},
		{"start", "<ol start=3><li>a<li>b</ol>", "3. a\n4. b"},
		{"value", "<ol><li value=10>a<li>b</ol>", "10. a\n11. b"},
		{"nested", "<ul><li>a<ul><li>b<li>c</ul><li>d</ul>", "- a\n  - b\n  - c\n- d"},
		{"nested ordered", "<ol><li>one<ol><li>sub</ol><li>two</ol>", "1. one\n   1. sub\n2. two"},
		{"three levels", "<ul><li>1<ul><li>2<ol><li>3</ol></ul></ul>", "- 1\n  - 2\n    1. 3"},
		{"item continues under its marker", "<ul><li>a<br>b<p>c</p></ul>", "- a\n  b\n\n  c"},
		{"list between text", "x<ul><li>a</ul>y", "x\n\n- a\n\ny"},
		{"item outside a list", "<li>a<li>b", "- a\n- b"},
		{"empty item", "<ul><li><li>b</ul>", "- b"},
		{"item closes through inline", "<ul><li><b>a<li>b</ul>", "- a\n- b"},
	})
}

func TestTables(t *testing.T) {
	runText(t, Options{}, []textCase{
		{"data table", "<table><tr><th>Name<th>Price<tr><td>Apple<td>100</table>", "Name | Price\nApple | 100"},
		{"with sections", "<table><thead><tr><th>A</th><th>B</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table>", "A | B\n1 | 2"},
		{"implied row", "<table><td>a<td>b</table>", "a | b"},
		{"empty cells add nothing", "<table><tr><td>a<td><td>&nbsp;<td> <td>b</table>", "a | b"},
		{"layout rows", "<table><tr><td>Header</td></tr><tr><td>Body text</td></tr></table>", "Header\nBody text"},
		{"nested layout", "<table><tr><td><table><tr><td>Inner1</td></tr><tr><td>Inner2</td></tr></table></td></tr></table>", "Inner1\nInner2"},
		{"spacer cells", "<table><tr><td width=20>&nbsp;</td><td><p>Content</p></td><td>&nbsp;</td></tr></table>", "Content"},
		{"paragraphs in cells", "<table><tr><td><p>Name</p></td><td><div>Value</div></td></tr></table>", "Name | Value"},
		{"multi-line cell", "<table><tr><td><p>a</p><p>b</p></td><td>c</td></tr></table>", "a\n\nb\n\nc"},
		{"columns of a layout table", "<table><tr><td>Deal price:<br>$28</td><td>Discount:<br>69%</td></tr></table>", "Deal price:\n$28\n\nDiscount:\n69%"},
		{"nested table in a row", "<table><tr><td>Label</td><td><table><tr><td>A</td><td>B</td></tr></table></td></tr></table>", "Label | A | B"},
		{"text around", "before<table><tr><td>x</table>after", "before\nx\nafter"},
		{"caption", "<table><caption>Prices</caption><tr><td>a<td>b</table>", "Prices\na | b"},
		{"cells outside a table", "<td>a</td><td>b</td>", "ab"},
		{"unclosed table", "<table><tr><td>a<td>b", "a | b"},
		{"end table closes cells", "<table><tr><td>a<div>b</table>c", "a\nb\nc"},
		{"table in a paragraph", "<p>x<table><tr><td>y</table>z", "x\ny\nz"},
	})
}

func TestQuotesAndPre(t *testing.T) {
	runText(t, Options{}, []textCase{
		{"quote", "<blockquote>q</blockquote>", "> q"},
		{"nested quote", "a<blockquote>b<blockquote>c</blockquote>d</blockquote>e", "a\n\n> b\n>\n> > c\n>\n> d\n\ne"},
		{"paragraphs in a quote", "<blockquote><p>x</p><p>y</p></blockquote>", "> x\n>\n> y"},
		{"list in a quote", "<blockquote><ul><li>a<li>b</ul></blockquote>", "> - a\n> - b"},
		{"mail reply", "<p>Thanks!</p><div class=gmail_quote>On Mon, A wrote:<br><blockquote type=cite>Hi<br>there</blockquote></div>", "Thanks!\n\nOn Mon, A wrote:\n\n> Hi\n> there"},
		{"pre", "<pre>\n  a\n    b\n\n\nc</pre>", "  a\n    b\n\nc"},
		{"pre keeps only the first newline's removal", "<pre>\n\nx</pre>", "x"},
		{"pre with markup", "<pre>x &lt;b&gt; <b>y</b>  z</pre>", "x <b> y  z"},
		{"pre trailing spaces", "<pre>a   \nb\t\n</pre>", "a\nb"},
		{"text around pre", "x<pre>y</pre>z", "x\n\ny\n\nz"},
		{"pre in a quote", "<blockquote><pre>a\n\nb</pre></blockquote>", "> a\n>\n> b"},
		{"xmp is raw", "<xmp><b>x</b></xmp>", "<b>x</b>"},
		{"deep quotes are capped", strings.Repeat("<blockquote>", 40) + "x", strings.Repeat("> ", maxSegs) + "x"},
	})
}

func TestDropped(t *testing.T) {
	runText(t, Options{}, []textCase{
		{"head", "<html><head><title>T</title><meta charset=utf-8><link rel=stylesheet href=x.css><base href=https://e.com/><style>p{color:red}</style><script>var x=1</script></head><body>Hi</body></html>", "Hi"},
		{"script", "a<script>document.write('<p>x</p>')</script>b", "ab"},
		{"style", "a<style>.x{}</style>b", "ab"},
		{"template", "a<template><p>x</p></template>b", "ab"},
		{"object", "a<object data=x.swf><p>fallback</p></object>b", "ab"},
		{"embed", "a<embed src=x.swf>b", "ab"},
		{"iframe", "a<iframe src=x>fallback</iframe>b", "ab"},
		{"frameset", "<frameset><frame src=a></frameset>", ""},
		{"svg", "a<svg><text>x</text><title>t</title></svg>b", "ab"},
		{"math", "a<math><mi>x</mi></math>b", "ab"},
		{"audio video canvas", "a<audio>x</audio><video>y</video><canvas>z</canvas>b", "ab"},
		{"comments", "a<!-- hidden -->b<!--[if mso]>mso<![endif]-->c", "abc"},
		{"downlevel-revealed conditional", "a<![if !mso]>b<![endif]>c", "abc"},
		{"doctype and processing instruction", "<!DOCTYPE html><?xml version=\"1.0\"?>a", "a"},
		{"cdata", "a<![CDATA[x]]>b", "ab"},
		{"title in body", "a<title>t</title>b", "ab"},
		{"textarea", "a<textarea>val</textarea>b", "ab"},
		{"unclosed head", "<head><title>t</title><p>body", "body"},
		{"text ends the head", "<head><title>t</title>Text", "Text"},
		{"svg ends at a breakout tag", "<svg><g><p>visible", "visible"},
		{"svg self-closing children", "<svg><path/><rect/></svg>after", "after"},
		{"noscript is shown", "a<noscript><p>b</p></noscript>c", "a\n\nb\n\nc"},
		{"unclosed noscript", "<noscript>a", "a"},
		{"meta refresh", "<meta http-equiv=refresh content=\"0;url=https://evil.example/\">Hi", "Hi"},
		{"urls in css and srcset", "<style>@import url(https://evil.example/x.css);body{background:url(https://evil.example/bg.png)}</style><img srcset=\"https://evil.example/a.png 1x\" src=\"https://evil.example/b.png\"><div style=\"background:url(https://evil.example/c.png)\">Hi</div>", "Hi"},
		{"form", "<form action=https://evil.example/><label>Name</label> <input type=text value=prefilled> <input type=password value=x> <input type=hidden value=h><input type=submit value=Send><button>OK</button><select><option>One<option selected>Two</select><textarea>secret</textarea></form>", "Name [Send] OK\nOne\nTwo"},
		{"image input", "<input type=image alt=Go src=x.png>", "[image: Go]"},
	})
}

func TestHidden(t *testing.T) {
	hide := []string{
		"display:none",
		"DISPLAY : NONE",
		"display:none !important",
		"display: /* comment */ none",
		"color:red;display:none;",
		"visibility:hidden",
		"visibility:collapse",
		"font-size:0",
		"font-size:0px",
		"font-size:0pt",
		"font-size:0em",
		"font-size:0%",
		"font-size:0.0rem",
		"font-size:0.4px",
		"font: 0/0 a",
		"font:bold 0px Arial",
		"opacity:0",
		"opacity:0.01",
		"opacity:0%",
		"mso-hide:all",
		"max-height:0;overflow:hidden",
		"max-height:0px; overflow:hidden !important",
		"height:0;overflow:hidden",
		"width:1px;height:1px;overflow:hidden",
		"max-width:0;overflow-x:hidden",
		"position:absolute;left:-9999px",
		"position:absolute;top:-5000px",
		"position:absolute;clip:rect(0 0 0 0)",
		"position:absolute;clip:rect(0,0,0,0)",
		"clip-path:inset(50%)",
		"text-indent:-9999px",
		"color:transparent",
		"color:rgba(0,0,0,0)",
		"color:#fff0",
		"display:block;display:none",
		"display:none!important;display:block",
	}
	for _, style := range hide {
		t.Run(style, func(t *testing.T) {
			in := `<p>a</p><div style="` + style + `">secret <b>text</b></div><p>b</p>`
			r := convert(t, in, Options{})
			if strings.Contains(r.Text, "secret") || strings.Contains(r.Text, "text") {
				t.Errorf("hidden text shown: %q", r.Text)
			}
			if r.Hidden != 1 {
				t.Errorf("Hidden = %d, want 1", r.Hidden)
			}
		})
	}
	show := []string{
		"display:block",
		"display:none;display:block",
		"visibility:visible",
		"font-size:12px",
		"font-size:0.8em",
		"font:bold 14px Arial",
		"font: 700 12px/1.2 sans-serif",
		"opacity:0.5",
		"max-height:0",
		"overflow:hidden",
		"height:0",
		"position:absolute;left:10px",
		"clip:rect(0 0 0 0)",
		"color:#fff",
		"background:url('a;display:none')",
		"mso-hide:none",
		"font-family:'display:none'",
	}
	for _, style := range show {
		t.Run(style, func(t *testing.T) {
			in := `<div style="` + style + `">shown</div>`
			r := convert(t, in, Options{})
			if r.Text != "shown" || r.Hidden != 0 {
				t.Errorf("got %q, Hidden %d", r.Text, r.Hidden)
			}
		})
	}
	runText(t, Options{}, []textCase{
		{"hidden attribute", "<p>a</p><p hidden>secret</p><p>b</p>", "a\n\nb"},
		{"hidden inline", "a<span hidden>secret</span>b", "ab"},
		{"unclosed hidden p ends at div", "<p hidden>secret<div>visible</div>", "visible"},
		{"unclosed hidden p ends at p", "<p hidden>secret<p>shown", "shown"},
		{"unclosed hidden p ends at table", "<p hidden>secret<ul><li>shown</ul>", "- shown"},
		{"hidden li ends at the next li", "<ul><li hidden>secret<li>shown</ul>", "- shown"},
		{"hidden td ends at the next td", "<table><tr><td style=display:none>secret<td>shown</table>", "shown"},
		{"hidden span does not end at a block end", "<div><span style=display:none>secret</div>shown", "shown"},
		// Browsers ignore the </span> (a block is open inside it), so the
		// span stays open and hides the rest, as here.
		{"span end tag blocked by a block", "<span style=display:none><div>secret</span>still hidden</div>also hidden", ""},
		// Here the adoption agency takes the <b> out of the tree: the
		// rest of the div is not in it any more.
		{"formatting end tag with a block inside", "<b style=display:none><div>secret</b>now visible</div>shown", "now visible\nshown"},
		{"formatting element reopened after a block end", "<div><font style=font-size:0>x</div>hidden too", ""},
		{"formatting element reopened in the next paragraph", "<p>a<font style=font-size:0><p>hidden</font>shown</p>", "a\n\nshown"},
		{"reopened only up to a cell", "<b style=display:none><table><tr><td>cell</td></tr></table>", ""},
		{"hidden attribute overridden by display", "<p hidden style='display:block'>x</p>", "x"},
		{"visible child of visibility hidden", "<div style='visibility:hidden'>a<span style='visibility:visible'>b</span></div>", "b"},
		{"font-size reset by a child", "<div style='font-size:0'><span style='font-size:14px'>a</span> <span style='font-size:14px'>b</span></div>", "ab"},
		{"relative size of zero stays zero", "<div style='font-size:0'><span style='font-size:2em'>x</span></div>y", "y"},
		{"display none cannot be undone", "<div style='display:none'><span style='display:block'>x</span></div>y", "y"},
		{"opacity cannot be undone", "<div style='opacity:0'><span style='opacity:1'>x</span></div>y", "y"},
		{"aria-hidden is visible", "<span aria-hidden=true>icon</span> text", "icon text"},
		{"preheader", `<div style="display:none;font-size:1px;color:#fff;line-height:1px;max-height:0;max-width:0;opacity:0;overflow:hidden;mso-hide:all">Preview text &zwnj;&nbsp;&#847;&zwnj;&nbsp;</div><p>Hello</p>`, "Hello"},
		{"zero-font word splitting", "Pay<span style='font-size:0'>xyz</span>Pal", "PayPal"},
		{"tiny white text", "<p>a</p><p style='font-size:1px;color:#ffffff'>filter bait</p><p>b</p>", "a\n\nb"},
		{"text misplaced in a hidden table is not in it", "<table style=display:none>shown<tr><td>hidden</table>", "shown"},
		{"hidden element misplaced in a table", "<table><tr><span style=display:none>x</span><td>cell</table>", "cell"},
		{"form in a table contains nothing", "<table><tr><form hidden><td>cell</td></form></tr></table>", "cell"},
		{"nested form ignored", "<form><p>a</p><form hidden><p>b</p></form><p>c</p></form>", "a\n\nb\n\nc"},
		{"end of form keeps what is open inside it", "<form style=display:none><div>x</form>still hidden</div>shown", "shown"},
		{"svg title holds html", "<svg><title><p>x</p></title></svg>y", "y"},
		{"raw text tags are markup in svg", "<svg><style><p>breakout</style></svg>", "breakout"},
		{"font breaks out of svg only with attributes", "<svg><font>in</font><font color=red>out</font></svg>", "out"},
		{"implied tbody ends at </tbody>", "<table><td><b style=display:none>x</tbody>y</table>", "y"},
		{"a table start in a table ends it", "<table><tr style=display:none><table><td>shown</table>", "shown"},
		{"noscript in head", "<noscript style=display:none>shown</noscript>", "shown"},
		{"hidden br", "a<br style='display:none'>b", "ab"},
		{"hidden image", "<img alt=x style='display:none'>y", "y"},
		{"tracking pixel", "<img src=t.gif width=1 height=1 alt=pixel>y", "y"},
		{"images show in zero font", "<div style='font-size:0'><img alt=Logo></div>", "[image: Logo]"},
		{"hidden content in a list", "<ul><li>a<li style=display:none>b<li>c</ul>", "- a\n- c"},
	})
	r := convert(t, "<div style=display:none>a<span>b</span></div><p hidden>c</p><span style='font-size:0'> </span><p style=display:none></p>", Options{})
	if r.Hidden != 2 {
		t.Errorf("Hidden = %d, want 2 (elements with visible text only)", r.Hidden)
	}
}

func TestImages(t *testing.T) {
	runText(t, Options{}, []textCase{
		{"alt", "<img src=x alt=\"A cat\">", "[image: A cat]"},
		{"alt between words", "see<img alt=cat>here", "see [image: cat] here"},
		{"no alt", "a<img src=x>b", "ab"},
		{"empty alt", "a<img src=x alt=\"\">b<img alt=\"  \">c", "abc"},
		{"alt is collapsed", "<img alt=\"a \n  b\">", "[image: a b]"},
	})
	runText(t, Options{ImageLabel: "画像"}, []textCase{
		{"japanese label", "<img src=x alt=\"猫\">", "[画像: 猫]"},
	})
}

func TestJapanese(t *testing.T) {
	runText(t, Options{}, []textCase{
		{"line break between japanese is removed", "<p>日本語の\n文章です。</p>", "日本語の文章です。"},
		{"also across tags", "<p>市役所<b>から\n</b>お知らせ</p>", "市役所からお知らせ"},
		{"latin keeps the space", "<p>English\ntext</p>", "English text"},
		{"explicit space is kept", "<p>日本 語</p>", "日本 語"},
		{"mixed scripts keep the space", "<p>日本語\nEnglish\n日本語</p>", "日本語 English 日本語"},
		{"hangul keeps the space", "<p>한국\n어</p>", "한국 어"},
		{"full-width space is content", "<p>\u3000字下げ</p>", "\u3000字下げ"},
		{"ruby with rp", "<ruby>漢字<rp>(</rp><rt>かんじ</rt><rp>)</rp></ruby>です", "漢字(かんじ)です"},
		{"ruby without rp", "<ruby>漢<rt>かん</rt>字<rt>じ</rt></ruby>", "漢(かん)字(じ)"},
		{"table of a notice", "<table><tr><th>日時</th><td>4月1日</td></tr><tr><th>場所</th><td>市民会館</td></tr></table>", "日時 | 4月1日\n場所 | 市民会館"},
	})
}

func TestMalformed(t *testing.T) {
	runText(t, Options{}, []textCase{
		{"unclosed inline", "<div><b>bold<i>italic", "bolditalic"},
		{"stray end tags", "a</div></span></b>b", "ab"},
		{"misnested", "<b><i>a</b>b</i>c", "abc"},
		{"unclosed attribute quote", "a<a href=\"https://e.com>text", "a"},
		{"lone angle brackets", "<<>>a<>b<", "<<>>a<>b<"},
		{"uppercase tags", "<P>A<BR>B</P><UL><LI>C</UL>", "A\nB\n\n- C"},
		{"unknown elements", "<o:p>a</o:p><custom-el>b</custom-el>", "ab"},
		{"end tag of unknown element", "<x-a>a<x-b>b</x-a>c", "abc"},
		{"body in the middle", "a<body>b</body>c</html>d", "abcd"},
		{"late head ignored", "a<head>b</head>c", "abc"},
		{"duplicate attributes: first wins", "<div style=display:none style=display:block>x</div>y", "y"},
		{"nul byte", "a\x00b", "ab"},
		{"self-closing div is an opening tag", "<div/>a<div/>b", "a\nb"},
	})
}

func TestDeepNesting(t *testing.T) {
	in := strings.Repeat("<div>", 10000) + "x" + strings.Repeat("</div>", 10000) + "y"
	r := convert(t, in, Options{})
	if r.Text != "x\ny" {
		t.Errorf("got %q", r.Text)
	}
	in = strings.Repeat("<span style=display:none>", 600) + "secret" + strings.Repeat("</span>", 600) + "shown"
	if r := convert(t, in, Options{}); r.Text != "shown" {
		t.Errorf("got %q", r.Text)
	}
	// Prefixes stop growing at maxSegs levels.
	in = strings.Repeat("<ul><li>a", 100)
	lines := strings.Split(convert(t, in, Options{}).Text, "\n")
	if len(lines) != 100 {
		t.Fatalf("%d lines, want 100", len(lines))
	}
	for i, l := range lines {
		if len(l) > 2*maxSegs+1 {
			t.Errorf("line %d too long: %q", i, l)
		}
	}
	if want := strings.Repeat("  ", maxSegs-1) + "- a"; lines[maxSegs-1] != want {
		t.Errorf("line %d = %q, want %q", maxSegs-1, lines[maxSegs-1], want)
	}
}
