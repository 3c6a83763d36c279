package gateway

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"filippo.io/age"
	gomessage "github.com/emersion/go-message"

	"github.com/mugai/mugai/auth"
	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/console"
	"github.com/mugai/mugai/ppap"
	"github.com/mugai/mugai/sanitize"
	"github.com/mugai/mugai/sanitize/archive"
	"github.com/mugai/mugai/sanitize/mimeparse"
	"github.com/mugai/mugai/smtpd"
	"github.com/mugai/mugai/vault"
)

// PPAP opens password-protected zips (docs/ppap.md). The relay's
// pipelines hold each encrypted zip of an accepted message in the vault
// (the vault stage, before the rebuild, so the notice can say so), and
// after a later message is delivered try its text's password candidates
// against the archives it pairs with; the recipient page calls
// OpenByPage. What opens is rebuilt by the sanitizer like any message
// — the plain zip flattened in the sandbox under the archive limits — and
// kept in the vault pending delivery; Run delivers it through the
// delivery section's destination, retrying until the next hop accepts it.
//
// One PPAP is made at start (NewPPAP) and shared by every Build, like the
// vault: the ppap.* keys take effect at the next restart.
type PPAP struct {
	v      *vault.Vault
	key    *age.X25519Identity
	pol    ppap.Policy
	byPage bool
	byMail bool
	lim    archive.Limits
	// san rebuilds the message of an opened archive (the default policy,
	// converting in the sandbox).
	san      *sanitize.Sanitizer
	lang     sanitize.Language
	send     vault.Sender
	hostname string
	// maxBytes bounds what is decrypted from the vault.
	maxBytes int64
	obs      PPAPObserver // nil: none
	log      *slog.Logger
	wake     chan struct{}
	now      func() time.Time
}

// PPAPObserver is told what happens to held archives; *metrics.Metrics is
// one. Events: PPAPHeld, PPAPOpenedPage, PPAPOpenedMail, PPAPExpired,
// PPAPLocked.
type PPAPObserver interface {
	PPAPArchive(event string)
}

// PPAP events for PPAPObserver.
const (
	PPAPHeld       = "held"
	PPAPOpenedPage = "opened_page"
	PPAPOpenedMail = "opened_mail"
	PPAPExpired    = "expired"
	PPAPLocked     = "locked"
)

// PPAP delivery timing.
const (
	ppapLease       = 10 * time.Minute
	ppapPoll        = 30 * time.Second
	ppapExpiryCheck = time.Minute
	ppapSendTimeout = 5 * time.Minute
	ppapMaxBackoff  = time.Hour
	// ppapTryTimeout bounds the tries of one password mail and the
	// rebuild of what opened.
	ppapTryTimeout = 5 * time.Minute
	// ppapTextBytes is the most of a delivered message read for password
	// candidates.
	ppapTextBytes = 256 << 10
)

// NewPPAP makes the opener of cfg on v (nil, nil when ppap.enabled or the
// vault is off). obs may be nil; the worker is the conversion worker, as
// for Build.
func NewPPAP(ctx context.Context, cfg *config.Config, v *vault.Vault, w Worker, obs any, log *slog.Logger) (*PPAP, error) {
	if v == nil || !cfg.Vault.Enabled || !cfg.PPAP.Enabled {
		return nil, nil
	}
	key, err := loadPPAPKey(ctx, v, cfg.PPAPKeyFile(), log)
	if err != nil {
		return nil, err
	}
	conv, err := NewConverter(cfg, w, log)
	if err != nil {
		return nil, err
	}
	pol := cfg.SanitizePolicy()
	host := hostname(cfg)
	p := &PPAP{v: v, key: key, pol: cfg.PPAPPolicy(), byPage: cfg.PPAP.ByPage, byMail: cfg.PPAP.ByMail,
		lim: archive.Limits{Entries: cfg.Limits.ArchiveEntries, TotalBytes: int64(cfg.Limits.ArchiveSize), Ratio: cfg.Limits.ArchiveRatio},
		san: sanitize.New(pol, sanitize.WithConverter(conv)), lang: pol.Language,
		send: vaultSender(defaultTarget(cfg, host, log)), hostname: host,
		maxBytes: 4*int64(cfg.Limits.MessageSize) + 1<<20, log: log, wake: make(chan struct{}, 1), now: time.Now}
	if o, ok := obs.(PPAPObserver); ok {
		p.obs = o
	}
	return p, nil
}

func (p *PPAP) observe(event string) {
	if p.obs != nil {
		p.obs.PPAPArchive(event)
	}
}

