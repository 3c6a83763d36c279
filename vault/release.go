package vault

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"os"
	"strings"
	"time"
	"unicode"
)

// Release sends an original on, unchanged, at an operator's request:
// (a) to the recipient's mailbox on the Internet side, through an
// Internet-side relay, when the sanitized copy is not enough; or (b) into
// the LGWAN itself, only where the configuration allows it, with an
// X-Mugai-Released header naming who released it and when. Every release
// (and every failed attempt, since the original was decrypted for it) is
// an event of the entry and a record of the audit log.

// Target is where a release goes.
type Target string

const (
	// TargetInternet is the recipient's Internet-side mailbox.
	TargetInternet Target = "internet"
	// TargetLGWAN is the recipient's LGWAN mailbox (the next hop), with
	// the original unsanitized.
	TargetLGWAN Target = "lgwan"
)

// Mail is one message for a Sender.
type Mail struct {
	// ID names the transaction in the sender's logs.
	ID                     string
	From                   string
	To                     []string
	SMTPUTF8, EightBitMIME bool
	Body                   io.Reader
}

// Sender hands a message to a mail server. The gateway adapts its
// delivery package (SMTP next hop or maildir) to it.
type Sender interface {
	Send(ctx context.Context, m Mail) error
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, m Mail) error

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, m Mail) error { return f(ctx, m) }

// ErrLGWANDenied: the configuration does not allow releasing originals
// into the LGWAN (vault.release.lgwan: deny).
var ErrLGWANDenied = errors.New("releasing originals into the LGWAN is not allowed (vault.release.lgwan: deny)")

// ErrNoInternetRelay: no Internet-side relay is configured.
var ErrNoInternetRelay = errors.New("no Internet-side relay is configured (vault.release.internet_relay)")

// Releaser releases originals.
type Releaser struct {
	Vault *Vault
	// Internet sends to Internet-side mailboxes; nil when none is
	// configured.
	Internet Sender
	// Addresses maps an LGWAN recipient to its Internet-side mailbox.
	Addresses AddressMap
	// MailFrom is the envelope sender of releases; "" keeps the
	// original's.
	MailFrom string
	// LGWAN sends into the LGWAN; nil means release there is denied.
	LGWAN Sender
}

// ReleaseRequest is one release.
type ReleaseRequest struct {
	ID     string
	Target Target
	// Recipients are some of the entry's envelope recipients; empty means
	// all of them. An original is never released to anyone else.
	Recipients []string
	// Actor, Reason and Identities as for Vault.Original.
	Access
}

// ReleaseResult says where a release went.
type ReleaseResult struct {
	Target Target
	// To are the addresses the original was sent to (for the Internet,
	// the mapped mailboxes).
	To []string
}

// Release sends the original. The attempt is recorded whether it
// succeeds or not.
func (rl *Releaser) Release(ctx context.Context, req ReleaseRequest) (ReleaseResult, error) {
	res := ReleaseResult{Target: req.Target}
	var send Sender
	switch req.Target {
	case TargetInternet:
		if rl.Internet == nil {
			return res, ErrNoInternetRelay
		}
		send = rl.Internet
	case TargetLGWAN:
		if rl.LGWAN == nil {
			return res, ErrLGWANDenied
		}
		send = rl.LGWAN
	default:
		return res, fmt.Errorf("vault: unknown release target %q", req.Target)
	}
	v := rl.Vault
	id, err := ParseID(req.ID)
	if err != nil {
		return res, err
	}
	e, err := v.Entry(ctx, id)
	if err != nil {
		return res, err
	}
	rcpts, err := chooseRecipients(e.Envelope.Rcpts, req.Recipients)
	if err != nil {
		return res, err
	}
	res.To = rcpts
	if req.Target == TargetInternet {
		res.To = make([]string, len(rcpts))
		for i, r := range rcpts {
			m, ok := rl.Addresses.Lookup(r)
			if !ok {
				return res, fmt.Errorf("vault: no Internet-side address for %s (vault.release.address or address_map)", r)
			}
			res.To[i] = m
		}
	}
	now := v.now()
	body, _, err := v.openOriginal(ctx, id, req.Identities)
	if err == nil {
		defer body.Close()
		m := Mail{ID: "release-" + strings.ReplaceAll(id, "-", ""), From: e.Envelope.MailFrom, To: res.To,
			SMTPUTF8: e.Envelope.SMTPUTF8, EightBitMIME: e.Envelope.EightBitMIME, Body: body}
		if rl.MailFrom != "" {
			m.From = rl.MailFrom
		}
		if req.Target == TargetLGWAN {
			m.Body = io.MultiReader(strings.NewReader(releasedHeader(id, req.Actor, req.Reason, now)), body)
		}
		err = send.Send(ctx, m)
	}
	detail := fmt.Sprintf("target=%s to=%s", req.Target, strings.Join(res.To, ","))
	if req.Reason != "" {
		detail += " " + reasonDetail(req.Reason)
	}
	kind := EventRelease
	if err != nil {
		kind = EventDenied
		detail += " failed: " + err.Error()
	}
	if aerr := v.recordAccess(ctx, id, req.Actor, kind, AuditRelease, detail); aerr != nil && err == nil {
		err = aerr
	}
	return res, err
}

