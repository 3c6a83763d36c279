package sanitize

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/mugai/mugai/sanitize/charset"
	"github.com/mugai/mugai/sanitize/mimeparse"
	"github.com/mugai/mugai/sanitize/textclean"
)

// field is one output header field, its value ready for the wire.
type field struct {
	name  string
	value string
}

// Header kinds of the allowlist (DESIGN.md invariant 5).
type headerKind int

const (
	hdrAddress headerKind = iota + 1
	hdrText
	hdrDate
	hdrMsgID
	hdrMsgIDList
)

var allowlist = []struct {
	name string
	kind headerKind
}{
	{"Date", hdrDate},
	{"From", hdrAddress},
	{"Sender", hdrAddress},
	{"Reply-To", hdrAddress},
	{"To", hdrAddress},
	{"Cc", hdrAddress},
	{"Subject", hdrText},
	{"Message-ID", hdrMsgID},
	{"In-Reply-To", hdrMsgIDList},
	{"References", hdrMsgIDList},
}

// maxReferences bounds the References kept (the most recent ones).
const maxReferences = 50

// rebuildHeaders writes the allowlisted fields of h anew from their
// decoded values. Nothing is copied raw: raw copies would keep bare CRs,
// 8-bit bytes and encoded words that decode to control characters.
//
// A display name that shows another address than the real one is
// reported (Report.Spoofs).
func (w *walker) rebuildHeaders(h *mimeparse.Header) []field {
	var out []field
	for _, a := range allowlist {
		vs := h.Values(a.name)
		if len(vs) == 0 {
			continue
		}
		if len(vs) > 1 {
			w.rep.Warnings = append(w.rep.Warnings, fmt.Sprintf("%d %s fields; only the first kept", len(vs), a.name))
		}
		if v, ok := w.rebuildField(a.name, a.kind, vs[0]); ok {
			out = append(out, field{a.name, v})
		}
	}
	for _, name := range w.pol.ExtraHeaders {
		if isReserved(name) {
			continue
		}
		for _, v := range h.Values(name) {
			if s := textclean.Line(mimeparse.DecodeWords(v)); s != "" {
				out = append(out, field{canonicalName(name), encodeText(s)})
			}
		}
	}
	return out
}

func (w *walker) rebuildField(name string, kind headerKind, raw []byte) (string, bool) {
	warn := func(what string) {
		w.rep.Warnings = append(w.rep.Warnings, fmt.Sprintf("%s field %s; dropped", name, what))
	}
	switch kind {
	case hdrAddress:
		addrs, group, ok := parseAddresses(raw)
		if !ok {
			w.rep.Warnings = append(w.rep.Warnings, name+" field partly unparseable; kept what could be read")
		}
		for _, a := range addrs {
			if shown := otherAddress(a); shown != "" {
				w.rep.Spoofs = append(w.rep.Spoofs, Spoof{Field: name, Name: a.Name, Shown: shown, Address: a.Address})
				a.Name += actualAddressNote(w.pol.Language, a.Address)
			}
		}
		if name == "From" {
			w.authors = w.authors[:0]
			for _, a := range addrs {
				w.authors = append(w.authors, a.Address)
			}
		}
		if len(addrs) == 0 {
			if group && (name == "To" || name == "Cc") {
				// An empty group, as in "undisclosed-recipients:;".
				return "undisclosed-recipients:;", true
			}
			warn("has no readable address")
			return "", false
		}
		return formatAddresses(addrs), true
	case hdrText:
		decoded, replaced := mimeparse.DecodeWordsCarrier(raw, w.carrier)
		w.unreadable = w.unreadable || replaced > 0
		s := textclean.Line(decoded)
		if name == "Subject" {
			w.subject = s
		}
		return encodeText(s), true
	case hdrDate:
		t, err := mail.ParseDate(textclean.Line(string(bytes.ToValidUTF8(raw, nil))))
		if err != nil {
			warn("is not a valid date")
			return "", false
		}
		return t.Format("Mon, 02 Jan 2006 15:04:05 -0700"), true
	case hdrMsgID:
		ids := msgIDs(raw)
		if len(ids) == 0 {
			warn("holds no valid message id")
			return "", false
		}
		w.rep.MessageID = ids[0]
		return ids[0], true
	case hdrMsgIDList:
		ids := msgIDs(raw)
		if len(ids) == 0 {
			warn("holds no valid message id")
			return "", false
		}
		if len(ids) > maxReferences {
			ids = ids[len(ids)-maxReferences:]
		}
		return strings.Join(ids, " "), true
	}
	return "", false
}

