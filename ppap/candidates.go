package ppap

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// DefaultMaxCandidates is how many candidates Candidates returns when
// asked for zero or fewer.
const DefaultMaxCandidates = 10

// Bounds of the scan.
const (
	// minLen and maxLen bound a candidate, in bytes (it is ASCII).
	// Shorter "passwords" are words like "zip" and "PDF"; tools generate
	// 8 to 16 characters, people type at least 4.
	minLen = 4
	maxLen = 64
	// maxText is how much of the text is read: a password mail is short,
	// and the password is near its top.
	maxText = 64 << 10
	// labelRunes is how far past a keyword the password may start on the
	// same line ("パスワード（半角英数字、大文字小文字を区別）：…").
	labelRunes = 24
	// labelWords is the same for English: "the password for the file I
	// sent is: …".
	labelWords = 8
	// shortBody is how many lines a body may have for a line that is one
	// password-like token, without any keyword, to count.
	shortBody = 6
)

// strength says how sure the context makes a token. A weak one must also
// look like a generated password (digits, symbols or inner capitals), so
// that "Password Reset" or "パスワード付きZIP" give nothing.
type strength int

const (
	weak strength = iota
	strong
)

// Candidates returns the tokens of a mail's text that may be the password
// of an archive sent just before, best first, at most max (or
// DefaultMaxCandidates), without repeats. text is the body as the sender
// wrote it, already decoded to UTF-8 (the sanitized text without mugai's
// own notice, which talks about passwords itself).
//
// Full-width letters, digits and colons count as their ASCII forms
// (ｐａｓｓ：Ａｂｃ１２３ is pass:Abc123) and half-width katakana as
// full-width (ﾊﾟｽﾜｰﾄﾞ); a candidate is 4 to 64 printable ASCII characters.
// A token is taken
//
//   - after a keyword (パスワード, パスコード, 暗証番号, 解凍…, パス:, PW, PWD,
//     P/W, password, passwd, passcode, pass:) on the same line, past a
//     short label and a separator (":", "=", "は", "is", "】", "→");
//   - in quotes there (「…」, 『…』, "…", “…”), spaces inside included;
//   - alone on the first non-blank line below a keyword line that has
//     none ("パスワードは下記のとおりです。" then the password);
//   - as the whole body, or, in a body of a few lines, as a line of its own
//     that looks generated (letters with digits or symbols).
//
// URLs, mail addresses, file names, telephone numbers, masks (********)
// and the keywords themselves are never candidates. Quoted lines ("> ")
// are skipped: a reply quoting an old password mail is not a new one.
// A token that ends in "." or "," is also given without it.
func Candidates(text string, max int) []string {
	if max <= 0 {
		max = DefaultMaxCandidates
	}
	if len(text) > maxText {
		cut := maxText
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	// Folding half-width katakana leaves combining sound marks (ﾊﾟ is
	// ハ + U+309A); NFC puts them back together.
	lines := bodyLines(norm.NFC.String(width.Fold.String(text)))
	c := collector{max: max}
	for i, line := range lines {
		if quoted(line) {
			continue
		}
		lower := asciiLower(line)
		for pos := 0; pos < len(line) && !c.full(); {
			kw, end, ok := keywordAt(lower, pos)
			if !ok {
				_, size := utf8.DecodeRuneInString(line[pos:])
				pos += size
				continue
			}
			c.keywords++
			if !c.sameLine(line[end:], kw) && !kw.strict {
				c.nextLine(line[end:], lines[i+1:])
			}
			pos = end
		}
	}
	if c.keywords == 0 {
		c.shortBody(lines)
	}
	return c.ranked()
}

// bodyLines splits the text into lines without their ends, up to a
// signature delimiter ("-- ", RFC 3676 section 4.3).
func bodyLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(strings.ReplaceAll(s, "\r", "\n"), "\n")
	for i, l := range lines {
		if l == "-- " || l == "--" {
			return lines[:i]
		}
	}
	return lines
}

func quoted(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, " \t"), ">")
}

// asciiLower lower-cases ASCII letters only, so byte offsets stay the same.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

type keyword struct {
	word   string // lower case, width-folded
	ascii  bool   // must stand as a word of its own
	strict bool   // counts only with a separator right after it
}

// keywordAt matches a keyword at byte pos of the lower-cased line.
func keywordAt(lower string, pos int) (keyword, int, bool) {
	keywords := [...]keyword{
		{word: "パスワード"}, {word: "パスコード"}, {word: "暗証番号"}, {word: "解凍"},
		{word: "パス", strict: true},
		{word: "password", ascii: true}, {word: "passwd", ascii: true}, {word: "passcode", ascii: true},
		{word: "pass", ascii: true, strict: true},
		{word: "pwd", ascii: true}, {word: "pw", ascii: true}, {word: "p/w", ascii: true},
	}
	for _, kw := range keywords {
		if !strings.HasPrefix(lower[pos:], kw.word) {
			continue
		}
		end := pos + len(kw.word)
		if kw.ascii && (pos > 0 && isWordByte(lower[pos-1]) || end < len(lower) && isWordByte(lower[end])) {
			continue
		}
		if kw.strict && !strictFollows(lower[end:]) {
			continue
		}
		return kw, end, true
	}
	return keyword{}, 0, false
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_'
}

