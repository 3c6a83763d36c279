package charset

import (
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// Canonical names of the charsets this package treats specially. Every other
// name comes from htmlindex or ianaindex, lower-cased.
const (
	nameASCII     = "us-ascii"
	nameUTF8      = "utf-8"
	nameUTF16     = "utf-16"
	nameUTF16LE   = "utf-16le"
	nameUTF16BE   = "utf-16be"
	nameUTF32     = "utf-32"
	nameUTF32LE   = "utf-32le"
	nameUTF32BE   = "utf-32be"
	nameUTF7      = "utf-7"
	nameISO2022JP = "iso-2022-jp"
	nameShiftJIS  = "shift_jis"
	nameEUCJP     = "euc-jp"
	nameGBK       = "gbk"
	nameGB18030   = "gb18030"
	nameBig5      = "big5"
	nameEUCKR     = "euc-kr"
	nameWin1252   = "windows-1252"
)

// aliases maps labels that htmlindex and ianaindex do not know, or map in a
// way that is wrong for mail, to a canonical name. It is consulted first.
// Read-only after initialisation.
var aliases = map[string]string{
	// WHATWG maps every ASCII label to windows-1252; mail keeps the
	// distinction so that Decode can notice 8-bit bytes in "us-ascii" text
	// (RFC 2046 §4.1.2: us-ascii is 7-bit).
	"us-ascii": nameASCII, "ascii": nameASCII, "us": nameASCII,
	"ansi_x3.4-1968": nameASCII, "ansi_x3.4-1986": nameASCII,
	"iso-ir-6": nameASCII, "iso646-us": nameASCII, "iso_646.irv:1991": nameASCII,
	"cp367": nameASCII, "ibm367": nameASCII, "csascii": nameASCII, "646": nameASCII,

	"utf-8": nameUTF8, "utf8": nameUTF8, "unicode-1-1-utf-8": nameUTF8,
	"unicode-2-0-utf-8": nameUTF8, "x-unicode20utf8": nameUTF8, "x-utf8": nameUTF8,
	// Ruby's (jpmobile's) names for UTF-8 with carrier emoji in the private
	// use area; the bytes are plain UTF-8.
	"utf8-docomo": nameUTF8, "utf8-kddi": nameUTF8, "utf8-softbank": nameUTF8,

	// RFC 2781 §4.3: "utf-16" means big-endian unless a BOM says otherwise
	// (WHATWG instead reads it as UTF-16LE). The unlabelled-order Windows
	// names get the same treatment; Decode sniffs the byte order.
	"utf-16": nameUTF16, "utf16": nameUTF16, "ucs-2": nameUTF16,
	"iso-10646-ucs-2": nameUTF16, "csunicode": nameUTF16, "unicode": nameUTF16,
	"utf-16le": nameUTF16LE, "utf16le": nameUTF16LE, "unicodefeff": nameUTF16LE, "x-utf-16le": nameUTF16LE,
	"utf-16be": nameUTF16BE, "utf16be": nameUTF16BE, "unicodefffe": nameUTF16BE, "x-utf-16be": nameUTF16BE,
	"utf-32": nameUTF32, "utf32": nameUTF32, "ucs-4": nameUTF32, "iso-10646-ucs-4": nameUTF32, "csucs4": nameUTF32,
	"utf-32le": nameUTF32LE, "utf-32be": nameUTF32BE,

	// RFC 2152. Outlook Express labelled it "unicode-1-1-utf-7".
	"utf-7": nameUTF7, "utf7": nameUTF7, "unicode-1-1-utf-7": nameUTF7,
	"csunicode11utf7": nameUTF7, "unicode-2-0-utf-7": nameUTF7, "x-unicode-2-0-utf-7": nameUTF7,

	// RFC 1468 and its extensions (RFC 2237 ISO-2022-JP-1, RFC 1554
	// ISO-2022-JP-2, JIS X 0213 ISO-2022-JP-3/2004) and Microsoft's CP5022x
	// (which carry CP932 extensions in rows 13 and 89–92). One decoder reads
	// them all; see iso2022jp.go for what each escape sequence does.
	"iso-2022-jp": nameISO2022JP, "iso2022jp": nameISO2022JP, "csiso2022jp": nameISO2022JP,
	"iso-2022-jp-1": nameISO2022JP, "iso-2022-jp-2": nameISO2022JP, "csiso2022jp2": nameISO2022JP,
	"iso-2022-jp-3": nameISO2022JP, "iso-2022-jp-2004": nameISO2022JP, "iso-2022-jp-ms": nameISO2022JP,
	"cp50220": nameISO2022JP, "cp50221": nameISO2022JP, "cp50222": nameISO2022JP,
	"x-windows-iso2022jp": nameISO2022JP, "iso-2022-jp-kddi": nameISO2022JP,
	"jis_encoding": nameISO2022JP, "csjisencoding": nameISO2022JP, "jis": nameISO2022JP, "jis7": nameISO2022JP,

	// x/text's ShiftJIS is the WHATWG Shift_JIS, which is CP932 (Windows-31J):
	// NEC row 13, NEC-selected and IBM extensions, user-defined area. The
	// carrier (Ruby/Java) names are CP932 plus emoji in the user-defined
	// area, which decodes to the private use area; Shift_JIS-2004 differs
	// from CP932 only in cells CP932 leaves to vendors, so CP932 is the best
	// decoder available for it.
	"shift_jis": nameShiftJIS, "shift-jis": nameShiftJIS, "sjis": nameShiftJIS, "x-sjis": nameShiftJIS,
	"ms_kanji": nameShiftJIS, "csshiftjis": nameShiftJIS, "windows-31j": nameShiftJIS,
	"cswindows31j": nameShiftJIS, "cp932": nameShiftJIS, "ms932": nameShiftJIS, "windows-932": nameShiftJIS,
	"x-ms-cp932": nameShiftJIS, "ibm-943": nameShiftJIS, "ibm943": nameShiftJIS,
	"sjis-open": nameShiftJIS, "sjis-win": nameShiftJIS, "x-mac-japanese": nameShiftJIS,
	"x-sjis-docomo": nameShiftJIS, "x-sjis-kddi": nameShiftJIS, "x-sjis-softbank": nameShiftJIS,
	"x-sjis-imode": nameShiftJIS, "x-sjis-jphone": nameShiftJIS, "x-sjis-vodafone": nameShiftJIS,
	"x-sjis-ezweb": nameShiftJIS, "x-sjis-ezweb-auto": nameShiftJIS,
	"sjis-docomo": nameShiftJIS, "sjis-kddi": nameShiftJIS, "sjis-softbank": nameShiftJIS,
	"shift_jis-2004": nameShiftJIS, "shift_jisx0213": nameShiftJIS, "x-sjis_0213": nameShiftJIS,

	// EUC-JP as WHATWG decodes it includes JIS X 0212 and the CP51932/eucJP-ms
	// extensions in rows 13 and 89–92.
	"euc-jp": nameEUCJP, "eucjp": nameEUCJP, "euc_jp": nameEUCJP, "x-euc-jp": nameEUCJP,
	"x-euc": nameEUCJP, "ujis": nameEUCJP, "cseucpkdfmtjapanese": nameEUCJP,
	"extended_unix_code_packed_format_for_japanese": nameEUCJP, "cp51932": nameEUCJP,
	"eucjp-ms": nameEUCJP, "eucjp-win": nameEUCJP, "euc-jp-ms": nameEUCJP, "eucjp-open": nameEUCJP,
	"x-eucjp-open": nameEUCJP, "euc-jis-2004": nameEUCJP, "euc-jisx0213": nameEUCJP, "x-euc-jp-linux": nameEUCJP,

	// GB2312 mail routinely carries GBK characters; GBK is a superset.
	"gb2312": nameGBK, "gbk": nameGBK, "x-gbk": nameGBK, "cp936": nameGBK, "ms936": nameGBK,
	"windows-936": nameGBK, "chinese": nameGBK, "csgb2312": nameGBK, "csiso58gb231280": nameGBK,
	"gb_2312-80": nameGBK, "gb_2312": nameGBK, "iso-ir-58": nameGBK, "euc-cn": nameGBK, "x-euc-cn": nameGBK,
	"cn-gb":   nameGBK,
	"gb18030": nameGB18030,

	"big5": nameBig5, "big-5": nameBig5, "big5-hkscs": nameBig5, "cn-big5": nameBig5, "csbig5": nameBig5,
	"x-x-big5": nameBig5, "cp950": nameBig5, "windows-950": nameBig5, "x-big5": nameBig5,

	// WHATWG's euc-kr is the UHC (CP949) superset, so every Korean label,
	// including the ks_c_5601-1987 Outlook writes, decodes with it.
	"euc-kr": nameEUCKR, "euckr": nameEUCKR, "cseuckr": nameEUCKR, "ks_c_5601-1987": nameEUCKR,
	"ks_c_5601-1989": nameEUCKR, "ks_c_5601": nameEUCKR, "ksc_5601": nameEUCKR, "ksc5601": nameEUCKR,
	"korean": nameEUCKR, "csksc56011987": nameEUCKR, "iso-ir-149": nameEUCKR, "cp949": nameEUCKR,
	"windows-949": nameEUCKR, "uhc": nameEUCKR, "x-windows-949": nameEUCKR, "ms949": nameEUCKR,
}

// placeholders are labels that say "the sender did not know". They are not
// charsets: Lookup reports them unknown and Decode guesses.
//   - unknown-8bit: RFC 1428 §3, for 8-bit mail of unknown charset;
//   - x-unknown, unknown, default, none: what various MUAs write instead;
//   - 8bit, 7bit, binary: Content-Transfer-Encoding values put in the
//     charset parameter by mistake;
//   - x-user-defined: a WHATWG encoding for binary-in-text hacks, never a
//     real mail charset.
var placeholders = map[string]bool{
	"unknown-8bit": true, "x-unknown": true, "unknown": true, "default": true, "none": true,
	"8bit": true, "7bit": true, "binary": true, "x-user-defined": true,
}

// Lookup returns the decoder for a MIME/IANA charset label (case-insensitive,
// surrounding spaces/quotes ignored) and its canonical lower-case name. ok is
// false for unknown labels.
//
// An RFC 2231 §5 language suffix ("utf-8*ja") and a doubled "charset=" are
// ignored, and a label with
// underscores is also tried with hyphens ("utf_8"). The label "us-ascii"
// returns a windows-1252 decoder, so that stray 8-bit bytes still decode as
// the sender most likely meant (WHATWG Encoding §4.2); Decode detects such
// bytes and guesses instead.
func Lookup(label string) (enc encoding.Encoding, name string, ok bool) {
	return lookupNormalized(normalizeLabel(label))
}

// normalizeLabel trims spaces and quotes, lower-cases, and drops an RFC 2231
// language suffix and a repeated "charset=" (charset="charset=us-ascii" is
// a known mailer bug).
func normalizeLabel(label string) string {
	l := strings.ToLower(strings.Trim(label, " \t\r\n\"'"))
	if i := strings.IndexByte(l, '*'); i >= 0 {
		l = l[:i]
	}
	if rest, ok := strings.CutPrefix(l, "charset="); ok {
		l = strings.Trim(rest, " \t\"'")
	}
	return strings.TrimSpace(l)
}

func lookupNormalized(l string) (encoding.Encoding, string, bool) {
	if l == "" || placeholders[l] {
		return nil, "", false
	}
	if enc, name, ok := lookupExact(l); ok {
		return enc, name, true
	}
	if strings.Contains(l, "_") {
		return lookupExact(strings.ReplaceAll(l, "_", "-"))
	}
	return nil, "", false
}

func lookupExact(l string) (encoding.Encoding, string, bool) {
	if name, ok := aliases[l]; ok {
		return encodingFor(name), name, true
	}
	if enc, err := htmlindex.Get(l); err == nil && enc != nil {
		// WHATWG maps ISO-2022-KR, HZ and ISO-2022-CN to a "replacement"
		// decoder that turns the whole text into one U+FFFD; for mail it is
		// better to call them unknown and let Decode guess, which keeps the
		// ASCII parts readable.
		if enc == encoding.Replacement || enc == charmap.XUserDefined {
			return nil, "", false
		}
		name, err := htmlindex.Name(enc)
		if err != nil {
			return nil, "", false
		}
		return canonical(enc, name)
	}
	for _, idx := range []*ianaindex.Index{ianaindex.MIME, ianaindex.IANA} {
		// ianaindex knows names of charsets x/text cannot decode (UTF-7,
		// UTF-32, ...) and returns a nil Encoding for them.
		enc, err := idx.Encoding(l)
		if err != nil || enc == nil || enc == encoding.Replacement {
			continue
		}
		if name, err := htmlindex.Name(enc); err == nil {
			return canonical(enc, name)
		}
		name, err := idx.Name(enc)
		if err != nil || name == "" {
			continue
		}
		return canonical(enc, strings.ToLower(name))
	}
	return nil, "", false
}

// canonical replaces the x/text encodings that this package decodes with its
// own, so every label of one charset gets the same decoder.
func canonical(enc encoding.Encoding, name string) (encoding.Encoding, string, bool) {
	switch name {
	case nameISO2022JP, nameUTF16LE, nameUTF16BE, nameUTF8:
		return encodingFor(name), name, true
	}
	return enc, name, true
}

// encodingFor returns the decoder for a canonical name from aliases.
func encodingFor(name string) encoding.Encoding {
	switch name {
	case nameASCII:
		return charmap.Windows1252
	case nameUTF8:
		return unicode.UTF8
	case nameUTF16:
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	case nameUTF16LE:
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	case nameUTF16BE:
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	case nameUTF32:
		return utf32.UTF32(utf32.BigEndian, utf32.UseBOM)
	case nameUTF32LE:
		return utf32.UTF32(utf32.LittleEndian, utf32.UseBOM)
	case nameUTF32BE:
		return utf32.UTF32(utf32.BigEndian, utf32.UseBOM)
	case nameUTF7:
		return utf7Encoding{}
	case nameISO2022JP:
		return iso2022JPEncoding{}
	case nameShiftJIS:
		return japanese.ShiftJIS
	case nameEUCJP:
		return japanese.EUCJP
	case nameGBK:
		return simplifiedchinese.GBK
	case nameGB18030:
		return simplifiedchinese.GB18030
	case nameBig5:
		return traditionalchinese.Big5
	case nameEUCKR:
		return korean.EUCKR
	case nameWin1252:
		return charmap.Windows1252
	}
	// Unreachable for names in aliases; a test checks every alias.
	return nil
}
