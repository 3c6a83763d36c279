package metrics

import (
	"errors"

	"github.com/mugai/mugai/sanitize"
	"github.com/mugai/mugai/sanitize/mediatype"
)

// ObserveReport records what the sanitizer did to one message. rep and err
// are what Sanitizer.Message returned: rep may be nil when it failed early,
// err is a *sanitize.RejectError when the policy refused the message.
// The filter adapter calls it once per sanitized message; smtpd's
// MessageDone counts the message itself.
func (m *Metrics) ObserveReport(rep *sanitize.Report, err error) {
	var rej *sanitize.RejectError
	switch {
	case errors.As(err, &rej):
		m.sanitized.WithLabelValues("rejected", rejectKind(rej.Kind)).Inc()
	case err != nil:
		// A timeout, an I/O error: the message is deferred (451), not
		// judged.
		m.sanitized.WithLabelValues("failed", "").Inc()
	case rep != nil && rep.Rejected != nil && rep.Rejected.Quarantined:
		m.sanitized.WithLabelValues("quarantined", rejectKind(rep.Rejected.Kind)).Inc()
	case rep != nil && rep.Rejected != nil:
		m.sanitized.WithLabelValues("replaced", rejectKind(rep.Rejected.Kind)).Inc()
	default:
		m.sanitized.WithLabelValues("sanitized", "").Inc()
	}
	if rep == nil {
		return
	}
	if rep.HTMLConverted {
		m.actions.WithLabelValues("html-to-text", "html").Inc()
	}
	if n := rep.LinksChanged(); n > 0 {
		m.actions.WithLabelValues("links-changed", "html").Add(float64(n))
	}
	for i := range rep.Parts {
		p := &rep.Parts[i]
		if p.CharsetGuessed {
			m.actions.WithLabelValues("charset-guessed", "text").Inc()
		}
		switch p.Action {
		case sanitize.ActionContainer, sanitize.ActionBody, sanitize.ActionBodyFromHTML, sanitize.ActionSkipped:
			// Structure and body text kept as they are: not a change
			// an operator counts (html-to-text covers HTML bodies).
		case sanitize.ActionPayloadRemoved:
			// The payload's encoding (uuencode, binhex, ...) says more
			// than its type.
			m.actions.WithLabelValues(string(p.Action), payloadKind(p.Encoding)).Inc()
		default:
			// The Action words come from the sanitizer's code, a
			// bounded set; a new one (a converter's) is counted
			// without a change here.
			m.actions.WithLabelValues(string(p.Action), TypeClass(p.Type())).Inc()
		}
	}
}

// rejectKind bounds a rejection kind to the documented ones.
func rejectKind(k sanitize.RejectKind) string {
	if k.Known() {
		return string(k)
	}
	return "other"
}

// payloadKind bounds a payload encoding to sanitize/payload's kinds.
func payloadKind(k string) string {
	switch k {
	case "uuencode", "binhex", "yenc", "base64", "eicar", "hex", "base32", "ascii85", "too-many":
		return k
	}
	return "other"
}

// TypeClass folds a media type into one of a few classes for a metric
// label (package mediatype's table): pdf, office, archive, executable,
// script, html, text, image, media, message, crypto, other, or unknown
// for "". A declared type is whatever the sender wrote, so it must never
// be a label value as is.
func TypeClass(mediaType string) string {
	return string(mediatype.ClassOf(mediaType))
}
