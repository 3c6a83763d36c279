package charset

import (
	"encoding/binary"
	"unicode/utf8"
)

// Guessing works on byte statistics only and is deterministic. Each step is
// a single pass over the input (the statistical scorers over at most a
// bounded prefix), so Guess is linear and cheap on megabytes:
//
//  1. a byte-order mark names UTF-8 or UTF-16;
//  2. NUL bytes at every other position mean UTF-16 without a BOM;
//  3. 7-bit text is ISO-2022-JP if it has a JIS designation escape
//     (RFC 1468), else US-ASCII;
//  4. valid UTF-8 is UTF-8 (legacy CJK text is practically never valid UTF-8);
//  5. 8-bit bytes next to JIS escapes are strays in ISO-2022-JP text;
//  6. text that is UTF-8 but for a few broken sequences is UTF-8;
//  7. otherwise each candidate legacy charset scores the text: invalid
//     sequences cost a lot, plausible characters (hiragana and katakana
//     above all, then common kanji/hanzi/hangul and punctuation) earn
//     points, and the best score wins, Japanese charsets first on a tie;
//     windows-1252 wins when no CJK charset scores above it.

// statsPrefix bounds the statistical scoring: after this many 8-bit bytes
// the choice is long made, and the rest of a huge text is not read again.
const statsPrefix = 64 << 10

// invalidCost is what one invalid sequence costs a candidate; it outweighs
// the best character (3), so a charset under which the text is broken loses
// to one under which it is merely unusual.
const invalidCost = 6

// byteStats is what one pass over the input learns.
type byteStats struct {
	high    int  // bytes >= 0x80
	jisEsc  bool // an ISO-2022-JP designation escape sequence
	nulEven int  // NUL bytes at even offsets
	nulOdd  int  // NUL bytes at odd offsets
	limit   int  // length of the prefix the scorers read
}

func scanBytes(b []byte) byteStats {
	s := byteStats{limit: len(b)}
	for i := 0; i < len(b); {
		end := len(b)
		if i+8 <= len(b) {
			if plainWord(binary.LittleEndian.Uint64(b[i:])) {
				i += 8 // none of the eight counts: the usual ASCII text
				continue
			}
			// Byte by byte for a while: where one byte counts, as in
			// Japanese text, most do.
			end = min(i+64, len(b))
		}
		for ; i < end; i++ {
			switch c := b[i]; {
			case c >= 0x80:
				s.high++
				if s.high == statsPrefix {
					s.limit = i + 1
				}
			case c == 0:
				if i&1 == 0 {
					s.nulEven++
				} else {
					s.nulOdd++
				}
			case c == 0x1b && !s.jisEsc:
				s.jisEsc = isJISEscape(b[i:])
			}
		}
	}
	return s
}

// plainWord reports whether none of the eight bytes of w is 8-bit, NUL or
// ESC: the bytes scanBytes counts. (The NUL test is the classic "has a
// zero byte" bit trick, exact once 8-bit bytes are ruled out.)
func plainWord(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	esc := w ^ (0x1b * ones)
	return w&highs == 0 && (w-ones)&^w&highs == 0 && (esc-ones)&^esc&highs == 0
}

// isJISEscape reports whether p starts with an escape sequence that
// designates a Japanese set in ISO-2022-JP: ESC $ B, ESC $ @ (JIS X 0208),
// ESC ( J (JIS X 0201 Roman), ESC ( I (JIS X 0201 katakana), ESC $ ( D
// (JIS X 0212), ESC $ ( O / Q (JIS X 0213). ESC ( B alone says nothing: it
// is just "back to ASCII".
func isJISEscape(p []byte) bool {
	if len(p) < 3 {
		return false
	}
	switch {
	case p[1] == '$' && (p[2] == 'B' || p[2] == '@'):
		return true
	case p[1] == '(' && (p[2] == 'J' || p[2] == 'I'):
		return true
	case p[1] == '$' && p[2] == '(' && len(p) >= 4:
		return p[3] == 'D' || p[3] == 'O' || p[3] == 'Q'
	}
	return false
}

