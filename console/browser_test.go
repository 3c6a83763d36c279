package console

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/smtp"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mugai/mugai/internal/sanitizetest"
	"github.com/mugai/mugai/internal/smtptest"
	"github.com/mugai/mugai/internal/testinput/archivetest"
	"github.com/mugai/mugai/vault"
)

// The browser test drives the console in a real headless Chromium
// (Debian's chromium package): it signs in, finds a message, opens its
// report, releases it to the Internet-side mailbox, sees the audit
// record, opens a recipient link and asks for a release, and checks that
// a page without a session, a form without its CSRF token and forged or
// expired links are refused. Mail goes through the built `mugai serve`
// over SMTP; the recipient link is the one in the notice the LGWAN side
// received. It saves a screenshot of every page in
// $MUGAI_SCREENSHOTS (or the test's temporary directory); the README's
// pictures are two of them (docs/images).
//
// The gateway under test is a browserStack: the built `mugai serve`,
// fed over SMTP (serveStack).
type browserStack interface {
	// URL is the console's base URL.
	URL() string
	// AdminPassword is the first administrator's password, from the
	// credential file the console wrote at its first start.
	AdminPassword(t *testing.T) string
	// Deliver sends a message through the gateway and returns its vault id.
	Deliver(t *testing.T, env vault.Envelope, msg []byte) string
	// NoticeLink is the recipient link in the notice the next hop
	// received for vault entry id.
	NoticeLink(t *testing.T, id string) string
	// Link is a link for id and rcpt signed with the gateway's key, valid
	// until expires (to try an expired one).
	Link(t *testing.T, id, rcpt string, expires time.Time) string
	// Internet is the Internet-side mail server releases go to.
	Internet() *smtptest.Server
	// LGWAN is the next hop sanitized mail goes to.
	LGWAN() *smtptest.Server
	Vault() *vault.Vault
}

// serveStack is the built `mugai serve` with the vault and the console on,
// as the default configuration has them (SQLite vault, key pair made at
// first start, console on 127.0.0.1 over plain HTTP), delivering to an
// LGWAN-side test server, releasing to an Internet-side one. The test
// opens the same SQLite vault to look at entries and to write the week
// of history the dashboard draws, which SMTP cannot backdate.
type serveStack struct {
	url     string
	smtp    string
	dir     string
	v       *vault.Vault
	history *relay
	links   *Links
	lgwan   *smtptest.Server
	inet    *smtptest.Server
	logs    chan string
}

// buildMugai builds mugai and its conversion worker into a temporary
// directory, once per test binary.
var buildMugai = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "mugai-browser-")
	if err != nil {
		return "", err
	}
	out, err := exec.Command("go", "build", "-o", dir, "../cmd/mugai", "../cmd/mugai-convert").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build mugai: %v\n%s", err, out)
	}
	return filepath.Join(dir, "mugai"), nil
})

