package htmltext

import (
	"strings"
	"testing"
)

func TestMetaCharset(t *testing.T) {
	cases := []struct{ in, want string }{
		{`<meta charset="Shift_JIS">`, "shift_jis"},
		{`<META CHARSET=euc-jp>`, "euc-jp"},
		{`<meta charset=" utf-8 ">`, "utf-8"},
		{`<meta http-equiv="Content-Type" content="text/html; charset=ISO-2022-JP">`, "iso-2022-jp"},
		{`<meta content="text/html;charset=windows-1252" http-equiv="content-type">`, "windows-1252"},
		{`<meta http-equiv=Content-Type content='text/html; charset="euc-jp"'>`, "euc-jp"},
		{`<meta http-equiv=Content-Type content="text/html; charset = 'x-sjis' ">`, "x-sjis"},
		{`<meta http-equiv=Content-Type content="text/html; charset='unterminated">`, ""},
		{`<meta http-equiv=Content-Type content="text/html; charsetx; charset=koi8-r">`, "koi8-r"},
		{`<meta content="text/html; charset=utf-8">`, ""},
		{`<meta http-equiv="refresh" content="0; charset=utf-8">`, ""},
		{`<meta charset="utf-16le">`, "utf-8"},
		{`<meta name=x><meta charset=gb2312>`, "gb2312"},
		{`<meta charset=""><meta charset=big5>`, "big5"},
		{`<!-- <meta charset=koi8-r> --><meta charset=big5>`, "big5"},
		{`<script>x="<meta charset=koi8-r>"</script>`, ""},
		{`<html><head><title>x</title></head><body>no meta</body>`, ""},
		{``, ""},
		{strings.Repeat(" ", 4090) + `<meta charset=utf-8>`, ""},
		{strings.Repeat(" ", 4000) + `<meta charset=utf-8>`, "utf-8"},
	}
	for _, tc := range cases {
		if got := MetaCharset([]byte(tc.in)); got != tc.want {
			t.Errorf("MetaCharset(%.60q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
