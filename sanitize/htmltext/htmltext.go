package htmltext

import (
	"context"
	"errors"
	"fmt"
	"io"

	"golang.org/x/net/html"
)

// LinkMode says how the URL of a link is shown next to its text.
type LinkMode int

const (
	// LinksKeep shows "text <url>"; the URL once when the text already is
	// the URL (ignoring the scheme and a trailing slash).
	LinksKeep LinkMode = iota
	// LinksDefang shows the URL in a form mail clients do not make
	// clickable: hxxps://example[.]com/path, hxxp://, fxp://, and mail
	// addresses as user[@]example[.]com.
	LinksDefang
	// LinksRemove shows only the link text.
	LinksRemove
)

// Options controls Convert. The zero value is usable.
type Options struct {
	Links LinkMode
	// MaxToken bounds the size of one token (a tag, or a run of text
	// between tags) and with it the tokenizer's buffer; 0 means 1 MiB.
	MaxToken int
	// ImageLabel is the word used for images with alt text:
	// "[<ImageLabel>: alt]"; "" means "image".
	ImageLabel string
}

// Result is the text of an HTML document and what was done to produce it.
type Result struct {
	// Text is UTF-8 with "\n" line ends, no trailing spaces on lines, at
	// most one blank line in a row, and no blank lines at either end.
	Text string
	// Links is the number of visible links rendered (in any mode).
	Links int
	// LinksChanged counts the links whose URL was defanged, removed, or
	// refused (unsafe or unusable).
	LinksChanged int
	// UnsafeLinks counts links whose URL was never shown because of its
	// scheme (javascript:, vbscript:, data:, file:, anything but http,
	// https, ftp, mailto and tel) or because it was malformed.
	UnsafeLinks int
	// Hidden counts hidden elements (display:none, zero font size, ...)
	// whose content was dropped.
	Hidden int
	// Truncated is set when the input ended early because a token was
	// larger than Options.MaxToken; Text holds what came before it (with
	// the start of the oversized token when that was a run of text).
	Truncated bool
}

// Limits on what hostile input can make us hold or produce.
const (
	defaultMaxToken = 1 << 20
	// maxDepth bounds the element stack; deeper elements are rendered
	// with their parent's state but not tracked.
	maxDepth = 512
	// maxSegs bounds the line prefix (quote and list nesting) so that a
	// deeply nested quote cannot multiply the size of the output.
	maxSegs = 16
	// maxURLLen bounds a shown URL (and the base URL), for the same
	// reason: a long <base href> must not be repeated for every link.
	maxURLLen = 2048
)

// hrLine is how <hr> is shown.
const hrLine = "----------------------------------------"

// Convert reads UTF-8 HTML from r (the caller has already decoded the
// charset) and returns its visible text.
//
// It checks ctx between tokens and returns ctx.Err() (with the partial
// Result) when it is done. A token larger than MaxToken is not an error:
// Result.Truncated is set and the text so far returned. A read error from r
// is returned, wrapped, with the text so far.
func Convert(ctx context.Context, r io.Reader, opt Options) (Result, error) {
	c := newConverter(opt)
	if l, ok := r.(interface{ Len() int }); ok && l.Len() > 3*cap(c.w.b) {
		// The text is a fraction of the markup (about a third for mail
		// newsletters): room for it up front instead of doubling, and
		// copying, the output several times.
		c.w.b = make([]byte, 0, min(l.Len()/3, 4<<20))
	}
	z := html.NewTokenizer(r)
	maxTok := opt.MaxToken
	if maxTok <= 0 {
		maxTok = defaultMaxToken
	}
	z.SetMaxBuf(maxTok)
	done := ctx.Done()
	var err error
loop:
	for {
		select {
		case <-done:
			err = ctx.Err()
			break loop
		default:
		}
		c.tok++
		switch z.Next() {
		case html.ErrorToken:
			switch e := z.Err(); {
			case e == io.EOF:
			case errors.Is(e, html.ErrBufferExceeded):
				c.res.Truncated = true
			default:
				err = fmt.Errorf("htmltext: read: %w", e)
			}
			break loop
		case html.TextToken:
			c.text(z.Text())
		case html.StartTagToken:
			c.startTag(z, false)
		case html.SelfClosingTagToken:
			c.startTag(z, true)
		case html.EndTagToken:
			name, _ := z.TagName()
			c.endTagName(name)
		}
		// Comments, doctypes and processing instructions (which the
		// tokenizer reports as comments) are never shown.
	}
	return c.finish(), err
}
