package auth

import (
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"

	"github.com/mugai/mugai/auth/confusable"
)

// protectedDomain is a domain whose lookalikes are reported, with the
// forms the comparisons need, computed once.
type protectedDomain struct {
	ascii    string // lower-case A-label form
	skeleton string // UTS #39 skeleton of the Unicode form
	org      string // organizational domain (RFC 7489 §3.2)
	label    string // skeleton of the org domain's first label ("example" of example.lg.jp)
	suffix   string // the org domain's public suffix ("lg.jp")
	dashed   string // ascii with dots as hyphens, how it hides in one label
}

func newProtectedDomain(d string) (protectedDomain, bool) {
	a, ok := asciiDomain(d)
	if !ok || !strings.Contains(a, ".") {
		return protectedDomain{}, false
	}
	label, suffix := splitOrg(a)
	return protectedDomain{
		ascii:    a,
		skeleton: confusable.Skeleton(unicodeDomain(a)),
		org:      orgDomain(a),
		label:    confusable.Skeleton(unicodeDomain(label)),
		suffix:   suffix,
		dashed:   strings.ReplaceAll(a, ".", "-"),
	}, true
}

// splitOrg splits the organizational domain of d into its first label and
// the public suffix after it.
func splitOrg(d string) (label, suffix string) {
	label, suffix, _ = strings.Cut(orgDomain(d), ".")
	return label, suffix
}

// unicodeDomain returns the Unicode (U-label) form of an ASCII domain, as
// a reader sees it in a mail client that decodes IDNs; d itself when it
// does not decode.
func unicodeDomain(d string) string {
	u, err := idna.Lookup.ToUnicode(d)
	if err != nil {
		return d
	}
	return u
}

// lookalike compares the From domain with the protected domains and
// returns the first match (RFC-free territory: the techniques are those
// of UTS #39 §4 and of typosquatting). A domain of the same organization
// as a protected one is never a lookalike: it is the real thing, and
// DMARC judges whether it was forged.
func lookalike(from string, protected []protectedDomain) (Finding, bool) {
	if from == "" {
		return Finding{}, false
	}
	uFrom := unicodeDomain(from)
	idn := uFrom != from
	skel := confusable.Skeleton(uFrom)
	org := orgDomain(from)
	label, suffix := splitOrg(from)
	label = confusable.Skeleton(unicodeDomain(label))
	visual := "confusable"
	if idn {
		visual = "homograph"
	}
	for _, p := range protected {
		if from == p.ascii || org == p.org {
			continue
		}
		f := Finding{Kind: Lookalike, Shown: from, Real: p.ascii}
		switch {
		case skel == p.skeleton:
			f.How = visual
		case label == p.label && suffix == p.suffix:
			// exarnple.lg.jp for city.example.lg.jp.
			f.How = visual
		case label == p.label:
			// example.jp or example.co.jp for example.lg.jp.
			f.How = "cousin"
		case closeLabel(label, p.label):
			f.How = "typo"
			if idn {
				f.How = "homograph"
			}
		case strings.HasPrefix(from, p.ascii+".") || strings.Contains(from, p.dashed):
			// city.example.lg.jp.attacker.example, city-example-lg-jp.example.
			f.How = "embedded"
		default:
			continue
		}
		return f, true
	}
	return Finding{}, false
}

// closeLabel reports whether two label skeletons are a small edit apart:
// one edit for labels of 5 characters or more, two from 10. Shorter
// labels are left alone, since real names that short differ by one letter
// all the time (ota and oita are both cities).
func closeLabel(a, b string) bool {
	n := utf8.RuneCountInString(b)
	allowed := 0
	switch {
	case n >= 10:
		allowed = 2
	case n >= 5:
		allowed = 1
	}
	return allowed > 0 && editDistance(a, b, allowed) <= allowed
}

// editDistance is the optimal string alignment distance (Levenshtein with
// adjacent transpositions) between a and b in runes, or limit+1 when it
// exceeds limit.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	if len(ra) > 255 || len(rb) > 255 {
		return limit + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// addrInName finds something shaped like an address in a display name,
// after NFKC has turned fullwidth "＠" and letters into ASCII.
// Compiled at first use, not at start: every mugai process (each
// converter child among them) would pay for it otherwise.
var addrInName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+`)
})

// displayNameAddress reports a display name that shows an address other
// than the author's: "soumu@city.example.lg.jp" <x@attacker.example>.
func displayNameAddress(from FromHeader) (Finding, bool) {
	if from.Name == "" || from.Address == "" {
		return Finding{}, false
	}
	name := norm.NFKC.String(from.Name)
	for _, shown := range addrInName().FindAllString(name, 4) {
		if !strings.EqualFold(shown, from.Address) {
			return Finding{Kind: DisplayNameAddress, Shown: shown, Real: from.Address}, true
		}
	}
	return Finding{}, false
}

// impersonation returns every sign of impersonation of a From field.
func impersonation(from FromHeader, protected []protectedDomain) []Finding {
	if from.Problem != "" {
		return nil
	}
	var out []Finding
	if f, ok := displayNameAddress(from); ok {
		out = append(out, f)
	}
	if f, ok := lookalike(from.Domain, protected); ok {
		out = append(out, f)
	}
	return out
}
