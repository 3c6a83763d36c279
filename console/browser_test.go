package console

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/chromedp/chromedp"

	"github.com/mugai/mugai/internal/smtptest"
	"github.com/mugai/mugai/vault"
)

// The browser test drives the console in a real headless Chromium
// (Debian's chromium package): it signs in, finds a message, opens its
// report, releases it to the Internet-side mailbox, sees the audit
// record, opens a recipient link and asks for a release, and checks that
// a page without a session, a form without its CSRF token and forged or
// expired links are refused. It saves a screenshot of every page in
// $MUGAI_SCREENSHOTS (or the test's temporary directory); the README's
// pictures are two of them (docs/images).
//
// The gateway under test is a browserStack. This one runs the console in
// the test process and fills the vault as the relay will (inProcessStack);
// once the relay stores originals, a stack that runs `mugai serve` and
// sends the messages over SMTP can replace it without changing the test.
type browserStack interface {
	// URL is the console's base URL.
	URL() string
	// AdminPassword is the first administrator's password, from the
	// credential file the console wrote at its first start.
	AdminPassword(t *testing.T) string
	// Deliver sends a message through the gateway and returns its vault id.
	Deliver(t *testing.T, env vault.Envelope, msg []byte) string
	// RecipientURL is the link a notice carries for id and rcpt, valid
	// until expires.
	RecipientURL(t *testing.T, id, rcpt string, expires time.Time) string
	// Internet is the Internet-side mail server releases go to.
	Internet() *smtptest.Server
	Vault() *vault.Vault
}

// inProcessStack: the console served on 127.0.0.1 over plain HTTP, as
// the default configuration does, on a fresh SQLite vault.
type inProcessStack struct {
	url   string
	dir   string
	v     *vault.Vault
	rl    *relay
	links *Links
	inet  *smtptest.Server
}

