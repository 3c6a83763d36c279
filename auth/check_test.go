package auth

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mugai/mugai/internal/authtest"
)

func TestSPF(t *testing.T) {
	s := world(t)
	s.TXT("soft.example", "v=spf1 ip4:192.0.2.0/28 ~all")
	s.TXT("neutral.example", "v=spf1 ?all")
	s.TXT("broken.example", "v=spf1 ip4:192.0.2.0/99 -all")
	s.TXT("twice.example", "v=spf1 -all")
	s.TXT("twice.example", "v=spf1 +all")
	s.Fail("servfail.example", dns.RcodeServerFailure)
	s.Silence("silent.example")
	s.TXT("include.example", "v=spf1 include:servfail.example -all")
	s.TXT("mx.example", "v=spf1 mx -all")
	s.MX("mx.example", "mail.mx.example", 10)
	s.A("mail.mx.example", senderIP)
	s.TXT("mail.example.jp", "v=spf1 a -all")
	s.A("mail.example.jp", senderIP)
	c := newChecker(t, s)

	for _, tc := range []struct {
		name, ip, mailFrom string
		want               Value
		identity           Identity
		domain             string
	}{
		{"pass", senderIP, "yamada@example.jp", Pass, IdentityMailFrom, "example.jp"},
		{"fail", strangerIP, "yamada@example.jp", Fail, IdentityMailFrom, "example.jp"},
		{"softfail", strangerIP, "a@soft.example", SoftFail, IdentityMailFrom, "soft.example"},
		{"neutral", strangerIP, "a@neutral.example", Neutral, IdentityMailFrom, "neutral.example"},
		{"none", senderIP, "a@norecord.example", None, IdentityMailFrom, "norecord.example"},
		{"permerror syntax", senderIP, "a@broken.example", PermError, IdentityMailFrom, "broken.example"},
		{"permerror two records", senderIP, "a@twice.example", PermError, IdentityMailFrom, "twice.example"},
		{"temperror servfail", senderIP, "a@servfail.example", TempError, IdentityMailFrom, "servfail.example"},
		{"temperror timeout", senderIP, "a@silent.example", TempError, IdentityMailFrom, "silent.example"},
		{"temperror in include", strangerIP, "a@include.example", TempError, IdentityMailFrom, "include.example"},
		{"mx pass", senderIP, "a@mx.example", Pass, IdentityMailFrom, "mx.example"},
		{"upper case domain", senderIP, "yamada@EXAMPLE.JP", Pass, IdentityMailFrom, "example.jp"},
		{"null sender: helo", senderIP, "", Pass, IdentityHelo, "mail.example.jp"},
		{"null sender: helo fails", strangerIP, "", Fail, IdentityHelo, "mail.example.jp"},
		{"no client address", "", "yamada@example.jp", None, IdentityMailFrom, "example.jp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := Input{Helo: "mail.example.jp", MailFrom: tc.mailFrom}
			if tc.ip != "" {
				in.Client = netip.MustParseAddr(tc.ip)
			}
			res := check(t, c, in, plain("yamada@example.jp"))
			if res.SPF.Value != tc.want || res.SPF.Identity != tc.identity || res.SPF.Domain != tc.domain {
				t.Errorf("SPF = %+v, want %s for %s %s", res.SPF, tc.want, tc.identity, tc.domain)
			}
			if tc.want != Pass && res.SPF.Reason == "" {
				t.Errorf("SPF %s without a reason", res.SPF.Value)
			}
		})
	}
}

