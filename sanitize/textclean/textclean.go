// Package textclean makes decoded text safe to emit in a sanitized message:
// valid UTF-8 (RFC 3629) in Unicode Normalization Form C (UAX #15), with
// "\n" line ends, and without the invisible characters that hide or
// reorder what a reader sees.
//
// Removed everywhere: NUL and the other C0 controls except TAB and LF, DEL,
// the C1 controls U+0080–U+009F, and every invisible format character
// (general category Cf) that no script needs: U+FEFF (BOM / ZERO WIDTH
// NO-BREAK SPACE), the bidirectional embeddings/overrides U+202A–U+202E,
// isolates U+2066–U+2069 and marks U+200E, U+200F, U+061C (the "Trojan
// Source" and RTLO file-name tricks, CVE-2021-42574; Unicode TR #9),
// U+200B ZERO WIDTH SPACE, U+2060 WORD JOINER, U+00AD SOFT HYPHEN, and the
// TAG characters U+E0000–U+E007F, which spell ASCII that no reader sees
// but a program reading the text (a mail AI assistant) does ("ASCII
// smuggling"). ZERO WIDTH JOINER and NON-JOINER (U+200D, U+200C) stay where
// a script needs them, between two non-ASCII characters (emoji sequences,
// Indic and Persian text), and are removed elsewhere; the prepended
// concatenation marks (U+0600–U+0605 and the like), which are Cf but
// visible, stay. The Hangul fillers U+3164 and U+FFA0, blank characters
// that make a name look empty, become spaces; U+115F and U+1160 stay only
// inside a conjoining jamo sequence. The line and paragraph separators
// U+2028 and U+2029 become line breaks (a mail client shows them as such).
// Line additionally makes a header value one line (no CR or LF can survive
// into a header, RFC 5322 §2.2), and Filename makes a name that is safe to
// show and to save on any system.
//
// Text and Line return their argument unchanged, without allocating, when
// it is already clean, which is the common case for headers and text parts.
// The package has no state.
package textclean

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// mode selects the rules of Text, Line or Filename.
type mode uint8

const (
	modeText mode = iota
	modeLine
	modeFilename
)

// MaxFilenameBytes is the length Filename shortens names to: below the 255
// bytes most file systems allow, with room for a suffix such as ".txt".
const MaxFilenameBytes = 200

// Text returns s as valid UTF-8 in Unicode NFC, with line ends normalized to "\n" (CRLF, lone CR, U+2028
// and U+2029 become "\n"), and with the characters the package documentation lists removed: NUL and other
// C0 controls except TAB and LF, DEL, C1 controls (U+0080–U+009F) and invisible format characters.
// Invalid UTF-8 becomes U+FFFD.
func Text(s string) string { return clean(s, modeText) }

// Line is Text for one header value: additionally every line break and TAB becomes a single space
// and runs of spaces are collapsed, so no CR or LF can survive. Leading/trailing space trimmed.
//
// The Unicode line and paragraph separators U+2028 and U+2029 count as line
// breaks here, so a header cannot be made to look like two lines.
func Line(s string) string { return clean(s, modeLine) }

// Filename is Line for a file name: additionally ZERO WIDTH JOINER and NON-JOINER wherever they are,
// path separators / and \ (replaced by "_"), and characters Windows forbids (: * ? " < > |) are replaced by "_",
// leading dots and spaces trimmed, and the result limited to 200 bytes of UTF-8 without cutting a character
// (keep the extension when shortening). Empty result → "".
//
// The invisible marks are removed rather than replaced, like the bidi
// controls Text removes: they have no visible form to keep, and removing
// them shows the name as the file system will see it. Beyond the brief,
// trailing dots and spaces are trimmed too (Windows drops them, so
// "report.exe." would be saved as "report.exe"), a Windows device name
// (CON, PRN, AUX, NUL, COM1–9, LPT1–9, with or without extension) gets a
// "_" prefix, and shortening never separates a character from its
// combining marks.
func Filename(s string) string {
	n := clean(s, modeFilename)
	n = strings.Trim(n, ". ")
	if isDeviceName(n) {
		n = "_" + n
	}
	// Shortening can leave only the extension; trim again so the name
	// never starts with a dot.
	return strings.TrimLeft(shorten(n, MaxFilenameBytes), ". ")
}

// clean applies the rules of m: a check that usually finds nothing to do,
// then one rewriting pass, NFC, and for lines the space collapsing.
func clean(s string, m mode) string {
	if !needsWork(s, m) {
		return s
	}
	return rewrite(s, m)
}