// strictFollows: a short keyword (パス, pass) counts only when a
// separator follows at once, so パスポート and "passed" do not.
func strictFollows(rest string) bool {
	rest = strings.TrimLeft(rest, " ")
	r, _ := utf8.DecodeRuneInString(rest)
	return r == ':' || r == '=' || r == '】' || r == ']'
}

// collector gathers candidates in the order found, strong before weak.
type collector struct {
	max      int
	keywords int
	seen     map[string]bool
	found    [2][]string // by strength
}

func (c *collector) full() bool { return len(c.found[strong]) >= c.max }

func (c *collector) ranked() []string {
	out := append(c.found[strong], c.found[weak]...)
	if len(out) > c.max {
		out = out[:c.max]
	}
	return out
}

// add records a token if it has a password's shape (and, when weak, a
// generated look), and its form without a trailing "." or ",".
func (c *collector) add(tok string, s strength) bool {
	tok = balance(unwrap(strings.Trim(tok, " ")))
	added := false
	for _, t := range []string{tok, strings.TrimRight(tok, ".,;")} {
		if !passwordShaped(t) || s == weak && !looksGenerated(t) || c.seen[t] {
			continue
		}
		if c.seen == nil {
			c.seen = map[string]bool{}
		}
		c.seen[t] = true
		c.found[s] = append(c.found[s], t)
		added = true
	}
	return added
}

// unwrap removes brackets around a whole token: (Abc123) [Abc123] <Abc123>.
func unwrap(t string) string {
	for len(t) >= 2 {
		open, close := t[0], t[len(t)-1]
		if open == '(' && close == ')' || open == '[' && close == ']' || open == '<' && close == '>' || open == '{' && close == '}' ||
			open == '"' && close == '"' || open == '\'' && close == '\'' || open == '`' && close == '`' {
			t = t[1 : len(t)-1]
			continue
		}
		break
	}
	return t
}

// balance drops brackets at the ends of a token that have no partner in
// it: "Abc123!(" from "Abc123!（大文字小文字を区別）", "Abc123)" from
// "(PW: Abc123)".
func balance(t string) string {
	for len(t) > 0 {
		first, last := t[0], t[len(t)-1]
		switch {
		case strings.IndexByte("([{<", last) >= 0:
			t = t[:len(t)-1]
		case strings.IndexByte(")]}>", first) >= 0:
			t = t[1:]
		case strings.IndexByte(")]}>", last) >= 0 && !strings.ContainsRune(t, rune(opening(last))):
			t = t[:len(t)-1]
		case strings.IndexByte("([{<", first) >= 0 && !strings.ContainsRune(t, rune(closing(first))):
			t = t[1:]
		default:
			return t
		}
	}
	return t
}

// opening and closing pair ASCII brackets; c must be one.
func opening(c byte) byte { return "([{<"[strings.IndexByte(")]}>", c)] }
func closing(c byte) byte { return ")]}>"[strings.IndexByte("([{<", c)] }

// Quotes a password may be written in, by opening rune.
func closingQuote(r rune) (rune, bool) {
	switch r {
	case '「':
		return '」', true
	case '『':
		return '』', true
	case '“':
		return '”', true
	case '"':
		return '"', true
	case '【':
		return '】', true
	}
	return 0, false
}

// isSeparator: what stands between a keyword and its value.
func isSeparator(r rune) bool {
	switch r {
	case ':', '=', 'は', '】', '」', '』', ']', '→', '⇒', '＞', '≫':
		return true
	}
	return false
}

// sentenceEnd stops the search on the keyword's line.
func sentenceEnd(r rune) bool {
	return r == '。' || r == '！' || r == '？' || r == '!' || r == '?'
}

