package sanitize

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/mugai/mugai/internal/sanitizetest"
)

// TestHeldAnnounce: a plain message gets no notice, even with its
// original kept, unless the caller's line must be read (Held.Announce,
// the relay's PPAP line); then the notice is the heading, that line and
// the link.
func TestHeldAnnounce(t *testing.T) {
	const in = "From: a@example.jp\r\nTo: b@example.jp\r\nSubject: pw\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nパスワード：Abc12345\r\n"
	s := New(DefaultPolicy())
	for _, announce := range []bool{false, true} {
		var out bytes.Buffer
		h := &Held{ID: "AAAA-BBBB-CCCC-DDDD", Notice: "原本を保管しています。\n・このメールにパスワードが書かれていれば ZIP を開封します。",
			Link: "https://gw.example/r/x", Announce: announce}
		if _, err := s.MessageWith(context.Background(), &out, strings.NewReader(in), MessageOptions{Held: h}); err != nil {
			t.Fatal(err)
		}
		texts, err := sanitizetest.Check(out.Bytes(), sanitizetest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := texts[0].Body
		has := strings.Contains(got, "このメールにパスワードが書かれていれば") && strings.Contains(got, "https://gw.example/r/x")
		if has != announce || !strings.Contains(got, "パスワード：Abc12345") {
			t.Errorf("announce=%v:\n%s", announce, got)
		}
	}
}