// ByPage reports whether the recipient page may open archives.
func (p *PPAP) ByPage() bool { return p != nil && p.byPage }

// MaxTries is the page's wrong passwords per archive before it locks.
func (p *PPAP) MaxTries() int {
	if p.pol.MaxPageTries <= 0 {
		return ppap.DefaultMaxPageTries
	}
	return p.pol.MaxPageTries
}

// found is an encrypted zip in a message.
type found struct {
	name, sha, scheme string
	data              []byte
}

// findEncrypted returns the encrypted zips among the leaf parts of the
// message that open reads from its start (twice when it may hold one). A
// part that does not parse is skipped (the sanitizer reports it).
func (p *PPAP) findEncrypted(open func() io.Reader) []found {
	if !mayHoldZip(open()) {
		return nil
	}
	e, err := gomessage.Read(open())
	if e == nil {
		return nil
	}
	_ = err // an unknown charset still gives the entity
	var out []found
	e.Walk(func(_ []int, part *gomessage.Entity, err error) error {
		if err != nil || part.MultipartReader() != nil {
			return nil
		}
		br := bufio.NewReader(part.Body)
		if head, _ := br.Peek(4); !bytes.Equal(head, zipMagic) {
			return nil
		}
		body, rerr := io.ReadAll(io.LimitReader(br, p.maxBytes))
		if rerr != nil {
			return nil
		}
		enc, oerr := archive.OpenEncrypted(body, p.lim)
		if oerr != nil {
			return nil // not encrypted, or refused as the sanitizer will
		}
		sum := sha256.Sum256(body)
		out = append(out, found{name: partName(part.Header), sha: hex.EncodeToString(sum[:]), scheme: enc.Scheme(), data: body})
		return nil
	})
	return out
}

// zipMagic starts a zip's first local file header (APPNOTE 4.3.7).
var zipMagic = []byte("PK\x03\x04")

// mayHoldZip is a quick look at a raw message before it is parsed: a zip
// part starts with zipMagic, in base64 "UEsDB" at the start of a line, or
// as it is in an 8bit or binary part (quoted-printable leaves it as it is
// too). Most mail holds neither and is not parsed again.
func mayHoldZip(r io.Reader) bool {
	b64 := []byte("\nUEsDB")
	const overlap = 5 // len(b64) - 1: a signature across two reads
	buf := make([]byte, 16<<10)
	kept := 0
	for {
		n, err := io.ReadFull(r, buf[kept:])
		chunk := buf[:kept+n]
		if bytes.Contains(chunk, b64) || bytes.Contains(chunk, zipMagic) {
			return true
		}
		if err != nil {
			return false
		}
		kept = copy(buf, chunk[len(chunk)-overlap:])
	}
}

// partName is a part's file name, decoded (RFC 2231 by mime, RFC 2047 in
// any charset by mimeparse).
func partName(h gomessage.Header) string {
	_, params, _ := h.ContentDisposition()
	name := params["filename"]
	if name == "" {
		_, params, _ = h.ContentType()
		name = params["name"]
	}
	if name == "" {
		return "archive.zip"
	}
	return mimeparse.DecodeWords([]byte(name))
}

// ppapMessage is what the PPAP stages keep of one message between the
// vault stage and the delivery.
type ppapMessage struct {
	// notice is added to the notice's line about the original.
	notice string
	// paired are, by recipient, the archives this message may carry the
	// password of (its own included).
	paired map[string][]vault.Archive
	text   *bytes.Buffer
	// held are the archives this transaction held.
	held []string
}

// mailOf is the pairing view of a message for one recipient.
func mailOf(env *smtpd.Envelope, from, rcpt string) ppap.Mail {
	return ppap.Mail{EnvelopeSender: env.From, HeaderFrom: from, Recipient: rcpt, Received: env.Received}
}

// fromAddress is the addr-spec of a decoded From field.
func fromAddress(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		return a.Address
	}
	if i, j := strings.LastIndex(from, "<"), strings.LastIndex(from, ">"); i >= 0 && j > i {
		return from[i+1 : j]
	}
	return strings.TrimSpace(from)
}

