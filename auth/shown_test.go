package auth

import "testing"

func TestShownFrom(t *testing.T) {
	checked := func() *Results {
		r := results(Pass, Pass, PolicyNone)
		r.From = FromHeader{Address: "yamada@example.jp", Domain: "example.jp"}
		r.DMARC.SPFAligned = true
		return r
	}
	for _, tc := range []struct {
		name    string
		authors []string
		same    bool
	}{
		{"same", []string{"yamada@example.jp"}, true},
		{"domain case and IDNA form", []string{"yamada@EXAMPLE.jp."}, true},
		{"two authors of the domain", []string{"yamada@example.jp", "sato@example.jp"}, true},
		{"another address", []string{"boss@example.jp"}, false},
		{"local part case", []string{"Yamada@example.jp"}, false},
		{"another domain", []string{"yamada@example.net"}, false},
		{"a second author elsewhere", []string{"yamada@example.jp", "x@attacker.example"}, false},
		{"no author shown", nil, false},
	} {
		r := checked()
		if got := r.ShownFrom(tc.authors); got != tc.same {
			t.Errorf("%s: ShownFrom = %v, want %v", tc.name, got, tc.same)
			continue
		}
		if tc.same {
			continue
		}
		if r.DMARC.Value != PermError || r.From.Problem == "" {
			t.Errorf("%s: dmarc %s, From problem %q", tc.name, r.DMARC.Value, r.From.Problem)
		}
		v := Decide(r, Policy{OnFail: FailReject}, Facts{})
		if v.Action != Reject || len(v.Problems) == 0 || v.Problems[0].Code != ProblemFrom {
			t.Errorf("%s: verdict %s %v, want a From failure", tc.name, v.Action, v.Codes())
		}
	}
	r := checked()
	r.From = FromHeader{Problem: "no From field"}
	if !r.ShownFrom([]string{"x@example.jp"}) {
		t.Error("a From problem already: nothing to compare")
	}
}
