package fuzz

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mugai/mugai/internal/testinput/tneftest"
	"github.com/mugai/mugai/sanitize/charset"
	"github.com/mugai/mugai/sanitize/flatten"
	"github.com/mugai/mugai/sanitize/textclean"
	"github.com/mugai/mugai/sanitize/tnef"
)

func tnefSeeds(tb testing.TB) [][]byte {
	var att tneftest.Props
	att.Unicode(tneftest.PidAttachLongName, "長い名前\u202etxt.pdf").
		Str8(tneftest.PidAttachMimeTag, []byte("application/pdf")).Long(tneftest.PidAttachMethod, 1)
	var msg tneftest.Props
	msg.Unicode(tneftest.PidSubject, "件名").Binary(tneftest.PidHTML, []byte("<p>本文 <a href=\"https://example.jp/\">x</a></p>")).
		Long(tneftest.PidInternetCodepage, 932).Binary(tneftest.PidRTFCompressed, tneftest.LZFuLiterals([]byte(`{\rtf1\ansi hello {\b bold}\par}`)))
	inner := tneftest.NewStream().Attr(tneftest.LevelMessage, tneftest.AttSubject, []byte("inner\x00")).
		Attr(tneftest.LevelMessage, tneftest.AttBody, []byte("inner body")).Bytes()
	var emb tneftest.Props
	emb.Long(tneftest.PidAttachMethod, 5).Object(tneftest.PidAttachData, []byte(tneftest.IIDMessage), inner)
	var bin tneftest.Props
	bin.Unicode(tneftest.PidAttachLongName, "../../evil.exe").Binary(tneftest.PidAttachData, []byte("MZ\x90\x00binary"))
	return append([][]byte{
		tneftest.NewStream().Codepage(932).
			Attr(tneftest.LevelMessage, tneftest.AttSubject, []byte("\x8c\x8f\x96\xbc\x00")).
			Attr(tneftest.LevelMessage, tneftest.AttBody, []byte("body\r\nline\x00")).
			Attr(tneftest.LevelMessage, tneftest.AttMsgProps, msg.Bytes()).
			Attachment("a.pdf", minimalPDF("attached pdf"), att.Bytes()).
			Attachment("b.txt", []byte("plain attachment"), nil).Bytes(),
		tneftest.NewStream().Attachment("", nil, emb.Bytes()).Bytes(),
		tneftest.NewStream().Attachment("", nil, bin.Bytes()).Bytes(),
		tneftest.NewStream().Attr(tneftest.LevelMessage, tneftest.AttBody, bytes.Repeat([]byte("x"), 4096)).Bytes(),
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
		hasSig := len(data) >= 6 && binary.LittleEndian.Uint32(data) == tneftest.Signature
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
