package sanitize

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

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
		w.dropOpaque(d, e, itemPartial)
		return nil
	case isEncrypted(ct):
		// Named, measured and hashed like any removed file (an S/MIME
		// smime.p7m is what the recipient would have opened).
		return w.dropEncrypted(d, e, name, ct)
	case isSignature(ct):
		w.addPart(d, e, ActionSignatureRemoved)
		d.items = append(d.items, noticeItem{kind: itemSignature, typ: ct})
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
			// Read the rest after head in one growing buffer: one copy
			// of the text, not ReadAll's plus a joined one. At most
			// TextBytes stay in the gateway's memory.
			buf := bytes.NewBuffer(head)
			if _, err := buf.ReadFrom(io.LimitReader(body, w.pol.Limits.TextBytes-int64(len(head))+1)); err != nil {
				return err
			}
			data = buf.Bytes()
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
		return w.dropRaw(d, e, name, ct, sniffed, io.MultiReader(bytes.NewReader(head), body), reasonEncoding)
	}
	return w.convertPart(d, e, name, ct, io.MultiReader(bytes.NewReader(head), body), nil)
}

// dropRaw reads a part only to hash and measure it, and drops it.
func (w *walker) dropRaw(d *doc, e *mimeparse.Entity, name, ct, sniffed string, r io.Reader, reason string) error {
	hash := sha256.New()
	size, err := io.Copy(hash, r)
	if err != nil {
		return err
	}
	i := w.addPart(d, e, ActionDropped)
	p := &w.rep.Parts[i]
	p.SniffedType, p.Filename, p.Size = sniffed, name, size
	p.SHA256 = hex.EncodeToString(hash.Sum(nil))
	p.Reason = reasonText(itemDropped) + ": " + reason
	typ := sniffed
	if typ == "" || typ == "application/octet-stream" {
		typ = ct
	}
	d.items = append(d.items, noticeItem{kind: itemDropped, name: name, size: size, typ: typ,
		declared: ct, sha: p.SHA256, reason: reason})
	return nil
}

// dropEncrypted removes an encrypted part (RFC 8551 application/pkcs7-mime,
// RFC 3156 application/pgp-encrypted) whose content cannot be inspected,
// with its name, size and SHA-256 in the notice.
func (w *walker) dropEncrypted(d *doc, e *mimeparse.Entity, name, ct string) error {
	hash := sha256.New()
	size, err := io.Copy(hash, e.Body())
	if err != nil {
		return err
	}
	i := w.addPart(d, e, ActionDropped)
	p := &w.rep.Parts[i]
	p.Filename, p.Size, p.SHA256 = name, size, hex.EncodeToString(hash.Sum(nil))
	p.Reason = reasonText(itemEncrypted)
	d.items = append(d.items, noticeItem{kind: itemEncrypted, name: name, size: size, typ: ct, sha: p.SHA256})
	return nil
}

// convertPart hands a non-text part to the converter while hashing the
// same bytes, then renders what it became.
//
// sent is set when r is not the part as sent but its decoded, cleaned
// text (see text): the converter reads that UTF-8 text, while the size
// and SHA-256 reported are those of sent, the part's decoded bytes, so
// that they identify the original.
func (w *walker) convertPart(d *doc, e *mimeparse.Entity, name, ct string, r io.Reader, sent []byte) error {
	hash := sha256.New()
	head := &headWriter{max: flatten.SniffBytes}
	cr := &countingReader{r: io.TeeReader(r, io.MultiWriter(hash, head))}
	label := e.ContentType.Params["charset"]
	if sent != nil {
		label = "utf-8"
	}
	var res *flatten.Result
	var err error
	var guard *convertGuard
	if limit, ok := w.convertTime(); ok {
		ctx, cancel := context.WithTimeout(w.ctx, limit)
		guard = &convertGuard{r: cr, left: w.pol.Limits.ConvertBytes, cancel: cancel}
		in := flatten.Input{Name: name, DeclaredType: ct, Charset: label}
		res, err = w.conv.Convert(ctx, in, guard, w.flattenOptions())
		cancel()
	} else {
		res = &flatten.Result{Kind: flatten.KindUnknown, Action: flatten.ActionDrop,
			Reason: flatten.ReasonTimeout, Detail: "not converted: the message's time limit was nearly used up"}
	}
	// Whatever the converter read, the whole part is hashed and counted
	// (and must be readable: a read error or a limit fails the message).
	if _, derr := io.Copy(io.Discard, cr); derr != nil {
		return derr
	}
	if guard != nil && guard.tripped {
		res, err = &flatten.Result{Kind: flatten.KindUnknown, Action: flatten.ActionDrop, Reason: flatten.ReasonTooLarge,
			Detail: fmt.Sprintf("larger than limits.convert_size (%d bytes)", w.pol.Limits.ConvertBytes)}, nil
	}
	if err != nil {
		if w.ctx.Err() != nil {
			return w.ctx.Err()
		}
		// Only the conversion's own time ran out: the attachment goes,
		// the message stays.
		res = &flatten.Result{Kind: flatten.KindUnknown, Action: flatten.ActionDrop,
			Reason: flatten.ReasonTimeout, Detail: err.Error()}
	}
	i := w.addPart(d, e, ActionDropped)
	w.rep.Parts[i].Filename = name
	res = verifyResult(res, w.pol.Limits.ImagePixels, 0)
	if res.Kind == flatten.KindUnknown && res.Action == flatten.ActionDrop && unfinished[res.Reason] {
		// The converter stopped before it said what the file is: name it
		// from its first bytes, so the notice says "PDF", not an unknown
		// binary (issue 11).
		if k := flatten.Sniff(head.buf); k != flatten.KindUnknown {
			res.Kind, res.MediaType = k, k.MediaType()
		}
	}
	size, sum := cr.n, hex.EncodeToString(hash.Sum(nil))
	if sent != nil {
		h := sha256.Sum256(sent)
		size, sum = int64(len(sent)), hex.EncodeToString(h[:])
	}
	w.emitConverted(d, i, name, ct, size, sum, res, "")
	return nil
}

