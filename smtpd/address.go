package smtpd

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/mugai/mugai/smtpd/reply"
)

// Mailbox is an address of the SMTP envelope, RFC 5321 §4.1.2
// "Mailbox": a local part and a domain.
//
// Its String is the one canonical form mugai uses for an address, to the
// next hop, in the Received: trace, the log and everything downstream:
// the local part as a Dot-string when it is one and as a Quoted-string
// otherwise (§4.1.2: quote only when needed); the domain in lower case,
// an internationalized name as A-labels (RFC 5890), an address literal
// in its shortest form. smtpd puts only canonical forms in an Envelope,
// and only for addresses its policy allows (see checkAddress).
type Mailbox struct {
	// Local is the local part as it is meant, without quotes or escapes.
	// It is case-sensitive (§2.4).
	Local string
	// Domain is the canonical domain or address literal ("[192.0.2.1]",
	// "[IPv6:2001:db8::1]").
	Domain string
}

// String is the mailbox in canonical RFC 5321 form, "" for the zero
// Mailbox (the null reverse-path, §4.5.5).
func (m Mailbox) String() string {
	if m == (Mailbox{}) {
		return ""
	}
	if isDotString(m.Local) {
		return m.Local + "@" + m.Domain
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range m.Local {
		if r == '"' || r == '\\' {
			b.WriteByte('\\') // quoted-pairSMTP, §4.1.2
		}
		b.WriteRune(r)
	}
	b.WriteString(`"@`)
	b.WriteString(m.Domain)
	return b.String()
}

// ParseMailbox parses an address in the form String writes (the inside of
// an RFC 5321 Path, without angle brackets or source route; UTF-8 as
// RFC 6531 allows) and returns it if it is canonical. "" is the zero
// Mailbox. It is how consumers of an Envelope split an address: the
// domain is never found by searching for the last "@".
func ParseMailbox(s string) (Mailbox, error) {
	if s == "" {
		return Mailbox{}, nil
	}
	var local string
	rest := s
	if strings.HasPrefix(s, `"`) {
		var b strings.Builder
		i := 1
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' {
				i++
				if i == len(s) {
					break
				}
			}
			b.WriteByte(s[i])
		}
		if i >= len(s) {
			return Mailbox{}, fmt.Errorf("address %q: unterminated quoted string", s)
		}
		local, rest = b.String(), s[i+1:]
		if !strings.HasPrefix(rest, "@") {
			return Mailbox{}, fmt.Errorf("address %q: no @ after the local part", s)
		}
		rest = rest[1:]
	} else {
		var ok bool
		local, rest, ok = strings.Cut(s, "@")
		if !ok {
			return Mailbox{}, fmt.Errorf("address %q: no @", s)
		}
	}
	m := Mailbox{Local: local, Domain: rest}
	if local == "" || m.String() != s || problem(m) != nil {
		return Mailbox{}, fmt.Errorf("address %q is not in canonical RFC 5321 form", s)
	}
	return m, nil
}

