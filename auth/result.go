package auth

// Value is the result of one authentication method, with the meanings of
// RFC 8601 §2.7 (and RFC 7208 §2.6 for SPF's softfail and neutral).
type Value string

const (
	// None: nothing to check (no SPF record, no signature, no DMARC policy).
	None Value = "none"
	// Pass: the method verified the identity.
	Pass Value = "pass"
	// Fail: the method proved the identity not authorized or not genuine.
	Fail Value = "fail"
	// SoftFail: SPF only; probably not authorized (RFC 7208 §2.6.5).
	SoftFail Value = "softfail"
	// Neutral: SPF only; the domain makes no assertion (§2.6.2).
	Neutral Value = "neutral"
	// TempError: a transient failure, usually DNS; the result is unknown.
	TempError Value = "temperror"
	// PermError: the published record or the message is broken.
	PermError Value = "permerror"
)

// valid reports whether v is one of the values above.
func (v Value) valid() bool {
	switch v {
	case None, Pass, Fail, SoftFail, Neutral, TempError, PermError:
		return true
	}
	return false
}

// Identity is the SMTP identity SPF checked (RFC 7208 §2.3, §2.4).
type Identity string

const (
	// IdentityMailFrom is the domain of the MAIL FROM reverse-path.
	IdentityMailFrom Identity = "mailfrom"
	// IdentityHelo is the HELO/EHLO name, checked for the null sender.
	IdentityHelo Identity = "helo"
)

// SPFResult is the SPF check of the client address.
type SPFResult struct {
	Value Value
	// Reason says why, for the log and the header's reason= (RFC 8601
	// §2.7); empty for a plain pass.
	Reason string
	// Identity is what was checked, Domain its domain (lower-case, ASCII);
	// Domain is "" when there was nothing to check.
	Identity Identity
	Domain   string
}

// DKIMResult is the verification of one DKIM-Signature field.
type DKIMResult struct {
	Value  Value
	Reason string
	// Domain is the signing domain (d=), lower-case; Identifier the AUID
	// (i=) as written, or "".
	Domain     string
	Identifier string
}

// DMARCPolicy is a sender's DMARC policy (RFC 7489 §6.3 p= and sp=).
type DMARCPolicy string

const (
	PolicyNone       DMARCPolicy = "none"
	PolicyQuarantine DMARCPolicy = "quarantine"
	PolicyReject     DMARCPolicy = "reject"
)

// DMARCResult is the DMARC evaluation of the From domain.
type DMARCResult struct {
	Value  Value
	Reason string
	// Domain is the RFC 5322 From domain (lower-case, ASCII), "" when the
	// From field gave none.
	Domain string
	// Policy is the policy that applies to Domain (sp= for a subdomain of
	// the organizational domain whose record was used), "" without record.
	Policy DMARCPolicy
	// Percent is the record's pct= (RFC 7489 §6.6.4), 100 when absent.
	Percent int
	// SPFAligned and DKIMAligned say which passing identifier was aligned
	// with Domain (§3.1). They are computed even without a record, in
	// relaxed mode, because the verdict judges unpublished domains too.
	SPFAligned, DKIMAligned bool
}

// FromHeader is the RFC 5322 From field as the checks read it.
type FromHeader struct {
	// Address is the author's addr-spec, Name its decoded display name;
	// Domain the lower-case ASCII (A-label) domain of Address.
	Address, Name, Domain string
	// Problem is non-empty when the field is missing, repeated,
	// unreadable or names authors of different domains (RFC 7489
	// §6.6.1): no domain can then be authenticated.
	Problem string
}

// FindingKind names a kind of impersonation found beyond DMARC.
type FindingKind string

const (
	// DisplayNameAddress: the display name holds an address that is not
	// the author's, e.g. "soumu@city.example.lg.jp" <x@attacker.example>.
	DisplayNameAddress FindingKind = "display-name-address"
	// Lookalike: the From domain looks like a protected domain.
	Lookalike FindingKind = "lookalike"
)

// Finding is one sign of impersonation.
type Finding struct {
	Kind FindingKind
	// Shown is what the reader is shown (the address in the display name,
	// or the From domain); Real is the real address, or the protected
	// domain that Shown looks like.
	Shown, Real string
	// How is the technique for a lookalike: "confusable", "homograph",
	// "typo" or "embedded".
	How string
}

// Results are all the checks of one message: the one record the verdict,
// the header, the notice, the log and the metrics are derived from.
type Results struct {
	SPF SPFResult
	// DKIM has one entry per verified signature, or a single None entry
	// when the message has none.
	DKIM  []DKIMResult
	DMARC DMARCResult
	From  FromHeader
	// Findings are the impersonation signs, in a stable order.
	Findings []Finding
	// Upstream is the authserv-id whose Authentication-Results were used
	// instead of our own SPF/DKIM/DMARC checks, or "" when we checked.
	Upstream string
	// Skipped is true when checking was turned off: every value is None.
	Skipped bool
}