// sameLine looks for the value after a keyword on its own line: past
// spaces, a short label ("（半角）", "用", "キー"), separators and English
// "is", the first quoted span or ASCII token. It reports whether it found
// a token, taken or not; if not, the value may be on the next line.
func (c *collector) sameLine(rest string, kw keyword) bool {
	s := weak
	labels, words := 0, 0
	for pos := 0; pos < len(rest); {
		r, size := utf8.DecodeRuneInString(rest[pos:])
		switch {
		case r == ' ' || r == '\t':
			pos += size
			continue
		case r == '"' && pos+size < len(rest) && strings.IndexByte(rest[pos+size:], '"') < 0:
			// A lone double quote is part of a token.
		default:
			if close, ok := closingQuote(r); ok {
				inner := rest[pos+size:]
				end := strings.IndexRune(inner, close)
				if end < 0 {
					return false
				}
				if r == '【' && !passwordShaped(strings.Trim(inner[:end], " ")) {
					// 【パスワード】 as a label, not a value.
					s = strong
					pos += size + end + utf8.RuneLen(close)
					continue
				}
				c.add(inner[:end], strong)
				return true
			}
		}
		switch {
		case isSeparator(r):
			s = strong
			pos += size
		case sentenceEnd(r):
			return false
		case r < utf8.RuneSelf && r > ' ':
			end := strings.IndexAny(rest[pos:], " \t")
			if end < 0 {
				end = len(rest) - pos
			}
			// The token runs to the first space or non-ASCII rune.
			tok := rest[pos : pos+end]
			if i := strings.IndexFunc(tok, func(r rune) bool { return r >= utf8.RuneSelf }); i >= 0 {
				tok = tok[:i]
			}
			pos += len(tok)
			// Closing brackets and separators in front of the value:
			// "(半角):Abc123" leaves "):Abc123".
			value := strings.TrimLeft(tok, ")]}>:=")
			if value != tok && strings.ContainsAny(tok[:len(tok)-len(value)], ":=>") {
				s = strong
			}
			word := asciiLower(strings.TrimRight(value, ":"))
			switch {
			case isPunct(value):
				// "(", "=>" between keyword and value; a comma ends the
				// clause ("your password, please copy…").
				if strings.Contains(value, ",") {
					return false
				}
				if strings.ContainsAny(value, ":=>") {
					s = strong
				}
			case isKeywordWord(word):
				// "パスワード (PW): …"
			case c.add(value, s):
				return true
			case isLetters(word):
				// English words between keyword and value ("the password
				// for the file I sent is: …"), unless a sentence ends.
				if strings.HasSuffix(value, ":") {
					s = strong
				}
				if strings.ContainsAny(value[len(value)-1:], ".,!?") {
					return false
				}
				words++
				if words > labelWords {
					return false
				}
			default:
				return true
			}
		default:
			labels++
			if labels > labelRunes {
				return false
			}
			pos += size
		}
	}
	return false
}

// nextLine takes the first non-blank line within the next three when it
// is one token (the keyword line said "パスワード：" or "…は下記のとおり").
func (c *collector) nextLine(rest string, below []string) {
	s := weak
	trimmed := strings.TrimRight(rest, " 　")
	if strings.HasSuffix(trimmed, ":") || strings.HasSuffix(trimmed, "】") || strings.ContainsAny(rest, "下以次") ||
		strings.Contains(asciiLower(rest), "below") || strings.Contains(asciiLower(rest), "following") {
		s = strong
	}
	for i := 0; i < len(below) && i < 3; i++ {
		l := trimBullets(below[i])
		if l == "" {
			continue
		}
		if quoted(below[i]) {
			return
		}
		if r, size := utf8.DecodeRuneInString(l); size > 0 {
			// len: a lone `"` opens and closes at the same byte.
			if close, ok := closingQuote(r); ok && len(l) >= size+utf8.RuneLen(close) && strings.HasSuffix(l, string(close)) {
				c.add(l[size:len(l)-utf8.RuneLen(close)], strong)
				return
			}
		}
		if !strings.ContainsAny(l, " \t") {
			c.add(l, s)
		}
		return
	}
}

// shortBody: a mail without any keyword whose body is one token, or a
// few lines of which exactly one is a token with letters and digits.
func (c *collector) shortBody(lines []string) {
	var body []string
	for _, l := range lines {
		if l = trimBullets(l); l != "" && !quoted(l) {
			body = append(body, l)
		}
	}
	switch {
	case len(body) == 1 && !strings.ContainsAny(body[0], " \t"):
		// "himitsu" alone is a password; "Thanks!", "test" and a
		// leftover MIME boundary alone are not.
		w := strings.TrimRight(body[0], ".!?")
		if (w == body[0] || !isLetters(asciiLower(w))) && !oneWordMail(asciiLower(w)) && !strings.HasPrefix(w, "--") {
			c.add(body[0], strong)
		}
	case len(body) <= shortBody:
		var tokens []string
		for _, l := range body {
			if !strings.ContainsAny(l, " \t") && passwordShaped(l) && hasLetterAndDigit(l) && !oneWordMail(asciiLower(l)) {
				tokens = append(tokens, l)
			}
		}
		if len(tokens) == 1 {
			c.add(tokens[0], weak)
		}
	}
}

func hasLetterAndDigit(t string) bool {
	return strings.ContainsAny(t, "0123456789") &&
		strings.ContainsFunc(t, func(r rune) bool { return 'a' <= r|0x20 && r|0x20 <= 'z' })
}

