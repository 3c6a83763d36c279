package sanitize

import (
	"fmt"
	"time"
)

// Policy is everything that decides how a message is rebuilt. The zero value
// is not useful; start from DefaultPolicy and change what you need. A Policy
// is a plain value: the Sanitizer copies it, so later changes to the caller's
// copy have no effect.
type Policy struct {
	// Prefer picks the alternative of a multipart/alternative to render.
	Prefer Prefer
	// Links says how URLs of HTML links are shown in the text.
	Links LinkMode
	// Ambiguous says what to do with a message whose MIME structure can be
	// read in more than one way (duplicate boundaries, conflicting
	// parameters, ...): reject it, replace its content by a notice, or
	// quarantine it (a notice-only message; the original held in the vault).
	Ambiguous Outcome
	// OverLimit says what to do with a message that exceeds one of Limits.
	OverLimit Outcome
	// Language of the notice and of the labels the sanitizer writes.
	Language Language
	// NoticePosition puts the notice above or below the body text.
	NoticePosition NoticePosition
	// ExtraHeaders are header field names copied (decoded and re-encoded as
	// unstructured text) in addition to the built-in allowlist.
	ExtraHeaders []string
	// Flatten says where the text of a converted attachment (PDF, Office,
	// archive members, ...) goes.
	Flatten FlattenMode
	// Images says whether images are dropped or re-encoded from pixels.
	Images ImageMode
	// Scripts says whether script files are dropped or kept as text.
	Scripts ScriptMode
	// Limits bound everything the sender of a message controls.
	Limits Limits
}

// Limits bound the resources one message may take. Exceeding any of them
// makes the message fail closed (see Policy.OverLimit). Zero means "use the
// default"; there is no way to switch a limit off.
type Limits struct {
	// MessageBytes is the largest raw message read.
	MessageBytes int64
	// Depth is the deepest nesting of multipart and message/rfc822 entities;
	// the top-level entity has depth 0.
	Depth int
	// Parts is the largest number of MIME entities in one message,
	// the top-level entity and every nested one included.
	Parts int
	// HeaderBytes is the largest header section of one entity.
	HeaderBytes int
	// LineBytes is the longest line, in octets, accepted anywhere in the input.
	LineBytes int
	// PartBytes is the largest decoded (transfer-encoding removed) body of one part.
	PartBytes int64
	// TotalBytes is the largest sum of decoded bodies of all parts.
	TotalBytes int64
	// HTMLTokenBytes is the largest single HTML token (tag, comment, text run
	// buffer) the HTML converter accepts.
	HTMLTokenBytes int
	// Time is the longest one message may take to sanitize.
	Time time.Duration
	// ArchiveDepth is the deepest nesting of archives expanded (a zip in a
	// zip is depth 2).
	ArchiveDepth int
	// ArchiveEntries is the most members read from one attachment's
	// archives, nested ones included.
	ArchiveEntries int
	// ArchiveBytes is the most uncompressed bytes read from one
	// attachment's archives.
	ArchiveBytes int64
	// ArchiveRatio is the highest compression ratio accepted for an
	// archive member (a zip bomb compresses far beyond it).
	ArchiveRatio int
	// ImagePixels is the largest image (width × height) decoded.
	ImagePixels int64
	// ConvertTime is the longest one attachment's conversion may take.
	ConvertTime time.Duration
	// TextBytes is the largest text part decoded in the gateway's own
	// memory. A longer one (a huge body, a big CSV) goes to the converter
	// like an attachment, in its process and under its limits, and comes
	// back cut at ConvertOutput; so a text bomb cannot grow the relay.
	TextBytes int64
	// ConvertBytes is the largest attachment (decoded) handed to a
	// converter; a larger one is dropped as too large to convert, hashed
	// but never parsed. The relay streams attachments, so its own memory
	// does not depend on it; a converter reads its whole file.
	ConvertBytes int64
	// ConvertMemory bounds the memory of an isolated converter process.
	ConvertMemory int64
	// ConvertOutput is the most text one attachment's conversion may give.
	ConvertOutput int64
	// PDFPages is the most pages read from one PDF.
	PDFPages int
	// Payloads is the most files encoded in text (uuencode, base64, a hex
	// dump, ...) that one message's notice lists one by one. A text that
	// holds more is cut from the first file over the limit to its end,
	// and that cut is listed once, so that a text of countless tiny
	// payloads costs bounded time and memory and a bounded notice.
	Payloads int
}

// Prefer selects the alternative rendered from multipart/alternative.
type Prefer string

const (
	// PreferText renders the text/plain alternative, or the HTML one
	// converted when the plain text is empty or missing.
	PreferText Prefer = "text"
	// PreferHTML converts the HTML alternative, falling back to text/plain.
	PreferHTML Prefer = "html"
)

