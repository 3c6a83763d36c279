package htmltext

import (
	"net/url"
	"strings"

	"golang.org/x/net/idna"
)

// urlKind says what may be shown of a link's href.
type urlKind uint8

const (
	urlNone    urlKind = iota // empty or same-document ("#top"): not a link at all
	urlOK                     // shown according to the LinkMode
	urlRefused                // relative with no usable base, malformed, too long: text only
	urlUnsafe                 // a scheme that is not http, https, ftp, mailto or tel: text only
)

// target is a classified href.
type target struct {
	kind     urlKind
	shown    string // canonical form shown with LinksKeep
	defanged string // form shown with LinksDefang
	cleaned  string // the href without control characters, to compare with the link text
	changed  bool   // shown differs from the href in substance (userinfo dropped)
}

// classify decides how an href may be shown. base, if not nil, is an
// absolute http(s) URL from <base href>.
func classify(href []byte, base *url.URL) target {
	s := cleanHref(href)
	t := target{cleaned: s}
	if s == "" || s[0] == '#' {
		// An empty href or a fragment points into the message itself.
		return t
	}
	scheme, rest, ok := splitScheme(s)
	if !ok {
		if base == nil {
			t.kind = urlRefused
			return t
		}
		ref, err := url.Parse(escapeForParse(s))
		if err != nil {
			t.kind = urlRefused
			return t
		}
		return finishHTTP(t, base.ResolveReference(ref))
	}
	switch scheme {
	case "http", "https", "ftp":
		u, err := url.Parse(escapeForParse(s))
		if err != nil {
			t.kind = urlUnsafe
			return t
		}
		return finishHTTP(t, u)
	case "mailto":
		if strings.TrimSpace(rest) == "" {
			t.kind = urlRefused
			return t
		}
		t.shown = "mailto:" + escLoose(rest)
		addr, _, _ := strings.Cut(rest, "?")
		t.defanged = defangMail(addr)
		if t.defanged == "" {
			// "mailto:?subject=..." names no address to show.
			t.kind = urlRefused
			return t
		}
	case "tel":
		t.shown = "tel:" + escLoose(rest)
		t.defanged = t.shown // a phone number cannot be clicked into harm
	default:
		// javascript:, vbscript:, data:, file:, and every scheme we do not
		// know: the mail client might hand it to something dangerous.
		t.kind = urlUnsafe
		return t
	}
	t.kind = urlOK
	if len(t.shown) > maxURLLen {
		t.kind = urlRefused
	}
	return t
}

// finishHTTP validates an absolute http, https or ftp URL and builds its
// shown and defanged forms.
func finishHTTP(t target, u *url.URL) target {
	t.kind = urlUnsafe
	var dscheme string
	switch u.Scheme {
	case "http":
		dscheme = "hxxp"
	case "https":
		dscheme = "hxxps"
	case "ftp":
		dscheme = "fxp"
	default:
		return t
	}
	host, ok := cleanHost(u.Hostname())
	if !ok {
		return t
	}
	if strings.IndexByte(host, ':') >= 0 {
		host = "[" + host + "]"
	}
	if p := u.Port(); p != "" {
		for i := 0; i < len(p); i++ {
			if !isDigit(p[i]) {
				return t
			}
		}
		host += ":" + p
	}
	// Userinfo is not shown: "https://bank.example@evil.example/" exists
	// to make a reader believe in the wrong host.
	t.changed = u.User != nil
	var rest strings.Builder
	rest.WriteString(u.EscapedPath())
	if u.RawQuery != "" || u.ForceQuery {
		rest.WriteByte('?')
		rest.WriteString(u.RawQuery)
	}
	if u.Fragment != "" {
		rest.WriteByte('#')
		rest.WriteString(u.EscapedFragment())
	}
	tail := escLoose(rest.String())
	t.shown = u.Scheme + "://" + host + tail
	t.defanged = dscheme + "://" + strings.ReplaceAll(host, ".", "[.]") + tail
	t.kind = urlOK
	if len(t.shown) > maxURLLen {
		t.kind = urlRefused
	}
	return t
}

