// Package confusable computes the confusable skeleton of Unicode Technical
// Standard #39 (Unicode Security Mechanisms) §4: two strings are
// confusable when their skeletons are equal, as "paypal" with a Cyrillic
// "а" and "paypal", or "exarnple" and "example" ("m" and "rn").
//
// The mapping is Unicode's confusables.txt, compiled by maketable.go into
// table.go as sorted arrays the linker lays out as they are: the table
// costs nothing at program start (a map would be built at every start of
// the binary, converter processes included). UnicodeVersion says which
// version of the file it is: 13.0.0 as committed, transcribed from the
// copy the Go module github.com/mtibben/confusables carries, since the
// Unicode site is not reachable from the build machines; maketable.go
// reads the file as Unicode publishes it, so a newer one needs no change.
package confusable

//go:generate go run maketable.go -in confusables.txt

import (
	"slices"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Skeleton returns skeleton(s) as UTS #39 §4 defines it: s in NFD, each
// code point replaced by its prototype, and the result in NFD again. It
// does not fold case; callers compare lower-cased (or IDNA-mapped) text.
func Skeleton(s string) string {
	d := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		if p, ok := prototype(r); ok {
			b.WriteString(p)
		} else {
			b.WriteRune(r)
		}
	}
	return norm.NFD.String(b.String())
}

// Confusable reports whether a and b have the same skeleton.
func Confusable(a, b string) bool { return Skeleton(a) == Skeleton(b) }

// prototype returns the prototype of r, if r has one.
func prototype(r rune) (string, bool) {
	i, ok := slices.BinarySearch(sources[:], r)
	if !ok {
		return "", false
	}
	start := uint16(0)
	if i > 0 {
		start = ends[i-1]
	}
	return prototypes[start:ends[i]], true
}