// unfinished are the reasons of a conversion that ended before the
// converter reported the file's kind.
var unfinished = map[string]bool{
	flatten.ReasonTimeout: true, flatten.ReasonCrash: true, flatten.ReasonLimit: true, flatten.ReasonTooLarge: true,
}

// headWriter keeps the first max bytes written to it.
type headWriter struct {
	buf []byte
	max int
}

func (h *headWriter) Write(p []byte) (int, error) {
	if room := h.max - len(h.buf); room > 0 {
		h.buf = append(h.buf, p[:min(len(p), room)]...)
	}
	return len(p), nil
}

// errConvertSize is what a converter reads past limits.convert_size.
var errConvertSize = errors.New("attachment larger than limits.convert_size")

// convertGuard hands a converter at most left bytes of an attachment. A
// converter reads its whole file into memory (in its own process), so an
// attachment above the limit is not converted at all: at the first byte
// beyond it the guard cancels the conversion, which stops a converter
// process at once, and fails the read; the caller hashes the rest and
// drops the attachment as too large to convert. The relay's own memory
// does not depend on the limit: the attachment streams through.
type convertGuard struct {
	r       io.Reader
	left    int64
	cancel  context.CancelFunc
	tripped bool
}

func (g *convertGuard) Read(p []byte) (int, error) {
	if g.tripped {
		return 0, errConvertSize
	}
	// Ask for one byte more than allowed: getting it is the proof that
	// the attachment is too large.
	if int64(len(p)) > g.left+1 {
		p = p[:g.left+1]
	}
	n, err := g.r.Read(p)
	if int64(n) > g.left {
		g.tripped = true
		g.cancel()
		return 0, errConvertSize
	}
	g.left -= int64(n)
	return n, err
}

// convertTime is how long the next conversion may take: its own limit,
// cut so that it ends a second before the message's deadline. A message
// with many slow attachments thus loses the attachments that no longer
// fit (each named in the notice), not the whole message. ok is false
// when too little time is left to start one.
func (w *walker) convertTime() (time.Duration, bool) {
	limit := w.pol.Limits.ConvertTime
	if deadline, ok := w.ctx.Deadline(); ok {
		left := time.Until(deadline) - time.Second
		if left < time.Second {
			return 0, false
		}
		limit = min(limit, left)
	}
	return limit, true
}

// flattenOptions are the converter options the policy implies.
func (w *walker) flattenOptions() flatten.Options {
	l := w.pol.Limits
	return flatten.Options{
		ReencodeImages: w.pol.Images == ImagesReencode,
		Links:          htmlLinkMode(w.pol.Links),
		DropScripts:    w.pol.Scripts == ScriptsDrop,
		Limits: flatten.Limits{
			ArchiveDepth:   l.ArchiveDepth,
			ArchiveEntries: l.ArchiveEntries,
			ArchiveBytes:   l.ArchiveBytes,
			ArchiveRatio:   l.ArchiveRatio,
			ImagePixels:    l.ImagePixels,
			OutputBytes:    l.ConvertOutput,
			PDFPages:       l.PDFPages,
		},
	}
}