// utf16Order reports whether the NUL pattern says UTF-16 without a BOM:
// text in Latin script has a NUL in every other byte, on the odd offsets
// for little-endian and the even ones for big-endian.
func (s byteStats) utf16Order(n int) (name string, ok bool) {
	if n < 4 {
		return "", false
	}
	switch {
	case s.nulOdd >= n/4 && s.nulEven*10 <= s.nulOdd:
		return nameUTF16LE, true
	case s.nulEven >= n/4 && s.nulOdd*10 <= s.nulEven:
		return nameUTF16BE, true
	}
	return "", false
}

// Guess returns the canonical name of the most likely charset of b (for text
// with no or an unknown declared charset).
func Guess(b []byte) string {
	return guess(b, scanBytes(b))
}

func guess(b []byte, s byteStats) string {
	switch {
	case len(b) >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf:
		return nameUTF8
	case len(b) >= 2 && (b[0] == 0xfe && b[1] == 0xff || b[0] == 0xff && b[1] == 0xfe):
		return nameUTF16
	}
	if name, ok := s.utf16Order(len(b)); ok {
		return name
	}
	if s.high == 0 {
		if s.jisEsc {
			return nameISO2022JP
		}
		return nameASCII
	}
	if utf8.Valid(b) {
		return nameUTF8
	}
	if s.jisEsc {
		return nameISO2022JP
	}
	p := b[:s.limit]
	if mostlyUTF8(p) {
		return nameUTF8
	}
	name, _ := guessLegacy(p, s.limit < len(b))
	return name
}

// mostlyUTF8 reports whether b is UTF-8 with a few broken sequences: at
// least four valid multi-byte sequences for each invalid one. Legacy CJK
// text forms valid UTF-8 sequences only by chance and far less often.
func mostlyUTF8(b []byte) bool {
	valid, invalid := 0, 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			invalid++
		} else {
			valid++
		}
		i += n
	}
	return valid > 0 && valid >= 4*invalid
}

// candidate is one legacy charset's score of a text.
type candidate struct {
	name  string
	score func(b []byte, truncated bool) int
}

// legacyCandidates in order of preference on a tie: mugai serves Japanese
// recipients, so Japanese charsets win ties.
var legacyCandidates = [...]candidate{
	{nameShiftJIS, scoreShiftJIS},
	{nameEUCJP, scoreEUCJP},
	{nameGBK, scoreGBK},
	{nameBig5, scoreBig5},
	{nameEUCKR, scoreEUCKR},
}

// guessLegacy picks among the legacy charsets by score and returns the
// winner and its score. truncated says b is a prefix, so an incomplete last
// character is not an error.
func guessLegacy(b []byte, truncated bool) (string, int) {
	best, bestScore := nameWin1252, scoreWindows1252(b)
	for _, c := range legacyCandidates {
		if sc := c.score(b, truncated); sc > 0 && sc > bestScore {
			best, bestScore = c.name, sc
		}
	}
	return best, bestScore
}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// scoreWindows1252 gives points to accented letters next to ASCII letters
// (Latin words) and to the typographic punctuation of 0x80–0x9F; the five
// bytes windows-1252 leaves undefined are invalid.
func scoreWindows1252(b []byte) int {
	score := 0
	for i, c := range b {
		if c < 0x80 {
			continue
		}
		switch {
		case c == 0x81 || c == 0x8d || c == 0x8f || c == 0x90 || c == 0x9d:
			score -= invalidCost
		case c == 0x80 || c == 0x85 || 0x91 <= c && c <= 0x97 || c == 0x99:
			score++ // € … ‘ ’ “ ” • – — ™
		case c >= 0xc0 && c != 0xd7 && c != 0xf7:
			if i > 0 && isASCIILetter(b[i-1]) || i+1 < len(b) && isASCIILetter(b[i+1]) {
				score += 2
			}
		}
	}
	return score
}

// Well-formed Shift_JIS and EUC-JP, character by character: the
// validators below and the scorers of the guess share these steps.

