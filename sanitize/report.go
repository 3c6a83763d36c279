package sanitize

import (
	"fmt"
	"sort"
)

// ReportSchema is the version of the Report's JSON form, which
// docs/report.md describes field by field. It changes when a field
// changes meaning or goes away; new fields that older readers can ignore
// keep the version.
const ReportSchema = 1

// Report says what the sanitizer did to one message: the one record of
// it. The notice, the X-Mugai-Sanitized header, the log line's actions
// and the metrics are all derived from it, and it is what the vault
// indexes and the console shows. It is JSON-serializable and
// deterministic for a given input and policy.
type Report struct {
	// Schema is ReportSchema.
	Schema int `json:"schema"`
	// MessageID is the Message-ID of the input, when it had a valid one.
	MessageID string `json:"message_id,omitempty"`
	// InputBytes and OutputBytes count raw octets read and written.
	InputBytes  int64 `json:"input_bytes"`
	OutputBytes int64 `json:"output_bytes"`
	// Parts lists every MIME entity of the input in document order, each
	// archive member after its archive and each file cut out of a text
	// after that text.
	Parts []PartReport `json:"parts"`
	// Spoofs lists the display names that show another address than the
	// real one, in header order.
	Spoofs []Spoof `json:"spoofs,omitempty"`
	// HTMLConverted is true when some text was converted from HTML (also
	// an HTML alternative converted and then not chosen).
	HTMLConverted bool `json:"html_converted,omitempty"`
	// Unreadable is true when some characters could not be decoded and
	// show as U+FFFD in the output.
	Unreadable bool `json:"unreadable,omitempty"`
	// NearDelimiters lists the multiparts (by Path) in which a line began
	// with the boundary but was not a delimiter line. RFC 2046 §5.1.1
	// gives such a line one reading, content of the part it is in, and the
	// message was sanitized that way; only a parser matching delimiters by
	// prefix would see other parts, and no such reading reaches the
	// recipient, who gets the rebuild. The notice says so.
	NearDelimiters []string `json:"near_delimiters,omitempty"`
	// Warnings are things a human might want to know (a header that could
	// not be parsed, an unknown transfer encoding read as 8bit) that did
	// not change the outcome.
	Warnings []string `json:"warnings,omitempty"`
	// Rejected is set when the message failed closed: either refused (the
	// error returned is a *RejectError), replaced by a notice-only
	// message, or quarantined.
	Rejected *Rejection `json:"rejected,omitempty"`
	// Auth is the sender authentication of the original, set by the relay
	// (never by the sanitizer).
	Auth *AuthReport `json:"auth,omitempty"`
}

// newReport returns an empty Report of the current schema.
func newReport() *Report {
	return &Report{Schema: ReportSchema, Parts: []PartReport{}}
}

// Rejection describes why a message failed closed.
type Rejection struct {
	// Kind is the class of the rejection.
	Kind RejectKind `json:"kind"`
	// Limit names the limit that was exceeded, for Kind "limit".
	Limit Limit `json:"limit,omitempty"`
	// Reason is one line of English for logs and SMTP replies.
	Reason string `json:"reason"`
	// Replaced is true when the message was delivered as a notice-only
	// message instead of being refused.
	Replaced bool `json:"replaced,omitempty"`
	// Quarantined is true when that notice-only message is a quarantine
	// notice: the original is held in the vault (outcome quarantine, or
	// a caller's Sanitizer.Quarantine). Replaced is then true too.
	Quarantined bool `json:"quarantined,omitempty"`
}

// Verdict is the one word for what became of the message, as the vault
// records it and the console filters by: "sanitized", "notice" (the
// content replaced by a notice), "quarantined" or "rejected".
func (r *Report) Verdict() string {
	switch {
	case r == nil || r.Rejected == nil:
		return VerdictSanitized
	case r.Rejected.Quarantined:
		return VerdictQuarantined
	case r.Rejected.Replaced:
		return VerdictNotice
	}
	return VerdictRejected
}

// Verdicts (Report.Verdict).
const (
	VerdictSanitized   = "sanitized"
	VerdictNotice      = "notice"
	VerdictQuarantined = "quarantined"
	VerdictRejected    = "rejected"
)

// Spoof is a display name that shows an address other than the one the
// mail goes to or comes from ("総務課 <soumu@city.example.lg.jp>"
// <attacker@example.net>). The real address was added to the name.
type Spoof struct {
	// Field is the header field: From, Sender, Reply-To, To or Cc.
	Field string `json:"field"`
	// Name is the display name as decoded and cleaned.
	Name string `json:"name"`
	// Shown is the address the name shows.
	Shown string `json:"shown"`
	// Address is the real address.
	Address string `json:"address"`
}

