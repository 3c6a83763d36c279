package auth

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"
	"golang.org/x/net/idna"

	"github.com/mugai/mugai/sanitize/charset"
	"github.com/mugai/mugai/sanitize/mimeparse"
	"github.com/mugai/mugai/sanitize/textclean"
)

// errHeaderTooLarge is returned by readHeaderSection past its bound.
var errHeaderTooLarge = errors.New("header section too large")

// readHeaderSection reads the header section of a message up to and
// including the empty line that ends it (RFC 5322 §2.1), at most max
// bytes. A message without body and without that line ends at EOF.
func readHeaderSection(br *bufio.Reader, max int) ([]byte, error) {
	var hdr []byte
	for {
		line, err := br.ReadSlice('\n')
		if len(hdr)+len(line) > max {
			return hdr, errHeaderTooLarge
		}
		hdr = append(hdr, line...)
		switch {
		case err == nil:
			if len(line) == 1 || len(line) == 2 && line[0] == '\r' {
				return hdr, nil
			}
		case errors.Is(err, bufio.ErrBufferFull):
			// A long line: keep reading it.
		case err == io.EOF:
			return hdr, nil
		default:
			return hdr, err
		}
	}
}

// parseHeader splits a header section into fields with go-message.
// malformed is true when it stopped at a line that is not a field: what
// follows might be read as header fields by another parser.
func parseHeader(hdr []byte) (h textproto.Header, malformed bool) {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(hdr)))
	return h, err != nil
}

// parseFrom reads the RFC 5322 From field for DMARC (RFC 7489 §6.6.1):
// exactly one field, whose authors all share one domain.
func parseFrom(h textproto.Header, malformed bool) FromHeader {
	if malformed {
		return FromHeader{Problem: "malformed header section"}
	}
	values := h.Values("From")
	switch len(values) {
	case 0:
		return FromHeader{Problem: "no From field"}
	case 1:
	default:
		return FromHeader{Problem: "more than one From field"}
	}
	return parseFromValue(values[0])
}

// parseFromValue reads the value of one From field. The value is prepared
// the way the sanitizer prepares it before parsing (raw 8-bit and
// ISO-2022-JP text decoded, adjacent encoded words joined), so that the
// address checked is the address the rebuilt message shows; unlike the
// sanitizer it does not salvage what net/mail cannot parse, since an
// author we cannot read is one we cannot authenticate.
func parseFromValue(v string) FromHeader {
	raw := []byte(v)
	if !utf8.Valid(raw) || bytes.IndexByte(raw, 0x1b) >= 0 {
		s, _ := charset.Decode(raw, "")
		raw = []byte(s)
	}
	p := mail.AddressParser{WordDecoder: mimeparse.NewWordDecoder()}
	list, err := p.ParseList(string(mimeparse.JoinEncodedWords(raw)))
	if err != nil || len(list) == 0 {
		return FromHeader{Problem: "unreadable From field"}
	}
	var from FromHeader
	for i, a := range list {
		at := strings.LastIndexByte(a.Address, '@')
		if at < 0 {
			return FromHeader{Problem: "From address without a domain"}
		}
		domain, ok := asciiDomain(a.Address[at+1:])
		if !ok {
			return FromHeader{Problem: "invalid From domain"}
		}
		if i == 0 {
			from = FromHeader{Address: a.Address, Name: textclean.Line(a.Name), Domain: domain}
			continue
		}
		if domain != from.Domain {
			// §6.6.1: authors of several domains cannot be authenticated
			// as one.
			return FromHeader{Problem: "From names authors of different domains"}
		}
	}
	return from
}

// asciiDomain returns d lower-cased in ASCII (A-label) form, without a
// trailing dot; ok is false for a name that is not a valid host name.
func asciiDomain(d string) (string, bool) {
	d = strings.TrimSuffix(d, ".")
	a, err := idna.Lookup.ToASCII(d)
	if err != nil || a == "" || strings.HasPrefix(d, "[") {
		return "", false
	}
	return strings.ToLower(a), true
}

// domainOf returns the ASCII domain of an address, "" if it has none.
func domainOf(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	d, ok := asciiDomain(addr[at+1:])
	if !ok {
		return ""
	}
	return d
}

// headerReader is the part of a message the checks read: the header
// section, parsed, and the rest still to be read.
type headerReader struct {
	raw       []byte
	h         textproto.Header
	malformed bool
	tooLarge  bool
}

// readMessageHeader reads the header section of msg through br.
func readMessageHeader(br *bufio.Reader, max int) (*headerReader, error) {
	raw, err := readHeaderSection(br, max)
	switch {
	case errors.Is(err, errHeaderTooLarge):
		return &headerReader{raw: raw, tooLarge: true, malformed: true}, nil
	case err != nil:
		return nil, fmt.Errorf("read message header: %w", err)
	}
	h, malformed := parseHeader(raw)
	return &headerReader{raw: raw, h: h, malformed: malformed}, nil
}
