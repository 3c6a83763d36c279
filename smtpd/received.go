package smtpd

import (
	"crypto/tls"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// receivedHeader is the trace field we add on top of the filtered message
// (RFC 5321 §4.4, syntax in RFC 5321 §4.4 "Time-stamp-line" and RFC 5322
// §3.6.7), folded at clause boundaries:
//
//	Received: from HELO ([IP])
//		(proxied by [LB-IP])
//		(original client NAME [IP] port N helo=HELO ident=ID via XFORWARD)
//		(using TLSv1.3 with cipher TLS_AES_128_GCM_SHA256)
//		by HOSTNAME (mugai) with ESMTPS id QUEUEID
//		for <rcpt>; Mon, 02 Jan 2006 15:04:05 -0700
//
// We do no reverse DNS lookup, so TCP-info is only the address literal.
// The from clause is the SMTP client, as §4.4 wants ("determined from the
// TCP connection"): behind a load balancer, the client its PROXY header
// named, the balancer's own address in the "proxied by" comment. What an
// upstream MTA reported of its own client (XFORWARD, XCLIENT) is not ours
// to state as the from clause, yet it must not be lost: the rebuilt
// message keeps none of the original's Received: fields, whose first was
// the upstream's record of that client. So it goes into a comment, marked
// with the command that said it. The TLS comment is present when the
// client used STARTTLS; "for" only when there is exactly one recipient,
// since listing several would show each recipient the others (RFC 5321
// §7.2 on Bcc privacy).
func receivedHeader(env *Envelope, hostname string, now time.Time) string {
	var b strings.Builder
	b.WriteString("Received: from ")
	b.WriteString(heloToken(env.Helo))
	b.WriteString(" (")
	b.WriteString(addressLiteral(env.Client.Addr()))
	b.WriteString(")\r\n")
	if env.Proxy.IsValid() {
		b.WriteString("\t(proxied by ")
		b.WriteString(addressLiteral(env.Proxy.Addr()))
		b.WriteString(")\r\n")
	}
	if o := env.Forwarded; o != nil {
		b.WriteString("\t(original client ")
		if o.Name != "" {
			b.WriteString(heloToken(o.Name))
			b.WriteString(" ")
		}
		b.WriteString(addressLiteral(o.Addr))
		if o.Port != 0 {
			b.WriteString(" port ")
			b.WriteString(strconv.Itoa(int(o.Port)))
		}
		if o.Helo != "" {
			b.WriteString(" helo=")
			b.WriteString(heloToken(o.Helo))
		}
		if o.Ident != "" {
			b.WriteString(" ident=")
			b.WriteString(heloToken(o.Ident))
		}
		b.WriteString(" via ")
		b.WriteString(strings.ToUpper(string(o.Via)))
		b.WriteString(")\r\n")
	}
	if env.TLS != nil {
		b.WriteString("\t(using ")
		b.WriteString(tlsVersionName(env.TLS.Version))
		b.WriteString(" with cipher ")
		b.WriteString(tls.CipherSuiteName(env.TLS.CipherSuite))
		b.WriteString(")\r\n")
	}
	b.WriteString("\tby ")
	b.WriteString(hostname)
	b.WriteString(" (mugai) with ")
	b.WriteString(withProtocol(env))
	b.WriteString(" id ")
	b.WriteString(env.ID)
	if len(env.Rcpts) == 1 {
		b.WriteString("\r\n\tfor <")
		b.WriteString(traceText(env.Rcpts[0], env.SMTPUTF8))
		b.WriteString(">")
	}
	b.WriteString("; ")
	b.WriteString(now.Format(time.RFC1123Z)) // RFC 5322 §3.3 date-time
	b.WriteString("\r\n")
	return b.String()
}

// tlsVersionName is "TLSv1.3" in the style of Postfix and OpenSSL.
func tlsVersionName(v uint16) string {
	return strings.ReplaceAll(tls.VersionName(v), " ", "v") // "TLS 1.3"
}

// withProtocol is the "with" keyword from the IANA Mail Transmission Types
// registry: ESMTP, ESMTPS with TLS (RFC 3848), and UTF8SMTP/UTF8SMTPS for
// an SMTPUTF8 transaction (RFC 6531 §3.7.3). The "A" (authenticated)
// forms never apply: mugai offers no AUTH. go-smtp does not tell HELO from
// EHLO, so a HELO client is also recorded as ESMTP.
func withProtocol(env *Envelope) string {
	p := "ESMTP"
	if env.SMTPUTF8 {
		p = "UTF8SMTP"
	}
	if env.TLS != nil {
		p += "S"
	}
	return p
}

// addressLiteral formats an IP as RFC 5321 §4.1.3 address-literal.
func addressLiteral(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return "[unknown]"
	case a.Is4():
		return "[" + a.String() + "]"
	default:
		return "[IPv6:" + a.WithZone("").String() + "]"
	}
}

// heloToken makes the client's unverified HELO argument safe inside the
// header: it may be anything without a space, so characters that would
// end the clause or break the header are replaced.
func heloToken(helo string) string {
	if helo == "" {
		return "unknown"
	}
	if len(helo) > 255 { // RFC 5321 §4.5.3.1.2: a domain is at most 255 octets
		helo = helo[:255]
	}
	b := []byte(helo)
	for i, c := range b {
		if c <= ' ' || c > '~' || c == '(' || c == ')' || c == ';' || c == '\\' {
			b[i] = '?'
		}
	}
	return string(b)
}

// traceText makes an address safe inside the header: control characters
// become '?', and so do non-ASCII bytes unless the transaction is SMTPUTF8
// (whose header may carry UTF-8, RFC 6532 §3).
func traceText(s string, utf8 bool) string {
	b := []byte(s)
	for i, c := range b {
		if c < ' ' || c == 0x7f || (c > 0x7f && !utf8) || c == '<' || c == '>' {
			b[i] = '?'
		}
	}
	return string(b)
}
