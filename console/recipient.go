package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mugai/mugai/vault"
)

// The recipient page: a recipient of a message, holding the link from
// its notice, sees what arrived and what was removed, and can send the
// original to their own Internet-side mailbox or ask for it. No password
// beyond the token; every use is recorded; rate limited per address
// (viewing) and per link (actions).

// recipientLink is a checked link: its entry and recipient. An entry
// link (several recipients, see URLFor) names no recipient until the
// person proves one (claim).
type recipientLink struct {
	token, lang, rcpt string
	e                 *vault.Entry
	entry             bool
}

// pageText are the recipient page's words, by language.
var pageText = map[string]map[string]string{
	"ja": {
		"title":        "受信したメールの原本について",
		"intro":        "このメールは境界の無害化処理を通過しました。届いた内容と、取り除かれたものは次のとおりです。",
		"from":         "差出人",
		"subject":      "件名",
		"date":         "日時",
		"received":     "受付",
		"id":           "受付番号",
		"to":           "宛先（あなた）",
		"parts":        "届いたもの・取り除かれたもの",
		"name":         "名前",
		"type":         "種類",
		"size":         "大きさ",
		"what":         "処理",
		"none":         "添付ファイルや変更された部分はありません。",
		"expires":      "原本の保管期限",
		"send":         "原本をインターネット側のメールボックスに送る",
		"send_note":    "原本（無害化前のメール）を次のアドレスに送ります：",
		"ask":          "管理者に原本の取り出しを依頼する",
		"ask_note":     "必要な理由（任意）：",
		"ask_button":   "依頼する",
		"send_button":  "送る",
		"pending":      "管理者への依頼を受け付けています（依頼日時：",
		"done_sent":    "原本をインターネット側のメールボックスに送りました。",
		"done_asked":   "管理者に依頼しました。対応をお待ちください。",
		"invalid":      "このリンクは無効です。お知らせに記載されたリンクをそのままお使いください。",
		"expired":      "このリンクの有効期限が切れました。原本の保管期間が終わっています。",
		"purged":       "原本は保管期間を過ぎたため削除されました。",
		"too_many":     "短時間に多くの操作がありました。しばらくしてからもう一度お試しください。",
		"failed":       "処理できませんでした。管理者にお問い合わせください。受付番号：",
		"form_refused": "フォームを受け付けられませんでした。ページを読み込み直してからお試しください。",
		"lang_other":   "English",
		"warning":      "原本には無害化前の添付ファイルやリンクが含まれます。心当たりのないメールの原本は取り出さないでください。",
		"address":      "あなたのメールアドレス（このメールの宛先）：",
		"address_note": "このリンクは、このメールの宛先の全員に同じものが届いています。原本の送付や依頼の前に、あなた自身のメールアドレスを入力してください。",
		"send_entry":   "原本（無害化前のメール）を、入力したアドレスのインターネット側のメールボックスに送ります。",
		"not_rcpt":     "入力されたアドレスは、このメールの宛先ではありません。あなた自身のアドレスを入力してください。",
		"no_internet":  "このアドレスのインターネット側のメールボックスは登録されていません。管理者への依頼をお使いください。",
	},
	"en": {
		"title":        "The original of a message you received",
		"intro":        "This message passed the boundary's sanitization. What arrived, and what was removed:",
		"from":         "From",
		"subject":      "Subject",
		"date":         "Date",
		"received":     "Received",
		"id":           "Vault id",
		"to":           "To (you)",
		"parts":        "What arrived and what was removed",
		"name":         "Name",
		"type":         "Type",
		"size":         "Size",
		"what":         "Done",
		"none":         "No attachments and nothing changed.",
		"expires":      "The original is kept until",
		"send":         "Send the original to my Internet-side mailbox",
		"send_note":    "The original (the message before sanitization) goes to:",
		"ask":          "Ask the administrator to release the original",
		"ask_note":     "Why you need it (optional):",
		"ask_button":   "Ask",
		"send_button":  "Send",
		"pending":      "Your request to the administrator is waiting (asked ",
		"done_sent":    "The original was sent to your Internet-side mailbox.",
		"done_asked":   "The administrator was asked. Please wait for them.",
		"invalid":      "This link is not valid. Use the link in the notice exactly as it is.",
		"expired":      "This link has expired: the original's retention has ended.",
		"purged":       "The original was deleted at the end of its retention.",
		"too_many":     "Too many requests in a short time. Please try again later.",
		"failed":       "This could not be done. Please contact the administrator, quoting vault id ",
		"form_refused": "The form was refused. Reload the page and try again.",
		"lang_other":   "日本語",
		"warning":      "The original holds the attachments and links as they were sent. Do not take out the original of a message you do not expect.",
		"address":      "Your e-mail address (one this message was sent to):",
		"address_note": "Every recipient of this message got this same link. Type your own e-mail address before you ask for the original.",
		"send_entry":   "The original (the message before sanitization) goes to the Internet-side mailbox of the address you type.",
		"not_rcpt":     "That address is not one this message was sent to. Type your own address.",
		"no_internet":  "No Internet-side mailbox is known for that address. Ask the administrator instead.",
	},
}

