package mimeparse

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/mugai/mugai/sanitize/charset"
)

// DecodeWords decodes a raw header value: RFC 2047 encoded words become
// text in their charset, and raw 8-bit bytes outside encoded words (common
// in Japanese mail sent without MIME, RFC 6532 aside) are decoded as UTF-8
// or by charset guessing. The result is valid UTF-8 but not yet cleaned of
// control characters (see sanitize/textclean).
//
// Where real mailers break RFC 2047 it follows what mail clients do rather
// than mime.WordDecoder:
//   - adjacent words in the same charset are joined before the charset is
//     decoded, because mailers split multi-byte characters (and ISO-2022-JP
//     escape sequences) across words;
//   - words not separated from text by white space, and words inside
//     quoted strings, are decoded too;
//   - white space between two encoded words is dropped (§6.2), other text
//     is kept as it is.
func DecodeWords(raw []byte) string {
	s, _ := DecodeWordsCarrier(raw, charset.CarrierUnknown)
	return s
}

// DecodeWordsCarrier is DecodeWords for a header a Japanese mobile phone
// of the given carrier may have written: its emoji in the words'
// Shift_JIS or ISO-2022-JP become Unicode emoji (charset.DecodeCarrier).
// It also returns how many undecodable sequences became U+FFFD.
func DecodeWordsCarrier(raw []byte, carrier charset.Carrier) (string, int) {
	if !bytes.Contains(raw, []byte("=?")) {
		return decodeRaw(raw, carrier)
	}
	var out strings.Builder
	replaced := 0
	for _, seg := range wordRuns(raw) {
		var s string
		var n int
		if seg.word {
			var res charset.Result
			s, res = charset.DecodeCarrier(seg.data, seg.label, carrier)
			n = res.Replaced
		} else {
			s, n = decodeRaw(seg.data, carrier)
		}
		out.WriteString(s)
		replaced += n
	}
	return out.String(), replaced
}

// segment is a piece of a header value: raw text, or a run of adjacent
// encoded words in one charset with their bytes decoded and joined.
type segment struct {
	word  bool
	label string // charset label of a word run
	data  []byte // raw text, or the joined decoded bytes of the words
}

// wordRuns splits a header value into raw text and runs of encoded words.
// White space between two encoded words is dropped (RFC 2047 §6.2), and
// adjacent words in the same charset join into one run.
func wordRuns(raw []byte) []segment {
	var segs []segment
	i, textStart := 0, 0
	for i < len(raw) {
		j := bytes.Index(raw[i:], []byte("=?"))
		if j < 0 {
			break
		}
		j += i
		label, data, end, ok := parseWord(raw, j)
		if !ok {
			i = j + 2
			continue
		}
		between := raw[textStart:j]
		prevWord := len(segs) > 0 && segs[len(segs)-1].word
		switch {
		case prevWord && isWhite(between) && strings.EqualFold(segs[len(segs)-1].label, label):
			last := &segs[len(segs)-1]
			last.data = append(last.data, data...)
		default:
			if len(between) > 0 && !(prevWord && isWhite(between)) {
				segs = append(segs, segment{data: between})
			}
			segs = append(segs, segment{word: true, label: label, data: append([]byte(nil), data...)})
		}
		i, textStart = end, end
	}
	if textStart < len(raw) {
		segs = append(segs, segment{data: raw[textStart:]})
	}
	return segs
}

// parseWord parses "=?charset?enc?text?=" at raw[i:]. It returns the
// charset label (an RFC 2231 §5 "*language" suffix removed), the decoded
// bytes and the index after the word.
func parseWord(raw []byte, i int) (label string, data []byte, end int, ok bool) {
	rest := raw[i+2:]
	q1 := bytes.IndexByte(rest, '?')
	if q1 <= 0 || q1 > 64 {
		return "", nil, 0, false
	}
	label = string(rest[:q1])
	if bytes.ContainsAny(rest[:q1], " \t\"()<>,;:") {
		return "", nil, 0, false
	}
	if len(rest) < q1+3 || rest[q1+2] != '?' {
		return "", nil, 0, false
	}
	enc := rest[q1+1] | 0x20
	text := rest[q1+3:]
	e := bytes.Index(text, []byte("?="))
	if e < 0 {
		return "", nil, 0, false
	}
	text = text[:e]
	if bytes.ContainsAny(text, " \t") {
		return "", nil, 0, false
	}
	switch enc {
	case 'b':
		var d Base64Decoder
		data = d.Append(nil, text)
	case 'q':
		data = decodeQWord(text)
	default:
		return "", nil, 0, false
	}
	if k := strings.IndexByte(label, '*'); k >= 0 {
		label = label[:k]
	}
	end = i + 2 + q1 + 3 + e + 2
	return label, data, end, true
}

// decodeQWord decodes RFC 2047 §4.2 "Q": '_' is a space, =XX a byte, an
// invalid escape is kept literally.
func decodeQWord(t []byte) []byte {
	out := make([]byte, 0, len(t))
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(t) && isHex(t[i+1]) && isHex(t[i+2]):
			out = append(out, unhex(t[i+1])<<4|unhex(t[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

// decodeRaw decodes header text outside encoded words: ASCII and valid
// UTF-8 as is, anything else by charset guessing. Text with an ESC byte is
// guessed too: old Japanese mailers write raw ISO-2022-JP in headers,
// which is 7-bit and so valid UTF-8, yet read as is it loses its escapes
// to control-character cleaning and shows the JIS bytes as ASCII — an
// "@" and "<" a reader would take for an address.
func decodeRaw(b []byte, carrier charset.Carrier) (string, int) {
	if utf8.Valid(b) && bytes.IndexByte(b, 0x1b) < 0 {
		return string(b), 0
	}
	s, res := charset.DecodeCarrier(b, "", carrier)
	return s, res.Replaced
}

func isWhite(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// JoinEncodedWords rewrites runs of adjacent encoded words (separated only
// by white space) that share a charset into one "B" word holding all their
// bytes, so that a decoder working word by word — net/mail's, for display
// names — sees characters that a mailer split across words whole. Other
// text is kept as it is.
func JoinEncodedWords(raw []byte) []byte {
	if !bytes.Contains(raw, []byte("=?")) {
		return raw
	}
	var out []byte
	prevWord := false
	for _, seg := range wordRuns(raw) {
		if !seg.word {
			out = append(out, seg.data...)
			prevWord = false
			continue
		}
		if prevWord {
			// Words in different charsets stay separate words.
			out = append(out, ' ')
		}
		out = append(out, "=?"...)
		out = append(out, seg.label...)
		out = append(out, "?b?"...)
		out = base64.StdEncoding.AppendEncode(out, seg.data)
		out = append(out, "?="...)
		prevWord = true
	}
	return out
}

// NewWordDecoder returns a decoder for the RFC 2047 encoded words that
// net/mail finds in display names (mail.AddressParser's WordDecoder), in
// any charset sanitize/charset knows; net/mail's own knows only UTF-8,
// US-ASCII and ISO-8859-1. It decodes word by word, as mime.WordDecoder
// does: join the words first (JoinEncodedWords) where a mailer may have
// split a character across them.
func NewWordDecoder() *mime.WordDecoder {
	return &mime.WordDecoder{CharsetReader: func(label string, input io.Reader) (io.Reader, error) {
		b, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		s, _ := charset.Decode(b, label)
		return strings.NewReader(s), nil
	}}
}
