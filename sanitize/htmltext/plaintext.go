package htmltext

import (
	"strings"
)

// DefangText makes the addresses written in plain text non-clickable, in
// the same form Convert gives links under LinksDefang:
// "https://www.example.jp/a" becomes "hxxps://www[.]example[.]jp/a" and
// "www.example.jp" becomes "www[.]example[.]jp". Mail clients turn such
// addresses into links by themselves, so defanging only the href of HTML
// links would leave the plain-text ones clickable. It returns the text and
// how many addresses it changed. Already defanged text is left as it is,
// so the function is idempotent.
//
// Every form that Outlook, Thunderbird or a browser makes a link of is
// changed, wherever it starts (a browser reads "_https://x/" from its
// "https"):
//   - "scheme://..." with any scheme, and "scheme:\\..." (for http, https,
//     ftp and file a browser reads "\" as "/", WHATWG URL §4.4):
//     "https://x\p" and "https://x,com/" too, which Convert refuses as
//     links but a client may still open; an unknown or unsafe scheme
//     becomes "scheme[:]//...";
//   - UNC paths "\\host\share\file", which Outlook links and Windows opens
//     over SMB (sending the reader's NTLM credentials): "[\]\host\share";
//   - "www." and "ftp." host names at a word start, which Thunderbird and
//     Outlook link without a scheme;
//   - the unsafe schemes that need no "//" (see NeutralizeText).
//
// An address ends at white space, a non-ASCII character (Japanese text
// often follows a URL without a space), or one of <>"'`; trailing
// punctuation that usually ends a sentence is not part of it.
func DefangText(s string) (string, int) {
	return scanText(s, true)
}

// NeutralizeText is DefangText for LinksKeep: ordinary web addresses stay
// clickable, but the ones a link of an HTML body could never be under any
// mode are changed: http, https and ftp URLs Convert would refuse, and
// "javascript:", "vbscript:", "livescript:", "data:" with a media type,
// "file:" (any form), the "ms-*" and "search-ms:" schemes that start
// Windows programs, and UNC paths. Converted vCards
// ("URL:javascript:...") and calendars ("ATTACH:file://...") follow the
// same rules as the body that way.
func NeutralizeText(s string) (string, int) {
	return scanText(s, false)
}

