package sanitize

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mugai/mugai/sanitize/flatten"
	"github.com/mugai/mugai/sanitize/htmltext"
	"github.com/mugai/mugai/sanitize/mimeparse"
	"github.com/mugai/mugai/sanitize/textclean"
)

// conversion is one run of the converter over a stream, with what was
// measured of the whole stream on the way: the part is hashed and
// counted whatever the converter read of it.
type conversion struct {
	res      *flatten.Result // nil when the converter did not run or err is set
	err      error           // the converter's: its context ended
	size     int64
	sum      string // hex SHA-256
	head     []byte // the first flatten.SniffBytes
	tooLarge bool   // longer than limits.convert_size: not converted
}

// runConverter hands r to the converter under ctx, at most
// limits.convert_size of it, and hashes and counts all of r. run false
// only measures r (no time is left to convert it). The error is a read
// error of r: the part could not be read, which fails the message.
func (w *walker) runConverter(ctx context.Context, in flatten.Input, r io.Reader, run bool) (conversion, error) {
	hash := sha256.New()
	head := &headWriter{max: flatten.SniffBytes}
	cr := &countingReader{r: io.TeeReader(r, io.MultiWriter(hash, head))}
	var c conversion
	if run {
		ctx, cancel := context.WithCancel(ctx)
		guard := &convertGuard{r: cr, left: w.pol.Limits.ConvertBytes, cancel: cancel}
		c.res, c.err = w.conv.Convert(ctx, in, guard, w.flattenOptions())
		cancel()
		c.tooLarge = guard.tripped
	}
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return conversion{}, err
	}
	c.size, c.sum, c.head = cr.n, hex.EncodeToString(hash.Sum(nil)), head.buf
	return c, nil
}

// checked is what the conversion's result may be trusted to say
// (verifyResult). A converter that stopped before it said what the file
// is gets its kind from the file's first bytes, so the notice says
// "PDF", not an unknown binary.
func (w *walker) checked(c conversion) *flatten.Result {
	res := verifyResult(c.res, w.pol.Limits.ImagePixels, 0)
	if res.Kind == flatten.KindUnknown && res.Action == flatten.ActionDrop && unfinished[res.Reason] {
		if k := flatten.Sniff(c.head); k != flatten.KindUnknown {
			res.Kind, res.MediaType = k, k.MediaType()
		}
	}
	return res
}

// convertPart hands a non-text part to the converter while hashing the
// same bytes, then renders what it became. A conversion that takes too
// long or would read too much costs the attachment, not the message.
//
// sent is set when r is not the part as sent but its decoded, cleaned
// text (see text): the converter reads that UTF-8 text, while the size
// and SHA-256 reported are those of sent, the part's decoded bytes, so
// that they identify the original.
func (w *walker) convertPart(d *doc, e *mimeparse.Entity, name, ct string, r io.Reader, sent []byte) error {
	in := flatten.Input{Name: name, DeclaredType: ct, Charset: e.ContentType.Params["charset"]}
	if sent != nil {
		in.Charset = "utf-8"
	}
	limit, ok := w.convertTime()
	ctx, cancel := context.WithTimeout(w.ctx, limit)
	c, err := w.runConverter(ctx, in, r, ok)
	cancel()
	if err != nil {
		return err
	}
	switch {
	case !ok:
		c.res = &flatten.Result{Kind: flatten.KindUnknown, Action: flatten.ActionDrop,
			Reason: flatten.ReasonTimeout, Detail: "not converted: the message's time limit was nearly used up"}
	case c.tooLarge:
		c.res = &flatten.Result{Kind: flatten.KindUnknown, Action: flatten.ActionDrop, Reason: flatten.ReasonTooLarge,
			Detail: fmt.Sprintf("larger than limits.convert_size (%d bytes)", w.pol.Limits.ConvertBytes)}
	case c.err != nil && w.ctx.Err() != nil:
		return w.ctx.Err()
	case c.err != nil:
		// Only the conversion's own time ran out: the attachment goes,
		// the message stays.
		c.res = &flatten.Result{Kind: flatten.KindUnknown, Action: flatten.ActionDrop,
			Reason: flatten.ReasonTimeout, Detail: c.err.Error()}
	}
	i := w.addPart(d, e, ActionDropped)
	w.rep.Parts[i].Filename = name
	if sent != nil {
		h := sha256.Sum256(sent)
		c.size, c.sum = int64(len(sent)), hex.EncodeToString(h[:])
	}
	w.rep.Parts[i].Size, w.rep.Parts[i].SHA256 = c.size, c.sum
	w.emitConverted(d, i, name, w.checked(c))
	return nil
}

// unfinished are the reasons of a conversion that ended before the
// converter reported the file's kind.
var unfinished = map[string]bool{
	flatten.ReasonTimeout: true, flatten.ReasonCrash: true, flatten.ReasonLimit: true, flatten.ReasonTooLarge: true,
}

// headWriter keeps the first max bytes written to it.
type headWriter struct {
	buf []byte
	max int
}

func (h *headWriter) Write(p []byte) (int, error) {
	if room := h.max - len(h.buf); room > 0 {
		h.buf = append(h.buf, p[:min(len(p), room)]...)
	}
	return len(p), nil
}

// errConvertSize is what a converter reads past limits.convert_size.
var errConvertSize = errors.New("attachment larger than limits.convert_size")