// ppapStage runs after the vault stage: it holds the message's encrypted
// zips for each recipient and finds the archives it may carry the
// password of, and words the notice's lines about both. Failures are
// logged: the message goes on as it would without PPAP. A message that
// sender authentication holds back or refuses (am) takes no part; one
// that is not delivered after all gives up what it held (ppapAbandon).
func (m *message) ppapStage(ctx context.Context, env *smtpd.Envelope, src *smtpd.Original, am *authMessage) {
	k := m.p.keeper
	if k == nil || k.ppap == nil || m.kept == nil || m.p.sanitizer == nil || am != nil && am.verdict.Action != auth.Deliver {
		return
	}
	p := k.ppap
	// The decoded header, read only for a message that takes part (most
	// do not: no zip, no zip held for its sender).
	var h *sanitize.Headers
	var from string
	header := func() *sanitize.Headers {
		if h == nil {
			hd := sanitize.ReadHeaders(src.Reader())
			h, from = &hd, fromAddress(hd.From)
		}
		return h
	}
	var lines []string
	zips := p.findEncrypted(src.Reader)
	// A sender's retry reuses the vault entry: what it held then is
	// not held twice.
	already := map[string]bool{}
	if len(zips) > 0 {
		if as, err := p.v.Archives(ctx, m.kept.id); err == nil {
			for _, a := range as {
				if a.State != vault.ArchiveExpired {
					already[a.SHA256+" "+strings.ToLower(a.Rcpt)] = true
				}
			}
		}
	}
	for _, f := range zips {
		h := header()
		held := 0
		for _, rcpt := range env.Rcpts {
			if already[f.sha+" "+strings.ToLower(rcpt)] {
				held++
				continue
			}
			a := vault.Archive{EntryID: m.kept.id, Name: f.name, Scheme: f.scheme, SHA256: f.sha,
				MailFrom: env.From, HeaderFrom: from, Rcpt: rcpt, Subject: h.Subject, MessageID: h.MessageID,
				Received: env.Received, Expires: env.Received.Add(p.pol.Window)}
			id, err := p.v.HoldArchive(ctx, a, f.data, p.key.Recipient())
			if err != nil {
				k.log.Error("ppap: archive not held; it is removed with a notice", "id", env.ID, "vault", m.kept.id, "err", err)
				continue
			}
			held++
			m.pp.held = append(m.pp.held, id)
			p.observe(PPAPHeld)
			k.log.Info("ppap: archive held", "id", env.ID, "vault", m.kept.id, "archive", id, "scheme", f.scheme, "rcpt", rcpt)
		}
		if held > 0 {
			lines = append(lines, p.heldLine(f.name, env.Received.Add(p.pol.Window), k.links != nil))
		}
	}
	if p.byMail && env.From != "" {
		since := env.Received.Add(-p.pol.Window)
		seen := map[string]bool{}
		for _, rcpt := range env.Rcpts {
			as, err := p.v.OpenableArchives(ctx, env.From, rcpt, since)
			if err != nil {
				k.log.Warn("ppap: held archives not looked up", "id", env.ID, "err", err)
				continue
			}
			if len(as) == 0 {
				continue
			}
			header()
			later := mailOf(env, from, rcpt)
			for _, a := range as {
				if !p.pol.Pairs(ppap.Mail{EnvelopeSender: a.MailFrom, HeaderFrom: a.HeaderFrom, Recipient: a.Rcpt, Received: a.Received}, later) {
					continue
				}
				if m.pp.paired == nil {
					m.pp.paired = map[string][]vault.Archive{}
				}
				m.pp.paired[rcpt] = append(m.pp.paired[rcpt], a)
				if a.EntryID != m.kept.id && !seen[a.EntryID+a.Name] {
					seen[a.EntryID+a.Name] = true
					lines = append(lines, p.pairedLine(a))
				}
			}
		}
	}
	m.pp.notice = strings.Join(lines, "")
}

// ppapAbandon gives up the archives this transaction held when it is not
// delivered after all (refused, or to be retried by the sender, who then
// holds them anew): no later mail may open what the recipient was never
// told of.
func (m *message) ppapAbandon(ctx context.Context) {
	if len(m.pp.held) == 0 {
		return
	}
	k := m.p.keeper
	if err := k.v.AbandonArchives(context.WithoutCancel(ctx), m.pp.held); err != nil {
		k.log.Error("ppap: archives of an undelivered message still held", "vault", m.kept.id, "err", err)
	}
	m.pp.held = nil
}

// ppapNotice returns the notice's line about the original with the PPAP
// lines after it.
func (m *message) ppapNotice(line string) string {
	if m.pp.notice == "" {
		return line
	}
	return line + m.pp.notice
}

// ppapTee keeps the first ppapTextBytes of the delivered message when it
// may carry a password.
func (m *message) ppapTee(msg io.Reader) io.Reader {
	if len(m.pp.paired) == 0 {
		return msg
	}
	m.pp.text = &bytes.Buffer{}
	return io.TeeReader(msg, &limitedBuffer{b: m.pp.text, n: ppapTextBytes})
}

