package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/mugai/mugai/auth"
	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/sandbox"
	"github.com/mugai/mugai/sanitize"
	"github.com/mugai/mugai/smtpd"
	"github.com/mugai/mugai/smtpd/reply"
)

// defaultPolicy names the sanitize section among the policies.
const defaultPolicy = "default"

// pipeline is one policy's processing of a message (package doc): a
// sanitizer, or none for a passthrough policy, and the record stage.
// Build makes one per policy; the routes that name it share it.
type pipeline struct {
	// sanitizer rebuilds the message; nil forwards it unchanged.
	// Configuration allows that only on routes limited to
	// relay.internal_networks: mail leaving the closed network, not
	// entering it.
	sanitizer *sanitize.Sanitizer
	record    recorder
	// auth checks the sender of what the sanitizer rebuilds; nil for a
	// passthrough policy.
	auth *authStage
	// keeper is the vault and record stages (keep.go); nil: no vault.
	keeper *keeper
	// lang is the policy's notice language.
	lang sanitize.Language
}

// newPipelines makes the pipeline of each policy of cfg, by name;
// "default" is the sanitize section.
func newPipelines(cfg *config.Config, conv *sandbox.Converter, as *authStage, rec recorder, k *keeper) (map[string]*pipeline, error) {
	names := []string{defaultPolicy}
	for name := range cfg.Policies {
		names = append(names, name)
	}
	out := make(map[string]*pipeline, len(names))
	for _, name := range names {
		pol, passthrough, ok := cfg.NamedPolicy(name)
		if !ok {
			return nil, fmt.Errorf("policy %q is not defined", name)
		}
		p := &pipeline{record: rec, keeper: k, lang: pol.Language}
		if !passthrough {
			p.sanitizer = sanitize.New(pol, sanitize.WithConverter(conv))
			p.auth = as
		}
		out[name] = p
	}
	return out, nil
}

// message is one transaction in a pipeline, to a target: Route makes one
// for each recipient and smtpd keeps that of the transaction's first, then
// calls its begin (as Route.Begin), its Filter, and Deliver on the
// Delivery begin opened. The stages keep their per-message state here
// between Filter and the Delivery.
type message struct {
	p      *pipeline
	target Target
	// Set by the stages (keep.go): the kept original, the verdict, the
	// report and the decoded header fields for the record stage.
	kept    *kept
	verdict string
	rep     *sanitize.Report
	headers sanitize.Headers
	// pp is the PPAP stages' state (ppap.go).
	pp ppapMessage
}

func (p *pipeline) message(t Target) *message { return &message{p: p, target: t} }

// begin opens the transaction at the target; with the vault, the record
// stage wraps its Delivery.
func (m *message) begin(ctx context.Context, env *smtpd.Envelope) (smtpd.Delivery, error) {
	d, err := m.target.Begin(ctx, env)
	if err != nil || m.p.keeper == nil {
		return d, err
	}
	return &recordingDelivery{Delivery: d, m: m, env: env}, nil
}

// Filter implements smtpd.Filter: the stages before the next hop
// (package doc), each in a function of its own: auth, vault, sanitize.
func (m *message) Filter(ctx context.Context, env *smtpd.Envelope, dst io.Writer, src *smtpd.Original) (smtpd.FilterResult, error) {
	var t stageTimes
	var am *authMessage
	if m.p.auth != nil {
		// DNS answers are waited for without a worker slot.
		err := t.waiting(ctx, &t.auth, m.p.auth.enabled, func() (err error) {
			am, err = m.p.auth.check(ctx, env, src.Reader(), m.p.lang)
			return err
		})
		if err != nil {
			return t.add(m.result(nil)), err
		}
	}
	// So is the vault's synced write: the writes of many messages then
	// share a commit.
	if err := t.waiting(ctx, &t.vault, m.p.keeper != nil, func() error { return m.store(ctx, env, src) }); err != nil {
		return t.add(m.result(nil)), err
	}
	m.ppapStage(ctx, env, src, am)
	if m.p.sanitizer == nil {
		err := passthrough(dst, src.Reader())
		return t.add(smtpd.FilterResult{Actions: []string{"passthrough"}, Log: m.result(nil).Log}),
			m.filtered(ctx, env, src, verdictPassthrough, nil, err)
	}
	start := time.Now()
	rep, err := m.sanitize(ctx, env, dst, src, am)
	t.sanitize = time.Since(start)
	res := m.result(rep)
	if am != nil {
		res.Log = append(res.Log, m.p.record.auth(am.report()).Log...)
	}
	return t.add(res), m.filtered(ctx, env, src, rep.Verdict(), rep, err)
}

