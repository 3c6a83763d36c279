package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/console"
	"github.com/mugai/mugai/metrics"
	"github.com/mugai/mugai/sanitize"
	"github.com/mugai/mugai/smtpd"
	"github.com/mugai/mugai/vault"
)

// The vault stage and the record stage (package doc): the original is
// stored and synced before anything else may happen to it, and what
// became of the message is recorded before the client hears 250.

// recordTimeout bounds recording an outcome (and storing the delivered
// copy) once the next hop has answered: the client may be gone by then,
// and the record is still wanted.
const recordTimeout = 30 * time.Second

// Verdicts the relay records beside the sanitizer's (sanitize.Verdict*).
const (
	verdictPassthrough = "passthrough"
	// verdictFailed: a temporary failure (4xx) before delivery.
	verdictFailed = "failed"
)

// VaultObserver is told about the vault stage; *metrics.Metrics is one.
// Build asks Options.Observer for it (a type assertion), so an Observer
// without vault metrics works as well.
type VaultObserver interface {
	// VaultStored is called after each store of an original with its
	// time and result: metrics.VaultStoredNew, VaultStoredReused (a
	// sender's retry reused the entry), VaultStoreFull or VaultStoreError.
	VaultStored(d time.Duration, result string)
}

// keeper is the vault and record stages' share of a Build: the same for
// every pipeline.
type keeper struct {
	v        *vault.Vault
	links    *console.Links // nil: notices carry no link
	required bool
	notice   config.VaultNotice
	obs      VaultObserver // nil: none
	log      *slog.Logger
	// ppap holds encrypted zips and opens them; nil: off.
	ppap *PPAP
}

// newKeeper returns the keeper of cfg, nil when the vault is off.
func newKeeper(cfg *config.Config, opts Options, log *slog.Logger) (*keeper, error) {
	if !cfg.Vault.Enabled {
		return nil, nil
	}
	if opts.Vault == nil {
		// The vault is opened at start (OpenVault): a reload cannot.
		return nil, errors.New("vault.enabled is true but no vault is open: turning the vault on takes a restart")
	}
	k := &keeper{v: opts.Vault, links: opts.Links, required: cfg.Vault.Required, notice: cfg.Vault.Notice, log: log, ppap: opts.PPAP}
	if o, ok := opts.Observer.(VaultObserver); ok {
		k.obs = o
	}
	return k, nil
}

// kept is what the vault stage stored of one message.
type kept struct {
	id      string
	expires time.Time
}

// store is the vault stage: the original and its envelope into the vault,
// durable before the message goes any further. A vault over max_size
// gives 452 4.3.1 (the *vault.FullError carries that reply); any other
// failure 451 4.3.0 — unless vault.required is false, when the message
// goes on without its original, logged.
func (m *message) store(ctx context.Context, env *smtpd.Envelope, src *smtpd.Original) error {
	k := m.p.keeper
	if k == nil {
		return nil
	}
	start := time.Now()
	res, err := k.v.Put(ctx, vault.Envelope{QueueID: env.ID, Client: env.Client.String(), Helo: env.Helo,
		MailFrom: env.From, Rcpts: env.Rcpts, SMTPUTF8: env.SMTPUTF8, EightBitMIME: env.EightBitMIME,
		Received: env.Received}, src.Reader())
	if k.obs != nil {
		k.obs.VaultStored(time.Since(start), storeResult(res, err))
	}
	switch {
	case err == nil:
		m.kept = &kept{id: res.ID, expires: res.Expires}
		return nil
	case !k.required:
		k.log.Error("vault: the original was not stored; the message goes on without it (vault.required: false)",
			"id", env.ID, "err", err)
		return nil
	}
	return fmt.Errorf("vault: %w", err)
}

// storeResult names the result of a Put for the metrics.
func storeResult(res vault.PutResult, err error) string {
	var full *vault.FullError
	switch {
	case errors.As(err, &full):
		return metrics.VaultStoreFull
	case err != nil:
		return metrics.VaultStoreError
	case res.Reused:
		return metrics.VaultStoredReused
	}
	return metrics.VaultStoredNew
}

// held is what the sanitizer needs of the kept original: its id, the
// notice's line and link. nil when none is kept.
func (m *message) held(env *smtpd.Envelope, src *smtpd.Original) *sanitize.Held {
	if m.kept == nil {
		return nil
	}
	k, lang := m.p.keeper, m.p.lang
	h := &sanitize.Held{ID: m.kept.id, Notice: m.ppapNotice(noticeLine(k.notice, lang, m.kept.id, k.v.Retention(), m.kept.expires)),
		Sender: env.From, Size: src.Size(), Announce: m.pp.notice != ""}
	if k.links != nil {
		// One link for all the transaction's recipients, who all get
		// this notice: bound to the recipient only when there is one.
		link, err := k.links.URLFor(m.kept.id, env.Rcpts, m.kept.expires)
		if err != nil {
			k.log.Warn("vault: no recipient link in the notice", "id", env.ID, "vault", m.kept.id, "err", err)
		}
		h.Link = link
	}
	return h
}

// noticeLine words vault.notice in lang for one original.
func noticeLine(n config.VaultNotice, lang sanitize.Language, id string, retention time.Duration, expires time.Time) string {
	text, days, hours := n.JA, "%d 日間", "%d 時間"
	if lang == sanitize.English {
		text, days, hours = n.EN, "%d days", "%d hours"
	}
	span := fmt.Sprintf(hours, int(retention/time.Hour))
	if retention%(24*time.Hour) == 0 {
		span = fmt.Sprintf(days, int(retention/(24*time.Hour)))
	}
	return strings.NewReplacer("{id}", id, "{retention}", span, "{expires}", expires.Local().Format(time.DateOnly)).Replace(text)
}

