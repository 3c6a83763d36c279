// Package flatten turns one attachment into safe content: text extracted
// from PDF, Office (OOXML and the legacy binary .doc, .xls and .ppt), ODF
// and RTF documents, the members of zip, gzip and tar
// archives and of Outlook's winmail.dat converted the same way, images
// re-encoded from their pixels — or a reason why it cannot be made safe.
//
// The type is decided from the content (magic bytes and structure), never
// from the file name or the declared type; a disagreement is reported so
// the notice can say that "invoice.pdf" was in fact an executable.
//
// Nothing of the input is returned but text that a converter extracted
// (the caller cleans and scans it like any other text) and image pixels
// encoded anew. Every converter runs under the limits in Options; a
// converter that fails, for any reason, makes the file "dropped" with a
// reason — never passed through. Convert is pure (no files, no network)
// and may run in-process or, as cmd/mugai does, in a child process under
// operating-system limits (package sandbox).
package flatten

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/mugai/mugai/sanitize/archive"
	"github.com/mugai/mugai/sanitize/charset"
	"github.com/mugai/mugai/sanitize/htmltext"
	"github.com/mugai/mugai/sanitize/imagesafe"
	"github.com/mugai/mugai/sanitize/office"
	"github.com/mugai/mugai/sanitize/pdftext"
	"github.com/mugai/mugai/sanitize/textclean"
	"github.com/mugai/mugai/sanitize/tnef"
)

// Input describes the file beside its bytes.
type Input struct {
	// Name is the decoded, cleaned file name; it is reported, never
	// trusted to decide the type.
	Name string `json:"name"`
	// DeclaredType is the media type the sender declared.
	DeclaredType string `json:"declared_type"`
	// Charset is the declared charset of a text part, if any.
	Charset string `json:"charset,omitempty"`
}

// Options say what may be converted and within what bounds.
type Options struct {
	// ReencodeImages re-encodes PNG, JPEG and GIF; otherwise images are
	// dropped.
	ReencodeImages bool `json:"reencode_images"`
	// Links is how links of HTML files are shown.
	Links htmltext.LinkMode `json:"links"`
	// DropScripts drops script files (ScriptType); otherwise they are
	// converted to text like any text file.
	DropScripts bool `json:"drop_scripts"`
	// Limits bound the work.
	Limits Limits `json:"limits"`
	// External, when set, is asked first for every kind; ok false means
	// "no external converter for this kind", and the built-in one runs.
	// The sandbox sets it in the child process to run the commands an
	// admin configured.
	External func(ctx context.Context, kind Kind, data []byte) (text string, ok bool, err error) `json:"-"`
}

// Limits bound one attachment's conversion, archive members included.
type Limits struct {
	ArchiveDepth   int   `json:"archive_depth"`
	ArchiveEntries int   `json:"archive_entries"`
	ArchiveBytes   int64 `json:"archive_bytes"`
	ArchiveRatio   int   `json:"archive_ratio"`
	ImagePixels    int64 `json:"image_pixels"`
	OutputBytes    int64 `json:"output_bytes"`
	PDFPages       int   `json:"pdf_pages"`
}

// Action is what became of a file.
type Action string

const (
	// ActionText: the file is represented by Result.Text.
	ActionText Action = "text"
	// ActionImage: the file is represented by Result.Image.
	ActionImage Action = "image"
	// ActionContainer: an archive or winmail.dat; see Result.Entries.
	ActionContainer Action = "container"
	// ActionDrop: nothing of the file is kept; see Result.Reason.
	ActionDrop Action = "drop"
)

// Reason codes for ActionDrop; the notice words them for people.
const (
	ReasonUnsupported = "unsupported" // a type that cannot be made safe (executable, unknown binary)
	ReasonEncrypted   = "encrypted"   // password-protected: cannot be inspected
	ReasonNoText      = "no-text"     // a document without extractable text (scanned PDF)
	ReasonCorrupt     = "corrupt"     // could not be read
	ReasonLimit       = "limit"       // a limit tripped (size, entries, ratio, pixels, pages)
	ReasonImages      = "images-off"  // an image, and images are dropped by policy
	ReasonDepth       = "depth"       // an archive nested deeper than the limit
	ReasonTimeout     = "timeout"     // the converter took too long (set by the sandbox)
	ReasonCrash       = "crash"       // the converter process failed (set by the sandbox)
	ReasonEmpty       = "empty"       // no content at all
	ReasonTooLarge    = "too-large"   // larger than a converter is handed (set by the sanitizer)
	ReasonScript      = "script"      // a script file, and scripts are dropped by policy
)