// sjisChar returns the length of the Shift_JIS (JIS X 0208 Annex 1, with
// the CP932 lead-byte ranges) character at the start of b: 1 for ASCII and
// half-width katakana 0xA1–0xDF, 2 for a lead byte 0x81–0x9F/0xE0–0xFC and
// a trail byte 0x40–0x7E/0x80–0xFC; 0 when b starts with neither, -1 when
// b ends after a lead byte.
func sjisChar(b []byte) int {
	switch c := b[0]; {
	case c < 0x80 || 0xa1 <= c && c <= 0xdf:
		return 1
	case c < 0x81 || 0x9f < c && c < 0xe0 || c > 0xfc:
		return 0
	case len(b) < 2:
		return -1
	}
	if t := b[1]; t < 0x40 || t == 0x7f || t > 0xfc {
		return 0
	}
	return 2
}

// eucJPChar returns the length of the EUC-JP character at the start of b:
// 1 for ASCII, 2 for a JIS X 0208 pair 0xA1–0xFE ×2 or SS2 (0x8E) and a
// half-width katakana 0xA1–0xDF, 3 for SS3 (0x8F) and a JIS X 0212 pair;
// 0 when a byte of it is out of range, -1 when b ends inside it.
func eucJPChar(b []byte) int {
	c := b[0]
	n := 2
	switch {
	case c < 0x80:
		return 1
	case c == 0x8f:
		n = 3
	case c != 0x8e && (c < 0xa1 || c == 0xff):
		return 0
	}
	for i := 1; i < n; i++ {
		if i == len(b) {
			return -1
		}
		if t := b[i]; t < 0xa1 || t == 0xff || c == 0x8e && t > 0xdf {
			return 0
		}
	}
	return n
}

// ValidShiftJIS reports whether b is well-formed Shift_JIS (CP932 lead
// bytes, see sjisChar). truncated says b was cut from longer data, so a
// lead byte at its end is not an error.
func ValidShiftJIS(b []byte, truncated bool) bool {
	return validSeq(b, truncated, sjisChar)
}

// ValidEUCJP reports whether b is well-formed EUC-JP (see eucJPChar).
// truncated says b was cut from longer data, so a character cut at its
// end is not an error.
func ValidEUCJP(b []byte, truncated bool) bool {
	return validSeq(b, truncated, eucJPChar)
}

func validSeq(b []byte, truncated bool, char func([]byte) int) bool {
	for i := 0; i < len(b); {
		switch n := char(b[i:]); n {
		case 0:
			return false
		case -1:
			return truncated
		default:
			i += n
		}
	}
	return true
}

// scoreShiftJIS scores b as CP932.
func scoreShiftJIS(b []byte, truncated bool) int {
	score := 0
	for i := 0; i < len(b); {
		switch sjisChar(b[i:]) {
		case 1: // ASCII; half-width katakana: valid but rare in mail
			i++
			continue
		case 0:
			score -= invalidCost
			i++
			continue
		case -1:
			if !truncated {
				score -= invalidCost
			}
			return score
		}
		c, t := b[i], b[i+1]
		code := uint16(c)<<8 | uint16(t)
		switch {
		case 0x829f <= code && code <= 0x82f1, 0x8340 <= code && code <= 0x8396:
			score += 3 // hiragana, katakana
		case c == 0x81 || c == 0x82:
			score++ // punctuation, symbols, full-width alphanumerics
		case 0x889f <= code && code <= 0x9872:
			score += 2 // JIS level 1 kanji
		case 0x989f <= code && code <= 0x9ffc, 0xe040 <= code && code <= 0xeaa4:
			score++ // JIS level 2 kanji
		case 0x8740 <= code && code <= 0x879c:
			score++ // NEC row 13: ① ㈱ №
		case c == 0x85 || c == 0x86 || c == 0x87 || c == 0xeb || c == 0xec || c == 0xef ||
			c == 0xea || (c == 0xfc && code > 0xfc4b):
			score -= invalidCost // rows CP932 leaves empty
		}
		i += 2
	}
	return score
}

