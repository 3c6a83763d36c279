package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"

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
	// auth checks the sender of what the sanitizer rebuilds; language
	// is the policy's, for its notice sentences.
	auth     *authStage
	language sanitize.Language
	record   recorder
}

// newPipelines makes the pipeline of each policy of cfg, by name;
// "default" is the sanitize section.
func newPipelines(cfg *config.Config, conv *sandbox.Converter, as *authStage, rec recorder) (map[string]*pipeline, error) {
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
		p := &pipeline{record: rec}
		if !passthrough {
			p.sanitizer = sanitize.New(pol, sanitize.WithConverter(conv))
			p.auth, p.language = as, p.sanitizer.Policy().Language
		}
		out[name] = p
	}
	return out, nil
}

// message is one transaction in a pipeline, to a target: Route makes one
// for each recipient and smtpd keeps that of the transaction's first, then
// calls its begin (as Route.Begin), its Filter, and Deliver on the
// Delivery begin opened. The stages to come keep their per-message state
// here (the vault id, the auth verdict) between Filter and the Delivery.
type message struct {
	p      *pipeline
	target Target
}

func (p *pipeline) message(t Target) *message { return &message{p: p, target: t} }

// begin opens the transaction at the target.
func (m *message) begin(ctx context.Context, env *smtpd.Envelope) (smtpd.Delivery, error) {
	return m.target.Begin(ctx, env)
}

// Filter implements smtpd.Filter: the stages before the next hop. src is
// smtpd's spool of the original; the vault put is to come between auth
// and the sanitizer (package doc).
func (m *message) Filter(ctx context.Context, env *smtpd.Envelope, dst io.Writer, src io.Reader) (smtpd.FilterResult, error) {
	if m.p.sanitizer == nil {
		return passthrough(dst, src)
	}
	return m.authenticated(ctx, env, dst, newOriginal(src))
}

// passthrough forwards a message unchanged.
func passthrough(dst io.Writer, src io.Reader) (smtpd.FilterResult, error) {
	if _, err := io.Copy(dst, src); err != nil {
		return smtpd.FilterResult{}, fmt.Errorf("passthrough: %w", err)
	}
	return smtpd.FilterResult{Actions: []string{"passthrough"}}, nil
}

// Rejection turns the sanitizer's refusal of a message into the reply for
// the client, a *reply.Reply with the refusal as its cause; any other
// error stays as it is (smtpd answers 451 4.3.0). The sanitizer knows
// nothing of SMTP: the reply for each kind of rejection is chosen here,
// for the relay's filter and for anything else that relays sanitized
// mail.
func Rejection(err error) error {
	var rej *sanitize.RejectError
	if !errors.As(err, &rej) {
		return err
	}
	// For now the sanitizer still proposes the reply; its typed
	// rejection kind is to be mapped here, one case per kind.
	code, enhanced, text := rej.SMTPStatus()
	return reply.New(reply.Code(code), reply.MakeEnhanced(enhanced[1], enhanced[2]), text).Because(err)
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
