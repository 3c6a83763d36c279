package office

import (
	"context"
	"errors"
	"fmt"
	"sort"
)

// Limits bounds the work of one Extract. A zero field takes its default.
type Limits struct {
	Entries     int   // most zip entries looked at (default 10000)
	EntryBytes  int64 // most uncompressed bytes of one XML part read (default 64 MiB)
	TotalBytes  int64 // most uncompressed bytes over the document (default 256 MiB)
	Ratio       int   // highest compression ratio of an entry (default 100): a zip bomb fails fast
	OutputBytes int64 // most text returned (default 10 MiB); beyond it the text is cut and Result.Truncated set
}

// Default limits.
const (
	DefaultEntries     = 10000
	DefaultEntryBytes  = 64 << 20
	DefaultTotalBytes  = 256 << 20
	DefaultRatio       = 100
	DefaultOutputBytes = 10 << 20
)

// ratioFloor is the size below which an entry is never refused for its
// compression ratio: inflating to less than this is harmless whatever the
// ratio, and small XML parts full of repeated markup legitimately compress
// by more than 100:1.
const ratioFloor = 1 << 20

// Fixed structural bounds. Real documents stay far below them; hostile ones
// would otherwise make the decoder's (or our) stacks grow with the input.
const (
	maxXMLDepth = 512 // element nesting of one XML part
	maxRTFDepth = 512 // group nesting of an RTF document
)

func (l Limits) withDefaults() Limits {
	if l.Entries <= 0 {
		l.Entries = DefaultEntries
	}
	if l.EntryBytes <= 0 {
		l.EntryBytes = DefaultEntryBytes
	}
	if l.TotalBytes <= 0 {
		l.TotalBytes = DefaultTotalBytes
	}
	if l.Ratio <= 0 {
		l.Ratio = DefaultRatio
	}
	if l.OutputBytes <= 0 {
		l.OutputBytes = DefaultOutputBytes
	}
	return l
}

// Result is the text of a document and what was left out of it.
type Result struct {
	Text      string // UTF-8, "\n" line ends
	Truncated bool   // the text was cut at Limits.OutputBytes
	// Removed names active or external content that was present and not
	// output, in plain words, sorted and unique: "macro (VBA)", "OLE
	// object", "ActiveX control", "external template", "external link",
	// "DDE field", "embedded file", "external data connection", "remote
	// image", ...
	Removed []string
}

// Kind is a document format this package converts. It names the converter,
// so a template or slide show is the kind of the document it is built like
// (.xltx is "xlsx", .ppsx "pptx"), and a macro-enabled variant the
// macro-enabled kind (.dotm is "docm").
type Kind string

// Kinds.
const (
	KindNone Kind = ""
	KindDOCX Kind = "docx"
	KindDOCM Kind = "docm"
	KindDOTX Kind = "dotx"
	KindXLSX Kind = "xlsx"
	KindXLSM Kind = "xlsm"
	KindPPTX Kind = "pptx"
	KindPPTM Kind = "pptm"
	KindODT  Kind = "odt"
	KindODS  Kind = "ods"
	KindODP  Kind = "odp"
	KindRTF  Kind = "rtf"
	KindDOC  Kind = "doc" // Word 97–2003 (and Word 6.0/95) binary
	KindXLS  Kind = "xls" // Excel 97–2003 (BIFF8) and Excel 5.0/95 (BIFF5)
	KindPPT  Kind = "ppt" // PowerPoint 97–2003 binary
)

// family groups kinds read by the same converter.
func (k Kind) family() string {
	switch k {
	case KindDOCX, KindDOCM, KindDOTX:
		return "word"
	case KindXLSX, KindXLSM:
		return "excel"
	case KindPPTX, KindPPTM:
		return "powerpoint"
	case KindODT, KindODS, KindODP:
		return "odf"
	case KindRTF:
		return "rtf"
	case KindDOC, KindXLS, KindPPT:
		return "legacy"
	}
	return ""
}