// emitConverted records what an attachment (or an archive member, entry
// set) became, from a result verifyResult checked: report entry i is filled in, the text or image goes to the
// output, and the notice gets a line. Members of a container follow,
// each with a report entry of its own.
func (w *walker) emitConverted(d *doc, i int, name, declared string, size int64, sum string, res *flatten.Result, entry string) {
	p := &w.rep.Parts[i]
	p.Entry, p.Size, p.SHA256 = entry, size, sum
	p.SniffedType, p.Removed = res.MediaType, res.Removed
	typ := res.MediaType
	if res.Kind == flatten.KindUnknown && declared != "" {
		typ = declared
	}
	it := noticeItem{name: name, size: size, typ: typ, declared: declared, sha: sum,
		mismatch: res.Mismatch, removed: res.Removed, truncated: res.Truncated}
	switch res.Action {
	case flatten.ActionText:
		// A converter's U+FFFD is a character it could not read
		// (a PDF font without a Unicode map, a broken document).
		w.unreadable = w.unreadable || strings.Contains(res.Text, "\uFFFD")
		text := w.cleanText(d, p.Path, name, res.Text)
		p.Action = ActionConverted
		it.kind = itemConverted
		if w.pol.Flatten == FlattenInline {
			it.inline = true
			d.blocks = append(d.blocks, flattenHeading(w.pol.Language, name)+"\n"+text)
		} else {
			it.newName = attachmentName(attachmentBase(name, entry), "", p.Path)
			d.attachments = append(d.attachments, outPart{name: it.newName, text: text})
		}
	case flatten.ActionImage:
		p.Action = ActionReencoded
		it.kind, it.newName = itemReencoded, imageName(attachmentBase(name, entry), res.ImageType)
		d.attachments = append(d.attachments, outPart{name: it.newName, data: res.Image, mediaType: res.ImageType})
	case flatten.ActionContainer:
		p.Action = ActionExpanded
		it.kind, it.count = itemExpanded, len(res.Entries)
		d.items = append(d.items, it)
		for _, m := range res.Entries {
			w.rep.Parts = append(w.rep.Parts, PartReport{Path: p.Path, DeclaredType: ""})
			j := len(w.rep.Parts) - 1
			d.parts = append(d.parts, j)
			memberPath := m.Path
			if entry != "" {
				memberPath = entry + "/" + m.Path
			}
			w.rep.Parts[j].Filename = textclean.Filename(m.Path)
			w.emitConverted(d, j, name+"/"+m.Path, "", m.Size, m.SHA256, m.Result, memberPath)
		}
		return
	default:
		p.Action = ActionDropped
		p.Reason = res.Reason
		if res.Detail != "" {
			p.Reason += ": " + res.Detail
		}
		it.kind, it.reason = itemDropped, res.Reason
	}
	d.items = append(d.items, it)
}

// cleanText puts converted text through what every text gets: control
// and bidi characters removed, encoded binaries cut, links per policy.
func (w *walker) cleanText(d *doc, path, name, s string) string {
	s = textclean.Text(s)
	s = w.cutPayloadsAt(d, path, s)
	return w.textLinks(d, name, s)
}

// textLinks makes the addresses in text follow the link policy, as links
// of an HTML body do: under keep only the unsafe ones (javascript:,
// file:, UNC paths, ...) are changed, under defang and remove every one a
// mail client would make a link of. where names the attachment the text
// is from, "" for the message text, so the notice can say where.
func (w *walker) textLinks(d *doc, where, s string) string {
	var n int
	if w.pol.Links == LinksKeep {
		s, n = htmltext.NeutralizeText(s)
	} else {
		s, n = htmltext.DefangText(s)
	}
	if n > 0 {
		w.rep.LinksChanged += n
		d.items = append(d.items, noticeItem{kind: itemTextURLs, links: n, name: where})
	}
	return s
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
			return w.dropRaw(d, e, name, ct, st, bytes.NewReader(data), flatten.ReasonScript)
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
	if res.Guessed && !isPlainASCII(data) {
		d.items = append(d.items, noticeItem{kind: itemCharset, charset: res.Charset, declared: res.Declared})
	}

	var links htmltext.Result
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
		s, links = textclean.Text(r.Text), r
		w.rep.HTMLConverted = true
		w.rep.LinksChanged += r.LinksChanged
		if r.Truncated {
			d.items = append(d.items, noticeItem{kind: itemTruncated, name: name})
		}
	}
	s = w.cutPayloads(d, e, s)
	attach := !inline || w.attachment(e, name) || !isBodyType(ct)
	where := ""
	if attach {
		where = name
		if where == "" {
			where = attachmentName(name, ct, e.Path)
		}
	}
	// Mail clients make links of addresses in plain text too.
	s = w.textLinks(d, where, s)

	if attach && strings.TrimSpace(s) == "" {
		// An empty text part (a stray delimiter makes one) is nothing
		// worth attaching or telling about.
		p.Action, p.Reason = ActionSkipped, "empty"
		return nil
	}
	if attach {
		out := attachmentName(name, ct, e.Path)
		p.Action = ActionTextAttachment
		d.attachments = append(d.attachments, outPart{name: out, text: s})
		// A UTF-8 text file that comes out byte for byte (line ends
		// aside) under its own name was not changed: nothing to tell.
		unchanged := ct == "text/plain" && out == name && !res.Guessed &&
			(res.Charset == "utf-8" || res.Charset == "us-ascii") &&
			s == strings.ReplaceAll(string(data), "\r\n", "\n")
		if !unchanged {
			d.items = append(d.items, noticeItem{kind: itemTextKept, name: name, newName: out,
				size: int64(len(data)), typ: ct, sha: p.SHA256, html: isHTML})
		}
		return nil
	}
	if isHTML {
		p.Action = ActionBodyFromHTML
		d.fromHTML = true
		d.items = append(d.items, noticeItem{kind: itemHTML, links: links.Links, changed: links.LinksChanged})
	} else if strings.TrimSpace(s) != "" {
		d.fromPlain = true
	}
	d.blocks = append(d.blocks, s)
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
	p.SHA256, p.Reason = hex.EncodeToString(sum[:]), "alternative not chosen"
	return nil
}

