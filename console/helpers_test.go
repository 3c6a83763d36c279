package console

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/emersion/go-smtp"

	"github.com/mugai/mugai/internal/smtptest"
	"github.com/mugai/mugai/sanitize"
	"github.com/mugai/mugai/vault"
)

// testHash makes password hashes cheap in tests.
var testHash = HashParams{Time: 1, Memory: 64, Threads: 1}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// relay stands in for the gateway's relay until the vault is wired into
// it: it stores an original, sanitizes it with the real sanitizer, and
// records the outcome, the Report and the delivered copy, as the relay
// will. (The browser test can switch to sending through `mugai serve`.)
type relay struct {
	v *vault.Vault
	s *sanitize.Sanitizer
	// auth, when set, is the sender authentication recorded in the next
	// Report, as the gateway's auth stage records it.
	auth *sanitize.AuthReport
}

func newRelay(v *vault.Vault) *relay {
	return &relay{v: v, s: sanitize.New(sanitize.DefaultPolicy())}
}

// deliver stores msg as sent with env and returns its vault id.
func (rl *relay) deliver(t testing.TB, env vault.Envelope, msg []byte) string {
	t.Helper()
	ctx := context.Background()
	res, err := rl.v.Put(ctx, env, bytes.NewReader(msg))
	if err != nil {
		t.Fatalf("vault Put: %v", err)
	}
	var out bytes.Buffer
	rep, serr := rl.s.MessageContext(ctx, &out, bytes.NewReader(msg))
	o := vault.Outcome{Verdict: "sanitized", Delivered: true, Reply: "250 2.0.0 Ok: queued", Headers: decodedHeaders(t, msg)}
	if serr != nil {
		o = vault.Outcome{Verdict: "rejected", Reply: "550 5.6.0 " + serr.Error(), Headers: o.Headers}
	} else {
		sum := sha256.Sum256(out.Bytes())
		o.DeliveredSHA256, o.DeliveredSize = hex.EncodeToString(sum[:]), int64(out.Len())
	}
	if rep != nil {
		rep.Auth, rl.auth = rl.auth, nil
		if o.Report, err = json.Marshal(rep); err != nil {
			t.Fatal(err)
		}
	}
	if err := rl.v.RecordOutcome(ctx, res.ID, o); err != nil {
		t.Fatalf("RecordOutcome: %v", err)
	}
	if serr == nil {
		if err := rl.v.PutCopy(ctx, res.ID, &out); err != nil {
			t.Fatalf("PutCopy: %v", err)
		}
	}
	return res.ID
}

// decodedHeaders decodes the fields the index keeps.
func decodedHeaders(t testing.TB, msg []byte) vault.Headers {
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatalf("test message: %v", err)
	}
	dec := new(mime.WordDecoder)
	get := func(k string) string {
		v, err := dec.DecodeHeader(m.Header.Get(k))
		if err != nil {
			return m.Header.Get(k)
		}
		return v
	}
	return vault.Headers{From: get("From"), To: get("To"), Subject: get("Subject"), MessageID: m.Header.Get("Message-ID"), Date: get("Date")}
}

// testMessage is a message with an executable, a text file and a
// subject in Japanese with markup in it.
func testMessage(subject string) []byte {
	return []byte("From: =?UTF-8?B?5bGx55Sw?= <yamada@example.jp>\r\n" +
		"To: soumu@city.example.lg.jp\r\n" +
		"Subject: " + mime.BEncoding.Encode("utf-8", subject) + "\r\n" +
		"Date: Tue, 14 Jan 2025 09:30:00 +0900\r\n" +
		"Message-ID: <" + messageID(subject) + ">\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b1\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nお世話になっております。<b>見積書</b>を添付します。\r\n" +
		"--b1\r\nContent-Type: application/octet-stream; name=setup.exe\r\nContent-Disposition: attachment; filename=setup.exe\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAA=\r\n" +
		"--b1\r\nContent-Type: text/plain; charset=utf-8; name=memo.txt\r\nContent-Disposition: attachment; filename=memo.txt\r\n\r\nメモ\r\n" +
		"--b1--\r\n")
}

// messageID derives a Message-ID from a subject.
func messageID(subject string) string {
	h := sha256.Sum256([]byte(subject))
	return hex.EncodeToString(h[:8]) + "@example.jp"
}

func testEnvelope(queueID string, rcpts ...string) vault.Envelope {
	if len(rcpts) == 0 {
		rcpts = []string{"soumu@city.example.lg.jp"}
	}
	return vault.Envelope{QueueID: queueID, Client: "192.0.2.25:41234", Helo: "mx.example.jp",
		MailFrom: "yamada@example.jp", Rcpts: rcpts}
}

// fixture is a console on a fresh vault with an Internet-side and an
// LGWAN-side SMTP server to release to, served over HTTPS (so the
// client keeps the Secure cookies).
type fixture struct {
	t      *testing.T
	v      *vault.Vault
	c      *Console
	srv    *httptest.Server
	clk    *clock
	ids    []age.Identity
	inet   *smtptest.Server
	lgwan  *smtptest.Server
	links  *Links
	relay  *relay
	stateD string
	dir    string
}

