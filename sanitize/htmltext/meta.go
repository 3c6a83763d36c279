package htmltext

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
)

// metaPrescanLen is how much of a document MetaCharset looks at. The
// WHATWG prescan uses 1024 bytes; mail generators put long comments and
// style blocks before the <meta>, so we look a little further.
const metaPrescanLen = 4096

// MetaCharset returns the charset declared by <meta charset=...> or
// <meta http-equiv="Content-Type" content="...charset=..."> in the first
// 4 KiB of b (the idea of the WHATWG encoding prescan, HTML §13.2.3.2), or
// "". The label is trimmed and lower-cased; a UTF-16 label is reported as
// "utf-8", because a document whose bytes could be prescanned as ASCII is
// not UTF-16 (the prescan rule).
func MetaCharset(b []byte) string {
	if len(b) > metaPrescanLen {
		b = b[:metaPrescanLen]
	}
	z := html.NewTokenizer(bytes.NewReader(b))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if !hasAttr || string(name) != "meta" {
				continue
			}
			if cs := metaTagCharset(z); cs != "" {
				return cs
			}
		}
	}
}

// metaTagCharset applies the prescan's rules to one <meta>'s attributes.
func metaTagCharset(z *html.Tokenizer) string {
	var charset, content string
	var gotCharset, gotContent, pragma bool
	for more := true; more; {
		var k, v []byte
		k, v, more = z.TagAttr()
		switch string(k) {
		case "charset":
			if !gotCharset {
				gotCharset, charset = true, string(v)
			}
		case "content":
			if !gotContent {
				gotContent, content = true, string(v)
			}
		case "http-equiv":
			pragma = pragma || strings.EqualFold(strings.TrimSpace(string(v)), "content-type")
		}
	}
	if gotCharset {
		return normLabel(charset)
	}
	if pragma && gotContent {
		return normLabel(charsetFromContent(content))
	}
	return ""
}

// charsetFromContent is the "algorithm for extracting a character encoding
// from a meta element" (HTML §2.3.9 / common microsyntaxes).
func charsetFromContent(s string) string {
	low := strings.ToLower(s)
	pos := 0
	for {
		i := strings.Index(low[pos:], "charset")
		if i < 0 {
			return ""
		}
		pos += i + len("charset")
		j := pos
		for j < len(s) && isHTMLSpace(s[j]) {
			j++
		}
		if j >= len(s) || s[j] != '=' {
			continue // "charset" not followed by '=': look for the next one
		}
		j++
		for j < len(s) && isHTMLSpace(s[j]) {
			j++
		}
		if j >= len(s) {
			return ""
		}
		if q := s[j]; q == '"' || q == '\'' {
			end := strings.IndexByte(s[j+1:], q)
			if end < 0 {
				return ""
			}
			return s[j+1 : j+1+end]
		}
		end := j
		for end < len(s) && !isHTMLSpace(s[end]) && s[end] != ';' {
			end++
		}
		return s[j:end]
	}
}

func isHTMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

func normLabel(s string) string {
	s = strings.ToLower(strings.Trim(s, " \t\n\r\f"))
	switch s {
	case "utf-16", "utf-16le", "utf-16be", "unicodefffe", "unicodefeff", "ucs-2", "csunicode", "iso-10646-ucs-2":
		return "utf-8"
	}
	return s
}
