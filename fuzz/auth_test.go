package fuzz

import (
	"bufio"
	"bytes"
	"context"
	"mime"
	"net/mail"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-msgauth/authres"
	"golang.org/x/net/idna"

	"github.com/mugai/mugai/auth"
	"github.com/mugai/mugai/internal/authtest"
	"github.com/mugai/mugai/internal/sanitizetest"
	"github.com/mugai/mugai/internal/testcorpus"
	"github.com/mugai/mugai/sanitize"
)

const trustedID = "mx.city.example.lg.jp"

var (
	authSeedsOnce          sync.Once
	corpusFrom, corpusAuth []string
)

// corpusAuthSeeds returns the From and Authentication-Results values of
// the corpus messages (the mox and spamassassin messages carry real
// upstream results), read once.
func corpusAuthSeeds(tb testing.TB) (from, ar []string) {
	dir := testcorpus.Dir()
	if dir == "" {
		tb.Logf("shared corpus not found (set MUGAI_CORPUS or put it at ../shared/corpus): seeding %s from hand-written values only", tb.Name())
		return nil, nil
	}
	authSeedsOnce.Do(func() {
		seen := map[string]bool{}
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".eml") {
				return nil
			}
			raw, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			h, _ := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
			for _, v := range h.Values("From") {
				if !seen["f"+v] {
					seen["f"+v] = true
					corpusFrom = append(corpusFrom, v)
				}
			}
			for _, v := range h.Values("Authentication-Results") {
				if !seen["a"+v] {
					seen["a"+v] = true
					corpusAuth = append(corpusAuth, v)
				}
			}
			return nil
		})
	})
	return corpusFrom, corpusAuth
}

