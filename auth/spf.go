package auth

import (
	"context"
	"errors"
	"net"
	"strings"

	"blitiri.com.ar/go/spf"
)

// checkSPF runs check_host() (RFC 7208 §4) for the client address and the
// MAIL FROM identity, or the HELO identity when the reverse-path is null
// (§2.4).
func checkSPF(ctx context.Context, r Resolver, in Input) SPFResult {
	res := SPFResult{Identity: IdentityMailFrom}
	sender := in.MailFrom
	domain := domainOf(sender)
	if sender == "" {
		// §2.4: the null sender is checked as postmaster@<HELO name>.
		res.Identity = IdentityHelo
		domain, _ = asciiDomain(in.Helo)
		sender = "postmaster@" + domain
	}
	res.Domain = domain
	switch {
	case !in.Client.IsValid():
		res.Value, res.Reason = None, "client address unknown"
		return res
	case domain == "" || !strings.Contains(domain, "."):
		// §4.3: a malformed or single-label domain gives "none".
		res.Value, res.Reason = None, "no domain to check"
		return res
	}
	// blitiri's check splits the sender at its first "@"; a quoted local
	// part may hold one, so give it the local part without.
	local := sender[:strings.LastIndexByte(sender, '@')]
	sender = strings.ReplaceAll(local, "@", "") + "@" + domain
	ip := net.IP(in.Client.Unmap().AsSlice())
	helo := in.Helo
	v, err := spf.CheckHostWithSender(ip, helo, sender, spf.WithResolver(r), spf.WithContext(ctx))
	res.Value = spfValue(v)
	res.Reason = spfReason(res.Value, err)
	return res
}

func spfValue(v spf.Result) Value {
	switch v {
	case spf.Pass:
		return Pass
	case spf.Fail:
		return Fail
	case spf.SoftFail:
		return SoftFail
	case spf.Neutral:
		return Neutral
	case spf.TempError:
		return TempError
	case spf.PermError:
		return PermError
	}
	return None
}

// spfReason explains a result in a few words. The library's error is also
// set on success ("matched ip"); only failures and errors need a reason.
func spfReason(v Value, err error) string {
	switch {
	case err == nil || v == Pass:
		return ""
	case v == None && (errors.Is(err, spf.ErrNoResult) || isNotFound(err)):
		return "no SPF record"
	case v == TempError:
		return "DNS lookup failed"
	}
	return strings.TrimPrefix(err.Error(), "spf: ")
}
