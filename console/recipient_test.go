package console

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mugai/mugai/sanitize"
	"github.com/mugai/mugai/vault"
)

// recipientURL is the path of a recipient link for the fixture's server.
func (f *fixture) recipientPath(id, rcpt string) string {
	f.t.Helper()
	e, err := f.v.Entry(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	u, err := f.links.URL(id, rcpt, e.Expires)
	if err != nil {
		f.t.Fatal(err)
	}
	return strings.TrimPrefix(u, f.links.BaseURL())
}

func TestRecipientPage(t *testing.T) {
	f := newFixture(t, nil)
	id := f.relay.deliver(t, testEnvelope("Q1", "soumu@city.example.lg.jp", "kikaku@city.example.lg.jp"), testMessage("見積書の送付"))
	path := f.recipientPath(id, "Kikaku@city.example.lg.jp")
	b := f.browser()
	p := b.get(path)
	if p.status != http.StatusOK {
		t.Fatalf("recipient page: %d %s", p.status, p.body)
	}
	for _, want := range []string{`lang="ja"`, "受信したメールの原本について", "見積書の送付", "setup.exe", "削除しました", "kikaku@inet.city.example.jp", id} {
		if !strings.Contains(p.body, want) {
			t.Errorf("recipient page lacks %q", want)
		}
	}
	// The page names only the recipient the link is for (others may be Bcc).
	if strings.Contains(p.body, "soumu@") {
		t.Error("the page shows another recipient")
	}
	if en := b.get(path + "?lang=en"); !strings.Contains(en.body, `lang="en"`) || !strings.Contains(en.body, "The original of a message you received") {
		t.Error("English page")
	}
	// Forged tokens: each byte changed, another id, another recipient.
	tok := strings.TrimPrefix(path, "/r/")
	bad := []string{"x", tok[:len(tok)-1], tok + "A"}
	for _, i := range []int{0, 5, 20, 30, 40, 55} {
		c := byte('A')
		if tok[i] == 'A' {
			c = 'B'
		}
		bad = append(bad, tok[:i]+string(c)+tok[i+1:])
	}
	other, _ := f.links.Token("0000-0000-0000-0000", "kikaku@city.example.lg.jp", time.Now().Add(time.Hour))
	stranger, _ := f.links.Token(id, "stranger@city.example.lg.jp", time.Now().Add(time.Hour))
	otherKey, _ := NewLinks("https://x.example", []byte("another key, 32 bytes long......"))
	forged, _ := otherKey.Token(id, "kikaku@city.example.lg.jp", time.Now().Add(time.Hour))
	bad = append(bad, other, stranger, forged)
	for _, tk := range bad {
		if p := b.get("/r/" + tk); p.status != http.StatusNotFound || !strings.Contains(p.body, "このリンクは無効です") {
			t.Errorf("forged token %q: %d", tk, p.status)
		}
	}

	// Ask the administrator: one request however often asked.
	form := csrfField.FindStringSubmatch(p.body)[1]
	if p := b.post(path+"/ask", url.Values{"reason": {"I need the installer"}}); p.status != http.StatusForbidden {
		t.Errorf("ask without the form token: %d", p.status)
	}
	for range 2 {
		if p := b.post(path+"/ask?lang=ja", url.Values{"csrf": {form}, "reason": {"I need the installer"}}); p.status != http.StatusSeeOther || !strings.Contains(p.loc, "done=asked") {
			t.Fatalf("ask: %d %s", p.status, p.body)
		}
	}
	reqs, _ := f.v.RequestedReleases(context.Background(), vault.RequestPending, id, 0)
	if len(reqs) != 1 || reqs[0].Recipient != "kikaku@city.example.lg.jp" || reqs[0].RequestedBy != "recipient:kikaku@city.example.lg.jp" {
		t.Fatalf("requests: %+v", reqs)
	}
	if p := b.get(path); !strings.Contains(p.body, `id="pending"`) {
		t.Error("the page does not say a request waits")
	}
	// Send to my Internet-side mailbox.
	if p := b.post(path+"/send", url.Values{"csrf": {form}}); p.status != http.StatusSeeOther {
		t.Fatalf("send: %d %s", p.status, p.body)
	}
	got := f.inet.WaitMessages(1, 5*time.Second)
	if len(got) != 1 || len(got[0].Rcpts) != 1 || got[0].Rcpts[0] != "kikaku@inet.city.example.jp" {
		t.Fatalf("Internet side got %+v", got)
	}
	// Five actions an hour on one link.
	if p := b.post(path+"/ask", url.Values{"csrf": {form}}); p.status != http.StatusSeeOther {
		t.Errorf("4th action: %d", p.status)
	}
	b.post(path+"/ask", url.Values{"csrf": {form}})
	if p := b.post(path+"/ask", url.Values{"csrf": {form}}); p.status != http.StatusTooManyRequests {
		t.Errorf("6th action: %d", p.status)
	}
	audit := auditText(t, f.v)
	for _, want := range []string{"recipient:kikaku@city.example.lg.jp view " + id + " recipient page client=127.0.0.1",
		"recipient:kikaku@city.example.lg.jp request " + id + ` new request=1 target=any recipient=kikaku@city.example.lg.jp reason="I need the installer"`,
		"recipient:kikaku@city.example.lg.jp release " + id + ` target=internet to=kikaku@inet.city.example.jp reason="recipient page"`} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit lacks %q:\n%s", want, audit)
		}
	}

	// The administrator sees the request and approves it.
	pw := f.user("alice", RoleOperator)
	a := f.browser()
	a.login("alice", pw, "")
	if rp := a.get("/requests"); !strings.Contains(rp.body, "I need the installer") {
		t.Error("request not listed")
	}
	if p := a.action("/requests", "/requests/1/approve", url.Values{"target": {"internet"}}); p.status != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", p.status, p.body)
	}
	if got := f.inet.WaitMessages(2, 5*time.Second); len(got) != 2 {
		t.Errorf("after approval the Internet side has %d messages", len(got))
	}

	// Expiry, and a purged original.
	f.clk.Advance(vault.DefaultRetention + time.Hour)
	if p := b.get(path); p.status != http.StatusGone || !strings.Contains(p.body, "有効期限") {
		t.Errorf("expired link: %d", p.status)
	}
	id2 := f.relay.deliver(t, testEnvelope("Q2"), testMessage("purged"))
	path2 := f.recipientPath(id2, "soumu@city.example.lg.jp")
	if err := f.v.Purge(context.Background(), id2, "test", ""); err != nil {
		t.Fatal(err)
	}
	if p := b.get(path2); p.status != http.StatusGone {
		t.Errorf("purged original: %d", p.status)
	}
}

