package charset

import (
	"bytes"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/transform"
)

// Result describes how Decode decoded.
type Result struct {
	Charset  string // canonical lower-case name actually used, e.g. "iso-2022-jp", "shift_jis", "utf-8"
	Declared string // the declared label, lower-cased and trimmed, "" if none
	Guessed  bool   // true when Charset is not the declared one: declared was empty, unknown, "unknown-8bit"/"x-unknown", or clearly wrong
	Replaced int    // number of invalid input sequences replaced by U+FFFD
	// Substituted counts carrier emoji without a Unicode equivalent and
	// user-defined characters (外字) written as Geta 〓 (see DecodeCarrier).
	Substituted int
}

// Decode converts b, declared as the given charset label ("" when none), to
// valid UTF-8. It never fails.
//
// A missing, unknown or placeholder label ("unknown-8bit", "x-unknown",
// "8bit", "default", ...) is replaced by Guess. A known label is trusted
// unless the bytes prove it wrong; each rule below needs evidence that the
// declared charset cannot explain, so correct mail is never "corrected":
//
//  1. Text declared in an ASCII-compatible charset (us-ascii, utf-8,
//     iso-8859-x, shift_jis, ...) that is 7-bit and contains an ISO-2022-JP
//     designation escape (ESC $ B etc.) is ISO-2022-JP: ESC is not text in
//     any of them, and RFC 1468 text sent with the wrong label (or none, the
//     RFC 2045 §5.2 default us-ascii) is common.
//  2. us-ascii with 8-bit bytes is guessed: RFC 2046 §4.1.2 makes us-ascii
//     7-bit, so the label is a default the sender did not mean.
//  3. ISO-2022-JP (7-bit, RFC 1468) with 8-bit bytes and no JIS escape
//     sequence is raw Shift_JIS, EUC-JP or UTF-8 under the wrong label and
//     is guessed. With escape sequences the 8-bit bytes are strays in real
//     ISO-2022-JP and are replaced.
//  4. UTF-7 (7-bit, RFC 2152) with 8-bit bytes is guessed.
//  5. UTF-16/UTF-32 with no byte-order mark, no NUL byte and a line feed
//     byte is 8-bit text under a wrong label (UTF-16 line breaks contain a
//     NUL byte) and is guessed.
//  6. Text declared in a single-byte charset that is valid UTF-8 with at
//     least two multi-byte sequences is UTF-8 (labelled with the sender's
//     locale default); for a multi-byte legacy charset (Shift_JIS, EUC-JP,
//     GBK, Big5, EUC-KR) it takes four sequences or two of three bytes or
//     more, since short legacy text can form valid UTF-8 by chance.
//  7. Text declared in utf-8, shift_jis, euc-jp, gbk, gb18030, big5 or
//     euc-kr that does not decode cleanly is decoded as the alternative
//     (UTF-8 if valid, else the guessed Japanese charset) if that decodes
//     without a single error and the guess has some weight (a couple of
//     kana or kanji); UTF-8 text that is mostly valid keeps its label (a
//     truncated character is not a reason to switch).
//
// Result.Guessed is true whenever one of these replaced the label.
//
// Carrier emoji in Shift_JIS and ISO-2022-JP become Unicode emoji or Geta,
// as DecodeCarrier does without knowing the carrier.
func Decode(b []byte, label string) (string, Result) {
	return DecodeCarrier(b, label, CarrierUnknown)
}