// rewrite is the full path of clean.
func rewrite(s string, m mode) string {
	var b strings.Builder
	b.Grow(len(s))
	ascii := true
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '\r':
				// CRLF and a lone CR are one line break (RFC 5322 §2.2
				// allows only CRLF on the wire; mail also arrives with
				// bare CR line ends).
				if i < len(s) && s[i] == '\n' {
					i++
				}
				b.WriteByte(lineBreak(m))
			case c == '\n':
				b.WriteByte(lineBreak(m))
			case c == '\t':
				if m == modeText {
					b.WriteByte('\t')
				} else {
					b.WriteByte(' ')
				}
			case c < 0x20 || c == 0x7f:
				// other controls are dropped
			case m == modeFilename && isFilenameForbidden(c):
				b.WriteByte('_')
			case m == modeText:
				// Text is mostly printable ASCII: the run is copied at
				// once.
				j := i
				for j < len(s) && s[j] >= 0x20 && s[j] < 0x7f {
					j++
				}
				b.WriteString(s[i-1 : j])
				i = j
			default:
				b.WriteByte(c)
			}
			continue
		}
		ascii = false
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString("\uFFFD")
		case isRemoved(r, m):
		case r == '\u2028' || r == '\u2029':
			b.WriteByte(lineBreak(m))
		case isFiller(r):
			b.WriteByte(' ')
		default:
			b.WriteString(s[i-size : i])
		}
	}
	out := b.String()
	if !ascii && (norm.NFC.QuickSpanString(out) != len(out) || hasContextual(out)) {
		// NFC after removal: a removed character between a letter and a
		// combining mark must not keep them apart. NFC never produces any
		// of the removed characters, so the result stays clean. Joiners
		// and fillers are judged by their neighbours in the NFC text, and
		// again after each removal lets more compose: the loop ends,
		// since every round that continues removes a character. (Most
		// text is NFC and holds none of them: it is not copied again.)
		buf := toNFC([]byte(out))
		for {
			var dropped bool
			if buf, dropped = dropContextual(buf); !dropped {
				break
			}
			buf = toNFC(buf)
		}
		out = string(buf)
	}
	if m != modeText {
		out = string(collapseSpaces([]byte(out)))
	}
	return out
}

// toNFC is norm.NFC.Bytes without its copy of text that is NFC already,
// as most is: QuickSpan says so without allocating.
func toNFC(b []byte) []byte {
	if norm.NFC.QuickSpan(b) == len(b) {
		return b
	}
	return norm.NFC.Bytes(b)
}

func lineBreak(m mode) byte {
	if m == modeText {
		return '\n'
	}
	return ' '
}

// collapseSpaces replaces runs of ASCII spaces by one and trims both ends,
// in place. Other spaces (U+3000 IDEOGRAPHIC SPACE in Japanese subjects)
// are text and are kept.
func collapseSpaces(b []byte) []byte {
	out := b[:0]
	for _, c := range b {
		if c == ' ' && (len(out) == 0 || out[len(out)-1] == ' ') {
			continue
		}
		out = append(out, c)
	}
	if len(out) > 0 && out[len(out)-1] == ' ' {
		out = out[:len(out)-1]
	}
	return out
}

// isRemoved reports whether the non-ASCII rune r is dropped in mode m
// whatever surrounds it.
func isRemoved(r rune, m mode) bool {
	switch {
	case 0x80 <= r && r <= 0x9f: // C1 controls
		return true
	case r == 0x200c || r == 0x200d: // ZWNJ, ZWJ: see contextual
		return m == modeFilename
	case r == 0x034f, // COMBINING GRAPHEME JOINER: invisible, what the HTML converter drops too
		r == 0x17b4 || r == 0x17b5,   // Khmer inherent vowels, invisible; Unicode advises against them
		0xe0000 <= r && r <= 0xe007f, // TAG characters (and the unassigned rest of their block)
		0xe01f0 <= r && r <= 0xe0fff: // default ignorable, unassigned
		return true
	}
	return isFormat(r) && !isVisibleFormat(r)
}

