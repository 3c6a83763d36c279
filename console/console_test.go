package console

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/mugai/mugai/sanitize"
	"github.com/mugai/mugai/vault"
)

func TestSignIn(t *testing.T) {
	f := newFixture(t, nil)
	pw := f.user("alice", RoleOperator)
	b := f.browser()
	// No session: pages redirect to the sign-in, actions are refused.
	if p := b.get("/"); p.status != http.StatusSeeOther || p.loc != "/login" {
		t.Errorf("GET / without a session: %d %q", p.status, p.loc)
	}
	if p := b.get("/trace?subject=x"); p.status != http.StatusSeeOther || p.loc != "/login?next=%2Ftrace%3Fsubject%3Dx" {
		t.Errorf("GET /trace without a session: %d %q", p.status, p.loc)
	}
	if p := b.post("/m/AAAA-BBBB-CCCC-DDDD/hold", url.Values{"csrf": {"x"}}); p.status != http.StatusUnauthorized {
		t.Errorf("POST without a session: %d", p.status)
	}
	// The sign-in form's token is checked against its cookie.
	if p := b.post("/login", url.Values{"name": {"alice"}, "password": {pw}}); p.status != http.StatusForbidden {
		t.Errorf("sign-in without the form token: %d", p.status)
	}
	if p := b.post("/login", url.Values{"csrf": {"forged-token-forged-token"}, "name": {"alice"}, "password": {pw}}); p.status != http.StatusForbidden {
		t.Errorf("sign-in with a forged form token: %d", p.status)
	}
	for _, tc := range []struct{ name, pw string }{{"alice", "wrong password!"}, {"nobody", pw}, {"", ""}} {
		if p := b.tryLogin(tc.name, tc.pw, ""); p.status != http.StatusUnauthorized || !strings.Contains(p.body, "Sign-in failed.") {
			t.Errorf("sign-in %q/%q: %d", tc.name, tc.pw, p.status)
		}
	}
	// A redirect after sign-in stays on this site.
	tok := b.csrf("/login")
	p := b.post("/login", url.Values{"csrf": {tok}, "name": {"alice"}, "password": {pw}, "next": {"//evil.example/"}})
	if p.status != http.StatusSeeOther || p.loc != "/" {
		t.Fatalf("sign-in: %d %q", p.status, p.loc)
	}
	setCookie := p.header.Values("Set-Cookie")
	var session string
	for _, c := range setCookie {
		if strings.HasPrefix(c, sessionCookie+"=") {
			session = c
		}
	}
	for _, attr := range []string{"Path=/", "HttpOnly", "Secure", "SameSite=Strict"} {
		if !strings.Contains(session, attr) {
			t.Errorf("session cookie %q lacks %s", session, attr)
		}
	}
	if p := b.get("/"); p.status != http.StatusOK || !strings.Contains(p.body, "Mail per hour") {
		t.Errorf("dashboard after sign-in: %d", p.status)
	}
	// The database holds a hash of the cookie, not the cookie.
	value := strings.TrimPrefix(strings.SplitN(session, ";", 2)[0], sessionCookie+"=")
	if _, _, err := f.v.ConsoleSession(context.Background(), value); err == nil {
		t.Error("the session is found by the cookie's value itself")
	}
	if p := b.action("/", "/logout", nil); p.status != http.StatusSeeOther || p.loc != "/login" {
		t.Errorf("sign out: %d %q", p.status, p.loc)
	}
	if p := b.get("/"); p.status != http.StatusSeeOther {
		t.Errorf("after sign-out: %d", p.status)
	}
	audit := auditText(t, f.v)
	for _, want := range []string{"console:alice login  failed user=\"alice\"", "console:alice login  signed in", "console:alice logout  signed out"} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit lacks %q:\n%s", want, audit)
		}
	}
}