// TestEntryLink: a message to several recipients carries one link bound
// to the entry (every recipient reads the same notice). Its page shows no
// recipient and acts only for an address the person types that is one of
// the envelope's; a wrong guess is refused and counts against the link's
// limit; a forged entry link is refused.
func TestEntryLink(t *testing.T) {
	f := newFixture(t, nil)
	rcpts := []string{"soumu@city.example.lg.jp", "kikaku@city.example.lg.jp", "bcc-boss@city.example.lg.jp"}
	id := f.relay.deliver(t, testEnvelope("Q1", rcpts...), testMessage("宛先が複数"))
	e, _ := f.v.Entry(context.Background(), id)
	u, err := f.links.URLFor(id, rcpts, e.Expires)
	if err != nil {
		t.Fatal(err)
	}
	if one, _ := f.links.URLFor(id, rcpts[:1], e.Expires); one == u || !strings.HasPrefix(u, f.links.BaseURL()+"/r/") {
		t.Fatalf("one recipient %s, several %s", one, u)
	}
	path := strings.TrimPrefix(u, f.links.BaseURL())
	b := f.browser()
	p := b.get(path)
	if p.status != http.StatusOK || !strings.Contains(p.body, "宛先が複数") || !strings.Contains(p.body, `id="address-note"`) ||
		!strings.Contains(p.body, `name="address"`) {
		t.Fatalf("entry link page: %d\n%s", p.status, p.body)
	}
	for _, r := range rcpts {
		if strings.Contains(p.body, strings.Split(r, "@")[0]) {
			t.Errorf("the page shows the recipient %s", r)
		}
	}
	form := csrfField.FindStringSubmatch(p.body)[1]
	if p := b.post(path+"/send", url.Values{"csrf": {form}, "address": {"stranger@city.example.lg.jp"}}); p.status != http.StatusForbidden ||
		!strings.Contains(p.body, "宛先ではありません") {
		t.Errorf("a stranger's address: %d", p.status)
	}
	if p := b.post(path+"/send", url.Values{"csrf": {form}}); p.status != http.StatusForbidden {
		t.Errorf("no address: %d", p.status)
	}
	if len(f.inet.Messages()) != 0 {
		t.Fatal("sent for a wrong address")
	}
	// The Bcc recipient proves their address (any ASCII letter case) and
	// gets the original at their own Internet-side mailbox.
	if p := b.post(path+"/send", url.Values{"csrf": {form}, "address": {" BCC-Boss@City.Example.LG.JP "}}); p.status != http.StatusSeeOther {
		t.Fatalf("send: %d %s", p.status, p.body)
	}
	got := f.inet.WaitMessages(1, 5*time.Second)
	if len(got) != 1 || got[0].Rcpts[0] != "bcc-boss@inet.city.example.jp" {
		t.Fatalf("Internet side got %+v", got)
	}
	if p := b.post(path+"/ask", url.Values{"csrf": {form}, "address": {"kikaku@city.example.lg.jp"}}); p.status != http.StatusSeeOther {
		t.Fatalf("ask: %d", p.status)
	}
	reqs, _ := f.v.RequestedReleases(context.Background(), vault.RequestPending, id, 0)
	if len(reqs) != 1 || reqs[0].RequestedBy != "recipient:kikaku@city.example.lg.jp" {
		t.Errorf("requests %+v", reqs)
	}
	// Guesses count: the sixth action on the link is refused, even with
	// a right address.
	if p := b.post(path+"/send", url.Values{"csrf": {form}, "address": {"guess@city.example.lg.jp"}}); p.status != http.StatusForbidden {
		t.Errorf("5th try: %d", p.status)
	}
	if p := b.post(path+"/ask", url.Values{"csrf": {form}, "address": {"soumu@city.example.lg.jp"}}); p.status != http.StatusTooManyRequests {
		t.Errorf("6th try: %d", p.status)
	}
	// An entry link signed with another key, or changed, is not valid.
	otherKey, _ := NewLinks("https://x.example", []byte("another key, 32 bytes long......"))
	forged, _ := otherKey.EntryURL(id, e.Expires)
	tok := strings.TrimPrefix(path, "/r/")
	for _, tk := range []string{forged[strings.LastIndex(forged, "/")+1:], tok[:30] + "A" + tok[31:]} {
		if tk == tok {
			continue
		}
		if p := b.get("/r/" + tk); p.status != http.StatusNotFound {
			t.Errorf("forged entry link %q: %d", tk, p.status)
		}
	}
	// A recipient link's MAC does not make an entry link: the version
	// byte is under the MAC.
	rl, _ := f.links.Token(id, rcpts[0], e.Expires)
	raw, _ := base64.RawURLEncoding.DecodeString(rl)
	raw[0] = entryVersion
	if p := b.get("/r/" + base64.RawURLEncoding.EncodeToString(raw)); p.status != http.StatusNotFound {
		t.Errorf("a recipient link turned into an entry link: %d", p.status)
	}
	audit := auditText(t, f.v)
	if !strings.Contains(audit, "recipient:(any of the message's) view "+id) ||
		!strings.Contains(audit, "recipient:bcc-boss@city.example.lg.jp release "+id) {
		t.Errorf("audit:\n%s", audit)
	}
}