// trimBullets removes spaces around a line and one list mark before it
// ("・Abc123", "→ Abc123"); a line of dashes or a MIME boundary keeps its
// dashes.
func trimBullets(l string) string {
	l = strings.TrimSpace(l)
	r, size := utf8.DecodeRuneInString(l)
	if size > 0 && strings.ContainsRune("・■□●○◆◇▼▽▶►→*-", r) {
		if next, _ := utf8.DecodeRuneInString(l[size:]); next != r {
			l = strings.TrimSpace(l[size:])
		}
	}
	return l
}

// isLetters: w is lower-case ASCII letters only, and not empty.
func isLetters(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return w != ""
}

func isKeywordWord(lw string) bool {
	switch lw {
	case "password", "passwd", "passcode", "pass", "pw", "pwd", "p/w", "pass:", "pw:", "password:":
		return true
	}
	return false
}

// passwordShaped: 4–64 printable ASCII characters (spaces only inside),
// with a letter or digit, and none of the things that look like tokens
// but are not passwords.
func passwordShaped(t string) bool {
	if len(t) < minLen || len(t) > maxLen || t != strings.TrimSpace(t) {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] < ' ' || t[i] > '~' {
			return false
		}
	}
	lw := asciiLower(t)
	switch {
	case isPunct(t), isKeywordWord(lw), strings.Trim(t, t[:1]) == "", strings.HasPrefix(t, "--"):
		// Punctuation, a keyword, a mask (********, xxxxxxxx), a MIME
		// boundary or a rule of dashes.
		return false
	case strings.Contains(lw, "://"), strings.HasPrefix(lw, "www."), isMailAddress(lw), hasFileExtension(lw), isNumberLike(t):
		return false
	}
	return !ordinaryWord(lw)
}

// looksGenerated: what a generated or chosen password has and an
// ordinary word does not — a digit, a symbol, or a capital inside.
// Sentence punctuation at the end does not count ("Regards.").
func looksGenerated(t string) bool {
	t = strings.TrimRight(t, ".,;:!?")
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case '0' <= c && c <= '9', c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~':
			return true
		case i > 0 && 'A' <= c && c <= 'Z' && strings.ContainsAny(t, "abcdefghijklmnopqrstuvwxyz"):
			return true
		}
	}
	return false
}

// isPunct: no ASCII letter or digit in t.
func isPunct(t string) bool {
	for i := 0; i < len(t); i++ {
		if isWordByte(t[i]|0x20) && t[i] != '_' {
			return false
		}
	}
	return true
}

func isMailAddress(lw string) bool {
	at := strings.LastIndexByte(lw, '@')
	if at <= 0 {
		return false
	}
	dom := lw[at+1:]
	dot := strings.LastIndexByte(dom, '.')
	return dot > 0 && len(dom)-dot-1 >= 2 && isLetters(dom[dot+1:])
}

func hasFileExtension(lw string) bool {
	dot := strings.LastIndexByte(lw, '.')
	if dot <= 0 {
		return false
	}
	switch lw[dot+1:] {
	case "zip", "lzh", "7z", "rar", "pdf", "doc", "docx", "xls", "xlsx", "xlsm", "ppt", "pptx", "txt", "csv",
		"jpg", "jpeg", "png", "gif", "htm", "html", "eml", "exe", "jp", "com", "net", "org":
		return true
	}
	return false
}

// isNumberLike: digits with at least two separators, or a leading "+":
// telephone numbers (03-1234-5678, (03)1234-5678, +81-3-1234-5678),
// dates (2024/04/01, 2024-04-01), times (09:30:00), addresses
// (192.0.2.1). A password of digits alone (20240401) stays a candidate.
func isNumberLike(t string) bool {
	seps := 0
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case '0' <= c && c <= '9':
		case c == '-' || c == '(' || c == ')' || c == '+' || c == '.' || c == '/' || c == ':':
			seps++
		default:
			return false
		}
	}
	return seps >= 2 || t[0] == '+'
}

// oneWordMail: what people write as a whole mail that is not a password.
func oneWordMail(lw string) bool {
	switch lw {
	case "test", "testing", "tests", "hello", "hi", "thanks", "thank", "thx", "ok", "okay", "yes", "no",
		"body", "text", "message", "memo", "fyi", "none", "empty":
		return true
	}
	// test1, test42, testx: test messages.
	return strings.HasPrefix(lw, "test") && len(lw) <= 8
}

// ordinaryWord: words a strong context ("パスワード：") can still be
// followed by without being a password.
func ordinaryWord(lw string) bool {
	switch lw {
	case "none", "null", "http", "https", "mail", "email", "file", "files", "here", "this", "that", "your",
		"reset", "change", "forgot", "login", "logon", "same", "below", "following", "sent", "separately":
		return true
	}
	return false
}
