package charset

import (
	"errors"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/transform"
)

// UTF-7 (RFC 2152) is 7-bit text in which runs of UTF-16 code units are
// written in a modified base64 between '+' and an optional '-'. Outlook
// Express sent it (as "unicode-1-1-utf-7"), and x/text has no decoder.
//
// The decoder is a byte-at-a-time state machine: constant work per input
// byte and at most one rune (plus one U+FFFD) written per byte, so it is
// linear and cannot be made to loop or allocate by its input.

// utf7Encoding is the encoding.Encoding Lookup returns for UTF-7.
type utf7Encoding struct{}

// NewDecoder returns a UTF-7 decoder.
func (utf7Encoding) NewDecoder() *encoding.Decoder {
	return &encoding.Decoder{Transformer: &utf7Decoder{}}
}

// NewEncoder returns an encoder that always fails: mugai writes only UTF-8.
func (utf7Encoding) NewEncoder() *encoding.Encoder {
	return &encoding.Encoder{Transformer: refuseEncode{}}
}

func (utf7Encoding) String() string { return "UTF-7" }

var errNoUTF7Encoder = errors.New("charset: encoding to UTF-7 is not supported")

// refuseEncode is the transformer of the UTF-7 encoder.
type refuseEncode struct{ transform.NopResetter }

func (refuseEncode) Transform(dst, src []byte, atEOF bool) (int, int, error) {
	if len(src) == 0 {
		return 0, 0, nil
	}
	return 0, 0, errNoUTF7Encoder
}

// b64 returns the value of a base64 digit (RFC 2152 Set B), or -1.
func b64(c byte) int32 {
	switch {
	case 'A' <= c && c <= 'Z':
		return int32(c - 'A')
	case 'a' <= c && c <= 'z':
		return int32(c-'a') + 26
	case '0' <= c && c <= '9':
		return int32(c-'0') + 52
	case c == '+':
		return 62
	case c == '/':
		return 63
	}
	return -1
}

// utf7Decoder is a transform.Transformer from UTF-7 to UTF-8.
type utf7Decoder struct {
	inBase64 bool   // between '+' and the end of the base64 run
	fresh    bool   // just after '+', no base64 digit seen yet
	bits     uint32 // pending bits, the low nbits of which are valid
	nbits    uint
	high     rune // a high surrogate waiting for its low half, or 0
	units    int  // code units decoded in this run
	raw      [2]byte
	nraw     int // base64 digits of this run kept in raw, while units == 0
	replaced int // invalid sequences replaced by U+FFFD
}

func (d *utf7Decoder) Reset() { *d = utf7Decoder{} }

// utf7MaxStep is the most one input byte can write: a U+FFFD for a broken
// surrogate pair or leftover bits plus one more rune.
const utf7MaxStep = 2 * utf8.UTFMax

func (d *utf7Decoder) put(dst []byte, r rune) int {
	if r == utf8.RuneError {
		d.replaced++
	}
	return utf8.EncodeRune(dst, r)
}

// unit handles one UTF-16 code unit from a base64 run.
func (d *utf7Decoder) unit(dst []byte, u rune) int {
	n := 0
	if d.high != 0 {
		if 0xdc00 <= u && u <= 0xdfff {
			r := 0x10000 + (d.high-0xd800)<<10 + (u - 0xdc00)
			d.high = 0
			return d.put(dst, r)
		}
		// A high surrogate not followed by a low one.
		n = d.put(dst, utf8.RuneError)
		d.high = 0
	}
	switch {
	case 0xd800 <= u && u <= 0xdbff:
		d.high = u
	case 0xdc00 <= u && u <= 0xdfff:
		n += d.put(dst[n:], utf8.RuneError)
	default:
		n += d.put(dst[n:], u)
	}
	return n
}

// endRun closes a base64 run. RFC 2152 §"Rules": bits that do not complete a
// 16-bit unit are discarded and must be zero; a whole unused base64 digit (6
// or more bits) or non-zero padding makes the run ill-formed, as does a high
// surrogate without its low half.
func (d *utf7Decoder) endRun(dst []byte) int {
	n := 0
	if d.units == 0 && d.nraw > 0 {
		// One or two base64 digits and no code unit: an unescaped '+'
		// followed by ordinary text ("a+b", "C++"). Keep it as written.
		dst[0] = '+'
		n = 1 + copy(dst[1:], d.raw[:d.nraw])
		d.inBase64, d.fresh, d.bits, d.nbits, d.nraw = false, false, 0, 0, 0
		return n
	}
	if d.high != 0 {
		n += d.put(dst, utf8.RuneError)
		d.high = 0
	}
	if d.nbits >= 6 || d.bits != 0 {
		n += d.put(dst[n:], utf8.RuneError)
	}
	d.inBase64, d.fresh, d.bits, d.nbits, d.units, d.nraw = false, false, 0, 0, 0, 0
	return n
}

// Transform implements transform.Transformer.
func (d *utf7Decoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		if len(dst)-nDst < utf7MaxStep {
			return nDst, nSrc, transform.ErrShortDst
		}
		c := src[nSrc]
		if !d.inBase64 {
			switch {
			case c == '+':
				d.inBase64, d.fresh, d.units, d.nraw = true, true, 0, 0
			case c >= utf8.RuneSelf:
				// UTF-7 is 7-bit; an 8-bit byte is not part of any character.
				nDst += d.put(dst[nDst:], utf8.RuneError)
			default:
				dst[nDst] = c
				nDst++
			}
			nSrc++
			continue
		}
		if v := b64(c); v >= 0 {
			d.fresh = false
			if d.units == 0 && d.nraw < len(d.raw) {
				d.raw[d.nraw] = c
				d.nraw++
			}
			d.bits = d.bits<<6 | uint32(v)
			d.nbits += 6
			if d.nbits >= 16 {
				d.nbits -= 16
				d.units++
				u := rune(d.bits>>d.nbits) & 0xffff
				d.bits &= 1<<d.nbits - 1
				nDst += d.unit(dst[nDst:], u)
			}
			nSrc++
			continue
		}
		if d.fresh {
			// "+-" is a literal '+' (RFC 2152). A '+' followed by anything
			// else that is not base64 is not valid UTF-7, but senders that
			// forget to escape '+' ("C++ ") mean the character itself.
			d.inBase64, d.fresh = false, false
			dst[nDst] = '+'
			nDst++
			if c == '-' {
				nSrc++
			}
			continue
		}
		nDst += d.endRun(dst[nDst:])
		if c == '-' {
			nSrc++ // the '-' that ends a run is absorbed
		}
		// Any other byte is read again as a direct character.
	}
	if atEOF && d.inBase64 {
		if len(dst)-nDst < utf7MaxStep {
			return nDst, nSrc, transform.ErrShortDst
		}
		if d.fresh {
			dst[nDst] = '+'
			nDst++
			d.inBase64, d.fresh = false, false
		} else {
			nDst += d.endRun(dst[nDst:])
		}
	}
	return nDst, nSrc, nil
}
