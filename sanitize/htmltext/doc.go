// Package htmltext renders an HTML mail body as readable UTF-8 plain text.
//
// It is the HTML converter of mugai's sanitizer (DESIGN.md, output
// invariant 4): the visible text is kept in reading order, with
// paragraphs, line breaks, headings, lists, tables, quotes and
// preformatted text laid out in plain text; scripts, styles, comments,
// embedded media and hidden content are dropped; links are shown as
// "text <url>", defanged or removed; no markup survives.
//
// The converter streams over the tokens of golang.org/x/net/html's
// Tokenizer instead of building a tree, so memory stays bounded by the
// largest token (Options.MaxToken) plus the output, and time is linear in
// the input. Because a tokenizer knows nothing of implied end tags, the
// converter keeps its own element stack and re-creates the parts of the
// HTML Living Standard's tree construction (§13.2.6) that decide where an
// element ends: void elements, implied ends (<p>, <li>, <td>, ...), scope
// rules for end tags. That matters most for hidden content: text inside
// an unclosed <p hidden> must end where a browser ends it.
//
// "Hidden" means what a reader of the mail does not see: the hidden
// attribute, and inline styles with display:none, visibility:hidden,
// a zero font size, opacity 0, mso-hide:all, a zero height or width with
// overflow hidden, clipping, off-screen positioning or a transparent text
// colour. Style sheets in <style> elements are not evaluated.
package htmltext