func TestDKIM(t *testing.T) {
	s := world(t)
	rsa, ed, other := testKeys(t)
	revoked := authtest.NewEd25519Key(t, "revoked.example", "old")
	s.TXT(revoked.RecordName(), "v=DKIM1; k=ed25519; p=")
	temp := authtest.NewEd25519Key(t, "servfail.example", "s")
	s.Fail(temp.RecordName(), dns.RcodeServerFailure)
	unpublished := authtest.NewEd25519Key(t, "example.jp", "nokey")
	c := newChecker(t, s)
	msg := plain("yamada@example.jp")

	tampered := rsa.Sign(t, msg)
	tampered = bytes.Replace(tampered, []byte("見積書を添付"), []byte("請求書を添付"), 1)

	for _, tc := range []struct {
		name   string
		msg    []byte
		want   []Value
		domain string
	}{
		{"rsa pass", rsa.Sign(t, msg), []Value{Pass}, "example.jp"},
		{"ed25519 pass", ed.Sign(t, msg), []Value{Pass}, "example.jp"},
		{"two signatures", other.Sign(t, rsa.Sign(t, msg)), []Value{Pass, Pass}, "attacker.example"},
		{"body changed: fail", tampered, []Value{Fail}, "example.jp"},
		{"no signature: none", msg, []Value{None}, ""},
		{"key not published: permerror", unpublished.Sign(t, msg), []Value{PermError}, "example.jp"},
		{"key revoked: permerror", revoked.Sign(t, msg), []Value{PermError}, "revoked.example"},
		{"key lookup fails: temperror", temp.Sign(t, msg), []Value{TempError}, "servfail.example"},
		{"malformed signature: permerror", append([]byte("DKIM-Signature: v=1; a=rsa-sha256; d=example.jp\r\n"), msg...), []Value{PermError}, "example.jp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := check(t, c, input(senderIP, "yamada@example.jp"), tc.msg)
			var got []Value
			for _, d := range res.DKIM {
				got = append(got, d.Value)
			}
			if strings.Join(valueStrings(got), ",") != strings.Join(valueStrings(tc.want), ",") {
				t.Fatalf("DKIM = %+v, want %v", res.DKIM, tc.want)
			}
			if res.DKIM[0].Domain != tc.domain {
				t.Errorf("DKIM domain = %q, want %q", res.DKIM[0].Domain, tc.domain)
			}
		})
	}
}

func valueStrings(vs []Value) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// TestDKIMIndependentSigner verifies mail signed by python3-dkim, an
// implementation that shares no code with go-msgauth, with each
// canonicalization; and checks that a change after signing fails.
func TestDKIMIndependentSigner(t *testing.T) {
	s := world(t)
	rsa, _, _ := testKeys(t)
	c := newChecker(t, s)
	msg := message([]string{
		"From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>",
		"To: soumu@city.example.lg.jp",
		"Subject: =?UTF-8?B?6KaL56mN5pu4?=",
		"Date: Mon, 2 Jun 2025 10:00:00 +0900",
		"Message-ID: <2@example.jp>",
		"Content-Type: text/plain; charset=utf-8",
	}, "trailing spaces   \nand\ttabs\n\n\n")
	for _, canon := range [][2]string{{"relaxed", "relaxed"}, {"relaxed", "simple"}, {"simple", "simple"}, {"simple", "relaxed"}} {
		t.Run(canon[0]+"/"+canon[1], func(t *testing.T) {
			signed := rsa.SignExternal(t, msg, canon[0], canon[1])
			res := check(t, c, input(senderIP, "yamada@example.jp"), signed)
			if len(res.DKIM) != 1 || res.DKIM[0].Value != Pass || res.DKIM[0].Domain != "example.jp" {
				t.Fatalf("DKIM = %+v, want one pass for example.jp", res.DKIM)
			}
			if res.DMARC.Value != Pass || !res.DMARC.DKIMAligned {
				t.Errorf("DMARC = %+v, want an aligned pass", res.DMARC)
			}
			changed := bytes.Replace(signed, []byte("and\ttabs"), []byte("and\ttab"), 1)
			if res := check(t, c, input(senderIP, "yamada@example.jp"), changed); res.DKIM[0].Value != Fail {
				t.Errorf("changed body: DKIM = %+v, want fail", res.DKIM)
			}
		})
	}
}