// isDotString reports whether s is an RFC 5321 Dot-string: atoms of
// atext (RFC 5322 §3.2.3, with UTF-8 as RFC 6531 §3.3 allows) joined by
// single dots.
func isDotString(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80, c == '.',
			'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// addressError is why an address is refused, with its reply.
type addressError struct {
	code     reply.Code
	enhanced reply.Enhanced
	text     string
}

func (e *addressError) Error() string { return e.text }

// The refusals of addresses. Syntax errors of the address are 553 with
// X.1.3 for a recipient and X.1.7 for the sender (RFC 3463 §3.2); bytes
// that may never appear in a command are 501 5.5.4; 8-bit without
// SMTPUTF8 is RFC 6531 §3.5's 553 X.6.7.
var (
	errAddrControl   = &addressError{reply.ParameterSyntax, reply.ProtocolInvalidArguments, "Control character or invalid UTF-8 in address"}
	errAddrNeedsUTF8 = &addressError{reply.MailboxNameNotAllowed, reply.MediaNonASCIIAddress, "Non-ASCII address without SMTPUTF8"}
	errAddrAt        = &addressError{reply.MailboxNameNotAllowed, reply.AddressDestinationSyntax, "More than one @ in address"}
	errAddrQuoting   = &addressError{reply.MailboxNameNotAllowed, reply.AddressDestinationSyntax, `Characters " \ < > are not accepted in a local part`}
	errAddrDomain    = &addressError{reply.MailboxNameNotAllowed, reply.AddressDestinationSyntax, "Invalid domain in address"}
	errAddrRouting   = &addressError{reply.MailboxUnavailable, reply.SecurityDeliveryNotAuthorized, "Relay not permitted: % or ! routing in the local part"}
	errAddrLength    = &addressError{reply.MailboxNameNotAllowed, reply.AddressDestinationSyntax, "Address too long"}
)

// maxMailbox bounds a canonical address: RFC 5321 §4.5.3.1.3's 256
// octets for a path, less its angle brackets. It keeps the address, and
// our Received: line that carries it, short.
const maxMailbox = 254

// checkAddress turns the address go-smtp parsed from MAIL or RCPT into
// its canonical form, or refuses it. go-smtp hands over the local part
// with its quotes and escapes removed and everything up to the next
// space or ">" as the domain, so "a@b"@c, a@b@c and the like all arrive
// as the same string: rather than guess which the client meant, an
// address with more than one "@" is refused (the quoted "@" is the
// relay-bypass and source-route trick of issue 19, and never part of a
// real mailbox). The rest of the policy, and why:
//
//   - a control character (C0, DEL, and with SMTPUTF8 the C1 controls,
//     format characters such as bidi overrides, line and paragraph
//     separators) or invalid UTF-8: 501 5.5.4. They end or rewrite
//     commands, log lines and headers.
//   - a byte over 0x7F without SMTPUTF8: 553 5.6.7.
//   - `"`, `\`, `<` or `>` in a local part: 553. Other local parts that
//     are not a Dot-string (a space, two dots, a leading dot...) are
//     accepted and quoted, which RFC 5321 defines and next hops parse;
//     these four are refused because their only use is to make some
//     reader of the address (a next hop, a log parser, a search) end it
//     early. No real mailbox needs them.
//   - for a recipient, "%" or "!" in the local part: 550 5.7.1. A next
//     hop that trusts us may route user%host@ourdomain or host!user@...
//     to host (the "percent hack", UUCP bang paths; Postfix refuses both
//     from untrusted clients, allow_untrusted_routing): the domain we
//     checked would not be where the mail goes.
//   - a domain that is not a valid name or IP address literal, or a
//     canonical form over 254 octets: 553.
func checkAddress(addr string, utf8OK, recipient bool) (Mailbox, error) {
	if addr == "" {
		return Mailbox{}, nil // null reverse-path; go-smtp refuses <> in RCPT
	}
	if err := checkCharacters(addr, utf8OK); err != nil {
		return Mailbox{}, err
	}
	local, domain, _ := strings.Cut(addr, "@")
	if local == "" || strings.Contains(domain, "@") {
		return Mailbox{}, errAddrAt
	}
	if strings.ContainsAny(local, `"\<>`) {
		return Mailbox{}, errAddrQuoting
	}
	if recipient && strings.ContainsAny(local, "%!") {
		return Mailbox{}, errAddrRouting
	}
	d, err := canonicalDomain(domain)
	if err != nil {
		return Mailbox{}, err
	}
	m := Mailbox{Local: local, Domain: d}
	if len(m.String()) > maxMailbox {
		return Mailbox{}, errAddrLength
	}
	return m, nil
}

// problem reports why checkAddress would refuse m as a sender, for
// ParseMailbox (which cannot know whether the transaction is SMTPUTF8,
// so it takes UTF-8).
func problem(m Mailbox) error {
	if err := checkCharacters(m.Local+m.Domain, true); err != nil {
		return err
	}
	if strings.ContainsAny(m.Local, `"\<>@`) {
		return errAddrQuoting
	}
	if d, err := canonicalDomain(m.Domain); err != nil || d != m.Domain {
		return errAddrDomain
	}
	if len(m.String()) > maxMailbox {
		return errAddrLength
	}
	return nil
}

// checkCharacters refuses control characters and, without utf8OK, any
// byte over 0x7F.
func checkCharacters(s string, utf8OK bool) error {
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return errAddrControl
		}
		ascii = ascii && c < 0x80
	}
	if ascii {
		return nil
	}
	if !utf8OK {
		return errAddrNeedsUTF8
	}
	if !utf8.ValidString(s) {
		return errAddrControl
	}
	for _, r := range s {
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) {
			return errAddrControl
		}
	}
	return nil
}