// DecodeCarrier is Decode for text that a Japanese mobile phone of the
// given carrier may have written (CarrierForAddress of the sender): the
// carrier's emoji codes in Shift_JIS (the user-defined area F040–F9FC, and
// SoftBank's FBxx) and au's in ISO-2022-JP (JIS rows 0x75–0x7B) become the
// Unicode emoji that the Unicode Character Database's EmojiSources.txt
// maps them to, and codes of the user-defined area with no equivalent
// become Geta 〓, as Japanese software shows them, instead of U+FFFD
// (counted in Result.Substituted). Without a carrier, only codes that one
// carrier alone uses are read as its emoji; au's rows 0x79–0x7B stay the
// NEC-selected IBM extension kanji that Outlook writes there, and
// SoftBank's FBxx the IBM extension kanji of CP932.
func DecodeCarrier(b []byte, label string, carrier Carrier) (string, Result) {
	res := Result{Declared: normalizeLabel(label)}
	enc, name, ok := lookupNormalized(res.Declared)
	s := scanBytes(b)
	if !ok {
		res.Charset = guess(b, s)
		res.Guessed = true
		out := res.decode(b, res.Charset, nil, carrier)
		return out, res
	}

	if alt, changed := correct(b, name, s); changed {
		res.Charset, res.Guessed = alt, true
		out := res.decode(b, alt, nil, carrier)
		return out, res
	}

	res.Charset = name
	out := res.decode(b, name, enc, carrier)
	if res.Replaced > 0 && canSwitchOnErrors(name) {
		// Rule 7.
		if alt := errorAlternative(b, name, s); alt != "" {
			alts := Result{}
			if altOut := alts.decode(b, alt, nil, carrier); alts.Replaced == 0 {
				res.Charset, res.Guessed, res.Replaced, res.Substituted = alt, true, 0, alts.Substituted
				return altOut, res
			}
		}
	}
	return out, res
}

// decode decodes b as name (enc, when known, is its decoder), reading
// carrier codes where the charset may hold them, and sets the counts of r.
func (r *Result) decode(b []byte, name string, enc encoding.Encoding, carrier Carrier) string {
	if needsCarrier(b, name) {
		var out string
		if name == nameShiftJIS {
			out, r.Replaced, r.Substituted = decodeSJISCarrier(b, carrier)
		} else {
			out, r.Replaced, r.Substituted = decodeJISCarrier(b, carrier)
		}
		return out
	}
	out, n := decodeAs(b, name, enc)
	r.Replaced, r.Substituted = n, 0
	return out
}

// correct applies rules 1 to 6 of Decode before decoding.
func correct(b []byte, name string, s byteStats) (string, bool) {
	switch {
	case name == nameISO2022JP:
		if s.high > 0 && !s.jisEsc { // rule 3
			return guess(b, s), true
		}
		return name, false
	case name == nameUTF7:
		if s.high > 0 { // rule 4
			return guess(b, s), true
		}
		return name, false
	case isWide(name):
		if !hasBOM(b) && s.nulEven+s.nulOdd == 0 && bytes.IndexByte(b, '\n') >= 0 { // rule 5
			return guess(b, s), true
		}
		return name, false
	}
	// An ASCII-compatible charset.
	if s.high == 0 {
		if s.jisEsc { // rule 1
			return nameISO2022JP, true
		}
		return name, false
	}
	switch {
	case name == nameASCII: // rule 2
		return guess(b, s), true
	case name == nameUTF8:
		return name, false
	}
	// Rule 6.
	if u := countUTF8(b); u.valid {
		if isMultiByteLegacy(name) {
			if u.seqs >= 4 || u.long >= 2 {
				return nameUTF8, true
			}
		} else if u.seqs >= 2 {
			return nameUTF8, true
		}
	}
	return name, false
}

func isWide(name string) bool {
	switch name {
	case nameUTF16, nameUTF16LE, nameUTF16BE, nameUTF32, nameUTF32LE, nameUTF32BE:
		return true
	}
	return false
}

func hasBOM(b []byte) bool {
	return len(b) >= 2 && (b[0] == 0xfe && b[1] == 0xff || b[0] == 0xff && b[1] == 0xfe) ||
		len(b) >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0xfe && b[3] == 0xff
}

func isMultiByteLegacy(name string) bool {
	switch name {
	case nameShiftJIS, nameEUCJP, nameGBK, nameGB18030, nameBig5, nameEUCKR:
		return true
	}
	return false
}

