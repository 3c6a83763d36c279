package config

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// The value types below read themselves from YAML with their own parser,
// so that a problem is worded for an admin ("\"10K\" is not a size...")
// and reported at the node it concerns, such as one bad item of a list.
// The decoder calls decodeNode directly; UnmarshalYAML offers the same to
// yaml.v3 for anyone decoding these types on their own.

// nodeValue is implemented by the pointer of each of these types.
type nodeValue interface {
	// decodeNode reads n into the receiver and calls fail for each
	// problem, with the node it was found at.
	decodeNode(n *yaml.Node, fail func(at *yaml.Node, msg string))
}

// unmarshal runs decodeNode for yaml.v3, reporting problems as a
// *yaml.TypeError, the one error form yaml.v3 collects instead of
// stopping at.
func unmarshal(n *yaml.Node, v nodeValue) error {
	var te yaml.TypeError
	v.decodeNode(n, func(at *yaml.Node, msg string) {
		te.Errors = append(te.Errors, fmt.Sprintf("line %d: %s", at.Line, msg))
	})
	if len(te.Errors) > 0 {
		return &te
	}
	return nil
}

// quote shows a user's value in a message, shortened so a pasted blob
// cannot flood the terminal.
func quote(s string) string {
	const max = 60
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strconv.Quote(s)
}

// kindName names a node's shape the way an admin would.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a set of keys"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return "a single value"
}

// decodeScalar reads a single value with parse into out, and reports
// whether it could; want names what is expected ("a size such as 50MiB")
// for the message when n is a list or a set of keys.
func decodeScalar[T any](n *yaml.Node, out *T, want string, parse func(string) (T, error), fail func(*yaml.Node, string)) bool {
	if n.Kind != yaml.ScalarNode {
		fail(n, fmt.Sprintf("want %s, got %s", want, kindName(n)))
		return false
	}
	v, err := parse(n.Value)
	if err != nil {
		fail(n, err.Error())
		return false
	}
	*out = v
	return true
}

// Size is a number of bytes. In YAML it is a whole number of bytes or a
// number with a unit: KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers
// of 1024), case-insensitive, optionally separated by spaces ("256KiB").
type Size int64

// sizeUnit is the multiplier of a lower-cased unit, or 0 if unknown.
func sizeUnit(unit string) int64 {
	switch unit {
	case "", "b":
		return 1
	case "kb":
		return 1000
	case "mb":
		return 1000 * 1000
	case "gb":
		return 1000 * 1000 * 1000
	case "kib":
		return 1 << 10
	case "mib":
		return 1 << 20
	case "gib":
		return 1 << 30
	}
	return 0
}

// parseSize reads a Size; the error text is shown to admins as is.
func parseSize(s string) (Size, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	unit := strings.ToLower(strings.TrimSpace(t[i:]))
	mult := sizeUnit(unit)
	if i == 0 || mult == 0 {
		hint := ""
		switch unit {
		case "k", "m", "g":
			// A bare K is ambiguous between 1000 and 1024; make the admin say.
			hint = fmt.Sprintf(" (write %sB for powers of 1000 or %siB for powers of 1024)", strings.ToUpper(unit), strings.ToUpper(unit))
		}
		return 0, fmt.Errorf("%s is not a size; write a whole number of bytes or a number with KB, KiB, MB, MiB, GB or GiB, e.g. 256KiB%s", quote(s), hint)
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%s is too large", quote(s))
	}
	return Size(n * mult), nil
}