func TestRecipientWithoutMapping(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Releaser.Addresses = vault.AddressMap{}; o.Language = "en" })
	id := f.relay.deliver(t, testEnvelope("Q1"), testMessage("no mapping"))
	path := f.recipientPath(id, "soumu@city.example.lg.jp")
	b := f.browser()
	p := b.get(path)
	if p.status != http.StatusOK || strings.Contains(p.body, `id="send"`) || !strings.Contains(p.body, `id="ask"`) || !strings.Contains(p.body, `lang="en"`) {
		t.Errorf("page without an Internet-side mapping: %d", p.status)
	}
	form := csrfField.FindStringSubmatch(p.body)[1]
	if p := b.post(path+"/send", url.Values{"csrf": {form}}); p.status != http.StatusForbidden {
		t.Errorf("send without a mapping: %d", p.status)
	}
}

func TestRecipientRateLimit(t *testing.T) {
	f := newFixture(t, nil)
	b := f.browser()
	last := 0
	for range 61 {
		last = b.get("/r/not-a-token").status
	}
	if last != http.StatusTooManyRequests {
		t.Errorf("61st view in a minute: %d", last)
	}
}

func TestLinks(t *testing.T) {
	l, err := NewLinks("https://gw.example.lg.jp:8025/", []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Date(2025, 2, 13, 0, 0, 0, 0, time.UTC)
	u, err := l.URL("7k3m9qxa2b4cd5e6", "Soumu@City.example.lg.jp", exp)
	if err != nil {
		t.Fatal(err)
	}
	tok, ok := strings.CutPrefix(u, "https://gw.example.lg.jp:8025/r/")
	if !ok || len(tok) != 56 || strings.ContainsAny(tok, "+/=") {
		t.Fatalf("URL %q", u)
	}
	k, err := l.parse(tok)
	if err != nil || k.id != "7K3M-9QXA-2B4C-D5E6" || !k.expires.Equal(exp) {
		t.Fatalf("parse: %+v %v", k, err)
	}
	if r := l.recipient(k, []string{"a@x", "soumu@city.example.lg.jp"}); r != "soumu@city.example.lg.jp" {
		t.Errorf("recipient = %q", r)
	}
	if r := l.recipient(k, []string{"a@x"}); r != "" {
		t.Errorf("recipient of another message = %q", r)
	}
	if _, err := l.URL("not an id", "a@x", exp); err == nil {
		t.Error("URL for a bad id")
	}
	for _, base := range []string{"ftp://x", "gw.example.jp", "https://x/?a=b", ""} {
		if _, err := NewLinks(base, make([]byte, 32)); err == nil {
			t.Errorf("NewLinks(%q) accepted", base)
		}
	}
}

func TestLinkKey(t *testing.T) {
	ctx := context.Background()
	v, err := vault.OpenSQLite(ctx, t.TempDir(), vault.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	log := slog.New(slog.DiscardHandler)
	dir := t.TempDir()
	first := filepath.Join(dir, "a", LinkKeyFileName)
	k1, err := LoadLinkKey(ctx, v, first, log)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(first); st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", st.Mode())
	}
	if k2, err := LoadLinkKey(ctx, v, first, log); err != nil || string(k2) != string(k1) {
		t.Errorf("second load: %v", err)
	}
	// A second instance without the file, or with another key, refuses.
	second := filepath.Join(dir, "b", LinkKeyFileName)
	if _, err := LoadLinkKey(ctx, v, second, log); err == nil || !strings.Contains(err.Error(), "copy their key file here") {
		t.Errorf("missing key file on a second instance: %v", err)
	}
	os.MkdirAll(filepath.Dir(second), 0o700)
	os.WriteFile(second, []byte(strings.Repeat("ab", 32)+"\n"), 0o600)
	if _, err := LoadLinkKey(ctx, v, second, log); err == nil || !strings.Contains(err.Error(), "differs") {
		t.Errorf("another key: %v", err)
	}
	data, _ := os.ReadFile(first)
	os.WriteFile(second, data, 0o600)
	os.Chmod(second, 0o644)
	if _, err := LoadLinkKey(ctx, v, second, log); err == nil || !strings.Contains(err.Error(), "readable by others") {
		t.Errorf("key file readable by others: %v", err)
	}
	os.Chmod(second, 0o600)
	if k, err := LoadLinkKey(ctx, v, second, log); err != nil || string(k) != string(k1) {
		t.Errorf("copied key: %v", err)
	}
}

func TestDashboardTraceAudit(t *testing.T) {
	f := newFixture(t, nil)
	ids := map[string]string{}
	for i, subj := range []string{"見積書の送付について", "=HYPERLINK(\"x\")", "Invoice"} {
		f.clk.Advance(time.Hour)
		ids[subj] = f.relay.deliver(t, testEnvelope("Q"+itoa(int64(i))), testMessage(subj))
	}
	// One the sender retries (no outcome), one refused.
	if _, err := f.v.Put(context.Background(), testEnvelope("Q9"), strings.NewReader("Subject: x\r\n\r\nx\r\n")); err != nil {
		t.Fatal(err)
	}
	f.relay.deliver(t, testEnvelope("Q10"), []byte("From: a@b\r\nContent-Type: multipart/mixed; boundary=x; boundary=y\r\n\r\n--x\r\n\r\nx\r\n--x--\r\n"))
	pw := f.user("alice", RoleViewer)
	b := f.browser()
	b.login("alice", pw, "")
	p := b.get("/")
	for _, want := range []string{"<svg", `class="r-delivered"`, `class="r-refused"`, `class="r-tempfail"`,
		"dropped application/x-executable", "example.jp", "5 originals"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	// Search by subject words and sender; CSV of the result.
	p = b.get("/trace?" + url.Values{"subject": {"見積書"}}.Encode())
	if !strings.Contains(p.body, ids["見積書の送付について"]) || strings.Contains(p.body, ids["Invoice"]) {
		t.Errorf("subject search:\n%s", p.body)
	}
	if p := b.get("/trace?since=yesterday"); p.status != http.StatusBadRequest {
		t.Errorf("bad date: %d", p.status)
	}
	p = b.get("/trace.csv?mail_from=yamada")
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(p.body, "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 1+5 || rows[0][0] != "vault_id" {
		t.Fatalf("CSV: %v %d rows\n%s", err, len(rows), p.body)
	}
	if !strings.Contains(p.body, `'=HYPERLINK`) {
		t.Errorf("a formula in the CSV is not quoted:\n%s", p.body)
	}
	// Pages of 50.
	for i := range 55 {
		f.relay.deliver(t, testEnvelope("P"+itoa(int64(i))), testMessage("page "+itoa(int64(i))))
	}
	p = b.get("/trace?subject=page")
	next := regexpFind(t, p.body, `href="(/trace\?[^"]*cursor=[^"]+)"`)
	p2 := b.get(strings.ReplaceAll(next, "&amp;", "&"))
	if strings.Count(p.body, `href="/m/`) != 50 || strings.Count(p2.body, `href="/m/`) != 5 {
		t.Errorf("pages: %d + %d", strings.Count(p.body, `href="/m/`), strings.Count(p2.body, `href="/m/`))
	}
	if p := b.get("/trace?cursor=garbage"); p.status != http.StatusBadRequest {
		t.Errorf("bad cursor: %d", p.status)
	}

	// The audit log, then a tampered one.
	if p := b.get("/audit"); !strings.Contains(p.body, "The hash chain is intact") {
		t.Errorf("audit page:\n%s", p.body)
	}
	db := openIndex(t, f)
	if _, err := db.Exec(`UPDATE audit SET detail = 'nothing happened' WHERE seq = 1`); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/audit?verify=1"); !strings.Contains(p.body, "The hash chain is broken") || !strings.Contains(p.body, "record 1") {
		t.Errorf("tampered audit page:\n%s", p.body)
	}
}

// TestReportFields keeps the console's reading of the Report complete: a
// Report with every field set (by reflection, so a field added to the
// sanitizer's is set too) survives the round trip through it.
func TestReportFields(t *testing.T) {
	var full sanitize.Report
	fillAll(reflect.ValueOf(&full).Elem())
	b, _ := json.Marshal(full)
	r := parseReport(b)
	if r == nil {
		t.Fatal("no report")
	}
	back, _ := json.Marshal(r)
	var a, z map[string]any
	json.Unmarshal(b, &a)
	json.Unmarshal(back, &z)
	if !reflect.DeepEqual(a, z) {
		t.Errorf("the console's report loses fields:\n sanitize %s\n console  %s", b, back)
	}
}

// fillAll sets every field of v to a value that is not zero.
func fillAll(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Int, reflect.Int64:
		v.SetInt(1)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillAll(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillAll(v.Index(0))
	case reflect.Struct:
		for i := range v.NumField() {
			fillAll(v.Field(i))
		}
	default:
		panic("fillAll: " + v.Kind().String())
	}
}

func TestUsersPage(t *testing.T) {
	f := newFixture(t, nil)
	pw := f.user("root", RoleAdmin)
	b := f.browser()
	b.login("root", pw, "")
	p := b.action("/users", "/users", url.Values{"name": {"carol"}, "role": {"operator"}})
	np := regexpFind(t, p.body, `<code class="mono">([^<]+)</code>`)
	if p.status != http.StatusOK || len(np) != 24 {
		t.Fatalf("add user: %d %q", p.status, np)
	}
	for _, bad := range []url.Values{{"name": {"Carol Smith"}, "role": {"viewer"}}, {"name": {"dave"}, "role": {"god"}}, {"name": {"carol"}, "role": {"viewer"}}} {
		if p := b.action("/users", "/users", bad); p.status == http.StatusOK {
			t.Errorf("add %v accepted", bad)
		}
	}
	if p := b.action("/users", "/users/root/delete", nil); p.status != http.StatusConflict {
		t.Errorf("delete self: %d", p.status)
	}
	if p := b.action("/users", "/users/root/role", url.Values{"role": {"viewer"}}); p.status != http.StatusConflict {
		t.Errorf("demote the last admin: %d", p.status)
	}
	c := f.browser()
	c.login("carol", np, "")
	if p := b.action("/users", "/users/carol/role", url.Values{"role": {"viewer"}}); p.status != http.StatusSeeOther {
		t.Errorf("set role: %d", p.status)
	}
	if p := c.get("/trace"); p.status != http.StatusSeeOther {
		t.Errorf("a role change did not end the session: %d", p.status)
	}
	if p := b.action("/users", "/users/carol/delete", nil); p.status != http.StatusSeeOther {
		t.Errorf("delete: %d", p.status)
	}
	if !strings.Contains(auditText(t, f.v), `console:root user  delete user="carol"`) {
		t.Error("delete not audited")
	}
}

// TestDenyRequest: an operator denies a recipient's request with a
// reason; nothing is released, the request is no longer pending (a second
// decision is refused) and the audit log says who denied it and why.
func TestDenyRequest(t *testing.T) {
	f := newFixture(t, nil)
	id := f.relay.deliver(t, testEnvelope("Q1", "kikaku@city.example.lg.jp"), testMessage("見積書の送付"))
	path := f.recipientPath(id, "kikaku@city.example.lg.jp")
	b := f.browser()
	p := b.get(path)
	form := csrfField.FindStringSubmatch(p.body)[1]
	if p := b.post(path+"/ask", url.Values{"csrf": {form}, "reason": {"I need the installer"}}); p.status != http.StatusSeeOther {
		t.Fatalf("ask: %d %s", p.status, p.body)
	}
	a := f.browser()
	a.login("alice", f.user("alice", RoleOperator), "")
	if p := a.action("/requests", "/requests/1/deny", url.Values{"reason": {"実行ファイルは渡せません"}}); p.status != http.StatusSeeOther || !strings.Contains(p.loc, "done=denied") {
		t.Fatalf("deny: %d %s %s", p.status, p.loc, p.body)
	}
	if reqs, _ := f.v.RequestedReleases(context.Background(), vault.RequestDenied, id, 0); len(reqs) != 1 {
		t.Errorf("denied requests: %+v", reqs)
	}
	if reqs, _ := f.v.RequestedReleases(context.Background(), vault.RequestPending, id, 0); len(reqs) != 0 {
		t.Errorf("still pending: %+v", reqs)
	}
	if p := a.action("/requests", "/requests/1/approve", url.Values{"target": {"internet"}}); p.status == http.StatusSeeOther {
		t.Error("a denied request was approved after all")
	}
	if got := f.inet.WaitMessages(1, 300*time.Millisecond); len(got) != 0 {
		t.Errorf("released after a denial: %d messages", len(got))
	}
	if audit := auditText(t, f.v); !strings.Contains(audit, "console:alice") || !strings.Contains(audit, "denied") || !strings.Contains(audit, "実行ファイルは渡せません") {
		t.Errorf("audit lacks the denial:\n%s", audit)
	}
}
