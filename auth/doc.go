// Package auth checks who sent a message before mugai rebuilds it, and
// says so on the rebuilt message.
//
// The rebuild destroys the evidence: a DKIM signature cannot survive it
// and the upstream's Authentication-Results field is not copied, so the
// checks run on the original, as the relay spooled it:
//
//   - SPF (RFC 7208) of the MAIL FROM identity, or of the HELO identity for
//     the null sender (§2.3, §2.4), with blitiri.com.ar/go/spf;
//   - DKIM (RFC 6376) of every signature, up to a bound, with
//     github.com/emersion/go-msgauth/dkim;
//   - DMARC (RFC 7489) of the RFC 5322 From domain: the policy record with
//     go-msgauth/dmarc, looked up at the From domain and then at its
//     organizational domain (§6.6.3, public suffix list from
//     golang.org/x/net/publicsuffix), and identifier alignment (§3.1);
//   - impersonation beyond DMARC: a display name that holds an address other
//     than the real one, and a From domain that looks like a protected domain
//     (UTS #39 confusable skeleton, IDN homograph, small edit distance,
//     the protected name embedded in another domain).
//
// Or, with Config.TrustedAuthservID, the upstream's own Authentication-
// Results (RFC 8601) of that authserv-id are read instead of checking again.
//
// A lookup failure is a temperror, never a pass (RFC 7208 §2.6.6, RFC 6376
// §3.9, RFC 7489 §6.6.3). All DNS goes through one Resolver: the DNS type
// talks to configured servers (or those of /etc/resolv.conf) with
// github.com/miekg/dns, with timeouts and a bounded cache that respects
// TTLs, and serves SPF, DKIM and DMARC alike.
//
// Three steps, each a function the relay calls in turn:
//
//	res, err := checker.Check(ctx, auth.Input{...}, spooledMessage) // before the rebuild
//	verdict := auth.Decide(res, policy, auth.Message{...})       // deliver, tag, quarantine, reject, defer
//	res.AuthenticationResults(hostname)                           // the one header of the rebuilt message
//
// plus verdict.Notice (the sentences for the notice) and
// verdict.SubjectTags, and res.ShownFrom to compare the From the rebuilt
// message shows with the one checked. The package keeps no global state;
// the Checker is safe for concurrent use.
package auth
