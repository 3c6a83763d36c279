package gateway

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/mugai/mugai/auth"
	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/sanitize"
	"github.com/mugai/mugai/smtpd"
)

// The auth stage (package doc): sender authentication of the original,
// before anything is rebuilt, and its results on the rebuilt message.

// DNS is the resolver of sender authentication as it outlives reloads:
// Build reuses the one it made last while the dns section stays the same,
// so the cache of answers survives a SIGHUP (a changed dns section starts
// an empty cache). The zero value is ready; one DNS serves one process.
type DNS struct {
	// Guard, when set, is asked before each query to a server
	// (auth.DNSConfig.Guard). Tests refuse everything beyond loopback.
	Guard func(server string) error

	mu       sync.Mutex
	section  config.DNS
	resolver *auth.DNS
}

// resolverFor returns the resolver of cfg's dns section.
func (d *DNS) resolverFor(cfg *config.Config) (*auth.DNS, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.resolver != nil && sameDNS(d.section, cfg.DNS) {
		return d.resolver, nil
	}
	dc := cfg.DNSConfig()
	dc.Guard = d.Guard
	r, err := auth.NewDNS(dc)
	if err != nil {
		return nil, fmt.Errorf("dns: %w", err)
	}
	d.section, d.resolver = cfg.DNS, r
	d.section.Servers = slices.Clone(cfg.DNS.Servers)
	return r, nil
}

func sameDNS(a, b config.DNS) bool {
	return slices.Equal(a.Servers, b.Servers) && a.Timeout == b.Timeout && a.Attempts == b.Attempts &&
		a.CacheSize == b.CacheSize && a.CacheMaxTTL == b.CacheMaxTTL
}

// History says whether a sender wrote to a recipient before: the vault's
// index (*vault.Vault), for auth.first_contact_note.
type History interface {
	// HasWritten reports whether a message whose From shows the address
	// from was delivered to any of the recipients before.
	HasWritten(ctx context.Context, from string, to []string) (bool, error)
}

// authStage runs the checks for the pipelines of one configuration.
type authStage struct {
	checker  *auth.Checker
	policy   auth.Policy
	enabled  bool
	hostname string
	// forwarders are relay.forwarders: an upstream of ours that did not
	// say who connected to it is not the original client.
	forwarders config.Prefixes
	// internal are relay.internal_networks, whose mail is not checked.
	internal config.Prefixes
	history  History // nil: no first-contact note
	log      *slog.Logger
}

// newAuthStage builds the auth stage of cfg.
func newAuthStage(cfg *config.Config, opts Options, hostname string, log *slog.Logger) (*authStage, error) {
	a := &authStage{
		policy: cfg.AuthPolicy(), enabled: cfg.Auth.Enabled, hostname: hostname,
		forwarders: cfg.Relay.Forwarders, internal: cfg.Relay.InternalNetworks,
		history: opts.History, log: log,
	}
	if a.enabled && a.policy.FirstContactNote && a.history == nil {
		log.Warn("auth.first_contact_note needs the vault's index; no first-contact note is added")
	}
	var resolver auth.Resolver
	if a.enabled {
		d := opts.DNS
		if d == nil {
			d = &DNS{}
		}
		r, err := d.resolverFor(cfg)
		if err != nil {
			return nil, err
		}
		resolver = r
		log.Info("auth: sender authentication on", "dns", r.Servers(), "on_fail", string(a.policy.OnFail),
			"trusted_authserv_id", cfg.Auth.TrustedAuthservID)
	} else {
		log.Info("auth: sender authentication off (auth.enabled: false)")
	}
	var err error
	if a.checker, err = auth.NewChecker(cfg.AuthConfig(resolver)); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return a, nil
}

// authMessage is the auth stage's state for one message.
type authMessage struct {
	stage   *authStage
	res     *auth.Results
	policy  auth.Policy
	facts   auth.Facts
	verdict auth.Verdict
	origin  smtpd.Origin
	client  netip.Addr // checked; invalid when unknown
	skipped string     // AuthReport.Skipped
}

