package auth

import (
	"context"
	"errors"
	"strings"

	"github.com/emersion/go-msgauth/dmarc"
	"golang.org/x/net/publicsuffix"
)

// orgDomain is the organizational domain of d (RFC 7489 §3.2): the public
// suffix plus one label, or d itself when d is a public suffix.
func orgDomain(d string) string {
	org, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return d
	}
	return org
}

// aligned reports identifier alignment of a with the From domain from
// (RFC 7489 §3.1.1, §3.1.2): equal in strict mode, the same organizational
// domain in relaxed mode.
func aligned(a, from string, mode dmarc.AlignmentMode) bool {
	if a == "" || from == "" {
		return false
	}
	if a == from {
		return true
	}
	return mode != dmarc.AlignmentStrict && orgDomain(a) == orgDomain(from)
}

// dmarcRecord is the outcome of policy discovery (RFC 7489 §6.6.3).
type dmarcRecord struct {
	rec *dmarc.Record
	// atOrg is true when the record came from the organizational domain
	// and not from the From domain itself, so sp= applies.
	atOrg  bool
	value  Value // None (no record), TempError, PermError; "" when found
	reason string
}

// discoverPolicy looks the record up at the From domain, then at its
// organizational domain.
func discoverPolicy(ctx context.Context, r Resolver, from string) dmarcRecord {
	d := lookupDMARC(ctx, r, from)
	if d.value != None {
		return d
	}
	if org := orgDomain(from); org != from {
		d = lookupDMARC(ctx, r, org)
		d.atOrg = true
	}
	return d
}

// lookupDMARC reads the record of one domain with go-msgauth/dmarc.
func lookupDMARC(ctx context.Context, r Resolver, domain string) dmarcRecord {
	var records int
	rec, err := dmarc.LookupWithOptions(domain, &dmarc.LookupOptions{LookupTXT: func(name string) ([]string, error) {
		txts, err := r.LookupTXT(ctx, name)
		for _, t := range txts {
			if isDMARC1(t) {
				records++
			}
		}
		return txts, err
	}})
	switch {
	case records > 1:
		// §6.6.3 step 2: several records mean no policy.
		return dmarcRecord{value: None, reason: "more than one DMARC record"}
	case err == nil:
		return dmarcRecord{rec: rec}
	case errors.Is(err, dmarc.ErrNoPolicy):
		return dmarcRecord{value: None, reason: "no DMARC record"}
	case dmarc.IsTempFail(err):
		return dmarcRecord{value: TempError, reason: "DNS lookup failed"}
	case isTemporary(err):
		return dmarcRecord{value: TempError, reason: "DNS lookup failed"}
	}
	return dmarcRecord{value: PermError, reason: "invalid DMARC record: " + strings.TrimPrefix(err.Error(), "dmarc: ")}
}

// isDMARC1 reports whether a TXT record is a DMARC record: its first tag
// is v=DMARC1 (§6.4).
func isDMARC1(txt string) bool {
	tag, _, _ := strings.Cut(txt, ";")
	k, v, ok := strings.Cut(tag, "=")
	return ok && strings.TrimSpace(k) == "v" && strings.TrimSpace(v) == "DMARC1"
}

// evaluateDMARC computes the DMARC result from the From field, the SPF
// and DKIM results and the discovered policy (RFC 7489 §6.6.2, §4.2):
// pass when an aligned identifier passed. With no aligned pass, a
// temperror of an aligned identifier makes the result unknown (temperror),
// not fail: that lookup might have passed.
func evaluateDMARC(from FromHeader, spfRes SPFResult, dkimRes []DKIMResult, d dmarcRecord) DMARCResult {
	res := DMARCResult{Domain: from.Domain, Percent: 100}
	if from.Problem != "" {
		res.Value, res.Reason = PermError, from.Problem
		return res
	}
	spfMode, dkimMode := dmarc.AlignmentMode(dmarc.AlignmentRelaxed), dmarc.AlignmentMode(dmarc.AlignmentRelaxed)
	if d.rec != nil {
		spfMode, dkimMode = d.rec.SPFAlignment, d.rec.DKIMAlignment
	}
	tempAligned := false
	if aligned(spfRes.Domain, from.Domain, spfMode) {
		res.SPFAligned = spfRes.Value == Pass
		tempAligned = spfRes.Value == TempError
	}
	for _, k := range dkimRes {
		if aligned(k.Domain, from.Domain, dkimMode) {
			res.DKIMAligned = res.DKIMAligned || k.Value == Pass
			tempAligned = tempAligned || k.Value == TempError
		}
	}
	if d.rec == nil {
		res.Value, res.Reason = d.value, d.reason
		return res
	}
	res.Policy = DMARCPolicy(d.rec.Policy)
	if d.atOrg && d.rec.SubdomainPolicy != "" {
		res.Policy = DMARCPolicy(d.rec.SubdomainPolicy)
	}
	if d.rec.Percent != nil {
		res.Percent = *d.rec.Percent
	}
	switch {
	case res.SPFAligned || res.DKIMAligned:
		res.Value = Pass
	case tempAligned:
		res.Value, res.Reason = TempError, "an aligned check failed temporarily"
	default:
		res.Value, res.Reason = Fail, "no aligned SPF or DKIM pass"
	}
	return res
}