func canSwitchOnErrors(name string) bool {
	return name == nameUTF8 || isMultiByteLegacy(name)
}

// errorAlternative names the charset rule 7 tries for text that failed to
// decode as name, or "".
func errorAlternative(b []byte, name string, s byteStats) string {
	if name != nameUTF8 {
		if u := countUTF8(b); u.valid && u.seqs > 0 {
			return nameUTF8
		}
	} else if mostlyUTF8(b[:s.limit]) {
		return ""
	}
	alt, score := guessLegacy(b[:s.limit], s.limit < len(b))
	if alt != name && (alt == nameShiftJIS || alt == nameEUCJP) && score >= minSwitchScore {
		return alt
	}
	return ""
}

// minSwitchScore is the least evidence rule 7 wants before it replaces a
// label: two kana, or three common kanji. A lone broken character that
// happens to be a valid Shift_JIS pair is not enough.
const minSwitchScore = 6

// utf8Count describes b as UTF-8.
type utf8Count struct {
	valid bool // all of b is valid UTF-8
	seqs  int  // multi-byte sequences
	long  int  // of which three or four bytes long
}

func countUTF8(b []byte) utf8Count {
	if !utf8.Valid(b) {
		return utf8Count{}
	}
	u := utf8Count{valid: true}
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		_, n := utf8.DecodeRune(b[i:])
		u.seqs++
		if n >= 3 {
			u.long++
		}
		i += n
	}
	return u
}

// replacement is U+FFFD in UTF-8.
const replacement = "\uFFFD"

// decodeAs decodes b as the canonical charset name (enc, when known, is its
// decoder) and counts replaced sequences.
func decodeAs(b []byte, name string, enc encoding.Encoding) (string, int) {
	switch name {
	case nameUTF8:
		return decodeUTF8(b)
	case nameASCII:
		if isASCII(b) {
			return string(b), 0
		}
	case nameUTF16, nameUTF16LE, nameUTF16BE:
		return decodeUTF16(b, name)
	case nameUTF7:
		d := &utf7Decoder{}
		out := transformAll(d, b)
		return finish(out, d.replaced)
	}
	if enc == nil {
		enc = encodingFor(name)
		if enc == nil {
			enc, _, _ = lookupNormalized(name)
		}
		if enc == nil { // cannot happen for names this package returns
			return decodeUTF8(b)
		}
	}
	out := transformAll(enc.NewDecoder(), b)
	// These charsets cannot encode U+FFFD (GB18030 and UTF-32 can, and
	// then the count is an upper bound), so every U+FFFD is a replacement.
	return finish(out, bytes.Count(out, []byte(replacement)))
}

