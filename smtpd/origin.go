package smtpd

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-smtp"

	"github.com/mugai/mugai/smtpd/reply"
)

// Origin is the client that handed the message to the first MTA of the
// chain, as far as this server knows: the input sender authentication
// needs (an SPF check is about the address and HELO of the host that
// connected to the organization's edge, not about the upstream MTA that
// connects to mugai). Every field but Via comes from a peer: from a
// trusted one (a Forwarder or a load balancer), but it is still only what
// that peer said; each was checked for syntax and bounded in size.
type Origin struct {
	// Via says where the fields come from.
	Via OriginVia
	// Addr is the client's address; invalid when the upstream did not
	// know it ([UNAVAILABLE]) or did not say.
	Addr netip.Addr
	// Port is the client's TCP port, 0 when unknown.
	Port uint16
	// Name is the client's host name as the upstream looked it up
	// (reverse DNS), "" when unknown. Unverified here.
	Name string
	// Helo is the name the client gave in HELO or EHLO, "" when unknown.
	Helo string
	// Proto is the protocol the upstream received the message with
	// ("ESMTP", "SMTP", ...), "" when unknown.
	Proto string
	// Ident is the upstream's own queue id of the message (XFORWARD
	// IDENT), "" when unknown: it ties our log line to the upstream's.
	Ident string
	// Local is XFORWARD SOURCE=LOCAL: the upstream says the message was
	// submitted on the upstream host itself, not received from a client.
	Local bool
	// Login is the SASL login name XCLIENT LOGIN gave, "" when none.
	Login string
}

// OriginVia says how the Origin is known.
type OriginVia string

// The sources of an Origin.
const (
	// ViaConnection: the SMTP client itself; nobody reported another.
	ViaConnection OriginVia = "connection"
	// ViaProxy: the client a load balancer's PROXY header named.
	ViaProxy OriginVia = "proxy"
	// ViaXForward: the upstream's XFORWARD command, for one transaction.
	ViaXForward OriginVia = "xforward"
	// ViaXClient: the upstream's XCLIENT command, for the session.
	ViaXClient OriginVia = "xclient"
)

// Origin is the original client: the one an upstream reported with
// XFORWARD or XCLIENT when it did, otherwise the connecting client (named
// by a load balancer's PROXY header, or the TCP peer) and its HELO.
func (e *Envelope) Origin() Origin {
	if e.Forwarded != nil {
		return *e.Forwarded
	}
	via := ViaConnection
	if e.Proxy.IsValid() {
		via = ViaProxy
	}
	return Origin{Via: via, Addr: e.Client.Addr(), Port: e.Client.Port(), Helo: e.Helo}
}

// The attributes mugai accepts, as it announces them in EHLO. XFORWARD's
// are those of Postfix's XFORWARD_README, XCLIENT's those of its
// XCLIENT_README (DESTADDR and DESTPORT are checked and ignored: mugai
// knows where it listens).
const (
	xforwardAttrs = "NAME ADDR PORT PROTO HELO IDENT SOURCE"
	xclientAttrs  = "NAME ADDR PORT PROTO HELO LOGIN DESTADDR DESTPORT"
)

// Bounds of attribute values (Postfix's XFORWARD_README and
// XCLIENT_README, note 1: at most 255 characters; a protocol name at
// most 64).
const (
	maxAttrValue = 255
	maxProtoName = 64
)

// forwardUpdate is one parsed XFORWARD or XCLIENT command: the attributes
// it sets, applied in order onto the current Origin.
type forwardUpdate struct {
	set     []func(*Origin)
	setHelo bool // HELO was given (perhaps as [UNAVAILABLE])
}

// parseForward parses the arguments of an XFORWARD or XCLIENT command
// (verb is either): attribute=value pairs, the values xtext (RFC 3461
// §4), [UNAVAILABLE] or [TEMPUNAVAIL] in any letter case (the notes of
// both READMEs). Every value the upstream sends comes, in the end, from
// the Internet client, so each is checked for syntax and bound; anything
// wrong refuses the whole command with 501 5.5.4, as Postfix does, and
// changes nothing.
func parseForward(verb, args string) (forwardUpdate, *smtp.SMTPError) {
	var u forwardUpdate
	allowed := xforwardAttrs
	if verb == "XCLIENT" {
		allowed = xclientAttrs
	}
	fields := strings.Fields(args)
	if len(fields) == 0 {
		return u, wire(reply.ParameterSyntax, reply.ProtocolInvalidArguments, "Syntax: "+verb+" attribute=value...")
	}
	for _, f := range fields {
		name, raw, ok := strings.Cut(f, "=")
		name = strings.ToUpper(name)
		if !ok || name == "" || !containsWord(allowed, name) {
			return forwardUpdate{}, wire(reply.ParameterSyntax, reply.ProtocolInvalidArguments, fmt.Sprintf("Bad %s attribute name: %.64s", verb, safeText(name)))
		}
		set, err := parseAttr(verb, name, raw)
		if err != nil {
			return forwardUpdate{}, wire(reply.ParameterSyntax, reply.ProtocolInvalidArguments, fmt.Sprintf("Bad %s %s syntax: %v", verb, name, err))
		}
		if set != nil {
			u.set = append(u.set, set)
		}
		if name == "HELO" {
			u.setHelo = true
		}
	}
	return u, nil
}

