package sanitize

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"strings"
)

// Held says that the original of a message is kept (in the relay's
// vault) and how its recipient can get it. The sanitizer needs it for two
// things: the notice ends with a line about the original, and a message
// that fails closed under OutcomeQuarantine is quarantined rather than
// refused. A nil *Held, or one without an ID, means no original is kept.
type Held struct {
	// ID is the vault id the notice shows (受付番号) and `mugai vault get`
	// takes.
	ID string
	// Notice is the notice's line about the original, worded by the
	// caller in the policy's language, e.g. 「原本は 30 日間保管しています
	// （受付番号 …）。…」. Empty: no such line (the quarantine notice
	// still names ID).
	Notice string
	// Link is the recipient page's address ("https://gw.example/r/…"),
	// shown under Notice; "" for none. It is the one address the output
	// carries clickable whatever the links policy: it is the gateway's
	// own, written here by mugai, never read from the message (a sender's
	// text that looks like it is defanged like any other).
	Link string
	// Sender is the envelope sender (MAIL FROM), which a quarantine
	// notice names as From when the message's own header could not be
	// read; "" for the null sender.
	Sender string
	// Size is the original's size in bytes, as received.
	Size int64
	// Announce writes the notice, with Notice and Link, even when
	// nothing else was changed: Notice says something the recipient must
	// read (the relay's PPAP: this mail may open a held zip).
	Announce bool
}

func (h *Held) held() bool { return h != nil && h.ID != "" }

// ErrNotHeld is returned by Quarantine without a Held that names the
// kept original: a message can be held back only when it is kept.
var ErrNotHeld = errors.New("sanitize: nothing to quarantine: the original is not kept")

// QuarantineReason is why a caller holds a message back instead of
// delivering its rebuild, for Sanitizer.Quarantine (sender
// authentication's on_fail: quarantine, for one).
type QuarantineReason struct {
	// Kind is the word the Report's rejection records ("auth", ...).
	Kind RejectKind
	// Text says why to the recipient, in the policy's language
	// (「差出人のドメイン認証 (DMARC) に失敗しました。」).
	Text string
	// Detail is one line of English for the report and the log, also
	// shown to the recipient under Text ("dmarc=fail header.from=...").
	Detail string
}

// Quarantine reads the message from src and writes to dst, instead of
// its rebuild, the quarantine notice: what arrived (sender, subject,
// size, the parts that could be read), why it is held (why), and how to
// get the original (opts.Held), with the caller's additions (their Hold
// is not needed). The message is read as Message reads it, so the report
// lists its parts; a message that would also fail closed is quarantined
// all the same, with why as the reason. It returns ErrNotHeld when
// opts.Held names no kept original; then nothing was written.
func (s *Sanitizer) Quarantine(ctx context.Context, dst io.Writer, src io.Reader, opts MessageOptions, why QuarantineReason) (*Report, error) {
	if !opts.Held.held() {
		return nil, ErrNotHeld
	}
	ctx, cancel := context.WithTimeout(ctx, s.policy.Limits.Time)
	defer cancel()
	w, rep, _, err := s.read(ctx, src, opts)
	if err != nil {
		if _, ok := s.rejection(err); !ok || ctx.Err() != nil {
			// Not the message's fault (a read error, the caller gone):
			// try again later. The time limit counts as such here: the
			// caller decided to hold the message, not the sanitizer.
			return rep, err
		}
	}
	rep.Rejected = why.rejection()
	return rep, s.writeOut(dst, rep, w.quarantined(msgHeldBack, why.Text, why.Detail))
}

// rejection is the Report's record of a message held back for why.
func (why *QuarantineReason) rejection() *Rejection {
	return &Rejection{Kind: why.Kind, Reason: why.Detail, Replaced: true, Quarantined: true}
}

// quarantined builds the quarantine notice that replaces a message
// (OutcomeQuarantine, or a caller's hold: Sanitizer.Quarantine,
// Additions.Hold): the sender's headers when they could be read, the
// caller's additions, and a notice of what arrived and why it is held.
// heading is the notice's first line (msgQuarantined when the sanitizer
// could not rebuild the message, msgHeldBack when the caller held it);
// text says why to people in the policy's language, detail in English.
func (w *walker) quarantined(heading msgKey, text, detail string) *outMessage {
	lang, h := w.pol.Language, w.opts.Held
	var header []field
	var lines []string
	if w.root != nil {
		header, lines = w.header()
	} else {
		if a, err := mail.ParseAddress(h.Sender); err == nil && h.Sender != "" {
			// The header could not be read: the envelope sender stands
			// in, so the recipient's client shows who sent it.
			header = []field{{"From", formatAddresses([]*mail.Address{a})}}
		}
		header, lines = w.withAdditions(header)
	}
	var b strings.Builder
	b.WriteString(msg(lang, heading))
	b.WriteByte('\n')
	line := func(ja, en string, args ...any) {
		if lang == English {
			fmt.Fprintf(&b, "- "+en+"\n", args...)
		} else {
			fmt.Fprintf(&b, "・"+ja+"\n", args...)
		}
	}
	for _, l := range lines {
		line("%s", "%s", l)
	}
	from, subject := decodedField(header, "From"), decodedField(header, "Subject")
	if from == "" {
		from = msg(lang, msgUnknown)
	}
	if subject == "" {
		subject = msg(lang, msgUnknown)
	}
	line("差出人: %s", "From: %s", from)
	if h.Sender != "" {
		line("送信元 (エンベロープ): %s", "Envelope sender: %s", h.Sender)
	}
	line("件名: %s", "Subject: %s", subject)
	line("大きさ: %s", "Size: %s", humanSize(lang, h.Size))
	line("隔離した理由: %s", "Why it is held: %s", text)
	if detail != "" {
		if lang == English {
			fmt.Fprintf(&b, "  Detail: %s\n", detail)
		} else {
			fmt.Fprintf(&b, "  詳細 (英語): %s\n", detail)
		}
	}
	if len(w.rep.Spoofs) > 0 {
		spoofs := &Report{Spoofs: w.rep.Spoofs}
		b.WriteString(strings.TrimPrefix(renderNotice(w.pol, nil, noticeItems(spoofs)), msg(lang, msgHeading)+"\n"))
		b.WriteByte('\n')
	}
	w.partList(&b, line)
	if h.Notice != "" {
		b.WriteString(heldLines(lang, h))
	} else {
		line("受付番号: %s", "Vault id: %s", h.ID)
	}
	return &outMessage{
		header:  header,
		body:    strings.TrimRight(b.String(), "\n") + "\n",
		summary: "quarantined; reason=" + string(w.rep.Rejected.Kind),
	}
}

