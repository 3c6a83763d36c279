// Package htmltext renders an HTML mail body as readable UTF-8 plain text.
//
// It is the HTML converter of mugai's sanitizer (DESIGN.md, output
// invariant 4): the visible text is kept in reading order, laid out in
// plain text; scripts, styles, comments, embedded media and hidden
// content are dropped; links are shown as "text <url>", defanged or
// removed; no markup survives.
//
// # How
//
// The converter streams over the tokens of golang.org/x/net/html's
// Tokenizer instead of building a tree, so memory stays bounded by the
// largest token (Options.MaxToken) plus the output, and time is linear in
// the input. A tokenizer knows nothing of implied end tags, so the
// converter keeps its own element stack and re-creates the parts of the
// HTML Living Standard's tree construction (§13.2.6) that decide which
// elements, and so which styles, contain each piece of text: implied ends
// (<p>, <li>, <td>, ...), scopes, reopened formatting elements, the
// adoption agency, foster parenting, foreign content (see tree.go). Text
// inside an unclosed <p hidden> ends being hidden where a browser ends it.
// A differential test checks this against x/net/html's tree builder.
//
// # Layout
//
//   - Paragraphs, headings, lists, quotes, <pre> and tables are separated
//     by one blank line, other blocks (<div>, rows) by a line end; never
//     more than one blank line in a row. Paragraphs without margins
//     (inline style, or Word's "Mso" classes) are single lines, the way
//     Outlook mail looks; a block holding only no-break spaces is an
//     empty line.
//   - <br> ends a line; <hr> is a line of dashes.
//   - Lists: "- " and "1. " (honouring start and value), nested lists
//     indented under the item's text; definition descriptions indented.
//   - Quotes: "> " per level ("> > "), including blank lines (">").
//   - Tables: the cells of a row on one line joined by " | ", skipping
//     empty cells, so a layout table with one non-empty cell per row
//     reads as plain lines; once a cell spans lines (the columns of a
//     newsletter), the next cell starts after a blank line instead.
//   - White space collapses as in HTML; <pre>, <listing>, <xmp> and
//     <plaintext> keep it. A line break in the source between two
//     Japanese (East Asian wide) characters is removed rather than turned
//     into a space, as CSS Text 3 does. Ruby text follows its base in
//     parentheses: 漢字(かんじ).
//   - Images with alt text become "[image: alt]" (Options.ImageLabel);
//     images without alt, and tracking pixels (width or height of 0 or 1),
//     add nothing.
//   - Forms: labels, button text, option text and submit buttons'
//     values ("[Send]") are visible text and kept; values of input fields
//     and <textarea> are form data, not message content, and dropped.
//   - Invisible characters that only serve to hide or disguise text
//     (zero-width spaces, soft hyphens, byte order marks, the "&#847;"
//     padding of preheaders, bidirectional overrides) and control
//     characters are removed.
//
// # What is dropped
//
// <head> (title, meta, link, base, style), <script>, <style>, <template>,
// <object>, <embed>, <iframe>, <frame>, <svg>, <math>, <audio>, <video>,
// <canvas>, <textarea>, <datalist>, a <dialog> without open, comments,
// doctypes and processing instructions. <noscript>, <noembed> and
// <noframes> are kept: mail readers run no scripts and show no plugins or
// frames, so their fallback content is what a reader sees.
//
// Hidden content is what a reader of the mail does not see: the hidden
// attribute (unless the style sets display), and inline styles with
// display:none, visibility:hidden (undone by a visible descendant), a
// font size below 3px (undone by a descendant with a size, so font-size:0
// layout containers keep their text), opacity below 0.1, mso-hide:all, a
// zero or 1px height or width with overflow hidden, clip and clip-path
// that hide the box, off-screen positioning or text-indent, and a
// transparent text colour. The style attribute is parsed leniently (case,
// spaces, comments, !important, the last declaration wins). Style sheets
// in <style> elements are not evaluated. aria-hidden="true" is not
// hidden: it hides from screen readers, not from the eye. Result.Hidden
// counts the hidden elements whose content was dropped.
//
// # Links
//
// Only the href of <a> and <area> is shown. Before its scheme is checked
// the href is stripped of ASCII white space and control characters and
// lower-cased, so "jav&#x61;script:", "java\tscript:" and " JAVASCRIPT:"
// are all javascript:. Only http, https, ftp, mailto and tel URLs are
// ever shown; any other scheme (javascript:, vbscript:, data:, file:,
// ...) or a malformed URL leaves the link text alone and counts as unsafe.
// Relative URLs are resolved against an absolute http(s) <base href>, and
// without one are not shown. A shown URL is canonical: host lower-cased
// and in punycode (so a look-alike "аpple.com" shows as xn--pple-43d.com),
// user name and password removed (https://bank@evil.example/), and
// spaces, controls, non-ASCII bytes and quote or angle characters
// percent-encoded, so that it is one word that cannot break out of
// "<...>". A link whose text is empty shows its URL alone; when the text
// already is the URL, it is shown once.
//
// # Limits
//
// A token larger than Options.MaxToken ends the input (Result.Truncated).
// The element stack is tracked to 512 levels and line prefixes to 16, shown
// URLs to 2 KiB: hostile nesting can neither exhaust memory nor multiply
// the output. One thing a streaming converter cannot do is take back what
// it wrote: when the adoption agency moves content already in the tree
// (a block inside a misnested formatting element), that content keeps the
// visibility it had when it was written.
package htmltext
