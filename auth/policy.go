package auth

import (
	"slices"

	"github.com/emersion/go-msgauth/dmarc"

	"github.com/mugai/mugai/smtpd/reply"
)

// FailAction is what happens to a message that failed authentication
// (auth.on_fail).
type FailAction string

const (
	// FailTag delivers it with the subject tag and a notice.
	FailTag FailAction = "tag"
	// FailQuarantine holds it (in the vault) instead of delivering it.
	FailQuarantine FailAction = "quarantine"
	// FailReject refuses it with a 550.
	FailReject FailAction = "reject"
)

// TempErrorAction is what happens to a message whose authentication could
// not be determined because of a temporary error (auth.on_temperror).
type TempErrorAction string

const (
	// TempDeliver delivers it with a notice that it could not be checked.
	TempDeliver TempErrorAction = "deliver"
	// TempDefer answers 451 so the sender retries later.
	TempDefer TempErrorAction = "defer"
)

// Policy is the gateway's policy for authentication results (the auth.*
// keys of the configuration).
type Policy struct {
	OnFail      FailAction
	OnTempError TempErrorAction
	// SubjectTag is put before the subject of a message that failed or
	// shows signs of impersonation, e.g. "[なりすまし注意]"; "" for none.
	SubjectTag string
	// HonorReject rejects a DMARC failure whose domain publishes p=reject
	// (pct=100), whatever OnFail says.
	HonorReject bool
	// ExternalTag is put before the subject of every message from outside
	// (Facts.External), e.g. "[外部]"; "" for none.
	ExternalTag string
	// FirstContactNote adds a notice line when Facts.FirstContact.
	FirstContactNote bool
	// Language of the notice sentences: "ja" (default) or "en".
	Language string
}

// Facts are what the relay knows about a message beyond the checks.
type Facts struct {
	// External is true for mail from outside the organization (from the
	// Internet side), which ExternalTag marks.
	External bool
	// FirstContact is true when the sender has never written to the
	// recipient before, as the vault's index knows.
	FirstContact bool
}

// Severity says how a Problem counts.
type Severity int

const (
	// SeverityFail: authentication failed; Policy.OnFail applies.
	SeverityFail Severity = iota + 1
	// SeverityWarn: a sign of impersonation; tagged and noted, never
	// refused, since real mail shows them too.
	SeverityWarn
	// SeverityTemp: the result could not be determined for now.
	SeverityTemp
)

// ProblemCode names a problem; the codes are stable (logs, metrics).
type ProblemCode string

const (
	ProblemDMARC       ProblemCode = "dmarc"        // DMARC fail
	ProblemSPF         ProblemCode = "spf"          // SPF fail, no DMARC policy, no aligned pass
	ProblemDKIM        ProblemCode = "dkim"         // the From domain's signature broken, no DMARC policy, no aligned pass
	ProblemFrom        ProblemCode = "from"         // no, several or unreadable From
	ProblemDisplayName ProblemCode = "display-name" // display name shows another address
	ProblemLookalike   ProblemCode = "lookalike"    // From domain looks like a protected one
	ProblemTempError   ProblemCode = "temperror"    // could not check now
)

// Problem is one reason a message is suspect.
type Problem struct {
	Code     ProblemCode
	Severity Severity
}

// Problems judges the Results. Most .lg.jp domains publish no DMARC
// record, so a gateway cannot rely on senders' policies alone: without a
// record (or with a broken one), and without an aligned pass, a hard SPF
// fail or a broken signature of the From domain counts as a failure too.
func (r *Results) Problems() []Problem {
	if r.Skipped {
		return nil
	}
	var out []Problem
	add := func(c ProblemCode, s Severity) { out = append(out, Problem{c, s}) }
	d := r.DMARC
	alignedPass := d.SPFAligned || d.DKIMAligned
	switch {
	case r.From.Problem != "":
		add(ProblemFrom, SeverityFail)
	case d.Value == Fail:
		add(ProblemDMARC, SeverityFail)
	case d.Value == TempError:
		add(ProblemTempError, SeverityTemp)
	case (d.Value == None || d.Value == PermError) && !alignedPass:
		if r.SPF.Value == Fail {
			add(ProblemSPF, SeverityFail)
		}
		for _, k := range r.DKIM {
			if k.Value == Fail && aligned(k.Domain, r.From.Domain, dmarc.AlignmentRelaxed) {
				add(ProblemDKIM, SeverityFail)
				break
			}
		}
		if len(out) == 0 && r.SPF.Value == TempError {
			add(ProblemTempError, SeverityTemp)
		}
	}
	for _, f := range r.Findings {
		switch f.Kind {
		case DisplayNameAddress:
			add(ProblemDisplayName, SeverityWarn)
		case Lookalike:
			add(ProblemLookalike, SeverityWarn)
		}
	}
	return out
}

