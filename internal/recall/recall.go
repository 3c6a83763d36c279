// Package recall measures how much of a reference extractor's text a
// converter's text holds, for the quality tables of the converters (PDF
// against pdftotext, legacy Office against catdoc, xls2csv and catppt).
//
// Text is cut into tokens: runs of letters, digits and combining marks,
// except that each character of a script written without spaces (kana,
// CJK ideographs, full-width forms) is a token of its own. Recall is the
// share of the reference's tokens, counted as a multiset, that the
// converter's text also has. Order and layout do not count, nor do full-
// and half-width forms of the same character.
package recall

import (
	"unicode"

	"golang.org/x/text/width"
)

// Tokens counts the tokens of s.
func Tokens(s string) map[string]int {
	m := map[string]int{}
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			m[string(cur)]++
			cur = cur[:0]
		}
	}
	for _, r := range s {
		// Full- and half-width forms are the same characters: extractors
		// differ in which they write for a collection's Latin glyphs.
		if n := width.LookupRune(r).Narrow(); n != 0 && r >= 0xFF00 {
			r = n
		}
		switch {
		case unspaced(r) && (unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsSymbol(r)):
			flush()
			m[string(r)]++
		case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r):
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return m
}

// Of returns the recall of ours against ref, with the reference tokens
// found and their total. A reference without tokens has recall 1.
func Of(ours, ref string) (r float64, found, total int) {
	o, rt := Tokens(ours), Tokens(ref)
	for w, n := range rt {
		total += n
		found += min(n, o[w])
	}
	if total == 0 {
		return 1, 0, 0
	}
	return float64(found) / float64(total), found, total
}

// unspaced reports characters of scripts written without spaces between
// words: kana, CJK ideographs and symbols, enclosed and full-width forms.
func unspaced(r rune) bool {
	switch {
	case r >= 0x2E80 && r <= 0x9FFF, r >= 0x2460 && r <= 0x24FF:
		return true
	case r >= 0xF900 && r <= 0xFAFF, r >= 0xFE30 && r <= 0xFE4F, r >= 0xFF00 && r <= 0xFFEF:
		return true
	case r >= 0x20000 && r <= 0x3FFFF:
		return true
	}
	return false
}
