package sanitize

import (
	"slices"
	"strings"

	"github.com/mugai/mugai/sanitize/textclean"
)

// MessageOptions are what the caller adds to one message (MessageWith,
// Quarantine); the zero value adds nothing (Message and MessageContext).
type MessageOptions struct {
	// Additions, when set, is called once per message, when the
	// sanitizer knows the addresses the rebuilt From field will show and
	// before anything is written. authors are those addresses, in order
	// (none when the output has no From field); what it returns goes into
	// the output. The relay uses it to check that the From it
	// authenticated is the From the reader sees (sanitize salvages
	// broken fields that a strict reader refuses), and to add the
	// results: a callback rather than fixed values because they depend on
	// that check.
	Additions func(authors []string) Additions
	// Held says that the original is kept (see Held); nil: it is not.
	// The notice then ends with its line about the original, a message
	// that fails closed under OutcomeQuarantine is quarantined instead of
	// refused, and the Additions may hold the message back (Hold).
	Held *Held
}

// Additions are header fields, notice lines and subject tags added to one
// rebuilt message: plain text, which the sanitizer cleans and encodes like
// any other (no line break, control or bidi character survives).
type Additions struct {
	// Fields are header fields written first, in order, before the
	// rebuilt ones (trace fields such as Authentication-Results belong at
	// the top, RFC 8601 §5). A field whose name is not a plain field name,
	// or one the sanitizer writes itself (isWritten), is left out.
	Fields []Field
	// Notice are lines put first in the notice, each on its own line, in
	// the policy's language already; a message without other changes
	// then gets a notice too.
	Notice []string
	// SubjectTags go before the subject, in order, each only when the
	// subject does not hold it yet (a reply to a tagged message keeps one
	// tag, not one per round trip). A message without Subject gets one.
	SubjectTags []string
	// Hold, when set, holds the message back after all (the relay: the
	// From the output shows failed the check the original passed, under
	// auth.on_fail: quarantine): the quarantine notice for Hold is
	// written instead of the rebuild, as Quarantine writes it, with the
	// other additions. Without a kept original (MessageOptions.Held)
	// nothing is written and MessageWith returns ErrNotHeld.
	Hold *QuarantineReason
}

// Field is one header field: a name and an unstructured value.
type Field struct {
	Name, Value string
}

// maxAdditionalFields bounds the fields one message gets added.
const maxAdditionalFields = 10

// addFields puts the additions' fields before header: names checked,
// values made one clean line and encoded if they are not ASCII.
func addFields(header []field, add []Field) []field {
	var out []field
	for _, f := range add {
		if len(out) == maxAdditionalFields {
			break
		}
		name := canonicalName(f.Name)
		v := textclean.Line(f.Value)
		if !isFieldName(name) || isWritten(name) || v == "" {
			continue
		}
		out = append(out, field{name, encodeText(v)})
	}
	return append(out, header...)
}

// isFieldName accepts RFC 5322 §3.6.8 field names: printable ASCII but
// the colon, at most 76 characters so the name fits a line.
func isFieldName(name string) bool {
	if name == "" || len(name) > 76 {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

// tagSubject puts each tag not yet in subject before it.
func tagSubject(subject string, tags []string) string {
	var add []string
	for _, t := range tags {
		t = textclean.Line(t)
		if t != "" && !strings.Contains(subject, t) && !slices.Contains(add, t) {
			add = append(add, t)
		}
	}
	if len(add) == 0 {
		return subject
	}
	if subject == "" {
		return strings.Join(add, " ")
	}
	return strings.Join(add, " ") + " " + subject
}

// applySubjectTags rewrites the Subject field of header with the tags,
// or adds one after the others when there was none.
func (w *walker) applySubjectTags(header []field, tags []string) []field {
	if len(tags) == 0 {
		return header
	}
	for i, f := range header {
		if f.name == "Subject" {
			header[i].value = encodeText(tagSubject(w.subject, tags))
			return header
		}
	}
	return append(header, field{"Subject", encodeText(tagSubject("", tags))})
}

// header rebuilds the top-level header and applies the caller's
// additions; it returns the notice lines they add.
func (w *walker) header() ([]field, []string) {
	header := w.rebuildHeaders(&w.root.Header)
	return w.withAdditions(header)
}

// withAdditions applies the caller's additions to an output header
// (rebuilt, or of the envelope sender's): the subject tags and the
// fields; it returns the notice lines they add. The caller's function is
// called the first time, with the authors the last rebuild found.
func (w *walker) withAdditions(header []field) ([]field, []string) {
	if w.opts.Additions == nil {
		return header, nil
	}
	if w.add == nil {
		add := w.opts.Additions(append([]string(nil), w.authors...))
		w.add = &add
	}
	header = w.applySubjectTags(header, w.add.SubjectTags)
	var lines []string
	for _, l := range w.add.Notice {
		if l = textclean.Line(l); l != "" {
			lines = append(lines, l)
		}
	}
	return addFields(header, w.add.Fields), lines
}

// hold is the reason the caller's additions hold the message back, nil
// when they do not (or were not asked).
func (w *walker) hold() *QuarantineReason {
	if w.add == nil {
		return nil
	}
	return w.add.Hold
}
