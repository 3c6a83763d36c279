package sanitize

// Report says what the sanitizer did to one message. It is JSON-serializable
// and deterministic for a given input and policy.
type Report struct {
	// MessageID is the Message-ID of the input, when it had a valid one.
	MessageID string `json:"message_id,omitempty"`
	// InputBytes and OutputBytes count raw octets read and written.
	InputBytes  int64 `json:"input_bytes"`
	OutputBytes int64 `json:"output_bytes"`
	// Parts lists every MIME entity of the input in document order.
	Parts []PartReport `json:"parts"`
	// HTMLConverted is true when some body text was converted from HTML.
	HTMLConverted bool `json:"html_converted,omitempty"`
	// LinksChanged counts links whose URL was defanged, removed or refused.
	LinksChanged int `json:"links_changed,omitempty"`
	// Warnings are things a human might want to know (a guessed charset,
	// a header that could not be parsed) that did not change the outcome.
	Warnings []string `json:"warnings,omitempty"`
	// Rejected is set when the message failed closed: either refused (the
	// error returned is a *RejectError) or replaced by a notice-only message.
	Rejected *Rejection `json:"rejected,omitempty"`
}

// Rejection describes why a message failed closed.
type Rejection struct {
	// Kind is a stable machine-readable class: "ambiguous", "limit",
	// "malformed" or "policy".
	Kind string `json:"kind"`
	// Reason is one line of English for logs and SMTP replies.
	Reason string `json:"reason"`
	// Replaced is true when the message was delivered as a notice-only
	// message instead of being refused.
	Replaced bool `json:"replaced,omitempty"`
}

// PartReport describes one MIME entity of the input.
type PartReport struct {
	// Path is the entity's position: "" for the top level, "1", "1.2", ...
	// as in RFC 3501 section numbers (a message/rfc822 body adds no level of
	// its own: its parts are numbered below the part that holds it).
	Path string `json:"path"`
	// DeclaredType is the media type from Content-Type (lower case), or the
	// RFC 2045 default when there was none.
	DeclaredType string `json:"declared_type"`
	// SniffedType is the type detected from the content, when it was looked at.
	SniffedType string `json:"sniffed_type,omitempty"`
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
	// Reason explains the action when it was not the obvious one.
	Reason string `json:"reason,omitempty"`
	// Removed names active or external content the file had and the
	// output does not carry ("macro (VBA)", "JavaScript", ...).
	Removed []string `json:"removed,omitempty"`
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
	// ActionSkipped: an alternative representation that was not chosen, or
	// an unnamed inline resource of one (it is not named in the notice).
	ActionSkipped Action = "skipped"
	// ActionSignatureRemoved: a multipart/signed signature that was removed
	// without verification.
	ActionSignatureRemoved Action = "signature-removed"
	// ActionPayloadRemoved: an encoded binary (uuencode, BinHex, yEnc,
	// base64 block, EICAR pattern) cut out of a text part.
	ActionPayloadRemoved Action = "payload-removed"
)
