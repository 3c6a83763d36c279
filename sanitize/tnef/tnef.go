package tnef

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/mugai/mugai/sanitize/charset"
	"github.com/mugai/mugai/sanitize/textclean"
)

// Message is the content of a TNEF stream.
type Message struct {
	Subject  string // attSubject or PidTagSubject, one clean line of UTF-8
	BodyText string // attBody or PidTagBody, clean UTF-8 text
	BodyHTML []byte // PidTagHtml / PidTagBodyHtml as sent; the caller converts it
	// HTMLCharset is the charset label for BodyHTML when its markup
	// declares none: from PidTagInternetCodepage (or the message code
	// page), "utf-8" when the property was Unicode, "" when unknown.
	HTMLCharset string
	BodyRTF     []byte // PidTagRtfCompressed, decompressed (MS-OXRTFCP)
	Attachments []Attachment
}

// Attachment is one attached file, or one attached Outlook item.
type Attachment struct {
	// Name is PidTagAttachLongFilename, else attAttachTitle, else
	// PidTagAttachFilename, else PidTagDisplayName, decoded and cleaned
	// with textclean.Filename; "" if there is none.
	Name string
	// Data is attAttachData, else PidTagAttachDataBinary, else the data of
	// PidTagAttachDataObject after its interface ID (an OLE compound file
	// for attach method 6). It is a copy, not a slice of the input, and
	// nil when the attachment carries no data (attached by reference).
	Data []byte
	// MIMEType is PidTagAttachMimeTag as the sender's Outlook wrote it: a
	// claim, for the caller to check against the data.
	MIMEType string
	// Message is set for an attached Outlook item (attach method 5) whose
	// data object is a TNEF stream; Data is nil then.
	Message *Message
}

// Defaults for the zero fields of Limits.
const (
	DefaultAttachments = 500
	DefaultTotalBytes  = 100 << 20
	DefaultDepth       = 4
)

// Limits bound what Decode produces. A zero or negative field takes its
// default.
type Limits struct {
	Attachments int   // most attachments, nested messages' included (default 500)
	TotalBytes  int64 // most bytes of bodies and attachment data in all (default 100 MiB)
	Depth       int   // deepest nesting of attached TNEF messages; the top is 1 (default 4)
}

func (l Limits) withDefaults() Limits {
	if l.Attachments <= 0 {
		l.Attachments = DefaultAttachments
	}
	if l.TotalBytes <= 0 {
		l.TotalBytes = DefaultTotalBytes
	}
	if l.Depth <= 0 {
		l.Depth = DefaultDepth
	}
	return l
}

// ErrNotTNEF is returned when data does not start with the TNEF signature
// (a file named winmail.dat that is something else, for example).
var ErrNotTNEF = errors.New("tnef: not a TNEF stream (no 0x223E9F78 signature)")

// FormatError reports a damaged stream: a length that runs past the data,
// an unknown attribute level, a malformed property list.
type FormatError struct {
	// Offset is the byte offset of the damage in the outermost stream, or
	// in the attached message that Reason starts by naming.
	Offset int64
	Reason string // one line of English
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("tnef: damaged stream at offset %d: %s", e.Offset, e.Reason)
}

// LimitError reports that the stream passed one of the Limits.
type LimitError struct {
	What  string // "attachments", "total size" or "nesting depth"
	Limit int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("tnef: %s exceeds the limit of %d", e.What, e.Limit)
}

// Decode reads the TNEF stream in data.
//
// It returns ErrNotTNEF when the signature is missing, a *LimitError (and
// no message) when a limit is passed, and a *FormatError when the stream is
// damaged; with a FormatError the returned message holds what could still
// be decoded (everything before broken framing, everything around a
// malformed property list), which a caller that fails closed ignores, and
// one that lists what it removed can use for names. Bytes after
// the last attribute that are too few to be one (a newline added in
// transit) are ignored.
func Decode(data []byte, lim Limits) (*Message, error) {
	d := &decoder{lim: lim.withDefaults()}
	m, err := d.decode(data, 1, "")
	if err != nil {
		return nil, err
	}
	if d.damage != nil {
		return m, d.damage
	}
	return m, nil
}

// decoder carries the limits and the budget shared by nested messages.
type decoder struct {
	lim         Limits
	attachments int
	used        int64
	damage      *FormatError // the first damage found, anywhere
}

func (d *decoder) damaged(off int, where, format string, args ...any) {
	if d.damage == nil {
		d.damage = &FormatError{Offset: int64(off), Reason: where + fmt.Sprintf(format, args...)}
	}
}

