package sanitize

import (
	"context"
	"io"
	"strings"

	"github.com/mugai/mugai/sanitize/flatten"
)

// FileResult is the safe form of one file.
type FileResult struct {
	// Text is the file's content as UTF-8 text ("\n" line ends), cleaned,
	// scanned and with links per policy, when the file became text. For an
	// archive it holds every member's text, each under a heading, after a
	// notice of what was converted or removed.
	Text string
	// Image and ImageType hold a re-encoded image instead.
	Image     []byte
	ImageType string
	// Report describes the file (and its members) like a message's parts.
	Report *Report
}

// File sanitizes one file for transfer between zones: the same
// converters as for attachments, in the same isolation. A file that
// cannot be made safe at all is a *RejectError (kind "policy", 554 5.7.1)
// saying why; nothing is returned for it.
func (s *Sanitizer) File(ctx context.Context, name string, r io.Reader) (*FileResult, error) {
	pol := s.policy
	pol.Flatten = FlattenAttach // one file in, one content out
	rep := newReport()
	ctx, cancel := context.WithTimeout(ctx, pol.Limits.Time)
	defer cancel()
	w := newWalker(ctx, &pol, s.conv, rep, MessageOptions{})
	c, err := w.runConverter(ctx, flatten.Input{Name: name}, io.LimitReader(r, pol.Limits.PartBytes+1), true)
	if err != nil {
		return nil, err
	}
	rep.InputBytes = c.size
	switch {
	case c.size > pol.Limits.PartBytes:
		return nil, newReject(RejectLimit, LimitPartSize, "the file exceeds limits.part_size")
	case c.tooLarge:
		return nil, newReject(RejectLimit, LimitConvertSize, "the file exceeds limits.convert_size")
	case c.err != nil && ctx.Err() != nil:
		return nil, newReject(RejectLimit, LimitTime, "converting the file took longer than the limit")
	case c.err != nil:
		return nil, c.err
	}
	d := &doc{}
	rep.Parts = append(rep.Parts, PartReport{Filename: name, Size: c.size, SHA256: c.sum})
	res := w.checked(c)
	w.emitConverted(d, 0, name, res)

	out := &FileResult{Report: rep}
	var texts []outPart
	for _, a := range d.attachments {
		if a.data != nil && len(d.attachments) == 1 {
			out.Image, out.ImageType = a.data, a.mediaType
			return out, nil
		}
		if a.data == nil {
			texts = append(texts, a)
		}
	}
	switch {
	case len(texts) == 0:
		reason := "the file cannot be made safe"
		if res.Reason != "" {
			reason += " (" + res.Reason + ")"
		}
		rej := newReject(RejectPolicy, "", reason)
		rep.Rejected = rej.rejection()
		return out, rej
	case len(texts) == 1 && res.Action != flatten.ActionContainer:
		out.Text = texts[0].text
	default:
		var b strings.Builder
		if notice := renderNotice(&pol, nil, noticeItems(rep)); notice != "" {
			b.WriteString(notice)
			b.WriteString("\n" + noticeSeparator + "\n")
		}
		for _, t := range texts {
			b.WriteString("\n==== " + t.name + " ====\n")
			b.WriteString(t.text)
			b.WriteString("\n")
		}
		out.Text = b.String()
	}
	return out, nil
}
