package htmltext

import (
	"strings"
)

// DefangText makes the web addresses written in plain text non-clickable,
// in the same form Convert gives links under LinksDefang:
// "https://www.example.jp/a" becomes "hxxps://www[.]example[.]jp/a" and
// "www.example.jp" becomes "www[.]example[.]jp". Mail clients turn such
// addresses into links by themselves, so defanging only the href of HTML
// links would leave the plain-text ones clickable. It returns the text and
// how many addresses it changed. Already defanged text is left as it is,
// so the function is idempotent.
//
// An address ends at white space, a non-ASCII character (Japanese text
// often follows a URL without a space), or one of <>"'`; trailing
// punctuation that usually ends a sentence is not part of it.
func DefangText(s string) (string, int) {
	var b strings.Builder
	n, last := 0, 0
	for i := 0; i < len(s); {
		start, kind := urlStart(s, i)
		if start < 0 {
			break
		}
		end := urlEnd(s, start)
		word := s[start:end]
		var out string
		switch {
		case kind == startDefanged:
			// Already non-clickable (by Convert, or an earlier pass); only
			// an address inside its query may be left to do.
			if k := strings.Index(word, "://"); k >= 0 {
				if inner, m := DefangText(word[k+3:]); m > 0 {
					out = word[:k+3] + inner
				}
			}
		case kind == startScheme:
			t := classify([]byte(word), nil)
			if t.kind == urlOK && t.defanged != "" && t.defanged != word {
				out = t.defanged
				// An address inside the query ("?url=https://...") would
				// still be made a link by a mail client.
				if k := strings.Index(out, "://"); k >= 0 {
					inner, _ := DefangText(out[k+3:])
					out = out[:k+3] + inner
				}
			}
		case strings.Count(word, ".") >= 2:
			// "www.example.jp": only the dots make it clickable.
			out = strings.ReplaceAll(word, ".", "[.]")
		}
		if out != "" {
			if b.Len() == 0 {
				b.Grow(len(s) + 16)
			}
			b.WriteString(s[last:start])
			b.WriteString(out)
			last = end
			n++
		}
		i = max(end, start+1)
	}
	if n == 0 {
		return s, 0
	}
	b.WriteString(s[last:])
	return b.String(), n
}

// Kinds of address starts.
const (
	startScheme   = iota + 1 // http://, https://, ftp://
	startWWW                 // www.
	startDefanged            // hxxp://, hxxps://, fxp://
)

// urlStart finds the next address that starts a word at or after i:
// "http://", "https://", "ftp://", "www.", or an already defanged
// "hxxp://", "hxxps://", "fxp://". It returns -1 when there is none.
func urlStart(s string, i int) (int, int) {
	for ; i < len(s); i++ {
		c := s[i] | 0x20
		if c != 'h' && c != 'f' && c != 'w' {
			continue
		}
		if i > 0 && isWordByte(s[i-1]) {
			continue
		}
		rest := s[i:]
		for _, p := range []struct {
			prefix string
			kind   int
		}{{"http://", startScheme}, {"https://", startScheme}, {"ftp://", startScheme},
			{"hxxp://", startDefanged}, {"hxxps://", startDefanged}, {"fxp://", startDefanged}} {
			if len(rest) >= len(p.prefix) && strings.EqualFold(rest[:len(p.prefix)], p.prefix) {
				return i, p.kind
			}
		}
		if len(rest) > 4 && strings.EqualFold(rest[:4], "www.") && isWordByte(rest[4]) {
			return i, startWWW
		}
	}
	return -1, 0
}

// urlEnd returns where an address starting at i ends.
func urlEnd(s string, i int) int {
	j := i
	for j < len(s) {
		c := s[j]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("<>\"'`", c) >= 0 {
			break
		}
		j++
	}
	for j > i && strings.IndexByte(".,;:!?)]}", s[j-1]) >= 0 {
		j--
	}
	return j
}

func isWordByte(c byte) bool {
	return c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'z'
}
