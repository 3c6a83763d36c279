package fuzz

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/mugai/mugai/sanitize/charset"
	"github.com/mugai/mugai/sanitize/flatten"
	"github.com/mugai/mugai/sanitize/textclean"
	"github.com/mugai/mugai/sanitize/tnef"
)

// TNEF stream layout (MS-OXTNEF §2.1.3): the signature, a legacy key,
// then attributes of a level, an ID whose high word is the type, a
// length, the data and a 16-bit sum of the data.
const (
	tnefSignature = 0x223E9F78
	tnefMessage   = 0x01
	tnefAttach    = 0x02

	attOemCodepage    = 0x00069007
	attSubject        = 0x00018004
	attBody           = 0x0002800C
	attMsgProps       = 0x00069003
	attAttachRendData = 0x00069002
	attAttachTitle    = 0x00018010
	attAttachData     = 0x0006800F
	attAttachment     = 0x00069005
)

// MAPI property types and IDs (MS-OXCDATA §2.11.1, MS-OXPROPS).
const (
	ptLong    = 0x0003
	ptObject  = 0x000D
	ptString8 = 0x001E
	ptUnicode = 0x001F
	ptBinary  = 0x0102

	pidSubject          = 0x0037
	pidBody             = 0x1000
	pidRTFCompressed    = 0x1009
	pidHTML             = 0x1013
	pidAttachData       = 0x3701
	pidAttachMethod     = 0x3705
	pidAttachLongName   = 0x3707
	pidAttachMimeTag    = 0x370E
	pidInternetCodepage = 0x3FDE
)

type tnefStream struct{ bytes.Buffer }

func newTNEF() *tnefStream {
	s := &tnefStream{}
	s.Write(binary.LittleEndian.AppendUint32(nil, tnefSignature))
	s.Write([]byte{0x01, 0x00})
	return s
}

func (s *tnefStream) attr(level byte, id uint32, data []byte) *tnefStream {
	s.WriteByte(level)
	s.Write(binary.LittleEndian.AppendUint32(nil, id))
	s.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(data))))
	s.Write(data)
	var sum uint16
	for _, b := range data {
		sum += uint16(b)
	}
	s.Write(binary.LittleEndian.AppendUint16(nil, sum))
	return s
}

// attachment writes the attributes of one attachment: the rendering data
// that opens it, then its title, data and property list when given.
func (s *tnefStream) attachment(title string, data, props []byte) *tnefStream {
	s.attr(tnefAttach, attAttachRendData, make([]byte, 14))
	if title != "" {
		s.attr(tnefAttach, attAttachTitle, append([]byte(title), 0))
	}
	if data != nil {
		s.attr(tnefAttach, attAttachData, data)
	}
	if props != nil {
		s.attr(tnefAttach, attAttachment, props)
	}
	return s
}

// mapiProps is a property list (MS-OXTNEF §2.1.3.4): a count, then each
// property's tag and value, variable-size values as one counted, padded
// blob.
type mapiProps struct {
	buf bytes.Buffer
	n   uint32
}

func (p *mapiProps) tag(typ, id uint16) {
	p.buf.Write(binary.LittleEndian.AppendUint16(nil, typ))
	p.buf.Write(binary.LittleEndian.AppendUint16(nil, id))
	p.n++
}

func (p *mapiProps) blob(typ, id uint16, b []byte) *mapiProps {
	p.tag(typ, id)
	p.buf.Write(binary.LittleEndian.AppendUint32(nil, 1))
	p.buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(b))))
	p.buf.Write(b)
	p.buf.Write(make([]byte, (4-len(b)%4)%4))
	return p
}

func (p *mapiProps) long(id uint16, v uint32) *mapiProps {
	p.tag(ptLong, id)
	p.buf.Write(binary.LittleEndian.AppendUint32(nil, v))
	return p
}

func (p *mapiProps) unicode(id uint16, s string) *mapiProps {
	var b []byte
	for _, u := range utf16.Encode([]rune(s + "\x00")) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return p.blob(ptUnicode, id, b)
}

func (p *mapiProps) bytes() []byte {
	return append(binary.LittleEndian.AppendUint32(nil, p.n), p.buf.Bytes()...)
}