// Action is what the relay does with the message.
type Action string

const (
	Deliver    Action = "deliver"
	Quarantine Action = "quarantine"
	Reject     Action = "reject"
	Defer      Action = "defer"
)

// Verdict is the decision for one message.
type Verdict struct {
	Action Action
	// Problems are Results.Problems(), for the log and the metrics.
	Problems []Problem
	// SubjectTags go before the subject, in order, each only when the
	// subject does not hold it yet (sanitize.Additions.SubjectTags does
	// that, on the subject the rebuilt message shows).
	SubjectTags []string
	// Notice holds the sentences for the notice of the rebuilt message,
	// one per line, in Policy.Language.
	Notice []string
	// Reply is the SMTP reply for Reject and Defer, nil otherwise. It is
	// an error the relay passes to the client as is.
	Reply *reply.Reply
}

// Err returns the Reply as an error for Reject and Defer, else nil.
func (v Verdict) Err() error {
	if v.Reply == nil {
		return nil
	}
	return v.Reply
}

// Codes returns the problem codes, for a log field or metric labels.
func (v Verdict) Codes() []string {
	out := make([]string, len(v.Problems))
	for i, p := range v.Problems {
		out[i] = string(p.Code)
	}
	return out
}

// failReply is the 550 reply of Reject for a problem (RFC 7372 §3 for
// the codes of SPF, DKIM and combined failures).
func failReply(code ProblemCode) *reply.Reply {
	switch code {
	case ProblemDMARC:
		return reply.New(reply.MailboxUnavailable, reply.SecurityMultipleAuthFailed, "Sender domain authentication (DMARC) failed")
	case ProblemSPF:
		return reply.New(reply.MailboxUnavailable, reply.SecuritySPFFailed, "SPF validation failed")
	case ProblemDKIM:
		return reply.New(reply.MailboxUnavailable, reply.SecurityNoPassingDKIM, "No passing DKIM signature found")
	case ProblemFrom:
		return reply.New(reply.MailboxUnavailable, reply.SecurityDeliveryNotAuthorized, "From header field missing or invalid, sender cannot be authenticated")
	}
	return reply.New(reply.MailboxUnavailable, reply.SecurityDeliveryNotAuthorized, "Sender authentication failed")
}

// Decide turns the Results and the policy into a Verdict:
//
//   - a DMARC failure of a domain publishing p=reject (pct=100) is
//     rejected when Policy.HonorReject;
//   - any other failure gets Policy.OnFail: tag, quarantine or reject;
//   - signs of impersonation are tagged and noted;
//   - a temporary error is deferred (451 4.4.3) with OnTempError defer,
//     else noted;
//   - the external tag and the first-contact note are added as set.
func Decide(res *Results, p Policy, f Facts) Verdict {
	v := Verdict{Action: Deliver, Problems: res.Problems()}
	var fail *Problem
	suspect, temp := false, false
	for i, pr := range v.Problems {
		switch pr.Severity {
		case SeverityFail:
			if fail == nil {
				fail = &v.Problems[i]
			}
			suspect = true
		case SeverityWarn:
			suspect = true
		case SeverityTemp:
			temp = true
		}
	}
	d := res.DMARC
	switch {
	case p.HonorReject && d.Value == Fail && d.Policy == PolicyReject && d.Percent >= 100:
		v.Action = Reject
		v.Reply = reply.New(reply.MailboxUnavailable, reply.SecurityMultipleAuthFailed, "Rejected by the DMARC policy of "+d.Domain)
	case fail != nil && p.OnFail == FailReject:
		v.Action, v.Reply = Reject, failReply(fail.Code)
	case fail != nil && p.OnFail == FailQuarantine:
		v.Action = Quarantine
	case temp && p.OnTempError == TempDefer:
		v.Action = Defer
		v.Reply = reply.New(reply.LocalError, reply.NetworkDirectoryFailure, "Sender authentication temporarily unavailable, try again later")
	}
	if suspect && p.SubjectTag != "" {
		v.SubjectTags = append(v.SubjectTags, p.SubjectTag)
	}
	if f.External && p.ExternalTag != "" {
		v.SubjectTags = append(v.SubjectTags, p.ExternalTag)
	}
	v.SubjectTags = slices.Compact(v.SubjectTags)
	v.Notice = notice(res, v.Problems, p.Language, f.FirstContact && p.FirstContactNote)
	return v
}
