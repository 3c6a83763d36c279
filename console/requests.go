package console

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/mugai/mugai/vault"
)

type requestView struct {
	vault.RequestedRelease
	Internet string
}

func (c *Console) requestsPage(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	pending, err := c.v.RequestedReleases(ctx, vault.RequestPending, "", 200)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	all, err := c.v.RequestedReleases(ctx, "", "", 50)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	var pv []requestView
	for _, q := range pending {
		pv = append(pv, requestView{RequestedRelease: q, Internet: c.internetAddress(q.Recipient)})
	}
	var decided []vault.RequestedRelease
	for _, q := range all {
		if q.State != vault.RequestPending {
			decided = append(decided, q)
		}
	}
	c.render(w, r, http.StatusOK, "requests", s, struct {
		Pending         []requestView
		Decided         []vault.RequestedRelease
		CanDecide       bool
		Internet, LGWAN bool
		LGWANApproval   bool
		Done, Me        string
	}{pv, decided, s.can(RoleOperator), c.canInternet(), c.canLGWAN(), c.opts.LGWANApproval,
		done[r.URL.Query().Get("done")], s.actor()})
}

// pendingRequest reads the request in the path; it answers itself when
// there is none or it is no longer pending.
func (c *Console) pendingRequest(w http.ResponseWriter, r *http.Request) *vault.RequestedRelease {
	n, err := strconv.ParseInt(r.PathValue("n"), 10, 64)
	if err != nil {
		c.fail(w, r, http.StatusNotFound, "No such request.")
		return nil
	}
	q, err := c.v.RequestedRelease(r.Context(), n)
	if err != nil {
		c.fail(w, r, http.StatusNotFound, "No such request.")
		return nil
	}
	if q.State != vault.RequestPending {
		c.fail(w, r, http.StatusConflict, "The request was decided already ("+q.State+" by "+q.DecidedBy+").")
		return nil
	}
	return q
}

func (c *Console) approveRequest(w http.ResponseWriter, r *http.Request, s *session) {
	q := c.pendingRequest(w, r)
	if q == nil {
		return
	}
	ctx := r.Context()
	target := vault.Target(r.PostFormValue("target"))
	if q.Target != "" {
		target = q.Target
	}
	reason := formReason(r)
	switch target {
	case vault.TargetInternet:
		if !c.canInternet() {
			c.fail(w, r, http.StatusConflict, "Releases to Internet-side mailboxes are not configured on this console.")
			return
		}
	case vault.TargetLGWAN:
		if !c.canLGWAN() {
			c.fail(w, r, http.StatusForbidden, "Releasing originals into the LGWAN is not allowed by the configuration.")
			return
		}
		if q.Target == vault.TargetLGWAN && c.opts.LGWANApproval && q.RequestedBy == s.actor() {
			c.fail(w, r, http.StatusForbidden, "Another person must approve a release into the LGWAN that you asked for.")
			return
		}
		if q.Target == "" && reason == "" {
			c.fail(w, r, http.StatusBadRequest, "A release into the LGWAN needs a reason.")
			return
		}
		if q.Target == "" && c.opts.LGWANApproval {
			// A recipient's request to be released into the LGWAN: this
			// approval is the first person's; it becomes an LGWAN request
			// for a second.
			id, _, err := c.v.RequestRelease(ctx, vault.RequestedRelease{EntryID: q.EntryID, Recipient: q.Recipient,
				Target: vault.TargetLGWAN, RequestedBy: s.actor(), Reason: reason})
			if err == nil {
				err = c.v.DecideRequest(ctx, q.ID, vault.RequestPending, vault.RequestApproved, s.actor(),
					fmt.Sprintf("release into the LGWAN requested as request %d", id))
			}
			if err != nil {
				c.decideFailed(w, r, err)
				return
			}
			http.Redirect(w, r, "/requests?done=forwarded", http.StatusSeeOther)
			return
		}
	default:
		c.fail(w, r, http.StatusBadRequest, "Choose where the original goes.")
		return
	}
	// Claim the request first, so that two approvers cannot both send.
	if err := c.v.DecideRequest(ctx, q.ID, vault.RequestPending, vault.RequestApproved, s.actor(), reason); err != nil {
		c.decideFailed(w, r, err)
		return
	}
	why := fmt.Sprintf("request %d by %s", q.ID, q.RequestedBy)
	if q.Reason != "" {
		why += ": " + q.Reason
	}
	if reason != "" {
		why += "; approved: " + reason
	}
	rel := vault.ReleaseRequest{ID: q.EntryID, Target: target,
		Access: vault.Access{Actor: s.actor(), Reason: why, Identities: c.opts.Identities}}
	if q.Recipient != "" {
		rel.Recipients = []string{q.Recipient}
	}
	res, err := c.opts.Releaser.Release(ctx, rel)
	state, detail := vault.RequestReleased, fmt.Sprintf("sent to %v (%s)", res.To, target)
	if err != nil {
		state, detail = vault.RequestFailed, err.Error()
	}
	if derr := c.v.DecideRequest(ctx, q.ID, vault.RequestApproved, state, s.actor(), detail); derr != nil {
		c.log.Error("console: record the outcome of a request", "request", q.ID, "err", derr)
	}
	if err != nil {
		c.releaseFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/requests?done=approved", http.StatusSeeOther)
}

func (c *Console) decideFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, vault.ErrDecided) {
		c.fail(w, r, http.StatusConflict, "Someone decided this request meanwhile.")
		return
	}
	if errors.Is(err, vault.ErrPurged) {
		c.fail(w, r, http.StatusConflict, "The original was purged.")
		return
	}
	c.serverError(w, r, err)
}

func (c *Console) denyRequest(w http.ResponseWriter, r *http.Request, s *session) {
	q := c.pendingRequest(w, r)
	if q == nil {
		return
	}
	if err := c.v.DecideRequest(r.Context(), q.ID, vault.RequestPending, vault.RequestDenied, s.actor(), formReason(r)); err != nil {
		c.decideFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/requests?done=denied", http.StatusSeeOther)
}
