package console

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/mugai/mugai/vault"
)

// auditCheck is the last verification of the chain, cached for
// auditCheckTTL: it reads every record.
type auditCheck struct {
	At time.Time
	*vault.AuditCheck
}

const (
	auditCheckTTL = time.Minute
	auditPageSize = 50
)

func (c *Console) verifiedAudit(ctx context.Context, force bool) (*auditCheck, error) {
	c.auditMu.Lock()
	defer c.auditMu.Unlock()
	now := c.now()
	if !force && c.auditChk != nil && now.Sub(c.auditChk.At) < auditCheckTTL {
		return c.auditChk, nil
	}
	chk, err := c.v.VerifyAudit(ctx)
	if err != nil {
		return nil, err
	}
	c.auditChk = &auditCheck{At: now, AuditCheck: chk}
	return c.auditChk, nil
}

var errStop = errors.New("stop")

// auditPage lists the records newest first, a page at a time (before=N
// shows the records before N), under the result of verifying the chain.
func (c *Console) auditPage(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	chk, err := c.verifiedAudit(ctx, r.URL.Query().Has("verify"))
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	head, err := c.v.AuditHead(ctx)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	last := head
	if b, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64); err == nil && b > 0 && b <= head+1 {
		last = b - 1
	}
	first := max(last-auditPageSize+1, 1)
	var recs []vault.AuditRecord
	err = c.v.Audit(ctx, first, func(rec vault.AuditRecord) error {
		if rec.Seq > last {
			return errStop
		}
		recs = append(recs, rec)
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		c.serverError(w, r, err)
		return
	}
	for i, j := 0, len(recs)-1; i < j; i, j = i+1, j-1 {
		recs[i], recs[j] = recs[j], recs[i]
	}
	older := int64(0)
	if first > 1 {
		older = first
	}
	c.render(w, r, http.StatusOK, "audit", s, struct {
		Check   *auditCheck
		Records []vault.AuditRecord
		Older   int64
		Newer   bool
	}{chk, recs, older, last < head})
}