// parseAttr checks one attribute and returns how it changes an Origin
// (nil for the ones mugai ignores).
func parseAttr(verb, name, raw string) (func(*Origin), error) {
	if len(raw) > 3*maxAttrValue { // every octet xtext-encoded
		return nil, fmt.Errorf("longer than %d characters", maxAttrValue)
	}
	v, err := decodeXtext(raw)
	if err != nil {
		return nil, err
	}
	unknown := strings.EqualFold(v, "[UNAVAILABLE]") || strings.EqualFold(v, "[TEMPUNAVAIL]")
	if unknown {
		v = ""
	}
	if len(v) > maxAttrValue {
		return nil, fmt.Errorf("longer than %d characters", maxAttrValue)
	}
	switch name {
	case "ADDR", "DESTADDR":
		var a netip.Addr
		if !unknown {
			if a, err = parseForwardAddr(v); err != nil {
				return nil, err
			}
		}
		if name == "DESTADDR" {
			return nil, nil
		}
		return func(o *Origin) { o.Addr = a }, nil
	case "PORT", "DESTPORT":
		var p uint64
		if !unknown {
			if p, err = strconv.ParseUint(v, 10, 16); err != nil {
				return nil, fmt.Errorf("not a port number")
			}
		}
		if name == "DESTPORT" {
			return nil, nil
		}
		return func(o *Origin) { o.Port = uint16(p) }, nil
	case "NAME":
		if !unknown && !isHostName(v) {
			return nil, fmt.Errorf("not a host name")
		}
		return func(o *Origin) { o.Name = v }, nil
	case "PROTO":
		switch {
		case unknown:
		case verb == "XCLIENT" && !strings.EqualFold(v, "SMTP") && !strings.EqualFold(v, "ESMTP"):
			return nil, fmt.Errorf("SMTP or ESMTP expected") // XCLIENT_README
		case len(v) > maxProtoName || !isToken(v):
			return nil, fmt.Errorf("not a protocol name")
		}
		return func(o *Origin) { o.Proto = v }, nil
	case "SOURCE":
		var local bool
		switch {
		case unknown:
		case strings.EqualFold(v, "LOCAL"):
			local = true
		case !strings.EqualFold(v, "REMOTE"):
			return nil, fmt.Errorf("LOCAL or REMOTE expected")
		}
		return func(o *Origin) { o.Local = local }, nil
	}
	// HELO, IDENT, LOGIN: free text, within what a header may show.
	if err := checkAttrText(v); err != nil {
		return nil, err
	}
	switch name {
	case "HELO":
		return func(o *Origin) { o.Helo = v }, nil
	case "IDENT":
		return func(o *Origin) { o.Ident = v }, nil
	default: // LOGIN
		return func(o *Origin) { o.Login = v }, nil
	}
}

// parseForwardAddr reads an ADDR value: IPv4 dotted, or IPv6 after the
// "IPV6:" prefix (in any case; an unprefixed IPv6 address is taken too).
// Address information is not enclosed in [] (both READMEs).
func parseForwardAddr(v string) (netip.Addr, error) {
	if len(v) > 5 && strings.EqualFold(v[:5], "IPV6:") {
		v = v[5:]
	}
	a, err := netip.ParseAddr(v)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("not an IP address")
	}
	return a.Unmap(), nil
}

// checkAttrText accepts printable UTF-8 without spaces: after xtext
// decoding a value must not contain control characters or white space
// (XFORWARD_README note 1). Characters that are special in a header are
// replaced where the value is written into one (heloToken).
func checkAttrText(v string) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("invalid UTF-8")
	}
	for _, r := range v {
		// Cf holds the bidi overrides, as in checkAddress.
		if unicode.IsSpace(r) || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) {
			return fmt.Errorf("control character or space")
		}
	}
	return nil
}

// isHostName accepts a DNS host name (letters, digits, hyphens and, as
// host names on the Internet do carry them, underscores), at most 255
// octets with labels of at most 63.
func isHostName(v string) bool {
	if v == "" || len(v) > maxAttrValue {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(v, "."), ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !isLetterDigit(c) && c != '-' && c != '_' {
				return false
			}
		}
	}
	return true
}

// isToken accepts letters, digits, '-', '_' and '.'.
func isToken(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; !isLetterDigit(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return v != ""
}

func isLetterDigit(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// containsWord reports whether the space-separated list holds w.
func containsWord(list, w string) bool {
	for _, x := range strings.Fields(list) {
		if x == w {
			return true
		}
	}
	return false
}

// decodeXtext decodes RFC 3461 §4 xtext: "+" and two upper-case hex
// digits stand for an octet; the other characters are printable ASCII
// other than "+" and "=". (go-smtp has a decoder, but does not export it.)
func decodeXtext(s string) (string, error) {
	if !strings.Contains(s, "+") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '+' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(s) || !isUpperHex(s[i+1]) || !isUpperHex(s[i+2]) {
			return "", fmt.Errorf("bad xtext escape")
		}
		n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
		b.WriteByte(byte(n))
		i += 2
	}
	return b.String(), nil
}

func isUpperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }
