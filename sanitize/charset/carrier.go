package charset

import (
	"sort"
	"strings"

	"golang.org/x/text/encoding/japanese"
)

// Carrier names a Japanese mobile carrier, whose phones put emoji (絵文字)
// into Shift_JIS and ISO-2022-JP mail as codes of the user-defined area
// that no standard table maps. The carriers' sets overlap (docomo and
// SoftBank both use F9xx, KDDI and SoftBank F7xx), so which one sent the
// text decides what a code is; DecodeCarrier takes it as a hint.
type Carrier string

// Carriers.
const (
	CarrierUnknown  Carrier = ""
	CarrierDocomo   Carrier = "docomo"
	CarrierAU       Carrier = "au" // KDDI
	CarrierSoftBank Carrier = "softbank"
)

// Geta is U+3013 GETA MARK 〓, which Japanese software shows for a
// character it cannot show: a carrier emoji that has no Unicode
// equivalent, or a user-defined character (外字).
const Geta = "\u3013"

// CarrierForAddress guesses the carrier from the domain of a mail address
// (the carriers' mail domains), CarrierUnknown for any other.
func CarrierForAddress(addr string) Carrier {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return CarrierUnknown
	}
	domain := strings.ToLower(strings.TrimSuffix(addr[i+1:], "."))
	under := func(d string) bool { return domain == d || strings.HasSuffix(domain, "."+d) }
	switch {
	case under("docomo.ne.jp"):
		return CarrierDocomo
	case under("ezweb.ne.jp"), under("au.com"):
		return CarrierAU
	case under("softbank.ne.jp"), under("vodafone.ne.jp"), under("disney.ne.jp"), domain == "i.softbank.jp":
		return CarrierSoftBank
	}
	return CarrierUnknown
}

// carrierTable maps a carrier's Shift_JIS emoji codes to Unicode text (one
// code point, or a keycap sequence), sorted by code; carrier_emoji.go
// holds the tables, generated from the Unicode Character Database.
type carrierTable []struct {
	code uint16
	text string
}

func (t carrierTable) lookup(code uint16) (string, bool) {
	i := sort.Search(len(t), func(i int) bool { return t[i].code >= code })
	if i < len(t) && t[i].code == code {
		return t[i].text, true
	}
	return "", false
}

func tableOf(c Carrier) carrierTable {
	switch c {
	case CarrierDocomo:
		return docomoEmoji
	case CarrierAU:
		return kddiEmoji
	case CarrierSoftBank:
		return softbankEmoji
	}
	return nil
}

// isUserDefined reports a Shift_JIS code of the user-defined area
// (F040–F9FC in CP932), which CP932 maps to the Private Use Area and
// x/text to nothing.
func isUserDefined(code uint16) bool {
	return code >= 0xF040 && code <= 0xF9FC
}

// sjisCarrierCode says what the two-byte Shift_JIS code (lead byte 0xF0
// or above) becomes: ok is false when the ordinary decoder should read it
// (an IBM extension kanji FA40–FC4B); otherwise text is an emoji, or Geta
// (geta true) for a code of the user-defined area that is no known emoji
// or, without a carrier, one the carriers disagree on.
func sjisCarrierCode(code uint16, carrier Carrier) (text string, geta, ok bool) {
	if t := tableOf(carrier); t != nil {
		if s, found := t.lookup(code); found {
			return s, false, true
		}
	} else {
		var found []string
		for _, c := range []Carrier{CarrierDocomo, CarrierAU, CarrierSoftBank} {
			if code >= 0xFA40 && c == CarrierSoftBank {
				// SoftBank's FBxx are IBM extension kanji in CP932.
				continue
			}
			if s, ok := tableOf(c).lookup(code); ok {
				found = append(found, s)
			}
		}
		if len(found) == 1 || len(found) > 1 && allSame(found) {
			return found[0], false, true
		}
	}
	if isUserDefined(code) {
		return Geta, true, true
	}
	return "", false, false
}

func allSame(s []string) bool {
	for _, x := range s[1:] {
		if x != s[0] {
			return false
		}
	}
	return true
}

// decodeSJISCarrier decodes Shift_JIS whose bytes include lead bytes of
// the user-defined area or above: carrier codes become their emoji (or
// Geta), the rest is decoded by x/text in runs cut at character
// boundaries. It returns the text, the replacements and the Geta
// substitutions.
func decodeSJISCarrier(b []byte, carrier Carrier) (string, int, int) {
	var out strings.Builder
	out.Grow(len(b) + len(b)/2)
	replaced, substituted := 0, 0
	start := 0
	flush := func(end int) {
		if end > start {
			s, n := decodeAs(b[start:end], nameShiftJIS, japanese.ShiftJIS)
			out.WriteString(s)
			replaced += n
		}
	}
	for i := 0; i < len(b); {
		c := b[i]
		if !(0x81 <= c && c <= 0x9f || 0xe0 <= c && c <= 0xfc) || i+1 >= len(b) {
			i++
			continue
		}
		c2 := b[i+1]
		if !(0x40 <= c2 && c2 <= 0x7e || 0x80 <= c2 && c2 <= 0xfc) {
			i++
			continue
		}
		if c >= 0xf0 {
			if text, geta, ok := sjisCarrierCode(uint16(c)<<8|uint16(c2), carrier); ok {
				flush(i)
				out.WriteString(text)
				if geta {
					substituted++
				}
				i += 2
				start = i
				continue
			}
		}
		i += 2
	}
	flush(len(b))
	return out.String(), replaced, substituted
}

// auJISCode converts an ISO-2022-JP (JIS) code of KDDI's mail emoji to
// KDDI's Shift_JIS code. au phones write emoji into ISO-2022-JP mail in
// rows 0x75–0x7B: rows 0x75–0x78 are its Shift_JIS F640–F7FC, rows
// 0x79–0x7B its F340–F4FC, each read with the standard JIS to Shift_JIS
// arithmetic (JIS X 0208 Annex 1) and the lead byte moved (jpmobile's
// AU_EMAILJIS_TO_UNICODE agrees code for code). ok is false outside.
func auJISCode(row, col byte) (uint16, bool) {
	var shift byte
	switch {
	case 0x75 <= row && row <= 0x78:
		shift = 0x0b
	case 0x79 <= row && row <= 0x7b:
		shift = 0x06
	default:
		return 0, false
	}
	s1 := (row+1)>>1 + 0xb0 + shift
	var s2 byte
	switch {
	case row&1 == 0:
		s2 = col + 0x7e
	case col >= 0x60:
		s2 = col + 0x20
	default:
		s2 = col + 0x1f
	}
	return uint16(s1)<<8 | uint16(s2), true
}

// decodeJISCarrier decodes ISO-2022-JP that may hold au emoji: the text
// is rewritten to EUC-JP as for any ISO-2022-JP, and the two-byte codes of
// rows 0x75–0x78 (which no other set uses) become au emoji or Geta, as do
// those of rows 0x79–0x7B when carrier is au (otherwise they are the
// NEC-selected IBM extension kanji that Outlook writes there).
func decodeJISCarrier(b []byte, carrier Carrier) (string, int, int) {
	euc := transformAll(&jisToEUC{}, b)
	var out strings.Builder
	out.Grow(len(euc) + len(euc)/2)
	replaced, substituted := 0, 0
	start := 0
	flush := func(end int) {
		if end > start {
			s, n := decodeAs(euc[start:end], nameEUCJP, japanese.EUCJP)
			out.WriteString(s)
			replaced += n
		}
	}
	for i := 0; i < len(euc); {
		c := euc[i]
		switch {
		case c == 0x8e && i+1 < len(euc):
			i += 2
			continue
		case c == 0x8f && i+2 < len(euc):
			i += 3
			continue
		case c < 0xa1 || i+1 >= len(euc):
			i++
			continue
		}
		row, col := c&0x7f, euc[i+1]&0x7f
		if row <= 0x78 || carrier == CarrierAU {
			if code, ok := auJISCode(row, col); ok {
				flush(i)
				if s, found := kddiEmoji.lookup(code); found {
					out.WriteString(s)
				} else {
					out.WriteString(Geta)
					substituted++
				}
				i += 2
				start = i
				continue
			}
		}
		i += 2
	}
	flush(len(euc))
	return out.String(), replaced, substituted
}

// needsCarrier reports whether text in charset name may hold carrier
// codes that decodeCarrier must read: a Shift_JIS lead byte of the
// user-defined area or above, or ISO-2022-JP at all (its rows are only
// seen after the escape sequences are read).
func needsCarrier(b []byte, name string) bool {
	switch name {
	case nameShiftJIS:
		for _, c := range b {
			if c >= 0xf0 {
				return true
			}
		}
	case nameISO2022JP:
		for i := 0; i+1 < len(b); i++ {
			if b[i] >= 0x75 && b[i] <= 0x7b && b[i+1] >= 0x21 && b[i+1] <= 0x7e {
				return true
			}
		}
	}
	return false
}