// Result is what a file became.
type Result struct {
	// Kind and MediaType are the type detected from the content.
	Kind      Kind   `json:"kind"`
	MediaType string `json:"media_type"`
	// Mismatch is set when the declared type names another kind of file.
	Mismatch bool   `json:"mismatch,omitempty"`
	Action   Action `json:"action"`
	// Text is UTF-8 text for ActionText ("\n" line ends, not yet cleaned
	// of control characters: the caller does that for all text alike).
	Text string `json:"text,omitempty"`
	// Image and ImageType are the re-encoded image for ActionImage.
	Image     []byte `json:"image,omitempty"`
	ImageType string `json:"image_type,omitempty"`
	// Reason is a Reason* code for ActionDrop; Detail says more, in
	// English, for the report.
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Removed names active or external content the file had and the text
	// does not carry ("macro (VBA)", "JavaScript", ...).
	Removed []string `json:"removed,omitempty"`
	// Truncated is set when the text was cut at a limit.
	Truncated bool `json:"truncated,omitempty"`
	// Entries are the members of a container, in order.
	Entries []Entry `json:"entries,omitempty"`
}

// Entry is one member of an archive or winmail.dat.
type Entry struct {
	// Path is the member's cleaned path inside the container.
	Path   string  `json:"path"`
	Size   int64   `json:"size"`
	SHA256 string  `json:"sha256,omitempty"`
	Result *Result `json:"result"`
}

func drop(kind Kind, reason, detail string) *Result {
	return &Result{Kind: kind, MediaType: kind.MediaType(), Action: ActionDrop, Reason: reason, Detail: detail}
}

// budget is shared by every level of one attachment, so nesting cannot
// multiply the limits.
type budget struct {
	entries int
	bytes   int64
}

// Convert converts one file held in memory. The error is ctx's when it
// ended; every other failure is a Result with ActionDrop.
func Convert(ctx context.Context, in Input, data []byte, opt Options) (*Result, error) {
	opt.Limits = opt.Limits.withDefaults()
	return convert(ctx, in, data, opt, 0, &budget{})
}

func convert(ctx context.Context, in Input, data []byte, opt Options, depth int, b *budget) (res *Result, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	kind := Detect(data)
	defer func() {
		// A converter that panics on hostile input drops the file; the
		// rest of the message is unaffected.
		if p := recover(); p != nil {
			res, err = drop(kind, ReasonCrash, fmt.Sprintf("converter failed: %v", p)), nil
		}
		if res != nil && err == nil {
			res.Mismatch = mismatch(in.DeclaredType, kind)
		}
	}()
	if len(data) == 0 {
		return drop(kind, ReasonEmpty, "empty file"), nil
	}
	if opt.External != nil && kind.Convertible() {
		text, ok, err := opt.External(ctx, kind, data)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		if ok {
			if err != nil {
				return drop(kind, ReasonCrash, "external converter: "+err.Error()), nil
			}
			return textResult(kind, text, opt.Limits.OutputBytes, nil), nil
		}
	}
	switch kind.family() {
	case familyPDF:
		return convertPDF(ctx, data, opt)
	case familyOffice:
		return convertOffice(ctx, kind, data, opt)
	case familyArchive:
		return convertArchive(ctx, in, kind, data, opt, depth, b)
	case familyTNEF:
		return convertTNEF(ctx, in, data, opt, depth, b)
	case familyImage:
		if !opt.ReencodeImages {
			return drop(kind, ReasonImages, "images are dropped by policy"), nil
		}
		out, typ, err := imagesafe.Reencode(data, opt.Limits.ImagePixels)
		if err != nil {
			return drop(kind, classify(err), err.Error()), nil
		}
		return &Result{Kind: kind, MediaType: kind.MediaType(), Action: ActionImage, Image: out, ImageType: typ}, nil
	case familyText:
		if st := ScriptType(in.Name, data); st != "" {
			if opt.DropScripts {
				return &Result{Kind: KindScript, MediaType: st, Action: ActionDrop, Reason: ReasonScript,
					Detail: "script file (" + st + ")"}, nil
			}
			res, err := convertText(ctx, kind, in.Charset, data, opt)
			if res != nil {
				res.Kind, res.MediaType = KindScript, st
			}
			return res, err
		}
		return convertText(ctx, kind, in.Charset, data, opt)
	}
	if kind == KindOLE {
		// A password-protected Office Open XML file is an OLE2 container
		// too: say "encrypted" for it, not "unsupported".
		if _, err := office.Extract(ctx, data, "", office.Limits{}); errors.Is(err, office.ErrEncrypted) {
			return drop(kind, ReasonEncrypted, "password-protected Office document"), nil
		}
		return drop(kind, ReasonUnsupported, "compound file of another kind than Word, Excel or PowerPoint"), nil
	}
	return drop(kind, ReasonUnsupported, "type cannot be made safe"), nil
}

