package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/mugai/mugai/vault"
)

// fakeOpener opens with "right" and records what it was asked.
type fakeOpener struct {
	f     *fixture
	tries []string // archive id + " " + rcpt
}

func (o *fakeOpener) ByPage() bool  { return true }
func (o *fakeOpener) MaxTries() int { return 5 }

func (o *fakeOpener) OpenByPage(ctx context.Context, id, rcpt, password, actor string) (PPAPResult, error) {
	o.tries = append(o.tries, id+" "+rcpt)
	if password != "right" {
		n, locked, err := o.f.v.ArchiveFailed(ctx, id, actor, "", 5)
		return PPAPResult{Failures: n, MaxTries: 5, Locked: locked, State: "held"}, err
	}
	return PPAPResult{Opened: true, State: "opened", MaxTries: 5}, nil
}

// holdZip holds a zip of entry for each of rcpts.
func (f *fixture) holdZip(entry string, rcpts ...string) []string {
	f.t.Helper()
	key, err := age.GenerateX25519Identity()
	if err != nil {
		f.t.Fatal(err)
	}
	var ids []string
	for _, r := range rcpts {
		id, err := f.v.HoldArchive(context.Background(), vault.Archive{EntryID: entry, Name: "見積.zip", Scheme: "zipcrypto",
			SHA256: "aa", Rcpt: r, Received: f.clk.Now(), Expires: f.clk.Now().Add(24 * time.Hour)}, []byte("zip"), key.Recipient())
		if err != nil {
			f.t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// TestRecipientPPAP: the page lists the zip held for its recipient with a
// password field; a wrong password says how many tries are left; the
// right one says it opened; a zip id of another message or recipient is
// refused; on an entry link the person's own address picks their zip.
func TestRecipientPPAP(t *testing.T) {
	op := &fakeOpener{}
	f := newFixture(t, func(o *Options) { o.PPAP = op })
	op.f = f
	rcpts := []string{"soumu@city.example.lg.jp", "kikaku@city.example.lg.jp"}
	id := f.relay.deliver(t, testEnvelope("Q1", rcpts...), testMessage("見積書の送付"))
	zips := f.holdZip(id, rcpts...)
	other := f.relay.deliver(t, testEnvelope("Q2"), testMessage("別件"))
	otherZip := f.holdZip(other, rcpts[0])[0]

	path := f.recipientPath(id, rcpts[0])
	b := f.browser()
	p := b.get(path)
	if !strings.Contains(p.body, `id="ppap"`) || !strings.Contains(p.body, "見積.zip") || !strings.Contains(p.body, `name="archive" value="`+zips[0]+`"`) ||
		strings.Contains(p.body, zips[1]) || !strings.Contains(p.body, "残り回数：5") {
		t.Fatalf("recipient page:\n%s", p.body)
	}
	form := csrfField.FindStringSubmatch(p.body)[1]
	post := func(archive, password string, extra ...string) page {
		v := url.Values{"csrf": {form}, "archive": {archive}, "password": {password}}
		if len(extra) == 2 {
			v.Set(extra[0], extra[1])
		}
		return b.post(path+"/ppap", v)
	}
	if p := post(zips[0], "wrong"); p.status != http.StatusSeeOther || !strings.Contains(p.loc, "ppap=wrong") || !strings.Contains(p.loc, "left=4") {
		t.Fatalf("wrong password: %d %s", p.status, p.loc)
	} else if q := b.get(p.loc); !strings.Contains(q.body, "パスワードが違います。残り回数：4") {
		t.Errorf("after a wrong password:\n%s", q.body)
	}
	if p := post(otherZip, "right"); p.status != http.StatusNotFound {
		t.Errorf("another message's zip: %d", p.status)
	}
	if p := post(zips[1], "right"); p.status != http.StatusSeeOther || op.tries[len(op.tries)-1] != zips[0]+" "+rcpts[0] {
		t.Errorf("another recipient's zip opened %v (%d)", op.tries, p.status)
	}
	if p := post(zips[0], "right"); p.status != http.StatusSeeOther || !strings.Contains(p.loc, "ppap=opened") {
		t.Errorf("right password: %d %s", p.status, p.loc)
	} else if q := b.get(p.loc); !strings.Contains(q.body, `id="ppap-done"`) {
		t.Errorf("after the right password:\n%s", q.body)
	}
	if a := auditText(t, f.v); !strings.Contains(a, "wrong password 1 of 5") || !strings.Contains(a, "recipient:soumu@city.example.lg.jp") {
		t.Errorf("audit:\n%s", a)
	}

	// An entry link: the person's address picks their own row.
	e, _ := f.v.Entry(context.Background(), id)
	u, _ := f.links.URLFor(id, rcpts, e.Expires)
	path = strings.TrimPrefix(u, f.links.BaseURL())
	p = b.get(path)
	if !strings.Contains(p.body, `id="ppap"`) || strings.Count(p.body, `name="archive"`) != 1 {
		t.Fatalf("entry link page:\n%s", p.body)
	}
	form = csrfField.FindStringSubmatch(p.body)[1]
	if p := post(zips[0], "right", "address", "stranger@city.example.lg.jp"); p.status != http.StatusForbidden {
		t.Errorf("a stranger's address: %d", p.status)
	}
	if p := post(zips[0], "right", "address", "Kikaku@city.example.lg.jp"); p.status != http.StatusSeeOther ||
		op.tries[len(op.tries)-1] != zips[1]+" kikaku@city.example.lg.jp" {
		t.Errorf("kikaku's zip: %d %v", p.status, op.tries)
	}
}

// TestMessagePagePPAP: the administrator sees each held zip's state.
func TestMessagePagePPAP(t *testing.T) {
	f := newFixture(t, nil)
	id := f.relay.deliver(t, testEnvelope("Q1"), testMessage("見積書の送付"))
	f.holdZip(id, "soumu@city.example.lg.jp")
	b := f.browser()
	b.login("admin", f.user("admin", RoleAdmin), "")
	p := b.get("/m/" + id)
	if !strings.Contains(p.body, `id="ppap"`) || !strings.Contains(p.body, "見積.zip") || !strings.Contains(p.body, "held until") {
		t.Errorf("message page:\n%s", p.body)
	}
}