// result is the Filter's word to smtpd's log line: the actions, and the
// vault id as vault=ID.
func (m *message) result(rep *sanitize.Report) smtpd.FilterResult {
	res := smtpd.FilterResult{Actions: actions(rep)}
	if m.kept != nil {
		res.Log = []slog.Attr{slog.String("vault", m.kept.id)}
	}
	return res
}

// filtered ends the stages before delivery. When the message will not be
// delivered (err: refused, or a temporary failure), its outcome is
// recorded now; else the record stage waits for the next hop (recording
// Delivery). It returns err.
func (m *message) filtered(ctx context.Context, env *smtpd.Envelope, src *smtpd.Original, verdict string, rep *sanitize.Report, err error) error {
	m.verdict, m.rep = verdict, rep
	if m.kept == nil {
		return err
	}
	// The index's decoded fields, while the original is at hand.
	m.headers = sanitize.ReadHeaders(src.Reader())
	if err == nil {
		return nil
	}
	if rep == nil || rep.Rejected == nil || rep.Rejected.Replaced {
		m.verdict = verdictFailed
	} else {
		m.verdict = sanitize.VerdictRejected
	}
	m.recordOutcome(ctx, env, vault.Outcome{Reply: smtpd.ReplyTo(err)})
	return err
}

// recordOutcome records the message's outcome o, completed with the
// verdict, the decoded headers and the report; a failure is logged (the
// message's fate is decided: the original is stored, and the next hop
// has the copy or the client is told to retry).
func (m *message) recordOutcome(ctx context.Context, env *smtpd.Envelope, o vault.Outcome) {
	k := m.p.keeper
	o.Verdict = m.verdict
	h := m.headers
	o.Headers = vault.Headers{From: h.From, To: h.To, Subject: h.Subject, MessageID: h.MessageID, Date: h.Date}
	if m.rep != nil {
		b, err := json.Marshal(m.rep)
		if err != nil {
			k.log.Warn("vault: report not encoded", "id", env.ID, "vault", m.kept.id, "err", err)
		}
		o.Report = b
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if !o.Delivered {
		m.ppapAbandon(ctx)
	}
	if err := k.v.RecordOutcome(ctx, m.kept.id, o); err != nil {
		k.log.Error("vault: outcome not recorded", "id", env.ID, "vault", m.kept.id, "err", err)
	}
}

// recordingDelivery is the record stage: it delivers the copy, keeps it
// in the vault (for the console) as it goes, and records the outcome
// before smtpd answers the client.
type recordingDelivery struct {
	smtpd.Delivery
	m   *message
	env *smtpd.Envelope
}

// Deliver implements smtpd.Delivery.
func (d *recordingDelivery) Deliver(ctx context.Context, msg io.Reader) error {
	m := d.m
	if m.kept == nil {
		return d.Delivery.Deliver(ctx, msg)
	}
	sum, n := sha256.New(), &byteCount{}
	w := io.MultiWriter(sum, n)
	var cp *copier
	if m.verdict != verdictPassthrough {
		// A passthrough copy is the original; the vault has it.
		cp = m.p.keeper.startCopy(ctx, m.kept.id)
		w = io.MultiWriter(sum, n, cp)
	}
	err := d.Delivery.Deliver(ctx, io.TeeReader(m.ppapTee(msg), w))
	if cp != nil {
		if cerr := cp.finish(err); cerr != nil && err == nil {
			m.p.keeper.log.Warn("vault: the delivered copy was not kept (the console cannot show its text)",
				"id", d.env.ID, "vault", m.kept.id, "err", cerr)
		}
	}
	o := vault.Outcome{Delivered: err == nil, Reply: "250 2.0.0 Ok: queued as " + d.env.ID}
	if err == nil {
		o.DeliveredSHA256, o.DeliveredSize = hex.EncodeToString(sum.Sum(nil)), n.n
	} else {
		o.Reply = smtpd.ReplyTo(err)
	}
	m.recordOutcome(ctx, d.env, o)
	if err == nil {
		m.ppapDelivered(ctx, d.env)
	}
	return err
}

// byteCount counts what is written to it.
type byteCount struct{ n int64 }

func (c *byteCount) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// copier streams the delivered copy into vault.PutCopy while it is sent
// to the next hop. It never fails a write: a vault that cannot keep the
// copy must not stop the delivery (the copy is for the console's view;
// the original is what counts).
type copier struct {
	pw     *io.PipeWriter
	done   chan error
	broken bool
}

func (k *keeper) startCopy(ctx context.Context, id string) *copier {
	pr, pw := io.Pipe()
	c := &copier{pw: pw, done: make(chan error, 1)}
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout+time.Minute)
		defer cancel()
		err := k.v.PutCopy(ctx, id, pr)
		// Writes after a failure return at once instead of blocking.
		pr.CloseWithError(errCopyStopped)
		c.done <- err
	}()
	return c
}

var errCopyStopped = errors.New("vault: the copy is no longer kept")

func (c *copier) Write(p []byte) (int, error) {
	if !c.broken {
		if _, err := c.pw.Write(p); err != nil {
			c.broken = true
		}
	}
	return len(p), nil
}

// finish ends the copy: kept when delivered, dropped when the delivery
// failed (delivered is its error). It returns PutCopy's error.
func (c *copier) finish(delivered error) error {
	if delivered != nil {
		c.pw.CloseWithError(delivered)
	} else {
		c.pw.Close()
	}
	return <-c.done
}
