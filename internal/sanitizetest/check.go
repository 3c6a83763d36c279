// Package sanitizetest checks that a message written by the sanitizer
// keeps the output invariants of DESIGN.md. Tests of every package (the
// sanitizer's own, the corpus run, fuzz targets, the relay's end-to-end
// tests) use it, so the invariants are written down once.
//
// It re-parses the output with go-message, a parser independent of the one
// that produced it, so the check does not share the sanitizer's blind spots.
package sanitizetest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"

	"github.com/mugai/mugai/sanitize/payload"
)

// Options widen the check for outputs that may legitimately hold more.
type Options struct {
	// AllowImages accepts re-encoded image/png and image/jpeg leaves.
	AllowImages bool
	// AllowReceived accepts Received: fields (added by the relay).
	AllowReceived bool
	// AllowAuthResults accepts one Authentication-Results: field at the
	// top (the relay's own; never more than one, RFC 8601 §5).
	AllowAuthResults bool
	// ExtraHeaders are configured extra header names that may appear.
	ExtraHeaders []string
}

// allowedHeaders are the fields a sanitized message may carry (DESIGN.md
// invariant 5).
var allowedHeaders = []string{
	"From", "Sender", "Reply-To", "To", "Cc", "Subject", "Date", "Message-Id",
	"In-Reply-To", "References", "Mime-Version", "Content-Type",
	"Content-Transfer-Encoding", "Content-Disposition", "X-Mugai-Sanitized",
}

// Text is the decoded text of one leaf of a checked message.
type Text struct {
	Filename string // "" for the body
	Body     string
}

// Check verifies the invariants on a sanitized message and returns the
// decoded text of its leaves, in order.
func Check(raw []byte, opt Options) ([]Text, error) {
	if err := checkLines(raw); err != nil {
		return nil, err
	}
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("output does not parse: %w", err)
	}
	if err := checkHeader(e.Header.Header, opt, true); err != nil {
		return nil, err
	}
	var texts []Text
	err = e.Walk(func(path []int, part *message.Entity, err error) error {
		if err != nil {
			return fmt.Errorf("part %v: %w", path, err)
		}
		if path != nil {
			if err := checkHeader(part.Header.Header, opt, false); err != nil {
				return fmt.Errorf("part %v: %w", path, err)
			}
		}
		if part.MultipartReader() != nil {
			return nil
		}
		return checkLeaf(path, part, opt, &texts)
	})
	return texts, err
}

// checkLines: CRLF only, every line within RFC 5322 §2.1.1's 998 octets.
func checkLines(raw []byte) error {
	line := 1
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '\n')
		if i < 0 {
			return fmt.Errorf("line %d: no line end at the end of the message", line)
		}
		if i == 0 || raw[i-1] != '\r' {
			return fmt.Errorf("line %d: bare LF", line)
		}
		l := raw[:i-1]
		if bytes.IndexByte(l, '\r') >= 0 {
			return fmt.Errorf("line %d: bare CR", line)
		}
		if len(l) > 998 {
			return fmt.Errorf("line %d: %d octets, over 998", line, len(l))
		}
		if bytes.IndexByte(l, 0) >= 0 {
			return fmt.Errorf("line %d: NUL", line)
		}
		raw = raw[i+1:]
		line++
	}
	return nil
}

func checkHeader(h textproto.Header, opt Options, top bool) error {
	if n := len(h.Values("Authentication-Results")); n > 1 {
		return fmt.Errorf("%d Authentication-Results fields, want at most one", n)
	}
	fields := h.Fields()
	for fields.Next() {
		k := fields.Key()
		ok := false
		for _, a := range allowedHeaders {
			ok = ok || strings.EqualFold(a, k)
		}
		for _, a := range opt.ExtraHeaders {
			ok = ok || (top && strings.EqualFold(a, k))
		}
		ok = ok || (top && opt.AllowReceived && strings.EqualFold(k, "Received"))
		ok = ok || (top && opt.AllowAuthResults && strings.EqualFold(k, "Authentication-Results"))
		if !ok {
			return fmt.Errorf("header field %q is not allowed", k)
		}
		v := fields.Value()
		if strings.ContainsAny(v, "\r\n\x00") {
			return fmt.Errorf("header field %q holds a line break or NUL", k)
		}
		if top && (isAddressField(k) || strings.EqualFold(k, "Subject")) {
			// (File names in parameters are written as encoded words in
			// quoted strings, as clients expect them there.)
			if err := checkEncodedWords(v); err != nil {
				return fmt.Errorf("header field %q: %w", k, err)
			}
		}
		if isAddressField(k) && top {
			if err := checkAddresses(v); err != nil {
				return fmt.Errorf("header field %q: %w", k, err)
			}
		}
		dec, err := (&mime.WordDecoder{}).DecodeHeader(v)
		if err != nil {
			dec = v
		}
		if err := checkText(dec); err != nil {
			return fmt.Errorf("header field %q: %w", k, err)
		}
	}
	return nil
}

