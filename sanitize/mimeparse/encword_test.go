package mimeparse

import (
	"net/mail"
	"testing"
)

// NewWordDecoder reads display names in the charsets net/mail's own
// decoder does not know.
func TestNewWordDecoder(t *testing.T) {
	p := mail.AddressParser{WordDecoder: NewWordDecoder()}
	for _, tc := range []struct{ in, name string }{
		{"=?ISO-2022-JP?B?GyRCOzNFRBsoQiAbJEJCQE86GyhC?= <yamada@example.jp>", "山田 太郎"},
		{"=?shift_jis?B?kY2WsYnb?= <soumu@example.lg.jp>", "総務課"},
		{"=?utf-8?q?caf=C3=A9?= <a@example.com>", "café"},
	} {
		a, err := p.Parse(tc.in)
		if err != nil || a.Name != tc.name {
			t.Errorf("%s: %+v, %v; want name %q", tc.in, a, err, tc.name)
		}
	}
}
