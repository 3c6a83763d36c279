package sanitize

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"sort"
	"strings"

	"github.com/emersion/go-message"
)

// outMessage is the sanitized message before it is written.
type outMessage struct {
	header      []field
	body        string
	attachments []outPart
	summary     string // X-Mugai-Sanitized value
}

// compose builds the output from the rendered document.
func (w *walker) compose(d *doc) *outMessage {
	header, lines := w.header()
	w.rep.Unreadable = w.unreadable && showsReplacement(header, d)
	items := noticeItems(w.rep)
	notice := renderNotice(w.pol, lines, items)
	h := w.opts.Held
	if notice == "" && h.held() && h.Announce && h.Notice != "" {
		// Nothing changed, but the caller's line must be read.
		notice = msg(w.pol.Language, msgHeading)
	}
	if notice != "" && h.held() && h.Notice != "" {
		notice += "\n" + strings.TrimRight(heldLines(w.pol.Language, h), "\n")
	}
	return &outMessage{
		header:      header,
		body:        placeNotice(w.pol.NoticePosition, notice, d.text()),
		attachments: d.attachments,
		summary:     summarize(items, w.rep),
	}
}

// noticeOnly builds the message that replaces one that failed closed
// under Outcome "notice": the sender's headers and a notice, nothing else.
func (w *walker) noticeOnly(reason string) *outMessage {
	header, lines := w.header()
	var b strings.Builder
	b.WriteString(msg(w.pol.Language, msgHeading))
	b.WriteByte('\n')
	if len(w.rep.Spoofs) > 0 || len(lines) > 0 {
		// The heading once: the caller's and the header's lines follow
		// it. Of the parts read before the message failed, nothing is
		// kept or told.
		spoofs := &Report{Spoofs: w.rep.Spoofs}
		b.WriteString(strings.TrimPrefix(renderNotice(w.pol, lines, noticeItems(spoofs)), msg(w.pol.Language, msgHeading)+"\n"))
		b.WriteByte('\n')
	}
	b.WriteString(msg(w.pol.Language, msgReplaced))
	b.WriteByte('\n')
	if w.pol.Language == English {
		fmt.Fprintf(&b, "  Reason: %s", reason)
	} else {
		fmt.Fprintf(&b, "  理由 (英語): %s", reason)
	}
	return &outMessage{
		header:  header,
		body:    b.String() + "\n",
		summary: "replaced; reason=" + string(w.rep.Rejected.Kind),
	}
}

// showsReplacement reports whether U+FFFD, the mark of a character that
// could not be decoded, is in a header field or any text of the output
// (decoding may have put it only into a part that was then cut out).
func showsReplacement(header []field, d *doc) bool {
	const mark = "\uFFFD"
	for _, f := range header {
		if v, err := new(mime.WordDecoder).DecodeHeader(f.value); err == nil && strings.Contains(v, mark) {
			return true
		}
	}
	for _, b := range d.blocks {
		if strings.Contains(b, mark) {
			return true
		}
	}
	for _, a := range d.attachments {
		if a.data == nil && strings.Contains(a.text, mark) {
			return true
		}
	}
	return false
}

// placeNotice puts the notice above or below the body (with the
// separator line between them) and ends the text with a line end.
func placeNotice(pos NoticePosition, notice, body string) string {
	// One concatenation each, the final line end included: the body may
	// be megabytes.
	switch {
	case notice == "":
		return body + "\n"
	case body == "":
		return notice + "\n"
	case pos == NoticeBottom:
		return body + "\n\n" + noticeSeparator + "\n" + notice + "\n"
	}
	return notice + "\n" + noticeSeparator + "\n\n" + body + "\n"
}

// summaryKeys are the words of the X-Mugai-Sanitized summary for the
// notice's items, and whether each counts items or says "1" once.
var summaryKeys = map[itemKind]struct {
	key  string
	once bool
}{
	itemHTML:            {"html-converted", true},
	itemDropped:         {"dropped", false},
	itemResourceDropped: {"dropped", false},
	itemTextKept:        {"text-attachments", false},
	itemPayload:         {"payloads-removed", false},
	itemPayloadRest:     {"payloads-removed", false},
	itemSignature:       {"signature-removed", true},
	itemEncrypted:       {"encrypted-removed", false},
	itemPartial:         {"partial-removed", false},
	itemCharset:         {"charset-guessed", true},
	itemTruncated:       {"html-truncated", true},
	itemConverted:       {"converted", false},
	itemReencoded:       {"images-reencoded", false},
	itemExpanded:        {"archives-expanded", false},
	itemNearDelimiter:   {"near-delimiters", true},
}

// summarize writes the X-Mugai-Sanitized value: counts of each kind of
// change the notice tells, and of the links changed, in a fixed order, so
// that it is deterministic and greppable.
func summarize(items []noticeItem, rep *Report) string {
	counts := map[string]int{}
	for _, it := range items {
		if k, ok := summaryKeys[it.kind]; ok && k.once {
			counts[k.key] = 1
		} else if ok {
			counts[k.key]++
		}
	}
	if n := rep.LinksChanged(); n > 0 {
		counts["links-changed"] = n
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := []string{"yes"}
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, counts[k]))
	}
	return strings.Join(parts, "; ")
}

