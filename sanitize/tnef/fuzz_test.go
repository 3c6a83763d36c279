package tnef

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// seeds are the streams the unit tests build, plus the corpus payloads
// when the shared corpus is present (read in place, not copied).
func seeds(t testing.TB) [][]byte {
	var ap props
	ap.unicode(pidAttachLongName, "長い名前.pdf").str8(pidAttachMimeTag, []byte("application/pdf")).long(pidAttachMethod, 1)
	var mp props
	mp.namedLong("x", 1).multiShort(0x6001, 1, 2).unicode(pidSubject, "件名").
		binary(pidHTML, []byte("<p>x</p>")).long(pidInternetCodepage, 932).
		binary(pidRTFCompressed, compressRTF([]byte(`{\rtf1 hello hello}`)))
	inner := newStream().codepage(932).attr(levelMessage, fullSubject, []byte("\x95\x5c\x00")).Bytes()
	var emb props
	emb.long(pidAttachMethod, 5).object(pidAttachData, iidMessage, inner)
	out := [][]byte{
		newStream().codepage(932).attr(levelMessage, fullSubject, []byte("\x95\x5c\x00")).
			attr(levelMessage, fullBody, []byte("body")).
			attr(levelMessage, fullMsgProps, mp.bytes()).
			attachment([]byte("a.pdf"), []byte("%PDF"), ap.bytes()).Bytes(),
		newStream().attachment(nil, nil, emb.bytes()).Bytes(),
	}
	dir := os.Getenv("MUGAI_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "tnef-raw", "*", "*"))
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil && len(b) < 1<<20 && filepath.Ext(f) != ".md" {
			out = append(out, b)
		}
	}
	return out
}

// FuzzDecode checks that Decode never panics, keeps its limits and
// returns only clean names and text.
func FuzzDecode(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	lim := Limits{Attachments: 20, TotalBytes: 1 << 20, Depth: 3}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data, lim)
		var fe *FormatError
		var le *LimitError
		switch {
		case err == nil:
			if m == nil {
				t.Fatal("nil message without error")
			}
		case errors.As(err, &fe):
			if m == nil {
				t.Fatal("FormatError without the partial message")
			}
		case errors.As(err, &le), errors.Is(err, ErrNotTNEF):
			if m != nil {
				t.Fatal("message with a limit error")
			}
			return
		default:
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
		checkInvariants(t, m, lim)
	})
}