// PartReport describes one MIME entity of the input, one member of an
// archive, or one file cut out of a text.
type PartReport struct {
	// Path is the entity's position: "" for the top level, "1", "1.2", ...
	// as in RFC 3501 section numbers (a message/rfc822 body adds no level of
	// its own: its parts are numbered below the part that holds it).
	// Archive members and files cut out of a text have the Path of the
	// part that holds them.
	Path string `json:"path"`
	// DeclaredType is the media type from Content-Type (lower case), or the
	// RFC 2045 default when there was none; "" for archive members and
	// files cut out of a text, which declare none.
	DeclaredType string `json:"declared_type"`
	// SniffedType is the type detected from the content, when it was looked at.
	SniffedType string `json:"sniffed_type,omitempty"`
	// Kind is the converter's kind for the content (flatten.Kind: "pdf",
	// "docx", "zip", "executable", "unknown", ...), for parts a converter
	// looked at.
	Kind string `json:"kind,omitempty"`
	// Encoding is the encoding of a file cut out of a text (a
	// payload.Kind: "uuencode", "base64", ..., or "too-many" for the rest
	// of a text that held more than limits.payloads).
	Encoding string `json:"encoding,omitempty"`
	// Charset used to decode text, and whether it was guessed.
	Charset        string `json:"charset,omitempty"`
	CharsetGuessed bool   `json:"charset_guessed,omitempty"`
	// Entry is the member's path inside an archive or winmail.dat; the
	// member is reported after the part that holds it, with its Path.
	Entry string `json:"entry,omitempty"`
	// Filename is the decoded, cleaned file name, if the part had one.
	Filename string `json:"filename,omitempty"`
	// Size is the decoded size in octets (leaf parts only).
	Size int64 `json:"size"`
	// SHA256 is the hex SHA-256 of the decoded content (leaf parts only).
	SHA256 string `json:"sha256,omitempty"`
	// Action is what happened to the part.
	Action Action `json:"action"`
	// Cause says why a part was dropped or skipped.
	Cause Cause `json:"cause,omitempty"`
	// Reason says more, in English, when there is more to say (the
	// converter's own words).
	Reason string `json:"reason,omitempty"`
	// Output is the name of the attachment that carries the part's text
	// or image in the output ("" for text shown in the body).
	Output string `json:"output,omitempty"`
	// Members is the number of files an expanded archive held; each
	// follows it.
	Members int `json:"members,omitempty"`
	// Removed names active or external content the file had and the
	// output does not carry ("macro (VBA)", "JavaScript", ...).
	Removed []string `json:"removed,omitempty"`
	// Mismatch is set when the declared type names another kind of file
	// than the content is.
	Mismatch bool `json:"mismatch,omitempty"`
	// Truncated is set when the text was cut: a converted file's at
	// limits.convert_output, an HTML text's before a token larger than
	// limits.html_token.
	Truncated bool `json:"truncated,omitempty"`
	// LinksChanged counts the HTML links whose URL was defanged or removed.
	LinksChanged int `json:"links_changed,omitempty"`
	// URLsChanged counts the web addresses written in the text that were
	// made non-clickable.
	URLsChanged int `json:"urls_changed,omitempty"`
	// Verbatim is set for a text attachment that went out as it came:
	// UTF-8 or ASCII plain text under its own name, unchanged but for
	// line ends (the notice does not mention it).
	Verbatim bool `json:"verbatim,omitempty"`
	// Resource is set for the parts of a multipart/related beside its
	// root: the images and styles of an HTML body.
	Resource bool `json:"resource,omitempty"`
	// Unchosen is set for the parts of an alternative that was not chosen
	// (RFC 2046 §5.1.4): its body text is not shown; the files it held
	// are handled like any other.
	Unchosen bool `json:"unchosen,omitempty"`
}

// Action is what the sanitizer did with one part.
type Action string

const (
	// ActionContainer: a multipart or message/rfc822 entity whose children
	// are listed separately.
	ActionContainer Action = "container"
	// ActionBody: text kept (decoded, normalized) as body text.
	ActionBody Action = "body"
	// ActionBodyFromHTML: HTML converted to text and kept as body text.
	ActionBodyFromHTML Action = "body-from-html"
	// ActionTextAttachment: a text attachment re-encoded as UTF-8 text/plain.
	ActionTextAttachment Action = "text-attachment"
	// ActionDropped: the part was removed; the notice names it.
	ActionDropped Action = "dropped"
	// ActionConverted: a document's text was extracted into a text
	// attachment (or the body, with Flatten inline).
	ActionConverted Action = "converted"
	// ActionReencoded: an image was decoded and encoded anew.
	ActionReencoded Action = "reencoded"
	// ActionExpanded: an archive or winmail.dat whose members follow.
	ActionExpanded Action = "expanded"
	// ActionSkipped: an alternative representation that was not chosen,
	// an unnamed inline resource of one, or an empty text: not shown and
	// not named in the notice.
	ActionSkipped Action = "skipped"
	// ActionSignatureRemoved: a multipart/signed signature that was removed
	// without verification.
	ActionSignatureRemoved Action = "signature-removed"
	// ActionPayloadRemoved: an encoded binary (uuencode, BinHex, yEnc,
	// base64 block, EICAR pattern) cut out of a text part.
	ActionPayloadRemoved Action = "payload-removed"
)

