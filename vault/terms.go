package vault

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Subject search. Japanese (and Chinese) is written without spaces, so a
// word index would see 「見積書の送付について」 as one word and never find
// 見積書. The index therefore keeps, per entry, character bigrams of every
// run of CJK characters (見積, 積書, 書の, ...) and whole words of every
// other run of letters and digits; a query's words are cut the same way,
// an entry must hold all of the query's terms, and the normalized subject
// must contain each query word as written (so 見積書 does not match a
// subject that only has 見積 and 積書 far apart). A one-character CJK word
// has no bigram and is matched on the subject text alone. This is the
// approach of n-gram full-text indexes for CJK (Lucene's CJKAnalyzer,
// PostgreSQL's pg_bigm), in SQL both backends share.

// maxIndexedRunes bounds the subject text indexed per entry: the header
// may be large (limits.header_size), the terms table should not be.
const maxIndexedRunes = 1000

// maxTerms bounds the distinct terms kept per entry.
const maxTerms = 400

// normalizeText is the form both the stored and the queried text take:
// NFKC (full-width Latin and half-width kana fold to their usual forms)
// and lower case.
func normalizeText(s string) string {
	return strings.ToLower(norm.NFKC.String(s))
}

// isCJK reports whether r is written without spaces between words.
func isCJK(r rune) bool {
	switch {
	case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul):
		return true
	case r == 'ー' || r == '々' || r == '〆' || r == 'ヶ':
		// Prolonged sound mark and iteration marks are "Common" script
		// but part of Japanese words.
		return true
	}
	return false
}

// token is one run of a text: CJK characters or other letters and digits.
type token struct {
	text string
	cjk  bool
}

// tokenize splits normalized text into runs; everything that is neither
// a letter, a digit nor CJK separates runs.
func tokenize(s string) []token {
	var out []token
	start, cjk := -1, false
	flush := func(end int) {
		if start >= 0 {
			out = append(out, token{s[start:end], cjk})
			start = -1
		}
	}
	for i, r := range s {
		c := isCJK(r)
		word := c || unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case !word:
			flush(i)
		case start < 0:
			start, cjk = i, c
		case c != cjk:
			flush(i)
			start, cjk = i, c
		}
	}
	flush(len(s))
	return out
}

// bigrams returns the overlapping two-character pieces of a CJK run.
func bigrams(run string) []string {
	var out []string
	prev := -1
	for i := range run {
		if prev >= 0 {
			_, size := utf8.DecodeRuneInString(run[i:])
			out = append(out, run[prev:i+size])
		}
		prev = i
	}
	return out
}

// indexTerms returns the distinct terms stored for a subject.
func indexTerms(subject string) []string {
	s := normalizeText(subject)
	if utf8.RuneCountInString(s) > maxIndexedRunes {
		s = string([]rune(s)[:maxIndexedRunes])
	}
	seen := make(map[string]bool)
	var out []string
	add := func(t string) {
		if !seen[t] && len(out) < maxTerms {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, t := range tokenize(s) {
		if !t.cjk {
			add(t.text)
			continue
		}
		if utf8.RuneCountInString(t.text) == 1 {
			add(t.text)
			continue
		}
		for _, b := range bigrams(t.text) {
			add(b)
		}
	}
	return out
}

// subjectQuery turns the words of a query into the terms an entry must
// hold and the pieces its normalized subject must contain.
func subjectQuery(q string) (terms, pieces []string) {
	seen := make(map[string]bool)
	for _, word := range strings.Fields(normalizeText(q)) {
		pieces = append(pieces, word)
		for _, t := range tokenize(word) {
			var ts []string
			switch {
			case !t.cjk:
				ts = []string{t.text}
			case utf8.RuneCountInString(t.text) > 1:
				ts = bigrams(t.text)
			}
			for _, x := range ts {
				if !seen[x] {
					seen[x] = true
					terms = append(terms, x)
				}
			}
		}
	}
	return terms, pieces
}