// convertGuard hands a converter at most left bytes of an attachment. A
// converter reads its whole file into memory (in its own process), so an
// attachment above the limit is not converted at all: at the first byte
// beyond it the guard cancels the conversion, which stops a converter
// process at once, and fails the read; the caller hashes the rest and
// drops the attachment as too large to convert. The relay's own memory
// does not depend on the limit: the attachment streams through.
type convertGuard struct {
	r       io.Reader
	left    int64
	cancel  context.CancelFunc
	tripped bool
}

func (g *convertGuard) Read(p []byte) (int, error) {
	if g.tripped {
		return 0, errConvertSize
	}
	// Ask for one byte more than allowed: getting it is the proof that
	// the attachment is too large.
	if int64(len(p)) > g.left+1 {
		p = p[:g.left+1]
	}
	n, err := g.r.Read(p)
	if int64(n) > g.left {
		g.tripped = true
		g.cancel()
		return 0, errConvertSize
	}
	g.left -= int64(n)
	return n, err
}

// convertTime is how long the next conversion may take: its own limit,
// cut so that it ends a second before the message's deadline. A message
// with many slow attachments thus loses the attachments that no longer
// fit (each named in the notice), not the whole message. ok is false
// when too little time is left to start one.
func (w *walker) convertTime() (time.Duration, bool) {
	limit := w.pol.Limits.ConvertTime
	if deadline, ok := w.ctx.Deadline(); ok {
		left := time.Until(deadline) - time.Second
		if left < time.Second {
			return 0, false
		}
		limit = min(limit, left)
	}
	return limit, true
}

// flattenOptions are the converter options the policy implies.
func (w *walker) flattenOptions() flatten.Options {
	l := w.pol.Limits
	return flatten.Options{
		ReencodeImages: w.pol.Images == ImagesReencode,
		Links:          htmlLinkMode(w.pol.Links),
		DropScripts:    w.pol.Scripts == ScriptsDrop,
		Limits: flatten.Limits{
			ArchiveDepth:   l.ArchiveDepth,
			ArchiveEntries: l.ArchiveEntries,
			ArchiveBytes:   l.ArchiveBytes,
			ArchiveRatio:   l.ArchiveRatio,
			ImagePixels:    l.ImagePixels,
			OutputBytes:    l.ConvertOutput,
			PDFPages:       l.PDFPages,
		},
	}
}

// emitConverted records what an attachment (or an archive member) became,
// from a result verifyResult checked: report entry i, whose name, size
// and SHA-256 are set, gets the outcome, and the text or image goes to
// the output. Members of a container follow, each with a report entry of
// its own. name is the file's name for people: an archive member's is
// the archive's name and the member's path.
func (w *walker) emitConverted(d *doc, i int, name string, res *flatten.Result) {
	p := &w.rep.Parts[i]
	p.SniffedType, p.Kind, p.Removed = res.MediaType, string(res.Kind), res.Removed
	p.Mismatch, p.Truncated = res.Mismatch, res.Truncated
	path, base := p.Path, attachmentBase(name, p.Entry)
	switch res.Action {
	case flatten.ActionText:
		p.Action = ActionConverted
		if w.pol.Flatten != FlattenInline {
			p.Output = attachmentName(base, "", path)
		}
		// A converter's U+FFFD is a character it could not read
		// (a PDF font without a Unicode map, a broken document).
		w.unreadable = w.unreadable || strings.Contains(res.Text, "\uFFFD")
		// cleanText may add report entries: p is not used after it.
		text := w.cleanText(d, i, name, res.Text)
		if out := w.rep.Parts[i].Output; out != "" {
			d.attachments = append(d.attachments, outPart{name: out, text: text})
		} else {
			d.blocks = append(d.blocks, flattenHeading(w.pol.Language, name)+"\n"+text)
		}
	case flatten.ActionImage:
		p.Action, p.Output = ActionReencoded, imageName(base, res.ImageType)
		d.attachments = append(d.attachments, outPart{name: p.Output, data: res.Image, mediaType: res.ImageType})
	case flatten.ActionContainer:
		p.Action, p.Members = ActionExpanded, len(res.Entries)
		entry := p.Entry
		for _, m := range res.Entries {
			memberPath := m.Path
			if entry != "" {
				memberPath = entry + "/" + m.Path
			}
			w.rep.Parts = append(w.rep.Parts, PartReport{Path: path, Entry: memberPath,
				Filename: textclean.Filename(m.Path), Size: m.Size, SHA256: m.SHA256, Action: ActionDropped})
			j := len(w.rep.Parts) - 1
			d.parts = append(d.parts, j)
			w.emitConverted(d, j, name+"/"+m.Path, m.Result)
		}
	default:
		p.Action, p.Cause, p.Reason = ActionDropped, Cause(res.Reason), res.Detail
	}
}

// cleanText puts converted text through what every text gets: control
// and bidi characters removed, encoded binaries cut, links per policy.
// The changes are reported on part i, named name in the notice.
func (w *walker) cleanText(d *doc, i int, name, s string) string {
	s = textclean.Text(s)
	s = w.cutPayloads(d, w.rep.Parts[i].Path, s)
	return w.textLinks(i, s)
}

// textLinks makes the addresses in text follow the link policy, as links
// of an HTML body do: under keep only the unsafe ones (javascript:,
// file:, UNC paths, ...) are changed, under defang and remove every one a
// mail client would make a link of. They are counted on part i.
func (w *walker) textLinks(i int, s string) string {
	var n int
	if w.pol.Links == LinksKeep {
		s, n = htmltext.NeutralizeText(s)
	} else {
		s, n = htmltext.DefangText(s)
	}
	w.rep.Parts[i].URLsChanged += n
	return s
}
