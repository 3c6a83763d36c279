package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/mail"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/internal/authtest"
	"github.com/mugai/mugai/internal/smtptest"
	"github.com/mugai/mugai/metrics"
	"github.com/mugai/mugai/sanitize"
	"github.com/mugai/mugai/smtpd"
	"github.com/mugai/mugai/vault"
)

// authWorld is the DNS of the sender authentication tests: senders with
// SPF, DKIM and DMARC records that pass, fail, are missing, broken, or
// cannot be looked up.
type authWorld struct {
	dns  *authtest.DNSServer
	yaml string // the dns section
	key  *authtest.Key
}

var (
	worldKeyOnce sync.Once
	worldKey     *authtest.Key
)

func newAuthWorld(t testing.TB) *authWorld {
	t.Helper()
	worldKeyOnce.Do(func() { worldKey = authtest.NewRSAKey(t, "sender.jp", "sel") })
	s, yaml := authDNS(t)
	// sender.jp: mail from 127.0.0.5 only, signed, DMARC p=reject.
	s.TXT("sender.jp", "v=spf1 ip4:127.0.0.5 -all")
	s.TXT("_dmarc.sender.jp", "v=DMARC1; p=reject")
	worldKey.Publish(s)
	// nodmarc.example: SPF but no DMARC record.
	s.TXT("nodmarc.example", "v=spf1 ip4:127.0.0.5 -all")
	// temp.example: its server fails.
	s.Fail("temp.example", dns.RcodeServerFailure)
	s.Fail("_dmarc.temp.example", dns.RcodeServerFailure)
	// perm.example: broken records.
	s.TXT("perm.example", "v=spf1 ip4:not-an-address -all")
	s.TXT("_dmarc.perm.example", "v=DMARC1; p=bogus")
	// none.example has nothing at all.
	return &authWorld{dns: s, yaml: yaml, key: worldKey}
}

// relayConfig is a relay to next with the world's DNS and extra (auth
// settings). Clients 127.0.0.1 is a forwarder (Postfix on this host),
// 127.0.0.3 is the LGWAN side.
func (w *authWorld) relayConfig(next, extra string) string {
	return w.yaml + fmt.Sprintf(`
hostname: gw.city.example.lg.jp
listen: {smtp: "127.0.0.1:0"}
relay:
  domains: [city.example.lg.jp]
  networks: [127.0.0.0/8]
  forwarders: [127.0.0.1/32]
  internal_networks: [127.0.0.3/32]
delivery: {next_hop: "%s", tls: none}
%s`, next, extra)
}

// submission is one message sent to the relay.
type submission struct {
	client   string // the local address the test connects from
	xforward string // an XFORWARD command's arguments, if any
	mailFrom string
	data     []byte
}

// send sends s to the relay at addr over SMTP.
func send(t *testing.T, addr string, s submission) error {
	t.Helper()
	c := dialFrom(t, addr, netip.MustParseAddr(s.client))
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if s.xforward != "" {
		id, err := c.Text.Cmd("XFORWARD %s", s.xforward)
		if err != nil {
			t.Fatal(err)
		}
		c.Text.StartResponse(id)
		_, _, err = c.Text.ReadResponse(250)
		c.Text.EndResponse(id)
		if err != nil {
			t.Fatalf("XFORWARD: %v", err)
		}
	}
	if err := c.Mail(s.mailFrom); err != nil {
		return err
	}
	if err := c.Rcpt("soumu@city.example.lg.jp"); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	w.Write(s.data)
	return w.Close()
}

// authMail is a message from author with subject; extra header lines go
// first.
func authMail(author, subject, extra string) []byte {
	return []byte(extra + "From: " + author + "\r\nTo: soumu@city.example.lg.jp\r\nSubject: " + subject +
		"\r\nDate: Mon, 06 Oct 2025 10:00:00 +0900\r\nMessage-ID: <" + strings.ReplaceAll(subject, " ", ".") +
		"@sender.jp>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nお世話になっております。\r\n")
}

