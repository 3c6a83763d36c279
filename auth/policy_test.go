package auth

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/authres"
)

// results builds Results for the verdict tests.
func results(spf, dmarc Value, policy DMARCPolicy, dkim ...DKIMResult) *Results {
	if len(dkim) == 0 {
		dkim = []DKIMResult{{Value: None}}
	}
	r := &Results{
		SPF:   SPFResult{Value: spf, Identity: IdentityMailFrom, Domain: "example.jp"},
		DKIM:  dkim,
		DMARC: DMARCResult{Value: dmarc, Domain: "example.jp", Policy: policy, Percent: 100},
		From:  FromHeader{Address: "yamada@example.jp", Domain: "example.jp"},
	}
	r.DMARC.SPFAligned = spf == Pass
	for _, d := range dkim {
		r.DMARC.DKIMAligned = r.DMARC.DKIMAligned || d.Value == Pass && d.Domain == "example.jp"
	}
	return r
}

func TestDecide(t *testing.T) {
	tag := Policy{OnFail: FailTag, OnTempError: TempDeliver, SubjectTag: "[なりすまし注意]"}
	with := func(p Policy, f func(*Policy)) Policy { f(&p); return p }
	lookalikeRes := results(Pass, Pass, PolicyNone)
	lookalikeRes.Findings = []Finding{{Kind: Lookalike, Shown: "exarnple.lg.jp", Real: "city.example.lg.jp", How: "confusable"}}
	noFrom := results(Pass, PermError, "")
	noFrom.From = FromHeader{Problem: "no From field"}

	for _, tc := range []struct {
		name    string
		res     *Results
		policy  Policy
		facts   Facts
		action  Action
		codes   []string
		tags    []string
		reply   string // "550 5.7.26" etc.
		notice0 string // start of the first notice line
	}{
		{"pass", results(Pass, Pass, PolicyReject), tag, Facts{}, Deliver, nil, nil, "", ""},
		{"dmarc fail tagged", results(Fail, Fail, PolicyReject), tag, Facts{}, Deliver, []string{"dmarc"}, []string{"[なりすまし注意]"}, "",
			"差出人のドメイン認証 (DMARC) に失敗しました。差出人を偽ったメールの可能性があります。"},
		{"dmarc fail quarantined", results(Fail, Fail, PolicyNone), with(tag, func(p *Policy) { p.OnFail = FailQuarantine }), Facts{}, Quarantine, []string{"dmarc"}, []string{"[なりすまし注意]"}, "", "差出人のドメイン認証 (DMARC)"},
		{"dmarc fail rejected", results(Fail, Fail, PolicyNone), with(tag, func(p *Policy) { p.OnFail = FailReject }), Facts{}, Reject, []string{"dmarc"}, []string{"[なりすまし注意]"}, "550 5.7.26", ""},
		{"p=reject honoured", results(Fail, Fail, PolicyReject), with(tag, func(p *Policy) { p.HonorReject = true }), Facts{}, Reject, []string{"dmarc"}, []string{"[なりすまし注意]"}, "550 5.7.26", ""},
		{"p=quarantine not rejected", results(Fail, Fail, PolicyQuarantine), with(tag, func(p *Policy) { p.HonorReject = true }), Facts{}, Deliver, []string{"dmarc"}, []string{"[なりすまし注意]"}, "", ""},
		{"spf fail without dmarc record", results(Fail, None, ""), with(tag, func(p *Policy) { p.OnFail = FailReject }), Facts{}, Reject, []string{"spf"}, []string{"[なりすまし注意]"}, "550 5.7.23", ""},
		{"spf softfail without record: nothing", results(SoftFail, None, ""), tag, Facts{}, Deliver, nil, nil, "", ""},
		{"broken own signature without record", results(SoftFail, None, "", DKIMResult{Value: Fail, Domain: "example.jp"}), tag, Facts{}, Deliver, []string{"dkim"}, []string{"[なりすまし注意]"}, "", "差出人のドメイン認証 (DKIM)"},
		{"broken third-party signature: nothing", results(Neutral, None, "", DKIMResult{Value: Fail, Domain: "esp.example"}), tag, Facts{}, Deliver, nil, nil, "", ""},
		{"spf fail but aligned dkim pass", results(Fail, None, "", DKIMResult{Value: Pass, Domain: "example.jp"}), tag, Facts{}, Deliver, nil, nil, "", ""},
		{"no From", noFrom, with(tag, func(p *Policy) { p.OnFail = FailReject }), Facts{}, Reject, []string{"from"}, []string{"[なりすまし注意]"}, "550 5.7.1", ""},
		{"temperror delivered", results(TempError, TempError, ""), tag, Facts{}, Deliver, []string{"temperror"}, nil, "", "一時的な問題 (DNS)"},
		{"temperror deferred", results(TempError, TempError, ""), with(tag, func(p *Policy) { p.OnTempError = TempDefer }), Facts{}, Defer, []string{"temperror"}, nil, "451 4.4.3", ""},
		{"spf temperror, no record", results(TempError, None, ""), with(tag, func(p *Policy) { p.OnTempError = TempDefer }), Facts{}, Defer, []string{"temperror"}, nil, "451 4.4.3", ""},
		{"lookalike is tagged, never rejected", lookalikeRes, with(tag, func(p *Policy) { p.OnFail = FailReject }), Facts{}, Deliver, []string{"lookalike"}, []string{"[なりすまし注意]"}, "",
			"差出人のドメイン exarnple.lg.jp は city.example.lg.jp に似ていますが、別のドメインです。"},
		{"external tag", results(Pass, Pass, PolicyNone), with(tag, func(p *Policy) { p.ExternalTag = "[外部]" }), Facts{External: true}, Deliver, nil, []string{"[外部]"}, "", ""},
		{"both tags", results(Fail, Fail, PolicyNone), with(tag, func(p *Policy) { p.ExternalTag = "[外部]" }), Facts{External: true}, Deliver, []string{"dmarc"}, []string{"[なりすまし注意]", "[外部]"}, "", ""},
		{"first contact", results(Pass, Pass, PolicyNone), with(tag, func(p *Policy) { p.FirstContactNote = true }), Facts{FirstContact: true}, Deliver, nil, nil, "", "この差出人 (yamada@example.jp) から初めて届いたメールです。"},
		{"first contact off", results(Pass, Pass, PolicyNone), tag, Facts{FirstContact: true}, Deliver, nil, nil, "", ""},
		{"english", results(Fail, Fail, PolicyNone), with(tag, func(p *Policy) { p.Language = "en" }), Facts{}, Deliver, []string{"dmarc"}, []string{"[なりすまし注意]"}, "", "The sender's domain authentication (DMARC) failed. The sender may be forged."},
		{"skipped", NotChecked(), with(tag, func(p *Policy) { p.OnFail = FailReject }), Facts{}, Deliver, nil, nil, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := Decide(tc.res, tc.policy, tc.facts)
			if v.Action != tc.action || !slices.Equal(v.Codes(), tc.codes) || !slices.Equal(v.SubjectTags, tc.tags) {
				t.Errorf("verdict %s %v %q, want %s %v %q", v.Action, v.Codes(), v.SubjectTags, tc.action, tc.codes, tc.tags)
			}
			reply := ""
			if v.Reply != nil {
				e := v.Reply.EnhancedCode()
				reply = fmt.Sprintf("%d %d.%d.%d", v.Reply.Code, e[0], e[1], e[2])
			}
			if reply != tc.reply || (v.Err() == nil) != (tc.reply == "") {
				t.Errorf("reply %q (err %v), want %q", reply, v.Err(), tc.reply)
			}
			switch {
			case tc.notice0 == "" && tc.codes == nil && len(v.Notice) > 0 && !tc.facts.FirstContact:
				t.Errorf("notice %q, want none", v.Notice)
			case tc.notice0 != "" && (len(v.Notice) == 0 || !strings.HasPrefix(v.Notice[0], tc.notice0)):
				t.Errorf("notice %q, want a first line starting %q", v.Notice, tc.notice0)
			}
		})
	}
}

