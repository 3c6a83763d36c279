package gateway

import (
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/mugai/mugai/smtpd"
	"github.com/mugai/mugai/smtpd/reply"
)

func TestDomains(t *testing.T) {
	ds := newDomains([]string{"example.lg.jp", "kikaku.example.lg.jp"})
	for d, want := range map[string]bool{
		"example.lg.jp": true, "EXAMPLE.lg.JP": true, "example.lg.jp.": true,
		"sub.example.lg.jp": false, "lg.jp": false, "": false, "example.lg.jp..": false,
		"kikaku.example.lg.jp": true, "KIKAKU.example.lg.jp": true,
		// KELVIN SIGN lower-cases to "k" in Unicode, not in a domain.
		"\u212Aikaku.example.lg.jp": false,
		// The same for the dotless i's upper case and the long s.
		"k\u0130kaku.example.lg.jp": false, "example.lg.jp\u017F": false,
	} {
		if got := ds.contains(d); got != want {
			t.Errorf("contains(%q) = %v", d, got)
		}
	}
	if newDomains(nil) != nil || newDomains(nil).contains("example.lg.jp") {
		t.Error("an empty list must contain nothing (the caller decides what empty means)")
	}
}

func TestRoutePick(t *testing.T) {
	gw, err := build(t, `relay:
  networks: [0.0.0.0/0]
  internal_networks: [10.20.0.0/16]
delivery: {next_hop: "192.0.2.1:25"}
policies:
  strict: {links: remove}
  out: {passthrough: true}
routes:
  - recipient_domains: [soumu.example.lg.jp]
    sender_domains: [partner.example.jp]
    policy: strict
  - client_networks: [10.20.0.0/16]
    policy: out
    next_hop: 198.51.100.7:25
  - recipient_domains: [soumu.example.lg.jp]
    next_hop: 10.0.0.9:25
`)
	if err != nil {
		t.Fatal(err)
	}
	lan, inet := netip.MustParseAddr("10.20.1.1"), netip.MustParseAddr("192.0.2.25")
	for _, tt := range []struct {
		client       netip.Addr
		sender, rcpt string
		want         string
	}{
		{inet, "partner.example.jp", "soumu.example.lg.jp", "strict smtp:192.0.2.1:25"},
		{inet, "PARTNER.example.jp", "Soumu.Example.LG.jp", "strict smtp:192.0.2.1:25"},
		{inet, "other.example.jp", "soumu.example.lg.jp", "default smtp:10.0.0.9:25"}, // both lists must match
		{inet, "", "soumu.example.lg.jp", "default smtp:10.0.0.9:25"},                 // null sender
		{lan, "example.lg.jp", "gmail.example", "out smtp:198.51.100.7:25"},
		{lan, "partner.example.jp", "soumu.example.lg.jp", "strict smtp:192.0.2.1:25"}, // first match wins
		{inet, "partner.example.jp", "other.example.lg.jp", "default smtp:192.0.2.1:25"},
	} {
		if got := gw.routing.pick(tt.client, tt.sender, tt.rcpt).name; got != tt.want {
			t.Errorf("pick(%v, %q, %q) = %q, want %q", tt.client, tt.sender, tt.rcpt, got, tt.want)
		}
	}
	var names []string
	for _, tg := range gw.Targets() {
		names = append(names, tg.Name())
	}
	if want := []string{"smtp:10.0.0.9:25", "smtp:192.0.2.1:25", "smtp:198.51.100.7:25"}; !slices.Equal(names, want) {
		t.Errorf("targets %q, want %q (one per destination)", names, want)
	}
}

// TestRouteRelayCheck is Route on addresses as smtpd hands them over:
// relay.domains binds Internet-side clients only, and an address that is
// not canonical (smtpd refuses a KELVIN SIGN in a domain, IDNA2008 has no
// such letter) never matches a domain by folding.
func TestRouteRelayCheck(t *testing.T) {
	gw, err := build(t, `relay:
  domains: [kikaku.example.lg.jp]
  networks: [0.0.0.0/0]
  internal_networks: [10.20.0.0/16]
`)
	if err != nil {
		t.Fatal(err)
	}
	inet := netip.MustParseAddrPort("192.0.2.25:1025")
	lan := netip.MustParseAddrPort("10.20.1.1:1025")
	for _, tt := range []struct {
		client netip.AddrPort
		from   string
		rcpt   string
		want   string // the reply, "" for a route
	}{
		{inet, "a@example.jp", "bob@kikaku.example.lg.jp", ""},
		{inet, "", "bob@kikaku.example.lg.jp", ""},
		{inet, "a@example.jp", "bob@other.example.lg.jp", "550 5.7.1 relay not permitted"},
		{lan, "a@example.jp", "bob@other.example.lg.jp", ""},
		{inet, "a@example.jp", "bob@\u212Aikaku.example.lg.jp", "553 5.1.3 invalid recipient address"},
		{inet, "a@example.jp", "bob@KIKAKU.example.lg.jp", "553 5.1.3 invalid recipient address"},
		{inet, "a@example.jp", "postmaster", "553 5.1.3 invalid recipient address"},
		{inet, "a b@example.jp", "bob@kikaku.example.lg.jp", "553 5.1.7 invalid sender address"},
	} {
		route, err := gw.Route(&smtpd.Envelope{Client: tt.client, From: tt.from}, tt.rcpt)
		var r *reply.Reply
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%v <%s> <%s>: %v", tt.client, tt.from, tt.rcpt, err)
		case tt.want == "" && (route.Filter == nil || route.Begin == nil || route.Name != "default maildir:./mugai-outbox"):
			t.Errorf("%v <%s> <%s>: route %+v", tt.client, tt.from, tt.rcpt, route)
		case tt.want != "" && (!errors.As(err, &r) || r.String() != tt.want):
			t.Errorf("%v <%s> <%s>: got %v, want %s", tt.client, tt.from, tt.rcpt, err, tt.want)
		}
	}
}

// TestRouteGivesEachTransactionItsMessage: two transactions on one route
// share its name (smtpd groups recipients by it) but not their message,
// where the pipeline keeps per-message state.
func TestRouteGivesEachTransactionItsMessage(t *testing.T) {
	gw, err := build(t, "relay: {networks: [0.0.0.0/0]}\n")
	if err != nil {
		t.Fatal(err)
	}
	env := &smtpd.Envelope{Client: netip.MustParseAddrPort("192.0.2.25:1025"), From: "a@example.jp"}
	a, errA := gw.Route(env, "bob@example.lg.jp")
	b, errB := gw.Route(env, "carol@example.lg.jp")
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if a.Name != b.Name || a.Filter == b.Filter {
		t.Errorf("routes %q and %q share a message or differ in name", a.Name, b.Name)
	}
}