func TestDMARC(t *testing.T) {
	s := world(t)
	rsa, _, other := testKeys(t)
	s.TXT("bounce.example.jp", "v=spf1 ip4:192.0.2.0/28 -all")
	s.TXT("_dmarc.strict.example", "v=DMARC1; p=quarantine; aspf=s")
	s.TXT("strict.example", "v=spf1 ip4:192.0.2.0/28 -all")
	s.TXT("bounce.strict.example", "v=spf1 ip4:192.0.2.0/28 -all")
	s.TXT("_dmarc.org.example", "v=DMARC1; p=none; sp=reject; pct=50")
	s.TXT("_dmarc.bad.example", "v=DMARC1; p=bogus")
	s.Fail("_dmarc.servfail.example", dns.RcodeServerFailure)
	s.TXT("_dmarc.two.example", "v=DMARC1; p=reject")
	s.TXT("_dmarc.two.example", "v=DMARC1; p=none")
	s.TXT("_dmarc.notdmarc.example", "v=spf1 -all")
	c := newChecker(t, s)

	for _, tc := range []struct {
		name           string
		ip, mailFrom   string
		msg            []byte
		want           Value
		policy         DMARCPolicy
		spfAl, dkimAl  bool
		pct            int
		wantDomain     string
		wantReasonPart string
	}{
		{"pass by spf and dkim", senderIP, "yamada@example.jp", rsa.Sign(t, plain("yamada@example.jp")), Pass, PolicyReject, true, true, 100, "example.jp", ""},
		{"pass by dkim alone", strangerIP, "list@lists.example", rsa.Sign(t, plain("yamada@example.jp")), Pass, PolicyReject, false, true, 100, "example.jp", ""},
		{"pass by relaxed spf of a subdomain", senderIP, "bounce@bounce.example.jp", plain("yamada@example.jp"), Pass, PolicyReject, true, false, 100, "example.jp", ""},
		{"fail: forged", strangerIP, "x@attacker.example", other.Sign(t, plain("yamada@example.jp")), Fail, PolicyReject, false, false, 100, "example.jp", "no aligned"},
		{"fail: strict spf", senderIP, "b@bounce.strict.example", plain("a@strict.example"), Fail, PolicyQuarantine, false, false, 100, "strict.example", ""},
		{"org fallback with sp and pct", strangerIP, "x@attacker.example", plain("a@sub.org.example"), Fail, PolicyReject, false, false, 50, "sub.org.example", ""},
		{"none: no record", senderIP, "a@norecord.example", plain("a@norecord.example"), None, "", false, false, 100, "norecord.example", "no DMARC record"},
		{"none: two records", senderIP, "a@two.example", plain("a@two.example"), None, "", false, false, 100, "two.example", "more than one"},
		{"none: other TXT only", senderIP, "a@notdmarc.example", plain("a@notdmarc.example"), None, "", false, false, 100, "notdmarc.example", ""},
		{"permerror: bad record", senderIP, "a@bad.example", plain("a@bad.example"), PermError, "", false, false, 100, "bad.example", "invalid DMARC record"},
		{"permerror: no From", senderIP, "a@example.jp", message([]string{"To: a@b.example", "Subject: x"}, "x\n"), PermError, "", false, false, 100, "", "no From"},
		{"permerror: two From fields", senderIP, "a@example.jp", message([]string{"From: a@example.jp", "From: b@attacker.example"}, "x\n"), PermError, "", false, false, 100, "", "more than one From"},
		{"permerror: authors of two domains", senderIP, "a@example.jp", message([]string{"From: a@example.jp, b@attacker.example"}, "x\n"), PermError, "", false, false, 100, "", "different domains"},
		{"temperror: record lookup", senderIP, "a@servfail.example", plain("a@servfail.example"), TempError, "", false, false, 100, "servfail.example", "DNS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := check(t, c, input(tc.ip, tc.mailFrom), tc.msg)
			d := res.DMARC
			if d.Value != tc.want || d.Policy != tc.policy || d.SPFAligned != tc.spfAl || d.DKIMAligned != tc.dkimAl || d.Percent != tc.pct || d.Domain != tc.wantDomain {
				t.Fatalf("DMARC = %+v\nwant %s policy=%q spf=%v dkim=%v pct=%d domain=%q", d, tc.want, tc.policy, tc.spfAl, tc.dkimAl, tc.pct, tc.wantDomain)
			}
			if !strings.Contains(d.Reason, tc.wantReasonPart) {
				t.Errorf("reason %q does not contain %q", d.Reason, tc.wantReasonPart)
			}
		})
	}
}

// TestDMARCTempErrorOfAlignedCheck: without an aligned pass, a temperror
// of an aligned identifier makes DMARC temperror, never fail or pass.
func TestDMARCTempErrorOfAlignedCheck(t *testing.T) {
	s := world(t)
	s.TXT("_dmarc.flaky.example", "v=DMARC1; p=reject")
	s.Fail("flaky.example", dns.RcodeServerFailure)
	c := newChecker(t, s)
	res := check(t, c, input(senderIP, "a@flaky.example"), plain("a@flaky.example"))
	if res.SPF.Value != TempError || res.DMARC.Value != TempError {
		t.Fatalf("SPF %s, DMARC %+v: want temperror for both", res.SPF.Value, res.DMARC)
	}
}