// finish guarantees valid UTF-8 even if a decoder misbehaved.
func finish(out []byte, replaced int) (string, int) {
	if !utf8.Valid(out) {
		s, n := decodeUTF8(out)
		return s, replaced + n
	}
	return string(out), replaced
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// transformAll runs t over all of b. It never fails: an error from t (none
// of the decoders used here returns one) replaces one input byte.
func transformAll(t transform.Transformer, b []byte) []byte {
	dst := make([]byte, len(b)+len(b)/2+16)
	nDst, nSrc := 0, 0
	for {
		nd, ns, err := t.Transform(dst[nDst:], b[nSrc:], true)
		nDst += nd
		nSrc += ns
		switch {
		case err == nil:
			return dst[:nDst]
		case err == transform.ErrShortDst && (nd > 0 || ns > 0 || len(dst)-nDst < 64):
			grown := make([]byte, 2*len(dst)+64)
			copy(grown, dst[:nDst])
			dst = grown
			continue
		}
		// A real error, or no progress with room to spare.
		if nSrc >= len(b) {
			return dst[:nDst]
		}
		if len(dst)-nDst < utf8.UTFMax {
			grown := make([]byte, 2*len(dst)+64)
			copy(grown, dst[:nDst])
			dst = grown
		}
		nDst += copy(dst[nDst:], replacement)
		nSrc++
		t.Reset()
	}
}

// decodeUTF8 drops a byte-order mark and replaces each maximal invalid
// subsequence (Unicode §3.9, as WHATWG decodes) by one U+FFFD.
func decodeUTF8(b []byte) (string, int) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if utf8.Valid(b) {
		return string(b), 0
	}
	var out strings.Builder
	out.Grow(len(b) + 16)
	replaced := 0
	for i := 0; i < len(b); {
		// Valid characters are copied in runs, not one by one.
		j := i
		for j < len(b) {
			if b[j] < utf8.RuneSelf {
				j++
				continue
			}
			r, n := utf8.DecodeRune(b[j:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			j += n
		}
		out.Write(b[i:j])
		if i = j; i == len(b) {
			break
		}
		out.WriteString(replacement)
		replaced++
		i += invalidUTF8Prefix(b[i:])
	}
	return out.String(), replaced
}

// invalidUTF8Prefix returns the length of the maximal subpart of an
// ill-formed sequence at the start of p (at least 1): a lead byte and as many
// of its continuation bytes as are valid before the sequence breaks off.
func invalidUTF8Prefix(p []byte) int {
	c := p[0]
	var n int
	lo, hi := byte(0x80), byte(0xbf)
	switch {
	case 0xc2 <= c && c <= 0xdf:
		n = 2
	case c == 0xe0:
		n, lo = 3, 0xa0
	case c == 0xed:
		n, hi = 3, 0x9f
	case 0xe1 <= c && c <= 0xef:
		n = 3
	case c == 0xf0:
		n, lo = 4, 0x90
	case c == 0xf4:
		n, hi = 4, 0x8f
	case 0xf1 <= c && c <= 0xf3:
		n = 4
	default:
		return 1
	}
	i := 1
	for ; i < n && i < len(p); i++ {
		if p[i] < lo || p[i] > hi {
			break
		}
		lo, hi = 0x80, 0xbf
	}
	return i
}

// decodeUTF16 decodes UTF-16. A byte-order mark decides the order whatever
// the label says (WHATWG Encoding §6 "decode" sniffs it first; RFC 2781 §3.3
// lets a labelled order go without, and U+FFFE is not text, so a reversed
// mark under an explicit label is a mark). Without one, "utf-16" is
// big-endian per RFC 2781 §4.3 unless the NUL bytes show little-endian
// Latin text, as Windows writes it.
func decodeUTF16(b []byte, name string) (string, int) {
	bigEndian := name != nameUTF16LE
	switch {
	case len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff:
		bigEndian, b = true, b[2:]
	case len(b) >= 2 && b[0] == 0xff && b[1] == 0xfe:
		bigEndian, b = false, b[2:]
	case name == nameUTF16:
		if order, ok := scanBytes(b).utf16Order(len(b)); ok {
			bigEndian = order == nameUTF16BE
		}
	}
	out := make([]byte, 0, len(b)+len(b)/2)
	replaced := 0
	unit := func(i int) rune {
		if bigEndian {
			return rune(b[i])<<8 | rune(b[i+1])
		}
		return rune(b[i+1])<<8 | rune(b[i])
	}
	i := 0
	for ; i+1 < len(b); i += 2 {
		u := unit(i)
		if !utf16.IsSurrogate(u) {
			out = utf8.AppendRune(out, u)
			continue
		}
		if u < 0xdc00 && i+3 < len(b) {
			if r := utf16.DecodeRune(u, unit(i+2)); r != utf8.RuneError {
				out = utf8.AppendRune(out, r)
				i += 2
				continue
			}
		}
		out = append(out, replacement...) // unpaired surrogate
		replaced++
	}
	if i < len(b) { // an odd byte at the end
		out = append(out, replacement...)
		replaced++
	}
	return string(out), replaced
}