// write writes the message with go-message's writers: CRLF line ends,
// a fresh MIME header, UTF-8 text in a transfer encoding that keeps every
// line within RFC 5322 §2.1.1's 998 octets, and a boundary derived from the
// content so the same input gives the same bytes.
func (m *outMessage) write(w io.Writer, pol *Policy) error {
	fields := append([]field(nil), m.header...)
	fields = append(fields, field{"MIME-Version", "1.0"}, field{"X-Mugai-Sanitized", m.summary})
	if len(m.attachments) == 0 {
		fields = append(fields, textFields(m.body, "", "")...)
		mw, err := message.CreateWriter(w, headerOf(fields))
		if err != nil {
			return err
		}
		if err := writeText(mw, m.body); err != nil {
			return err
		}
		return mw.Close()
	}
	fields = append(fields, field{"Content-Type", mime.FormatMediaType("multipart/mixed",
		map[string]string{"boundary": m.boundary()})})
	mw, err := message.CreateWriter(w, headerOf(fields))
	if err != nil {
		return err
	}
	parts := append([]outPart{{text: m.body}}, m.attachments...)
	for i, p := range parts {
		disposition := "inline"
		if i > 0 {
			disposition = "attachment"
		}
		fields := textFields(p.text, p.name, disposition)
		if p.data != nil {
			fields = imageFields(p.mediaType, p.name)
		}
		pw, err := mw.CreatePart(headerOf(fields))
		if err != nil {
			return err
		}
		if p.data != nil {
			_, err = pw.Write(p.data)
		} else {
			err = writeText(pw, p.text)
		}
		if err != nil {
			return err
		}
		if err := pw.Close(); err != nil {
			return err
		}
	}
	return mw.Close()
}

// boundary derives the multipart boundary from the content: deterministic,
// and (being a hash of everything it separates) absent from it.
func (m *outMessage) boundary() string {
	h := sha256.New()
	io.WriteString(h, m.body)
	for _, a := range m.attachments {
		// Piece by piece: concatenating would copy every attachment.
		io.WriteString(h, "\x00")
		io.WriteString(h, a.name)
		io.WriteString(h, "\x00")
		io.WriteString(h, a.text)
		h.Write(a.data)
	}
	return "mugai-" + hex.EncodeToString(h.Sum(nil))[:32]
}

// textFields are the MIME fields of a UTF-8 text entity. A file name goes
// in Content-Disposition as RFC 2231 (what the standard says) and in
// Content-Type's name as RFC 2047 (what older Japanese mail clients read);
// both decode to the same name.
func textFields(text, name, disposition string) []field {
	params := map[string]string{"charset": "utf-8"}
	if name != "" {
		params["name"] = encodeText(name)
	}
	fs := []field{
		{"Content-Type", mime.FormatMediaType("text/plain", params)},
		{"Content-Transfer-Encoding", transferEncoding(text)},
	}
	if disposition != "" {
		dp := map[string]string{}
		if name != "" {
			dp["filename"] = name
		}
		fs = append(fs, field{"Content-Disposition", mime.FormatMediaType(disposition, dp)})
	}
	return fs
}

// imageFields are the MIME fields of a re-encoded image attachment.
func imageFields(mediaType, name string) []field {
	return []field{
		{"Content-Type", mime.FormatMediaType(mediaType, map[string]string{"name": encodeText(name)})},
		{"Content-Transfer-Encoding", "base64"},
		{"Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name})},
	}
}

// transferEncoding picks 7bit for short-lined ASCII, base64 for mostly
// non-ASCII text (Japanese: a third the size of quoted-printable), and
// quoted-printable otherwise. Output never relies on 8BITMIME.
func transferEncoding(s string) string {
	high, lineLen, long := 0, 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			high++
		}
		if c == '\n' {
			lineLen = 0
			continue
		}
		if lineLen++; lineLen > 76 {
			long = true
		}
	}
	switch {
	case high == 0 && !long:
		return "7bit"
	case high*5 > len(s):
		return "base64"
	}
	return "quoted-printable"
}

// headerOf builds a go-message header whose fields are written in the
// order given (go-message writes the most recently added field first).
func headerOf(fields []field) message.Header {
	var h message.Header
	for i := len(fields) - 1; i >= 0; i-- {
		h.Add(fields[i].name, fields[i].value)
	}
	return h
}

// writeText writes s with its "\n" line ends as the CRLF of the wire and
// of canonical MIME text (RFC 2049 §4), through a small buffer rather
// than a converted copy of s: the text of a message can be megabytes.
func writeText(w io.Writer, s string) error {
	if s == "" {
		return nil
	}
	// The whole converted text when it is small (many parts are), else
	// a 4 KiB window.
	b := make([]byte, 0, min(len(s)+strings.Count(s, "\n"), 4096))
	for len(s) > 0 {
		line, rest, nl := strings.Cut(s, "\n")
		for len(line) > 0 {
			if len(b) == cap(b) {
				if _, err := w.Write(b); err != nil {
					return err
				}
				b = b[:0]
			}
			k := copy(b[len(b):cap(b)], line)
			b, line = b[:len(b)+k], line[k:]
		}
		if nl {
			if cap(b)-len(b) < 2 { // keep CR and LF in one write
				if _, err := w.Write(b); err != nil {
					return err
				}
				b = b[:0]
			}
			b = append(b, '\r', '\n')
		}
		s = rest
	}
	_, err := w.Write(b)
	return err
}