// freePort returns a loopback address with a port that was free a moment
// ago: the console's base URL (in the notices' links) must name its
// port before it listens.
func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func newServeStack(t *testing.T) *serveStack {
	t.Helper()
	bin, err := buildMugai()
	if err != nil {
		t.Fatal(err)
	}
	s := &serveStack{dir: t.TempDir(), lgwan: smtptest.NewServer(t, nil), inet: smtptest.NewServer(t, nil), logs: make(chan string, 10000)}
	console := freePort(t)
	cfg := fmt.Sprintf(`hostname: gw.city.example.lg.jp
listen: {smtp: "127.0.0.1:0", console: "%s"}
relay: {domains: [city.example.lg.jp], networks: [127.0.0.0/8]}
delivery: {next_hop: "%s", tls: none}
vault:
  path: ./vault
  release:
    internet_relay: "%s"
    internet_tls: none
    address: "{local}@inet.city.example.jp"
auth: {enabled: false}
`, console, s.lgwan.Addr, s.inet.Addr)
	cfgPath := filepath.Join(s.dir, "mugai.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "-config", cfgPath)
	cmd.Dir = s.dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			select {
			case s.logs <- sc.Text():
			default:
			}
		}
		cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
		}
	})
	listening := regexp.MustCompile(`msg="mugai listening" addr=(\S+)`)
	for s.smtp == "" || s.url == "" {
		line := s.waitLog(t, "listening")
		if m := listening.FindStringSubmatch(line); m != nil {
			s.smtp = m[1]
		}
		if strings.Contains(line, "console listening") {
			s.url = "http://" + console
		}
	}
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	rcpts, err := vault.LoadRecipients(filepath.Join(s.dir, "vault", vault.RecipientsFileName))
	if err != nil {
		t.Fatal(err)
	}
	if s.v, err = vault.OpenSQLite(ctx, filepath.Join(s.dir, "vault"), vault.Options{Recipients: rcpts, Logger: log}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.v.Close() })
	s.history = newRelay(s.v)
	key, err := readKeyFile(filepath.Join(s.dir, "vault", LinkKeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	if s.links, err = NewLinks(s.url, key); err != nil {
		t.Fatal(err)
	}
	return s
}

// waitLog returns the next log line of the gateway that holds want.
func (s *serveStack) waitLog(t *testing.T, want string) string {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case line := <-s.logs:
			if strings.Contains(line, want) {
				return line
			}
		case <-deadline:
			t.Fatalf("mugai logged no %q", want)
		}
	}
}

func (s *serveStack) URL() string                { return s.url }
func (s *serveStack) Internet() *smtptest.Server { return s.inet }
func (s *serveStack) LGWAN() *smtptest.Server    { return s.lgwan }
func (s *serveStack) Vault() *vault.Vault        { return s.v }