// ppapDelivered tries, after the message was delivered (never delaying
// its 250), its text's password candidates against the archives it pairs
// with, in the background.
func (m *message) ppapDelivered(ctx context.Context, env *smtpd.Envelope) {
	if len(m.pp.paired) == 0 || m.pp.text == nil || m.rep == nil || m.rep.Rejected != nil {
		return
	}
	p, entry, paired, text := m.p.keeper.ppap, m.kept.id, m.pp.paired, m.pp.text.Bytes()
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ppapTryTimeout)
		defer cancel()
		p.tryMail(ctx, env.ID, entry, paired, ppap.SanitizedText(text, ppapTextBytes))
	}()
}

// limitedBuffer keeps the first n bytes written and accepts the rest.
type limitedBuffer struct {
	b *bytes.Buffer
	n int
}

func (l *limitedBuffer) Write(b []byte) (int, error) {
	if room := l.n - l.b.Len(); room > 0 {
		l.b.Write(b[:min(room, len(b))])
	}
	return len(b), nil
}

// tryMail puts the password candidates of a delivered message's text to
// the archives it pairs with (ppap.Try, bounded by ppap.max_mail_tries)
// and opens what they open.
func (p *PPAP) tryMail(ctx context.Context, queueID, entry string, paired map[string][]vault.Archive, text string) {
	cands := p.pol.Candidates(text)
	if len(cands) == 0 {
		return
	}
	for rcpt, as := range paired {
		var held []ppap.Held
		byID := map[string]vault.Archive{}
		for _, a := range as {
			data, err := p.v.ArchiveData(ctx, a.ID, p.key, p.maxBytes)
			if err != nil {
				continue // opened or expired meanwhile
			}
			enc, err := archive.OpenEncrypted(data, p.lim)
			if err != nil {
				p.log.Warn("ppap: held archive does not open", "archive", a.ID, "err", err)
				continue
			}
			held = append(held, ppap.Held{ID: a.ID, Archive: enc})
			byID[a.ID] = a
		}
		res, err := p.pol.Try(ctx, held, cands)
		if err != nil {
			p.log.Warn("ppap: password mail not tried", "id", queueID, "err", err)
			return
		}
		p.log.Info("ppap: password mail tried", "id", queueID, "vault", entry, "rcpt", rcpt, "candidates", len(cands),
			"archives", len(held), "checks", res.Tries, "opened", len(res.Opened), "exhausted", res.Exhausted)
		for _, o := range res.Opened {
			a := byID[o.ID]
			if _, err := p.open(ctx, &a, o.Decrypted.Zip, vault.OpenedByMail, entry, "gateway"); err != nil {
				p.log.Error("ppap: opened archive not kept for delivery", "archive", a.ID, "err", err)
			}
		}
	}
}

// PageResult is what a password typed on the recipient page did.
type PageResult = console.PPAPResult

// OpenByPage tries password on archive id for rcpt (console.PPAPOpener):
// a wrong one is counted, and locks the archive at ppap.max_tries.
func (p *PPAP) OpenByPage(ctx context.Context, id, rcpt, password, actor string) (PageResult, error) {
	res := PageResult{MaxTries: p.MaxTries()}
	if !p.byPage {
		return res, errors.New("ppap: opening by page is off")
	}
	a, err := p.v.Archive(ctx, id)
	if err != nil {
		return res, err
	}
	if !strings.EqualFold(a.Rcpt, rcpt) {
		return res, fmt.Errorf("%w: archive %s", vault.ErrNotFound, id)
	}
	res.Failures = a.PageFailures
	if a.State != vault.ArchiveHeld {
		res.State = string(a.State)
		return res, nil
	}
	data, err := p.v.ArchiveData(ctx, a.ID, p.key, p.maxBytes)
	if err != nil {
		return res, err
	}
	enc, err := archive.OpenEncrypted(data, p.lim)
	if err != nil {
		return res, fmt.Errorf("ppap: held archive: %w", err)
	}
	d, err := enc.Decrypt(ctx, password)
	switch {
	case err == nil:
		ok, err := p.open(ctx, a, d.Zip, vault.OpenedByPage, "", actor)
		if err != nil {
			return res, err
		}
		res.State = string(vault.ArchiveOpened)
		res.Opened = ok
		return res, nil
	case errors.Is(err, archive.ErrPassword), errors.Is(err, archive.ErrDamaged):
		// A damaged archive and a wrong password that passed the quick
		// check look the same: both count.
		res.Failures, res.Locked, err = p.v.ArchiveFailed(ctx, a.ID, actor, "", p.MaxTries())
		res.State = string(vault.ArchiveHeld)
		if res.Locked {
			res.State = string(vault.ArchiveLocked)
			p.observe(PPAPLocked)
		}
		return res, err
	}
	return res, fmt.Errorf("ppap: decrypt: %w", err)
}

