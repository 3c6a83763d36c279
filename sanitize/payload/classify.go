package payload

import (
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"

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
	if !utf8.Valid(trimPartialRune(data, truncated)) && !validShiftJIS(data, truncated) && !validEUCJP(data, truncated) {
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

// validShiftJIS reports whether data is well-formed Shift_JIS (JIS X 0208
// Annex 1, with the CP932 lead-byte ranges): ASCII, half-width katakana
// 0xA1–0xDF, or a lead byte 0x81–0x9F/0xE0–0xFC and a trail byte
// 0x40–0x7E/0x80–0xFC.
func validShiftJIS(data []byte, truncated bool) bool {
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c < 0x80 || (c >= 0xA1 && c <= 0xDF):
		case (c >= 0x81 && c <= 0x9F) || (c >= 0xE0 && c <= 0xFC):
			if i+1 == len(data) {
				return truncated
			}
			i++
			if t := data[i]; t < 0x40 || t == 0x7F || t > 0xFC {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// validEUCJP reports whether data is well-formed EUC-JP: ASCII, a JIS X
// 0208 pair 0xA1–0xFE ×2, SS2 (0x8E) and a half-width katakana, or SS3
// (0x8F) and a JIS X 0212 pair.
func validEUCJP(data []byte, truncated bool) bool {
	for i := 0; i < len(data); i++ {
		c := data[i]
		need := 0
		switch {
		case c < 0x80:
			continue
		case c == 0x8E:
			need = 1
		case c == 0x8F:
			need = 2
		case c >= 0xA1 && c <= 0xFE:
			need = 1
		default:
			return false
		}
		for ; need > 0; need-- {
			i++
			if i == len(data) {
				return truncated
			}
			if t := data[i]; t < 0xA1 || t > 0xFE || (c == 0x8E && t > 0xDF) {
				return false
			}
		}
	}
	return true
}