// cutPayloads removes encoded binaries (uuencode, BinHex, yEnc, base64,
// EICAR) from text, each replaced by a one-line marker and named in the
// notice like a dropped attachment.
func (w *walker) cutPayloads(d *doc, e *mimeparse.Entity, s string) string {
	return w.cutPayloadsAt(d, e.Path, s)
}

// cutPayloadsAt is cutPayloads for text that is not a MIME part of its
// own (converted attachments), reported under path.
//
// The message's notice lists at most limits.payloads of them: past that
// (or past what one text may hold, the same bound), the rest of the text
// is removed unread and listed once, so that a text of countless tiny
// payloads costs bounded time, memory and notice.
func (w *walker) cutPayloadsAt(d *doc, path, s string) string {
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
			w.cutRest(d, path, s[blk.Start:])
			b.WriteString(payloadMarker(w.pol.Language, noticeItem{kind: itemPayloadRest}))
			b.WriteByte('\n')
			last = len(s)
			break
		}
		w.payloads++
		name := textclean.Filename(blk.Name)
		var sum string
		typ := "application/octet-stream"
		if blk.Data != nil {
			h := sha256.Sum256(blk.Data)
			sum = hex.EncodeToString(h[:])
			typ = sniff(blk.Data)
			if blk.Type != "" {
				typ = blk.Type
			}
		} else {
			h := sha256.Sum256([]byte(s[blk.Start:blk.End]))
			sum = hex.EncodeToString(h[:])
		}
		w.rep.Parts = append(w.rep.Parts, PartReport{
			Path: path, DeclaredType: string(blk.Kind), SniffedType: typ, Filename: name,
			Size: blk.Size, SHA256: sum, Action: ActionPayloadRemoved,
		})
		d.parts = append(d.parts, len(w.rep.Parts)-1)
		it := noticeItem{kind: itemPayload, name: name, size: blk.Size, typ: typ, sha: sum, payload: string(blk.Kind)}
		d.items = append(d.items, it)
		b.WriteString(payloadMarker(w.pol.Language, it))
		b.WriteByte('\n')
		last = blk.End
	}
	b.WriteString(s[last:])
	return b.String()
}

// cutRest reports the rest of a text removed because it holds more
// payloads than limits.payloads allows.
func (w *walker) cutRest(d *doc, path, rest string) {
	h := sha256.New()
	io.WriteString(h, rest) // no copy of what may be megabytes
	sum := hex.EncodeToString(h.Sum(nil))
	size := int64(len(rest))
	w.rep.Parts = append(w.rep.Parts, PartReport{
		Path: path, DeclaredType: string(payload.TooMany), SniffedType: "text/plain",
		Size: size, SHA256: sum, Action: ActionPayloadRemoved,
		Reason: fmt.Sprintf("limit: more than %d encoded files in the text of the message; the rest of this text removed unread", w.pol.Limits.Payloads),
	})
	d.parts = append(d.parts, len(w.rep.Parts)-1)
	d.items = append(d.items, noticeItem{kind: itemPayloadRest, size: size, sha: sum, count: w.pol.Limits.Payloads})
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

// isPlainASCII reports whether b is ASCII without escape sequences: text
// whose charset does not matter, so a guess is not worth a notice.
func isPlainASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 || c == 0x1b {
			return false
		}
	}
	return true
}

// displayPath names the top-level entity "0" in messages for people.
func displayPath(p string) string {
	if p == "" {
		return "0"
	}
	return p
}