// lzfuLiterals writes raw as MS-OXRTFCP compressed RTF made of literals
// only, closed by the end marker (a reference to the write position,
// which starts after the 207-byte initial dictionary).
func lzfuLiterals(raw []byte) []byte {
	const dictLen = 207
	var out []byte
	for i := 0; i < len(raw); i += 8 {
		out = append(out, 0)
		out = append(out, raw[i:min(i+8, len(raw))]...)
	}
	w := (dictLen + len(raw)) & 0xfff
	if len(raw)%8 == 0 {
		out = append(out, 0x01)
	} else {
		// The marker takes the next free bit of the last control byte.
		out[len(out)-1-len(raw)%8] |= 1 << (len(raw) % 8)
	}
	out = binary.BigEndian.AppendUint16(out, uint16(w<<4))
	hdr := binary.LittleEndian.AppendUint32(nil, uint32(len(out)+12))
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(len(raw)))
	hdr = binary.LittleEndian.AppendUint32(hdr, 0x75465A4C) // "LZFu"
	hdr = binary.LittleEndian.AppendUint32(hdr, 0)          // CRC, not checked
	return append(hdr, out...)
}

// iidMessage is IID_IMessage as PidTagAttachDataObject starts with it for
// an attached Outlook item.
var iidMessage = []byte{0x07, 0x03, 0x02, 0x00, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46}

func tnefSeeds(tb testing.TB) [][]byte {
	var att mapiProps
	att.unicode(pidAttachLongName, "長い名前\u202etxt.pdf").
		blob(ptString8, pidAttachMimeTag, []byte("application/pdf\x00")).long(pidAttachMethod, 1)
	var msg mapiProps
	msg.unicode(pidSubject, "件名").blob(ptBinary, pidHTML, []byte("<p>本文 <a href=\"https://example.jp/\">x</a></p>")).
		long(pidInternetCodepage, 932).blob(ptBinary, pidRTFCompressed, lzfuLiterals([]byte(`{\rtf1\ansi hello {\b bold}\par}`)))
	inner := newTNEF().attr(tnefMessage, attSubject, []byte("inner\x00")).
		attr(tnefMessage, attBody, []byte("inner body")).Bytes()
	var emb mapiProps
	emb.long(pidAttachMethod, 5).blob(ptObject, pidAttachData, append(bytes.Clone(iidMessage), inner...))
	var bin mapiProps
	bin.unicode(pidAttachLongName, "../../evil.exe").blob(ptBinary, pidAttachData, []byte("MZ\x90\x00binary"))
	cp := binary.LittleEndian.AppendUint32(nil, 932)
	return append([][]byte{
		newTNEF().attr(tnefMessage, attOemCodepage, append(cp, 0, 0, 0, 0)).
			attr(tnefMessage, attSubject, []byte("\x8c\x8f\x96\xbc\x00")).
			attr(tnefMessage, attBody, []byte("body\r\nline\x00")).
			attr(tnefMessage, attMsgProps, msg.bytes()).
			attachment("a.pdf", minimalPDF("attached pdf"), att.bytes()).
			attachment("b.txt", []byte("plain attachment"), nil).Bytes(),
		newTNEF().attachment("", nil, emb.bytes()).Bytes(),
		newTNEF().attachment("", nil, bin.bytes()).Bytes(),
		newTNEF().attr(tnefMessage, attBody, bytes.Repeat([]byte("x"), 4096)).Bytes(),
	}, corpusAttachments(tb, flatten.KindTNEF)...)
}