func TestAuthenticationResults(t *testing.T) {
	r := results(Pass, Pass, PolicyReject, DKIMResult{Value: Pass, Domain: "example.jp", Identifier: "@example.jp"},
		DKIMResult{Value: Fail, Domain: "esp.example", Reason: "body hash did not verify"})
	want := "gw.city.example.lg.jp; spf=pass smtp.mailfrom=example.jp; dkim=pass header.d=example.jp header.i=@example.jp; " +
		"dkim=fail reason=\"body hash did not verify\" header.d=esp.example; dmarc=pass header.from=example.jp"
	if got := r.AuthenticationResults("gw.city.example.lg.jp"); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	// Hostile reasons and identifiers cannot break the field; it parses
	// back to the same results.
	r = results(TempError, Fail, PolicyReject, DKIMResult{Value: PermError, Domain: "example.jp", Identifier: "a\"b;dmarc=pass@example.jp", Reason: "bad \"quote\"; dmarc=pass\r\nX-Injected: 1 \\ 日本"})
	r.SPF = SPFResult{Value: TempError, Identity: IdentityHelo, Domain: "mail.example.jp", Reason: "DNS lookup failed"}
	got := r.AuthenticationResults("gw.city.example.lg.jp")
	if strings.ContainsAny(got, "\r\n") || strings.Contains(got, "日本") {
		t.Fatalf("header value %q holds a line break or non-ASCII", got)
	}
	id, parsed, ok := parseAuthResults(got)
	if !ok || id != "gw.city.example.lg.jp" || len(parsed) != 3 {
		t.Fatalf("parse back %q: %q %d results, %v", got, id, len(parsed), ok)
	}
	if s := parsed[0].(*authres.SPFResult); s.Value != "temperror" || s.Helo != "mail.example.jp" {
		t.Errorf("spf parsed back %+v", s)
	}
	if d := parsed[2].(*authres.DMARCResult); d.Value != "fail" || d.From != "example.jp" {
		t.Errorf("dmarc parsed back %+v", d)
	}
}
