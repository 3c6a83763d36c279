package sanitize

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/mugai/mugai/sanitize/charset"
	"github.com/mugai/mugai/sanitize/mimeparse"
)

// walker renders one message's entity tree into a doc. It is used once.
type walker struct {
	ctx  context.Context
	pol  *Policy
	conv Converter
	rep  *Report
	root *mimeparse.Entity // set once the top-level header was read
	// carrier is the Japanese mobile carrier of the sender (From), whose
	// emoji its Shift_JIS or ISO-2022-JP text may hold.
	carrier charset.Carrier
	// unreadable is set when decoding replaced some characters by U+FFFD
	// (not when the text already held one): the notice then says so.
	unreadable bool
	// embedded is the top-level entity of the message/rfc822 being entered;
	// a multipart one shares its holder's path and is not reported twice.
	embedded *mimeparse.Entity
	// skipAlternative is set while walking alternatives that can no
	// longer be chosen: their body text is not decoded or converted.
	skipAlternative bool
	// payloads counts the files cut out of the message's text so far
	// and listed one by one (see cutPayloadsAt).
	payloads int
	// opts are the caller's (MessageOptions): the kept original for the
	// notice, and the additions. add is what Additions returned, once
	// called; authors are the addresses the rebuilt From field shows and
	// subject the decoded, cleaned Subject, both as the top-level header
	// was rebuilt.
	opts    MessageOptions
	add     *Additions
	authors []string
	subject string
}

func newWalker(ctx context.Context, pol *Policy, conv Converter, rep *Report, opts MessageOptions) *walker {
	return &walker{ctx: ctx, pol: pol, conv: conv, rep: rep, opts: opts}
}

// doc is what a subtree renders to. Sub-docs are merged into their parent
// once it is known they are wanted (see alternative).
type doc struct {
	blocks      []string  // body text, in order
	attachments []outPart // text attachments and re-encoded images
	parts       []int     // indices of the Report.Parts this doc added
	fromHTML    bool      // some body text was converted from HTML
	fromPlain   bool      // some body text came from text/plain
}

// outPart is an attachment of the output: UTF-8 text, or (data set) an
// image encoded anew.
type outPart struct {
	name      string
	text      string
	data      []byte
	mediaType string // for data: image/png or image/jpeg
}

func (d *doc) merge(o *doc) {
	d.blocks = append(d.blocks, o.blocks...)
	d.attachments = append(d.attachments, o.attachments...)
	d.parts = append(d.parts, o.parts...)
	d.fromHTML = d.fromHTML || o.fromHTML
	d.fromPlain = d.fromPlain || o.fromPlain
}

func (d *doc) text() string {
	return strings.TrimSpace(strings.Join(d.blocks, "\n\n"))
}

// run reads the message and renders it.
func (w *walker) run(src io.Reader) (*outMessage, error) {
	r := mimeparse.NewReader(src, mimeparse.Limits{
		MessageBytes: w.pol.Limits.MessageBytes,
		Depth:        w.pol.Limits.Depth,
		Parts:        w.pol.Limits.Parts,
		HeaderBytes:  w.pol.Limits.HeaderBytes,
		LineBytes:    w.pol.Limits.LineBytes,
		PartBytes:    w.pol.Limits.PartBytes,
		TotalBytes:   w.pol.Limits.TotalBytes,
	})
	root, err := r.Root()
	if root != nil && (err == nil || isAmbiguity(err)) {
		w.root = root
		w.carrier = senderCarrier(&root.Header)
	}
	defer func() { w.rep.Warnings = append(w.rep.Warnings, r.Warnings()...) }()
	if err != nil {
		return nil, err
	}
	d := &doc{}
	err = w.walk(d, root, true)
	w.rep.NearDelimiters = r.NearDelimiters()
	if err != nil {
		return nil, err
	}
	return w.compose(d), nil
}

func isAmbiguity(err error) bool {
	var ae *mimeparse.AmbiguityError
	return errors.As(err, &ae)
}

// addPart appends a PartReport for e and returns its index.
func (w *walker) addPart(d *doc, e *mimeparse.Entity, action Action) int {
	w.rep.Parts = append(w.rep.Parts, PartReport{
		Path:         e.Path,
		DeclaredType: e.ContentType.Value,
		Action:       action,
	})
	i := len(w.rep.Parts) - 1
	d.parts = append(d.parts, i)
	return i
}

// walk renders entity e into d. inline is false below an entity whose
// content can only be an attachment.
func (w *walker) walk(d *doc, e *mimeparse.Entity, inline bool) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	switch {
	case e.IsMultipart():
		if e != w.embedded || e.Path == "" {
			w.addPart(d, e, ActionContainer)
		}
		switch e.ContentType.Value {
		case "multipart/alternative":
			return w.alternative(d, e, inline)
		case "multipart/related":
			return w.related(d, e, inline)
		case "multipart/signed":
			return w.signed(d, e, inline)
		case "multipart/encrypted":
			w.dropOpaque(d, e, CauseEncryptedMessage)
			return nil
		}
		// mixed, digest, report, parallel and unknown subtypes, which
		// RFC 2046 §5.1.7 says to treat as mixed.
		return eachPart(e, func(c *mimeparse.Entity) error { return w.walk(d, c, inline) })
	case e.IsMessage():
		return w.message(d, e)
	}
	return w.leaf(d, e, inline)
}

// eachPart calls fn for every part of multipart e, in order.
func eachPart(e *mimeparse.Entity, fn func(*mimeparse.Entity) error) error {
	for {
		c, err := e.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
	}
}

