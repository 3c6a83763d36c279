package config

import (
	"slices"
	"testing"
	"time"
)

func TestPPAPValidation(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"window unit", "ppap:\n  window: 30\n",
			[]string{`f.yaml:2: ppap.window: 30s is out of range; use 1m to 87600h`}},
		{"window past retention", "ppap:\n  window: 45d\n",
			[]string{`f.yaml:2: ppap.window: 1080h is longer than vault.retention (720h): a held zip would be purged before its password mail could open it`}},
		{"retention under window", "vault:\n  retention: 12h\n",
			[]string{`f.yaml:2: vault.retention: 12h is shorter than ppap.window (24h): a held zip would be purged before its password mail could open it`}},
		{"max_tries", "ppap:\n  max_tries: 0\n",
			[]string{`f.yaml:2: ppap.max_tries: 0 is out of range; use 1 to 100`}},
		{"max_candidates", "ppap:\n  max_candidates: 1000\n",
			[]string{`f.yaml:2: ppap.max_candidates: 1000 is out of range; use 1 to 100`}},
		{"max_mail_tries", "ppap:\n  max_mail_tries: -1\n",
			[]string{`f.yaml:2: ppap.max_mail_tries: -1 is out of range; use 1 to 1000`}},
		{"type", "ppap:\n  by_mail: sometimes\n",
			[]string{`f.yaml:2: ppap.by_mail: want true or false, got "sometimes"`}},
		{"unknown key", "ppap:\n  windows: 1h\n",
			[]string{`f.yaml:2: unknown key "windows" in ppap (did you mean "window"?)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := problems(t, tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestPPAPPolicy(t *testing.T) {
	c := mustParse(t, "ppap:\n  window: 2h\n  max_tries: 3\n  max_candidates: 5\n  max_mail_tries: 50\n  by_mail: false\n")
	p := c.PPAPPolicy()
	if p.Window != 2*time.Hour || p.MaxPageTries != 3 || p.MaxCandidates != 5 || p.MaxMailTries != 50 || c.PPAP.ByMail || !c.PPAP.ByPage || !c.PPAP.Enabled {
		t.Errorf("policy %+v from %+v", p, c.PPAP)
	}
}