// classify maps a converter's error to a reason code.
func classify(err error) string {
	switch {
	case errors.Is(err, pdftext.ErrEncrypted), errors.Is(err, office.ErrEncrypted):
		return ReasonEncrypted
	case errors.Is(err, pdftext.ErrNoText):
		return ReasonNoText
	case isLimitError(err):
		return ReasonLimit
	}
	return ReasonCorrupt
}

// isLimitError recognises the converters' own *LimitError types.
func isLimitError(err error) bool {
	var (
		pl *pdftext.LimitError
		ol *office.LimitError
		al *archive.LimitError
		ao *archive.OverlapError // overlapping members: a zip bomb
		il *imagesafe.LimitError
		tl *tnef.LimitError
	)
	return errors.As(err, &pl) || errors.As(err, &ol) || errors.As(err, &al) || errors.As(err, &ao) ||
		errors.As(err, &il) || errors.As(err, &tl)
}

func convertPDF(ctx context.Context, data []byte, opt Options) (*Result, error) {
	r, err := pdftext.Extract(ctx, data, pdftext.Limits{Pages: opt.Limits.PDFPages, OutputBytes: opt.Limits.OutputBytes})
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, ctxErr
	}
	if err != nil {
		res := drop(KindPDF, classify(err), err.Error())
		res.Removed = r.Removed
		return res, nil
	}
	res := textResult(KindPDF, r.Text, opt.Limits.OutputBytes, r.Removed)
	res.Truncated = res.Truncated || r.Truncated
	return res, nil
}

func convertOffice(ctx context.Context, kind Kind, data []byte, opt Options) (*Result, error) {
	r, err := office.Extract(ctx, data, office.Kind(kind), office.Limits{
		TotalBytes:  opt.Limits.ArchiveBytes,
		Ratio:       opt.Limits.ArchiveRatio,
		OutputBytes: opt.Limits.OutputBytes,
	})
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, ctxErr
	}
	if err != nil {
		res := drop(kind, classify(err), err.Error())
		res.Removed = r.Removed
		return res, nil
	}
	res := textResult(kind, r.Text, opt.Limits.OutputBytes, r.Removed)
	res.Truncated = res.Truncated || r.Truncated
	return res, nil
}

// convertText decodes a text or HTML file: the charset guessed (files
// carry no declaration), HTML converted by the same rules as a body.
func convertText(ctx context.Context, kind Kind, label string, data []byte, opt Options) (*Result, error) {
	if label == "" && kind == KindHTML {
		label = htmltext.MetaCharset(data)
	}
	s, _ := charset.Decode(data, label)
	if kind == KindHTML {
		r, err := htmltext.Convert(ctx, strings.NewReader(textclean.Text(s)), htmltext.Options{Links: opt.Links})
		if err != nil {
			return nil, err
		}
		s = r.Text
	}
	return textResult(kind, s, opt.Limits.OutputBytes, nil), nil
}

// textResult builds an ActionText result, cut at the output limit.
func textResult(kind Kind, text string, max int64, removed []string) *Result {
	res := &Result{Kind: kind, MediaType: kind.MediaType(), Action: ActionText, Removed: removed}
	if int64(len(text)) > max {
		cut := int(max)
		for cut > 0 && cut < len(text) && text[cut]&0xc0 == 0x80 {
			cut--
		}
		text, res.Truncated = text[:cut], true
	}
	if strings.TrimSpace(text) == "" {
		res.Action, res.Reason, res.Detail = ActionDrop, ReasonNoText, "no text"
		return res
	}
	res.Text = text
	return res
}