// open rebuilds the message of an opened archive's contents, keeps it in
// the vault pending delivery, and wakes the deliverer. false: the archive
// had been opened meanwhile (nothing is sent twice).
func (p *PPAP) open(ctx context.Context, a *vault.Archive, plainZip []byte, by, with, actor string) (bool, error) {
	raw := p.contentsMessage(ctx, a, plainZip, by, with)
	var out bytes.Buffer
	if _, err := p.san.MessageContext(ctx, &out, bytes.NewReader(raw)); err != nil {
		return false, fmt.Errorf("ppap: rebuild the contents of %s: %w", a.ID, err)
	}
	ok, err := p.v.ArchiveOpened(ctx, a.ID, by, with, actor, out.Bytes(), p.key.Recipient())
	if err != nil || !ok {
		return ok, err
	}
	if by == vault.OpenedByPage {
		p.observe(PPAPOpenedPage)
	} else {
		p.observe(PPAPOpenedMail)
	}
	p.log.Info("ppap: archive opened", "archive", a.ID, "vault", a.EntryID, "by", by, "password_mail", with, "rcpt", a.Rcpt)
	select {
	case p.wake <- struct{}{}:
	default:
	}
	return true, nil
}

// Run delivers the messages of opened archives (retrying, with backoff, until
// the next hop accepts each) and ends the archives whose window is over,
// until ctx ends. `mugai serve` runs it; several instances may (each
// delivery is claimed for a lease).
func (p *PPAP) Run(ctx context.Context) {
	poll := time.NewTicker(ppapPoll)
	defer poll.Stop()
	expiry := time.NewTicker(ppapExpiryCheck)
	defer expiry.Stop()
	p.expire(ctx)
	for {
		p.deliverDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
		case <-p.wake:
		case <-expiry.C:
			p.expire(ctx)
		}
	}
}

func (p *PPAP) expire(ctx context.Context) {
	n, err := p.v.ExpireArchives(ctx)
	for range n {
		p.observe(PPAPExpired)
	}
	if err != nil && ctx.Err() == nil {
		p.log.Error("ppap: expiry failed", "err", err)
	}
}

// deliverDue delivers every opened archive's message that is due.
func (p *PPAP) deliverDue(ctx context.Context) {
	for ctx.Err() == nil {
		a, err := p.v.ClaimArchiveDelivery(ctx, ppapLease)
		if err != nil {
			p.log.Error("ppap: deliveries not looked up", "err", err)
			return
		}
		if a == nil {
			return
		}
		p.deliver(ctx, a)
	}
}

func (p *PPAP) deliver(ctx context.Context, a *vault.Archive) {
	ctx, cancel := context.WithTimeout(ctx, ppapSendTimeout)
	defer cancel()
	msg, err := p.v.ArchiveMessage(ctx, a.ID, p.key, p.maxBytes)
	if err == nil {
		err = p.send.Send(ctx, vault.Mail{ID: "ppap-" + a.ID, From: a.MailFrom, To: []string{a.Rcpt}, Body: bytes.NewReader(msg)})
	}
	if err != nil {
		wait := min(time.Minute<<min(a.Attempts-1, 10), ppapMaxBackoff)
		p.log.Warn("ppap: contents not delivered; will retry", "archive", a.ID, "attempt", a.Attempts, "retry_in", wait.String(), "err", err)
		if rerr := p.v.ArchiveRetry(context.WithoutCancel(ctx), a.ID, p.now().Add(wait), smtpd.ReplyTo(err)); rerr != nil {
			p.log.Error("ppap: retry not recorded", "archive", a.ID, "err", rerr)
		}
		return
	}
	if err := p.v.ArchiveDelivered(context.WithoutCancel(ctx), a.ID, "250 accepted by the next hop"); err != nil {
		p.log.Error("ppap: delivery not recorded; it may be sent again after the lease", "archive", a.ID, "err", err)
		return
	}
	p.log.Info("ppap: contents delivered", "archive", a.ID, "vault", a.EntryID, "rcpt", a.Rcpt)
}
