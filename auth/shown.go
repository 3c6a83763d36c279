package auth

import "strings"

// ShownFrom compares the authors the rebuilt message's From field shows
// (the sanitizer's reading, which salvages broken fields that Check
// refuses) with the author Check authenticated. They must be the same
// address: otherwise one address would be checked and another shown. On
// a difference — another address, another domain, no author, or an
// author of another domain beside it — the From field counts as a
// problem (ProblemFrom) and DMARC, evaluated for a domain the reader does
// not see, as permerror. It reports whether they agreed; results already
// without an authenticated author (skipped, or a From problem) agree with
// anything.
func (r *Results) ShownFrom(authors []string) bool {
	if r.Skipped || r.From.Problem != "" {
		return true
	}
	same := len(authors) > 0 && sameAddress(authors[0], r.From.Address)
	for _, a := range authors {
		same = same && domainOf(a) == r.From.Domain
	}
	if same {
		return true
	}
	r.From.Problem = "the From shown is not the From checked"
	r.DMARC.Value, r.DMARC.Reason = PermError, "From field read differently"
	r.DMARC.SPFAligned, r.DMARC.DKIMAligned = false, false
	return false
}

// sameAddress compares two addr-specs: the local part as written, the
// domain in its lower-case ASCII form.
func sameAddress(a, b string) bool {
	ia, ib := strings.LastIndexByte(a, '@'), strings.LastIndexByte(b, '@')
	if ia < 0 || ib < 0 || a[:ia] != b[:ib] {
		return false
	}
	da, oka := asciiDomain(a[ia+1:])
	db, okb := asciiDomain(b[ib+1:])
	return oka && okb && da == db
}