// isFormat reports the characters of general category Cf (Unicode 15.0;
// a test compares it with the unicode package's table), plus U+2065,
// unassigned in the block of invisible operators and default ignorable.
func isFormat(r rune) bool {
	switch {
	case r < 0xad:
		return false
	case r == 0xad, // SOFT HYPHEN
		0x0600 <= r && r <= 0x0605, r == 0x061c, r == 0x06dd, r == 0x070f,
		r == 0x0890 || r == 0x0891, r == 0x08e2, r == 0x180e,
		0x200b <= r && r <= 0x200f, 0x202a <= r && r <= 0x202e,
		0x2060 <= r && r <= 0x206f, r == 0xfeff, 0xfff9 <= r && r <= 0xfffb,
		r == 0x110bd, r == 0x110cd, 0x13430 <= r && r <= 0x1343f,
		0x1bca0 <= r && r <= 0x1bca3, 0x1d173 <= r && r <= 0x1d17a,
		r == 0xe0001, 0xe0020 <= r && r <= 0xe007f:
		return true
	}
	return false
}

// isVisibleFormat reports format characters that are drawn (the Arabic,
// Syriac and Kaithi prepended concatenation marks, which carry the number
// they precede; Egyptian hieroglyph format controls, which lay out the
// signs of their own script) or that contextual judges.
func isVisibleFormat(r rune) bool {
	switch {
	case 0x0600 <= r && r <= 0x0605, r == 0x06dd, r == 0x070f, r == 0x0890 || r == 0x0891, r == 0x08e2,
		r == 0x110bd, r == 0x110cd, 0x13430 <= r && r <= 0x1343f,
		r == 0x200c || r == 0x200d:
		return true
	}
	return false
}

// isFiller reports the Hangul fillers that have no use in text but look
// like (wide) spaces: a name made of them looks empty.
func isFiller(r rune) bool {
	return r == 0x3164 || r == 0xffa0
}

// isContextual reports the characters kept or removed by their neighbours
// (see keepContextual).
func isContextual(r rune) bool {
	return r == 0x200c || r == 0x200d || r == 0x115f || r == 0x1160
}

// keepContextual decides a contextual character r between prev and next
// (0 at either end of the text). ZWJ and ZWNJ join or separate two
// non-ASCII characters (emoji, Indic, Arabic script); next to ASCII, space
// or the text's ends they only hide a split in a word. The Hangul
// choseong filler starts a syllable with a vowel jamo after it, the
// jungseong filler ends one after a leading consonant jamo; alone, or
// together (a syllable of two fillers), they are blank.
func keepContextual(prev, r, next rune) bool {
	switch r {
	case 0x200c, 0x200d:
		return joinable(prev) && joinable(next)
	case 0x115f:
		return 0x1161 <= next && next <= 0x11a7 || 0xd7b0 <= next && next <= 0xd7c6
	case 0x1160:
		return 0x1100 <= prev && prev <= 0x115e || 0xa960 <= prev && prev <= 0xa97c
	}
	return true
}

// joinable reports a character a joiner may stand beside.
func joinable(r rune) bool {
	return r >= 0x80 && unicode.IsGraphic(r) && !unicode.IsSpace(r)
}

// dropContextual removes the contextual characters of b (NFC text) that
// keepContextual rejects, judging each by the character kept before it and
// the one after it, in place. It reports whether it removed any.
func dropContextual(b []byte) ([]byte, bool) {
	start := firstContextual(b)
	if start < 0 {
		return b, false // the usual case, found without decoding
	}
	out := b[:start]
	dropped := false
	prev, _ := utf8.DecodeLastRune(b[:start])
	if start == 0 {
		prev = 0
	}
	for i := start; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if isContextual(r) {
			next := rune(0)
			if i+size < len(b) {
				next, _ = utf8.DecodeRune(b[i+size:])
			}
			if !keepContextual(prev, r, next) {
				dropped = true
				i += size
				continue
			}
		}
		// Copying forward within b is safe: out never overtakes i.
		out = append(out, b[i:i+size]...)
		prev = r
		i += size
	}
	return out, dropped
}

// hasContextual reports whether s holds a contextual character.
func hasContextual(s string) bool {
	for _, form := range [...]string{"\u200c", "\u200d", "\u115f", "\u1160"} {
		if strings.Contains(s, form) {
			return true
		}
	}
	return false
}

// firstContextual returns the index of the first contextual character of
// b, or -1: the first of their UTF-8 forms found by bytes.Index, which
// skips through text that holds none far faster than decoding it.
func firstContextual(b []byte) int {
	first := -1
	for _, form := range [...]string{"\u200c", "\u200d", "\u115f", "\u1160"} {
		in := b
		if first >= 0 {
			in = b[:first] // only an earlier one matters
		}
		if i := bytes.Index(in, []byte(form)); i >= 0 {
			first = i
		}
	}
	return first
}

