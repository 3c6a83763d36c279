package sanitize

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	rep := &Report{Parts: []PartReport{}}
	ctx, cancel := context.WithTimeout(ctx, pol.Limits.Time)
	defer cancel()
	w := newWalker(ctx, &pol, s.conv, rep)
	hash := sha256.New()
	cr := &countingReader{r: io.TeeReader(io.LimitReader(r, pol.Limits.PartBytes+1), hash)}
	cctx, ccancel := context.WithCancel(ctx)
	guard := &convertGuard{r: cr, left: pol.Limits.ConvertBytes, cancel: ccancel}
	res, err := s.conv.Convert(cctx, flatten.Input{Name: name}, guard, w.flattenOptions())
	ccancel()
	if _, derr := io.Copy(io.Discard, cr); derr != nil && err == nil {
		err = derr
	}
	rep.InputBytes = cr.n
	switch {
	case cr.n > pol.Limits.PartBytes:
		return nil, newReject(KindLimit, "the file exceeds limits.part_size")
	case guard.tripped:
		return nil, newReject(KindLimit, "the file exceeds limits.convert_size")
	case err != nil && ctx.Err() != nil:
		return nil, newReject(KindLimit, "converting the file took longer than the limit")
	case err != nil:
		return nil, err
	}
	res = verifyResult(res, pol.Limits.ImagePixels, 0)
	d := &doc{}
	rep.Parts = append(rep.Parts, PartReport{Filename: name})
	w.emitConverted(d, 0, name, "", cr.n, hex.EncodeToString(hash.Sum(nil)), res, "")

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
		rej := newReject(KindPolicy, reason)
		rep.Rejected = &Rejection{Kind: rej.Kind, Reason: rej.Reason}
		return out, rej
	case len(texts) == 1 && res.Action != flatten.ActionContainer:
		out.Text = texts[0].text
	default:
		var b strings.Builder
		if notice := renderNotice(pol.Language, pol.Links, d.items); notice != "" {
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
