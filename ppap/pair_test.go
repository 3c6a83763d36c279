package ppap

import (
	"testing"
	"time"
)

func TestPairs(t *testing.T) {
	t0 := time.Date(2024, 4, 1, 9, 30, 0, 0, time.FixedZone("JST", 9*3600))
	held := Mail{EnvelopeSender: "yamada@example.co.jp", HeaderFrom: "yamada@example.co.jp", Recipient: "soumu@city.example.lg.jp", Received: t0}
	later := func(change func(*Mail)) Mail {
		m := held
		m.Received = t0.Add(3 * time.Minute)
		change(&m)
		return m
	}
	for _, tc := range []struct {
		name   string
		later  Mail
		window time.Duration
		want   bool
	}{
		{"three minutes later", later(func(*Mail) {}), 0, true},
		{"the same message", later(func(m *Mail) { m.Received = t0 }), 0, true},
		{"at the window's end", later(func(m *Mail) { m.Received = t0.Add(DefaultWindow) }), 0, true},
		{"past the window", later(func(m *Mail) { m.Received = t0.Add(DefaultWindow + time.Second) }), 0, false},
		{"a shorter window", later(func(m *Mail) { m.Received = t0.Add(2 * time.Hour) }), time.Hour, false},
		{"before the archive", later(func(m *Mail) { m.Received = t0.Add(-time.Second) }), 0, false},
		{"letter case and a trailing dot", later(func(m *Mail) {
			m.EnvelopeSender, m.HeaderFrom, m.Recipient = "Yamada@Example.co.jp", "yamada@EXAMPLE.CO.JP.", "Soumu@city.example.lg.jp"
		}), 0, true},
		{"another envelope sender", later(func(m *Mail) { m.EnvelopeSender = "bounce-123@example.co.jp" }), 0, false},
		{"another From", later(func(m *Mail) { m.HeaderFrom = "suzuki@example.co.jp" }), 0, false},
		{"another recipient", later(func(m *Mail) { m.Recipient = "kikaku@city.example.lg.jp" }), 0, false},
		{"null sender", later(func(m *Mail) { m.EnvelopeSender = "" }), 0, false},
		{"no From", later(func(m *Mail) { m.HeaderFrom = "" }), 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Pairs(held, tc.later, tc.window); got != tc.want {
				t.Errorf("Pairs = %v, want %v", got, tc.want)
			}
		})
	}
	// Both null senders are no pair either.
	a, b := held, later(func(*Mail) {})
	a.EnvelopeSender, b.EnvelopeSender = "", ""
	if Pairs(a, b, 0) {
		t.Error("two null senders paired")
	}
}

func TestPolicy(t *testing.T) {
	var zero Policy
	if zero.PageLocked(4) || !zero.PageLocked(5) || !(Policy{MaxPageTries: 1}).PageLocked(1) {
		t.Error("PageLocked")
	}
	d := DefaultPolicy()
	if d.Window != 24*time.Hour || d.MaxCandidates != 10 || d.MaxMailTries != 20 || d.MaxPageTries != 5 {
		t.Errorf("DefaultPolicy %+v", d)
	}
	if got := (Policy{MaxCandidates: 1}).Candidates("PW: Abc123!\nパスワード：Xyz789?"); len(got) != 1 {
		t.Errorf("MaxCandidates: %q", got)
	}
}
