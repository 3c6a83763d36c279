package console

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/mugai/mugai/vault"
)

// maxReason bounds a reason typed in a form (the audit log keeps it).
const maxReason = 500

// formReason reads and bounds the reason field.
func formReason(r *http.Request) string {
	s := strings.TrimSpace(r.PostFormValue("reason"))
	if utf8.RuneCountInString(s) > maxReason {
		s = string([]rune(s)[:maxReason])
	}
	return s
}

// done are the results an action redirects with (?done=...): a fixed
// list, so nothing a request carries is echoed back.
var done = map[string]string{
	"released":  "The original was sent.",
	"requested": "The release into the LGWAN waits for another person's approval (Requests).",
	"held":      "The entry is under legal hold.",
	"unheld":    "The legal hold was lifted.",
	"purged":    "The original was purged.",
	"approved":  "The request was approved and the original sent.",
	"forwarded": "The request was approved; the release into the LGWAN now waits for another person's approval.",
	"denied":    "The request was denied.",
	"user":      "The user was changed.",
	"password":  "The password was changed.",
	"totp":      "The authenticator was changed.",
}

// rcptView is a recipient with its Internet-side address, if any.
type rcptView struct {
	Addr, Internet string
}

type messageView struct {
	E        *vault.Entry
	Report   *report
	Events   []vault.Event
	Requests []vault.RequestedRelease
	Rcpts    []rcptView
	Done     string
	// What the user may do here (role, configuration and keys).
	CanText, CanRelease, CanLGWAN, CanDownload, CanHold, CanPurge bool
	LGWANApproval                                                 bool
	NoKeys                                                        bool
	// Archives are the PPAP zips held from the message (ppap.go).
	Archives []vault.Archive
}

// entryOf reads the entry named in the path, answering 404 itself.
func (c *Console) entryOf(w http.ResponseWriter, r *http.Request) *vault.Entry {
	e, err := c.v.Entry(r.Context(), r.PathValue("id"))
	if errors.Is(err, vault.ErrNotFound) {
		c.fail(w, r, http.StatusNotFound, "There is no vault entry with that id.")
		return nil
	}
	if err != nil {
		c.serverError(w, r, err)
		return nil
	}
	return e
}

// canInternet reports whether releases to Internet-side mailboxes can be
// made at all.
func (c *Console) canInternet() bool {
	return c.opts.Releaser != nil && c.opts.Releaser.Internet != nil && len(c.opts.Identities) > 0
}

func (c *Console) canLGWAN() bool {
	return c.opts.Releaser != nil && c.opts.Releaser.LGWAN != nil && len(c.opts.Identities) > 0
}

// internetAddress maps an LGWAN recipient to its Internet-side mailbox.
func (c *Console) internetAddress(rcpt string) string {
	if c.opts.Releaser == nil {
		return ""
	}
	a, _ := c.opts.Releaser.Addresses.Lookup(rcpt)
	return a
}

func (c *Console) messagePage(w http.ResponseWriter, r *http.Request, s *session) {
	e := c.entryOf(w, r)
	if e == nil {
		return
	}
	ctx := r.Context()
	evs, err := c.v.Events(ctx, e.ID)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	reqs, err := c.v.RequestedReleases(ctx, "", e.ID, 50)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	live := e.State != vault.StatePurged
	keys := len(c.opts.Identities) > 0
	m := messageView{E: e, Events: evs, Requests: reqs, Done: done[r.URL.Query().Get("done")],
		CanText:       live && keys && e.CopySize > 0 && s.can(RoleOperator),
		CanRelease:    live && c.canInternet() && s.can(RoleOperator),
		CanLGWAN:      live && c.canLGWAN() && s.can(RoleOperator),
		CanDownload:   live && keys && s.can(c.opts.DownloadRole),
		CanHold:       live && s.can(RoleOperator),
		CanPurge:      live && !e.Held && s.can(RoleAdmin),
		LGWANApproval: c.opts.LGWANApproval,
		NoKeys:        live && !keys,
	}
	if e.Outcome != nil {
		m.Report = parseReport(e.Outcome.Report)
	}
	if m.Archives, err = c.v.Archives(ctx, e.ID); err != nil {
		c.serverError(w, r, err)
		return
	}
	for _, rc := range e.Envelope.Rcpts {
		m.Rcpts = append(m.Rcpts, rcptView{Addr: rc, Internet: c.internetAddress(rc)})
	}
	c.render(w, r, http.StatusOK, "message", s, m)
}