// Cause says why a part was dropped or skipped: the converters' reason
// codes (package flatten) and the sanitizer's own.
type Cause string

const (
	// Set by the converters (flatten.Reason*).
	CauseUnsupported Cause = "unsupported" // a type that cannot be made safe (executable, unknown binary)
	CauseEncrypted   Cause = "encrypted"   // password-protected: cannot be inspected
	CauseNoText      Cause = "no-text"     // a document without extractable text (scanned PDF)
	CauseCorrupt     Cause = "corrupt"     // could not be read
	CauseLimit       Cause = "limit"       // a limit tripped (size, entries, ratio, pixels, pages, payloads)
	CauseImages      Cause = "images-off"  // an image, and images are dropped by policy
	CauseDepth       Cause = "depth"       // an archive nested deeper than the limit
	CauseTimeout     Cause = "timeout"     // the conversion took too long
	CauseCrash       Cause = "crash"       // the converter failed, or what it returned was not valid
	CauseEmpty       Cause = "empty"       // no content at all
	CauseTooLarge    Cause = "too-large"   // larger than limits.convert_size
	CauseScript      Cause = "script"      // a script file, and scripts are dropped by policy
	// Set by the sanitizer.
	CauseTransferEncoding Cause = "transfer-encoding" // a Content-Transfer-Encoding it cannot decode
	CauseEncryptedMessage Cause = "encrypted-message" // S/MIME or PGP encrypted content (RFC 8551, RFC 3156)
	CausePartial          Cause = "partial"           // message/partial or message/external-body (RFC 2046 §5.2.2–5.2.3)
	CauseAlternative      Cause = "alternative"       // an alternative that was not chosen
)

// causes are the known causes: a converter's result naming another
// reason is not trusted (verifyResult).
var causes = map[Cause]bool{
	CauseUnsupported: true, CauseEncrypted: true, CauseNoText: true, CauseCorrupt: true, CauseLimit: true,
	CauseImages: true, CauseDepth: true, CauseTimeout: true, CauseCrash: true, CauseEmpty: true,
	CauseTooLarge: true, CauseScript: true, CauseTransferEncoding: true, CauseEncryptedMessage: true,
	CausePartial: true, CauseAlternative: true,
}

// Type is the part's type as the log, the metrics and the console name
// it: the detected type, or the declared one when nothing specific was
// detected.
func (p *PartReport) Type() string {
	if p.SniffedType != "" && p.SniffedType != "application/octet-stream" {
		return p.SniffedType
	}
	return p.DeclaredType
}

// LinksChanged counts the links and web addresses changed in the whole
// message (HTML links and addresses written in text, in every part).
func (r *Report) LinksChanged() int {
	n := 0
	for i := range r.Parts {
		n += r.Parts[i].LinksChanged + r.Parts[i].URLsChanged
	}
	return n
}

// LogActions summarises the report in short words for the relay's
// per-message log line, sorted, each with its count when above one:
// html-to-text, links-changed(N), dropped:<type>, text-attachment,
// payload:<encoding>, signature-removed, charset-guessed,
// rejected:<kind>, replaced:<kind>, quarantined:<kind>.
func (r *Report) LogActions() []string {
	if r == nil {
		return nil
	}
	counts := map[string]int{}
	if r.HTMLConverted {
		counts["html-to-text"]++
	}
	if n := r.LinksChanged(); n > 0 {
		counts["links-changed"] += n
	}
	for i := range r.Parts {
		p := &r.Parts[i]
		switch p.Action {
		case ActionDropped:
			counts["dropped:"+p.Type()]++
		case ActionTextAttachment:
			counts["text-attachment"]++
		case ActionPayloadRemoved:
			counts["payload:"+p.Encoding]++
		case ActionSignatureRemoved:
			counts["signature-removed"]++
		}
		if p.CharsetGuessed {
			counts["charset-guessed"]++
		}
	}
	if r.Rejected != nil {
		switch {
		case r.Rejected.Quarantined:
			counts["quarantined:"+string(r.Rejected.Kind)]++
		case r.Rejected.Replaced:
			counts["replaced:"+string(r.Rejected.Kind)]++
		default:
			counts["rejected:"+string(r.Rejected.Kind)]++
		}
	}
	out := make([]string, 0, len(counts))
	for k, n := range counts {
		if n > 1 {
			k = fmt.Sprintf("%s(%d)", k, n)
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