// checkEncodedWords: every "=?" of a raw header value starts a well-formed
// RFC 2047 encoded word outside quoted strings. Anything else is text a
// lenient client would still decode (Thunderbird and Outlook decode words
// inside quoted display names; Python's email package refuses them), so
// the value would not mean what it says.
func checkEncodedWords(v string) error {
	quoted := false
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case '"':
			quoted = !quoted
		case '=':
			if i+1 >= len(v) || v[i+1] != '?' {
				continue
			}
			if quoted {
				return fmt.Errorf("encoded word inside a quoted string at byte %d", i)
			}
			end := strings.IndexFunc(v[i:], func(r rune) bool { return r == ' ' || r == '\t' })
			if end < 0 {
				end = len(v) - i
			}
			word := strings.TrimRight(v[i:i+end], ",>")
			if _, err := new(mime.WordDecoder).Decode(word); err != nil {
				return fmt.Errorf("%q at byte %d is not an encoded word: %v", word, i, err)
			}
			i += len(word) - 1
		}
	}
	return nil
}

func isAddressField(k string) bool {
	switch strings.ToLower(k) {
	case "from", "sender", "reply-to", "to", "cc":
		return true
	}
	return false
}

// checkAddresses: no local part of an address field holds an encoded word
// a client could decode and show instead of the mailbox.
func checkAddresses(v string) error {
	list, err := (&mail.AddressParser{WordDecoder: new(mime.WordDecoder)}).ParseList(v)
	if err != nil {
		// Real mail has addresses net/mail refuses ("a@host..jp", an
		// empty group) and the sanitizer keeps what it can read of
		// them; an encoded word before the "@" is still refused.
		if strings.Contains(v, "?=@") || strings.Contains(v, "?=\"@") {
			return fmt.Errorf("an encoded word in a local part")
		}
		return nil
	}
	for _, a := range list {
		if local, _, _ := strings.Cut(a.Address, "@"); strings.Contains(local, "=?") {
			return fmt.Errorf("local part of %q holds an encoded word", a.Address)
		}
	}
	return nil
}

func checkLeaf(path []int, part *message.Entity, opt Options, texts *[]Text) error {
	t, params, err := part.Header.ContentType()
	if err != nil {
		return fmt.Errorf("part %v: Content-Type: %w", path, err)
	}
	body, err := io.ReadAll(part.Body)
	if err != nil {
		return fmt.Errorf("part %v: body: %w", path, err)
	}
	switch {
	case t == "text/plain" && strings.EqualFold(params["charset"], "utf-8"):
	case opt.AllowImages && (t == "image/png" || t == "image/jpeg"):
		return nil
	default:
		return fmt.Errorf("part %v: leaf of type %q charset %q is not allowed", path, t, params["charset"])
	}
	s := string(body)
	if !utf8.ValidString(s) {
		return fmt.Errorf("part %v: text is not valid UTF-8", path)
	}
	if err := checkText(s); err != nil {
		return fmt.Errorf("part %v: %w", path, err)
	}
	if blocks := payload.Find(strings.ReplaceAll(s, "\r\n", "\n"), payload.Options{}); len(blocks) > 0 {
		return fmt.Errorf("part %v: an encoded %s payload survived", path, blocks[0].Kind)
	}
	_, dp, _ := part.Header.ContentDisposition()
	*texts = append(*texts, Text{Filename: dp["filename"], Body: strings.ReplaceAll(s, "\r\n", "\n")})
	return nil
}

// checkText: no NUL, no C0/C1 control except TAB, CR, LF, no BOM, no bidi
// embedding, override or isolate, no other invisible format character
// (general category Cf, TAG characters among them) but the visible
// prepended concatenation marks and joiners between two visible non-ASCII
// characters, no line or paragraph separator and no Hangul filler
// (DESIGN.md invariant 3).
func checkText(s string) error {
	prev := rune(0)
	for i, r := range s {
		switch {
		case r == '\t' || r == '\r' || r == '\n':
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			return fmt.Errorf("control character U+%04X at byte %d", r, i)
		case r == 0xfeff:
			return fmt.Errorf("BOM at byte %d", i)
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return fmt.Errorf("bidi control U+%04X at byte %d", r, i)
		case r == 0x200c || r == 0x200d:
			next, n := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
			if n == 0 || !joinable(prev) || !joinable(next) {
				return fmt.Errorf("joiner U+%04X at byte %d between U+%04X and U+%04X", r, i, prev, next)
			}
		case r == 0x2028 || r == 0x2029 || r == 0x3164 || r == 0xffa0:
			return fmt.Errorf("invisible character U+%04X at byte %d", r, i)
		case unicode.Is(unicode.Cf, r) && !visibleFormat(r):
			return fmt.Errorf("invisible format character U+%04X at byte %d", r, i)
		}
		prev = r
	}
	return nil
}

// joinable reports a character a ZWJ or ZWNJ may stand beside.
func joinable(r rune) bool {
	return r >= 0x80 && unicode.IsGraphic(r) && !unicode.IsSpace(r)
}

// visibleFormat reports the format characters that are drawn.
func visibleFormat(r rune) bool {
	return r >= 0x0600 && r <= 0x0605 || r == 0x06dd || r == 0x070f || r == 0x0890 || r == 0x0891 ||
		r == 0x08e2 || r == 0x110bd || r == 0x110cd || r >= 0x13430 && r <= 0x1343f
}

// ErrNotSanitized reports that a message lacks the sanitizer's marker.
var ErrNotSanitized = errors.New("no X-Mugai-Sanitized field")

// Summary returns the X-Mugai-Sanitized value of a message.
func Summary(raw []byte) (string, error) {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return "", err
	}
	v := h.Get("X-Mugai-Sanitized")
	if v == "" {
		return "", ErrNotSanitized
	}
	return v, nil
}