// alternative renders every alternative and keeps the one the policy
// prefers (RFC 2046 §5.1.4: alternatives come in increasing faithfulness).
// Text attachments found in the others (a calendar invitation beside the
// text) are kept; their body text is not, and files they would have shown
// are named in the notice.
func (w *walker) alternative(d *doc, e *mimeparse.Entity, inline bool) error {
	var alts []*doc
	outer := w.skipAlternative
	defer func() { w.skipAlternative = outer }()
	err := eachPart(e, func(c *mimeparse.Entity) error {
		sub := &doc{}
		if err := w.walk(sub, c, inline); err != nil {
			return err
		}
		alts = append(alts, sub)
		if w.pol.Prefer == PreferText && sub.fromPlain && !sub.fromHTML && sub.text() != "" {
			// choose will take this plain text: converting the HTML
			// that follows would be work for nothing (a third of an HTML
			// newsletter's cost). Its attachments are still looked at.
			w.skipAlternative = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	chosen := w.choose(alts)
	for i, a := range alts {
		if i == chosen {
			d.merge(a)
			continue
		}
		w.skip(d, a)
	}
	return nil
}

// choose picks an alternative: with PreferText the first non-empty plain
// text one, else the last non-empty one (converted HTML); with PreferHTML
// the last non-empty HTML one, else the first non-empty plain one.
func (w *walker) choose(alts []*doc) int {
	firstPlain, lastHTML, lastAny := -1, -1, -1
	for i, a := range alts {
		if a.text() == "" {
			continue
		}
		lastAny = i
		if a.fromPlain && !a.fromHTML && firstPlain < 0 {
			firstPlain = i
		}
		if a.fromHTML {
			lastHTML = i
		}
	}
	order := []int{firstPlain, lastHTML}
	if w.pol.Prefer == PreferHTML {
		order = []int{lastHTML, firstPlain}
	}
	for _, i := range append(order, lastAny) {
		if i >= 0 {
			return i
		}
	}
	return len(alts) - 1
}

// skip folds an alternative that was not chosen into d: its body text is
// dropped (the chosen alternative says the same), its text attachments are
// kept. Its parts are marked, so the notice names only the files it held.
func (w *walker) skip(d *doc, a *doc) {
	for _, i := range a.parts {
		p := &w.rep.Parts[i]
		p.Unchosen = true
		if p.Action == ActionBody || p.Action == ActionBodyFromHTML {
			p.Action, p.Cause = ActionSkipped, CauseAlternative
		}
	}
	d.parts = append(d.parts, a.parts...)
	d.attachments = append(d.attachments, a.attachments...)
}

// related renders the root part of a multipart/related (RFC 2387 §3.2:
// the part named by the start parameter, else the first) as body and the
// rest — images and styles the HTML refers to — as resources.
func (w *walker) related(d *doc, e *mimeparse.Entity, inline bool) error {
	start := normalizeCID(e.ContentType.Params["start"])
	n := 0
	return eachPart(e, func(c *mimeparse.Entity) error {
		n++
		isRoot := (start == "" && n == 1) || (start != "" && normalizeCID(string(c.Header.Get("Content-ID"))) == start)
		if isRoot {
			return w.walk(d, c, inline)
		}
		sub := &doc{}
		if err := w.walk(sub, c, false); err != nil {
			return err
		}
		for _, i := range sub.parts {
			w.rep.Parts[i].Resource = true
		}
		d.merge(sub)
		return nil
	})
}

func normalizeCID(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "<")
	s = strings.TrimSuffix(s, ">")
	return strings.ToLower(s)
}

// signed renders the signed content of a multipart/signed (RFC 1847 §2.1)
// and removes the signature: it could not be verified on the other side,
// since the content is rebuilt.
func (w *walker) signed(d *doc, e *mimeparse.Entity, inline bool) error {
	n := 0
	return eachPart(e, func(c *mimeparse.Entity) error {
		n++
		if n == 1 {
			return w.walk(d, c, inline)
		}
		w.addPart(d, c, ActionSignatureRemoved)
		return nil
	})
}

// dropOpaque drops an entity that cannot be inspected (encrypted) without
// reading it; the enclosing reader skips its lines.
func (w *walker) dropOpaque(d *doc, e *mimeparse.Entity, cause Cause) {
	w.rep.Parts[w.addPart(d, e, ActionDropped)].Cause = cause
}

// message renders an encapsulated message (RFC 2046 §5.2.1) as a quoted
// "forwarded message" block with its decoded headers, sanitized like the
// outer message.
func (w *walker) message(d *doc, e *mimeparse.Entity) error {
	w.addPart(d, e, ActionContainer)
	inner, err := e.Message()
	if err != nil {
		return err
	}
	prev := w.embedded
	w.embedded = inner
	sub := &doc{}
	err = w.walk(sub, inner, true)
	w.embedded = prev
	if err != nil {
		return err
	}
	d.blocks = append(d.blocks, forwardBlock(w.pol.Language, forwardHeaders(&inner.Header), sub.text()))
	d.attachments = append(d.attachments, sub.attachments...)
	d.parts = append(d.parts, sub.parts...)
	d.fromPlain = d.fromPlain || sub.fromPlain || sub.fromHTML
	return nil
}

// forwardBlock formats a forwarded message: a heading, then its headers and
// body quoted with "> " (so nested forwards nest visibly).
func forwardBlock(lang Language, headers []string, body string) string {
	var b strings.Builder
	b.WriteString(msg(lang, msgForwarded))
	b.WriteByte('\n')
	for _, h := range headers {
		b.WriteString("> ")
		b.WriteString(h)
		b.WriteByte('\n')
	}
	b.WriteString(">\n")
	if body != "" {
		for _, line := range strings.Split(body, "\n") {
			if line == "" {
				b.WriteString(">\n")
				continue
			}
			b.WriteString("> ")
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
