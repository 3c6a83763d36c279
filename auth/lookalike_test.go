package auth

import (
	"testing"
)

func TestLookalike(t *testing.T) {
	var protected []protectedDomain
	for _, d := range []string{"city.example.lg.jp", "soumu.go.jp", "mizuho-bank.co.jp", "pref.oita.lg.jp"} {
		p, ok := newProtectedDomain(d)
		if !ok {
			t.Fatalf("newProtectedDomain(%q) failed", d)
		}
		protected = append(protected, p)
	}
	for _, tc := range []struct {
		from, real, how string // how "" = no finding
	}{
		// The real domains and their own subdomains are not lookalikes.
		{"city.example.lg.jp", "", ""},
		{"mail.city.example.lg.jp", "", ""},
		{"example.lg.jp", "", ""},
		{"unrelated.example", "", ""},
		{"gmail.com", "", ""},
		// Confusable skeletons (UTS #39).
		{"city.exarnple.lg.jp", "city.example.lg.jp", "confusable"},
		{"city.examp1e.lg.jp", "city.example.lg.jp", "confusable"},
		{"exarnple.lg.jp", "city.example.lg.jp", "confusable"},
		{"s0umu.go.jp", "soumu.go.jp", "typo"}, // 0 is confusable with O, not o: one edit
		// IDN homographs: Cyrillic о, ѕ and а.
		{"xn--sumu-55d.go.jp", "soumu.go.jp", "homograph"},             // sоumu
		{"xn--oumu-f9d.go.jp", "soumu.go.jp", "homograph"},             // ѕoumu
		{"xn--mizuho-bnk-6qi.co.jp", "mizuho-bank.co.jp", "homograph"}, // mizuho-bаnk
		// Edit distance, long enough labels only.
		{"mizuho-bamk.co.jp", "mizuho-bank.co.jp", "typo"},
		{"mizuho-bnak.co.jp", "mizuho-bank.co.jp", "typo"},
		{"mizuhobank.co.jp", "mizuho-bank.co.jp", "typo"},
		{"pref.ota.lg.jp", "", ""}, // ota and oita are both real
		// Same name, other suffix.
		{"mizuho-bank.com", "mizuho-bank.co.jp", "cousin"},
		{"example.jp", "city.example.lg.jp", "cousin"},
		// The protected name inside another domain.
		{"city.example.lg.jp.attacker.example", "city.example.lg.jp", "embedded"},
		{"city-example-lg-jp.attacker.example", "city.example.lg.jp", "embedded"},
	} {
		f, ok := lookalike(tc.from, protected)
		if tc.how == "" {
			if ok {
				t.Errorf("%s: finding %+v, want none", tc.from, f)
			}
			continue
		}
		if !ok || f.How != tc.how || f.Real != tc.real || f.Shown != tc.from || f.Kind != Lookalike {
			t.Errorf("%s: finding %+v, %v; want %s of %s", tc.from, f, ok, tc.how, tc.real)
		}
	}
}

func TestDisplayNameAddress(t *testing.T) {
	for _, tc := range []struct {
		name, addr, shown string
	}{
		{"soumu@city.example.lg.jp", "x@attacker.example", "soumu@city.example.lg.jp"},
		{"総務課 (soumu＠city.example.lg.jp)", "x@attacker.example", "soumu@city.example.lg.jp"}, // fullwidth ＠
		{"ｓｏｕｍｕ@city.example.lg.jp", "x@attacker.example", "soumu@city.example.lg.jp"},
		{"yamada@example.jp", "yamada@example.jp", ""},
		{"YAMADA@Example.JP", "yamada@example.jp", ""},
		{"山田 太郎", "yamada@example.jp", ""},
		{"Support at example", "a@example.jp", ""},
	} {
		f, ok := displayNameAddress(FromHeader{Name: tc.name, Address: tc.addr, Domain: domainOf(tc.addr)})
		switch {
		case tc.shown == "" && ok:
			t.Errorf("%q <%s>: finding %+v, want none", tc.name, tc.addr, f)
		case tc.shown != "" && (!ok || f.Shown != tc.shown || f.Real != tc.addr):
			t.Errorf("%q <%s>: finding %+v, %v; want %s shown", tc.name, tc.addr, f, ok, tc.shown)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "abc", 0}, {"abc", "abd", 1}, {"abc", "acb", 1}, {"abc", "ab", 1},
		{"kitten", "sitting", 3}, {"総務", "総務課", 1},
	} {
		if got := editDistance(tc.a, tc.b, 5); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if got := editDistance("kitten", "sitting", 1); got != 2 {
		t.Errorf("over the limit: %d, want limit+1", got)
	}
}

// TestImpersonationInCheck runs the findings through Check.
func TestImpersonationInCheck(t *testing.T) {
	s := world(t)
	s.TXT("exarnple.lg.jp", "v=spf1 ip4:198.51.100.0/24 -all")
	s.TXT("_dmarc.exarnple.lg.jp", "v=DMARC1; p=reject")
	c := newChecker(t, s)
	msg := plain(`"soumu@city.example.lg.jp" <info@exarnple.lg.jp>`)
	res := check(t, c, input(strangerIP, "info@exarnple.lg.jp"), msg)
	if res.DMARC.Value != Pass {
		t.Errorf("the lookalike domain passes its own DMARC: got %s", res.DMARC.Value)
	}
	if len(res.Findings) != 2 || res.Findings[0].Kind != DisplayNameAddress || res.Findings[1].Kind != Lookalike {
		t.Fatalf("findings %+v, want display name and lookalike", res.Findings)
	}
}