// TNEF stream constants (MS-OXTNEF §2.1.3.1, §2.1.3.3). Attribute IDs are
// compared without their type word (the high 16 bits), which writers do
// not always get right.
const (
	signature = 0x223E9F78

	levelMessage    = 0x01
	levelAttachment = 0x02

	attSubject        = 0x8004
	attBody           = 0x800C
	attAttachData     = 0x800F
	attAttachTitle    = 0x8010
	attAttachRendData = 0x9002
	attMsgProps       = 0x9003
	attAttachment     = 0x9005
	attOemCodepage    = 0x9007

	attrHeader   = 9 // level (1), ID (4), length (4)
	attrChecksum = 2
)

// rawMessage collects what the stream says before strings are decoded: the
// code page may come after the strings that need it.
type rawMessage struct {
	oemCP, messageCP, internetCP uint32
	subject, body, html          text
	rtf                          []byte
	attachments                  []*rawAttachment
}

type rawAttachment struct {
	title, longName, fileName, displayName, mime text
	attachData, dataBin, dataObj                 []byte
	hasAttachData                                bool
}

// text is a string property in its raw form: UTF-16LE for Unicode
// properties, else bytes in the message code page.
type text struct {
	raw     []byte
	unicode bool
	set     bool
}

func (t *text) setOnce(raw []byte, unicode bool) {
	// A Unicode value wins over a code page one for the same property
	// (Outlook sends both for compatibility); otherwise the first one.
	if t.set && (t.unicode || !unicode) {
		return
	}
	*t = text{raw: raw, unicode: unicode, set: true}
}

// decode parses one stream. where is "" for the outermost stream and names
// the attached message otherwise, for error messages. Damage is recorded
// in d.damage: broken attribute framing ends the stream (the result holds
// what came before it); a malformed property list loses only the rest of
// its own attribute, whose length is still known.
func (d *decoder) decode(data []byte, depth int, where string) (*Message, error) {
	if depth > d.lim.Depth {
		return nil, &LimitError{What: "nesting depth", Limit: int64(d.lim.Depth)}
	}
	if len(data) < 6 || binary.LittleEndian.Uint32(data) != signature {
		return nil, ErrNotTNEF
	}
	var rm rawMessage
	var cur *rawAttachment
	// The legacy key (2 bytes) after the signature is not used.
	for off := 6; off < len(data); {
		if len(data)-off < attrHeader+attrChecksum {
			break // trailing bytes too short for an attribute
		}
		level := data[off]
		id := binary.LittleEndian.Uint32(data[off+1:]) & 0xffff
		n := int64(binary.LittleEndian.Uint32(data[off+5:]))
		if level != levelMessage && level != levelAttachment {
			d.damaged(off, where, "attribute level 0x%02x", level)
			break
		}
		if rest := int64(len(data) - off - attrHeader - attrChecksum); n > rest {
			d.damaged(off, where, "attribute 0x%04x declares %d bytes, %d left", id, n, rest)
			break
		}
		start := off + attrHeader
		val := data[start : start+int(n)]
		off = start + int(n) + attrChecksum

		if level == levelAttachment {
			if id == attAttachRendData || cur == nil {
				// attAttachRendData starts every attachment (§2.1.3.2); an
				// attachment attribute without one starts one too.
				if d.attachments >= d.lim.Attachments {
					return nil, &LimitError{What: "attachments", Limit: int64(d.lim.Attachments)}
				}
				d.attachments++
				cur = &rawAttachment{}
				rm.attachments = append(rm.attachments, cur)
			}
			switch id {
			case attAttachTitle:
				cur.title.setOnce(trimNUL(val), false)
			case attAttachData:
				cur.attachData, cur.hasAttachData = val, true
			case attAttachment:
				if err := parseProps(val, cur.apply); err != nil {
					d.damaged(start+err.off, where, "attAttachment: %s", err.reason)
				}
			}
		} else {
			switch id {
			case attOemCodepage:
				// Two DWORDs, the primary and secondary code page.
				if len(val) >= 4 {
					rm.oemCP = binary.LittleEndian.Uint32(val)
				}
			case attSubject:
				rm.subject.setOnce(trimNUL(val), false)
			case attBody:
				rm.body.setOnce(trimNUL(val), false)
			case attMsgProps:
				if err := parseProps(val, rm.apply); err != nil {
					d.damaged(start+err.off, where, "attMsgProps: %s", err.reason)
				}
			}
		}
	}
	return d.finish(&rm, depth)
}