// maxDomain is RFC 5321 §4.5.3.1.2's limit for a domain.
const maxDomain = 255

// canonicalDomain checks a domain as §4.1.2 defines it (with RFC 6531's
// U-labels) and returns its canonical form: letters in lower case, U-labels
// as A-labels, address literals in netip's form, and without the one
// trailing dot that the syntax lacks but clients send (the root; Postfix
// strips it too): "x." and "x" are one domain with one form.
func canonicalDomain(d string) (string, error) {
	if strings.HasPrefix(d, "[") {
		return canonicalLiteral(d)
	}
	d = strings.TrimSuffix(d, ".")
	if d == "" || len(d) > maxDomain {
		return "", errAddrDomain
	}
	labels := strings.Split(d, ".")
	for i, l := range labels {
		l = asciiLower(l)
		switch {
		case l == "":
			return "", errAddrDomain
		case !isASCII(l) || strings.HasPrefix(l, "xn--"):
			// idna's Registration profile refuses what a name may not
			// contain and does no mapping: a label must already be in the
			// form it is registered in (no full-width letters).
			a, err := idna.Registration.ToASCII(l)
			if err != nil || strings.Contains(a, ".") {
				return "", errAddrDomain
			}
			l = a
		case !isLDHLabel(l):
			return "", errAddrDomain
		}
		labels[i] = l
	}
	out := strings.Join(labels, ".")
	if len(out) > maxDomain {
		return "", errAddrDomain
	}
	return out, nil
}

// canonicalLiteral checks an address literal (§4.1.3): an IPv4 address or
// "IPv6:" and an IPv6 address. General address literals (a tag of its
// own) name no standard address family and are refused.
func canonicalLiteral(d string) (string, error) {
	inner, ok := strings.CutSuffix(d[1:], "]")
	if !ok {
		return "", errAddrDomain
	}
	if v6, ok := cutPrefixFold(inner, "IPv6:"); ok {
		a, err := netip.ParseAddr(v6)
		if err != nil || !a.Is6() || a.Zone() != "" || a.Is4In6() {
			return "", errAddrDomain
		}
		return "[IPv6:" + a.String() + "]", nil
	}
	a, err := netip.ParseAddr(inner)
	if err != nil || !a.Is4() {
		return "", errAddrDomain
	}
	return "[" + a.String() + "]", nil
}

// isLDHLabel: Let-dig [Ldh-str] of §4.1.2, at most 63 octets (RFC 1035).
func isLDHLabel(l string) bool {
	if len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

// addressReply is the reply refusing an address: for the sender, X.1.3
// (destination) becomes X.1.7 (sender's address syntax).
func addressReply(err error, sender bool) (code reply.Code, enhanced reply.Enhanced, text string) {
	var ae *addressError
	if !errors.As(err, &ae) {
		return reply.MailboxNameNotAllowed, reply.AddressDestinationSyntax, "Invalid address"
	}
	enhanced = ae.enhanced
	if sender && enhanced == reply.AddressDestinationSyntax {
		enhanced = reply.AddressSenderSyntax
	}
	return ae.code, enhanced, ae.text
}