// Errors.
var (
	// ErrEncrypted: the document is protected with a password (an OOXML
	// file encrypted per [MS-OFFCRYPTO] is an OLE2 compound file holding an
	// "EncryptedPackage" stream; an ODF package lists encryption data in
	// its manifest, ODF 1.2 Part 3 §4.8). Its content cannot be read.
	ErrEncrypted = errors.New("office: document is encrypted (password protected)")
	// ErrUnsupported: the data is none of the kinds this package converts
	// (another compound file, such as an .msi or .msg, among them), or
	// not the kind asked for.
	ErrUnsupported = errors.New("office: not a supported document format")
)

// LimitError reports which bound a document exceeded.
type LimitError struct {
	// Limit is the Limits field that tripped ("Entries", "EntryBytes",
	// "TotalBytes", "Ratio") or a fixed bound ("XML depth", "RTF depth").
	Limit string
	Max   int64
	// Entry is the zip entry being read, "" when none.
	Entry string
}

func (e *LimitError) Error() string {
	if e.Entry != "" {
		return fmt.Sprintf("office: %s: exceeds the limit %s = %d", e.Entry, e.Limit, e.Max)
	}
	return fmt.Sprintf("office: exceeds the limit %s = %d", e.Limit, e.Max)
}

// corrupt makes the error of a malformed document.
func corrupt(format string, args ...any) error {
	return fmt.Errorf("office: corrupt document: "+format, args...)
}

// Extract converts a document held in memory to text.
//
// kind is what Detect returned; "" makes Extract detect it. Data that is not
// of a supported kind is ErrUnsupported, except a password-protected OOXML
// file (an OLE2 compound file with an "EncryptedPackage" stream), which is
// ErrEncrypted — Detect returns "" for it, so a caller that wants to say why
// such an attachment was dropped calls Extract with kind "". A kind of
// another family than the content is ErrUnsupported; within a family the
// content decides (a "docx" that is really a docm is read as docm).
//
// Other errors are a *LimitError or a corrupt document. Extract checks ctx
// between parts and every few thousand XML tokens.
func Extract(ctx context.Context, data []byte, kind Kind, lim Limits) (res Result, err error) {
	defer func() {
		// A bug must cost one attachment, not the process: the caller may
		// run converters on goroutines of its own, where a panic is fatal.
		if r := recover(); r != nil {
			res, err = Result{}, fmt.Errorf("%w: %v", errInternal, r)
		}
	}()
	lim = lim.withDefaults()
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	got, pkg, ole, err := detect(data, lim)
	if err != nil {
		return Result{}, err
	}
	if got == KindNone || (kind != KindNone && kind.family() != got.family()) {
		return Result{}, ErrUnsupported
	}
	ex := &extraction{ctx: ctx, removed: map[string]bool{}, pkg: pkg, ole: ole, kind: got}
	ex.w = newWriter(lim.OutputBytes)
	switch got.family() {
	case "word":
		err = ex.docx()
	case "excel":
		err = ex.xlsx()
	case "powerpoint":
		err = ex.pptx()
	case "odf":
		err = ex.odf()
	case "rtf":
		err = ex.rtf(data)
	case "legacy":
		err = ex.legacy(data)
	}
	if err != nil && !errors.Is(err, errFull) {
		return Result{}, err
	}
	res = Result{Text: ex.w.finish(), Truncated: ex.w.truncated}
	for r := range ex.removed {
		res.Removed = append(res.Removed, r)
	}
	sort.Strings(res.Removed)
	return res, nil
}

// errInternal is a recovered panic (a bug).
var errInternal = errors.New("office: internal error")

// errFull stops a converter once the output limit is reached: the rest of
// the document could not be shown anyway.
var errFull = errors.New("office: output limit reached")

// extraction is the state of one Extract call.
type extraction struct {
	ctx     context.Context
	kind    Kind
	pkg     *pkg     // a zip package, or nil
	ole     *oleFile // a compound file, or nil
	w       *writer
	removed map[string]bool
}

func (ex *extraction) remove(what string) { ex.removed[what] = true }

// check is called between parts.
func (ex *extraction) check() error {
	if ex.w.full() {
		return errFull
	}
	return ex.ctx.Err()
}