// checkTNEF asserts Message's promises for whatever Decode returned:
// clean one-line subjects, clean text bodies, clean file names, charset
// labels the charset package knows, nesting, count and size within the
// limits.
func checkTNEF(t *testing.T, m *tnef.Message, lim tnef.Limits) {
	t.Helper()
	var count int
	var total int64
	var walk func(m *tnef.Message, depth int)
	walk = func(m *tnef.Message, depth int) {
		if depth > lim.Depth {
			t.Fatalf("message nested %d deep", depth)
		}
		if !utf8.ValidString(m.Subject) || !utf8.ValidString(m.BodyText) {
			t.Fatalf("invalid UTF-8 in %q / %q", m.Subject, m.BodyText)
		}
		if r, bad := forbidden(m.Subject, false); bad {
			t.Fatalf("subject %q holds U+%04X", m.Subject, r)
		}
		if r, bad := forbidden(m.BodyText, true); bad {
			t.Fatalf("body holds U+%04X", r)
		}
		if m.HTMLCharset != "" {
			if _, _, ok := charset.Lookup(m.HTMLCharset); !ok {
				t.Fatalf("HTMLCharset %q unknown to charset", m.HTMLCharset)
			}
		}
		total += int64(len(m.BodyText) + len(m.BodyHTML) + len(m.BodyRTF))
		for _, a := range m.Attachments {
			count++
			total += int64(len(a.Data))
			if r, bad := forbidden(a.Name, false); bad || !utf8.ValidString(a.Name) || strings.ContainsAny(a.Name, `/\`) {
				t.Fatalf("attachment name %q (U+%04X)", a.Name, r)
			}
			if textclean.Filename(a.Name) != a.Name {
				t.Fatalf("attachment name %q is not clean", a.Name)
			}
			if a.Message != nil {
				if a.Data != nil {
					t.Fatalf("attached message with data")
				}
				walk(a.Message, depth+1)
			}
		}
	}
	walk(m, 1)
	if count > lim.Attachments || total > lim.TotalBytes {
		t.Fatalf("%d attachments, %d bytes, over %+v", count, total, lim)
	}
}

// tnefBytes lists the byte slices a Message hands out, to check that they
// are copies.
func tnefBytes(m *tnef.Message) [][]byte {
	out := [][]byte{m.BodyHTML, m.BodyRTF}
	for _, a := range m.Attachments {
		out = append(out, a.Data)
		if a.Message != nil {
			out = append(out, tnefBytes(a.Message)...)
		}
	}
	return out
}

// FuzzTNEF: Decode never panics; ErrNotTNEF exactly when the signature
// is missing; a limit error returns no message, a format error the part
// that could be read; every message keeps checkTNEF's promises; and the
// bytes it returns are copies, unaffected by later changes to the input.
func FuzzTNEF(f *testing.F) {
	for _, s := range tnefSeeds(f) {
		f.Add(s)
	}
	lim := tnef.Limits{Attachments: 20, TotalBytes: 1 << 20, Depth: 3}
	limitOf := map[string]int64{"attachments": int64(lim.Attachments), "total size": lim.TotalBytes, "nesting depth": int64(lim.Depth)}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := bytes.Clone(data)
		m, err := tnef.Decode(in, lim)
		hasSig := len(data) >= 6 && binary.LittleEndian.Uint32(data) == tnefSignature
		if errors.Is(err, tnef.ErrNotTNEF) == hasSig {
			t.Fatalf("signature present %v, error %v", hasSig, err)
		}
		var fe *tnef.FormatError
		var le *tnef.LimitError
		switch {
		case err == nil:
			if m == nil {
				t.Fatal("nil message without an error")
			}
		case errors.As(err, &fe):
			if m == nil || fe.Reason == "" || fe.Offset < 0 {
				t.Fatalf("FormatError %+v with message %v", fe, m != nil)
			}
		case errors.As(err, &le):
			if m != nil || limitOf[le.What] != le.Limit {
				t.Fatalf("LimitError %+v with message %v", le, m != nil)
			}
			return
		case errors.Is(err, tnef.ErrNotTNEF):
			if m != nil {
				t.Fatal("message without a signature")
			}
			return
		default:
			t.Fatalf("undocumented error %T: %v", err, err)
		}
		checkTNEF(t, m, lim)
		parts := tnefBytes(m)
		sums := make([][32]byte, len(parts))
		for i, p := range parts {
			sums[i] = sha256.Sum256(p)
		}
		for i := range in {
			in[i] ^= 0xff
		}
		for i, p := range parts {
			if sha256.Sum256(p) != sums[i] {
				t.Fatalf("returned bytes share memory with the input")
			}
		}
	})
}
