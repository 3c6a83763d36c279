package delivery

import (
	"context"
	"strings"
	"testing"

	"github.com/mugai/mugai/internal/smtptest"
)

// TestNextHopRefusesNonCanonicalAddresses: go-smtp's client writes
// "MAIL FROM:<%s>" and "RCPT TO:<%s>" around whatever it is given, so an
// address that is not in canonical RFC 5321 form never reaches it: a
// caller's bug must not become a second recipient or a parameter.
func TestNextHopRefusesNonCanonicalAddresses(t *testing.T) {
	srv := smtptest.NewServer(t, nil)
	ctx := context.Background()
	t.Run("sender", func(t *testing.T) {
		env := testEnv()
		env.From = "a@evil.example> RET=FULL ENVID=x"
		_, err := testHop(srv.Addr).Begin(ctx, env)
		wantStatus(t, err, 553, [3]int{5, 1, 7})
	})
	t.Run("recipient", func(t *testing.T) {
		d, err := testHop(srv.Addr).Begin(ctx, testEnv())
		if err != nil {
			t.Fatal(err)
		}
		defer d.Abort()
		for _, rcpt := range []string{
			"victim@evil.example> ORCPT=rfc822;x@example.jp",
			"a@evil.example@example.jp",
			`"bob"@example.jp`, // quoted without need: not canonical
			"bob@EXAMPLE.jp",
			"bob smith@example.jp",
			"postmaster",
		} {
			wantStatus(t, d.AddRecipient(ctx, rcpt), 553, [3]int{5, 1, 3})
		}
		if err := d.AddRecipient(ctx, `"bob smith"@example.jp`); err != nil {
			t.Fatalf("canonical quoted recipient: %v", err)
		}
	})
	for _, l := range srv.Commands() {
		if strings.Contains(l, "evil") || strings.Contains(strings.ToUpper(l), "RCPT TO:<BOB") {
			t.Errorf("next hop got %q", l)
		}
	}
}

// TestNextHopGreetsOnce: whatever the TLS mode, the next hop hears one
// EHLO per session; a server that refuses a second one (503, as Python's
// smtpd does) still gets the mail (issue 11).
func TestNextHopGreetsOnce(t *testing.T) {
	ca := smtptest.NewCA(t)
	for _, tt := range []struct {
		name string
		mode TLSMode
		tls  bool // the next hop offers STARTTLS
	}{
		{"none", TLSNone, false},
		{"opportunistic, not offered", TLSOpportunistic, false},
		{"opportunistic, offered", TLSOpportunistic, true},
		{"required", TLSRequired, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.NewServer(t, nil)
			if tt.tls {
				srv = smtptest.NewServer(t, ca.ServerTLS(t, "nexthop.test"))
			}
			srv.SetBehavior(smtptest.Behavior{RefuseRepeatedHello: true})
			h := testHop(srv.Addr)
			h.TLS, h.RootCAs, h.ServerName = tt.mode, ca.Pool(), "nexthop.test"
			if err := send(t, h, []string{"bob@example.jp"}, strings.NewReader(testMessage)); err != nil {
				t.Fatalf("send: %v", err)
			}
			if m := srv.Messages(); len(m) != 1 || m[0].TLS != tt.tls {
				t.Fatalf("messages %+v", m)
			}
			hellos := 0
			for _, l := range srv.Commands() { // the plain-text part
				if strings.HasPrefix(l, "EHLO ") || strings.HasPrefix(l, "HELO ") {
					hellos++
				}
			}
			if hellos != 1 {
				t.Errorf("%d greetings in plain text: %q", hellos, srv.Commands())
			}
		})
	}
}
