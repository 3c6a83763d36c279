package auth

import (
	"testing"
)

func TestTrustedUpstream(t *testing.T) {
	s := world(t)
	c := newChecker(t, s, func(c *Config) { c.TrustedAuthservID = "mx.city.example.lg.jp" })
	from := "From: yamada@example.jp"
	for _, tc := range []struct {
		name                string
		ar                  []string
		wantUpstream        string
		spf, dkim, dmarc    Value
		wantSPFDom, wantDKD string
	}{
		{
			name: "all three from the upstream",
			ar: []string{"Authentication-Results: mx.city.example.lg.jp;\r\n\tspf=pass (sender SPF authorized) smtp.mailfrom=yamada@example.jp;\r\n" +
				"\tdkim=pass header.d=example.jp header.i=@example.jp header.b=abc;\r\n\tdmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.jp"},
			wantUpstream: "mx.city.example.lg.jp", spf: Pass, dkim: Pass, dmarc: Pass, wantSPFDom: "example.jp", wantDKD: "example.jp",
		},
		{
			name:         "version and case",
			ar:           []string{"Authentication-Results: MX.City.Example.LG.JP 1; spf=fail smtp.mailfrom=example.jp; dkim=none; dmarc=fail header.from=example.jp"},
			wantUpstream: "mx.city.example.lg.jp", spf: Fail, dkim: None, dmarc: Fail, wantSPFDom: "example.jp",
		},
		{
			name:         "hardfail is fail; missing dmarc is computed here",
			ar:           []string{"Authentication-Results: mx.city.example.lg.jp; spf=hardfail smtp.mailfrom=example.jp"},
			wantUpstream: "mx.city.example.lg.jp", spf: Fail, dkim: None, dmarc: Fail, wantSPFDom: "example.jp",
		},
		{
			name: "other authserv-ids are ignored",
			ar: []string{"Authentication-Results: attacker.example; spf=pass smtp.mailfrom=example.jp; dmarc=pass header.from=example.jp",
				"Authentication-Results: mx.city.example.lg.jp; spf=softfail smtp.mailfrom=example.jp; dmarc=none header.from=example.jp"},
			wantUpstream: "mx.city.example.lg.jp", spf: SoftFail, dkim: None, dmarc: None, wantSPFDom: "example.jp",
		},
		{
			name: "a dmarc result for another From domain is not taken",
			ar:   []string{"Authentication-Results: mx.city.example.lg.jp; spf=pass smtp.mailfrom=x@attacker.example; dmarc=pass header.from=attacker.example"},
			// computed here: no aligned pass for example.jp (p=reject)
			wantUpstream: "mx.city.example.lg.jp", spf: Pass, dkim: None, dmarc: Fail, wantSPFDom: "attacker.example",
		},
		{
			name: "a result hidden in a quoted string is not read",
			ar: []string{`Authentication-Results: mx.city.example.lg.jp; spf=fail smtp.mailfrom="a;dmarc=pass x"@attacker.example; ` +
				`dkim=fail reason="bad; dmarc=pass header.from=example.jp" header.d=example.jp`},
			wantUpstream: "mx.city.example.lg.jp", spf: Fail, dkim: Fail, dmarc: Fail, wantSPFDom: "attacker.example", wantDKD: "example.jp",
		},
		{
			name:         "a result hidden in a comment is not read",
			ar:           []string{`Authentication-Results: mx.city.example.lg.jp; spf=fail (x; dmarc=pass header.from=example.jp) smtp.mailfrom=attacker.example`},
			wantUpstream: "mx.city.example.lg.jp", spf: Fail, dkim: None, dmarc: Fail, wantSPFDom: "attacker.example",
		},
		{
			name:         "unknown values are permerror",
			ar:           []string{`Authentication-Results: mx.city.example.lg.jp; spf=maybe smtp.mailfrom=example.jp; dkim=policy header.d=example.jp`},
			wantUpstream: "mx.city.example.lg.jp", spf: PermError, dkim: Fail, dmarc: Fail, wantSPFDom: "example.jp", wantDKD: "example.jp",
		},
		{
			name:       "no field of the upstream: checked here",
			ar:         []string{"Authentication-Results: attacker.example; dmarc=pass header.from=example.jp"},
			spf:        Pass,
			dkim:       None,
			dmarc:      Pass,
			wantSPFDom: "example.jp",
		},
		{
			name:       "unclosed comment: not used, checked here",
			ar:         []string{"Authentication-Results: mx.city.example.lg.jp; dmarc=pass (header.from=example.jp"},
			spf:        Pass,
			dkim:       None,
			dmarc:      Pass,
			wantSPFDom: "example.jp",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := message(append(tc.ar, from, "Subject: x"), "x\n")
			res := check(t, c, input(senderIP, "yamada@example.jp"), msg)
			if res.Upstream != tc.wantUpstream {
				t.Errorf("Upstream = %q, want %q", res.Upstream, tc.wantUpstream)
			}
			if res.SPF.Value != tc.spf || res.DKIM[0].Value != tc.dkim || res.DMARC.Value != tc.dmarc {
				t.Errorf("spf=%s dkim=%s dmarc=%s, want %s %s %s", res.SPF.Value, res.DKIM[0].Value, res.DMARC.Value, tc.spf, tc.dkim, tc.dmarc)
			}
			if res.SPF.Domain != tc.wantSPFDom || res.DKIM[0].Domain != tc.wantDKD {
				t.Errorf("spf domain %q dkim domain %q, want %q %q", res.SPF.Domain, res.DKIM[0].Domain, tc.wantSPFDom, tc.wantDKD)
			}
		})
	}
}

func TestMaskAuthResults(t *testing.T) {
	for in, want := range map[string]string{
		`a; spf=pass (comment; x) smtp.mailfrom=b`: `a; spf=pass   smtp.mailfrom=b`,
		`a; dkim=fail reason="x; y z"`:             `a; dkim=fail reason="x__y_z"`,
		`a; dkim=fail reason="q\"; r"`:             `a; dkim=fail reason="q"__r"`,
		`a (nested (comment)) ; none`:              `a   ; none`,
	} {
		got, ok := maskAuthResults(in)
		if !ok || got != want {
			t.Errorf("mask(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{`a; (open`, `a; "open`, `a; x) y`} {
		if _, ok := maskAuthResults(bad); ok {
			t.Errorf("mask(%q) accepted", bad)
		}
	}
}