// smtpSender sends releases to a test server.
func smtpSender(addr string) vault.Sender {
	return vault.SenderFunc(func(ctx context.Context, m vault.Mail) error {
		c, err := smtp.Dial(addr)
		if err != nil {
			return err
		}
		defer c.Close()
		if err := c.Mail(m.From, nil); err != nil {
			return err
		}
		for _, r := range m.To {
			if err := c.Rcpt(r, nil); err != nil {
				return err
			}
		}
		w, err := c.Data()
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, m.Body); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		return c.Quit()
	})
}

func newFixture(t *testing.T, mod func(o *Options)) *fixture {
	t.Helper()
	f := &fixture{t: t, clk: &clock{t: time.Date(2025, 1, 14, 0, 30, 0, 0, time.UTC)}, stateD: t.TempDir()}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	f.ids = []age.Identity{id}
	ctx := context.Background()
	f.dir = t.TempDir()
	f.v, err = vault.OpenSQLite(ctx, f.dir, vault.Options{Recipients: []age.Recipient{id.Recipient()},
		Now: f.clk.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.v.Close() })
	f.inet, f.lgwan = smtptest.NewServer(t, nil), smtptest.NewServer(t, nil)
	key, err := LoadLinkKey(ctx, f.v, f.stateD+"/"+LinkKeyFileName, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	f.links, err = NewLinks("https://gw.example.lg.jp:8025", key)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{
		Vault: f.v,
		Releaser: &vault.Releaser{Vault: f.v, Internet: smtpSender(f.inet.Addr), LGWAN: smtpSender(f.lgwan.Addr),
			Addresses: vault.AddressMap{Template: "{local}@inet.city.example.jp"}},
		Identities: f.ids, Links: f.links, RecipientSelfRelease: true, StateDir: f.stateD,
		Hash: testHash, Now: f.clk.Now, Logger: slog.New(slog.DiscardHandler),
	}
	if mod != nil {
		mod(&opts)
	}
	f.c, err = New(opts)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewTLSServer(f.c.Handler())
	t.Cleanup(f.srv.Close)
	f.relay = newRelay(f.v)
	return f
}

// user adds a console user with a known password.
func (f *fixture) user(name string, role Role) string {
	f.t.Helper()
	pw := "password-of-" + name
	err := f.v.AddConsoleUser(context.Background(), vault.ConsoleUser{Name: name, Role: string(role),
		Password: HashPassword(pw, testHash)}, "test")
	if err != nil {
		f.t.Fatal(err)
	}
	return pw
}

// browser is an HTTP client with its own cookies that does not follow
// redirects, so tests see them.
type browser struct {
	f  *fixture
	hc *http.Client
}

func (f *fixture) browser() *browser {
	jar, _ := cookiejar.New(nil)
	hc := new(http.Client)
	*hc = *f.srv.Client()
	hc.Jar = jar
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{f: f, hc: hc}
}

type page struct {
	status int
	loc    string
	body   string
	header http.Header
}

func (b *browser) do(req *http.Request) page {
	b.f.t.Helper()
	resp, err := b.hc.Do(req)
	if err != nil {
		b.f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, loc: resp.Header.Get("Location"), body: string(body), header: resp.Header}
}

func (b *browser) get(path string) page {
	b.f.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.f.srv.URL+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.f.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the CSRF token of the forms on a page.
func (b *browser) csrf(path string) string {
	b.f.t.Helper()
	p := b.get(path)
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		b.f.t.Fatalf("no CSRF token on %s (%d): %.300s", path, p.status, p.body)
	}
	return m[1]
}

// login signs in and fails the test unless it worked.
func (b *browser) login(name, password, code string) {
	b.f.t.Helper()
	if p := b.tryLogin(name, password, code); p.status != http.StatusSeeOther {
		b.f.t.Fatalf("sign-in of %s: %d %.400s", name, p.status, p.body)
	}
}

func (b *browser) tryLogin(name, password, code string) page {
	b.f.t.Helper()
	tok := b.csrf("/login")
	return b.post("/login", url.Values{"csrf": {tok}, "name": {name}, "password": {password}, "code": {code}})
}

// action posts a form with the session's CSRF token, read from from.
func (b *browser) action(from, path string, form url.Values) page {
	b.f.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", b.csrf(from))
	return b.post(path, form)
}

// auditText is the whole audit log as lines "actor action entry detail".
func auditText(t testing.TB, v *vault.Vault) string {
	t.Helper()
	var b strings.Builder
	err := v.Audit(context.Background(), 1, func(r vault.AuditRecord) error {
		b.WriteString(r.Actor + " " + r.Action + " " + r.EntryID + " " + r.Detail + "\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// regexpFind returns the first group of re in s, failing the test when
// there is none.
func regexpFind(t testing.TB, s, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in:\n%.2000s", re, s)
	}
	return m[1]
}

// openIndex opens the fixture's index database directly, to damage it.
func openIndex(t testing.TB, f *fixture) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", f.dir+"/index.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