// isReserved names fields that configured extras cannot bring in from
// the original: those the sanitizer or the relay writes.
func isReserved(name string) bool {
	// RFC 8601 §5: an upstream's results are never passed on; the relay
	// writes its own (Additions).
	return isWritten(name) || strings.EqualFold(name, "Authentication-Results")
}

// isWritten names fields the sanitizer writes itself, which Additions
// cannot add either.
func isWritten(name string) bool {
	switch strings.ToLower(name) {
	case "mime-version", "content-type", "content-transfer-encoding", "content-disposition",
		"content-id", "x-mugai-sanitized", "received":
		return true
	}
	for _, a := range allowlist {
		if strings.EqualFold(a.name, name) {
			return true
		}
	}
	return false
}

func canonicalName(name string) string {
	parts := strings.Split(strings.TrimSpace(name), "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
		}
	}
	return strings.Join(parts, "-")
}

// msgIDs returns the message ids in raw as RFC 5322 §3.6.4 writes them,
// restricted to 1 to 250 characters of printable ASCII without white
// space or angle brackets between "<" and ">". (A loop, not a regular
// expression: compiling `<[!-;=?-~]{1,250}>` cost every mugai process,
// converter workers included, 0.1 ms and 110 KB at start.)
func msgIDs(raw []byte) []string {
	var ids []string
	for i := 0; i < len(raw); i++ {
		if raw[i] != '<' {
			continue
		}
		j := i + 1
		for j < len(raw) && raw[j] >= '!' && raw[j] <= '~' && raw[j] != '<' && raw[j] != '>' {
			j++
		}
		if n := j - i - 1; n >= 1 && n <= 250 && j < len(raw) && raw[j] == '>' {
			ids = append(ids, string(raw[i:j+1]))
			i = j
		}
	}
	return ids
}