// delivered is what the next hop got: the Authentication-Results fields,
// the decoded subject and the body text.
type delivered struct {
	authResults []string
	subject     string
	body        string
}

func lastDelivered(t *testing.T, next *smtptest.Server, n int) delivered {
	t.Helper()
	msgs := next.WaitMessages(n, 10*time.Second)
	if len(msgs) != n {
		t.Fatalf("next hop got %d messages, want %d", len(msgs), n)
	}
	data := msgs[n-1].Data
	body := bodyOf(t, data)
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	return delivered{authResults: m.Header["Authentication-Results"], subject: subject, body: body}
}

// TestAuthRelay relays mail through a relay with sender authentication
// over sockets, with the DNS answered on loopback: pass, fail, none,
// temperror and permerror of SPF, DKIM and DMARC, the original client
// from the connection or from XFORWARD, the trusted upstream, the From
// shown against the From checked, and what each policy does with them.
func TestAuthRelay(t *testing.T) {
	w := newAuthWorld(t)
	next := smtptest.NewServer(t, nil)
	var logs bytes.Buffer
	var logMu sync.Mutex
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, "test")
	opts := testOptions(t)
	opts.Logger = slog.New(slog.NewTextHandler(lockedWriter{&logs, &logMu}, nil))
	opts.Observer = m
	opts.History = history{"yamada@sender.jp": true}
	tag := startRelayWith(t, w.relayConfig(next.Addr, `auth:
  external_tag: "[外部]"
  first_contact_note: true
  trusted_authserv_id: mx.city.example.lg.jp
`), opts)
	strict := startRelay(t, w.relayConfig(next.Addr, "auth: {on_fail: reject, on_temperror: defer}\n"))
	honor := startRelay(t, w.relayConfig(next.Addr, "auth: {honor_reject: true}\n"))

	signed := w.key.Sign(t, authMail("山田 <yamada@sender.jp>", "signed", ""))
	tampered := bytes.Replace(signed, []byte("お世話になっております。"), []byte("振込先が変わりました。"), 1)
	upstream := "Authentication-Results: mx.city.example.lg.jp; spf=pass smtp.mailfrom=sender.jp;\r\n" +
		" dkim=pass header.d=sender.jp; dmarc=pass header.from=sender.jp\r\n"
	forged := "Authentication-Results: evil.example; dmarc=pass header.from=sender.jp\r\n"

	const tagged, firstContact, failed = "[なりすまし注意]", "初めて届いたメール", "に失敗しました"
	n := 0 // messages at the next hop
	for _, tc := range []struct {
		name  string
		relay string
		s     submission
		// For a delivered message: what its one Authentication-Results
		// field holds, its subject and what its notice says (or, with
		// "!" first, must not say). For a refused one: the reply.
		results  []string
		subject  string
		notice   []string
		code     int
		enhanced string
	}{
		{name: "pass: SPF, DKIM (go-msgauth) and DMARC", relay: tag,
			s:       submission{client: "127.0.0.5", mailFrom: "yamada@sender.jp", data: signed},
			results: []string{"gw.city.example.lg.jp; spf=pass smtp.mailfrom=sender.jp;", "dkim=pass header.d=sender.jp", "dmarc=pass header.from=sender.jp"},
			subject: "[外部] signed", notice: []string{"!" + failed, "!" + firstContact}},
		{name: "SPF fail, no signature: DMARC fail (p=reject), tagged", relay: tag,
			s:       submission{client: "127.0.0.9", mailFrom: "yamada@sender.jp", data: authMail("yamada@sender.jp", "spoofed", "")},
			results: []string{"spf=fail", "dkim=none", "dmarc=fail"},
			subject: tagged + " [外部] spoofed", notice: []string{"差出人のドメイン認証 (DMARC) に失敗しました。差出人を偽ったメールの可能性があります。"}},
		{name: "DKIM fail (body changed), SPF pass: DMARC passes on SPF", relay: tag,
			s:       submission{client: "127.0.0.5", mailFrom: "yamada@sender.jp", data: tampered},
			results: []string{"spf=pass", "dkim=fail", "dmarc=pass"}, subject: "[外部] signed", notice: []string{"!" + failed}},
		{name: "DKIM fail and SPF fail: DMARC fail", relay: tag,
			s:       submission{client: "127.0.0.9", mailFrom: "yamada@sender.jp", data: tampered},
			results: []string{"spf=fail", "dkim=fail", "dmarc=fail"}, subject: tagged + " [外部] signed"},
		{name: "SPF fail of a domain without DMARC", relay: tag,
			s:       submission{client: "127.0.0.9", mailFrom: "a@nodmarc.example", data: authMail("a@nodmarc.example", "no dmarc", "")},
			results: []string{"spf=fail", "dmarc=none"}, subject: tagged + " [外部] no dmarc",
			notice: []string{"差出人のドメイン認証 (SPF) に失敗しました。", firstContact}},
		{name: "none: no records", relay: tag,
			s:       submission{client: "127.0.0.9", mailFrom: "a@none.example", data: authMail("a@none.example", "nothing", "")},
			results: []string{"spf=none", "dkim=none", "dmarc=none"}, subject: "[外部] nothing", notice: []string{"!" + failed}},
		{name: "temperror: the sender's DNS fails", relay: tag,
			s:       submission{client: "127.0.0.9", mailFrom: "a@temp.example", data: authMail("a@temp.example", "temp", "")},
			results: []string{"spf=temperror", "dmarc=temperror"}, subject: "[外部] temp",
			notice: []string{"一時的な問題 (DNS) のため、差出人のドメイン認証を確認できませんでした。"}},
		{name: "permerror: broken records", relay: tag,
			s:       submission{client: "127.0.0.9", mailFrom: "a@perm.example", data: authMail("a@perm.example", "perm", "")},
			results: []string{"spf=permerror", "dmarc=permerror"}, subject: "[外部] perm", notice: []string{"!" + failed}},
		{name: "XFORWARD from the forwarder: SPF of the original client", relay: tag,
			s: submission{client: "127.0.0.1", xforward: "ADDR=127.0.0.5 HELO=mail.sender.jp",
				mailFrom: "yamada@sender.jp", data: authMail("yamada@sender.jp", "xforward", "")},
			results: []string{"spf=pass", "dmarc=pass"}, subject: "[外部] xforward"},
		{name: "XFORWARD naming another client: SPF fail", relay: tag,
			s: submission{client: "127.0.0.1", xforward: "ADDR=127.0.0.9 HELO=mail.sender.jp",
				mailFrom: "yamada@sender.jp", data: authMail("yamada@sender.jp", "xforward other", "")},
			results: []string{"spf=fail", "dmarc=fail"}, subject: tagged + " [外部] xforward other"},
		{name: "the forwarder without XFORWARD: the original client is unknown", relay: tag,
			s:       submission{client: "127.0.0.1", mailFrom: "yamada@sender.jp", data: authMail("yamada@sender.jp", "no xforward", "")},
			results: []string{"spf=none reason=\"client address unknown\"", "dmarc=fail"}, subject: tagged + " [外部] no xforward"},
		{name: "trusted upstream's results, written anew; a forged one ignored", relay: tag,
			s: submission{client: "127.0.0.9", mailFrom: "yamada@sender.jp",
				data: authMail("yamada@sender.jp", "upstream", forged+upstream)},
			results: []string{"gw.city.example.lg.jp; spf=pass smtp.mailfrom=sender.jp;", "dmarc=pass"}, subject: "[外部] upstream"},
		{name: "a From the sanitizer cannot show is a From failure", relay: tag,
			s: submission{client: "127.0.0.5", mailFrom: "yamada@sender.jp",
				data: authMail("=?utf-8?q?soumu?=@sender.jp", "from shown", "")},
			results: []string{"spf=pass", "dmarc=permerror reason=\"From field read differently\""}, subject: tagged + " [外部] from shown",
			notice: []string{"差出人 (From) の欄がないか不正なため"}},
		{name: "mail from the LGWAN side is not checked", relay: tag,
			s:       submission{client: "127.0.0.3", mailFrom: "a@city.example.lg.jp", data: authMail("a@city.example.lg.jp", "internal", "")},
			results: []string{"gw.city.example.lg.jp; none"}, subject: "internal", notice: []string{"!差出人"}},
		{name: "on_fail reject: DMARC", relay: strict,
			s:    submission{client: "127.0.0.9", mailFrom: "yamada@sender.jp", data: authMail("yamada@sender.jp", "strict", "")},
			code: 550, enhanced: "5.7.26"},
		{name: "on_fail reject: SPF without DMARC", relay: strict,
			s:    submission{client: "127.0.0.9", mailFrom: "a@nodmarc.example", data: authMail("a@nodmarc.example", "strict spf", "")},
			code: 550, enhanced: "5.7.23"},
		{name: "on_fail reject: the From shown is not the From checked", relay: strict,
			s: submission{client: "127.0.0.5", mailFrom: "yamada@sender.jp",
				data: authMail("=?utf-8?q?soumu?=@sender.jp", "strict from", "")},
			code: 550, enhanced: "5.7.1"},
		{name: "on_temperror defer", relay: strict,
			s:    submission{client: "127.0.0.9", mailFrom: "a@temp.example", data: authMail("a@temp.example", "strict temp", "")},
			code: 451, enhanced: "4.4.3"},
		{name: "on_fail reject lets a pass through", relay: strict,
			s:       submission{client: "127.0.0.5", mailFrom: "yamada@sender.jp", data: signed},
			results: []string{"dkim=pass", "dmarc=pass"}, subject: "signed"},
		{name: "honor_reject: p=reject refused whatever on_fail says", relay: honor,
			s:    submission{client: "127.0.0.9", mailFrom: "yamada@sender.jp", data: authMail("yamada@sender.jp", "honor", "")},
			code: 550, enhanced: "5.7.26"},
		{name: "honor_reject: no DMARC record, tagged only", relay: honor,
			s:       submission{client: "127.0.0.9", mailFrom: "a@nodmarc.example", data: authMail("a@nodmarc.example", "honor spf", "")},
			results: []string{"spf=fail"}, subject: tagged + " honor spf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := send(t, tc.relay, tc.s)
			if tc.code != 0 {
				if !isReply(err, tc.code, tc.enhanced) {
					t.Fatalf("got %v, want %d %s", err, tc.code, tc.enhanced)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			n++
			got := lastDelivered(t, next, n)
			if len(got.authResults) != 1 {
				t.Fatalf("%d Authentication-Results fields, want 1: %q", len(got.authResults), got.authResults)
			}
			ar := strings.Join(strings.Fields(got.authResults[0]), " ")
			for _, want := range tc.results {
				if !strings.Contains(ar, want) {
					t.Errorf("Authentication-Results: %s\nlacks %q", ar, want)
				}
			}
			if !strings.HasPrefix(ar, "gw.city.example.lg.jp;") || strings.Contains(ar, "mx.city") || strings.Contains(ar, "evil") {
				t.Errorf("Authentication-Results is not ours alone: %s", ar)
			}
			if got.subject != tc.subject {
				t.Errorf("subject %q, want %q", got.subject, tc.subject)
			}
			for _, want := range tc.notice {
				if not, ok := strings.CutPrefix(want, "!"); ok {
					if strings.Contains(got.body, not) {
						t.Errorf("the notice says %q:\n%s", not, got.body)
					}
				} else if !strings.Contains(got.body, want) {
					t.Errorf("the notice lacks %q:\n%s", want, got.body)
				}
			}
		})
	}

	// The log line and the metrics carry the results.
	logMu.Lock()
	out := logs.String()
	logMu.Unlock()
	for _, want := range []string{
		`auth.spf=pass auth.dkim=pass auth.dmarc=pass auth.header_from=sender.jp auth.action=deliver`,
		`auth.spf=fail auth.dkim=none auth.dmarc=fail auth.header_from=sender.jp auth.problems=[dmarc] auth.action=deliver`,
		`auth.client=unknown`,
		`auth.upstream=mx.city.example.lg.jp`,
		`auth.skipped=internal`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no log line with %q", want)
		}
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP mugai_auth_verdicts_total What sender authentication decided per message: deliver, quarantine, reject, defer; skipped when not checked (auth off, internal mail).
# TYPE mugai_auth_verdicts_total counter
mugai_auth_verdicts_total{action="deliver"} 13
mugai_auth_verdicts_total{action="skipped"} 1
`), "mugai_auth_verdicts_total"); err != nil {
		t.Error(err)
	}
	if got := counterValue(t, reg, "mugai_auth_results_total", "dmarc", "fail"); got != 4 {
		t.Errorf("dmarc fail counted %v times, want 4", got)
	}
	if got := counterValue(t, reg, "mugai_auth_problems_total", "from"); got != 1 {
		t.Errorf("from problems counted %v times, want 1", got)
	}
}

// counterValue is the value of the counter name{values...} in reg, 0
// when it has none (labels in their sorted order).
func counterValue(t *testing.T, reg *prometheus.Registry, name string, values ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			var got []string
			for _, l := range m.GetLabel() {
				got = append(got, l.GetValue())
			}
			if slices.Equal(got, values) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// history is a History from a table of authors who wrote before.
type history map[string]bool

func (h history) HasWritten(_ context.Context, from string, _ []string) (bool, error) {
	return h[from], nil
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestOriginalClient: SPF checks the client that connected to the
// organization's edge.
func TestOriginalClient(t *testing.T) {
	a := &authStage{forwarders: config.Prefixes{netip.MustParsePrefix("127.0.0.1/32")}}
	addr := netip.MustParseAddr
	for _, tc := range []struct {
		name   string
		origin smtpd.Origin
		want   netip.Addr
	}{
		{"a direct client", smtpd.Origin{Via: smtpd.ViaConnection, Addr: addr("192.0.2.7"), Helo: "h"}, addr("192.0.2.7")},
		{"named by a PROXY header", smtpd.Origin{Via: smtpd.ViaProxy, Addr: addr("192.0.2.7")}, addr("192.0.2.7")},
		{"a forwarder that did not say", smtpd.Origin{Via: smtpd.ViaConnection, Addr: addr("127.0.0.1")}, netip.Addr{}},
		{"a forwarder behind a load balancer", smtpd.Origin{Via: smtpd.ViaProxy, Addr: addr("127.0.0.1")}, netip.Addr{}},
		{"XFORWARD", smtpd.Origin{Via: smtpd.ViaXForward, Addr: addr("192.0.2.8")}, addr("192.0.2.8")},
		{"XCLIENT", smtpd.Origin{Via: smtpd.ViaXClient, Addr: addr("::ffff:192.0.2.9")}, addr("192.0.2.9")},
		{"XFORWARD SOURCE=LOCAL", smtpd.Origin{Via: smtpd.ViaXForward, Addr: addr("127.0.0.1"), Local: true}, netip.Addr{}},
		{"XFORWARD ADDR=[UNAVAILABLE]", smtpd.Origin{Via: smtpd.ViaXForward}, netip.Addr{}},
	} {
		m := &authMessage{stage: a, origin: tc.origin}
		if got, _ := m.originalClient(); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestDNSKeptAcrossReloads: a reload with the same dns section keeps the
// resolver, and so its cache; another section makes a new one.
func TestDNSKeptAcrossReloads(t *testing.T) {
	_, yaml := authDNS(t)
	d := &DNS{Guard: authtest.LoopbackOnly(t)}
	resolver := func(y string) any {
		cfg, err := config.Parse("test.yaml", []byte(y))
		if err != nil {
			t.Fatal(err)
		}
		r, err := d.resolverFor(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := resolver(yaml)
	if resolver(yaml+"sanitize: {language: en}\n") != first {
		t.Error("a reload with the same dns section made a new resolver (its cache is lost)")
	}
	if resolver(strings.Replace(yaml, "timeout: 200ms", "timeout: 300ms", 1)) == first {
		t.Error("a changed dns section kept the old resolver")
	}
}

// TestAuthQuarantine: a failing message under auth.on_fail: quarantine
// is held back — its original kept in the vault, the quarantine notice
// delivered in its place, with the results — and, with the vault off,
// refused as under on_fail: reject, since nothing could be held.
func TestAuthQuarantine(t *testing.T) {
	w := newAuthWorld(t)
	next := smtptest.NewServer(t, nil)
	cfg, err := config.Parse("test.yaml", []byte(w.relayConfig(next.Addr, "auth: {on_fail: quarantine}\n")))
	if err != nil {
		t.Fatal(err)
	}
	opts := withTestVault(t, cfg, testOptions(t))
	gw, err := Build(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	held := serveGateway(t, gw)
	spoofed := submission{client: "127.0.0.9", mailFrom: "yamada@sender.jp", data: authMail("yamada@sender.jp", "spoofed", "")}
	if err := send(t, held, spoofed); err != nil {
		t.Fatalf("held back: %v", err)
	}
	got := lastDelivered(t, next, 1)
	for _, want := range []string{"原本を隔離しました", "差出人のドメイン認証 (DMARC) に失敗しました。", "dmarc=fail header.from=sender.jp", "受付番号"} {
		if !strings.Contains(got.body, want) {
			t.Errorf("quarantine notice lacks %q:\n%s", want, got.body)
		}
	}
	if strings.Contains(got.body, "お世話になっております") {
		t.Errorf("the held message's text crossed:\n%s", got.body)
	}
	if len(got.authResults) != 1 || !strings.Contains(got.authResults[0], "dmarc=fail") {
		t.Errorf("Authentication-Results: %q", got.authResults)
	}
	page, err := opts.Vault.Search(context.Background(), vault.Query{})
	if err != nil || len(page.Entries) != 1 || page.Entries[0].Outcome == nil || page.Entries[0].Outcome.Verdict != sanitize.VerdictQuarantined {
		t.Fatalf("vault: %v %+v", err, page.Entries)
	}
	var rep sanitize.Report
	if err := json.Unmarshal(page.Entries[0].Outcome.Report, &rep); err != nil || rep.Auth == nil || rep.Auth.DMARC.Result != "fail" {
		t.Errorf("the vault's report lacks the checks: %v %+v", err, rep.Auth)
	}

	off := startRelay(t, w.relayConfig(next.Addr, "auth: {on_fail: quarantine}\nvault: {enabled: false}\n"))
	err = send(t, off, spoofed)
	if err == nil || !strings.HasPrefix(err.Error(), "550 ") || !strings.Contains(err.Error(), "5.7.26 ") {
		t.Errorf("vault off: %v, want the 550 of on_fail: reject", err)
	}
}

// TestQuarantineReason: what a held message's notice and report say
// (the vault's quarantine), and the reply when it cannot be
// held.
func TestQuarantineReason(t *testing.T) {
	w := newAuthWorld(t)
	cfg, err := config.Parse("t.yaml", []byte(w.relayConfig("127.0.0.1:1", "")))
	if err != nil {
		t.Fatal(err)
	}
	a, err := newAuthStage(cfg, testOptions(t), "gw.test", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	env := &smtpd.Envelope{ID: "Q", Client: netip.MustParseAddrPort("127.0.0.9:25"), From: "yamada@sender.jp",
		Rcpts: []string{"soumu@city.example.lg.jp"}}
	am, err := a.check(context.Background(), env, bytes.NewReader(authMail("yamada@sender.jp", "held", "")), "ja")
	if err != nil {
		t.Fatal(err)
	}
	text, detail := am.quarantineReason()
	if !strings.Contains(text, "差出人のドメイン認証 (DMARC) に失敗しました。") ||
		detail != "spf=fail dkim=none dmarc=fail header.from=sender.jp problems=dmarc" {
		t.Errorf("reason %q / %q", text, detail)
	}
	if err := am.rejectReply(); err == nil || !strings.HasPrefix(err.Error(), "550 5.7.26 ") {
		t.Errorf("reply when it cannot be held: %v", am.rejectReply())
	}
}