// maxListedParts bounds the quarantine notice's list of parts.
const maxListedParts = 30

// partList writes the parts that were read before the message failed (or
// all of them): each leaf with its number, name, type and size.
func (w *walker) partList(b *strings.Builder, line func(ja, en string, args ...any)) {
	lang := w.pol.Language
	names := partNames(w.rep.Parts)
	var rows []string
	omitted := 0
	for i := range w.rep.Parts {
		p := &w.rep.Parts[i]
		if p.Action == ActionContainer {
			continue
		}
		if len(rows) == maxListedParts {
			omitted++
			continue
		}
		path := p.Path
		if path == "" {
			path = "1"
		}
		name := names[i]
		switch {
		case name != "":
			name = pickLang(lang, [2]string{"「" + name + "」", `"` + name + `"`})
		case p.Action == ActionBody || p.Action == ActionBodyFromHTML || p.Action == ActionSkipped:
			name = msg(lang, msgBodyText)
		default:
			name = msg(lang, msgNoName)
		}
		sep := " "
		if lang != English && strings.HasSuffix(name, "」") {
			sep = ""
		}
		rows = append(rows, fmt.Sprintf("  %s %s%s(%s, %s)", path, name, sep, typeLabel(lang, p.Type()), humanSize(lang, p.Size)))
	}
	if len(rows) == 0 {
		line("読み取れた部分: なし（構造を読む前に止めました）", "Parts that could be read: none (reading stopped before any)")
		return
	}
	line("読み取れた部分 (%d 件):", "Parts that could be read (%d):", len(rows)+omitted)
	for _, r := range rows {
		b.WriteString(r)
		b.WriteByte('\n')
	}
	if omitted > 0 {
		fmt.Fprintf(b, "  %s\n", pickLang(lang, [2]string{fmt.Sprintf("ほか %d 件", omitted), fmt.Sprintf("and %d more", omitted)}))
	}
}

// heldLines are the notice's last lines when the original is kept: the
// caller's line about it, and the recipient page's link.
func heldLines(lang Language, h *Held) string {
	var b strings.Builder
	if lang == English {
		b.WriteString("- " + h.Notice + "\n")
	} else {
		b.WriteString("・" + h.Notice + "\n")
	}
	if h.Link != "" {
		// The address on a line of its own, as mail clients link it.
		fmt.Fprintf(&b, "  %s\n  %s\n", msg(lang, msgLink), h.Link)
	}
	return b.String()
}

// rejectionText says to the recipient why a message could not be
// rebuilt.
func rejectionText(lang Language, rej *RejectError) string {
	if rej.Kind == RejectLimit {
		what := limitNames[rej.Limit]
		if what == [2]string{} {
			what = [2]string{string(rej.Limit), string(rej.Limit)}
		}
		return pickLang(lang, [2]string{
			fmt.Sprintf("上限（%s）を超えているため、安全に作り直せませんでした。", what[0]),
			fmt.Sprintf("It is over a limit (%s), so it could not be rebuilt safely.", what[1])})
	}
	return pickLang(lang, [2]string{
		"メールの構造 (MIME) が、読むソフトによって異なる内容に見える形をしているため、安全に作り直せませんでした。",
		"Its MIME structure can be read in more than one way, so it could not be rebuilt safely."})
}

// limitNames name the limits for people: [ja, en].
var limitNames = map[Limit][2]string{
	LimitMessageSize: {"メールの大きさ", "message size"},
	LimitHeaderSize:  {"ヘッダーの大きさ", "header size"},
	LimitLineLength:  {"1 行の長さ", "line length"},
	LimitDepth:       {"入れ子の深さ", "nesting depth"},
	LimitParts:       {"部分の数", "number of parts"},
	LimitPartSize:    {"1 つの部分の大きさ", "size of one part"},
	LimitDecodedSize: {"展開後の合計の大きさ", "total decoded size"},
	LimitTime:        {"処理時間", "processing time"},
	LimitConvertSize: {"変換できる大きさ", "size a converter takes"},
}

// decodedField is the decoded value of the first output field name, "" if
// none.
func decodedField(header []field, name string) string {
	for _, f := range header {
		if f.name == name {
			if v, err := new(mime.WordDecoder).DecodeHeader(f.value); err == nil {
				return v
			}
			return f.value
		}
	}
	return ""
}