// check authenticates the original read from msg (package doc: before
// the vault and the rebuild). The notice sentences are in lang, the
// language of the route's policy. The error is the relay's (the spool
// could not be read); every problem of the message is in the verdict.
func (a *authStage) check(ctx context.Context, env *smtpd.Envelope, msg io.Reader, lang sanitize.Language) (*authMessage, error) {
	m := &authMessage{stage: a, policy: a.policy, origin: env.Origin()}
	m.policy.Language = string(lang)
	client := env.Client.Addr().Unmap()
	in := auth.Input{MailFrom: env.From}
	switch {
	case !a.enabled:
		m.skipped = "disabled"
	case a.internal.Contains(client):
		// Mail leaving the closed network: not an Internet sender's.
		m.skipped = "internal"
	default:
		m.facts.External = true
		in.Client, in.Helo = m.originalClient()
	}
	if m.skipped != "" {
		m.res = auth.NotChecked()
	} else {
		res, err := a.checker.Check(ctx, in, msg)
		if err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		m.res = res
	}
	m.client = in.Client
	if m.skipped == "" && m.policy.FirstContactNote && a.history != nil && m.res.From.Address != "" {
		written, err := a.history.HasWritten(ctx, m.res.From.Address, env.Rcpts)
		if err != nil {
			// A note less is no reason to refuse mail.
			a.log.Warn("auth: first contact not known", "id", env.ID, "err", err)
		} else {
			m.facts.FirstContact = !written
		}
	}
	m.decide()
	return m, nil
}

// quarantineReason says why a message is held back: text for the
// recipient (the verdict's notice sentences, in the policy's language)
// and detail, one line of English with the results.
func (am *authMessage) quarantineReason() (text, detail string) {
	r := am.report()
	detail = fmt.Sprintf("spf=%s dkim=%s dmarc=%s header.from=%s problems=%s", r.SPF.Result, r.DKIMSummary(),
		r.DMARC.Result, r.DMARC.Domain, strings.Join(r.Problems, ","))
	return strings.Join(am.verdict.Notice, "\n"), detail
}

// rejectReply is the reply that refuses a message held back for a
// failure when it cannot be held (no original kept): the verdict's
// under on_fail: reject.
func (am *authMessage) rejectReply() error {
	p := am.policy
	p.OnFail = auth.FailReject
	return auth.Decide(am.res, p, am.facts).Err()
}

// refused is the report the vault records for a message the auth stage
// refused (nothing was rebuilt): its checks, and under Reject the
// refusal; a Defer is a temporary failure, with no rejection.
func (am *authMessage) refused() *sanitize.Report {
	rep := &sanitize.Report{Auth: am.report()}
	if am.verdict.Action != auth.Defer {
		_, detail := am.quarantineReason()
		rep.Rejected = &sanitize.Rejection{Kind: sanitize.RejectAuth, Reason: detail}
	}
	return rep
}

// originalClient is the client SPF checks: the one the upstream reported
// (XFORWARD, XCLIENT), or the connecting one (named by a PROXY header or
// not) — unless that is one of our own forwarders, which did not say who
// connected to it, or the upstream said the message was submitted on its
// own host: then the original client is unknown (an SPF check of our own
// MTA would fail every message) and SPF is none.
func (m *authMessage) originalClient() (netip.Addr, string) {
	o := m.origin
	direct := o.Via == smtpd.ViaConnection || o.Via == smtpd.ViaProxy
	if o.Local || direct && m.stage.forwarders.Contains(o.Addr.Unmap()) {
		return netip.Addr{}, ""
	}
	return o.Addr.Unmap(), o.Helo
}

// decide (again) turns the results into the verdict.
func (m *authMessage) decide() { m.verdict = auth.Decide(m.res, m.policy, m.facts) }

