package console

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"unicode/utf8"
)

// The delivered copy is mugai's own output: by its invariants every leaf
// is text/plain in UTF-8, in at most a few levels of multipart. The
// standard library reads that much; what does not fit is shown as an
// error, not guessed at. Sizes are bounded: this is a page, not a mail
// client.

const (
	maxCopyRead  = 16 << 20 // bytes of the copy read at all
	maxPartShown = 1 << 20  // characters of one part shown
	maxDepth     = 5
	maxParts     = 100
)

type deliveredMessage struct {
	Headers [][2]string
	Parts   []deliveredPart
}

type deliveredPart struct {
	Name      string
	Text      string
	Truncated bool
}

// headersShown are the fields the page lists, in this order.
var headersShown = []string{"From", "Sender", "Reply-To", "To", "Cc", "Subject", "Date", "Message-ID",
	"In-Reply-To", "References", "X-Mugai-Sanitized"}

// readDelivered decodes a delivered copy for display. It returns what it
// could read with the error that stopped it.
func readDelivered(r io.Reader) (*deliveredMessage, error) {
	m, err := mail.ReadMessage(bufio.NewReader(io.LimitReader(r, maxCopyRead)))
	if err != nil {
		return nil, fmt.Errorf("the delivered copy is not a message: %w", err)
	}
	out := &deliveredMessage{}
	dec := new(mime.WordDecoder)
	for _, k := range headersShown {
		for _, v := range m.Header[textproto.CanonicalMIMEHeaderKey(k)] {
			if d, err := dec.DecodeHeader(v); err == nil {
				v = d
			}
			out.Headers = append(out.Headers, [2]string{k, v})
		}
	}
	err = readEntity(out, textproto.MIMEHeader(m.Header), m.Body, 0)
	return out, err
}

func readEntity(out *deliveredMessage, h textproto.MIMEHeader, body io.Reader, depth int) error {
	if depth > maxDepth || len(out.Parts) >= maxParts {
		return errors.New("the delivered copy nests deeper or has more parts than the console shows")
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("the delivered copy's MIME structure: %w", err)
			}
			if err := readEntity(out, p.Header, p, depth+1); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips CR and LF
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	part := deliveredPart{}
	if _, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil {
		part.Name = dp["filename"]
	}
	if part.Name == "" {
		part.Name = params["name"]
	}
	if mt != "text/plain" {
		// Allowed by policy (re-encoded images): named, not shown.
		part.Text = "(" + mt + ", not shown)"
		out.Parts = append(out.Parts, part)
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(body, maxPartShown+1))
	if err != nil {
		return fmt.Errorf("the delivered copy's part: %w", err)
	}
	if len(b) > maxPartShown {
		b, part.Truncated = b[:maxPartShown], true
	}
	part.Text = strings.ToValidUTF8(strings.ReplaceAll(string(b), "\r\n", "\n"), string(utf8.RuneError))
	out.Parts = append(out.Parts, part)
	return nil
}