// TestDNSDown: with no server answering, everything is temperror or
// none-for-lack-of-input, and nothing passes.
func TestDNSDown(t *testing.T) {
	s := world(t)
	rsa, _, _ := testKeys(t)
	// A server that is not there: a closed port on loopback.
	d, err := NewDNS(DNSConfig{Servers: []string{"127.0.0.1:1"}, Timeout: authtest.Timeout, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := newChecker(t, s, func(c *Config) { c.Resolver = d })
	res := check(t, c, input(senderIP, "yamada@example.jp"), rsa.Sign(t, plain("yamada@example.jp")))
	if res.SPF.Value != TempError || res.DKIM[0].Value != TempError || res.DMARC.Value != TempError {
		t.Fatalf("SPF %s DKIM %s DMARC %s: want temperror for all", res.SPF.Value, res.DKIM[0].Value, res.DMARC.Value)
	}
}

// TestCheckTimeout: the whole check stops at Config.Timeout.
func TestCheckTimeout(t *testing.T) {
	s := world(t)
	s.Silence("example.jp")
	s.Silence("_dmarc.example.jp")
	d, err := NewDNS(DNSConfig{Servers: []string{s.Addr}, Timeout: 5 * time.Second, Attempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	c := newChecker(t, s, func(c *Config) { c.Resolver = d; c.Timeout = 300 * time.Millisecond })
	start := time.Now()
	res := check(t, c, input(senderIP, "yamada@example.jp"), plain("yamada@example.jp"))
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("Check took %v with a 300ms timeout", el)
	}
	if res.SPF.Value != TempError || res.DMARC.Value != TempError {
		t.Errorf("SPF %s DMARC %s: want temperror", res.SPF.Value, res.DMARC.Value)
	}
}

// TestSpooledFile checks a message from a spool file through an
// io.SectionReader, the way the relay hands it over, twice.
func TestSpooledFile(t *testing.T) {
	s := world(t)
	rsa, _, _ := testKeys(t)
	c := newChecker(t, s)
	body := strings.Repeat("長い本文の行です。 long body line\n", 20000) // ~800 KB
	signed := rsa.Sign(t, message([]string{"From: yamada@example.jp", "To: x@city.example.lg.jp", "Subject: big"}, body))
	path := filepath.Join(t.TempDir(), "spool")
	if err := os.WriteFile(path, signed, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for range 2 {
		res, err := c.Check(context.Background(), input(senderIP, "yamada@example.jp"), bytesSection(f, int64(len(signed))))
		if err != nil {
			t.Fatal(err)
		}
		if res.DKIM[0].Value != Pass || res.DMARC.Value != Pass {
			t.Fatalf("DKIM %+v DMARC %+v: want pass", res.DKIM, res.DMARC)
		}
	}
}

// TestReadError: a spool that cannot be read is the relay's error, not a
// result.
func TestReadError(t *testing.T) {
	s := world(t)
	rsa, _, _ := testKeys(t)
	c := newChecker(t, s)
	signed := rsa.Sign(t, plain("yamada@example.jp"))
	for _, cut := range []int{10, len(signed) - 10} {
		r := &failingReader{data: signed[:cut]}
		if _, err := c.Check(context.Background(), input(senderIP, "yamada@example.jp"), r); err == nil {
			t.Errorf("read error after %d bytes: Check returned no error", cut)
		}
	}
}

type failingReader struct{ data []byte }

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, os.ErrClosed
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestDisabled(t *testing.T) {
	c, err := NewChecker(Config{Disabled: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Check(context.Background(), Input{}, &failingReader{})
	if err != nil || !res.Skipped {
		t.Fatalf("Check = %+v, %v; want skipped without reading", res, err)
	}
	if got, want := res.AuthenticationResults("gw.example"), "gw.example; none"; got != want {
		t.Errorf("header %q, want %q", got, want)
	}
}

func TestHeaderTooLarge(t *testing.T) {
	s := world(t)
	c := newChecker(t, s, func(c *Config) { c.MaxHeaderBytes = 1024 })
	msg := message([]string{"From: yamada@example.jp", "X-Pad: " + strings.Repeat("x", 2000)}, "x\n")
	res := check(t, c, input(senderIP, "yamada@example.jp"), msg)
	if res.DKIM[0].Value != PermError || res.DMARC.Value != PermError || res.SPF.Value != Pass {
		t.Errorf("SPF %s DKIM %s DMARC %s: want pass, permerror, permerror", res.SPF.Value, res.DKIM[0].Value, res.DMARC.Value)
	}
}
