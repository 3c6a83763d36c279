package sanitize

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/gabriel-vasile/mimetype"

	"github.com/mugai/mugai/sanitize/charset"
	"github.com/mugai/mugai/sanitize/flatten"
	"github.com/mugai/mugai/sanitize/htmltext"
	"github.com/mugai/mugai/sanitize/mimeparse"
	"github.com/mugai/mugai/sanitize/payload"
	"github.com/mugai/mugai/sanitize/textclean"
)

// sniffBytes is how much of a part is looked at to detect its real type.
const sniffBytes = 3072

// leaf renders one non-container entity: text is decoded and kept (as body
// or as a text attachment), everything else is dropped and named in the
// notice. Nothing of a dropped part is kept but its size and SHA-256.
func (w *walker) leaf(d *doc, e *mimeparse.Entity, inline bool) error {
	ct := e.ContentType.Value
	name := textclean.Filename(e.Filename)
	switch {
	case ct == "message/partial" || ct == "message/external-body":
		// RFC 2046 §5.2.2–5.2.3: a fragment, or a pointer to content
		// elsewhere; neither can be inspected here.
		w.dropOpaque(d, e, CausePartial)
		return nil
	case isEncrypted(ct):
		// Named, measured and hashed like any removed file (an S/MIME
		// smime.p7m is what the recipient would have opened).
		return w.dropEncrypted(d, e, name)
	case isSignature(ct):
		w.addPart(d, e, ActionSignatureRemoved)
		return nil
	}

	body := e.Body()
	head := make([]byte, sniffBytes)
	n, err := io.ReadFull(body, head)
	head = head[:n]
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return err
	}
	full := err != nil // the whole body fits in head
	sniffed := sniff(head)

	switch {
	case isTextual(ct, name, head, sniffed):
		if !e.KnownEncoding() {
			// Shown as it is, like mail clients do; an encoded binary in
			// it is cut as a payload like any other.
			w.rep.Warnings = append(w.rep.Warnings, fmt.Sprintf("part %s: unknown transfer encoding %q read as 8bit", displayPath(e.Path), e.Encoding))
		}
		data := head
		if !full {
			// At most TextBytes stay in the gateway's memory.
			if data, err = readText(head, io.LimitReader(body, w.pol.Limits.TextBytes-int64(len(head))+1)); err != nil {
				return err
			}
			if int64(len(data)) > w.pol.Limits.TextBytes {
				// Too long to hold: the converter decodes it in its own
				// process and returns at most ConvertOutput of text.
				return w.convertPart(d, e, name, ct, io.MultiReader(bytes.NewReader(data), body), nil)
			}
		}
		if w.skipAlternative && !w.attachment(e, name) && isBodyType(ct) {
			return w.skipPart(d, e, name, sniffed, data)
		}
		return w.text(d, e, data, name, sniffed, inline)
	case !e.KnownEncoding():
		// Undecodable: what it holds cannot even be looked at.
		return w.dropRaw(d, e, name, sniffed, io.MultiReader(bytes.NewReader(head), body), CauseTransferEncoding)
	}
	return w.convertPart(d, e, name, ct, io.MultiReader(bytes.NewReader(head), body), nil)
}

