package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mugai/mugai/vault"
)

// PPAP on the pages: the recipient page lists the password-protected
// zips held from the message for the recipient and takes a password for
// each (tries bounded, then the zip is locked); the message page shows
// each held zip's state to the administrator.

// PPAPOpener opens a held archive with a password typed on the recipient
// page; the gateway's *PPAP is one.
type PPAPOpener interface {
	// OpenByPage tries password on archive id for recipient rcpt; actor
	// names the person in the audit log. A wrong password is no error:
	// it is counted in the result.
	OpenByPage(ctx context.Context, id, rcpt, password, actor string) (PPAPResult, error)
	// ByPage reports whether the page may open archives at all.
	ByPage() bool
	// MaxTries is how many wrong passwords lock an archive.
	MaxTries() int
}

// PPAPResult is what one password typed on the page did.
type PPAPResult struct {
	// Opened: this password opened it; its contents are on their way.
	Opened bool
	// State is the archive's state after the try (vault.ArchiveState).
	State string
	// Failures are the wrong passwords typed so far, of MaxTries.
	Failures, MaxTries int
	// Locked: this try locked the archive.
	Locked bool
}

// ppapText are the PPAP words of the recipient page.
var ppapText = map[string]map[string]string{
	"ja": {
		"heading":     "パスワード付き ZIP の開封",
		"intro":       "次の ZIP はパスワード付きのため保管しています。パスワードを入力すると開封し、中身を無害化して別のメールでお届けします。",
		"password":    "パスワード：",
		"open":        "開封する",
		"left":        "残り回数：",
		"held":        "保管中",
		"opened":      "開封しました",
		"locked":      "パスワードの誤りが続いたためロックしました（管理者にお問い合わせください）",
		"expired":     "保管期間が過ぎました",
		"done_opened": "ZIP を開封しました。中身を無害化したメールをまもなくお届けします。",
		"wrong":       "パスワードが違います。残り回数：",
		"now_locked":  "パスワードの誤りが続いたため、この ZIP はロックされました。管理者にお問い合わせください。",
	},
	"en": {
		"heading":     "Opening a password-protected zip",
		"intro":       "The zips below are password-protected, so they are held. Type the password to open one: its contents, sanitized, follow in a separate message.",
		"password":    "Password:",
		"open":        "Open",
		"left":        "Tries left: ",
		"held":        "held",
		"opened":      "opened",
		"locked":      "locked after too many wrong passwords (ask your administrator)",
		"expired":     "no longer held",
		"done_opened": "The zip was opened. Its contents, sanitized, will arrive shortly in a separate message.",
		"wrong":       "Wrong password. Tries left: ",
		"now_locked":  "Too many wrong passwords: the zip is locked. Ask your administrator.",
	},
}

// recipientArchive is a held zip on the recipient page.
type recipientArchive struct {
	ID, Name, State string
	Left            int
	Openable        bool
}

// ppapView is the recipient page's PPAP section.
type ppapView struct {
	T        map[string]string
	Archives []recipientArchive
	Message  string
	Error    string
}

// recipientArchives lists the zips held from l's message for its
// recipient (for an entry link, one line per zip: the person says who
// they are when they type the password).
func (c *Console) recipientArchives(ctx context.Context, l *recipientLink, r *http.Request) *ppapView {
	if c.opts.PPAP == nil {
		return nil
	}
	as, err := c.v.Archives(ctx, l.e.ID)
	if err != nil || len(as) == 0 {
		return nil
	}
	t := ppapText[l.lang]
	v := &ppapView{T: t}
	seen := map[string]bool{}
	for _, a := range as {
		if l.rcpt != "" && !strings.EqualFold(a.Rcpt, l.rcpt) || seen[a.SHA256+a.Name] {
			continue
		}
		seen[a.SHA256+a.Name] = true
		ra := recipientArchive{ID: a.ID, Name: a.Name, State: t[string(a.State)],
			Left: max(c.opts.PPAP.MaxTries()-a.PageFailures, 0)}
		ra.Openable = a.State == vault.ArchiveHeld && c.opts.PPAP.ByPage()
		v.Archives = append(v.Archives, ra)
	}
	if len(v.Archives) == 0 {
		return nil
	}
	q := r.URL.Query()
	switch q.Get("ppap") {
	case "opened":
		v.Message = t["done_opened"]
	case "wrong":
		v.Error = t["wrong"] + q.Get("left")
	case "locked":
		v.Error = t["now_locked"]
	}
	return v
}

// recipientPPAP takes a password typed on the recipient page.
func (c *Console) recipientPPAP(w http.ResponseWriter, r *http.Request) {
	l := c.recipientAction(w, r)
	if l == nil {
		return
	}
	if c.opts.PPAP == nil || !c.opts.PPAP.ByPage() {
		c.recipientFail(w, r, http.StatusNotFound, l.lang, "failed", l.e.ID)
		return
	}
	ctx := r.Context()
	id, err := c.archiveFor(ctx, l, r.PostFormValue("archive"))
	if err != nil {
		c.recipientFail(w, r, http.StatusNotFound, l.lang, "invalid", "")
		return
	}
	password := r.PostFormValue("password")
	if len(password) > 256 {
		password = password[:256]
	}
	res, err := c.opts.PPAP.OpenByPage(ctx, id, l.rcpt, password, l.actor()+" client="+clientAddr(r))
	if err != nil {
		c.log.Warn("console: zip not opened", "vault", l.e.ID, "archive", id, "err", err)
		c.recipientFail(w, r, http.StatusInternalServerError, l.lang, "failed", l.e.ID)
		return
	}
	q := url.Values{"lang": {l.lang}}
	switch {
	case res.Opened || res.State == string(vault.ArchiveOpened):
		q.Set("ppap", "opened")
	case res.Locked || res.State == string(vault.ArchiveLocked):
		q.Set("ppap", "locked")
	default:
		q.Set("ppap", "wrong")
		q.Set("left", strconv.Itoa(max(res.MaxTries-res.Failures, 0)))
	}
	http.Redirect(w, r, "/r/"+l.token+"?"+q.Encode()+"#ppap", http.StatusSeeOther)
}

// archiveFor is the archive of l's message for its recipient that the
// form's archive id names: on an entry link the form names the first
// recipient's row, and the same zip's row of the recipient who typed
// their address is taken.
func (c *Console) archiveFor(ctx context.Context, l *recipientLink, id string) (string, error) {
	as, err := c.v.Archives(ctx, l.e.ID)
	if err != nil {
		return "", err
	}
	var named *vault.Archive
	for i := range as {
		if as[i].ID == id {
			named = &as[i]
		}
	}
	if named == nil {
		return "", vault.ErrNotFound
	}
	for _, a := range as {
		if strings.EqualFold(a.Rcpt, l.rcpt) && a.SHA256 == named.SHA256 && a.Name == named.Name {
			return a.ID, nil
		}
	}
	return "", errors.New("console: no such zip for this recipient")
}
