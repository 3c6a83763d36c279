package auth

import (
	"strings"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-msgauth/authres"
)

// maxUpstreamFields bounds the Authentication-Results fields read.
const maxUpstreamFields = 20

// applyUpstream fills res.SPF, res.DKIM and, when given for our From
// domain, res.DMARC from the Authentication-Results fields of the trusted
// authserv-id. It reports false, changing nothing, when there is none.
// The first spf and dmarc result (from the top of the header, the latest
// added) count; every dkim result counts.
func applyUpstream(res *Results, h textproto.Header, id string) bool {
	var spf *SPFResult
	var dmarc *DMARCResult
	var dkim []DKIMResult
	found := false
	values := h.Values("Authentication-Results")
	for i, v := range values {
		if i == maxUpstreamFields {
			break
		}
		fieldID, results, ok := parseAuthResults(v)
		if !ok || !strings.EqualFold(fieldID, id) {
			continue
		}
		found = true
		for _, r := range results {
			switch r := r.(type) {
			case *authres.SPFResult:
				if spf == nil {
					s := upstreamSPF(r)
					spf = &s
				}
			case *authres.DKIMResult:
				dkim = append(dkim, DKIMResult{
					Value:      upstreamValue(r.Value),
					Reason:     r.Reason,
					Domain:     lowerDomain(r.Domain),
					Identifier: r.Identifier,
				})
			case *authres.DMARCResult:
				if dmarc == nil {
					d := DMARCResult{Value: upstreamValue(r.Value), Reason: r.Reason, Domain: lowerDomain(r.From), Percent: 100}
					dmarc = &d
				}
			}
		}
	}
	if !found {
		return false
	}
	res.Upstream = id
	res.SPF = SPFResult{Value: None, Reason: "no spf result from " + id, Identity: IdentityMailFrom}
	if spf != nil {
		res.SPF = *spf
	}
	res.DKIM = dkim
	if len(res.DKIM) == 0 {
		res.DKIM = []DKIMResult{{Value: None, Reason: "no dkim result from " + id}}
	}
	// A dmarc result counts only for the From domain we read: the
	// upstream may have read another From field than ours.
	if dmarc != nil && dmarc.Value.valid() && res.From.Problem == "" && dmarc.Domain == res.From.Domain {
		d := *dmarc
		// Alignment is recomputed by evaluateDMARC only when we evaluate;
		// here the upstream's verdict stands.
		res.DMARC = d
	}
	return true
}

// upstreamSPF converts an spf result; smtp.mailfrom may be an address or
// a domain (RFC 8601 §2.7.2).
func upstreamSPF(r *authres.SPFResult) SPFResult {
	s := SPFResult{Value: upstreamValue(r.Value), Reason: r.Reason, Identity: IdentityMailFrom}
	switch {
	case r.From != "":
		s.Domain = lowerDomain(r.From)
		if strings.Contains(r.From, "@") {
			s.Domain = domainOf(r.From)
		}
	case r.Helo != "":
		s.Identity, s.Domain = IdentityHelo, lowerDomain(r.Helo)
	}
	return s
}

// upstreamValue maps a result value; RFC 8601 §2.7.2 keeps "hardfail" as
// an old name of fail, and "policy" (§2.7.1: signed, but not acceptable)
// fails too. Anything unknown is a permerror: we cannot read it.
func upstreamValue(v authres.ResultValue) Value {
	switch x := Value(strings.ToLower(string(v))); {
	case x == "hardfail", x == "policy":
		return Fail
	case x.valid():
		return x
	}
	return PermError
}

func lowerDomain(d string) string {
	a, ok := asciiDomain(d)
	if !ok {
		return ""
	}
	return a
}

// parseAuthResults parses one Authentication-Results value with
// go-msgauth/authres. That parser splits the value at every ";" and
// every space, including those inside comments and quoted strings
// (RFC 8601 §2.2 allows both), so a comment or a reason="..." written by
// the upstream (holding text the sender chose) could otherwise be read as
// a result of its own. The value is first lexed by RFC 5322 §3.2 rules:
// comments are removed and, inside quoted strings, ";" and white space
// are replaced, so the library sees only the real structure. A value with
// an unclosed comment or quote is not used.
func parseAuthResults(v string) (id string, results []authres.Result, ok bool) {
	clean, ok := maskAuthResults(v)
	if !ok {
		return "", nil, false
	}
	id, results, err := authres.Parse(clean)
	if err != nil {
		return "", nil, false
	}
	return id, results, true
}

// maskAuthResults does the lexing parseAuthResults describes.
func maskAuthResults(v string) (string, bool) {
	var b strings.Builder
	depth, quoted := 0, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && (quoted || depth > 0):
			// quoted-pair: the next character is literal.
			i++
			if quoted && i < len(v) {
				b.WriteByte(maskQuoted(v[i]))
			}
		case quoted:
			if c == '"' {
				quoted = false
			}
			b.WriteByte(maskQuoted(c))
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
			if depth == 0 {
				b.WriteByte(' ')
			}
		case depth > 0:
		case c == '"':
			quoted = true
			b.WriteByte(c)
		case c == ')':
			return "", false
		default:
			b.WriteByte(c)
		}
	}
	if depth > 0 || quoted {
		return "", false
	}
	return b.String(), true
}

// maskQuoted replaces the characters authres would split on.
func maskQuoted(c byte) byte {
	switch c {
	case ';', ' ', '\t', '\r', '\n':
		return '_'
	}
	return c
}