// LinkMode decides how a link's URL appears in converted HTML
// (DESIGN.md invariant 4).
type LinkMode string

const (
	// LinksKeep shows "text <url>".
	LinksKeep LinkMode = "keep"
	// LinksDefang shows the URL made non-clickable: hxxps://example[.]com/.
	LinksDefang LinkMode = "defang"
	// LinksRemove shows only the link text.
	LinksRemove LinkMode = "remove"
)

// FlattenMode places the text converted from an attachment.
type FlattenMode string

const (
	// FlattenAttach attaches it as "<original name>.txt".
	FlattenAttach FlattenMode = "attach"
	// FlattenInline appends it to the body under a heading.
	FlattenInline FlattenMode = "inline"
)

// ImageMode decides what happens to images.
type ImageMode string

const (
	// ImagesDrop removes images (named in the notice).
	ImagesDrop ImageMode = "drop"
	// ImagesReencode decodes PNG, JPEG and GIF to pixels and encodes a
	// new PNG or JPEG: metadata and trailing bytes do not survive.
	ImagesReencode ImageMode = "reencode"
)

// ScriptMode decides what happens to script files (.js, .vbs, .wsf, .ps1,
// .bat, .cmd, .hta, ...), recognised by content and by name.
type ScriptMode string

const (
	// ScriptsDrop removes them, named in the notice as scripts.
	ScriptsDrop ScriptMode = "drop"
	// ScriptsText keeps them as text attachments, which cannot run.
	ScriptsText ScriptMode = "text"
)

// Outcome is what happens to a message that must fail closed.
type Outcome string

const (
	// OutcomeReject refuses the message with a *RejectError.
	OutcomeReject Outcome = "reject"
	// OutcomeNotice delivers a message that keeps the allowlisted headers
	// and replaces the whole content by a notice saying why.
	OutcomeNotice Outcome = "notice"
	// OutcomeQuarantine holds the message: when its original is kept
	// (Held), the recipient gets a notice-only message saying what
	// arrived — sender, subject, size, the parts that could be read —,
	// why it could not be rebuilt, and how to get the original (its vault
	// id); the sender gets no refusal. Where no original is kept (no
	// vault, `mugai sanitize`) there is nothing to hold: it is refused as
	// with OutcomeReject.
	OutcomeQuarantine Outcome = "quarantine"
)

// Language of notices.
type Language string

const (
	Japanese Language = "ja"
	English  Language = "en"
)

// NoticePosition places the notice relative to the body text.
type NoticePosition string

const (
	NoticeTop    NoticePosition = "top"
	NoticeBottom NoticePosition = "bottom"
)

// Default limits. They are generous for real mail (the shared corpus of
// about a thousand messages stays well inside them) and small enough that a
// hostile message is stopped in bounded time and memory.
const (
	DefaultMessageBytes   = 50 << 20
	DefaultDepth          = 20
	DefaultParts          = 500
	DefaultHeaderBytes    = 256 << 10
	DefaultLineBytes      = 1 << 20
	DefaultPartBytes      = 50 << 20
	DefaultTotalBytes     = 100 << 20
	DefaultHTMLTokenBytes = 1 << 20
	DefaultTime           = 60 * time.Second
	DefaultArchiveDepth   = 3
	DefaultArchiveEntries = 1000
	DefaultArchiveBytes   = 100 << 20
	DefaultArchiveRatio   = 100
	DefaultImagePixels    = 40_000_000
	DefaultConvertTime    = 20 * time.Second
	DefaultConvertBytes   = 32 << 20
	DefaultTextBytes      = 8 << 20
	DefaultConvertMemory  = 1 << 30
	DefaultConvertOutput  = 10 << 20
	DefaultPDFPages       = 2000
	DefaultPayloads       = 100
)

// DefaultPolicy returns the policy used when nothing is configured: plain
// text preferred, links defanged, ambiguous or oversized messages
// quarantined (refused where no original is kept), Japanese notice on top.
func DefaultPolicy() Policy {
	return Policy{
		Prefer:         PreferText,
		Links:          LinksDefang,
		Ambiguous:      OutcomeQuarantine,
		OverLimit:      OutcomeQuarantine,
		Language:       Japanese,
		NoticePosition: NoticeTop,
		Flatten:        FlattenAttach,
		Images:         ImagesDrop,
		Scripts:        ScriptsDrop,
		Limits:         DefaultLimits(),
	}
}