// readText returns head and the rest of r in one slice. The rest is read
// in pieces from 4 KiB (most texts are a few kilobytes) doubling up to
// 256 KiB, and joined once: a growing bytes.Buffer
// would clear and copy megabytes at a time, in calls that cannot be
// preempted, which stalls every garbage collection meanwhile (each
// retrying its signal to this goroutine) and faults in twice the memory.
func readText(head []byte, r io.Reader) ([]byte, error) {
	pieces := [][]byte{head}
	total := len(head)
	for size := 4 << 10; ; size = min(2*size, 256<<10) {
		p := make([]byte, size)
		n, err := io.ReadFull(r, p)
		pieces = append(pieces, p[:n])
		total += n
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	data := make([]byte, 0, total)
	for _, p := range pieces {
		data = append(data, p...)
	}
	return data, nil
}

// dropRaw reads a part only to hash and measure it, and drops it.
func (w *walker) dropRaw(d *doc, e *mimeparse.Entity, name, sniffed string, r io.Reader, cause Cause) error {
	size, sum, err := hashAll(r)
	if err != nil {
		return err
	}
	p := &w.rep.Parts[w.addPart(d, e, ActionDropped)]
	p.SniffedType, p.Filename, p.Size, p.SHA256, p.Cause = sniffed, name, size, sum, cause
	return nil
}

// dropEncrypted removes an encrypted part (RFC 8551 application/pkcs7-mime,
// RFC 3156 application/pgp-encrypted) whose content cannot be inspected,
// with its name, size and SHA-256 in the notice.
func (w *walker) dropEncrypted(d *doc, e *mimeparse.Entity, name string) error {
	size, sum, err := hashAll(e.Body())
	if err != nil {
		return err
	}
	p := &w.rep.Parts[w.addPart(d, e, ActionDropped)]
	p.Filename, p.Size, p.SHA256, p.Cause = name, size, sum, CauseEncryptedMessage
	return nil
}

// hashAll reads r to its end and returns its size and hex SHA-256.
func hashAll(r io.Reader) (int64, string, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	return n, hex.EncodeToString(h.Sum(nil)), err
}

// attachmentBase is the name an output attachment starts from: the
// file's own name, or for an archive member the archive's name and the
// member's path joined so the recipient can tell where it came from.
func attachmentBase(name, entry string) string {
	if entry == "" {
		return name
	}
	return textclean.Filename(strings.ReplaceAll(name, "/", " - "))
}

// imageName keeps an image's name, with the extension of its new type.
func imageName(name, mediaType string) string {
	ext := ".png"
	if mediaType == "image/jpeg" {
		ext = ".jpg"
	}
	if name == "" {
		return "image" + ext
	}
	lower := strings.ToLower(name)
	if strings.HasSuffix(lower, ext) || (ext == ".jpg" && strings.HasSuffix(lower, ".jpeg")) {
		return name
	}
	return name + ext
}

// text decodes a text part and keeps it as body text or a text attachment.
func (w *walker) text(d *doc, e *mimeparse.Entity, data []byte, name, sniffed string, inline bool) error {
	ct := e.ContentType.Value
	isHTML := ct == "text/html" || ct == "application/xhtml+xml"
	label := e.ContentType.Params["charset"]
	if isHTML && strings.TrimSpace(label) == "" {
		// The HTML's own <meta> counts only when MIME declared nothing.
		label = htmltext.MetaCharset(data)
	}
	if (name != "" || !inline || !isBodyType(ct)) && w.pol.Scripts == ScriptsDrop {
		// A file, not the message text: a script is removed as one
		// (a message's own text is never a script file).
		if st := flatten.ScriptType(name, data); st != "" {
			return w.dropRaw(d, e, name, st, bytes.NewReader(data), CauseScript)
		}
	}
	s, res := charset.DecodeCarrier(data, label, w.carrier)
	w.unreadable = w.unreadable || res.Replaced > 0
	s = textclean.Text(s)
	if decoded := []byte(s[:min(len(s), sniffBytes)]); binaryContent(decoded, sniff(decoded)) {
		// Decoded and cleaned, the text is a file of another format (a
		// control character before "%PDF-" is gone, or UTF-16 turned
		// into ASCII): what would go out is that file, so it is handed
		// to the converter as such. Sanitizing the output again then
		// does the same as this pass.
		return w.convertPart(d, e, name, ct, strings.NewReader(s), data)
	}

	sum := sha256.Sum256(data)
	i := w.addPart(d, e, ActionBody)
	p := &w.rep.Parts[i]
	p.SniffedType, p.Filename, p.Size = sniffed, name, int64(len(data))
	p.SHA256 = hex.EncodeToString(sum[:])
	p.Charset, p.CharsetGuessed = res.Charset, res.Guessed

	if isHTML {
		r, err := htmltext.Convert(w.ctx, strings.NewReader(s), htmltext.Options{
			Links:      htmlLinkMode(w.pol.Links),
			MaxToken:   w.pol.Limits.HTMLTokenBytes,
			ImageLabel: msg(w.pol.Language, msgImage),
		})
		if err != nil {
			return err
		}
		// Character references (&#xE0041;, &zwj;) make invisible
		// characters only now: the text is cleaned again.
		s = textclean.Text(r.Text)
		w.rep.HTMLConverted = true
		p.LinksChanged, p.Truncated = r.LinksChanged, r.Truncated
	}
	// Cutting payloads adds report entries: p is not used after it.
	s = w.cutPayloads(d, e.Path, s)
	// Mail clients make links of addresses in plain text too.
	s = w.textLinks(i, s)

	attach := !inline || w.attachment(e, name) || !isBodyType(ct)
	switch {
	case attach && strings.TrimSpace(s) == "":
		// An empty text part (a stray delimiter makes one) is nothing
		// worth attaching or telling about.
		w.rep.Parts[i].Action, w.rep.Parts[i].Cause = ActionSkipped, CauseEmpty
	case attach:
		out := attachmentName(name, ct, e.Path)
		d.attachments = append(d.attachments, outPart{name: out, text: s})
		// A UTF-8 text file that comes out byte for byte (line ends
		// aside) under its own name was not changed: nothing to tell.
		verbatim := ct == "text/plain" && out == name && !res.Guessed &&
			(res.Charset == "utf-8" || res.Charset == "us-ascii") &&
			s == strings.ReplaceAll(string(data), "\r\n", "\n")
		p := &w.rep.Parts[i]
		p.Action, p.Output, p.Verbatim = ActionTextAttachment, out, verbatim
	default:
		if isHTML {
			w.rep.Parts[i].Action = ActionBodyFromHTML
			d.fromHTML = true
		} else if strings.TrimSpace(s) != "" {
			d.fromPlain = true
		}
		d.blocks = append(d.blocks, s)
	}
	return nil
}

// attachment reports whether the sender marked a part as an attachment:
// its disposition says so, or it names a file without saying inline.
func (w *walker) attachment(e *mimeparse.Entity, name string) bool {
	return e.Disposition.Value == "attachment" || (name != "" && e.Disposition.Value != "inline")
}

// skipPart records a body alternative that is not used (see
// walker.skipAlternative): hashed and listed, not decoded or converted.
func (w *walker) skipPart(d *doc, e *mimeparse.Entity, name, sniffed string, data []byte) error {
	sum := sha256.Sum256(data)
	i := w.addPart(d, e, ActionSkipped)
	p := &w.rep.Parts[i]
	p.SniffedType, p.Filename, p.Size = sniffed, name, int64(len(data))
	p.SHA256, p.Cause = hex.EncodeToString(sum[:]), CauseAlternative
	return nil
}

// cutPayloads removes encoded binaries (uuencode, BinHex, yEnc, base64,
// EICAR) from text, each replaced by a one-line marker and reported like
// a dropped attachment, under the path of the part that holds the text.
//
// The message's notice lists at most limits.payloads of them: past that
// (or past what one text may hold, the same bound), the rest of the text
// is removed unread and reported once, so that a text of countless tiny
// payloads costs bounded time, memory and notice.
func (w *walker) cutPayloads(d *doc, path, s string) string {
	limit := w.pol.Limits.Payloads
	blocks := payload.Find(s, payload.Options{MaxBlocks: max(1, limit-w.payloads)})
	if len(blocks) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, blk := range blocks {
		b.WriteString(s[last:blk.Start])
		if blk.Kind == payload.TooMany || w.payloads >= limit {
			b.WriteString(payloadMarker(w.pol.Language, w.cutRest(d, path, s[blk.Start:])))
			b.WriteByte('\n')
			last = len(s)
			break
		}
		w.payloads++
		p := PartReport{Path: path, Encoding: string(blk.Kind), SniffedType: "application/octet-stream",
			Filename: textclean.Filename(blk.Name), Size: blk.Size, Action: ActionPayloadRemoved}
		if blk.Data != nil {
			h := sha256.Sum256(blk.Data)
			p.SHA256 = hex.EncodeToString(h[:])
			p.SniffedType = sniff(blk.Data)
			if blk.Type != "" {
				p.SniffedType = blk.Type
			}
		} else {
			h := sha256.Sum256([]byte(s[blk.Start:blk.End]))
			p.SHA256 = hex.EncodeToString(h[:])
		}
		w.rep.Parts = append(w.rep.Parts, p)
		d.parts = append(d.parts, len(w.rep.Parts)-1)
		b.WriteString(payloadMarker(w.pol.Language, &p))
		b.WriteByte('\n')
		last = blk.End
	}
	b.WriteString(s[last:])
	return b.String()
}

// cutRest reports the rest of a text removed because it holds more
// payloads than limits.payloads allows.
func (w *walker) cutRest(d *doc, path, rest string) *PartReport {
	h := sha256.New()
	io.WriteString(h, rest) // no copy of what may be megabytes
	w.rep.Parts = append(w.rep.Parts, PartReport{
		Path: path, Encoding: string(payload.TooMany), SniffedType: "text/plain",
		Size: int64(len(rest)), SHA256: hex.EncodeToString(h.Sum(nil)), Action: ActionPayloadRemoved, Cause: CauseLimit,
		Reason: fmt.Sprintf("more than %d encoded files in the text of the message; the rest of this text removed unread", w.pol.Limits.Payloads),
	})
	d.parts = append(d.parts, len(w.rep.Parts)-1)
	return &w.rep.Parts[len(w.rep.Parts)-1]
}

// sniff returns the media type detected from content, without parameters.
func sniff(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	t := mimetype.Detect(b).String()
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	if t == "application/vnd.microsoft.portable-executable" && !bytes.Contains(b[:min(len(b), 64)], []byte{0}) {
		// mimetype knows an executable by "MZ" alone, which would make a
		// text beginning "MZ-3の見積もり" an executable. A real one has a
		// binary DOS header: its 64 bytes (e_cparhdr, the high bytes of
		// e_lfanew) always hold zeros.
		return "application/octet-stream"
	}
	return t
}

// textualSniffed are detected types that are text, whatever their family.
var textualSniffed = map[string]bool{
	"application/octet-stream": true, // no signature: decided by looksText
	"application/json":         true,
	"application/xml":          true,
	"application/x-ndjson":     true,
	"application/javascript":   true,
	"message/rfc822":           true,
}

// knownBinary reports whether sniffing found a signature of a non-text
// format (executable, archive, document, image, ...).
func knownBinary(sniffed string) bool {
	if sniffed == "" || strings.HasPrefix(sniffed, "text/") || textualSniffed[sniffed] {
		return false
	}
	return true
}

// textTypes are declared types whose content is text.
var textTypes = map[string]bool{
	"message/delivery-status":          true, // RFC 3464
	"message/disposition-notification": true, // RFC 8098
	"message/feedback-report":          true, // RFC 5965
	"message/global-delivery-status":   true, // RFC 6533
	"application/json":                 true,
	"application/xml":                  true,
	"application/ics":                  true,
	"application/x-vcard":              true,
}

// textExtensions are file name extensions of text formats, trusted only
// when the content also looks like text.
var textExtensions = map[string]bool{
	".txt": true, ".text": true, ".csv": true, ".tsv": true, ".log": true, ".md": true,
	".json": true, ".xml": true, ".ics": true, ".vcs": true, ".vcf": true, ".eml": false,
}

// textSyntaxBinary are formats written in text whose files are documents
// or programs, not text to show: a part declared as text that holds one
// is that file, converted or dropped as such.
var textSyntaxBinary = map[string]bool{
	"application/pdf":        true, // ISO 32000-1 §7.5.2: "%PDF-" and a text header
	"application/postscript": true,
	"image/svg+xml":          true,
}

// binaryContent reports whether content sniffed as sniffed is a file of
// another format rather than text. Sniffing finds many formats by three or
// four letters ("FWS", "CWS", "ZWS" Flash, "MThd" MIDI, "wOFF", "8BPS",
// ".snd", "LZIP"), which an honest text can begin with ("FWS meeting
// notes"); the whole header of such a format holds binary fields. So
// content that reads as text is a file only when its whole header proves
// it (flatten.Structural: "BZh91AY&SY", an Office or zip structure) or it
// is a format written in text (PDF, PostScript, SVG).
func binaryContent(head []byte, sniffed string) bool {
	if !knownBinary(sniffed) {
		return false
	}
	return !flatten.LooksText(head) || textSyntaxBinary[sniffed] || flatten.Structural(head) != ""
}

// isTextual decides whether a part is kept as text.
func isTextual(ct, name string, head []byte, sniffed string) bool {
	if binaryContent(head, sniffed) {
		return false
	}
	if !flatten.LooksText(head) && !bytes.Contains(head, []byte("=ybegin ")) {
		// yEnc is exempt: it is text by design though it carries raw
		// control bytes, and its block is cut out as a payload.
		return false
	}
	if strings.HasPrefix(ct, "text/") || textTypes[ct] {
		return true
	}
	switch ct {
	case "application/octet-stream", "application/unknown", "application/x-unknown":
		return textExtensions[strings.ToLower(path.Ext(name))]
	}
	return false
}

// isBodyType reports whether a text type is shown as body when inline.
// Other text (calendars, CSV, delivery reports) becomes an attachment.
func isBodyType(ct string) bool {
	switch ct {
	case "text/plain", "text/html", "application/xhtml+xml", "text/enriched", "text/richtext":
		return true
	}
	return false
}

func isEncrypted(ct string) bool {
	switch ct {
	case "application/pkcs7-mime", "application/x-pkcs7-mime", "application/pgp-encrypted":
		return true
	}
	return false
}

func isSignature(ct string) bool {
	switch ct {
	case "application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature":
		return true
	}
	return false
}

// attachmentName is the output name of a text attachment: the original
// name plus ".txt", or a name made from the type when there was none.
func attachmentName(name, ct, partPath string) string {
	if name == "" {
		base := map[string]string{
			"text/calendar":                    "calendar.ics",
			"text/csv":                         "data.csv",
			"text/vcard":                       "contact.vcf",
			"text/x-vcard":                     "contact.vcf",
			"text/html":                        "attachment.html",
			"message/delivery-status":          "delivery-status",
			"message/disposition-notification": "disposition-notification",
			"message/feedback-report":          "feedback-report",
			"text/rfc822-headers":              "headers",
		}[ct]
		if base == "" {
			base = "attachment-" + strings.ReplaceAll(partPath, ".", "-")
			if partPath == "" {
				base = "attachment"
			}
		}
		name = base
	}
	if strings.HasSuffix(strings.ToLower(name), ".txt") {
		return name
	}
	return name + ".txt"
}

func htmlLinkMode(m LinkMode) htmltext.LinkMode {
	switch m {
	case LinksKeep:
		return htmltext.LinksKeep
	case LinksRemove:
		return htmltext.LinksRemove
	}
	return htmltext.LinksDefang
}

// displayPath names the top-level entity "0" in messages for people.
func displayPath(p string) string {
	if p == "" {
		return "0"
	}
	return p
}