func (s *serveStack) AdminPassword(t *testing.T) string {
	data, err := os.ReadFile(filepath.Join(s.dir, "vault", AdminFileName))
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

var logVault = regexp.MustCompile(` vault=([0-9A-Z-]{19}) `)

// Deliver sends msg through mugai over SMTP and returns the vault id its
// log line names. A message received over an hour ago (the dashboard's
// history) is written into the vault as the relay would have then.
func (s *serveStack) Deliver(t *testing.T, env vault.Envelope, msg []byte) string {
	t.Helper()
	if !env.Received.IsZero() && time.Since(env.Received) > time.Hour {
		return s.history.deliver(t, env, msg)
	}
	if err := smtp.SendMail(s.smtp, nil, env.MailFrom, env.Rcpts, msg); err != nil {
		t.Fatalf("send through mugai: %v", err)
	}
	m := logVault.FindStringSubmatch(s.waitLog(t, "smtpd: message"))
	if m == nil {
		t.Fatal("no vault id on mugai's log line")
	}
	return m[1]
}

var noticeLink = regexp.MustCompile(`https?://[^\s]+/r/[A-Za-z0-9_-]+`)

func (s *serveStack) NoticeLink(t *testing.T, id string) string {
	t.Helper()
	for _, m := range s.lgwan.Messages() {
		texts, err := sanitizetest.Check(m.Data, sanitizetest.Options{AllowReceived: true, AllowAuthResults: true})
		if err != nil {
			t.Fatal(err)
		}
		if body := texts[0].Body; strings.Contains(body, "受付番号 "+id) {
			if l := noticeLink.FindString(body); l != "" {
				return l
			}
			t.Fatalf("the notice of %s has no link:\n%s", id, body)
		}
	}
	t.Fatalf("the next hop has no notice for %s", id)
	return ""
}

func (s *serveStack) Link(t *testing.T, id, rcpt string, expires time.Time) string {
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

// fillStack sends a week of mail: most delivered, some quarantined or
// refused, some not yet delivered, with attachments of several kinds;
// the first ten now, through the gateway.
func fillStack(t *testing.T, s browserStack) {
	now := time.Now()
	kinds := []string{"exe", "html", "text", "exe", "html"}
	senders := []string{"example.jp", "vendor.example.com", "city.example.lg.jp", "example.jp", "mail.example.org"}
	for i := range 60 {
		env := testEnvelope(fmt.Sprintf("W%d", i))
		env.MailFrom = fmt.Sprintf("user%d@%s", i%7, senders[i%len(senders)])
		if i >= 10 {
			env.Received = now.Add(-time.Duration(i*i%168) * time.Hour).Add(-time.Duration(i) * time.Minute)
		}
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
		if i%13 == 7 && i >= 10 {
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
	var s browserStack = newServeStack(t)
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
	link := s.NoticeLink(t, id)
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
	expired := s.Link(t, id, "soumu@city.example.lg.jp", time.Now().Add(-time.Minute))
	r.do("expired link", chromedp.Navigate(expired), chromedp.WaitVisible(chromedp.CSS("#error")))
	if e := r.text("#error"); !strings.Contains(e, "有効期限") {
		t.Errorf("expired link: %s", e)
	}

	// A password-protected zip (PPAP): its notice links to the page,
	// where a wrong password is counted and the right one opens it; its
	// contents arrive at the next hop as a reply.
	ppapID := s.Deliver(t, testEnvelope("Q-PPAP"), ppapMessage(t, "請求書の送付", "seikyu.zip", "Pq8#mZ42",
		archivetest.File{Name: "seikyu.txt", Body: []byte("ご請求金額 98,765 円 browser-ppap-contents\n")}))
	r.do("ppap page", chromedp.Navigate(s.NoticeLink(t, ppapID)), chromedp.WaitVisible(chromedp.CSS("#ppap")))
	r.shot("recipient-ppap")
	if p := r.text("#ppap"); !strings.Contains(p, "seikyu.zip") || !strings.Contains(p, "保管中") || !strings.Contains(p, "残り回数：5") {
		t.Errorf("PPAP section:\n%s", p)
	}
	r.do("wrong password", chromedp.SendKeys(chromedp.CSS(".ppap-password"), "wrong-one"),
		chromedp.Click(chromedp.CSS(".ppap-open")), chromedp.WaitVisible(chromedp.CSS("#ppap-error")))
	if e := r.text("#ppap-error"); !strings.Contains(e, "パスワードが違います。残り回数：4") {
		t.Errorf("after a wrong password: %s", e)
	}
	r.do("right password", chromedp.SendKeys(chromedp.CSS(".ppap-password"), "Pq8#mZ42"),
		chromedp.Click(chromedp.CSS(".ppap-open")), chromedp.WaitVisible(chromedp.CSS("#ppap-done")))
	r.shot("recipient-ppap-opened")
	if p := r.text("#ppap"); !strings.Contains(p, "開封しました") {
		t.Errorf("after the right password:\n%s", p)
	}
	contents := waitSubject(t, s.LGWAN(), "Re: 請求書の送付")
	if !strings.Contains(contents, "browser-ppap-contents") || !strings.Contains(contents, "受信者ページで入力されたパスワードで開封しました") ||
		!strings.Contains(contents, "seikyu.txt") || strings.Contains(contents, "Pq8#mZ42") {
		t.Errorf("the contents message:\n%s", contents)
	}
	b.do("ppap state", chromedp.Navigate(base+"/m/"+ppapID), chromedp.WaitVisible(chromedp.CSS("#ppap")))
	b.shot("message-ppap")
	if p := b.text("#ppap"); !strings.Contains(p, "opened") || !strings.Contains(p, "by page") || !strings.Contains(p, "seikyu.zip") {
		t.Errorf("message page's PPAP table:\n%s", p)
	}

	// A message to two recipients carries one link for both: its page
	// shows neither and asks for the person's own address.
	two := s.Deliver(t, testEnvelope("Q-TWO", "soumu@city.example.lg.jp", "kikaku@city.example.lg.jp"), testMessage("会議資料（2 名宛て）"))
	r.do("entry link", chromedp.Navigate(s.NoticeLink(t, two)), chromedp.WaitVisible(chromedp.CSS("#address-note")))
	r.shot("recipient-several")
	if p := r.text("main"); strings.Contains(p, "soumu@") || strings.Contains(p, "kikaku@") {
		t.Errorf("the entry link's page shows a recipient:\n%s", p)
	}
	r.do("ask as kikaku", chromedp.SendKeys(chromedp.CSS("#ask input[name=address]"), "kikaku@city.example.lg.jp"),
		chromedp.Click(chromedp.CSS("#ask-button")), chromedp.WaitVisible(chromedp.CSS("#done")))
	if reqs, err := s.Vault().RequestedReleases(context.Background(), vault.RequestPending, two, 0); err != nil || len(reqs) != 1 ||
		reqs[0].Recipient != "kikaku@city.example.lg.jp" {
		t.Errorf("request on the entry link: %+v %v", reqs, err)
	}

	// The administrator sees the request.
	b.n = r.n
	b.do("requests", chromedp.Navigate(base+"/requests"), chromedp.WaitVisible(chromedp.CSS(".request")))
	b.shot("requests")
	if q := b.text("main"); !strings.Contains(q, "インストーラが必要です") || !strings.Contains(q, "recipient:soumu@city.example.lg.jp") ||
		!strings.Contains(q, "recipient:kikaku@city.example.lg.jp") {
		t.Errorf("request:\n%s", q)
	}
	// Signed out, the console is closed again.
	b.do("sign out", chromedp.Click(chromedp.CSS("header button")), chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.Navigate(base+"/m/"+id), chromedp.WaitVisible(chromedp.CSS("#login")))
	if loc := b.location(); !strings.HasPrefix(loc, base+"/login?next="+url.QueryEscape("/m/"+id)) {
		t.Errorf("after sign-out: %s", loc)
	}
}

// ppapMessage is a mail from yamada@example.jp to soumu@ with a zip made
// by `zip -P password` of files attached as zipName.
func ppapMessage(t *testing.T, subject, zipName, password string, files ...archivetest.File) []byte {
	zip := archivetest.InfoZip(t, password, files...)
	enc := base64.StdEncoding.EncodeToString(zip)
	var lines []string
	for len(enc) > 76 {
		lines, enc = append(lines, enc[:76]), enc[76:]
	}
	lines = append(lines, enc)
	return []byte("From: =?UTF-8?B?5bGx55Sw?= <yamada@example.jp>\r\nTo: soumu@city.example.lg.jp\r\n" +
		"Subject: " + mime.BEncoding.Encode("utf-8", subject) + "\r\nMessage-ID: <" + messageID(subject) + ">\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n請求書を送ります。パスワードは別のメールでお送りします。\r\n" +
		"--b1\r\nContent-Type: application/zip; name=" + zipName + "\r\nContent-Disposition: attachment; filename=" + zipName + "\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + strings.Join(lines, "\r\n") + "\r\n--b1--\r\n")
}

// waitSubject waits for the next hop to receive a message with subject
// and returns its decoded texts.
func waitSubject(t *testing.T, next *smtptest.Server, subject string) string {
	t.Helper()
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		for _, m := range next.Messages() {
			if !strings.Contains(string(m.Data), mime.BEncoding.Encode("utf-8", subject)) && !strings.Contains(string(m.Data), "Subject: "+subject) {
				continue
			}
			texts, err := sanitizetest.Check(m.Data, sanitizetest.Options{AllowReceived: true})
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, x := range texts {
				b.WriteString(x.Filename + "\n" + x.Body + "\n")
			}
			return b.String()
		}
	}
	t.Fatalf("the next hop received no message %q", subject)
	return ""
}