// encodeText encodes an unstructured value for the wire (RFC 2047 §5(1)).
// Plain ASCII is written as is, except that text which looks like an
// encoded word is encoded too: written raw, a client would decode it a
// second time, resurrecting whatever it hid.
func encodeText(s string) string {
	if isPrintableASCII(s) && !strings.Contains(s, "=?") {
		return s
	}
	return encodeWords(s)
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// encodeWords encodes s as a run of UTF-8 "B" encoded words, each at most
// 75 characters (RFC 2047 §2), split on character boundaries (§5(3)),
// separated by spaces where the header writer may fold.
func encodeWords(s string) string {
	const maxChunk = 45 // 45 bytes → 60 base64 characters + 12 of framing
	var words []string
	for len(s) > 0 {
		n := min(len(s), maxChunk)
		for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
			n--
		}
		if n == 0 {
			n = min(len(s), maxChunk)
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, " ")
}

// parseAddresses reads an address list. It tries net/mail on the whole
// value first; when that fails (real mail is often broken), each
// comma-separated element on its own, then any addr-spec it can find.
// ok is false when something was lost; group reports a group syntax.
func parseAddresses(raw []byte) (addrs []*mail.Address, group bool, ok bool) {
	v := prepareAddressValue(raw)
	group = strings.Contains(v, ":") && strings.Contains(v, ";")
	p := mail.AddressParser{WordDecoder: mimeparse.NewWordDecoder()}
	if list, err := p.ParseList(v); err == nil {
		return cleanAddresses(list), group, true
	}
	ok = true
	for _, elem := range splitAddressList(v) {
		if strings.TrimSpace(elem) == "" {
			continue
		}
		if a, err := p.Parse(elem); err == nil {
			addrs = append(addrs, a)
			continue
		}
		if a := salvageAddress(elem); a != nil {
			addrs = append(addrs, a)
			continue
		}
		ok = false
	}
	return cleanAddresses(addrs), group, ok
}

// prepareAddressValue makes a raw value parseable: raw 8-bit text outside
// encoded words becomes UTF-8 (net/mail accepts RFC 6532 UTF-8), and
// adjacent encoded words are joined so a character split across them
// decodes whole. Raw ISO-2022-JP (7-bit, with ESC) is decoded too, before
// parsing: its JIS bytes may spell "<x@evil.example>" in ASCII.
func prepareAddressValue(raw []byte) string {
	v := raw
	if !utf8.Valid(v) || bytes.IndexByte(v, 0x1b) >= 0 {
		s, _ := charset.Decode(v, "")
		v = []byte(s)
	}
	return decodeQuotedWords(string(mimeparse.JoinEncodedWords(v)))
}

// decodeQuotedWords decodes the encoded words inside quoted strings of an
// address list, as mail clients do for display names
// ("\"=?utf-8?b?...?=\" <a@x>"), though RFC 2047 §5(3) forbids them
// there; net/mail leaves them alone. The decoded text is made one clean
// line and quoted again, so what it holds (CR LF "Bcc:", U+202E, quotes)
// stays inside the display name. A quoted local part
// ("\"=?utf-8?b?...?=\"@x") is left as it is, for cleanAddresses to drop.
func decodeQuotedWords(v string) string {
	if !strings.Contains(v, "=?") || !strings.Contains(v, `"`) {
		return v
	}
	var b strings.Builder
	depth := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && i+1 < len(v):
			b.WriteByte(c)
			b.WriteByte(v[i+1])
			i++
			continue
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case c == '"' && depth == 0:
			end, content := quotedString(v, i)
			if end < 0 {
				b.WriteString(v[i:])
				return b.String()
			}
			if strings.Contains(content, "=?") && !isLocalPart(v[end+1:]) {
				content = textclean.Line(mimeparse.DecodeWords([]byte(content)))
			}
			b.WriteString(quote(content))
			i = end
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// isLocalPart reports whether the text after a quoted string makes it a
// local part: an "@" follows.
func isLocalPart(after string) bool {
	return strings.HasPrefix(strings.TrimLeft(after, " \t"), "@")
}

// quotedString reads the quoted string starting at v[i] (a '"'): it
// returns the index of the closing quote and the unescaped content, or -1
// when the quote is not closed.
func quotedString(v string, i int) (int, string) {
	var b strings.Builder
	for j := i + 1; j < len(v); j++ {
		switch v[j] {
		case '\\':
			if j+1 < len(v) {
				j++
				b.WriteByte(v[j])
			}
		case '"':
			return j, b.String()
		default:
			b.WriteByte(v[j])
		}
	}
	return -1, ""
}

// quote writes s as an RFC 5322 §3.2.4 quoted string.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// splitAddressList splits at commas outside quotes, comments and angle
// brackets.
func splitAddressList(v string) []string {
	var out []string
	depth, quoted, angle := 0, false, false
	start := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\':
			i++
		case c == '"' && depth == 0:
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case c == '<' && depth == 0:
			angle = true
		case c == '>' && depth == 0:
			angle = false
		case c == ',' && depth == 0 && !angle:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}

// Compiled at first use, not at start: every mugai process (each
// converter child among them) would pay for it otherwise.
var addrSpecPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?`)
})

// salvageAddress finds an addr-spec in a broken element, preferring one in
// angle brackets, and takes the decoded text before it as display name.
func salvageAddress(elem string) *mail.Address {
	spec, name := "", ""
	if i := strings.LastIndexByte(elem, '<'); i >= 0 {
		if j := strings.IndexByte(elem[i:], '>'); j > 0 {
			spec = addrSpecPattern().FindString(elem[i : i+j])
			name = elem[:i]
		}
	}
	if spec == "" {
		spec = addrSpecPattern().FindString(elem)
	}
	if spec == "" {
		return nil
	}
	name = strings.Trim(strings.TrimSpace(mimeparse.DecodeWords([]byte(name))), `"`)
	return &mail.Address{Name: name, Address: spec}
}

// maxAddressOctets is the longest addr-spec a path can carry (RFC 5321
// §4.5.3.1.3: 256 octets with the angle brackets).
const maxAddressOctets = 254

// cleanAddresses removes control and bidi characters from display names
// and drops addresses whose addr-spec holds anything but printable
// characters, or is longer than any mailbox.
func cleanAddresses(list []*mail.Address) []*mail.Address {
	out := list[:0]
	for _, a := range list {
		a.Name = textclean.Line(a.Name)
		if a.Address == "" || textclean.Line(a.Address) != a.Address || strings.ContainsAny(a.Address, " <>\"") {
			continue
		}
		if len(a.Address) > maxAddressOctets {
			// No mailbox is longer (RFC 5321 §4.5.3.1.3: a path of
			// 256 octets, brackets included), and one longer than a
			// header line would be folded in the middle of its domain.
			continue
		}
		if local := a.Address[:max(0, strings.LastIndexByte(a.Address, '@'))]; strings.Contains(local, "=?") {
			// An encoded word in a local part: a client may decode it
			// and show whatever it says instead of the mailbox. No real
			// mailbox is named so.
			continue
		}
		out = append(out, a)
	}
	return out
}

// formatAddresses writes an address list; net/mail encodes non-ASCII
// display names as RFC 2047 words and quotes specials.
//
// net/mail quotes a printable ASCII display name where needed and encodes
// any other, but a name holding "=?" it would write raw or quoted, and a
// client would decode that as an encoded word a second time; and in the
// "Q" words it writes for other names a backslash stays raw, which RFC
// 2047 §5(3) does not allow in a phrase (net/mail itself then refuses the
// field). Such names are encoded as UTF-8 "B" words that decode exactly
// to them.
func formatAddresses(list []*mail.Address) string {
	s := make([]string, len(list))
	for i, a := range list {
		// String quotes the local part if it needs it.
		spec := (&mail.Address{Address: a.Address}).String()
		switch {
		case a.Name == "":
			// A bare addr-spec reads better than "<addr>".
			s[i] = strings.TrimSuffix(strings.TrimPrefix(spec, "<"), ">")
		case !strings.Contains(a.Name, "=?") && (isPrintableASCII(a.Name) || !strings.Contains(a.Name, `\`)):
			s[i] = (&mail.Address{Name: a.Name, Address: a.Address}).String()
		default:
			s[i] = encodeWords(a.Name) + " " + spec
		}
	}
	return strings.Join(s, ", ")
}

// otherAddress returns the first mail address a display name shows that
// is not the address itself ("総務課 <soumu@city.example.lg.jp>" as the
// name of attacker@example.net), or "". Full-width forms
// ("soumu＠city．example") are read as the ASCII they look like (NFKC).
//
// A name that already ends in the note actualAddressNote adds (the
// output sanitized again) is left alone: it says the truth already.
func otherAddress(a *mail.Address) string {
	if a.Name == "" || strings.HasSuffix(a.Name, actualAddressNote(Japanese, a.Address)) ||
		strings.HasSuffix(a.Name, actualAddressNote(English, a.Address)) {
		return ""
	}
	name := norm.NFKC.String(a.Name)
	if !strings.Contains(name, "@") {
		return ""
	}
	for _, shown := range addrSpecPattern().FindAllString(name, -1) {
		if !strings.EqualFold(strings.TrimRight(shown, "."), a.Address) {
			return shown
		}
	}
	return ""
}

// actualAddressNote is what is added to a display name that shows another
// address: the real one, so the reader sees it even where the client
// shows only names.
func actualAddressNote(lang Language, addr string) string {
	if lang == English {
		return " (actual address: " + addr + ")"
	}
	return "（実際のアドレス: " + addr + "）"
}

// displayAddresses writes an address list decoded, for people to read.
func displayAddresses(list []*mail.Address) string {
	s := make([]string, len(list))
	for i, a := range list {
		if a.Name == "" {
			s[i] = a.Address
		} else {
			s[i] = fmt.Sprintf("%s <%s>", a.Name, a.Address)
		}
	}
	return strings.Join(s, ", ")
}

// senderCarrier is the mobile carrier of the first From address, if any.
func senderCarrier(h *mimeparse.Header) charset.Carrier {
	addrs, _, _ := parseAddresses(h.Get("From"))
	if len(addrs) == 0 {
		return charset.CarrierUnknown
	}
	return charset.CarrierForAddress(addrs[0].Address)
}

// forwardHeaders returns "Name: value" lines, decoded, for the header of
// a forwarded message shown in the body.
func forwardHeaders(h *mimeparse.Header) []string {
	var out []string
	for _, name := range []string{"From", "Date", "Subject", "To", "Cc"} {
		raw := h.Get(name)
		if raw == nil {
			continue
		}
		var v string
		switch name {
		case "From", "To", "Cc":
			addrs, _, _ := parseAddresses(raw)
			v = displayAddresses(addrs)
		default:
			v = textclean.Line(mimeparse.DecodeWords(raw))
		}
		if v != "" {
			out = append(out, name+": "+v)
		}
	}
	return out
}