// chooseRecipients checks that every requested address is an envelope
// recipient of the entry.
func chooseRecipients(rcpts, want []string) ([]string, error) {
	if len(want) == 0 {
		if len(rcpts) == 0 {
			return nil, errors.New("vault: the entry has no recipients")
		}
		return rcpts, nil
	}
	out := make([]string, 0, len(want))
	for _, w := range want {
		found := ""
		for _, r := range rcpts {
			if strings.EqualFold(r, w) {
				found = r
			}
		}
		if found == "" {
			return nil, fmt.Errorf("vault: %s is not a recipient of this message", w)
		}
		out = append(out, found)
	}
	return out, nil
}

// maxReasonRunes bounds the reason in the header.
const maxReasonRunes = 200

// releasedHeader is the X-Mugai-Released field put on top of an original
// released into the LGWAN: by whom, when, which entry and why (RFC 2047
// encoded when not ASCII, folded at 78 characters, RFC 5322 §2.2.3).
func releasedHeader(id, actor, reason string, at time.Time) string {
	clean := func(s string, max int) string {
		s = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return ' '
			}
			return r
		}, s)
		if r := []rune(s); len(r) > max {
			s = string(r[:max])
		}
		return strings.TrimSpace(s)
	}
	words := []string{"by=" + headerWord(clean(actor, 100)) + ";", "at=" + at.UTC().Format(time.RFC3339) + ";", "vault=" + id + ";"}
	if r := clean(reason, maxReasonRunes); r != "" {
		words = append(words, "reason="+headerWord(r))
	}
	return fold("X-Mugai-Released:", words) + "\r\n"
}

// headerWord writes a value as ASCII: itself when it is plain, else as
// encoded words.
func headerWord(s string) string {
	plain := s != ""
	for _, r := range s {
		if r > '~' || r < '!' || r == ';' || r == '"' || r == '=' || r == '?' {
			plain = false
		}
	}
	if plain {
		return s
	}
	return mime.BEncoding.Encode("utf-8", s)
}

// fold joins words after name, breaking lines before 78 characters.
func fold(name string, words []string) string {
	var b strings.Builder
	b.WriteString(name)
	line := len(name)
	for _, w := range strings.Fields(strings.Join(words, " ")) {
		if line+1+len(w) > 76 && line > 1 {
			b.WriteString("\r\n")
			line = 0
		}
		b.WriteString(" ")
		b.WriteString(w)
		line += 1 + len(w)
	}
	return b.String()
}

// AddressMap finds the Internet-side mailbox of an LGWAN recipient: first
// in Map (exact address, any letter case), then by Template, where
// {local} stands for the recipient's local part and {domain} for its
// domain ("{local}@inet.city.example.jp").
type AddressMap struct {
	Template string
	Map      map[string]string
}

// Lookup returns the Internet-side address of rcpt.
func (m AddressMap) Lookup(rcpt string) (string, bool) {
	if a, ok := m.Map[strings.ToLower(rcpt)]; ok {
		return a, true
	}
	if m.Template == "" {
		return "", false
	}
	at := strings.LastIndex(rcpt, "@")
	if at <= 0 {
		return "", false
	}
	r := strings.NewReplacer("{local}", rcpt[:at], "{domain}", rcpt[at+1:])
	return r.Replace(m.Template), true
}

// LoadAddressMap reads a map file: one "lgwan-address internet-address"
// pair per line, separated by spaces, tabs or a colon; blank lines and
// lines starting with # are ignored. Errors name the line.
func LoadAddressMap(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("vault address map: %w", err)
	}
	out := make(map[string]string)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.FieldsFunc(line, func(r rune) bool { return r == ':' || unicode.IsSpace(r) })
		if len(f) != 2 {
			return nil, fmt.Errorf("%s:%d: want two addresses, the LGWAN one and the Internet one", path, n)
		}
		for _, a := range f {
			if _, err := mail.ParseAddress(a); err != nil || !strings.Contains(a, "@") {
				return nil, fmt.Errorf("%s:%d: %q is not an address", path, n, a)
			}
		}
		out[strings.ToLower(f[0])] = f[1]
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("vault address map %s: %w", path, err)
	}
	return out, nil
}