// isFilenameForbidden reports ASCII characters a file name cannot hold: path
// separators, and what Windows forbids in names.
func isFilenameForbidden(c byte) bool {
	switch c {
	case '/', '\\', ':', '*', '?', '"', '<', '>', '|':
		return true
	}
	return false
}

// needsWork reports whether clean must rewrite s. It must say true for
// every string clean would change; the tests compare it with the full path.
func needsWork(s string, m mode) bool {
	checkNFC := false
	space := true // the previous byte was a space, or we are at the start
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '\t' || c == '\n':
				if m != modeText {
					return true
				}
			case c < 0x20 || c == 0x7f:
				return true
			case m == modeFilename && isFilenameForbidden(c):
				return true
			}
			if m != modeText {
				if c == ' ' && space {
					return true
				}
				space = c == ' '
			}
			continue
		}
		space = false
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1, isRemoved(r, m), isFiller(r), isContextual(r):
			return true
		case r == '\u2028' || r == '\u2029':
			return true
		case !nfcInert(r):
			checkNFC = true
		}
	}
	if m != modeText && space && len(s) > 0 {
		return true // trailing space
	}
	// QuickSpan does not allocate (IsNormalString does); when it stops
	// early the rewrite decides, and NFC of NFC text is the text.
	return checkNFC && norm.NFC.QuickSpanString(s) != len(s)
}

// nfcInert reports runes that NFC leaves alone whatever surrounds them:
// they are NFC, have combining class 0 and never combine with a preceding
// character (a test checks this against the norm tables). Text made only
// of these and ASCII is NFC without a table lookup, which makes the common
// Japanese and Western text fast. Anything else is checked by QuickSpan.
func nfcInert(r rune) bool {
	switch {
	case 0xa0 <= r && r <= 0xff, // Latin-1 letters and signs
		0x2010 <= r && r <= 0x2027, // dashes, quotes, bullets, ellipsis
		// Symbols of Japanese business mail: ① ② (a CP932 extension),
		// box drawing ─ │ ┌, ■ □ ◆ ○ ●, ☆ ★ ☎.
		0x2460 <= r && r <= 0x24ff, // enclosed alphanumerics
		0x2500 <= r && r <= 0x26ff, // box drawing, block elements, geometric shapes, symbols
		0x3000 <= r && r <= 0x3029, // CJK punctuation (not the tone marks U+302A–U+302F)
		0x3200 <= r && r <= 0x33ff, // ㈱ ㈲ (CP932), ㍻ ㎡ ㌔: enclosed CJK, CJK compatibility
		0x3041 <= r && r <= 0x3096, // hiragana (not the combining (semi-)voiced marks U+3099, U+309A)
		0x309b <= r && r <= 0x30ff, // spacing voiced marks, katakana, ・ ー
		0x4e00 <= r && r <= 0x9fff, // CJK unified ideographs
		0xff01 <= r && r <= 0xff9f: // full-width forms, half-width katakana
		return true
	}
	return false
}

// isDeviceName reports Windows reserved device names, which cannot be file
// names even with an extension ("con.txt").
func isDeviceName(n string) bool {
	stem, _, _ := strings.Cut(n, ".")
	stem = strings.ToUpper(strings.TrimRight(stem, " "))
	switch stem {
	case "CON", "PRN", "AUX", "NUL":
		return true
	}
	return len(stem) == 4 && (strings.HasPrefix(stem, "COM") || strings.HasPrefix(stem, "LPT")) &&
		'1' <= stem[3] && stem[3] <= '9'
}

// maxExtension is the longest extension shorten keeps whole; anything
// longer is not an extension a reader relies on.
const maxExtension = 16

// shorten cuts n to at most max bytes of UTF-8, keeping a short extension
// and never cutting inside a character or between a character and its
// combining marks.
func shorten(n string, max int) string {
	if len(n) <= max {
		return n
	}
	ext := ""
	if i := strings.LastIndexByte(n, '.'); i > 0 && len(n)-i <= maxExtension && !strings.Contains(n[i:], " ") {
		ext = n[i:]
	}
	stem := n[:len(n)-len(ext)]
	cut := max - len(ext)
	for cut > 0 && !utf8.RuneStart(stem[cut]) {
		cut--
	}
	for cut > 0 {
		r, _ := utf8.DecodeRuneInString(stem[cut:])
		if !unicode.Is(unicode.M, r) {
			break
		}
		// r belongs to the character before the cut: drop that too.
		_, size := utf8.DecodeLastRuneInString(stem[:cut])
		cut -= size
	}
	return strings.TrimRight(stem[:cut], ". ") + ext
}
