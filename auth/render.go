package auth

import (
	"fmt"
	"strings"

	"github.com/emersion/go-msgauth/authres"

	"github.com/mugai/mugai/sanitize/textclean"
)

// AuthenticationResults returns the value of the one Authentication-Results
// field of the rebuilt message (RFC 8601 §2.2), with authservID (our
// hostname) as the authserv-id:
//
//	gw.city.example.lg.jp; spf=pass smtp.mailfrom=example.jp;
//	 dkim=pass header.d=example.jp header.i=@example.jp; dmarc=pass header.from=example.jp
//
// without the field name and on one line; the header writer folds it.
// Reasons are kept to printable ASCII, so nothing the sender chose can
// break the field. The upstream's fields are never copied (§5): results
// taken from a trusted upstream are written anew under our id.
func (r *Results) AuthenticationResults(authservID string) string {
	if r.Skipped {
		return authres.Format(authservID, nil)
	}
	var results []authres.Result
	spf := &authres.SPFResult{Value: authres.ResultValue(r.SPF.Value), Reason: headerReason(r.SPF.Value, r.SPF.Reason)}
	if r.SPF.Identity == IdentityHelo {
		spf.Helo = headerToken(r.SPF.Domain)
	} else {
		spf.From = headerToken(r.SPF.Domain)
	}
	results = append(results, spf)
	for _, d := range r.DKIM {
		results = append(results, &authres.DKIMResult{
			Value:      authres.ResultValue(d.Value),
			Reason:     headerReason(d.Value, d.Reason),
			Domain:     headerToken(d.Domain),
			Identifier: headerToken(d.Identifier),
		})
	}
	results = append(results, &authres.DMARCResult{
		Value:  authres.ResultValue(r.DMARC.Value),
		Reason: headerReason(r.DMARC.Value, r.DMARC.Reason),
		From:   headerToken(r.DMARC.Domain),
	})
	// authres ends a result without parameters with a space.
	return strings.ReplaceAll(authres.Format(authservID, results), " ;", ";")
}

// headerReason is the reason= of a result: none for a pass, and only
// printable ASCII without quotes or backslashes, at most 80 characters.
func headerReason(v Value, reason string) string {
	if v == Pass {
		return ""
	}
	var b strings.Builder
	for _, c := range []byte(reason) {
		if b.Len() == 80 {
			break
		}
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\'')
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			b.WriteByte('?')
		}
	}
	return strings.TrimSpace(b.String())
}

// headerToken keeps an identifier only when it is printable ASCII without
// spaces, quotes, backslashes or semicolons.
func headerToken(s string) string {
	for _, c := range []byte(s) {
		if c <= 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == ';' || c == '(' || c == ')' {
			return ""
		}
	}
	return s
}

// notice writes the notice sentences for the problems of a message.
func notice(r *Results, problems []Problem, lang string, firstContact bool) []string {
	en := lang == "en"
	var out []string
	// Addresses and domains come from the sender: each sentence is made
	// one clean line (no controls, no bidi overrides) like any notice text.
	say := func(ja, english string) {
		if en {
			out = append(out, textclean.Line(english))
		} else {
			out = append(out, textclean.Line(ja))
		}
	}
	const forgedJA, forgedEN = "差出人を偽ったメールの可能性があります。", "The sender may be forged."
	for _, p := range problems {
		switch p.Code {
		case ProblemDMARC, ProblemSPF, ProblemDKIM:
			m := strings.ToUpper(string(p.Code))
			say("差出人のドメイン認証 ("+m+") に失敗しました。"+forgedJA,
				"The sender's domain authentication ("+m+") failed. "+forgedEN)
		case ProblemFrom:
			say("差出人 (From) の欄がないか不正なため、差出人を確認できませんでした。"+forgedJA,
				"The From field is missing or malformed, so the sender could not be verified. "+forgedEN)
		case ProblemTempError:
			say("一時的な問題 (DNS) のため、差出人のドメイン認証を確認できませんでした。",
				"The sender's domain authentication could not be checked because of a temporary (DNS) problem.")
		case ProblemDisplayName:
			f := finding(r, DisplayNameAddress)
			say(fmt.Sprintf("差出人の表示名に、実際の差出人 (%s) とは別のアドレス (%s) が書かれています。%s", f.Real, f.Shown, forgedJA),
				fmt.Sprintf("The sender's display name shows an address (%s) other than the real sender (%s). %s", f.Shown, f.Real, forgedEN))
		case ProblemLookalike:
			f := finding(r, Lookalike)
			shown := f.Shown
			if u := unicodeDomain(shown); u != shown {
				shown += " (" + u + ")"
			}
			say(fmt.Sprintf("差出人のドメイン %s は %s に似ていますが、別のドメインです。%s", shown, f.Real, forgedJA),
				fmt.Sprintf("The sender's domain %s looks like %s but is a different domain. %s", shown, f.Real, forgedEN))
		}
	}
	if firstContact && r.From.Address != "" {
		say(fmt.Sprintf("この差出人 (%s) から初めて届いたメールです。", r.From.Address),
			fmt.Sprintf("This is the first message from this sender (%s).", r.From.Address))
	}
	return out
}

// finding returns the first finding of a kind.
func finding(r *Results, k FindingKind) Finding {
	for _, f := range r.Findings {
		if f.Kind == k {
			return f
		}
	}
	return Finding{}
}
