package tnef

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mugai/mugai/internal/testinput/tneftest"
	"github.com/mugai/mugai/sanitize/charset"
	"golang.org/x/text/encoding/japanese"
)

func sjis(t testing.TB, s string) []byte {
	t.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestJapaneseOutlook: a message as Japanese Outlook writes it, code page
// 932, with a Unicode long file name that wins over the 8.3 title.
func TestJapaneseOutlook(t *testing.T) {
	pdf := []byte("%PDF-1.4 見積")
	var ap tneftest.Props
	ap.Unicode(tneftest.PidAttachLongName, "御見積書（令和６年度）①.pdf").
		Str8(tneftest.PidAttachFilename, sjis(t, "御見積~1.PDF")).
		Str8(tneftest.PidAttachMimeTag, []byte("application/pdf")).
		Long(tneftest.PidAttachMethod, 1)
	s := tneftest.NewStream().Codepage(932).
		Attr(tneftest.LevelMessage, tneftest.AttSubject, append(sjis(t, "会議の件 ㈱テスト"), 0)).
		Attr(tneftest.LevelMessage, tneftest.AttBody, sjis(t, "お世話になっております。\r\n資料を添付します。")).
		Attachment(string(sjis(t, "御見積~1.PDF")), pdf, ap.Bytes()).
		Attachment(string(sjis(t, "資料.txt")), []byte("text"), nil)
	m, err := Decode(s.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "会議の件 ㈱テスト" {
		t.Errorf("subject %q", m.Subject)
	}
	if m.BodyText != "お世話になっております。\n資料を添付します。" {
		t.Errorf("body %q", m.BodyText)
	}
	if len(m.Attachments) != 2 {
		t.Fatalf("%d attachments", len(m.Attachments))
	}
	a := m.Attachments[0]
	if a.Name != "御見積書（令和６年度）①.pdf" || !bytes.Equal(a.Data, pdf) || a.MIMEType != "application/pdf" {
		t.Errorf("attachment %q %q %q", a.Name, a.Data, a.MIMEType)
	}
	if b := m.Attachments[1]; b.Name != "資料.txt" || string(b.Data) != "text" {
		t.Errorf("attachment %q %q", b.Name, b.Data)
	}
	// Data is a copy.
	a.Data[0] = 'X'
	if !bytes.Contains(s.Bytes(), []byte("%PDF-1.4")) {
		t.Error("Data shares memory with the input")
	}
}

// TestCodepageLater: the code page may arrive after the strings (here in
// attMsgProps at the end), so strings are decoded last.
func TestCodepageLater(t *testing.T) {
	var mp tneftest.Props
	mp.Long(tneftest.PidMessageCodepage, 932)
	s := tneftest.NewStream().
		Attr(tneftest.LevelMessage, tneftest.AttSubject, append(sjis(t, "表示"), 0)).
		Attr(tneftest.LevelMessage, tneftest.AttMsgProps, mp.Bytes())
	m, err := Decode(s.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "表示" {
		t.Errorf("subject %q", m.Subject)
	}
}

func TestMessageProps(t *testing.T) {
	html := []byte("<html><body>\x1b$B$3$s$K$A$O\x1b(B</body></html>") // ISO-2022-JP
	var mp tneftest.Props
	mp.NamedLong("x-custom", 7).
		MultiShort(0x6001, 1, 2, 3).
		Unicode(tneftest.PidSubject, "Unicode 件名 wins").
		Unicode(tneftest.PidBody, "本文\r\n二行目\x00").
		Binary(tneftest.PidHTML, html).
		Long(tneftest.PidInternetCodepage, 50220)
	s := tneftest.NewStream().Codepage(1252).
		Attr(tneftest.LevelMessage, tneftest.AttSubject, []byte("code page subject\x00")).
		Attr(tneftest.LevelMessage, tneftest.AttMsgProps, mp.Bytes())
	m, err := Decode(s.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Unicode 件名 wins" || m.BodyText != "本文\n二行目" {
		t.Errorf("subject %q body %q", m.Subject, m.BodyText)
	}
	if !bytes.Equal(m.BodyHTML, html) || m.HTMLCharset != "iso-2022-jp" {
		t.Errorf("html %q charset %q", m.BodyHTML, m.HTMLCharset)
	}
}

func TestUnicodeHTML(t *testing.T) {
	var mp tneftest.Props
	mp.Unicode(tneftest.PidHTML, "<p>こんにちは</p>")
	m, err := Decode(tneftest.NewStream().Attr(tneftest.LevelMessage, tneftest.AttMsgProps, mp.Bytes()).Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if string(m.BodyHTML) != "<p>こんにちは</p>" || m.HTMLCharset != "utf-8" {
		t.Errorf("html %q %q", m.BodyHTML, m.HTMLCharset)
	}
}

func TestRTF(t *testing.T) {
	raw := []byte(`{\rtf1\ansi\ansicpg932\deff0{\fonttbl{\f0\fnil MS UI Gothic;}}\pard\plain\f0\fs20 hello hello hello world\par\pard\plain\f0\fs20 hello\par}` + "\r\n")
	comp := compressRTF(raw)
	if len(comp) >= len(raw)+16 {
		t.Logf("compressor did not compress: %d >= %d", len(comp), len(raw))
	}
	got, err := decompressRTF(comp, 1<<20)
	if err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("decompress: %v\n got %q\nwant %q", err, got, raw)
	}

	// In a message.
	var mp tneftest.Props
	mp.Binary(tneftest.PidRTFCompressed, comp)
	m, err := Decode(tneftest.NewStream().Attr(tneftest.LevelMessage, tneftest.AttMsgProps, mp.Bytes()).Bytes(), Limits{})
	if err != nil || !bytes.Equal(m.BodyRTF, raw) {
		t.Fatalf("message: %v %q", err, m.BodyRTF)
	}

	// Uncompressed ("MELA").
	mela := binary.LittleEndian.AppendUint32(nil, uint32(len(raw)+12))
	mela = binary.LittleEndian.AppendUint32(mela, uint32(len(raw)))
	mela = binary.LittleEndian.AppendUint32(mela, rtfUncompressed)
	mela = binary.LittleEndian.AppendUint32(mela, 0)
	mela = append(mela, raw...)
	if got, err := decompressRTF(mela, 1<<20); err != nil || !bytes.Equal(got, raw) {
		t.Errorf("MELA: %v %q", err, got)
	}

	// RAWSIZE lies: a huge claim is bounded by the data, and by the limit.
	lie := bytes.Clone(comp)
	binary.LittleEndian.PutUint32(lie[4:], 0xffffffff)
	if got, err := decompressRTF(lie, 1<<20); err != nil || !bytes.Equal(got, raw) {
		t.Errorf("huge RAWSIZE: %v %d bytes", err, len(got))
	}
	var le *LimitError
	if _, err := decompressRTF(comp, 10); !errors.As(err, &le) {
		t.Errorf("limit: %v", err)
	}
	// Truncated at every length: no panic, a prefix of the output.
	for n := range comp {
		got, err := decompressRTF(comp[:n], 1<<20)
		if err == nil && !bytes.HasPrefix(raw, got) {
			t.Fatalf("cut at %d: %q is not a prefix", n, got)
		}
	}
	for _, bad := range [][]byte{nil, []byte("short"), append(bytes.Clone(comp[:8]), "XXXXxxxxxxxx"...)} {
		if _, err := decompressRTF(bad, 1<<20); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestRTFBound: a stream of references yields at most 17 bytes per 2 in.
func TestRTFBound(t *testing.T) {
	in := make([]byte, 16)
	binary.LittleEndian.PutUint32(in[0:], 0xfffffff0)
	binary.LittleEndian.PutUint32(in[4:], 0xfffffff0)
	binary.LittleEndian.PutUint32(in[8:], rtfCompressed)
	for range 10000 {
		in = append(in, 0xff)
		for range 8 {
			in = append(in, 0x00, 0x0f) // offset 0, length 17
		}
	}
	out, err := decompressRTF(in, 100<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) > 9*len(in) {
		t.Errorf("%d bytes out of %d", len(out), len(in))
	}
}

func TestEmbeddedMessage(t *testing.T) {
	inner := tneftest.NewStream().Codepage(932).
		Attr(tneftest.LevelMessage, tneftest.AttSubject, append(sjis(t, "転送：報告"), 0)).
		Attr(tneftest.LevelMessage, tneftest.AttBody, sjis(t, "内側の本文")).
		Attachment("inner.txt", []byte("inner data"), nil)
	var ap tneftest.Props
	ap.Long(tneftest.PidAttachMethod, 5).Object(tneftest.PidAttachData, []byte(tneftest.IIDMessage), inner.Bytes())
	outer := tneftest.NewStream().Attachment("Untitled Attachment",
		[]byte("This attachment is a MAPI 1.0 embedded message and is not supported by this mail system."), ap.Bytes())
	m, err := Decode(outer.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	a := m.Attachments[0]
	if a.Message == nil || a.Data != nil {
		t.Fatalf("attachment %+v", a)
	}
	if a.Name != "転送：報告" || a.Message.BodyText != "内側の本文" || string(a.Message.Attachments[0].Data) != "inner data" {
		t.Errorf("name %q, inner %+v", a.Name, a.Message)
	}
}

func TestDepthLimit(t *testing.T) {
	s := tneftest.NewStream().Attr(tneftest.LevelMessage, tneftest.AttSubject, []byte("level 1\x00"))
	for range 10 {
		var ap tneftest.Props
		ap.Object(tneftest.PidAttachData, []byte(tneftest.IIDMessage), s.Bytes())
		s = tneftest.NewStream().Attachment("", nil, ap.Bytes())
	}
	_, err := Decode(s.Bytes(), Limits{Depth: 4})
	var le *LimitError
	if !errors.As(err, &le) || le.What != "nesting depth" {
		t.Fatalf("got %v", err)
	}
	if _, err := Decode(s.Bytes(), Limits{Depth: 11}); err != nil {
		t.Fatalf("depth 11: %v", err)
	}
}

func TestLimits(t *testing.T) {
	s := tneftest.NewStream()
	for range 5 {
		s.Attachment("a", make([]byte, 100), nil)
	}
	var le *LimitError
	if _, err := Decode(s.Bytes(), Limits{Attachments: 4}); !errors.As(err, &le) || le.What != "attachments" {
		t.Errorf("attachments: %v", err)
	}
	if _, err := Decode(s.Bytes(), Limits{TotalBytes: 450}); !errors.As(err, &le) || le.What != "total size" {
		t.Errorf("total: %v", err)
	}
	if m, err := Decode(s.Bytes(), Limits{Attachments: 5, TotalBytes: 500}); err != nil || len(m.Attachments) != 5 {
		t.Errorf("at the limits: %v", err)
	}
}

func TestNotTNEF(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("\x78\x9f"), []byte("\x89PNG\r\n\x1a\n...."), []byte("PK\x03\x04")} {
		if _, err := Decode(b, Limits{}); !errors.Is(err, ErrNotTNEF) {
			t.Errorf("%q: %v", b, err)
		}
	}
}

func TestDamaged(t *testing.T) {
	good := tneftest.NewStream().Codepage(1252).
		Attr(tneftest.LevelMessage, tneftest.AttSubject, []byte("subject\x00")).
		Attachment("a.txt", []byte("first"), nil).
		Attachment("b.txt", []byte("second"), nil).Bytes()

	t.Run("trailing newline", func(t *testing.T) {
		m, err := Decode(append(bytes.Clone(good), '\n'), Limits{})
		if err != nil || len(m.Attachments) != 2 {
			t.Fatalf("%v", err)
		}
	})
	t.Run("length past the end", func(t *testing.T) {
		b := append(bytes.Clone(good), tneftest.NewStream().Attr(tneftest.LevelAttachment, tneftest.AttAttachData, make([]byte, 40)).Bytes()[6:]...)
		binary.LittleEndian.PutUint32(b[len(good)+5:], 0x7fffffff)
		m, err := Decode(b, Limits{})
		var fe *FormatError
		if !errors.As(err, &fe) || fe.Offset != int64(len(good)) {
			t.Fatalf("got %v", err)
		}
		if m == nil || len(m.Attachments) != 2 || m.Subject != "subject" {
			t.Errorf("partial message %+v", m)
		}
	})
	t.Run("bad level", func(t *testing.T) {
		b := append(bytes.Clone(good), "garbage after the stream"...)
		m, err := Decode(b, Limits{})
		var fe *FormatError
		if !errors.As(err, &fe) || m == nil || len(m.Attachments) != 2 {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("every truncation", func(t *testing.T) {
		for n := range len(good) {
			m, err := Decode(good[:n], Limits{})
			if err == nil && m == nil {
				t.Fatalf("cut %d: nil message without error", n)
			}
		}
	})
	t.Run("property list lies", func(t *testing.T) {
		cases := map[string][]byte{
			"count":       binary.LittleEndian.AppendUint32(nil, 0xffffffff),
			"value count": append(binary.LittleEndian.AppendUint32(nil, 1), 0x02, 0x01, 0x01, 0x37, 0xff, 0xff, 0xff, 0xff),
			"value size":  append(binary.LittleEndian.AppendUint32(nil, 1), 0x1e, 0x00, 0x37, 0x00, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f),
			"name length": append(binary.LittleEndian.AppendUint32(nil, 1), append(append([]byte{0x03, 0x00, 0x01, 0x80}, make([]byte, 16)...), 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff)...),
			"name kind":   append(binary.LittleEndian.AppendUint32(nil, 1), append(append([]byte{0x03, 0x00, 0x01, 0x80}, make([]byte, 16)...), 9, 0, 0, 0)...),
			"type":        append(binary.LittleEndian.AppendUint32(nil, 1), 0x99, 0x09, 0x37, 0x00, 0, 0, 0, 0),
			"mv fixed":    append(binary.LittleEndian.AppendUint32(nil, 1), 0x03, 0x10, 0x00, 0x60, 0xff, 0xff, 0xff, 0x0f),
		}
		for name, list := range cases {
			b := tneftest.NewStream().Attr(tneftest.LevelMessage, tneftest.AttSubject, []byte("kept\x00")).Attr(tneftest.LevelMessage, tneftest.AttMsgProps, list).
				Attachment("after.txt", []byte("x"), nil).Bytes()
			m, err := Decode(b, Limits{})
			var fe *FormatError
			if !errors.As(err, &fe) || m == nil || m.Subject != "kept" {
				t.Errorf("%s: %v %+v", name, err, m)
				continue
			}
			// The damage is confined to its attribute.
			if len(m.Attachments) != 1 || m.Attachments[0].Name != "after.txt" {
				t.Errorf("%s: attachments after the damage lost: %+v", name, m.Attachments)
			}
		}
	})
}

// TestCodepageLabels: every label the table produces is one sanitize/charset
// decodes.
func TestCodepageLabels(t *testing.T) {
	for cp := uint32(0); cp < 70000; cp++ {
		l := codepageLabel(cp)
		if l == "" {
			continue
		}
		if _, _, ok := charset.Lookup(l); !ok {
			t.Errorf("code page %d: label %q unknown to charset", cp, l)
		}
	}
	if s, _ := charset.Decode(sjis(t, "①"), codepageLabel(932)); s != "①" {
		t.Errorf("932 does not decode NEC row 13: %q", s)
	}
}

// checkInvariants asserts what every decoded message promises.
func checkInvariants(t *testing.T, m *Message, lim Limits) {
	t.Helper()
	lim = lim.withDefaults()
	var count int
	var total int64
	var walk func(m *Message, depth int)
	walk = func(m *Message, depth int) {
		if depth > lim.Depth {
			t.Fatalf("depth %d", depth)
		}
		for _, s := range []string{m.Subject, m.BodyText} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 %q", s)
			}
		}
		if strings.ContainsAny(m.Subject, "\r\n") {
			t.Fatalf("subject %q", m.Subject)
		}
		total += int64(len(m.BodyText) + len(m.BodyHTML) + len(m.BodyRTF))
		for _, a := range m.Attachments {
			count++
			total += int64(len(a.Data))
			if strings.ContainsAny(a.Name, "/\\\r\n\x00") || !utf8.ValidString(a.Name) {
				t.Fatalf("name %q", a.Name)
			}
			if a.Message != nil {
				walk(a.Message, depth+1)
			}
		}
	}
	walk(m, 1)
	if count > lim.Attachments || total > lim.TotalBytes {
		t.Fatalf("%d attachments, %d bytes", count, total)
	}
}
