package smtpd_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/mugai/mugai/smtpd"
)

// envelopeLines are the MAIL and RCPT command lines a next hop received.
func envelopeLines(cmds []string) []string {
	var out []string
	for _, l := range cmds {
		u := strings.ToUpper(l)
		if strings.HasPrefix(u, "MAIL ") || strings.HasPrefix(u, "RCPT ") {
			out = append(out, l)
		}
	}
	return out
}

// TestEnvelopeAddresses: whatever form of an address the client uses,
// the relay checks and sends one canonical RFC 5321 form (§4.1.2), or
// refuses it; a quoted local part never smuggles a recipient, a
// parameter or a source route to the next hop (the bypass of issue 19).
func TestEnvelopeAddresses(t *testing.T) {
	tests := []struct {
		name string
		mail string // MAIL FROM argument; default <alice@example.org>
		rcpt string // RCPT TO argument
		// The replies to MAIL and RCPT ("250", "553 5.1.3", ...); an empty
		// rcptReply with a refused MAIL means RCPT is not sent.
		mailReply, rcptReply string
		// The MAIL and RCPT lines at the next hop (none when nothing was
		// accepted).
		hop []string
	}{
		{name: "plain", rcpt: "<bob@example.jp>", rcptReply: "250",
			hop: []string{"MAIL FROM:<alice@example.org> BODY=8BITMIME", "RCPT TO:<bob@example.jp>"}},
		{name: "quoted recipient hides another recipient and ORCPT",
			rcpt: `<"victim@evil.example> ORCPT=rfc822;x"@example.jp>`, rcptReply: "553 5.1.3"},
		{name: "quoted recipient as a source route",
			rcpt: `<"a@evil.example"@example.jp>`, rcptReply: "553 5.1.3"},
		{name: "unquoted second at sign", rcpt: "<bob@evil.example@example.jp>", rcptReply: "553 5.1.3"},
		{name: "domain with an at sign", rcpt: "<bob@example.jp@evil.example>", rcptReply: "553 5.1.3"},
		{name: "quoted sender changes the sender and adds parameters",
			mail: `<"a@evil.example> RET=FULL ENVID=x AUTH=<>"@example.org>`, mailReply: "553 5.1.7"},
		{name: "quoted angle bracket", rcpt: `<"bob>"@example.jp>`, rcptReply: "553 5.1.3"},
		{name: "quoted backslash", rcpt: `<"b\\ob"@example.jp>`, rcptReply: "553 5.1.3"},
		{name: "quoted quote", rcpt: `<"b\"ob"@example.jp>`, rcptReply: "553 5.1.3"},
		{name: "percent hack", rcpt: "<victim%evil.example@example.jp>", rcptReply: "550 5.7.1"},
		{name: "bang path", rcpt: "<evil.example!victim@example.jp>", rcptReply: "550 5.7.1"},
		{name: "needless quotes are dropped", rcpt: `<"bob"@example.jp>`, rcptReply: "250",
			hop: []string{"MAIL FROM:<alice@example.org> BODY=8BITMIME", "RCPT TO:<bob@example.jp>"}},
		{name: "space is quoted", rcpt: `<"bob smith"@example.jp>`, rcptReply: "250",
			hop: []string{"MAIL FROM:<alice@example.org> BODY=8BITMIME", `RCPT TO:<"bob smith"@example.jp>`}},
		{name: "dots that are not a dot-string are quoted", rcpt: "<bob..smith.@example.jp>", rcptReply: "250",
			hop: []string{"MAIL FROM:<alice@example.org> BODY=8BITMIME", `RCPT TO:<"bob..smith."@example.jp>`}},
		{name: "quoted sender", mail: `<"alice smith"@example.org>`, mailReply: "250", rcpt: "<bob@example.jp>", rcptReply: "250",
			hop: []string{`MAIL FROM:<"alice smith"@example.org> BODY=8BITMIME`, "RCPT TO:<bob@example.jp>"}},
		{name: "source route is ignored", rcpt: "<@relay.example,@other.example:bob@example.jp>", rcptReply: "250",
			hop: []string{"MAIL FROM:<alice@example.org> BODY=8BITMIME", "RCPT TO:<bob@example.jp>"}},
		{name: "domain in upper case", rcpt: "<Bob@EXAMPLE.JP>", rcptReply: "250",
			hop: []string{"MAIL FROM:<alice@example.org> BODY=8BITMIME", "RCPT TO:<Bob@example.jp>"}},
		{name: "postmaster", rcpt: "<Postmaster@example.jp>", rcptReply: "250",
			hop: []string{"MAIL FROM:<alice@example.org> BODY=8BITMIME", "RCPT TO:<Postmaster@example.jp>"}},
		{name: "null sender", mail: "<>", mailReply: "250", rcpt: "<bob@example.jp>", rcptReply: "250",
			hop: []string{"MAIL FROM:<> BODY=8BITMIME", "RCPT TO:<bob@example.jp>"}},
		{name: "trailing dot", rcpt: "<bob@example.jp.>", rcptReply: "250",
			hop: []string{"MAIL FROM:<alice@example.org> BODY=8BITMIME", "RCPT TO:<bob@example.jp>"}},
		{name: "two trailing dots", rcpt: "<bob@example.jp..>", rcptReply: "553 5.1.3"},
		{name: "bad domain character", rcpt: "<bob@exa_mple.jp>", rcptReply: "553 5.1.3"},
		{name: "empty label", rcpt: "<bob@example..jp>", rcptReply: "553 5.1.3"},
		{name: "address literal not relayed", rcpt: "<bob@[127.0.0.1]>", rcptReply: "550 5.7.1"},
		{name: "general address literal", rcpt: "<bob@[x:y]>", rcptReply: "553 5.1.3"},
		{name: "NUL in recipient", rcpt: "<bob\x00@example.jp>", rcptReply: "501 5.5.4"},
		{name: "NUL in domain", rcpt: "<bob@example.jp\x00>", rcptReply: "501 5.5.4"},
		{name: "control character in sender", mail: "<ali\x01ce@example.org>", mailReply: "501 5.5.4"},
		{name: "DEL in recipient", rcpt: "<bob\x7f@example.jp>", rcptReply: "501 5.5.4"},
		{name: "escape in quoted recipient", rcpt: "<\"bob\x1b[2J\"@example.jp>", rcptReply: "501 5.5.4"},
		{name: "8-bit without SMTPUTF8", rcpt: "<山田@example.jp>", rcptReply: "553 5.6.7"},
		{name: "8-bit sender without SMTPUTF8", mail: "<山田@example.org>", mailReply: "553 5.6.7"},
		{name: "SMTPUTF8", mail: "<山田@example.org> SMTPUTF8", mailReply: "250", rcpt: "<鈴木@example.jp>", rcptReply: "250",
			hop: []string{"MAIL FROM:<山田@example.org> BODY=8BITMIME SMTPUTF8", "RCPT TO:<鈴木@example.jp>"}},
		{name: "SMTPUTF8, invalid UTF-8", mail: "<alice@example.org> SMTPUTF8", mailReply: "250", rcpt: "<\xff@example.jp>", rcptReply: "501 5.5.4"},
		{name: "SMTPUTF8, bidi override", mail: "<alice@example.org> SMTPUTF8", mailReply: "250", rcpt: "<bob\u202e@example.jp>", rcptReply: "501 5.5.4"},
		{name: "SMTPUTF8, internationalized domain goes as A-labels", mail: "<alice@example.org> SMTPUTF8", mailReply: "250",
			rcpt: "<bob@例え.example.jp>", rcptReply: "250",
			hop: []string{"MAIL FROM:<alice@example.org> BODY=8BITMIME SMTPUTF8", "RCPT TO:<bob@xn--r8jz45g.example.jp>"}},
		{name: "SMTPUTF8, domain not in IDNA2008 form", mail: "<alice@example.org> SMTPUTF8", mailReply: "250",
			rcpt: "<bob@ＥＸＡＭＰＬＥ.jp>", rcptReply: "553 5.1.3"},
	}
	h := start(t, func(h *harness, cfg *smtpd.Config) {
		cfg.Router = relayFor([]string{"example.jp", "xn--r8jz45g.example.jp"},
			smtpd.Route{Name: "default", Filter: upperFilter(), Begin: testHop(h.hop.Addr).Begin})
		cfg.MaxProtocolErrors = 1000
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(h.hop.Commands())
			c := h.session()
			mail := tt.mail
			if mail == "" {
				mail = "<alice@example.org>"
			}
			check := func(what, line, want string) bool {
				t.Helper()
				if want == "" {
					want = "250"
				}
				code, msg := c.cmd(line)
				got := itoa(code)
				if code != 250 {
					got += " " + strings.SplitN(msg, " ", 2)[0]
				}
				if got != want {
					t.Errorf("%s %q: %d %s, want %s", what, line, code, msg, want)
				}
				return code == 250
			}
			if check("MAIL", "MAIL FROM:"+mail, tt.mailReply) && tt.rcpt != "" {
				check("RCPT", "RCPT TO:"+tt.rcpt, tt.rcptReply)
			}
			c.cmd("QUIT")
			c.wantClosed()
			got := envelopeLines(h.hop.Commands()[before:])
			if !slices.Equal(got, tt.hop) {
				t.Errorf("next hop got\n%q\nwant\n%q", got, tt.hop)
			}
		})
	}
}

