package sanitize

// AuthReport is the sender authentication of the original: checked by the
// relay before the rebuild (package auth), and recorded in the Report so
// that the one record of a message holds it too. The sanitizer never
// fills it (`mugai sanitize` checks nothing); docs/report.md describes
// its fields.
type AuthReport struct {
	// Skipped says why nothing was checked: "disabled" (auth.enabled is
	// false) or "internal" (mail from relay.internal_networks); "" when
	// checked.
	Skipped string `json:"skipped,omitempty"`
	// Upstream is the authserv-id whose Authentication-Results were used
	// instead of checking SPF and DKIM here (auth.trusted_authserv_id).
	Upstream string `json:"upstream,omitempty"`
	// Client and Helo are the original client SPF was checked for, and Via
	// where they come from ("connection", "proxy", "xforward", "xclient");
	// Client is "" when it is unknown (a forwarder that did not say).
	Client string `json:"client,omitempty"`
	Helo   string `json:"helo,omitempty"`
	Via    string `json:"via,omitempty"`
	// SPF, DKIM (one per signature) and DMARC are the results.
	SPF   AuthResult   `json:"spf"`
	DKIM  []AuthResult `json:"dkim"`
	DMARC AuthResult   `json:"dmarc"`
	// From is the author address that was authenticated; FromProblem says
	// why none could be ("no From field", "the From shown is not the From
	// checked", ...).
	From        string `json:"from,omitempty"`
	FromProblem string `json:"from_problem,omitempty"`
	// Findings are the signs of impersonation.
	Findings []AuthFinding `json:"findings,omitempty"`
	// Problems are the problem codes that counted (dmarc, spf, dkim, from,
	// display-name, lookalike, temperror).
	Problems []string `json:"problems,omitempty"`
	// Action is what the relay did: deliver, quarantine, reject or defer.
	Action string `json:"action"`
}

// AuthResult is the result of one method.
type AuthResult struct {
	// Result is none, pass, fail, softfail, neutral, temperror or
	// permerror (RFC 8601 §2.7).
	Result string `json:"result"`
	// Domain is the domain checked: SPF's MAIL FROM or HELO domain, the
	// DKIM signing domain (d=), the DMARC From domain.
	Domain string `json:"domain,omitempty"`
	// Identity is SPF's identity: mailfrom or helo.
	Identity string `json:"identity,omitempty"`
	// Identifier is a DKIM signature's i=.
	Identifier string `json:"identifier,omitempty"`
	// Policy is DMARC's policy for the domain (none, quarantine, reject);
	// Aligned names the passing methods aligned with the From domain
	// (spf, dkim).
	Policy  string   `json:"policy,omitempty"`
	Aligned []string `json:"aligned,omitempty"`
	// Reason says why, in English, for results other than pass.
	Reason string `json:"reason,omitempty"`
}

// AuthFinding is one sign of impersonation.
type AuthFinding struct {
	// Kind is display-name-address or lookalike.
	Kind string `json:"kind"`
	// Shown is the address in the display name, or the From domain; Real
	// the real address, or the protected domain Shown looks like.
	Shown string `json:"shown"`
	Real  string `json:"real"`
	// How is a lookalike's technique: confusable, homograph, typo,
	// cousin or embedded.
	How string `json:"how,omitempty"`
}

// DKIMSummary is one DKIM result for the message: pass when a signature
// passed, else the first signature's result (none without one). The log
// line and the metrics count messages by it.
func (r *AuthReport) DKIMSummary() string {
	for _, d := range r.DKIM {
		if d.Result == "pass" {
			return d.Result
		}
	}
	if len(r.DKIM) == 0 {
		return "none"
	}
	return r.DKIM[0].Result
}