// newAuthChecker checks without a network: every name has no records.
func newAuthChecker(tb testing.TB, trusted string) *auth.Checker {
	c, err := auth.NewChecker(auth.Config{
		Resolver:          authtest.NoDNS{},
		TrustedAuthservID: trusted,
		ProtectedDomains:  []string{"city.example.lg.jp", "soumu.go.jp"},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// checkResultsPromises asserts what auth documents for any input: valid
// values, an Authentication-Results value that is one line of ASCII,
// under our authserv-id, with one result per check; notice sentences of
// one line each; a verdict for every policy.
func checkResultsPromises(t *testing.T, res *auth.Results) {
	t.Helper()
	valid := func(v auth.Value) bool {
		switch v {
		case auth.None, auth.Pass, auth.Fail, auth.SoftFail, auth.Neutral, auth.TempError, auth.PermError:
			return true
		}
		return false
	}
	if !valid(res.SPF.Value) || !valid(res.DMARC.Value) || len(res.DKIM) == 0 {
		t.Fatalf("invalid results %+v", res)
	}
	for _, d := range res.DKIM {
		if !valid(d.Value) {
			t.Fatalf("invalid dkim value %q", d.Value)
		}
	}
	if res.From.Problem == "" {
		if res.From.Domain == "" || res.From.Domain != strings.ToLower(res.From.Domain) || strings.ContainsAny(res.From.Address+res.From.Name, "\r\n") {
			t.Fatalf("From %+v: want a lower-case domain and one-line address and name", res.From)
		}
		if res.DMARC.Domain != res.From.Domain {
			t.Fatalf("DMARC for %q, From domain %q", res.DMARC.Domain, res.From.Domain)
		}
	} else if res.DMARC.Value == auth.Pass {
		t.Fatalf("DMARC pass with From problem %q", res.From.Problem)
	}
	ar := res.AuthenticationResults("gw.example")
	for i := 0; i < len(ar); i++ {
		if ar[i] < 0x20 || ar[i] >= 0x7f {
			t.Fatalf("header value %q holds byte %#x", ar, ar[i])
		}
	}
	id, results, err := authres.Parse(ar)
	if err != nil || id != "gw.example" || len(results) != 2+len(res.DKIM) {
		t.Fatalf("header value %q parses to %q and %d results (%v), want gw.example and %d", ar, id, len(results), err, 2+len(res.DKIM))
	}
	for _, onFail := range []auth.FailAction{auth.FailTag, auth.FailQuarantine, auth.FailReject} {
		v := auth.Decide(res, auth.Policy{OnFail: onFail, OnTempError: auth.TempDefer, SubjectTag: "[注意]", HonorReject: true, ExternalTag: "[外部]", FirstContactNote: true},
			auth.Facts{External: true, FirstContact: true})
		if (v.Action == auth.Reject || v.Action == auth.Defer) != (v.Err() != nil) {
			t.Fatalf("verdict %s with reply %+v", v.Action, v.Reply)
		}
		for _, l := range v.Notice {
			if strings.ContainsAny(l, "\r\n") {
				t.Fatalf("notice line %q", l)
			}
		}
	}
}

// FuzzAuthResults: any header section with Authentication-Results fields
// of the trusted upstream (and others) gives valid Results; a result is
// taken from the upstream only under its authserv-id, and a dmarc result
// only for the From domain we read ourselves.
func FuzzAuthResults(f *testing.F) {
	for _, s := range []string{
		trustedID + "; spf=pass smtp.mailfrom=example.jp; dkim=pass header.d=example.jp; dmarc=pass header.from=example.jp",
		trustedID + " 1; spf=fail (x; dmarc=pass) smtp.mailfrom=\"a;b c\"@x.example; dmarc=fail reason=\"q\\\"; r\" header.from=example.jp",
		"attacker.example; dmarc=pass header.from=example.jp",
		trustedID + "; none",
		trustedID + "; dmarc=pass (unclosed header.from=example.jp",
		trustedID + "; arc=pass; iprev=fail policy.iprev=192.0.2.1; x-custom=ok",
	} {
		f.Add(s, "yamada@example.jp")
	}
	from, ars := corpusAuthSeeds(f)
	for i, ar := range ars {
		fr := "yamada@example.jp"
		if i < len(from) {
			fr = from[i]
		}
		f.Add(ar, fr)
		// The same results as if our upstream had written them.
		if _, rest, ok := strings.Cut(ar, ";"); ok {
			f.Add(trustedID+";"+rest, fr)
		}
	}
	c := newAuthChecker(f, trustedID)
	f.Fuzz(func(t *testing.T, ar, from string) {
		if strings.ContainsAny(ar+from, "\r\n") {
			return // one field each; folding is the header reader's business
		}
		msg := "Authentication-Results: " + ar + "\r\nFrom: " + from + "\r\nSubject: x\r\n\r\nbody\r\n"
		res, err := c.Check(context.Background(), auth.Input{Client: netip.MustParseAddr("192.0.2.1"), MailFrom: "a@example.jp"}, strings.NewReader(msg))
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		checkResultsPromises(t, res)
		id, _, _ := strings.Cut(strings.TrimSpace(ar), ";")
		if id, _, _ = strings.Cut(strings.TrimSpace(id), " "); !strings.EqualFold(id, trustedID) && res.Upstream != "" {
			t.Fatalf("upstream results taken from %q", id)
		}
		if res.Upstream == "" && (res.SPF.Value == auth.Pass || res.DMARC.Value == auth.Pass) {
			t.Fatalf("pass without DNS records and without the upstream: %+v", res)
		}
	})
}

// FuzzFromHeader: any From value gives a From that is either a problem
// or one domain (and then DMARC for that domain), and impersonation
// findings name what they compare.
func FuzzFromHeader(f *testing.F) {
	for _, s := range []string{
		"yamada@example.jp", "山田 <yamada@example.jp>", "=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>",
		`"soumu@city.example.lg.jp" <x@attacker.example>`, "a@example.jp, b@attacker.example", "a@example.jp, b@example.jp",
		"info@exarnple.lg.jp", "x@xn--sumu-55d.go.jp", "x@例え.jp", "Undisclosed:;", "<>", "MAILER-DAEMON", "a@[192.0.2.1]",
		"\"a\\\"b\" <a@b.example>", "=?UTF-8?B?c291bXVAY2l0eS5leGFtcGxlLmxnLmpw?= <x@attacker.example>",
	} {
		f.Add(s)
	}
	from, _ := corpusAuthSeeds(f)
	for _, s := range from {
		f.Add(s)
	}
	c := newAuthChecker(f, "")
	f.Fuzz(func(t *testing.T, from string) {
		res := checkFrom(t, c, from)
		if res == nil {
			return
		}
		checkResultsPromises(t, res)
		for _, fd := range res.Findings {
			switch fd.Kind {
			case auth.DisplayNameAddress:
				if fd.Real != res.From.Address || strings.EqualFold(fd.Shown, fd.Real) || !strings.Contains(fd.Shown, "@") {
					t.Fatalf("display-name finding %+v for From %+v", fd, res.From)
				}
			case auth.Lookalike:
				if fd.Shown != res.From.Domain || fd.Real == "" || fd.Shown == fd.Real || fd.How == "" {
					t.Fatalf("lookalike finding %+v for From %+v", fd, res.From)
				}
			default:
				t.Fatalf("unknown finding %+v", fd)
			}
		}
	})
}

// FuzzFromShown: whatever the From field, the relay never shows one
// author while it authenticated another. The checks read From strictly,
// the sanitizer salvages; auth.Results.ShownFrom, given the authors the
// rebuilt From shows (sanitize.Additions), must agree only when the
// rebuilt message's From shows the address checked, and nothing of
// another domain. The output keeps its invariants with the one
// Authentication-Results field added.
func FuzzFromShown(f *testing.F) {
	for _, s := range []string{
		"yamada@example.jp", "山田 <yamada@example.jp>", "=?utf-8?q?soumu?=@example.jp", "a@example.jp, <broken@@x>",
		`"soumu@city.example.lg.jp" <x@attacker.example>`, "a@example.jp, b@attacker.example", "a@example.jp, b@example.jp",
		"Yamada <yamada@example.jp", "=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>", "x@例え.jp", "<>",
	} {
		f.Add(s)
	}
	from, _ := corpusAuthSeeds(f)
	for _, s := range from {
		f.Add(s)
	}
	c := newAuthChecker(f, "")
	san := sanitize.New(sanitize.DefaultPolicy())
	f.Fuzz(func(t *testing.T, from string) {
		res := checkFrom(t, c, from)
		if res == nil {
			return
		}
		checked := res.From
		agreed := false
		var out bytes.Buffer
		msg := "From: " + from + "\r\nSubject: x\r\n\r\nbody\r\n"
		_, err := san.MessageWith(context.Background(), &out, strings.NewReader(msg), sanitize.MessageOptions{
			Additions: func(authors []string) sanitize.Additions {
				agreed = res.ShownFrom(authors)
				return sanitize.Additions{Fields: []sanitize.Field{{Name: "Authentication-Results", Value: res.AuthenticationResults("gw.example")}}}
			},
		})
		if err != nil {
			return // refused (a limit, an ambiguity): nothing is shown
		}
		if _, err := sanitizetest.Check(out.Bytes(), sanitizetest.Options{AllowAuthResults: true}); err != nil {
			t.Fatalf("output: %v\n%s", err, out.Bytes())
		}
		if !agreed || checked.Problem != "" {
			return
		}
		// The authors the output shows, read back as a client reads them.
		m, err := mail.ReadMessage(&out)
		if err != nil {
			t.Fatal(err)
		}
		shown, err := (&mail.AddressParser{WordDecoder: new(mime.WordDecoder)}).ParseList(m.Header.Get("From"))
		if err != nil || len(shown) == 0 {
			t.Fatalf("agreed on %q, but the output's From %q reads as %v (%v)", checked.Address, m.Header.Get("From"), shown, err)
		}
		if at := strings.LastIndexByte(shown[0].Address, '@'); at < 0 || shown[0].Address[:at] != checked.Address[:strings.LastIndexByte(checked.Address, '@')] {
			t.Fatalf("checked %q, shows %q", checked.Address, shown[0].Address)
		}
		for _, a := range shown {
			// The domain a reply goes to: UTS #46 mapping, as DNS sees it.
			d, err := idna.Lookup.ToASCII(strings.TrimSuffix(a.Address[strings.LastIndexByte(a.Address, '@')+1:], "."))
			if err != nil || !strings.EqualFold(d, checked.Domain) {
				t.Fatalf("checked %s, also shows %q (%s, %v)", checked.Domain, a.Address, d, err)
			}
		}
	})
}

// checkFrom checks a message whose From field is from, nil when from
// cannot be one field (it holds a line break).
func checkFrom(t *testing.T, c *auth.Checker, from string) *auth.Results {
	t.Helper()
	if strings.ContainsAny(from, "\r\n") {
		return nil
	}
	msg := "From: " + from + "\r\nSubject: x\r\n\r\nbody\r\n"
	res, err := c.Check(context.Background(), auth.Input{}, strings.NewReader(msg))
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return res
}
