package archive

import (
	"strings"
	"unicode/utf8"

	"github.com/mugai/mugai/sanitize/charset"
	"github.com/mugai/mugai/sanitize/textclean"
)

// Legacy charsets of names that are not UTF-8, per format: the zip default
// is IBM code page 437 (APPNOTE appendix D.1); RFC 1952 §2.3.1 makes the
// gzip FNAME ISO 8859-1, which WHATWG (and so charset) decodes as
// windows-1252; tar has no rule (POSIX ustar names are in the portable
// character set, GNU tar writes the locale's bytes), so it gets the gzip
// choice.
const (
	zipLegacy  = "ibm437"
	gzipLegacy = "iso-8859-1"
	tarLegacy  = "iso-8859-1"
)

// decodeName turns a raw name of unknown encoding into UTF-8.
//
// Valid UTF-8 is taken as is: besides writers that set the UTF-8 flag,
// macOS Archive Utility, Info-ZIP on Linux, GNU tar and gzip in UTF-8
// locales all write UTF-8 names without saying so. Anything else is first
// decoded as Shift_JIS (CP932), because that is what Windows Explorer,
// Lhaplus and 7-Zip write on Japanese Windows, by far the most common
// source of legacy names in mail to a Japanese municipality; only if that
// leaves invalid sequences is the format's own legacy charset used (which
// decodes every byte). A European CP437/Latin-1 name can therefore come out
// as kanji when its bytes happen to be valid Shift_JIS; for this gateway's
// mail that is the right trade.
func decodeName(raw, legacy string) string {
	if utf8.ValidString(raw) {
		return raw
	}
	if s, res := charset.Decode([]byte(raw), "shift_jis"); res.Replaced == 0 {
		return s
	}
	s, _ := charset.Decode([]byte(raw), legacy)
	return s
}

// cleanPath makes a decoded archive path safe: split at "/" and "\" (APPNOTE
// 4.4.17.1 requires "/", but Windows tools have written "\"), drop empty,
// "." and ".." elements and a leading drive letter ("C:"), clean each
// element with textclean.Filename (which removes controls, bidi and
// zero-width characters, Windows-reserved characters and leading dots) and
// join with "/". The result is relative and cannot climb out of a
// directory it is joined to.
func cleanPath(name string) string {
	parts := strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' })
	out := parts[:0]
	for i, p := range parts {
		if i == 0 && len(p) >= 2 && p[1] == ':' && isASCIILetter(p[0]) {
			// "C:" or the drive-relative "C:name" of Windows.
			p = p[2:]
		}
		if p == "." || p == ".." {
			continue
		}
		if c := textclean.Filename(p); c != "" && c != "." && c != ".." {
			out = append(out, c)
		}
	}
	return strings.Join(out, "/")
}

func isASCIILetter(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