// cleanHost lower-cases a host name and converts an internationalized one
// to its ASCII (punycode) form, the way a browser looks it up, so that a
// look-alike such as "аpple.com" (Cyrillic а) shows as "xn--pple-43d.com".
func cleanHost(h string) (string, bool) {
	if h == "" {
		return "", false
	}
	ascii := true
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if !ascii {
		a, err := idna.Lookup.ToASCII(h)
		if err != nil {
			return "", false
		}
		h = a
	}
	h = strings.ToLower(h)
	ipv6 := strings.IndexByte(h, ':') >= 0
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case 'a' <= c && c <= 'z', isDigit(c), c == '.', c == '-':
		case c == '_' && !ipv6:
		case c == ':' && ipv6:
		default:
			return "", false
		}
	}
	return h, true
}

// defangMail shows mail addresses as user[@]example[.]com. It returns "" if
// there is no address.
func defangMail(addrs string) string {
	if dec, err := url.PathUnescape(addrs); err == nil {
		addrs = dec
	}
	var b strings.Builder
	for a := range strings.SplitSeq(addrs, ",") {
		a = escLoose(strings.TrimSpace(a))
		if a == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		local, domain, found := cutLast(a, "@")
		b.WriteString(local)
		if found {
			b.WriteString("[@]")
			b.WriteString(strings.ReplaceAll(domain, ".", "[.]"))
		}
	}
	return b.String()
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

// cleanHref removes what a browser ignores in an href before it looks at
// the scheme: leading and trailing C0 controls and spaces, and (more than a
// browser does, to be safe) every ASCII control character inside, so that
// "java\tscript:" and "java\x01script:" are both javascript:.
func cleanHref(href []byte) string {
	start, end := 0, len(href)
	for start < end && href[start] <= ' ' {
		start++
	}
	for end > start && href[end-1] <= ' ' {
		end--
	}
	h := href[start:end]
	clean := true
	for _, c := range h {
		if c < ' ' || c == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return string(h)
	}
	b := make([]byte, 0, len(h))
	for _, c := range h {
		if c >= ' ' && c != 0x7f {
			b = append(b, c)
		}
	}
	return string(b)
}

// splitScheme returns the lower-cased scheme of s and what follows its
// colon. Spaces are skipped, so that " JAVA SCRIPT:" cannot slip through
// as a relative URL; ok is false when s has no scheme (a relative URL).
func splitScheme(s string) (scheme, rest string, ok bool) {
	var buf [16]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
		case c == ':':
			if n == 0 {
				return "", "", false
			}
			if n > len(buf) {
				return "(long)", s[i+1:], true
			}
			return string(buf[:n]), s[i+1:], true
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
			if n < len(buf) {
				buf[n] = c | 0x20
			}
			n++
		case n > 0 && (isDigit(c) || c == '+' || c == '-' || c == '.'):
			if n < len(buf) {
				buf[n] = c
			}
			n++
		default:
			return "", "", false
		}
	}
	return "", "", false
}

// escapeForParse makes s acceptable to url.Parse where a browser would be
// lenient: spaces and stray '%' signs are percent-encoded.
func escapeForParse(s string) string {
	if !strings.ContainsAny(s, " %") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			b.WriteString("%20")
		case c == '%' && !(i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2])):
			b.WriteString("%25")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// escLoose percent-encodes everything that must not appear raw in a URL
// shown in text: white space and controls (a URL must stay one word),
// non-ASCII bytes (no invisible or look-alike characters), and the
// characters that would end "<url>" or confuse a reader's mail client.
func escLoose(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if mustEscape(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if mustEscape(c) {
			b = append(b, '%', hex[c>>4], hex[c&15])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

func mustEscape(c byte) bool {
	switch c {
	case '"', '<', '>', '\\', '^', '`', '{', '|', '}':
		return true
	}
	return c <= ' ' || c >= 0x7f
}

func isHexDigit(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// sameURL reports whether a link's text already says where it goes:
// compared without the scheme, a trailing slash or letter case.
func sameURL(text []byte, t *target) bool {
	s := normURL(string(text))
	if s == "" {
		return false
	}
	return strings.EqualFold(s, normURL(t.cleaned)) || strings.EqualFold(s, normURL(t.shown))
}

func normURL(s string) string {
	s = strings.TrimSpace(s)
	for _, p := range [...]string{"https://", "http://", "ftp://", "mailto:", "tel:"} {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			s = s[len(p):]
			break
		}
	}
	return strings.TrimSuffix(s, "/")
}

// parseBase returns the base URL declared by <base href>, if it is an
// absolute http(s) URL; links are resolved only against such a base.
func parseBase(href []byte) *url.URL {
	s := cleanHref(href)
	if len(s) > maxURLLen {
		return nil
	}
	u, err := url.Parse(escapeForParse(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil
	}
	return u
}