// stageTimes are the times of the Filter's stages, for the per-message
// log line (stage.auth=… stage.vault=… stage.sanitize=… stage.requeue=…;
// smtpd adds spool, queue, filter — their sum —, deliver and total), from
// which scripts/bench.sh reports each stage's median and 99th percentile.
type stageTimes struct {
	auth, vault, sanitize time.Duration
	// requeue is the time spent waiting for a worker slot again after
	// the stages that give theirs up (smtpd.Waiting).
	requeue time.Duration
}

// waiting runs the stage f, timed into d: without the worker slot
// (smtpd.Waiting) when wait is true, that is when f has something to
// wait for — giving the slot up for nothing would only send the message
// to the back of the queue.
func (t *stageTimes) waiting(ctx context.Context, d *time.Duration, wait bool, f func() error) error {
	start := time.Now()
	if !wait {
		err := f()
		*d = time.Since(start)
		return err
	}
	err := smtpd.Waiting(ctx, func() error {
		err := f()
		*d = time.Since(start)
		return err
	})
	t.requeue += time.Since(start) - *d
	return err
}

// add puts the stage times on res's log attributes.
func (t *stageTimes) add(res smtpd.FilterResult) smtpd.FilterResult {
	res.Log = append(res.Log, slog.Group("stage", slog.Duration("auth", t.auth), slog.Duration("vault", t.vault),
		slog.Duration("sanitize", t.sanitize), slog.Duration("requeue", t.requeue)))
	return res
}

// sanitize is the sanitize stage: the rebuild into dst, with the kept
// original's notice line and the auth stage's additions (am, nil when
// not checked); a rejection becomes its reply. A verdict of the auth
// stage that ends the message acts here: Reject and Defer with its reply,
// nothing rebuilt; Quarantine with the quarantine notice instead of the
// rebuild.
func (m *message) sanitize(ctx context.Context, env *smtpd.Envelope, dst io.Writer, src *smtpd.Original, am *authMessage) (*sanitize.Report, error) {
	opts := sanitize.MessageOptions{Held: m.held(env, src)}
	if am == nil {
		rep, err := m.p.sanitizer.MessageWith(ctx, dst, src.Reader(), opts)
		m.p.record.report(env, rep, err)
		return rep, Rejection(err)
	}
	opts.Additions = am.additions
	switch am.verdict.Action {
	case auth.Reject, auth.Defer:
		// Nothing is rebuilt for a message the sender gets back; the
		// vault's record has the checks.
		return am.refused(), am.verdict.Err()
	case auth.Quarantine:
		return m.quarantine(ctx, env, dst, src, opts, am)
	}
	rep, err := m.p.sanitizer.MessageWith(ctx, dst, src.Reader(), opts)
	if errors.Is(err, sanitize.ErrNotHeld) {
		// The From the rebuild shows failed, to be held back, and no
		// original is kept: refused as under on_fail: reject.
		return am.refused(), am.rejectReply()
	}
	if rep != nil {
		// After the rebuild: the From it shows may have changed the verdict.
		rep.Auth = am.report()
	}
	m.p.record.report(env, rep, err)
	if err != nil {
		return rep, Rejection(err)
	}
	if a := am.verdict.Action; a == auth.Reject || a == auth.Defer {
		// The From the rebuild shows failed: the rebuild in dst is
		// discarded with the reply.
		return am.refused(), am.verdict.Err()
	}
	return rep, nil
}

