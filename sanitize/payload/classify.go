package payload

import (
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"

	"github.com/mugai/mugai/sanitize/charset"
	"github.com/mugai/mugai/sanitize/mediatype"
)

// isBinary reports whether decoded bytes are something other than readable
// text: they hold a NUL or a control byte that text does not use, they are
// not valid UTF-8 (nor Shift_JIS or EUC-JP, which pasted Japanese mail
// source decodes to), or mimetype sniffs them as a type that is not plain
// readable text. Markup and scripts (HTML, SVG, XML, RTF, shell, Python…)
// are text to mimetype but files to us: a base64 copy of them is an
// attachment in disguise. truncated says data was cut at the decode limit,
// so a multi-byte character may be split at its end.
func isBinary(data []byte, truncated bool) bool {
	if len(data) == 0 {
		return false
	}
	for _, c := range data {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1B || c == 0x7F {
			// ESC (0x1B) is allowed: ISO-2022-JP (RFC 1468) text uses it.
			return true
		}
	}
	if !utf8.Valid(trimPartialRune(data, truncated)) && !charset.ValidShiftJIS(data, truncated) && !charset.ValidEUCJP(data, truncated) {
		return true
	}
	return !readableText(mimetype.Detect(data))
}

// readableText reports whether a sniffed type is text a person reads: plain
// text, or one of the text data formats below text/plain in mimetype's
// tree that package mediatype marks readable (CSV, JSON, calendars, vCards,
// subtitles, a mail message — whose own payloads Find looks for by
// recursion).
func readableText(m *mimetype.MIME) bool {
	for p := m; p != nil; p = p.Parent() {
		if p.Is("text/plain") {
			return p == m
		}
		if mediatype.Lookup(p.String()).Readable {
			return true
		}
	}
	return false
}

// trimPartialRune drops an incomplete UTF-8 sequence from the end of data
// when it was truncated.
func trimPartialRune(data []byte, truncated bool) []byte {
	if !truncated {
		return data
	}
	for i := 1; i <= utf8.UTFMax-1 && i <= len(data); i++ {
		c := data[len(data)-i]
		if c < 0x80 {
			return data
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(data[len(data)-i:]) {
				return data[:len(data)-i]
			}
			return data
		}
	}
	return data
}
