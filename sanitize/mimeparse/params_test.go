package mimeparse

import (
	"reflect"
	"testing"
)

func TestParseMediaValue(t *testing.T) {
	tests := []struct {
		name, raw string
		value     string
		params    map[string]string
	}{
		{"simple", `text/plain; charset=ISO-2022-JP`, "text/plain", map[string]string{"charset": "ISO-2022-JP"}},
		{"upper and spaces", ` Text / HTML ;  Charset = "utf-8" `, "text/html", map[string]string{"charset": "utf-8"}},
		{"quoted with escapes", `attachment; filename="a \"b\"; c.txt"`, "attachment", map[string]string{"filename": `a "b"; c.txt`}},
		{"comment", `text/plain (plain text); charset=us-ascii (ascii)`, "text/plain", map[string]string{"charset": "us-ascii (ascii)"}},
		{"unquoted with spaces", `attachment; filename=my file.pdf`, "attachment", map[string]string{"filename": "my file.pdf"}},
		{"unterminated quote", `attachment; filename="abc`, "attachment", map[string]string{"filename": "abc"}},
		{"rfc2047 name", `application/pdf; name="=?ISO-2022-JP?B?GyRCOCtAUT1xGyhCLnBkZg==?="`, "application/pdf",
			map[string]string{"name": "見積書.pdf"}},
		{"rfc2231 utf-8", `attachment; filename*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8.pdf`, "attachment",
			map[string]string{"filename": "見積書.pdf"}},
		{"rfc2231 iso-2022-jp", `attachment; filename*=iso-2022-jp'ja'%1B%24B8%2B%40Q%3Dq%1B%28B.pdf`, "attachment",
			map[string]string{"filename": "見積書.pdf"}},
		{"rfc2231 shift_jis continuation", `attachment; filename*0*=shift_jis''%8C%A9%90%CF; filename*1*=%8F%91; filename*2=.pdf`, "attachment",
			map[string]string{"filename": "見積書.pdf"}},
		{"rfc2231 sections out of order", `attachment; filename*1="b.txt"; filename*0="a"`, "attachment",
			map[string]string{"filename": "ab.txt"}},
		{"raw shift_jis bytes", "attachment; filename=\"\x8c\xa9\x90\xcf\x8f\x91.pdf\"", "attachment",
			map[string]string{"filename": "見積書.pdf"}},
		{"boundary kept raw", `multipart/mixed; boundary="=?utf-8?q?x?="`, "multipart/mixed",
			map[string]string{"boundary": "=?utf-8?q?x?="}},
		{"attribute without value", `attachment; foo; filename=a`, "attachment", map[string]string{"filename": "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mv := ParseMediaValue([]byte(tt.raw))
			if len(mv.Problems) > 0 {
				t.Fatalf("problems: %v", mv.Problems)
			}
			if mv.Value != tt.value {
				t.Errorf("value %q, want %q", mv.Value, tt.value)
			}
			if !reflect.DeepEqual(mv.Params, tt.params) {
				t.Errorf("params %q, want %q", mv.Params, tt.params)
			}
		})
	}
}

func TestDecodeWords(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"plain", "hello world", "hello world"},
		{"b utf-8", "=?UTF-8?B?44GT44KT44Gr44Gh44Gv?=", "こんにちは"},
		{"q", "=?iso-8859-1?q?caf=E9_au_lait?=", "café au lait"},
		{"iso-2022-jp", "=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=", "こんにちは"},
		{"iso-2022-jp cp932 extension", "=?ISO-2022-JP?B?GyRCLSEtIi1qGyhC?=", "①②㈱"},
		{"space between words dropped", "=?utf-8?q?a?= =?utf-8?q?b?=", "ab"},
		{"text between words kept", "=?utf-8?q?a?= and =?utf-8?q?b?=", "a and b"},
		// "あい" split in the middle of "あ" across two words.
		{"split utf-8 character", "=?UTF-8?B?44E=?= =?UTF-8?B?guOBhA==?=", "あい"},
		{"split iso-2022-jp", "=?ISO-2022-JP?B?GyRCJDMkcw==?= =?ISO-2022-JP?B?JEskQSRPGyhC?=", "こんにちは"},
		{"adjacent to text", "Re:=?utf-8?q?x?=", "Re:x"},
		{"malformed word kept", "=?utf-8?x?abc?= ok", "=?utf-8?x?abc?= ok"},
		{"raw shift_jis", "\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd", "こんにちは"},
		{"raw utf-8", "こんにちは", "こんにちは"},
		{"language suffix", "=?utf-8*ja?b?44GC?=", "あ"},
		{"mixed charsets", "=?utf-8?b?44GC?= =?iso-8859-1?q?=E9?=", "あé"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DecodeWords([]byte(tt.raw)); got != tt.want {
				t.Errorf("DecodeWords(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestJoinEncodedWords(t *testing.T) {
	got := string(JoinEncodedWords([]byte(`"=?UTF-8?B?44E=?= =?UTF-8?B?guOBhA==?=" <a@example.jp>`)))
	want := `"=?UTF-8?b?44GC44GE?=" <a@example.jp>`
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := DecodeWords([]byte(want)); got != `"あい" <a@example.jp>` {
		t.Errorf("joined word decodes to %q", got)
	}
}
