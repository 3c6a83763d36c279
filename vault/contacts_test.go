package vault

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
)

// TestHasWritten: the first-contact question, on both backends.
func TestHasWritten(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		k := newKeys(t)
		v := p.open(t, Options{Recipients: k.rcp})
		ctx := context.Background()
		for i, m := range []struct {
			from      string
			rcpts     []string
			delivered bool
		}{
			{"山田 太郎 <Yamada@Example.jp>", []string{"soumu@city.example.lg.jp", "kikaku@city.example.lg.jp"}, true},
			{"Sato, Ichiro <sato@example.jp>", []string{"keiri@city.example.lg.jp"}, true}, // net/mail refuses the comma
			{"undelivered@example.jp", []string{"soumu@city.example.lg.jp"}, false},
			{"percent@example.jp", []string{"a_b%c@city.example.lg.jp"}, true},
		} {
			env := envelope(fmt.Sprintf("Q%d", i))
			env.Rcpts = m.rcpts
			res := mustPut(t, v, env, message("x", "s"))
			if err := v.RecordOutcome(ctx, res.ID, Outcome{Verdict: "sanitized", Delivered: m.delivered,
				Headers: Headers{From: m.from}, Report: json.RawMessage(`{}`)}); err != nil {
				t.Fatal(err)
			}
		}
		// A message stored but with no outcome yet (in flight) does not count.
		env := envelope("Q9")
		env.Rcpts = []string{"soumu@city.example.lg.jp"}
		mustPut(t, v, env, message("y", "s"))

		for _, tc := range []struct {
			from string
			to   []string
			want bool
		}{
			{"yamada@example.jp", []string{"soumu@city.example.lg.jp"}, true},
			{"YAMADA@example.jp", []string{"Kikaku@City.example.lg.jp"}, true},
			{"yamada@example.jp", []string{"other@city.example.lg.jp", "kikaku@city.example.lg.jp"}, true},
			{"yamada@example.jp", []string{"keiri@city.example.lg.jp"}, false},
			{"yamada@example.jp", []string{"soumu@city.example.lg.jp.evil"}, false},
			{"yamada@example.jp", []string{"oumu@city.example.lg.jp"}, false}, // a line's tail is not the line
			{"sato@example.jp", []string{"keiri@city.example.lg.jp"}, true},
			{"undelivered@example.jp", []string{"soumu@city.example.lg.jp"}, false},
			{"percent@example.jp", []string{"a_b%c@city.example.lg.jp"}, true},
			{"percent@example.jp", []string{"aXb%c@city.example.lg.jp"}, false}, // _ is no wildcard
			{"percent@example.jp", []string{"a_b%@city.example.lg.jp"}, false},  // % is no wildcard
			{"nobody@example.jp", []string{"soumu@city.example.lg.jp"}, false},
			{"", []string{"soumu@city.example.lg.jp"}, false},
		} {
			got, err := v.HasWritten(ctx, tc.from, tc.to)
			if err != nil || got != tc.want {
				t.Errorf("HasWritten(%q, %q) = %v, %v; want %v", tc.from, tc.to, got, err, tc.want)
			}
		}
	})
}

func TestAuthorOf(t *testing.T) {
	for in, want := range map[string]string{
		"山田 <Yamada@example.jp>":           "yamada@example.jp",
		"a@example.jp":                     "a@example.jp",
		"<a@example.jp>":                   "a@example.jp",
		"Sato, Ichiro <sato@example.jp>":   "sato@example.jp",
		"\"x <evil@x>\" <real@example.jp>": "real@example.jp",
		"undisclosed":                      "",
		"a@example.jp, b@example.jp":       "",
		"":                                 "",
	} {
		if got := authorOf(in); got != want {
			t.Errorf("authorOf(%q) = %q, want %q", in, got, want)
		}
	}
}