func newInProcessStack(t *testing.T) *inProcessStack {
	t.Helper()
	ctx := context.Background()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	s := &inProcessStack{dir: t.TempDir(), inet: smtptest.NewServer(t, nil)}
	log := slog.New(slog.DiscardHandler)
	s.v, err = vault.OpenSQLite(ctx, s.dir, vault.Options{Recipients: []age.Recipient{id.Recipient()}, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.v.Close() })
	s.rl = newRelay(s.v)
	key, err := LoadLinkKey(ctx, s.v, filepath.Join(s.dir, LinkKeyFileName), log)
	if err != nil {
		t.Fatal(err)
	}
	// The base URL is known once the listener is; the links are set
	// before anything is served.
	links := &Links{key: key}
	c, err := New(Options{Vault: s.v, Identities: []age.Identity{id}, StateDir: s.dir, RecipientSelfRelease: true, Links: links,
		LGWANApproval: true, Logger: log, Hash: testHash,
		Releaser: &vault.Releaser{Vault: s.v, Internet: smtpSender(s.inet.Addr), LGWAN: smtpSender(smtptest.NewServer(t, nil).Addr),
			Addresses: vault.AddressMap{Template: "{local}@inet.city.example.jp"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureAdmin(ctx); err != nil {
		t.Fatal(err)
	}
	srv, err := c.Serve(ListenConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	s.url = "http://" + srv.Addr().String()
	links.base, s.links = s.url, links
	return s
}

func (s *inProcessStack) URL() string                { return s.url }
func (s *inProcessStack) Internet() *smtptest.Server { return s.inet }
func (s *inProcessStack) Vault() *vault.Vault        { return s.v }

func (s *inProcessStack) AdminPassword(t *testing.T) string {
	data, err := os.ReadFile(filepath.Join(s.dir, AdminFileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if pw, ok := strings.CutPrefix(l, "password: "); ok {
			return pw
		}
	}
	t.Fatalf("no password in %s", data)
	return ""
}

func (s *inProcessStack) Deliver(t *testing.T, env vault.Envelope, msg []byte) string {
	return s.rl.deliver(t, env, msg)
}

func (s *inProcessStack) RecipientURL(t *testing.T, id, rcpt string, expires time.Time) string {
	u, err := s.links.URL(id, rcpt, expires)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// chromiumPath finds Debian's chromium, or skips the test (fails it under
// CI, where .ci/run installs it).
func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed under CI: .ci/run must apt-get install chromium")
	}
	t.Skip("browser test skipped: chromium is not installed (apt-get install chromium)")
	return ""
}

// browserSession is a Chromium tab and where its screenshots go.
type browserSession struct {
	t     *testing.T
	ctx   context.Context
	shots string
	n     int
}

func newBrowser(t *testing.T, exe, shots string) *browserSession {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// Generous: under `go test -race ./...` on two loaded CPUs every step of
	// Chromium is many times slower than alone (about 6 s in all).
	ctx, cancel3 := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(cancel3)
	return &browserSession{t: t, ctx: ctx, shots: shots}
}

func (b *browserSession) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// text reads the text of the element sel.
func (b *browserSession) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *browserSession) location() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

// shot saves a screenshot of the whole page as NN-name.png (quality
// 100 asks for PNG).
//
// Chromium's Page.captureScreenshot now and then never answers on a
// loaded machine (chromedp issues 770 and 924), so each try has its own
// deadline, and a picture that cannot be taken in three tries is logged,
// not failed: the pictures are artifacts, the assertions are the test.
func (b *browserSession) shot(name string) {
	b.t.Helper()
	var png []byte
	var err error
	for try := 0; try < 3; try++ {
		ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
		png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		if err == nil || b.ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		b.t.Logf("screenshot %s: %v (not taken)", name, err)
		return
	}
	b.n++
	path := filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.n, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// fillStack sends a week of mail: most delivered, some refused, some
// not yet delivered, with attachments of several kinds.
func fillStack(t *testing.T, s browserStack) {
	now := time.Now()
	kinds := []string{"exe", "html", "text", "exe", "html"}
	senders := []string{"example.jp", "vendor.example.com", "city.example.lg.jp", "example.jp", "mail.example.org"}
	for i := range 60 {
		env := testEnvelope(fmt.Sprintf("W%d", i))
		env.MailFrom = fmt.Sprintf("user%d@%s", i%7, senders[i%len(senders)])
		env.Received = now.Add(-time.Duration(i*i%168) * time.Hour).Add(-time.Duration(i) * time.Minute)
		var msg []byte
		switch kinds[i%len(kinds)] {
		case "exe":
			msg = testMessage(fmt.Sprintf("資料の送付 %d", i))
		case "html":
			msg = []byte(fmt.Sprintf("From: %s\r\nTo: soumu@city.example.lg.jp\r\nSubject: News %d\r\nMIME-Version: 1.0\r\n"+
				"Content-Type: text/html; charset=utf-8\r\n\r\n<p>Hello <a href=\"https://example.jp/\">link</a><script>x()</script></p>\r\n", env.MailFrom, i))
		default:
			msg = []byte(fmt.Sprintf("From: %s\r\nSubject: 連絡 %d\r\n\r\n本文\r\n", env.MailFrom, i))
		}
		if i%11 == 5 {
			msg = []byte("From: x@example.net\r\nSubject: broken\r\nContent-Type: multipart/mixed; boundary=a; boundary=b\r\n\r\n--a\r\n\r\nx\r\n--a--\r\n")
		}
		if i%13 == 7 {
			if _, err := s.Vault().Put(context.Background(), env, strings.NewReader(string(msg))); err != nil {
				t.Fatal(err)
			}
			continue
		}
		s.Deliver(t, env, msg)
	}
}

func TestBrowser(t *testing.T) {
	exe := chromiumPath(t)
	shots := os.Getenv("MUGAI_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", shots)
	var s browserStack = newInProcessStack(t)
	fillStack(t, s)
	msg := testMessage("見積書の送付について")
	id := s.Deliver(t, testEnvelope("Q-ESTIMATE", "soumu@city.example.lg.jp"), msg)
	base := s.URL()
	b := newBrowser(t, exe, shots)

	// No session: the console sends the browser to the sign-in page.
	b.do("open trace", chromedp.Navigate(base+"/trace"), chromedp.WaitVisible(chromedp.CSS("#login")))
	if loc := b.location(); !strings.HasPrefix(loc, base+"/login?next=") {
		t.Errorf("without a session /trace ends at %s", loc)
	}
	b.shot("login")

	// First sign-in with the generated password; the console asks for a
	// new one, then a sign-in with it.
	pw := s.AdminPassword(t)
	b.do("sign in", chromedp.SendKeys(chromedp.CSS("#name"), "admin"), chromedp.SendKeys(chromedp.CSS("#password"), pw),
		chromedp.Click(chromedp.CSS("#signin")), chromedp.WaitVisible(chromedp.CSS("#must-change")))
	b.shot("change-password")
	newPW := "browser-test-password-1"
	b.do("change password", chromedp.SendKeys(chromedp.CSS("#current"), pw), chromedp.SendKeys(chromedp.CSS("#new"), newPW),
		chromedp.SendKeys(chromedp.CSS("#again"), newPW), chromedp.Click(chromedp.CSS("#change")), chromedp.WaitVisible(chromedp.CSS("#login")))
	b.do("sign in again", chromedp.SendKeys(chromedp.CSS("#name"), "admin"), chromedp.SendKeys(chromedp.CSS("#password"), newPW),
		chromedp.Click(chromedp.CSS("#signin")), chromedp.WaitVisible(chromedp.CSS("svg.chart")))
	b.shot("dashboard")
	if d := b.text("main"); !strings.Contains(d, "Mail per hour") || !strings.Contains(d, "example.jp") {
		t.Errorf("dashboard:\n%s", d)
	}

	// Find the message by subject words and open its report.
	b.do("trace", chromedp.Navigate(base+"/trace"), chromedp.WaitVisible(chromedp.CSS("#search")),
		chromedp.SendKeys(chromedp.CSS("#subject"), "見積書"), chromedp.Click(chromedp.CSS("#find")),
		chromedp.WaitVisible(chromedp.CSS("#results a.mono")))
	b.shot("trace")
	if r := b.text("#results tbody"); !strings.Contains(r, id) || strings.Count(r, "\n") > 2 {
		t.Errorf("search results:\n%s", r)
	}
	b.do("open message", chromedp.Click(chromedp.CSS("#results a.mono")), chromedp.WaitVisible(chromedp.CSS("#report")))
	b.shot("message")
	if r := b.text("#report"); !strings.Contains(r, "setup.exe") || !strings.Contains(r, "dropped") {
		t.Errorf("report table:\n%s", r)
	}
	b.do("delivered text", chromedp.Click(chromedp.CSS("#text")), chromedp.WaitVisible(chromedp.CSS("pre.body")))
	b.shot("delivered-text")
	if txt := b.text("main"); !strings.Contains(txt, "無害化") {
		t.Errorf("delivered text:\n%s", txt)
	}

	// Release to the Internet-side mailbox: the test server gets the
	// original, byte for byte.
	b.do("release", chromedp.Navigate(base+"/m/"+id), chromedp.WaitVisible(chromedp.CSS("#release")),
		chromedp.SendKeys(chromedp.CSS("#release input[name=reason]"), "the recipient needs the installer"),
		chromedp.Click(chromedp.CSS("#release-internet")), chromedp.WaitVisible(chromedp.CSS("#done")))
	b.shot("released")
	got := s.Internet().WaitMessages(1, 10*time.Second)
	if len(got) != 1 || string(got[0].Data) != string(msg) || got[0].Rcpts[0] != "soumu@inet.city.example.jp" {
		t.Fatalf("the Internet side got %+v", got)
	}
	b.do("audit", chromedp.Navigate(base+"/audit"), chromedp.WaitVisible(chromedp.CSS("#audit")))
	b.shot("audit")
	if a := b.text("#audit"); !strings.Contains(a, "console:admin\trelease\t"+id) && !strings.Contains(a, "release") {
		t.Errorf("audit log:\n%s", a)
	} else if !strings.Contains(a, "target=internet to=soumu@inet.city.example.jp") {
		t.Errorf("no release record in the audit log:\n%s", a)
	}
	if c := b.text("#chain"); !strings.Contains(c, "intact") {
		t.Errorf("chain: %s", c)
	}

	// A form whose CSRF token was tampered with is refused.
	b.do("forged form", chromedp.Navigate(base+"/m/"+id), chromedp.WaitVisible(chromedp.CSS("#hold")),
		chromedp.SetValue(chromedp.CSS("#hold input[name=csrf]"), "forged-token"),
		chromedp.Click(chromedp.CSS("#hold-button")), chromedp.WaitVisible(chromedp.CSS("#error")))
	b.shot("csrf-refused")
	if e := b.text("#error"); !strings.Contains(e, "security token") {
		t.Errorf("forged form: %s", e)
	}
	if e, _ := s.Vault().Entry(context.Background(), id); e.Held {
		t.Error("the forged form changed the entry")
	}

	// The recipient page (another browser: no console session), in
	// Japanese; ask the administrator for the original.
	r := newBrowser(t, exe, shots)
	r.n = b.n
	link := s.RecipientURL(t, id, "soumu@city.example.lg.jp", time.Now().Add(30*24*time.Hour))
	r.do("recipient page", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#parts")))
	r.shot("recipient")
	if p := r.text("main"); !strings.Contains(p, "見積書の送付について") || !strings.Contains(p, "setup.exe") || !strings.Contains(p, "削除しました") {
		t.Errorf("recipient page:\n%s", p)
	}
	r.do("ask", chromedp.SendKeys(chromedp.CSS("#ask textarea"), "インストーラが必要です"),
		chromedp.Click(chromedp.CSS("#ask-button")), chromedp.WaitVisible(chromedp.CSS("#done")))
	r.shot("recipient-asked")
	if d := r.text("#done"); !strings.Contains(d, "依頼しました") {
		t.Errorf("after asking: %s", d)
	}
	r.do("english", chromedp.Click(chromedp.CSS("#lang")), chromedp.WaitVisible(chromedp.CSS("#parts")))
	if p := r.text("h1"); p != "The original of a message you received" {
		t.Errorf("English page: %q", p)
	}
	// Forged and expired links.
	tok := link[strings.LastIndex(link, "/")+1:]
	forged := tok[:10] + strings.Map(func(c rune) rune {
		if c == 'A' {
			return 'B'
		}
		return 'A'
	}, tok[10:11]) + tok[11:]
	r.do("forged link", chromedp.Navigate(base+"/r/"+forged), chromedp.WaitVisible(chromedp.CSS("#error")))
	r.shot("recipient-forged")
	if e := r.text("#error"); !strings.Contains(e, "無効") {
		t.Errorf("forged link: %s", e)
	}
	expired := s.RecipientURL(t, id, "soumu@city.example.lg.jp", time.Now().Add(-time.Minute))
	r.do("expired link", chromedp.Navigate(expired), chromedp.WaitVisible(chromedp.CSS("#error")))
	if e := r.text("#error"); !strings.Contains(e, "有効期限") {
		t.Errorf("expired link: %s", e)
	}

	// The administrator sees the request.
	b.n = r.n
	b.do("requests", chromedp.Navigate(base+"/requests"), chromedp.WaitVisible(chromedp.CSS(".request")))
	b.shot("requests")
	if q := b.text(".request"); !strings.Contains(q, "インストーラが必要です") || !strings.Contains(q, "recipient:soumu@city.example.lg.jp") {
		t.Errorf("request:\n%s", q)
	}
	// Signed out, the console is closed again.
	b.do("sign out", chromedp.Click(chromedp.CSS("header button")), chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.Navigate(base+"/m/"+id), chromedp.WaitVisible(chromedp.CSS("#login")))
	if loc := b.location(); !strings.HasPrefix(loc, base+"/login?next="+url.QueryEscape("/m/"+id)) {
		t.Errorf("after sign-out: %s", loc)
	}
}
