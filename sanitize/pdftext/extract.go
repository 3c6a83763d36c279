package pdftext

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits bounds the work Extract does for one file. Zero fields take their
// defaults.
type Limits struct {
	Pages       int   // most pages read (default 2000)
	Depth       int   // deepest page tree (/Kids nesting) (default 32)
	StreamBytes int64 // most decoded bytes of one stream: content, CMap, object stream (default 16 MiB)
	TotalBytes  int64 // most decoded bytes over the whole document (default 256 MiB)
	OutputBytes int64 // most text returned (default 10 MiB); beyond it the text is cut and Result.Truncated set
}

const (
	defaultPages       = 2000
	defaultDepth       = 32
	defaultStreamBytes = 16 << 20
	defaultTotalBytes  = 256 << 20
	defaultOutputBytes = 10 << 20
)

func (l Limits) withDefaults() Limits {
	if l.Pages <= 0 {
		l.Pages = defaultPages
	}
	if l.Depth <= 0 {
		l.Depth = defaultDepth
	}
	if l.StreamBytes <= 0 {
		l.StreamBytes = defaultStreamBytes
	}
	if l.TotalBytes <= 0 {
		l.TotalBytes = defaultTotalBytes
	}
	if l.OutputBytes <= 0 {
		l.OutputBytes = defaultOutputBytes
	}
	return l
}

// Result is the text of a PDF.
type Result struct {
	// Text is UTF-8 with "\n" line ends; pages are separated by a blank
	// line. It holds no control characters other than "\n".
	Text string
	// Pages is the number of pages read.
	Pages int
	// Truncated is set when Limits.Pages or Limits.OutputBytes cut the
	// text short.
	Truncated bool
	// Removed names, in plain words, the active or hidden content present
	// in the file that is not in Text: "JavaScript", "automatic action
	// (OpenAction)", "automatic action (AA)", "launch action", "links to
	// other files", "form submission", "embedded file", "attached files",
	// "form fields", "comments", "multimedia". Sorted, without repeats.
	Removed []string
}

var (
	// ErrEncrypted is returned for an encrypted file that cannot be opened
	// with an empty user password.
	ErrEncrypted = errors.New("pdftext: encrypted PDF that needs a password")
	// ErrNoText is returned when the file has no extractable text, as with
	// scanned images or pages of vector art only.
	ErrNoText = errors.New("pdftext: PDF has no extractable text")

	errNotPDF   = errors.New("pdftext: not a PDF file")
	errNoPages  = errors.New("pdftext: malformed PDF: no page tree")
	errInternal = errors.New("pdftext: internal error")
)

// LimitError reports that a file exceeds one of the Limits. (Pages and
// OutputBytes do not fail: they cut the text and set Result.Truncated.)
type LimitError struct {
	Limit string // the Limits field: "Depth", "StreamBytes" or "TotalBytes"
	Bound int64  // its value
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("pdftext: PDF exceeds the %s limit of %d", e.Limit, e.Bound)
}

// budget accounts decoded bytes and watches the context. The first limit
// or context error is kept, so that one noticed deep inside object loading
// (where failures read as null objects) still ends the extraction.
type budget struct {
	ctx   context.Context
	lim   Limits
	total int64
	err   error
}

func (b *budget) charge(n int64) error {
	b.total += n
	if b.total > b.lim.TotalBytes {
		b.note(&LimitError{Limit: "TotalBytes", Bound: b.lim.TotalBytes})
		return b.err
	}
	return nil
}

func (b *budget) check() error {
	if b.err != nil {
		return b.err
	}
	if err := b.ctx.Err(); err != nil {
		b.err = err
	}
	return b.err
}

func (b *budget) note(err error) {
	if b.err != nil || err == nil {
		return
	}
	if isLimit(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		b.err = err
	}
}

// Extract returns the text of a PDF held in memory. It checks ctx between
// pages and content streams.
//
// Errors: ErrEncrypted, ErrNoText, a *LimitError, ctx.Err(), or another
// error for a corrupt or unsupported file. Result.Removed is filled in
// whenever the file could be read far enough to tell, errors included.
// A panic inside the reader is recovered and returned as an error.
func Extract(ctx context.Context, data []byte, lim Limits) (res Result, err error) {
	lim = lim.withDefaults()
	found := map[string]bool{}
	defer func() {
		if r := recover(); r != nil {
			res = Result{Removed: sortedKeys(found)}
			err = fmt.Errorf("%w: %v", errInternal, r)
		}
	}()
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	res, err = extract(ctx, data, lim, found)
	res.Removed = sortedKeys(found)
	return res, err
}