// finish decodes strings, decompresses the RTF body and builds the result,
// counting every byte it keeps against TotalBytes.
func (d *decoder) finish(rm *rawMessage, depth int) (*Message, error) {
	label := codepageLabel(rm.oemCP)
	if label == "" {
		label = codepageLabel(rm.messageCP)
	}
	if label == "" {
		label = codepageLabel(rm.internetCP)
	}
	m := &Message{
		Subject:  textclean.Line(rm.subject.decode(label)),
		BodyText: textclean.Text(rm.body.decode(label)),
	}
	if err := d.spend(int64(len(m.BodyText))); err != nil {
		return nil, err
	}
	if rm.html.set {
		if rm.html.unicode {
			m.BodyHTML, m.HTMLCharset = []byte(rm.html.decode("")), "utf-8"
		} else {
			m.BodyHTML = bytes.Clone(rm.html.raw)
			if m.HTMLCharset = codepageLabel(rm.internetCP); m.HTMLCharset == "" {
				m.HTMLCharset = label
			}
		}
		if err := d.spend(int64(len(m.BodyHTML))); err != nil {
			return nil, err
		}
	}
	if rm.rtf != nil {
		rtf, err := decompressRTF(rm.rtf, d.lim.TotalBytes-d.used)
		if err != nil {
			var le *LimitError
			if errors.As(err, &le) {
				le.Limit = d.lim.TotalBytes
				return nil, le
			}
			// A damaged RTF body loses only itself.
		} else {
			m.BodyRTF = rtf
			if err := d.spend(int64(len(rtf))); err != nil {
				return nil, err
			}
		}
	}
	for _, ra := range rm.attachments {
		a, err := d.attachment(ra, label, depth)
		if err != nil {
			return nil, err
		}
		m.Attachments = append(m.Attachments, a)
	}
	return m, nil
}

func (d *decoder) attachment(ra *rawAttachment, label string, depth int) (Attachment, error) {
	var a Attachment
	for _, t := range []text{ra.longName, ra.title, ra.fileName, ra.displayName} {
		if a.Name = textclean.Filename(t.decode(label)); a.Name != "" {
			break
		}
	}
	a.MIMEType = textclean.Line(ra.mime.decode(label))
	// PtypObject values start with the interface ID (IID_IMessage for an
	// attached item, IID_IStorage for an OLE object).
	var obj []byte
	if len(ra.dataObj) >= 16 {
		obj = ra.dataObj[16:]
	}
	if len(obj) >= 6 && binary.LittleEndian.Uint32(obj) == signature {
		// An attached Outlook item is a TNEF stream of its own
		// (MS-OXTNEF §2.1.3.4, PidTagAttachDataObject). attAttachData then
		// holds only Exchange's placeholder ("This attachment is a MAPI 1.0
		// embedded message ..."). Offsets in its errors are relative to its
		// own start.
		where := "attached message"
		if a.Name != "" {
			where += fmt.Sprintf(" %q", a.Name)
		}
		sub, err := d.decode(obj, depth+1, where+": ")
		if err != nil {
			return a, err
		}
		a.Message = sub
		// attAttachTitle of an attached item is "Untitled Attachment";
		// its display name or subject says what it is.
		for _, n := range []string{ra.displayName.decode(label), sub.Subject, a.Name} {
			if a.Name = textclean.Filename(n); a.Name != "" {
				break
			}
		}
		return a, nil
	}
	var data []byte
	switch {
	case len(ra.attachData) > 0:
		data = ra.attachData
	case ra.dataBin != nil:
		data = ra.dataBin
	case obj != nil:
		data = obj
	case ra.hasAttachData:
		data = ra.attachData
	}
	if data != nil {
		if err := d.spend(int64(len(data))); err != nil {
			return a, err
		}
		a.Data = bytes.Clone(data)
	}
	return a, nil
}

func (d *decoder) spend(n int64) error {
	d.used += n
	if d.used > d.lim.TotalBytes {
		return &LimitError{What: "total size", Limit: d.lim.TotalBytes}
	}
	return nil
}

// decode returns t as UTF-8 (not yet cleaned).
func (t text) decode(label string) string {
	if !t.set || len(t.raw) == 0 {
		return ""
	}
	if t.unicode {
		s, _ := charset.Decode(trimNUL16(t.raw), "utf-16le")
		return s
	}
	s, _ := charset.Decode(t.raw, label)
	return strings.TrimRight(s, "\x00")
}

// trimNUL removes the terminating NULs of a code page string.
func trimNUL(b []byte) []byte {
	return bytes.TrimRight(b, "\x00")
}

// trimNUL16 removes terminating UTF-16 NULs (and an odd trailing byte).
func trimNUL16(b []byte) []byte {
	b = b[:len(b)&^1]
	for len(b) >= 2 && b[len(b)-1] == 0 && b[len(b)-2] == 0 {
		b = b[:len(b)-2]
	}
	return b
}
