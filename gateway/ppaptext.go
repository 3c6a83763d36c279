package gateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"time"

	"github.com/mugai/mugai/sanitize"
	"github.com/mugai/mugai/vault"
)

// The words PPAP adds: the notice lines of the archive's message and of
// the password mail, and the message of an opened archive's contents.

// when formats a time for a notice, in the gateway's zone.
func when(t time.Time) string { return t.Local().Format("2006-01-02 15:04") }

// bullet starts a notice line after the line about the original.
func (p *PPAP) bullet() string {
	if p.lang == sanitize.English {
		return "\n- "
	}
	return "\n・"
}

// heldLine says that the archive name is held and how it will be opened;
// withLink: the notice carries the recipient page's link.
func (p *PPAP) heldLine(name string, until time.Time, withLink bool) string {
	page, mailTo := p.byPage && withLink, p.byMail
	if p.lang == sanitize.English {
		s := fmt.Sprintf("The password-protected zip %q is held so that it can be opened", name)
		switch {
		case page && mailTo:
			s += fmt.Sprintf(": type its password on the page of the link below, or it opens by itself when a mail with its password arrives from the same sender by %s.", when(until))
		case page:
			s += ": type its password on the page of the link below."
		case mailTo:
			s += fmt.Sprintf(": it opens by itself when a mail with its password arrives from the same sender by %s.", when(until))
		default:
			s += "; ask your administrator."
		}
		return p.bullet() + s + " Its contents, sanitized, then follow in a separate message."
	}
	s := fmt.Sprintf("パスワード付き ZIP「%s」は開封できるよう保管しています。", name)
	switch {
	case page && mailTo:
		s += fmt.Sprintf("下のリンクのページでパスワードを入力するか、%s までに同じ差出人からパスワードを書いたメールが届くと自動で開封し、", when(until))
	case page:
		s += "下のリンクのページでパスワードを入力すると開封し、"
	case mailTo:
		s += fmt.Sprintf("%s までに同じ差出人からパスワードを書いたメールが届くと自動で開封し、", when(until))
	default:
		return p.bullet() + s + "管理者にお問い合わせください。"
	}
	return p.bullet() + s + "中身を無害化して別のメールでお届けします。"
}

// pairedLine says that this mail may carry the password of a held archive.
func (p *PPAP) pairedLine(a vault.Archive) string {
	if p.lang == sanitize.English {
		return p.bullet() + fmt.Sprintf("If this message holds the password of the zip %q of the message %q received %s (reference %s), the zip is opened and its contents follow in a separate message.",
			a.Name, a.Subject, when(a.Received), a.EntryID)
	}
	return p.bullet() + fmt.Sprintf("このメールにパスワードが書かれていれば、%s に受信したメール「%s」（受付番号 %s）の ZIP「%s」を開封し、中身を別のメールでお届けします。",
		when(a.Received), a.Subject, a.EntryID, a.Name)
}

// contentsMessage writes the message that carries an opened archive's
// contents before it is rebuilt: a reply to the archive's message (Subject
// "Re: …", In-Reply-To its Message-ID) from its sender to the recipient,
// whose text says what was opened and how, with the plain zip attached
// under the archive's name. The sanitizer then flattens the zip like any
// attachment and its notice names each member.
func (p *PPAP) contentsMessage(ctx context.Context, a *vault.Archive, plainZip []byte, by, with string) []byte {
	var text string
	var via string
	if p.lang == sanitize.English {
		via = "with the password typed on the recipient page"
		if by == vault.OpenedByMail {
			via = "with the password found in a later message from the same sender"
			if pm, err := p.v.Entry(ctx, with); err == nil && pm.Outcome != nil {
				via = fmt.Sprintf("with the password in the message %q received %s (reference %s)", pm.Outcome.Headers.Subject, when(pm.Envelope.Received), with)
			}
		}
		text = fmt.Sprintf("The password-protected zip %q of the message %q received %s (reference %s) was opened %s.\r\nIts contents, sanitized, are attached below.\r\n",
			a.Name, a.Subject, when(a.Received), a.EntryID, via)
	} else {
		via = "受信者ページで入力されたパスワードで"
		if by == vault.OpenedByMail {
			via = "同じ差出人から後で届いたメールに書かれていたパスワードで"
			if pm, err := p.v.Entry(ctx, with); err == nil && pm.Outcome != nil {
				via = fmt.Sprintf("%s に受信したメール「%s」（受付番号 %s）に書かれていたパスワードで", when(pm.Envelope.Received), pm.Outcome.Headers.Subject, with)
			}
		}
		text = fmt.Sprintf("%s に受信したメール「%s」（受付番号 %s）のパスワード付き ZIP「%s」を、%s開封しました。\r\n中身を無害化したものは次のとおりです。\r\n",
			when(a.Received), a.Subject, a.EntryID, a.Name, via)
	}
	subject := strings.TrimSpace(a.Subject)
	if !strings.HasPrefix(strings.ToLower(subject), "re:") {
		subject = "Re: " + subject
	}
	from := a.HeaderFrom
	if from == "" {
		from = a.MailFrom
	}
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", (&mail.Address{Address: from}).String())
	h("To", (&mail.Address{Address: a.Rcpt}).String())
	h("Subject", mime.BEncoding.Encode("utf-8", subject))
	h("Date", p.now().Format(time.RFC1123Z))
	h("Message-ID", "<ppap."+strings.ReplaceAll(a.ID, "-", "")+"@"+p.hostname+">")
	if id := strings.Trim(strings.TrimSpace(a.MessageID), "<>"); id != "" && !strings.ContainsAny(id, " \r\n<>") {
		h("In-Reply-To", "<"+id+">")
		h("References", "<"+id+">")
	}
	h("MIME-Version", "1.0")
	const boundary = "mugai-ppap-contents"
	h("Content-Type", `multipart/mixed; boundary="`+boundary+`"`)
	b.WriteString("\r\n--" + boundary + "\r\n")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	writeBase64(&b, []byte(text))
	b.WriteString("--" + boundary + "\r\n")
	h("Content-Type", mime.FormatMediaType("application/zip", map[string]string{"name": a.Name}))
	h("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	h("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	writeBase64(&b, plainZip)
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes()
}

// writeBase64 writes data in base64 lines of 76 characters (RFC 2045 §6.8).
func writeBase64(b *bytes.Buffer, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
}