func TestSessionExpiry(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.IdleTimeout, o.SessionLifetime = 30*time.Minute, 2*time.Hour })
	pw := f.user("alice", RoleViewer)
	b := f.browser()
	b.login("alice", pw, "")
	// Activity keeps it alive up to the lifetime.
	for range 4 {
		f.clk.Advance(25 * time.Minute)
		if p := b.get("/trace"); p.status != http.StatusOK {
			t.Fatalf("active session ended after %v: %d", f.clk.Now(), p.status)
		}
	}
	f.clk.Advance(25 * time.Minute) // 125 minutes after sign-in
	if p := b.get("/trace"); p.status != http.StatusSeeOther {
		t.Errorf("session past its lifetime: %d", p.status)
	}
	b.login("alice", pw, "")
	f.clk.Advance(31 * time.Minute)
	if p := b.get("/trace"); p.status != http.StatusSeeOther {
		t.Errorf("idle session: %d", p.status)
	}
}

func TestLockout(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.LoginAttempts, o.Lockout = 3, 15*time.Minute })
	pw := f.user("alice", RoleViewer)
	b := f.browser()
	for range 3 {
		b.tryLogin("alice", "not the password", "")
	}
	// Locked: even the right password fails, with the same message.
	if p := b.tryLogin("alice", pw, ""); p.status != http.StatusUnauthorized || !strings.Contains(p.body, "Sign-in failed.") {
		t.Errorf("locked account: %d", p.status)
	}
	if !strings.Contains(auditText(t, f.v), "failures=3: wrong password; locked until") {
		t.Errorf("no lockout in the audit log:\n%s", auditText(t, f.v))
	}
	f.clk.Advance(16 * time.Minute)
	b.login("alice", pw, "")
}

func TestSignInRateLimit(t *testing.T) {
	f := newFixture(t, nil)
	b := f.browser()
	last := 0
	for range 11 {
		last = b.tryLogin("nobody", "x", "").status
	}
	if last != http.StatusTooManyRequests {
		t.Errorf("11th sign-in in a minute: %d", last)
	}
	f.clk.Advance(time.Minute)
	if p := b.tryLogin("nobody", "x", ""); p.status != http.StatusUnauthorized {
		t.Errorf("a minute later: %d", p.status)
	}
}