func (s *Size) decodeNode(n *yaml.Node, fail func(*yaml.Node, string)) {
	decodeScalar(n, s, "a size such as 50MiB", parseSize, fail)
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (s *Size) UnmarshalYAML(n *yaml.Node) error { return unmarshal(n, s) }

// String writes the size in the largest 1024-based unit that divides it
// exactly, so messages echo the form the admin probably used.
func (s Size) String() string {
	for _, u := range []struct {
		name string
		n    int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if s != 0 && int64(s)%u.n == 0 {
			return strconv.FormatInt(int64(s)/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(s), 10)
}

// Duration is a time.Duration written as Go writes durations ("30s", "5m",
// "1h30m"); a plain number is seconds. yaml.v3 would read a plain number
// into time.Duration as nanoseconds, an easy way to set a 300ns timeout by
// mistake.
type Duration time.Duration

// parseDuration reads a Duration; the error text is shown to admins as is.
func parseDuration(s string) (Duration, error) {
	t := strings.TrimSpace(s)
	if t != "" && strings.Trim(t, "0123456789") == "" {
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil || n > int64(math.MaxInt64/time.Second) {
			return 0, fmt.Errorf("%s is too long", quote(s))
		}
		return Duration(time.Duration(n) * time.Second), nil
	}
	// Whole days ("30d"), for retention periods; time.ParseDuration has
	// no unit above hours.
	if days, ok := strings.CutSuffix(t, "d"); ok && days != "" && strings.Trim(days, "0123456789") == "" {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n > int64(math.MaxInt64/(24*time.Hour)) {
			return 0, fmt.Errorf("%s is too long", quote(s))
		}
		return Duration(time.Duration(n) * 24 * time.Hour), nil
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return 0, fmt.Errorf("%s is not a duration; write a number with s, m or h, e.g. 30s, 5m or 1h30m", quote(s))
	}
	return Duration(d), nil
}

func (d *Duration) decodeNode(n *yaml.Node, fail func(*yaml.Node, string)) {
	decodeScalar(n, d, "a duration such as 30s or 5m", parseDuration, fail)
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error { return unmarshal(n, d) }

// String writes the duration without the zero minutes and seconds that
// time.Duration.String adds ("24h", not "24h0m0s").
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// decodeList parses every item of a YAML list with parse into a new
// slice (so a list in the user's file replaces the default one instead of
// merging with it), reporting each bad item at its line rather than
// stopping at the first.
func decodeList[T any](n *yaml.Node, out *[]T, example, want string, parse func(string) (T, error), fail func(*yaml.Node, string)) {
	if n.Kind != yaml.SequenceNode {
		fail(n, fmt.Sprintf("want a list, got %s (write [%s] or one \"- %s\" line per item)", kindName(n), example, example))
		return
	}
	list := make([]T, 0, len(n.Content))
	for _, item := range n.Content {
		v := item
		if v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		// A problem is reported at the item as written, which for an
		// alias is where it is used rather than where its anchor is.
		var x T
		if decodeScalar(v, &x, want, parse, func(_ *yaml.Node, msg string) { fail(item, msg) }) {
			list = append(list, x)
		}
	}
	*out = list
}

// Prefixes is a list of networks in CIDR form. Its underlying type is
// []netip.Prefix, so it can be used as one without conversion.
type Prefixes []netip.Prefix

// Contains reports whether addr lies in one of the networks. An
// IPv4-mapped IPv6 address counts as its IPv4 form, the way a dual-stack
// listener reports IPv4 clients.
func (ps Prefixes) Contains(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range ps {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Covers reports whether every address of q lies in one of the networks.
func (ps Prefixes) Covers(q netip.Prefix) bool {
	for _, p := range ps {
		if p.Bits() <= q.Bits() && p.Contains(q.Addr()) {
			return true
		}
	}
	return false
}

// parsePrefix reads one network; the error text is shown to admins as is.
func parsePrefix(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		if a, aerr := netip.ParseAddr(strings.TrimSpace(s)); aerr == nil {
			return netip.Prefix{}, fmt.Errorf("%s is an address, not a network; write %s/%d for that address alone", quote(s), a.WithZone(""), a.BitLen())
		}
		return netip.Prefix{}, fmt.Errorf("%s is not a network in CIDR form such as 192.0.2.0/24 or 2001:db8::/32", quote(s))
	}
	if p.Addr().Is4In6() {
		// Contains unmaps client addresses, so a mapped prefix would never match.
		return netip.Prefix{}, fmt.Errorf("%s is an IPv4 network in IPv6 form; write it as IPv4", quote(s))
	}
	if p != p.Masked() {
		return netip.Prefix{}, fmt.Errorf("%s has bits set after the /%d; did you mean %s?", quote(s), p.Bits(), p.Masked())
	}
	return p, nil
}

func (ps *Prefixes) decodeNode(n *yaml.Node, fail func(*yaml.Node, string)) {
	decodeList(n, (*[]netip.Prefix)(ps), "192.0.2.0/24", "a network such as 192.0.2.0/24", parsePrefix, fail)
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (ps *Prefixes) UnmarshalYAML(n *yaml.Node) error { return unmarshal(n, ps) }

// Domains is a list of domain names, lower-cased and without a trailing
// dot. A name covers itself, not its subdomains, because an accidental
// wildcard is how a relay becomes open (package gateway matches them).
type Domains []string

// parseDomain normalizes and checks one domain name; the error text is
// shown to admins as is.
func parseDomain(s string) (string, error) {
	// Only ASCII letters are lowered: strings.ToLower would turn "K"
	// (U+212A KELVIN SIGN) into "k" and accept a name nobody wrote.
	d := strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, strings.TrimSpace(s))
	switch {
	case d == "":
		return "", fmt.Errorf("empty domain name")
	case strings.HasPrefix(d, "*.") || strings.HasPrefix(d, "."):
		return "", fmt.Errorf("%s: wildcards are not supported; list each domain exactly (subdomains are never included)", quote(s))
	case strings.Contains(d, "@"):
		return "", fmt.Errorf("%s: write the domain alone, without the part before @", quote(s))
	}
	d = strings.TrimSuffix(d, ".")
	if _, err := netip.ParseAddr(d); err == nil {
		return "", fmt.Errorf("%s is an IP address, not a domain name", quote(s))
	}
	if msg := hostnameProblem(d); msg != "" {
		return "", fmt.Errorf("%s is not a valid domain name: %s", quote(s), msg)
	}
	return d, nil
}

// hostnameProblem checks RFC 1035 / RFC 1123 host name syntax (letters,
// digits and inner hyphens; labels of 1 to 63; at most 253 in all) and
// says what is wrong, or returns "".
func hostnameProblem(h string) string {
	for i := 0; i < len(h); i++ {
		if h[i] >= utf8.RuneSelf {
			return "write internationalized names in their ASCII xn-- form"
		}
	}
	if len(h) > 253 {
		return "longer than 253 characters"
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		switch {
		case l == "":
			return "empty label (two dots in a row, or a leading dot)"
		case len(l) > 63:
			return "a label is longer than 63 characters"
		case l[0] == '-' || l[len(l)-1] == '-':
			return "a label starts or ends with a hyphen"
		}
		for i := 0; i < len(l); i++ {
			c := l[i] | 0x20 // ASCII lower case; digits and '-' are unchanged
			if !(c >= 'a' && c <= 'z' || l[i] >= '0' && l[i] <= '9' || l[i] == '-') {
				return fmt.Sprintf("character %q is not allowed", l[i])
			}
		}
	}
	// RFC 3696 section 2: a top-level domain is never all digits; this is
	// usually an IP address with a typo.
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "the last label is all digits"
	}
	return ""
}

func (ds *Domains) decodeNode(n *yaml.Node, fail func(*yaml.Node, string)) {
	decodeList(n, (*[]string)(ds), "example.lg.jp", "a domain name", parseDomain, fail)
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (ds *Domains) UnmarshalYAML(n *yaml.Node) error { return unmarshal(n, ds) }