// additions are the sanitizer's per-message additions (package sanitize):
// first the From it shows is compared with the From checked — a
// difference is a From failure — then the one Authentication-Results
// field under our hostname, the notice sentences and the subject tags.
func (m *authMessage) additions(authors []string) sanitize.Additions {
	if !m.res.ShownFrom(authors) {
		m.decide()
	}
	add := sanitize.Additions{
		Fields: []sanitize.Field{{Name: "Authentication-Results", Value: m.res.AuthenticationResults(m.stage.hostname)}},
	}
	if m.skipped == "" {
		add.Notice, add.SubjectTags = m.verdict.Notice, m.verdict.SubjectTags
	}
	if m.verdict.Action == auth.Quarantine {
		// The From shown failed where the original's passed: held back
		// after all (or refused, when no original is kept).
		text, detail := m.quarantineReason()
		add.Hold = &sanitize.QuarantineReason{Kind: sanitize.RejectAuth, Text: text, Detail: detail}
	}
	return add
}

// report is the Report's auth section: the one record of the checks,
// which the log line and the metrics are derived from too.
func (m *authMessage) report() *sanitize.AuthReport {
	r := m.res
	out := &sanitize.AuthReport{Skipped: m.skipped, Action: string(m.verdict.Action)}
	if m.skipped != "" {
		out.Action = string(auth.Deliver)
		out.SPF = sanitize.AuthResult{Result: string(auth.None)}
		out.DKIM = []sanitize.AuthResult{{Result: string(auth.None)}}
		out.DMARC = sanitize.AuthResult{Result: string(auth.None)}
		return out
	}
	out.Upstream = r.Upstream
	if m.client.IsValid() {
		out.Client, out.Helo = m.client.String(), m.origin.Helo
	}
	out.Via = string(m.origin.Via)
	out.SPF = sanitize.AuthResult{Result: string(r.SPF.Value), Domain: r.SPF.Domain, Identity: string(r.SPF.Identity), Reason: r.SPF.Reason}
	for _, d := range r.DKIM {
		out.DKIM = append(out.DKIM, sanitize.AuthResult{Result: string(d.Value), Domain: d.Domain, Identifier: d.Identifier, Reason: d.Reason})
	}
	d := r.DMARC
	out.DMARC = sanitize.AuthResult{Result: string(d.Value), Domain: d.Domain, Policy: string(d.Policy), Reason: d.Reason}
	if d.SPFAligned {
		out.DMARC.Aligned = append(out.DMARC.Aligned, "spf")
	}
	if d.DKIMAligned {
		out.DMARC.Aligned = append(out.DMARC.Aligned, "dkim")
	}
	out.From, out.FromProblem = r.From.Address, r.From.Problem
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, sanitize.AuthFinding{Kind: string(f.Kind), Shown: f.Shown, Real: f.Real, How: f.How})
	}
	out.Problems = m.verdict.Codes()
	return out
}

// authLog is the auth group of the per-message log line, from the record:
// auth.spf=pass auth.dkim=pass auth.dmarc=none auth.from=example.jp
// auth.problems=[] auth.action=deliver.
func authLog(r *sanitize.AuthReport) slog.Attr {
	if r.Skipped != "" {
		return slog.Group("auth", slog.String("skipped", r.Skipped))
	}
	attrs := []any{
		slog.String("spf", r.SPF.Result),
		slog.String("dkim", r.DKIMSummary()),
		slog.String("dmarc", r.DMARC.Result),
		slog.String("header_from", r.DMARC.Domain),
	}
	if r.Client == "" {
		attrs = append(attrs, slog.String("client", "unknown"))
	}
	if r.Upstream != "" {
		attrs = append(attrs, slog.String("upstream", r.Upstream))
	}
	if len(r.Problems) > 0 {
		attrs = append(attrs, slog.Any("problems", r.Problems))
	}
	attrs = append(attrs, slog.String("action", r.Action))
	return slog.Group("auth", attrs...)
}

// auth records one message's sender authentication (the record stage):
// in the metrics, and as the auth fields of its log line (the
// FilterResult).
func (r recorder) auth(rec *sanitize.AuthReport) smtpd.FilterResult {
	if r.observer != nil {
		r.observer.ObserveAuth(rec)
	}
	return smtpd.FilterResult{Log: []slog.Attr{authLog(rec)}}
}
