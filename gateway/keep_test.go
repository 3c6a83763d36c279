package gateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/smtp"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/internal/smtptest"
	"github.com/mugai/mugai/vault"
)

// vaultRelay is the relay in-process with its vault, as serve runs it.
type vaultRelay struct {
	addr string
	v    *vault.Vault
	ids  []age.Identity
	logs *syncBuffer
	cfg  *config.Config
}

// syncBuffer is a log destination the relay's goroutines share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startVaultRelay runs the relay built from yaml on a fresh vault in a
// temporary directory.
func startVaultRelay(t *testing.T, yaml string) *vaultRelay {
	t.Helper()
	cfg, err := config.Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	r := &vaultRelay{logs: &syncBuffer{}, cfg: cfg}
	opts := withTestVault(t, cfg, testOptions(t))
	opts.Logger = slog.New(slog.NewTextHandler(r.logs, nil))
	r.v = opts.Vault
	if r.v != nil {
		_, idFile := cfg.Vault.KeyFiles()
		if r.ids, err = vault.LoadIdentities(idFile); err != nil {
			t.Fatal(err)
		}
	}
	gw, err := Build(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	r.addr = serveGateway(t, gw)
	return r
}

// send sends msg from a@example.jp to rcpts.
func (r *vaultRelay) send(msg string, rcpts ...string) error {
	return smtp.SendMail(r.addr, nil, "a@example.jp", rcpts, []byte(msg))
}

// entries lists the vault's entries, newest first.
func (r *vaultRelay) entries(t *testing.T) []vault.Entry {
	t.Helper()
	p, err := r.v.Search(context.Background(), vault.Query{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Entries
}

// original reads an entry's original back.
func (r *vaultRelay) original(t *testing.T, id string) string {
	t.Helper()
	rc, _, err := r.v.Original(context.Background(), id, vault.Access{Actor: "test", Identities: r.ids})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const exeMail = "From: =?UTF-8?B?5bGx55Sw?= <yamada@example.jp>\r\nTo: soumu@city.example.lg.jp\r\n" +
	"Subject: =?UTF-8?B?6KaL56mN5pu4?=\r\nMessage-ID: <exe@example.jp>\r\nMIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n見積書です。\r\n" +
	"--b\r\nContent-Type: application/octet-stream; name=setup.exe\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
	"TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAA=\r\n--b--\r\n"

const ambiguousMail = "From: a@example.jp\r\nTo: soumu@city.example.lg.jp\r\nSubject: two boundaries\r\nMIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=one; boundary=two\r\n\r\n--one\r\n\r\nx\r\n--one--\r\n"

func relayConfig(hop, extra string) string {
	// Sender authentication (auth_test.go) is off: these tests are
	// about the vault, and a DNS query may go only to a test's server.
	return fmt.Sprintf("hostname: gw.test.example\nlisten: {smtp: \"127.0.0.1:0\"}\nrelay: {networks: [127.0.0.0/8]}\n"+
		"delivery: {next_hop: \"%s\", tls: none}\nauth: {enabled: false}\n%s", hop, extra)
}

var vaultAttr = regexp.MustCompile(`vault=([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})`)

// TestStoreBeforeAck: the original, exactly as sent, is in the vault
// before the 250; the next hop gets the rebuild whose notice names the
// vault id and the recipient link; the outcome, the decoded headers, the
// report and the delivered copy are recorded; the log line says vault=ID.
func TestStoreBeforeAck(t *testing.T) {
	hop := smtptest.NewServer(t, nil)
	r := startVaultRelay(t, relayConfig(hop.Addr, ""))
	if err := r.send(exeMail, "soumu@city.example.lg.jp"); err != nil {
		t.Fatal(err)
	}
	got := hop.WaitMessages(1, 5*time.Second)
	es := r.entries(t)
	if len(got) != 1 || len(es) != 1 {
		t.Fatalf("%d delivered, %d entries", len(got), len(es))
	}
	e := es[0]
	if o := r.original(t, e.ID); o != exeMail {
		t.Errorf("the vault's original differs from what was sent:\n%q", o)
	}
	body := bodyOf(t, got[0].Data)
	if !strings.Contains(body, "（受付番号 "+e.ID+"）") || !strings.Contains(body, "原本は 30 日間保管しています") ||
		!strings.Contains(body, "\n  http://127.0.0.1:8025/r/") {
		t.Errorf("notice:\n%s", body)
	}
	o := e.Outcome
	if e.State != vault.StateDelivered || o == nil || o.Verdict != "sanitized" || !o.Delivered ||
		!strings.HasPrefix(o.Reply, "250 2.0.0 ") || o.DeliveredSize != int64(len(got[0].Data)) {
		t.Fatalf("entry %+v outcome %+v", e, o)
	}
	if o.Headers.From != "山田 <yamada@example.jp>" || o.Headers.Subject != "見積書" || o.Headers.MessageID != "exe@example.jp" {
		t.Errorf("headers %+v", o.Headers)
	}
	if !strings.Contains(string(o.Report), `"filename":"setup.exe"`) {
		t.Errorf("report %s", o.Report)
	}
	rc, err := r.v.Copy(context.Background(), e.ID, vault.Access{Actor: "test", Identities: r.ids})
	if err != nil {
		t.Fatal(err)
	}
	cp, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(cp, got[0].Data) {
		t.Errorf("the kept copy differs from what the next hop got")
	}
	if m := vaultAttr.FindStringSubmatch(r.logs.String()); m == nil || m[1] != e.ID {
		t.Errorf("no vault=%s on the log line:\n%s", e.ID, r.logs)
	}
}

// TestDeliveryFailureLeavesEntryUndelivered: a next hop's 4xx is the
// sender's 4xx and the entry says undelivered; the sender's retry reuses
// the entry, and once delivered it says so. No copy of a failed delivery
// is kept.
func TestDeliveryFailureLeavesEntryUndelivered(t *testing.T) {
	hop := smtptest.NewServer(t, nil)
	r := startVaultRelay(t, relayConfig(hop.Addr, ""))
	hop.SetBehavior(smtptest.Behavior{DataReply: &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try later"}})
	if err := r.send(exeMail, "soumu@city.example.lg.jp"); !isReply(err, 451, "4.3.0") {
		t.Fatalf("got %v, want the next hop's 451", err)
	}
	es := r.entries(t)
	if len(es) != 1 || es[0].State != vault.StateUndelivered || es[0].Outcome.Delivered || !strings.HasPrefix(es[0].Outcome.Reply, "451 4.3.0") {
		t.Fatalf("after a 4xx: %+v", es)
	}
	if _, err := r.v.Copy(context.Background(), es[0].ID, vault.Access{Actor: "test", Identities: r.ids}); err == nil {
		t.Error("a copy of the failed delivery was kept")
	}
	hop.SetBehavior(smtptest.Behavior{})
	if err := r.send(exeMail, "soumu@city.example.lg.jp"); err != nil {
		t.Fatal(err)
	}
	es2 := r.entries(t)
	if len(es2) != 1 || es2[0].ID != es[0].ID || es2[0].State != vault.StateDelivered || es2[0].Attempts != 2 {
		t.Errorf("after the retry: %+v", es2)
	}
	// Once delivered, the same message sent again is a new message.
	if err := r.send(exeMail, "soumu@city.example.lg.jp"); err != nil {
		t.Fatal(err)
	}
	if es3 := r.entries(t); len(es3) != 2 {
		t.Errorf("a new message after the delivery: %d entries", len(es3))
	}
}

// TestVaultCannotStore: with vault.required (the default) a vault that
// cannot store answers 451 4.3.0 and nothing is delivered; a full vault
// 452 4.3.1; with required false the message goes on without its
// original (and without the notice's line about it).
func TestVaultCannotStore(t *testing.T) {
	hop := smtptest.NewServer(t, nil)
	r := startVaultRelay(t, relayConfig(hop.Addr, ""))
	r.v.Close()
	if err := r.send(exeMail, "soumu@city.example.lg.jp"); !isReply(err, 451, "4.3.0") {
		t.Errorf("closed vault: got %v, want 451 4.3.0", err)
	}
	if n := len(hop.Messages()); n != 0 {
		t.Errorf("%d delivered without the original", n)
	}

	full := startVaultRelay(t, relayConfig(hop.Addr, "vault: {max_size: 1MiB}\n"))
	big := strings.Replace(exeMail, "見積書です。\r\n", "見積書です。\r\n"+strings.Repeat(strings.Repeat("y", 76)+"\r\n", (1<<20)/78+10), 1)
	if err := full.send(big, "soumu@city.example.lg.jp"); err != nil {
		t.Fatalf("first message: %v", err)
	}
	if err := full.send(exeMail, "soumu@city.example.lg.jp"); !isReply(err, 452, "4.3.1") {
		t.Errorf("full vault: got %v, want 452 4.3.1", err)
	}

	loose := startVaultRelay(t, relayConfig(hop.Addr, "vault: {required: false}\n"))
	loose.v.Close()
	if err := loose.send(exeMail, "soumu@city.example.lg.jp"); err != nil {
		t.Fatalf("required false: %v", err)
	}
	m := hop.WaitMessages(2, 5*time.Second)
	if len(m) != 2 || strings.Contains(bodyOf(t, m[1].Data), "受付番号") {
		t.Errorf("required false: %d messages", len(m))
	}
	if !strings.Contains(loose.logs.String(), "the original was not stored") {
		t.Errorf("not logged:\n%s", loose.logs)
	}
}

// TestQuarantine: an ambiguous message is quarantined by default with the
// vault on: 250, the recipient gets the quarantine notice, the entry's
// verdict is quarantined. With ambiguous: reject it is refused, recorded
// as rejected; with the vault off, quarantine refuses too.
func TestQuarantine(t *testing.T) {
	hop := smtptest.NewServer(t, nil)
	r := startVaultRelay(t, relayConfig(hop.Addr, ""))
	if err := r.send(ambiguousMail, "soumu@city.example.lg.jp"); err != nil {
		t.Fatalf("quarantine: %v", err)
	}
	m := hop.WaitMessages(1, 5*time.Second)
	es := r.entries(t)
	if len(m) != 1 || len(es) != 1 {
		t.Fatalf("%d delivered, %d entries", len(m), len(es))
	}
	body := bodyOf(t, m[0].Data)
	if !strings.Contains(body, "原本を隔離しました") || !strings.Contains(body, es[0].ID) || !strings.Contains(body, "件名: two boundaries") {
		t.Errorf("quarantine notice:\n%s", body)
	}
	if o := es[0].Outcome; o.Verdict != "quarantined" || !o.Delivered || es[0].State != vault.StateDelivered {
		t.Errorf("outcome %+v", o)
	}
	if r.original(t, es[0].ID) != ambiguousMail {
		t.Error("the original differs")
	}

	rej := startVaultRelay(t, relayConfig(hop.Addr, "sanitize: {ambiguous: reject}\n"))
	if err := rej.send(ambiguousMail, "soumu@city.example.lg.jp"); !isReply(err, 550, "5.6.0") {
		t.Errorf("reject: got %v", err)
	}
	if es := rej.entries(t); len(es) != 1 || es[0].Outcome.Verdict != "rejected" || es[0].State != vault.StateUndelivered ||
		!strings.HasPrefix(es[0].Outcome.Reply, "550 5.6.0 ") || !strings.Contains(string(es[0].Outcome.Report), `"kind":"ambiguous"`) {
		t.Errorf("rejected entry: %+v", es)
	}

	off := startVaultRelay(t, relayConfig(hop.Addr, "vault: {enabled: false}\n"))
	if err := off.send(ambiguousMail, "soumu@city.example.lg.jp"); !isReply(err, 550, "5.6.0") {
		t.Errorf("quarantine without the vault: got %v, want 550 5.6.0", err)
	}
	if n := len(hop.Messages()); n != 1 {
		t.Errorf("%d messages at the next hop", n)
	}
}

// TestPassthroughStored: mail leaving the LGWAN on a passthrough route is
// stored too, its verdict passthrough.
func TestPassthroughStored(t *testing.T) {
	hop := smtptest.NewServer(t, nil)
	r := startVaultRelay(t, fmt.Sprintf("listen: {smtp: \"127.0.0.1:0\"}\n"+
		"relay: {networks: [127.0.0.0/8], internal_networks: [127.0.0.1/32]}\ndelivery: {next_hop: \"%s\", tls: none}\n"+
		"policies: {outbound: {passthrough: true}}\nroutes: [{client_networks: [127.0.0.1/32], policy: outbound}]\n", hop.Addr))
	if err := r.send(exeMail, "someone@example.com"); err != nil {
		t.Fatal(err)
	}
	m := hop.WaitMessages(1, 5*time.Second)
	es := r.entries(t)
	if len(m) != 1 || len(es) != 1 || es[0].Outcome.Verdict != "passthrough" || !es[0].Outcome.Delivered {
		t.Fatalf("%d delivered, entries %+v", len(m), es)
	}
	if !bytes.HasSuffix(m[0].Data, []byte(exeMail)) || r.original(t, es[0].ID) != exeMail {
		t.Error("passthrough changed the message")
	}
}

// TestRecipientLinkBinding: a transaction with one recipient gets a link
// bound to that recipient; with several, all read the same notice, so
// the link is bound to the entry alone (its page asks for the address).
func TestRecipientLinkBinding(t *testing.T) {
	hop := smtptest.NewServer(t, nil)
	r := startVaultRelay(t, relayConfig(hop.Addr, ""))
	version := func(msg smtptest.Message) byte {
		t.Helper()
		m := regexp.MustCompile(`/r/([A-Za-z0-9_-]+)`).FindStringSubmatch(bodyOf(t, msg.Data))
		if m == nil {
			t.Fatalf("no link:\n%s", bodyOf(t, msg.Data))
		}
		b, err := base64.RawURLEncoding.DecodeString(m[1])
		if err != nil {
			t.Fatal(err)
		}
		return b[0]
	}
	if err := r.send(exeMail, "soumu@city.example.lg.jp"); err != nil {
		t.Fatal(err)
	}
	if err := r.send(strings.Replace(exeMail, "<exe@", "<exe2@", 1), "soumu@city.example.lg.jp", "kikaku@city.example.lg.jp"); err != nil {
		t.Fatal(err)
	}
	m := hop.WaitMessages(2, 5*time.Second)
	if len(m) != 2 || version(m[0]) != 1 || version(m[1]) != 2 {
		t.Errorf("link versions %d %d, want 1 (one recipient) and 2 (several)", version(m[0]), version(m[1]))
	}
}