// convertArchive expands an archive and converts each member by the same
// rules, one level deeper. Encrypted members cannot be inspected: a
// password-protected archive (PPAP, common in Japan) is dropped whole, so
// the notice can say so plainly, unless some members were readable.
func convertArchive(ctx context.Context, in Input, kind Kind, data []byte, opt Options, depth int, b *budget) (*Result, error) {
	if depth >= opt.Limits.ArchiveDepth {
		return drop(kind, ReasonDepth, fmt.Sprintf("archive nested deeper than %d", opt.Limits.ArchiveDepth)), nil
	}
	res := &Result{Kind: kind, MediaType: kind.MediaType(), Action: ActionContainer}
	lim := archive.Limits{
		Entries:    opt.Limits.ArchiveEntries - b.entries,
		TotalBytes: opt.Limits.ArchiveBytes - b.bytes,
		Ratio:      opt.Limits.ArchiveRatio,
	}
	if lim.Entries <= 0 || lim.TotalBytes <= 0 {
		return drop(kind, ReasonLimit, "archive limits already used by enclosing archives"), nil
	}
	encrypted, readable := 0, 0
	err := archive.Walk(ctx, data, archive.Kind(kind), lim, func(e archive.Entry, body []byte) error {
		b.entries++
		b.bytes += int64(len(body))
		entry := Entry{Path: e.Path, Size: e.Size}
		switch {
		case e.Encrypted:
			encrypted++
			entry.Result = drop("", ReasonEncrypted, "password-protected member")
		case e.Skipped != "":
			entry.Result = drop("", ReasonUnsupported, e.Skipped)
		default:
			readable++
			sum := sha256.Sum256(body)
			entry.SHA256 = hex.EncodeToString(sum[:])
			r, err := convert(ctx, Input{Name: e.Path}, body, opt, depth+1, b)
			if err != nil {
				return err
			}
			entry.Result = r
		}
		if e.Skipped == "directory" {
			return nil
		}
		res.Entries = append(res.Entries, entry)
		return nil
	})
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, ctxErr
	}
	switch {
	case errors.Is(err, archive.ErrUnsupported):
		return drop(kind, ReasonUnsupported, fmt.Sprintf("%s archives cannot be inspected", kind)), nil
	case err != nil:
		// A bomb or a broken archive: nothing of it is trusted.
		return drop(kind, classify(err), err.Error()), nil
	case encrypted > 0 && readable == 0:
		return drop(kind, ReasonEncrypted, "password-protected archive"), nil
	case len(res.Entries) == 0:
		return drop(kind, ReasonEmpty, "empty archive"), nil
	}
	return res, nil
}

// convertTNEF decodes winmail.dat: its body becomes a text member and its
// attachments are converted like archive members.
func convertTNEF(ctx context.Context, in Input, data []byte, opt Options, depth int, b *budget) (*Result, error) {
	if depth >= opt.Limits.ArchiveDepth {
		return drop(KindTNEF, ReasonDepth, "winmail.dat nested too deep"), nil
	}
	// The attachments draw on the budget of the enclosing archives, like
	// archive members do: a zip of many winmail.dat files may not convert
	// ArchiveEntries attachments from each (found by fuzz.FuzzFlatten).
	lim := tnef.Limits{Attachments: opt.Limits.ArchiveEntries - b.entries, TotalBytes: opt.Limits.ArchiveBytes - b.bytes, Depth: opt.Limits.ArchiveDepth}
	if lim.Attachments <= 0 || lim.TotalBytes <= 0 {
		return drop(KindTNEF, ReasonLimit, "archive limits already used by enclosing archives"), nil
	}
	m, err := tnef.Decode(data, lim)
	if err != nil {
		return drop(KindTNEF, classify(err), err.Error()), nil
	}
	res := &Result{Kind: KindTNEF, MediaType: KindTNEF.MediaType(), Action: ActionContainer}
	body := m.BodyText
	switch {
	case strings.TrimSpace(body) == "" && len(m.BodyHTML) > 0:
		r, err := convert(ctx, Input{Name: "body.html"}, m.BodyHTML, opt, depth+1, b)
		if err != nil {
			return nil, err
		}
		res.Entries = append(res.Entries, Entry{Path: "body", Size: int64(len(m.BodyHTML)), Result: r})
	case strings.TrimSpace(body) == "" && len(m.BodyRTF) > 0:
		r, err := convert(ctx, Input{Name: "body.rtf"}, m.BodyRTF, opt, depth+1, b)
		if err != nil {
			return nil, err
		}
		res.Entries = append(res.Entries, Entry{Path: "body", Size: int64(len(m.BodyRTF)), Result: r})
	case strings.TrimSpace(body) != "":
		res.Entries = append(res.Entries, Entry{Path: "body", Size: int64(len(body)), Result: textResult(KindText, body, opt.Limits.OutputBytes, nil)})
	}
	for _, a := range m.Attachments {
		b.entries++
		b.bytes += int64(len(a.Data))
		sum := sha256.Sum256(a.Data)
		name := textclean.Filename(a.Name)
		r, err := convert(ctx, Input{Name: name, DeclaredType: a.MIMEType}, a.Data, opt, depth+1, b)
		if err != nil {
			return nil, err
		}
		res.Entries = append(res.Entries, Entry{Path: name, Size: int64(len(a.Data)), SHA256: hex.EncodeToString(sum[:]), Result: r})
	}
	if len(res.Entries) == 0 {
		return drop(KindTNEF, ReasonEmpty, "winmail.dat without content"), nil
	}
	return res, nil
}

// withDefaults fills zero limits; there is no "unlimited".
func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def64 := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.ArchiveDepth, 3)
	def(&l.ArchiveEntries, 1000)
	def64(&l.ArchiveBytes, 100<<20)
	def(&l.ArchiveRatio, 100)
	def64(&l.ImagePixels, 40_000_000)
	def64(&l.OutputBytes, 10<<20)
	def(&l.PDFPages, 2000)
	return l
}