func sortedKeys(m map[string]bool) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func extract(ctx context.Context, data []byte, lim Limits, found map[string]bool) (Result, error) {
	// §7.5.2: the header is "%PDF-1.n"; readers accept it anywhere in the
	// first kilobyte, after junk that mail and web servers prepend.
	if bytes.Index(data[:min(len(data), 1024)], []byte("%PDF-")) < 0 {
		return Result{}, errNotPDF
	}
	bud := &budget{ctx: ctx, lim: lim}
	d := &document{
		data:    data,
		xref:    map[uint32]xrefEntry{},
		bud:     bud,
		cache:   map[uint32]object{},
		objStms: map[uint32]*objStm{},
		loading: map[uint32]bool{},
	}
	// Nothing may be loaded through the object cache before the security
	// handler is set up: objects read earlier would stay undecrypted.
	if err := d.readXref(); err != nil {
		if isLimit(err) {
			return Result{}, err
		}
		if rerr := d.reconstruct(); rerr != nil {
			if err := bud.check(); err != nil {
				return Result{}, err
			}
			rawScan(data, found)
			return Result{}, fmt.Errorf("pdftext: %w", err)
		}
	}
	if d.trailer["Encrypt"] != nil {
		if err := d.setupCrypt(); err != nil {
			// Dictionary keys are not encrypted, so the object scan still
			// sees most; the raw scan covers compressed object streams.
			rawScan(data, found)
			d.scanObjects(found)
			return Result{}, err
		}
		d.resetCache()
	}
	if d.dictOf(d.trailer["Root"]) == nil && !d.reconstructed {
		if err := d.reconstruct(); err != nil {
			rawScan(data, found)
			return Result{}, fmt.Errorf("pdftext: %w", err)
		}
	}
	d.scanObjects(found)
	if err := bud.check(); err != nil {
		return Result{}, err
	}
	catalog := d.dictOf(d.trailer["Root"])
	pagesRoot, ok := catalog["Pages"]
	if !ok && !d.reconstructed {
		if d.reconstruct() == nil {
			catalog = d.dictOf(d.trailer["Root"])
			pagesRoot, ok = catalog["Pages"]
		}
	}
	if !ok {
		return Result{}, errNoPages
	}

	var (
		out       strings.Builder
		res       Result
		fc        = &fontCache{fonts: map[uint32]*font{}, cmaps: map[uint32]*cmap{}}
		truncated bool
	)
	var in *interp
	err := d.walkPages(pagesRoot, lim.Depth, func(page, pres dict) (bool, error) {
		if res.Pages >= lim.Pages {
			truncated = true
			return false, nil
		}
		res.Pages++
		room := int(lim.OutputBytes) - out.Len()
		t := newTextOut(room + 4)
		if in == nil {
			in = newInterp(d, fc, t)
		}
		in.out = t
		if err := in.runPage(page["Contents"], pres); err != nil {
			return false, err
		}
		text := t.text()
		notes, err := in.annotationText(page, room-len(text))
		if err != nil {
			return false, err
		}
		if notes != "" {
			if text != "" {
				text += "\n\n"
			}
			text += notes
		}
		if text == "" {
			return true, nil
		}
		if out.Len() > 0 {
			out.WriteString("\n\n")
		}
		out.WriteString(text)
		if int64(out.Len()) > lim.OutputBytes || t.full {
			truncated = true
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return Result{Pages: res.Pages}, err
	}
	if err := bud.check(); err != nil {
		return Result{Pages: res.Pages}, err
	}
	text := out.String()
	if int64(len(text)) > lim.OutputBytes {
		cut := int(lim.OutputBytes)
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
		truncated = true
	}
	res.Text = text
	res.Truncated = truncated
	if strings.TrimSpace(text) == "" && !truncated {
		return Result{Pages: res.Pages}, ErrNoText
	}
	return res, nil
}