// quarantine holds a message back (auth.on_fail: quarantine): the
// quarantine notice — what arrived, why, the vault id and link — is
// written into dst, to be delivered in place of the rebuild. Without a
// kept original (the vault off, or not stored under vault.required:
// false) nothing can be held: the message is refused as under on_fail:
// reject.
func (m *message) quarantine(ctx context.Context, env *smtpd.Envelope, dst io.Writer, src *smtpd.Original, opts sanitize.MessageOptions, am *authMessage) (*sanitize.Report, error) {
	text, detail := am.quarantineReason()
	rep, err := m.p.sanitizer.Quarantine(ctx, dst, src.Reader(), opts, sanitize.QuarantineReason{Kind: sanitize.RejectAuth, Text: text, Detail: detail})
	if errors.Is(err, sanitize.ErrNotHeld) {
		return am.refused(), am.rejectReply()
	}
	if rep != nil {
		rep.Auth = am.report()
	}
	m.p.record.report(env, rep, err)
	return rep, err
}

// passthrough forwards a message unchanged.
func passthrough(dst io.Writer, src io.Reader) error {
	if _, err := io.Copy(dst, src); err != nil {
		return fmt.Errorf("passthrough: %w", err)
	}
	return nil
}

// Rejection turns the sanitizer's refusal of a message into the reply for
// the client, a *reply.Reply with the refusal as its cause; any other
// error stays as it is (smtpd answers 451 4.3.0). The sanitizer knows
// nothing of SMTP: the reply for each kind of rejection is chosen here
// (RejectionReply), for the relay's filter and for anything else that
// relays sanitized mail.
func Rejection(err error) error {
	var rej *sanitize.RejectError
	if !errors.As(err, &rej) {
		return err
	}
	return RejectionReply(rej).Because(err)
}

// RejectionReply is the one mapping of the sanitizer's refusal to the
// reply a relay gives the sender: a permanent 5xx (RFC 5321 §4.2.2) with
// its RFC 3463 enhanced code, and the refusal's reason as its text.
//
//   - the message size: 552 5.3.4 "message too big for system" (RFC 3463
//     §3.4), the reply RFC 5321 §4.5.3.1.10 gives for a message over the
//     size limit;
//   - a policy refusal: 554 5.7.1 "delivery not authorized, message
//     refused" (§3.8);
//   - sender authentication (a caller's kind; the relay answers with the
//     auth verdict's own reply): 550 5.7.1;
//   - any other limit, an ambiguous or a malformed structure: 550 5.6.0
//     "other or undefined media error" (§3.7).
func RejectionReply(rej *sanitize.RejectError) *reply.Reply {
	code, enhanced := reply.MailboxUnavailable, reply.MediaOther
	switch {
	case rej.Kind == sanitize.RejectPolicy:
		code, enhanced = reply.TransactionFailed, reply.SecurityDeliveryNotAuthorized
	case rej.Kind == sanitize.RejectLimit && rej.Limit == sanitize.LimitMessageSize:
		code, enhanced = reply.ExceededStorage, reply.SystemMessageTooBig
	case rej.Kind == sanitize.RejectAuth:
		enhanced = reply.SecurityDeliveryNotAuthorized
	}
	return reply.New(code, enhanced, rej.Reason)
}

// recorder is the record stage: what is kept of each message.
type recorder struct {
	log      *slog.Logger
	observer Observer // nil: none
}

// queuedReport is a sanitize report with the queue id of its message,
// the id of the per-message log line and of our Received: header. The
// sanitizer knows nothing of SMTP, so its Report has no queue id; the
// pipeline, which has the envelope, adds it here.
type queuedReport struct {
	QueueID string `json:"queue_id,omitempty"`
	*sanitize.Report
}

// report records one message's sanitize report: in the metrics, and, at
// log level debug, as a JSON log line with its queue id (the per-message
// line has only a summary of the actions).
func (r recorder) report(env *smtpd.Envelope, rep *sanitize.Report, err error) {
	if r.observer != nil {
		r.observer.ObserveReport(rep, err)
	}
	if rep == nil || !r.log.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	b, jerr := json.Marshal(queuedReport{QueueID: env.ID, Report: rep})
	if jerr != nil {
		r.log.Debug("sanitize: report not encoded", "id", env.ID, "err", jerr)
		return
	}
	r.log.Debug("sanitize: report", "id", env.ID, "report", json.RawMessage(b))
}