// DefaultLimits returns the default Limits.
func DefaultLimits() Limits {
	return Limits{
		MessageBytes:   DefaultMessageBytes,
		Depth:          DefaultDepth,
		Parts:          DefaultParts,
		HeaderBytes:    DefaultHeaderBytes,
		LineBytes:      DefaultLineBytes,
		PartBytes:      DefaultPartBytes,
		TotalBytes:     DefaultTotalBytes,
		HTMLTokenBytes: DefaultHTMLTokenBytes,
		Time:           DefaultTime,
		ArchiveDepth:   DefaultArchiveDepth,
		ArchiveEntries: DefaultArchiveEntries,
		ArchiveBytes:   DefaultArchiveBytes,
		ArchiveRatio:   DefaultArchiveRatio,
		ImagePixels:    DefaultImagePixels,
		ConvertTime:    DefaultConvertTime,
		ConvertBytes:   DefaultConvertBytes,
		TextBytes:      DefaultTextBytes,
		ConvertMemory:  DefaultConvertMemory,
		ConvertOutput:  DefaultConvertOutput,
		PDFPages:       DefaultPDFPages,
		Payloads:       DefaultPayloads,
	}
}

// withDefaults fills zero fields with their defaults.
func (p Policy) withDefaults() Policy {
	d := DefaultPolicy()
	orDefault(&p.Prefer, d.Prefer)
	orDefault(&p.Links, d.Links)
	orDefault(&p.Ambiguous, d.Ambiguous)
	orDefault(&p.OverLimit, d.OverLimit)
	orDefault(&p.Language, d.Language)
	orDefault(&p.NoticePosition, d.NoticePosition)
	orDefault(&p.Flatten, d.Flatten)
	orDefault(&p.Images, d.Images)
	orDefault(&p.Scripts, d.Scripts)
	p.ExtraHeaders = append([]string(nil), p.ExtraHeaders...)
	l, dl := &p.Limits, d.Limits
	positiveOr(&l.MessageBytes, dl.MessageBytes)
	positiveOr(&l.Depth, dl.Depth)
	positiveOr(&l.Parts, dl.Parts)
	positiveOr(&l.HeaderBytes, dl.HeaderBytes)
	positiveOr(&l.LineBytes, dl.LineBytes)
	positiveOr(&l.PartBytes, dl.PartBytes)
	positiveOr(&l.TotalBytes, dl.TotalBytes)
	positiveOr(&l.HTMLTokenBytes, dl.HTMLTokenBytes)
	positiveOr(&l.Time, dl.Time)
	positiveOr(&l.ArchiveDepth, dl.ArchiveDepth)
	positiveOr(&l.ArchiveEntries, dl.ArchiveEntries)
	positiveOr(&l.ArchiveBytes, dl.ArchiveBytes)
	positiveOr(&l.ArchiveRatio, dl.ArchiveRatio)
	positiveOr(&l.ImagePixels, dl.ImagePixels)
	positiveOr(&l.ConvertTime, dl.ConvertTime)
	positiveOr(&l.ConvertBytes, dl.ConvertBytes)
	positiveOr(&l.TextBytes, dl.TextBytes)
	positiveOr(&l.ConvertMemory, dl.ConvertMemory)
	positiveOr(&l.ConvertOutput, dl.ConvertOutput)
	positiveOr(&l.PDFPages, dl.PDFPages)
	positiveOr(&l.Payloads, dl.Payloads)
	return p
}

func orDefault[T comparable](v *T, d T) {
	var zero T
	if *v == zero {
		*v = d
	}
}

// positiveOr sets a limit that is zero or negative to its default: there
// is no way to switch a limit off.
func positiveOr[T int | int64 | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// Validate reports the first field of p that holds a value the sanitizer
// does not know. Empty fields are valid: they take their defaults.
func (p Policy) Validate() error {
	check := func(field, v string, allowed ...string) error {
		if v == "" {
			return nil
		}
		for _, a := range allowed {
			if v == a {
				return nil
			}
		}
		return fmt.Errorf("%s: unknown value %q (want one of %v)", field, v, allowed)
	}
	for _, err := range []error{
		check("prefer", string(p.Prefer), string(PreferText), string(PreferHTML)),
		check("links", string(p.Links), string(LinksKeep), string(LinksDefang), string(LinksRemove)),
		check("ambiguous", string(p.Ambiguous), string(OutcomeReject), string(OutcomeNotice), string(OutcomeQuarantine)),
		check("over_limit", string(p.OverLimit), string(OutcomeReject), string(OutcomeNotice), string(OutcomeQuarantine)),
		check("language", string(p.Language), string(Japanese), string(English)),
		check("notice_position", string(p.NoticePosition), string(NoticeTop), string(NoticeBottom)),
		check("flatten", string(p.Flatten), string(FlattenAttach), string(FlattenInline)),
		check("images", string(p.Images), string(ImagesDrop), string(ImagesReencode)),
		check("scripts", string(p.Scripts), string(ScriptsDrop), string(ScriptsText)),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}