// deliveredText shows the delivered copy: the notice and the text as
// the recipient got them, decoded, and escaped like everything else.
func (c *Console) deliveredText(w http.ResponseWriter, r *http.Request, s *session) {
	e := c.entryOf(w, r)
	if e == nil {
		return
	}
	if len(c.opts.Identities) == 0 {
		c.fail(w, r, http.StatusConflict, "This console has no vault identity, so it cannot read the delivered copy.")
		return
	}
	rc, err := c.v.Copy(r.Context(), e.ID, vault.Access{Actor: s.actor(), Reason: "console view", Identities: c.opts.Identities})
	switch {
	case errors.Is(err, vault.ErrNoCopy), errors.Is(err, vault.ErrPurged):
		c.fail(w, r, http.StatusNotFound, "No delivered copy of this message is kept.")
		return
	case err != nil:
		c.serverError(w, r, err)
		return
	}
	defer rc.Close()
	msg, err := readDelivered(rc)
	if err != nil {
		c.log.Warn("console: delivered copy does not parse", "vault", e.ID, "err", err)
	}
	c.render(w, r, http.StatusOK, "text", s, struct {
		E     *vault.Entry
		Msg   *deliveredMessage
		Error string
	}{e, msg, errText(err)})
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// releaseInternet sends the original to the recipients' Internet-side
// mailboxes (one recipient when the form names one).
func (c *Console) releaseInternet(w http.ResponseWriter, r *http.Request, s *session) {
	e := c.entryOf(w, r)
	if e == nil {
		return
	}
	if !c.canInternet() {
		c.fail(w, r, http.StatusConflict, "Releases to Internet-side mailboxes are not configured on this console (vault.release.internet_relay and the vault identity).")
		return
	}
	req := vault.ReleaseRequest{ID: e.ID, Target: vault.TargetInternet,
		Access: vault.Access{Actor: s.actor(), Reason: formReason(r), Identities: c.opts.Identities}}
	if rc := r.PostFormValue("rcpt"); rc != "" {
		req.Recipients = []string{rc}
	}
	if _, err := c.opts.Releaser.Release(r.Context(), req); err != nil {
		c.releaseFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/m/"+e.ID+"?done=released", http.StatusSeeOther)
}

// releaseFailed reports a release that did not happen; the attempt is in
// the audit log already.
func (c *Console) releaseFailed(w http.ResponseWriter, r *http.Request, err error) {
	c.log.Warn("console: release failed", "path", r.URL.Path, "err", err)
	status := http.StatusBadGateway
	if errors.Is(err, vault.ErrPurged) || errors.Is(err, vault.ErrLGWANDenied) || errors.Is(err, vault.ErrNoInternetRelay) ||
		errors.Is(err, vault.ErrNotFound) || strings.Contains(err.Error(), "not a recipient") || strings.Contains(err.Error(), "no Internet-side address") {
		status = http.StatusConflict
	}
	c.fail(w, r, status, "The release failed (recorded in the audit log): "+err.Error())
}

// releaseLGWAN releases the original into the LGWAN unsanitized, with a
// mandatory reason; with approval required it becomes a request that
// another person must approve.
func (c *Console) releaseLGWAN(w http.ResponseWriter, r *http.Request, s *session) {
	e := c.entryOf(w, r)
	if e == nil {
		return
	}
	if !c.canLGWAN() {
		c.fail(w, r, http.StatusForbidden, "Releasing originals into the LGWAN is not allowed by the configuration (vault.release.lgwan: deny) or this console has no vault identity.")
		return
	}
	reason := formReason(r)
	if reason == "" {
		c.fail(w, r, http.StatusBadRequest, "A release into the LGWAN needs a reason.")
		return
	}
	if c.opts.LGWANApproval {
		_, _, err := c.v.RequestRelease(r.Context(), vault.RequestedRelease{EntryID: e.ID, Target: vault.TargetLGWAN,
			RequestedBy: s.actor(), Reason: reason})
		if err != nil {
			c.releaseFailed(w, r, err)
			return
		}
		http.Redirect(w, r, "/m/"+e.ID+"?done=requested", http.StatusSeeOther)
		return
	}
	_, err := c.opts.Releaser.Release(r.Context(), vault.ReleaseRequest{ID: e.ID, Target: vault.TargetLGWAN,
		Access: vault.Access{Actor: s.actor(), Reason: reason, Identities: c.opts.Identities}})
	if err != nil {
		c.releaseFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/m/"+e.ID+"?done=released", http.StatusSeeOther)
}

// download sends the decrypted original as a file (never shown in the
// browser: it is the unsanitized message). The read is in the audit log.
func (c *Console) download(w http.ResponseWriter, r *http.Request, s *session) {
	if !s.can(c.opts.DownloadRole) {
		c.fail(w, r, http.StatusForbidden, "Your role ("+s.user.Role+") may not download originals.")
		return
	}
	e := c.entryOf(w, r)
	if e == nil {
		return
	}
	if len(c.opts.Identities) == 0 {
		c.fail(w, r, http.StatusConflict, "This console has no vault identity, so it cannot decrypt originals.")
		return
	}
	rc, _, err := c.v.Original(r.Context(), e.ID, vault.Access{Actor: s.actor(), Reason: formReason(r), Identities: c.opts.Identities})
	if errors.Is(err, vault.ErrPurged) {
		c.fail(w, r, http.StatusGone, "The original was purged.")
		return
	}
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(e.ID, "-", "")+`.eml"`)
	if _, err := io.Copy(w, rc); err != nil {
		// The original failed its SHA-256 check (or the store failed)
		// after the header went out: break the connection so the browser
		// reports a failed download instead of keeping a wrong file.
		c.log.Error("console: download failed mid-way", "vault", e.ID, "err", err)
		panic(http.ErrAbortHandler)
	}
}

func (c *Console) hold(w http.ResponseWriter, r *http.Request, s *session) {
	e := c.entryOf(w, r)
	if e == nil {
		return
	}
	on := r.PostFormValue("on") == "1"
	if err := c.v.SetHold(r.Context(), e.ID, on, s.actor(), formReason(r)); err != nil {
		if errors.Is(err, vault.ErrPurged) {
			c.fail(w, r, http.StatusConflict, "The original was purged.")
			return
		}
		c.serverError(w, r, err)
		return
	}
	res := "held"
	if !on {
		res = "unheld"
	}
	http.Redirect(w, r, "/m/"+e.ID+"?done="+res, http.StatusSeeOther)
}

func (c *Console) purge(w http.ResponseWriter, r *http.Request, s *session) {
	e := c.entryOf(w, r)
	if e == nil {
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		c.fail(w, r, http.StatusBadRequest, "Tick the box to confirm the purge: it cannot be undone.")
		return
	}
	switch err := c.v.Purge(r.Context(), e.ID, s.actor(), formReason(r)); {
	case errors.Is(err, vault.ErrHeld):
		c.fail(w, r, http.StatusConflict, "The entry is under legal hold; lift the hold first.")
		return
	case errors.Is(err, vault.ErrPurged):
		c.fail(w, r, http.StatusConflict, "The original was purged already.")
		return
	case err != nil:
		c.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/m/"+e.ID+"?done=purged", http.StatusSeeOther)
}