// scoreEUCJP scores b as EUC-JP.
func scoreEUCJP(b []byte, truncated bool) int {
	score := 0
	for i := 0; i < len(b); {
		n := eucJPChar(b[i:])
		if n == 0 && b[i] == 0x8f && len(b)-i < 3 {
			// A JIS X 0212 character the end of b cuts counts as cut,
			// whatever its second byte: b may be a prefix.
			n = -1
		}
		switch n {
		case 1:
			i++
			continue
		case 0:
			score -= invalidCost
			i++
			continue
		case -1:
			if !truncated {
				score -= invalidCost
			}
			return score
		}
		if c, t := b[i], b[i+1]; c >= 0xa1 {
			switch {
			case c == 0xa4 && t <= 0xf3, c == 0xa5 && t <= 0xf6:
				score += 3 // hiragana, katakana
			case c <= 0xa3 || c == 0xad:
				score++ // punctuation, symbols, alphanumerics, NEC row 13
			case 0xb0 <= c && c <= 0xcf:
				score += 2 // JIS level 1 kanji
			case 0xd0 <= c && c <= 0xf4:
				score++ // JIS level 2 kanji
			case 0xa9 <= c && c <= 0xaf, 0xf5 <= c && c <= 0xf8, c >= 0xfd:
				score -= invalidCost // rows the jis0208 index leaves empty
			}
		}
		i += n
	}
	return score
}

// scoreGBK scores b as GBK. GB2312 puts kana in rows 4 and 5 exactly where
// EUC-JP has them; Chinese text hardly uses them, so they count against.
func scoreGBK(b []byte, truncated bool) int {
	score := 0
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c < 0x80:
			i++
			continue
		case c == 0x80: // € in CP936
			i++
			continue
		case c == 0xff:
			score -= invalidCost
			i++
			continue
		}
		if i+1 >= len(b) {
			if !truncated {
				score -= invalidCost
			}
			break
		}
		t := b[i+1]
		if t < 0x40 || t == 0x7f || t == 0xff {
			score -= invalidCost
			i++
			continue
		}
		if c >= 0xa1 && t >= 0xa1 { // the GB2312 area
			switch {
			case c == 0xa1 || c == 0xa3:
				score++
			case c == 0xa4 || c == 0xa5:
				score--
			case 0xb0 <= c && c <= 0xf7:
				score += 2
			}
		}
		i += 2
	}
	return score
}

// scoreBig5 scores b as Big5.
func scoreBig5(b []byte, truncated bool) int {
	score := 0
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c < 0x80:
			i++
			continue
		case c == 0x80 || c == 0xff:
			score -= invalidCost
			i++
			continue
		}
		if i+1 >= len(b) {
			if !truncated {
				score -= invalidCost
			}
			break
		}
		t := b[i+1]
		if t < 0x40 || 0x7e < t && t < 0xa1 || t == 0xff {
			score -= invalidCost
			i++
			continue
		}
		switch code := uint16(c)<<8 | uint16(t); {
		case 0xa140 <= code && code <= 0xa3bf:
			score++ // punctuation and symbols
		case 0xa440 <= code && code <= 0xc67e:
			score += 2 // frequent characters
		case 0xc940 <= code && code <= 0xf9d5:
			score++ // less frequent characters
		}
		i += 2
	}
	return score
}

// scoreEUCKR scores b as EUC-KR/UHC. Row 4 holds the compatibility jamo,
// rare in Korean prose, where EUC-JP has hiragana, so it counts against.
func scoreEUCKR(b []byte, truncated bool) int {
	score := 0
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c < 0x80:
			i++
			continue
		case c == 0x80 || c == 0xff:
			score -= invalidCost
			i++
			continue
		}
		if i+1 >= len(b) {
			if !truncated {
				score -= invalidCost
			}
			break
		}
		t := b[i+1]
		switch {
		case c >= 0xa1 && 0xa1 <= t && t <= 0xfe: // KS X 1001
			switch {
			case 0xb0 <= c && c <= 0xc8:
				score += 3 // hangul syllables
			case c == 0xa1 || c == 0xa3:
				score++
			case c == 0xa4:
				score--
			}
		case c <= 0xc6 && ('A' <= t && t <= 'Z' || 'a' <= t && t <= 'z' || 0x81 <= t && t <= 0xfe):
			// UHC extension hangul: valid, no points.
		default:
			score -= invalidCost
			i++
			continue
		}
		i += 2
	}
	return score
}