// scanText is DefangText (all) or NeutralizeText. It makes one pass:
// each change is local to the start of an address (its scheme and host),
// and the scan goes on after it, so an address inside another one's path
// or query ("?url=https://...") is found by the same loop and the work is
// linear in the length of s.
func scanText(s string, all bool) (string, int) {
	var b strings.Builder
	n, last := 0, 0
	edit := func(from, to int, repl string) {
		if b.Len() == 0 {
			b.Grow(len(s) + 16)
		}
		b.WriteString(s[last:from])
		b.WriteString(repl)
		last = to
		n++
	}
	var words wordEnds
	for i := 0; i < len(s); {
		start, kind, mark := nextAddress(s, i, last, all)
		if start < 0 {
			break
		}
		end := words.end(s, max(mark, start))
		switch {
		case kind == startScheme && end < mark+3, kind == startUnsafe && end < mark+2:
			// Trailing punctuation ("file:!") left nothing after the
			// scheme: not an address.
			i = mark + 1
			continue
		}
		switch kind {
		case startDefanged:
			// Already non-clickable (by Convert, or an earlier pass); an
			// address inside it is found by going on.
			i = mark
		case startScheme:
			head, hostEnd, ok := defangScheme(s[start:end], mark-start, all)
			if !ok {
				// Left as it is: what it holds may still be an address
				// (javascript: or a UNC path in the query of a URL kept
				// clickable).
				i = mark + 1
				continue
			}
			edit(start, start+hostEnd, head)
			i = start + hostEnd
		case startUnsafe:
			// "javascript:x" → "javascript[:]x".
			edit(mark, mark+1, "[:]")
			i = mark + 1
		case startUNC:
			hostEnd := authorityEnd(s[:end], start+2)
			edit(start, hostEnd, `[\]\`+bracketDots(s[start+2:hostEnd]))
			i = hostEnd
		case startWWW:
			// "www.example.jp": only the dots make it clickable.
			hostEnd := authorityEnd(s[:end], start)
			if colon := strings.IndexByte(s[start:end], ':'); hostEnd < start+len("www.") && colon > 0 {
				// "www.x.jp://...": the name is also a scheme, whose
				// address starts here too, or within "www." when the
				// name is longer than the 32 characters a scheme is
				// looked for in (an empty host would not move the scan
				// on): both made non-clickable at once.
				edit(start, start+colon+1, bracketDots(s[start:start+colon])+"[:]")
				i = start + colon + 1
				continue
			} else if hostEnd == start {
				i = start + 1
				continue
			}
			edit(start, hostEnd, bracketDots(s[start:hostEnd]))
			i = hostEnd
		}
	}
	if n == 0 {
		return s, 0
	}
	b.WriteString(s[last:])
	return b.String(), n
}

// wordEnds finds where the address at a position ends (urlEnd) for many
// positions in order, in linear time overall: positions inside one word
// share its end, which is computed once.
type wordEnds struct {
	stop    int // where the current word stops (white space, ...), 0 before the first
	trimmed int // stop less the trailing punctuation, down to the word's start
}

func (w *wordEnds) end(s string, i int) int {
	if i >= w.stop {
		w.stop = i
		for w.stop < len(s) && !isAddressStop(s[w.stop]) {
			w.stop++
		}
		w.trimmed = w.stop
		for w.trimmed > i && strings.IndexByte(".,;:!?)]}", s[w.trimmed-1]) >= 0 {
			w.trimmed--
		}
	}
	return max(w.trimmed, i)
}

// defangScheme changes the start of an address "scheme://..." whose "://"
// (or ":\\") starts at word[k]: it returns what replaces word[:hostEnd],
// the scheme and the authority. http, https and ftp become hxxp, hxxps
// and fxp as Convert writes them (the host in lower case), any other
// scheme "scheme[:]//"; the dots of the host are bracketed. Nothing
// here needs a parser to agree, so an address Convert would refuse
// ("https://x\p", which a browser opens as https://x/p; "https://x,com/")
// is changed all the same. ok is false when the address stays as it is
// (NeutralizeText and an ordinary web address).
func defangScheme(word string, k int, all bool) (head string, hostEnd int, ok bool) {
	scheme := strings.ToLower(word[:k])
	web := scheme == "http" || scheme == "https" || scheme == "ftp"
	if !all && !unsafeScheme(scheme) && (!web || acceptedURL(word, k)) {
		return "", 0, false
	}
	hostStart := k + 1
	for hostStart < len(word) && isSlash(word[hostStart]) {
		hostStart++
	}
	hostEnd = authorityEnd(word, hostStart)
	host := word[hostStart:hostEnd]
	if web {
		host = strings.ToLower(host)
	}
	host = bracketDots(host)
	switch scheme {
	case "http":
		return "hxxp://" + host, hostEnd, true
	case "https":
		return "hxxps://" + host, hostEnd, true
	case "ftp":
		return "fxp://" + host, hostEnd, true
	}
	return word[:k] + "[:]//" + host, hostEnd, true
}

// acceptedURL reports whether Convert would show an http, https or ftp
// address as a link: only its scheme and authority are parsed (bounded
// work however long the path), and it must fit maxURLLen.
func acceptedURL(word string, k int) bool {
	if len(word) > maxURLLen {
		return false
	}
	head := word
	if i := strings.IndexAny(word[k+3:], "/?#"); i >= 0 {
		head = word[:k+3+i]
	}
	if !strings.HasPrefix(word[k:], "://") {
		return false
	}
	t := classify([]byte(head), nil)
	return t.kind == urlOK
}

// authorityEnd returns where the host (with user information and port)
// that starts at s[i] ends: at a path, query or fragment, at the scheme of
// another address ("x.example:https://...", "x:javascript:..."), or the
// end.
func authorityEnd(s string, i int) int {
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '/', '\\', '?', '#':
			return j
		case ':':
			if st, kind := addressAt(s, i, j); kind != 0 {
				return st
			}
		}
	}
	return len(s)
}

func bracketDots(s string) string {
	return strings.ReplaceAll(s, ".", "[.]")
}

// unsafeScheme reports schemes that hand what follows to something other
// than a web browser: a script engine, the file system, a Windows program.
func unsafeScheme(scheme string) bool {
	switch scheme {
	case "javascript", "vbscript", "livescript", "file", "data", "search-ms", "search", "shell", "mhtml", "mk", "its", "ms-its", "jar":
		return true
	}
	return strings.HasPrefix(scheme, "ms-")
}

// Kinds of address starts.
const (
	startScheme   = iota + 1 // scheme:// or scheme:\\ (mark: the colon)
	startWWW                 // www. or ftp. at a word start
	startDefanged            // hxxp://, hxxps://, fxp:// (mark: after "://")
	startUnsafe              // javascript: and the like (mark: the colon)
	startUNC                 // \\host\share
)

// nextAddress finds the next address at or after i (its scheme may start
// before i, but not before floor, where the text is still unchanged). It
// returns its start, its kind and a mark inside it (see the kinds), or -1
// when there is none. With all false only unsafe forms are looked for.
func nextAddress(s string, i, floor int, all bool) (start, kind, mark int) {
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c == ':':
			if st, kind := addressAt(s, floor, i); kind != 0 {
				if kind == startDefanged {
					return st, kind, i + 3
				}
				return st, kind, i
			}
		case c == '\\':
			if i+2 < len(s) && s[i+1] == '\\' && (i == 0 || s[i-1] != '\\' && s[i-1] != '/') &&
				isHostByte(s[i+2]) && hasShare(s[i+2:]) {
				return i, startUNC, i
			}
		case all && (c|0x20 == 'w' || c|0x20 == 'f'):
			if i > 0 && isWordByte(s[i-1]) {
				continue
			}
			rest := s[i:]
			for _, p := range [...]string{"www.", "ftp."} {
				if len(rest) > len(p) && strings.EqualFold(rest[:len(p)], p) && isWordByte(rest[len(p)]) {
					return i, startWWW, i
				}
			}
		}
	}
	return -1, 0, 0
}

// addressAt reports whether the colon s[colon] is that of an address:
// a scheme followed by "//" (or "\\\\" for a scheme a browser reads so)
// and a host, or an unsafe scheme followed by what it runs. It returns
// where the scheme starts (from floor on) and the kind, 0 for none.
func addressAt(s string, floor, colon int) (int, int) {
	st, _ := schemeBefore(s, floor, colon)
	if st < 0 {
		return -1, 0
	}
	scheme := strings.ToLower(s[st:colon])
	i := colon
	switch {
	case i+2 < len(s) && isSlash(s[i+1]) && isSlash(s[i+2]) && isHostStart(s, i+3) &&
		(s[i+1] == '/' && s[i+2] == '/' || specialScheme(scheme)):
		if isDefangedScheme(scheme) {
			if s[i+1] == '/' && s[i+2] == '/' {
				return st, startDefanged
			}
			return -1, 0
		}
		return st, startScheme
	case unsafeScheme(scheme) && unsafeTail(scheme, s[i+1:]):
		return st, startUnsafe
	}
	return -1, 0
}

// schemeBefore returns where the scheme ending at the colon s[colon]
// starts: the longest run of scheme characters before it, from floor on,
// that begins with a letter (RFC 3986 §3.1), or -1.
func schemeBefore(s string, floor, colon int) (int, int) {
	st := colon
	for st > floor && isSchemeByte(s[st-1]) && colon-st < 32 {
		st--
	}
	for st < colon && !isLetter(s[st]) {
		st++
	}
	if st == colon {
		return -1, 0
	}
	return st, colon
}

// unsafeTail reports whether what follows an unsafe scheme's colon makes
// a link: "data:" needs a media type ("data:text/html,..."), "search:"
// and "shell:" a word; the others anything but white space.
func unsafeTail(scheme, rest string) bool {
	if rest == "" || rest[0] <= ' ' {
		return false
	}
	switch scheme {
	case "data":
		// A media type is short: look no further than that.
		end := urlEnd(rest[:min(len(rest), 128)], 0)
		return isLetter(rest[0]) && strings.ContainsAny(rest[:end], "/,")
	case "search", "shell":
		return isLetter(rest[0])
	}
	return true
}

// hasShare reports whether the host name at the start of s is followed by
// a backslash (a share) before the address ends.
func hasShare(s string) bool {
	for i := 0; i < len(s) && !isAddressStop(s[i]); i++ {
		if s[i] == '\\' {
			return true
		}
	}
	return false
}

// specialScheme reports the schemes whose "\\" a browser reads as "//"
// (WHATWG URL Standard §4.1 "special scheme"); after any other scheme
// ("URL:\\host\share" in a calendar) two backslashes start a UNC path.
func specialScheme(s string) bool {
	switch s {
	case "http", "https", "ftp", "file", "ws", "wss":
		return true
	}
	return false
}

func isDefangedScheme(s string) bool {
	return s == "hxxp" || s == "hxxps" || s == "fxp"
}

// isHostStart reports whether an authority (or, for "file:///", a path)
// starts at s[i]: something a client would follow. A non-ASCII byte
// counts: an internationalized host name ("https://аpple.com") is a link.
// So does the end of s: the part of an address scanned on its own (its
// query, say) ends where the address does, and what followed it there
// may have been a host; changing a bare "https://" costs nothing.
func isHostStart(s string, i int) bool {
	return i >= len(s) || isHostByte(s[i]) || isSlash(s[i]) || s[i] == '[' || s[i] >= 0x80
}

func isSlash(c byte) bool { return c == '/' || c == '\\' }

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isSchemeByte(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '+' || c == '-' || c == '.'
}

// isHostByte reports a byte that may start a host name or address.
func isHostByte(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '_' || c == '-'
}

// urlEnd returns where an address starting at i ends.
func urlEnd(s string, i int) int {
	j := i
	for j < len(s) && !isAddressStop(s[j]) {
		j++
	}
	for j > i && strings.IndexByte(".,;:!?)]}", s[j-1]) >= 0 {
		j--
	}
	return j
}

// isAddressStop reports a byte no address runs over.
func isAddressStop(c byte) bool {
	return c <= ' ' || c >= 0x7f || strings.IndexByte("<>\"'`", c) >= 0
}

func isWordByte(c byte) bool {
	return c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'z'
}
