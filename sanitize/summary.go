package sanitize

import (
	"bytes"
	"io"
	"net/mail"

	"github.com/mugai/mugai/sanitize/mimeparse"
	"github.com/mugai/mugai/sanitize/textclean"
)

// Headers are a message's main header fields decoded for people, as the
// rebuild decodes them: what an index of messages keeps to search and
// show them (the relay's vault, the console). Each is "" when the field
// is missing or unreadable.
type Headers struct {
	From, To, Subject, MessageID, Date string
}

// ReadHeaders reads the top-level header section of the message in src,
// within limits.header_size's default, and decodes its From, To,
// Subject, Message-ID and Date: the same decoding as the rebuild's
// (encoded words in any charset, a mobile carrier's emoji, control and
// bidi characters cleaned). It reads no further than the header, and
// never fails: what cannot be read stays empty.
func ReadHeaders(src io.Reader) Headers {
	r := mimeparse.NewReader(src, mimeparse.Limits{
		MessageBytes: DefaultHeaderBytes + 1, Depth: 1, Parts: 1, HeaderBytes: DefaultHeaderBytes,
		LineBytes: DefaultLineBytes, PartBytes: 1, TotalBytes: 1,
	})
	root, _ := r.Root()
	if root == nil {
		return Headers{}
	}
	h := &root.Header
	addrs := func(name string) string {
		list, _, _ := parseAddresses(h.Get(name))
		return textclean.Line(displayAddresses(list))
	}
	var out Headers
	out.From, out.To = addrs("From"), addrs("To")
	if raw := h.Get("Subject"); raw != nil {
		s, _ := mimeparse.DecodeWordsCarrier(raw, senderCarrier(h))
		out.Subject = textclean.Line(s)
	}
	if ids := msgIDs(h.Get("Message-ID")); len(ids) > 0 {
		out.MessageID = ids[0]
	}
	if raw := h.Get("Date"); raw != nil {
		d := textclean.Line(string(bytes.ToValidUTF8(raw, nil)))
		if t, err := mail.ParseDate(d); err == nil {
			d = t.Format("Mon, 02 Jan 2006 15:04:05 -0700")
		}
		out.Date = d
	}
	return out
}