// TestEnvelopeCanonicalEverywhere: the canonical form of a quoted
// recipient is also what the Received: trace and the log line carry.
func TestEnvelopeCanonicalEverywhere(t *testing.T) {
	h := start(t, nil)
	c := h.session()
	code, msg := c.sendMail(`"alice smith"@example.org`, []string{`"bob smith"@example.jp`}, simpleBody)
	if code != 250 {
		t.Fatalf("end of data: %d %s", code, msg)
	}
	m := h.hop.Messages()
	if len(m) != 1 {
		t.Fatalf("%d messages", len(m))
	}
	if !strings.Contains(string(m[0].Data), "\tfor <\"bob smith\"@example.jp>; ") {
		t.Errorf("Received: trace lacks the canonical recipient:\n%s", m[0].Data)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, `"from":"\"alice smith\"@example.org"`) || !strings.Contains(logs, `"rcpts":["\"bob smith\"@example.jp"]`) {
		t.Errorf("log line lacks the canonical addresses:\n%s", logs)
	}
}

// TestEmptyMessage: a message of no bytes (BDAT 0 LAST, or a DATA of only
// the final dot) has no From and no Date; it is refused, never relayed.
func TestEmptyMessage(t *testing.T) {
	h := start(t, nil)
	for _, tt := range []struct{ name, data string }{
		{"DATA", "DATA\r\n.\r\n"},
		{"DATA of empty lines", "DATA\r\n\r\n\r\n.\r\n"},
		{"BDAT 0 LAST", "BDAT 0 LAST\r\n"},
		{"BDAT chunks of nothing", "BDAT 0\r\nBDAT 0 LAST\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := h.session()
			c.expect(250, "MAIL FROM:<alice@example.org>")
			c.expect(250, "RCPT TO:<bob@example.jp>")
			c.raw(tt.data)
			code, msg := c.reply()
			if code == 354 || (strings.HasPrefix(tt.data, "BDAT 0\r\n") && code == 250) {
				code, msg = c.reply()
			}
			if code != 554 || !strings.HasPrefix(msg, "5.6.0 ") {
				t.Fatalf("got %d %s, want 554 5.6.0", code, msg)
			}
			c.expect(250, "NOOP") // the session goes on
		})
	}
	if n := len(h.hop.Messages()); n != 0 {
		t.Fatalf("next hop got %d messages", n)
	}
}