// actionText describes a part's action to a recipient.
var actionText = map[string]map[string]string{
	"ja": {"dropped": "削除しました", "converted": "テキストに変換しました", "reencoded": "画像を作り直しました",
		"payload-removed": "埋め込まれたデータを削除しました", "signature-removed": "署名を削除しました",
		"body-from-html": "HTML をテキストに変換しました", "text-attachment": "テキストとして添付しました",
		"body": "本文", "expanded": "展開しました", "skipped": "別形式の本文（省略）"},
	"en": {"dropped": "removed", "converted": "converted to text", "reencoded": "image redrawn",
		"payload-removed": "embedded data removed", "signature-removed": "signature removed",
		"body-from-html": "HTML converted to text", "text-attachment": "attached as text",
		"body": "body text", "expanded": "expanded", "skipped": "alternative body (left out)"},
}

// recipientLanguage is ?lang=, else the configured default.
func (c *Console) recipientLanguage(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "ja" || l == "en" {
		return l
	}
	return c.opts.Language
}

// recipientFail renders the recipient page's error in its language.
func (c *Console) recipientFail(w http.ResponseWriter, r *http.Request, status int, lang, key, extra string) {
	c.renderView(w, r, status, "recipient", &view{Page: "recipient", Lang: lang, Data: struct {
		T     map[string]string
		Error string
	}{pageText[lang], pageText[lang][key] + extra}}, nil)
}

// checkLink reads and checks the link of the request; it answers the
// request itself when the link is not good (nil).
func (c *Console) checkLink(w http.ResponseWriter, r *http.Request) *recipientLink {
	lang := c.recipientLanguage(r)
	ip := clientAddr(r)
	if !c.links.allow(ip) {
		c.recipientFail(w, r, http.StatusTooManyRequests, lang, "too_many", "")
		return nil
	}
	if c.opts.Links == nil {
		http.NotFound(w, r)
		return nil
	}
	token := r.PathValue("token")
	k, err := c.opts.Links.parse(token)
	if err != nil {
		c.recipientFail(w, r, http.StatusNotFound, lang, "invalid", "")
		return nil
	}
	e, err := c.v.Entry(r.Context(), k.id)
	if errors.Is(err, vault.ErrNotFound) {
		c.recipientFail(w, r, http.StatusNotFound, lang, "invalid", "")
		return nil
	}
	if err != nil {
		c.serverError(w, r, err)
		return nil
	}
	rcpt := c.opts.Links.recipient(k, e.Envelope.Rcpts)
	switch {
	case k.entry && c.opts.Links.entryValid(k):
		// Any recipient's: who it is, the person says before acting.
	case rcpt == "":
		c.log.Warn("console: a recipient link that does not verify", "client", ip, "vault", e.ID)
		c.recipientFail(w, r, http.StatusNotFound, lang, "invalid", "")
		return nil
	case !c.now().Before(k.expires):
		c.recipientFail(w, r, http.StatusGone, lang, "expired", "")
		return nil
	case e.State == vault.StatePurged:
		c.recipientFail(w, r, http.StatusGone, lang, "purged", "")
		return nil
	}
	return &recipientLink{token: token, lang: lang, rcpt: rcpt, e: e, entry: k.entry}
}

// actor names the link's user in the events and the audit log.
func (l *recipientLink) actor() string {
	if l.rcpt == "" {
		return "recipient:(any of the message's)"
	}
	return "recipient:" + l.rcpt
}

// recipientPart is a line of the page's table.
type recipientPart struct {
	Name, Type, What string
	Size             int64
	Removed          bool
}

func (c *Console) recipientPage(w http.ResponseWriter, r *http.Request) {
	l := c.checkLink(w, r)
	if l == nil {
		return
	}
	ctx := r.Context()
	if err := c.v.RecordAction(ctx, l.e.ID, vault.EventView, l.actor(), vault.AuditView,
		"recipient page client="+clientAddr(r)); err != nil {
		c.serverError(w, r, err)
		return
	}
	var parts []recipientPart
	var h vault.Headers
	if o := l.e.Outcome; o != nil {
		h = o.Headers
		if rep := parseReport(o.Report); rep != nil {
			for i := range rep.Parts {
				p := &rep.Parts[i]
				if p.Action == "container" || p.Action == "skipped" || (p.Name() == "" && !p.Changed()) {
					continue
				}
				what := actionText[l.lang][p.Action]
				if what == "" {
					what = p.Action
				}
				parts = append(parts, recipientPart{Name: p.Name(), Type: p.Type(), What: what, Size: p.Size, Removed: p.Dropped()})
			}
		}
	}
	reqs, err := c.v.RequestedReleases(ctx, vault.RequestPending, l.e.ID, 50)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	var pending time.Time
	for _, q := range reqs {
		if l.rcpt != "" && q.Recipient == l.rcpt && q.Target == "" {
			pending = q.Requested
		}
	}
	other := "en"
	if l.lang == "en" {
		other = "ja"
	}
	c.renderView(w, r, http.StatusOK, "recipient", &view{Page: "recipient", Lang: l.lang, Data: struct {
		T        map[string]string
		E        *vault.Entry
		H        vault.Headers
		Rcpt     string
		Parts    []recipientPart
		Internet string
		Token    string
		Form     string
		Lang     string
		Other    string
		OtherURL string
		Pending  time.Time
		Done     string
		Error    string
		CanSend  bool
		Entry    bool
		PPAP     *ppapView
	}{PPAP: c.recipientArchives(ctx, l, r), T: pageText[l.lang], E: l.e, H: h, Rcpt: l.rcpt, Parts: parts, Internet: c.internetAddress(l.rcpt), Entry: l.entry,
		Token: l.token, Form: c.opts.Links.formToken(l.token), Lang: l.lang, Other: pageText[l.lang]["lang_other"],
		OtherURL: "/r/" + l.token + "?lang=" + other, Pending: pending,
		Done:    pageText[l.lang]["done_"+r.URL.Query().Get("done")],
		CanSend: c.canSelfRelease(l)}}, nil)
}