func TestTOTP(t *testing.T) {
	f := newFixture(t, nil)
	pw := f.user("alice", RoleViewer)
	b := f.browser()
	b.login("alice", pw, "")
	if p := b.action("/account", "/account/totp", nil); p.status != http.StatusSeeOther {
		t.Fatalf("start TOTP: %d %s", p.status, p.body)
	}
	acct := b.get("/account")
	u, _ := f.v.ConsoleUser(context.Background(), "alice")
	if u.TOTPPending == "" || !strings.Contains(acct.body, u.TOTPPending) {
		t.Fatalf("pending secret not shown")
	}
	if img := b.get("/account/totp.png"); img.status != http.StatusOK || img.header.Get("Content-Type") != "image/png" {
		t.Errorf("QR code: %d %s", img.status, img.header.Get("Content-Type"))
	}
	code := func() string {
		c, err := totp.GenerateCodeCustom(u.TOTPPending, f.clk.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if p := b.action("/account", "/account/totp/confirm", url.Values{"code": {"000000"}}); p.status != http.StatusBadRequest {
		t.Errorf("wrong confirmation code: %d", p.status)
	}
	if p := b.action("/account", "/account/totp/confirm", url.Values{"code": {code()}}); p.status != http.StatusSeeOther {
		t.Fatalf("confirm TOTP: %d %s", p.status, p.body)
	}
	b2 := f.browser()
	if p := b2.tryLogin("alice", pw, ""); p.status != http.StatusUnauthorized {
		t.Errorf("sign-in without the code: %d", p.status)
	}
	// The code that confirmed the set-up is used: the next step's code works once.
	if p := b2.tryLogin("alice", pw, code()); p.status != http.StatusUnauthorized {
		t.Errorf("sign-in with the code used to confirm: %d", p.status)
	}
	f.clk.Advance(30 * time.Second)
	c := code()
	b2.login("alice", pw, c)
	if p := f.browser().tryLogin("alice", pw, c); p.status != http.StatusUnauthorized {
		t.Errorf("replayed code: %d", p.status)
	}
}

func TestCSRFAndOrigin(t *testing.T) {
	f := newFixture(t, nil)
	id := f.relay.deliver(t, testEnvelope("Q1"), testMessage("hold me"))
	pw := f.user("alice", RoleOperator)
	b := f.browser()
	b.login("alice", pw, "")
	path := "/m/" + id + "/hold"
	if p := b.post(path, url.Values{"on": {"1"}}); p.status != http.StatusForbidden {
		t.Errorf("form without its CSRF token: %d", p.status)
	}
	if p := b.post(path, url.Values{"on": {"1"}, "csrf": {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}); p.status != http.StatusForbidden {
		t.Errorf("form with a forged CSRF token: %d", p.status)
	}
	// Another user's token is not this session's.
	b2 := f.browser()
	b2.login("alice", pw, "")
	other := b2.csrf("/m/" + id)
	if p := b.post(path, url.Values{"on": {"1"}, "csrf": {other}}); p.status != http.StatusForbidden {
		t.Errorf("form with another session's token: %d", p.status)
	}
	// A cross-site POST is refused even with the token.
	tok := b.csrf("/m/" + id)
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+path, strings.NewReader(url.Values{"on": {"1"}, "csrf": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := b.do(req); p.status != http.StatusForbidden {
		t.Errorf("cross-site POST: %d", p.status)
	}
	if e, _ := f.v.Entry(context.Background(), id); e.Held {
		t.Fatal("a refused form changed the entry")
	}
	if p := b.post(path, url.Values{"on": {"1"}, "csrf": {tok}, "reason": {"court order"}}); p.status != http.StatusSeeOther {
		t.Errorf("form with its token: %d %s", p.status, p.body)
	}
	if e, _ := f.v.Entry(context.Background(), id); !e.Held {
		t.Error("hold not set")
	}
	if !strings.Contains(auditText(t, f.v), "console:alice hold "+id+` reason="court order"`) {
		t.Errorf("hold not in the audit log:\n%s", auditText(t, f.v))
	}
}

func TestRoles(t *testing.T) {
	f := newFixture(t, nil)
	id := f.relay.deliver(t, testEnvelope("Q1"), testMessage("roles"))
	type want struct {
		method, path string
		form         url.Values
		status       map[Role]int
	}
	ok, see, no := http.StatusOK, http.StatusSeeOther, http.StatusForbidden
	cases := []want{
		{"GET", "/m/" + id, nil, map[Role]int{RoleViewer: ok, RoleOperator: ok, RoleAdmin: ok}},
		{"GET", "/m/" + id + "/text", nil, map[Role]int{RoleViewer: no, RoleOperator: ok, RoleAdmin: ok}},
		{"GET", "/users", nil, map[Role]int{RoleViewer: no, RoleOperator: no, RoleAdmin: ok}},
		{"GET", "/audit", nil, map[Role]int{RoleViewer: ok, RoleOperator: ok, RoleAdmin: ok}},
		{"POST", "/m/" + id + "/hold", url.Values{"on": {"0"}}, map[Role]int{RoleViewer: no, RoleOperator: see, RoleAdmin: see}},
		{"POST", "/m/" + id + "/download", nil, map[Role]int{RoleViewer: no, RoleOperator: no, RoleAdmin: ok}},
		{"POST", "/users", url.Values{"name": {"x"}, "role": {"viewer"}}, map[Role]int{RoleViewer: no, RoleOperator: no}},
		{"POST", "/m/" + id + "/purge", url.Values{"confirm": {"yes"}}, map[Role]int{RoleViewer: no, RoleOperator: no, RoleAdmin: see}},
	}
	for _, role := range Roles() {
		name := string(role) + "1"
		pw := f.user(name, role)
		b := f.browser()
		b.login(name, pw, "")
		for _, c := range cases {
			w, ok := c.status[role]
			if !ok {
				continue
			}
			var p page
			if c.method == "GET" {
				p = b.get(c.path)
			} else {
				form := url.Values{}
				for k, v := range c.form {
					form[k] = v
				}
				p = b.action("/trace", c.path, form)
			}
			if p.status != w {
				t.Errorf("%s %s %s: %d, want %d (%.200s)", role, c.method, c.path, p.status, w, p.body)
			}
		}
	}
}

func TestInitialAdmin(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	if err := f.c.EnsureAdmin(ctx); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(f.stateD, AdminFileName)
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credential file: %v %v", st, err)
	}
	data, _ := os.ReadFile(path)
	pw := ""
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "password: "); ok {
			pw = v
		}
	}
	// A second start changes nothing.
	if err := f.c.EnsureAdmin(ctx); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(path); string(again) != string(data) {
		t.Error("a second start rewrote the credential file")
	}
	b := f.browser()
	b.login("admin", pw, "")
	if p := b.get("/"); p.status != http.StatusSeeOther || p.loc != "/account" {
		t.Errorf("first sign-in must change the password: %d %q", p.status, p.loc)
	}
	if p := b.action("/account", "/users", url.Values{"name": {"bob"}, "role": {"viewer"}}); p.status != http.StatusForbidden {
		t.Errorf("an action before the change: %d", p.status)
	}
	for _, tc := range []struct {
		cur, pw, again string
	}{{"wrong", "a-new-password-1", "a-new-password-1"}, {pw, "short", "short"}, {pw, "a-new-password-1", "a-new-password-2"}} {
		if p := b.action("/account", "/account/password", url.Values{"current": {tc.cur}, "password": {tc.pw}, "again": {tc.again}}); p.status != http.StatusBadRequest {
			t.Errorf("change %+v: %d", tc, p.status)
		}
	}
	p := b.action("/account", "/account/password", url.Values{"current": {pw}, "password": {"a-new-password-1"}, "again": {"a-new-password-1"}})
	if p.status != http.StatusSeeOther || p.loc != "/login" {
		t.Fatalf("change: %d %s", p.status, p.body)
	}
	if p := b.get("/"); p.status != http.StatusSeeOther || p.loc != "/login" {
		t.Errorf("the session survived the password change: %d %q", p.status, p.loc)
	}
	b.login("admin", "a-new-password-1", "")
	if p := b.get("/"); p.status != http.StatusOK {
		t.Errorf("after the change: %d", p.status)
	}
}

func TestMessagePageEscapes(t *testing.T) {
	f := newFixture(t, nil)
	id := f.relay.deliver(t, testEnvelope("Q1"), testMessage(`見積書 <script>alert("x")</script><img src=x onerror=alert(1)>`))
	pw := f.user("alice", RoleOperator)
	b := f.browser()
	b.login("alice", pw, "")
	p := b.get("/m/" + id)
	if p.status != http.StatusOK {
		t.Fatalf("message page: %d", p.status)
	}
	if strings.Contains(p.body, "<script") || strings.Contains(p.body, "<img src=x") {
		t.Errorf("markup of the message reached the page:\n%s", p.body)
	}
	for _, want := range []string{"見積書 &lt;script&gt;", "setup.exe", "memo.txt", "dropped", "text-attachment", "yamada@example.jp"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("message page lacks %q", want)
		}
	}
	txt := b.get("/m/" + id + "/text")
	if txt.status != http.StatusOK || !strings.Contains(txt.body, "無害化") || !strings.Contains(txt.body, "&lt;b&gt;見積書&lt;/b&gt;") {
		t.Errorf("delivered text: %d\n%s", txt.status, txt.body)
	}
	if strings.Contains(txt.body, "<script") {
		t.Error("markup in the delivered text page")
	}
	if !strings.Contains(auditText(t, f.v), "console:alice read "+id+` delivered copy reason="console view"`) {
		t.Errorf("reading the copy is not recorded:\n%s", auditText(t, f.v))
	}
	for _, path := range []string{"/m/0000-0000-0000-0000", "/m/not-an-id"} {
		if p := b.get(path); p.status != http.StatusNotFound {
			t.Errorf("%s: %d", path, p.status)
		}
	}
}

func TestReleaseToInternet(t *testing.T) {
	f := newFixture(t, nil)
	msg := testMessage("release me")
	id := f.relay.deliver(t, testEnvelope("Q1", "soumu@city.example.lg.jp", "kikaku@city.example.lg.jp"), msg)
	pw := f.user("alice", RoleOperator)
	b := f.browser()
	b.login("alice", pw, "")
	p := b.action("/m/"+id, "/m/"+id+"/release", url.Values{"rcpt": {"kikaku@city.example.lg.jp"}, "reason": {"needs the exe"}})
	if p.status != http.StatusSeeOther || p.loc != "/m/"+id+"?done=released" {
		t.Fatalf("release: %d %s", p.status, p.body)
	}
	got := f.inet.WaitMessages(1, 5*time.Second)
	if len(got) != 1 || string(got[0].Data) != string(msg) || got[0].Rcpts[0] != "kikaku@inet.city.example.jp" || len(got[0].Rcpts) != 1 {
		t.Fatalf("the Internet side got %+v", got)
	}
	if p := b.action("/m/"+id, "/m/"+id+"/release", url.Values{"rcpt": {"someone@else.example"}}); p.status != http.StatusConflict {
		t.Errorf("release to a non-recipient: %d", p.status)
	}
	if !strings.Contains(auditText(t, f.v), "console:alice release "+id+` target=internet to=kikaku@inet.city.example.jp reason="needs the exe"`) {
		t.Errorf("audit:\n%s", auditText(t, f.v))
	}
	if p := b.get("/m/" + id + "?done=released"); !strings.Contains(p.body, "The original was sent.") {
		t.Error("no confirmation on the page")
	}
}

func TestReleaseIntoLGWAN(t *testing.T) {
	t.Run("approval", func(t *testing.T) {
		f := newFixture(t, func(o *Options) { o.LGWANApproval = true })
		id := f.relay.deliver(t, testEnvelope("Q1"), testMessage("into the LGWAN"))
		alice, bob := f.user("alice", RoleOperator), f.user("bob", RoleOperator)
		a := f.browser()
		a.login("alice", alice, "")
		if p := a.action("/m/"+id, "/m/"+id+"/lgwan", nil); p.status != http.StatusBadRequest {
			t.Errorf("LGWAN release without a reason: %d", p.status)
		}
		if p := a.action("/m/"+id, "/m/"+id+"/lgwan", url.Values{"reason": {"the macro is needed"}}); p.status != http.StatusSeeOther || !strings.HasSuffix(p.loc, "done=requested") {
			t.Fatalf("LGWAN request: %d %s", p.status, p.body)
		}
		reqs, _ := f.v.RequestedReleases(context.Background(), vault.RequestPending, "", 0)
		if len(reqs) != 1 {
			t.Fatalf("requests: %+v", reqs)
		}
		n := reqs[0].ID
		path := "/requests/" + itoa(n) + "/approve"
		if p := a.action("/requests", path, nil); p.status != http.StatusForbidden {
			t.Errorf("approval by the requester: %d", p.status)
		}
		if len(f.lgwan.Messages()) != 0 {
			t.Fatal("released without approval")
		}
		b := f.browser()
		b.login("bob", bob, "")
		if p := b.action("/requests", path, url.Values{"reason": {"ok"}}); p.status != http.StatusSeeOther {
			t.Fatalf("approval: %d %s", p.status, p.body)
		}
		got := f.lgwan.WaitMessages(1, 5*time.Second)
		if len(got) != 1 || !strings.HasPrefix(string(got[0].Data), "X-Mugai-Released: by=console:bob;") {
			t.Fatalf("LGWAN got %+v", got)
		}
		if p := b.action("/requests", path, nil); p.status != http.StatusConflict {
			t.Errorf("second approval: %d", p.status)
		}
		q, _ := f.v.RequestedRelease(context.Background(), n)
		if q.State != vault.RequestReleased {
			t.Errorf("request after release: %+v", q)
		}
	})
	t.Run("denied by config", func(t *testing.T) {
		f := newFixture(t, func(o *Options) { o.Releaser.LGWAN = nil })
		id := f.relay.deliver(t, testEnvelope("Q1"), testMessage("no LGWAN"))
		pw := f.user("alice", RoleAdmin)
		b := f.browser()
		b.login("alice", pw, "")
		if p := b.get("/m/" + id); strings.Contains(p.body, `action="/m/`+id+`/lgwan"`) {
			t.Error("the LGWAN form is shown although config denies it")
		}
		if p := b.action("/m/"+id, "/m/"+id+"/lgwan", url.Values{"reason": {"x"}}); p.status != http.StatusForbidden {
			t.Errorf("LGWAN release denied by config: %d", p.status)
		}
	})
	t.Run("without approval", func(t *testing.T) {
		f := newFixture(t, nil)
		id := f.relay.deliver(t, testEnvelope("Q1"), testMessage("direct"))
		pw := f.user("alice", RoleOperator)
		b := f.browser()
		b.login("alice", pw, "")
		if p := b.action("/m/"+id, "/m/"+id+"/lgwan", url.Values{"reason": {"urgent"}}); p.status != http.StatusSeeOther {
			t.Fatalf("LGWAN release: %d %s", p.status, p.body)
		}
		if got := f.lgwan.WaitMessages(1, 5*time.Second); len(got) != 1 || !strings.Contains(string(got[0].Data), "reason=urgent") {
			t.Fatalf("LGWAN got %+v", got)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestDownloadAndPurge(t *testing.T) {
	f := newFixture(t, nil)
	msg := testMessage("download")
	id := f.relay.deliver(t, testEnvelope("Q1"), msg)
	pw := f.user("root", RoleAdmin)
	b := f.browser()
	b.login("root", pw, "")
	p := b.action("/m/"+id, "/m/"+id+"/download", url.Values{"reason": {"forensics"}})
	if p.status != http.StatusOK || p.body != string(msg) || p.header.Get("Content-Type") != "application/octet-stream" ||
		!strings.HasPrefix(p.header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("download: %d %v", p.status, p.header)
	}
	if !strings.Contains(auditText(t, f.v), "console:root read "+id+` reason="forensics"`) {
		t.Errorf("download not recorded:\n%s", auditText(t, f.v))
	}
	if p := b.action("/m/"+id, "/m/"+id+"/hold", url.Values{"on": {"1"}}); p.status != http.StatusSeeOther {
		t.Fatal(p.status)
	}
	if p := b.action("/m/"+id, "/m/"+id+"/purge", url.Values{"confirm": {"yes"}}); p.status != http.StatusConflict {
		t.Errorf("purge of a held entry: %d", p.status)
	}
	b.action("/m/"+id, "/m/"+id+"/hold", url.Values{"on": {"0"}})
	if p := b.action("/m/"+id, "/m/"+id+"/purge", nil); p.status != http.StatusBadRequest {
		t.Errorf("purge without confirmation: %d", p.status)
	}
	if p := b.action("/m/"+id, "/m/"+id+"/purge", url.Values{"confirm": {"yes"}, "reason": {"asked"}}); p.status != http.StatusSeeOther {
		t.Fatalf("purge: %d %s", p.status, p.body)
	}
	if e, _ := f.v.Entry(context.Background(), id); e.State != vault.StatePurged {
		t.Errorf("state after purge: %s", e.State)
	}
	if p := b.get("/m/" + id); p.status != http.StatusOK || strings.Contains(p.body, "/download") {
		t.Errorf("purged message page: %d", p.status)
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t, nil)
	b := f.browser()
	for _, path := range []string{"/login", "/", "/static/console.css", "/r/xyz", "/nowhere"} {
		p := b.get(path)
		h := p.header
		if h.Get("Content-Security-Policy") != contentSecurityPolicy || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", path, h)
		}
		if !strings.Contains(h.Get("Strict-Transport-Security"), "max-age") {
			t.Errorf("%s: no HSTS over TLS", path)
		}
	}
	if !strings.Contains(contentSecurityPolicy, "default-src 'none'") || strings.Contains(contentSecurityPolicy, "unsafe") {
		t.Errorf("CSP is not strict: %s", contentSecurityPolicy)
	}
	// Nothing refers to another site, and no page has a script.
	pw := f.user("alice", RoleAdmin)
	b.login("alice", pw, "")
	f.relay.deliver(t, testEnvelope("Q1"), testMessage("x"))
	for _, path := range []string{"/", "/trace", "/requests", "/audit", "/users", "/account", "/login"} {
		body := b.get(path).body
		for _, bad := range []string{"<script", "http://", "https://", "style=\"", " onclick=", " onerror=", " onload=", "javascript:"} {
			if strings.Contains(strings.ToLower(body), bad) {
				t.Errorf("%s holds %q", path, bad)
			}
		}
	}
}

func TestListenCheck(t *testing.T) {
	for _, tc := range []struct {
		lc ListenConfig
		ok bool
	}{
		{ListenConfig{Addr: "127.0.0.1:8025"}, true},
		{ListenConfig{Addr: "[::1]:8025"}, true},
		{ListenConfig{Addr: "localhost:8025"}, true},
		{ListenConfig{Addr: "0.0.0.0:8025"}, false},
		{ListenConfig{Addr: ":8025"}, false},
		{ListenConfig{Addr: "192.0.2.1:8025"}, false},
		{ListenConfig{Addr: "gw.example.jp:8025"}, false},
		{ListenConfig{Addr: "192.0.2.1:8025", AllowInsecureRemote: true}, true},
		{ListenConfig{Addr: "192.0.2.1:8025", CertFile: "c.pem", KeyFile: "k.pem"}, true},
		{ListenConfig{Addr: "127.0.0.1:8025", CertFile: "c.pem"}, false},
	} {
		if err := tc.lc.Check(); (err == nil) != tc.ok {
			t.Errorf("%+v: %v", tc.lc, err)
		}
	}
	// Serve refuses too.
	f := newFixture(t, nil)
	if _, err := f.c.Serve(ListenConfig{Addr: "0.0.0.0:0"}); err == nil {
		t.Error("Serve listened beyond loopback without TLS")
	}
	s, err := f.c.Serve(ListenConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + s.Addr().String() + "/login")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("served console: %v %v", resp, err)
	}
	resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Error(err)
	}
}

// TestMessagePageAuth: the message page shows the sender authentication
// the relay recorded in the report, as escaped text.
func TestMessagePageAuth(t *testing.T) {
	f := newFixture(t, nil)
	f.relay.auth = &sanitize.AuthReport{
		Client: "198.51.100.7", Helo: "mail.attacker.example", Via: "xforward",
		SPF:   sanitize.AuthResult{Result: "fail", Domain: "example.jp", Identity: "mailfrom", Reason: "matched all"},
		DKIM:  []sanitize.AuthResult{{Result: "none", Reason: "no signature"}},
		DMARC: sanitize.AuthResult{Result: "fail", Domain: "example.jp", Policy: "reject"},
		From:  "yamada@example.jp",
		Findings: []sanitize.AuthFinding{{Kind: "display-name-address", Shown: `<script>x</script>@city.example.lg.jp`,
			Real: "yamada@example.jp"}},
		Problems: []string{"dmarc", "display-name"}, Action: "deliver",
	}
	id := f.relay.deliver(t, testEnvelope("Q1"), testMessage("見積書"))
	clean := f.relay.deliver(t, testEnvelope("Q2"), testMessage("議事録"))
	pw := f.user("alice", RoleViewer)
	b := f.browser()
	b.login("alice", pw, "")
	p := b.get("/m/" + id)
	if p.status != http.StatusOK {
		t.Fatalf("message page: %d", p.status)
	}
	for _, want := range []string{`id="auth"`, "Sender authentication", "problems: dmarc, display-name", "198.51.100.7",
		"via xforward", "matched all", "p=reject", "&lt;script&gt;x&lt;/script&gt;@city.example.lg.jp"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("message page lacks %q", want)
		}
	}
	if strings.Contains(p.body, "<script>x") {
		t.Error("markup of a finding reached the page")
	}
	if p := b.get("/m/" + clean); p.status != http.StatusOK || strings.Contains(p.body, `id="auth"`) {
		t.Errorf("a report without auth: %d, section shown: %v", p.status, strings.Contains(p.body, `id="auth"`))
	}
}
