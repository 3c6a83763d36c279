package charset

import (
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

// ISO-2022-JP is decoded in two steps: a small state machine rewrites the
// 7-bit, escape-switched form into EUC-JP bytes, and x/text's EUC-JP decoder
// maps those to Unicode. Both encodings index the same JIS X 0208 and
// JIS X 0212 tables (EUC-JP is the 94×94 code with the high bit set), and
// x/text's table is the WHATWG jis0208 index, which already holds the CP932
// extensions that Microsoft's CP50220/50221 encoders (Outlook) and iPhone
// Mail put into ISO-2022-JP: NEC row 13 (①, ㈱, №, Ⅰ, ...) and the
// NEC-selected IBM extensions in rows 89–92. The tests prove each of these.
//
// We do not use japanese.ISO2022JP directly (x/text v0.44.0) because its
// state machine reads a CR inside a two-byte run together with the
// following LF as one invalid character, so when a sender forgets ESC ( B
// before CRLF the line break is lost and the next line is read as kanji
// ("こ\r\nabc" becomes "こ�痰�"); it turns a first byte followed by a control
// into a made-up character of another row ("$\n" becomes "ξ", eating the LF);
// and it knows no ISO-2022-JP-2/-3 or SO/SI sequences. The rewrite below is lenient where real senders are sloppy and
// strict where a guess would invent text.

// euInvalid is a byte the EUC-JP decoder turns into exactly one U+FFFD
// without consuming the next byte; the rewriter emits it for each invalid
// input unit.
const euInvalid = 0x80

// jisState is the character set currently designated to G0.
type jisState uint8

const (
	jisASCII   jisState = iota // ASCII or JIS X 0201 Roman
	jisKana                    // JIS X 0201 katakana, single byte
	jis0208                    // JIS X 0208 (incl. the CP932 rows)
	jis0212                    // JIS X 0212 supplementary kanji
	jis0213                    // JIS X 0213 plane 1, read as JIS X 0208 where they agree
	jisForeign                 // a two-byte set we cannot map (GB2312, KS C 5601, JIS X 0213 plane 2)
)

// jisToEUC is a transform.Transformer from ISO-2022-JP to EUC-JP.
type jisToEUC struct {
	state jisState
}

func (t *jisToEUC) Reset() { t.state = jisASCII }

// escape reads the escape sequence at the start of src (src[0] == ESC). It
// returns how many bytes to consume, the new state, whether the state
// changes, what to emit (0 for nothing), and short=true when more input is
// needed to decide.
func (t *jisToEUC) escape(src []byte) (n int, st jisState, set bool, emit byte, short bool) {
	if len(src) < 3 {
		return 0, 0, false, 0, true
	}
	switch src[1] {
	case '(':
		switch src[2] {
		// RFC 1468: ESC ( B is ASCII, ESC ( J is JIS X 0201 Roman. Roman
		// differs from ASCII only at 0x5C (¥) and 0x7E (‾); like WHATWG and
		// every mail client we keep ASCII there so paths and code survive.
		// ESC ( H is an obsolete designation some old encoders used for it.
		case 'B', 'J', 'H':
			return 3, jisASCII, true, 0, false
		case 'I': // JIS X 0201 katakana (CP50221, RFC 1468 does not allow it but senders do)
			return 3, jisKana, true, 0, false
		}
	case '$':
		switch src[2] {
		case '@', 'B': // JIS C 6226-1978 and JIS X 0208-1983 (RFC 1468)
			return 3, jis0208, true, 0, false
		case 'A': // GB2312 (RFC 1554 ISO-2022-JP-2)
			return 3, jisForeign, true, 0, false
		case '(':
			if len(src) < 4 {
				return 0, 0, false, 0, true
			}
			switch src[3] {
			case '@', 'B': // long form of the JIS X 0208 designations
				return 4, jis0208, true, 0, false
			case 'D': // JIS X 0212 (RFC 2237 ISO-2022-JP-1)
				return 4, jis0212, true, 0, false
			case 'O', 'Q': // JIS X 0213 plane 1 (ISO-2022-JP-3, -2004)
				return 4, jis0213, true, 0, false
			case 'P', 'C': // JIS X 0213 plane 2; KS C 5601 (RFC 1554)
				return 4, jisForeign, true, 0, false
			}
		}
	case '&':
		// ESC & @ announces the 1990 revision of JIS X 0208 and is
		// followed by ESC $ B; it designates nothing by itself.
		if src[2] == '@' {
			return 3, 0, false, 0, false
		}
	case '.':
		// RFC 1554: designation of ISO-8859-1 or -7 to G2; only used with
		// single shifts, which we replace.
		if src[2] == 'A' || src[2] == 'F' {
			return 3, 0, false, 0, false
		}
	case 'N':
		// RFC 1554 single shift 2: one G2 character follows. We do not map
		// it, but consume it so it does not appear as a stray ASCII letter.
		return 3, 0, false, euInvalid, false
	}
	// Unknown sequence: replace the ESC alone; what follows is read in the
	// current state.
	return 1, 0, false, euInvalid, false
}

// Transform implements transform.Transformer.
func (t *jisToEUC) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		// Every step writes at most 3 bytes (a JIS X 0212 character).
		if len(dst)-nDst < 3 {
			return nDst, nSrc, transform.ErrShortDst
		}
		c := src[nSrc]
		switch {
		case c == 0x1b:
			n, st, set, emit, short := t.escape(src[nSrc:])
			if short {
				if !atEOF {
					return nDst, nSrc, transform.ErrShortSrc
				}
				// A truncated sequence at the end of the text.
				n, emit = 1, euInvalid
			}
			if set {
				t.state = st
			}
			if emit != 0 {
				dst[nDst] = emit
				nDst++
			}
			nSrc += n
			continue
		case c >= 0x80:
			// ISO-2022-JP is 7-bit (RFC 1468); Decode guesses another
			// charset when 8-bit bytes show it is mislabelled.
			dst[nDst] = euInvalid
			nDst++
			nSrc++
			continue
		case c == 0x0e: // SO: JIS X 0201 katakana as CP50222 and JIS7 write it
			t.state = jisKana
			nSrc++
			continue
		case c == 0x0f: // SI: back to ASCII
			t.state = jisASCII
			nSrc++
			continue
		case c == '\r' || c == '\n':
			// RFC 1468 requires a line to end in ASCII. Senders that forget
			// ESC ( B still mean a line break, and the next line starts in
			// ASCII (what the WHATWG decoder does for LF).
			t.state = jisASCII
			dst[nDst] = c
			nDst++
			nSrc++
			continue
		}

		switch t.state {
		case jisASCII:
			dst[nDst] = c
			nDst++
			nSrc++
		case jisKana:
			switch {
			case 0x21 <= c && c <= 0x5f:
				dst[nDst], dst[nDst+1] = 0x8e, c|0x80
				nDst += 2
			case c < 0x21 || c == 0x7f:
				dst[nDst] = c // space and controls keep their meaning
				nDst++
			default:
				dst[nDst] = euInvalid
				nDst++
			}
			nSrc++
		default: // a two-byte set
			if c < 0x21 || c == 0x7f {
				// A space or control inside a two-byte run is not part of a
				// character; keep it rather than pair it with the next byte.
				dst[nDst] = c
				nDst++
				nSrc++
				continue
			}
			if nSrc+1 >= len(src) {
				if !atEOF {
					return nDst, nSrc, transform.ErrShortSrc
				}
				dst[nDst] = euInvalid
				nDst++
				nSrc++
				continue
			}
			c1 := src[nSrc+1]
			if c1 < 0x21 || c1 > 0x7e {
				// Not a second byte: replace the first and read c1 again.
				dst[nDst] = euInvalid
				nDst++
				nSrc++
				continue
			}
			switch {
			case t.state == jis0208:
				dst[nDst], dst[nDst+1] = c|0x80, c1|0x80
				nDst += 2
			case t.state == jis0212:
				dst[nDst], dst[nDst+1], dst[nDst+2] = 0x8f, c|0x80, c1|0x80
				nDst += 3
			case t.state == jis0213 && c < 0x21+84:
				// Rows 1–84 of JIS X 0213 plane 1 keep the JIS X 0208
				// characters (and adopted NEC row 13); cells 0208 left
				// empty decode as U+FFFD. Rows 85–94 are different kanji
				// from the IBM extensions the jis0208 index has there.
				dst[nDst], dst[nDst+1] = c|0x80, c1|0x80
				nDst += 2
			default:
				dst[nDst] = euInvalid
				nDst++
			}
			nSrc += 2
		}
	}
	return nDst, nSrc, nil
}

// iso2022JPEncoding is the encoding.Encoding Lookup returns for ISO-2022-JP
// and its variants.
type iso2022JPEncoding struct{}

// NewDecoder returns a decoder of ISO-2022-JP incl. CP932 extensions.
func (iso2022JPEncoding) NewDecoder() *encoding.Decoder {
	return &encoding.Decoder{Transformer: transform.Chain(&jisToEUC{}, japanese.EUCJP.NewDecoder())}
}

// NewEncoder returns x/text's ISO-2022-JP encoder (mugai only ever writes
// UTF-8; this exists to satisfy encoding.Encoding).
func (iso2022JPEncoding) NewEncoder() *encoding.Encoder {
	return japanese.ISO2022JP.NewEncoder()
}

func (iso2022JPEncoding) String() string { return "ISO-2022-JP (with CP932 extensions)" }