// canSelfRelease reports whether the link's recipient may send the
// original to their own Internet-side mailbox from the page (for an
// entry link: whether anyone may, the address is checked when they do).
func (c *Console) canSelfRelease(l *recipientLink) bool {
	if !c.opts.RecipientSelfRelease || !c.canInternet() {
		return false
	}
	return l.rcpt == "" && l.entry || c.internetAddress(l.rcpt) != ""
}

// recipientAction checks a POST of the page: the link, its form token
// and the per-link limit; on an entry link, the address typed must be
// one of the envelope recipients (they are never shown, and the guesses
// count against the same limit).
func (c *Console) recipientAction(w http.ResponseWriter, r *http.Request) *recipientLink {
	l := c.checkLink(w, r)
	if l == nil {
		return nil
	}
	if !equalTokens(r.PostFormValue("csrf"), c.opts.Links.formToken(l.token)) {
		c.recipientFail(w, r, http.StatusForbidden, l.lang, "form_refused", "")
		return nil
	}
	if !c.actions.allow(l.token) {
		c.recipientFail(w, r, http.StatusTooManyRequests, l.lang, "too_many", "")
		return nil
	}
	if l.entry {
		if l.rcpt = claimed(r.PostFormValue("address"), l.e.Envelope.Rcpts); l.rcpt == "" {
			c.log.Warn("console: an address that is not a recipient typed on an entry link", "client", clientAddr(r), "vault", l.e.ID)
			c.recipientFail(w, r, http.StatusForbidden, l.lang, "not_rcpt", "")
			return nil
		}
	}
	return l
}

func (c *Console) recipientDone(w http.ResponseWriter, r *http.Request, l *recipientLink, what string) {
	http.Redirect(w, r, "/r/"+l.token+"?"+url.Values{"lang": {l.lang}, "done": {what}}.Encode(), http.StatusSeeOther)
}

func (c *Console) recipientSend(w http.ResponseWriter, r *http.Request) {
	l := c.recipientAction(w, r)
	if l == nil {
		return
	}
	if !c.canSelfRelease(l) {
		c.recipientFail(w, r, http.StatusForbidden, l.lang, "failed", l.e.ID)
		return
	}
	if c.internetAddress(l.rcpt) == "" {
		c.recipientFail(w, r, http.StatusForbidden, l.lang, "no_internet", "")
		return
	}
	_, err := c.opts.Releaser.Release(r.Context(), vault.ReleaseRequest{ID: l.e.ID, Target: vault.TargetInternet,
		Recipients: []string{l.rcpt}, Access: vault.Access{Actor: "recipient:" + l.rcpt, Reason: "recipient page",
			Identities: c.opts.Identities}})
	if err != nil {
		c.log.Warn("console: recipient's release failed", "vault", l.e.ID, "err", err)
		c.recipientFail(w, r, http.StatusBadGateway, l.lang, "failed", l.e.ID)
		return
	}
	c.recipientDone(w, r, l, "sent")
}

func (c *Console) recipientAsk(w http.ResponseWriter, r *http.Request) {
	l := c.recipientAction(w, r)
	if l == nil {
		return
	}
	msg := strings.TrimSpace(r.PostFormValue("reason"))
	if utf8.RuneCountInString(msg) > maxReason {
		msg = string([]rune(msg)[:maxReason])
	}
	_, _, err := c.v.RequestRelease(r.Context(), vault.RequestedRelease{EntryID: l.e.ID, Recipient: l.rcpt,
		RequestedBy: "recipient:" + l.rcpt, Reason: msg})
	if err != nil {
		c.log.Warn("console: recipient's request failed", "vault", l.e.ID, "err", err)
		c.recipientFail(w, r, http.StatusInternalServerError, l.lang, "failed", l.e.ID)
		return
	}
	c.recipientDone(w, r, l, "asked")
}
