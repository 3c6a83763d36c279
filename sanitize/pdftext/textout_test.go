package pdftext

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mugai/mugai/internal/testinput/pdftest"
)

// linesDoc draws each line 14 points below the previous one.
func linesDoc(lines []string) []byte {
	var c strings.Builder
	c.WriteString("BT /F1 12 Tf 14 TL 72 740 Td\n")
	for _, l := range lines {
		fmt.Fprintf(&c, "(%s) Tj T*\n", l)
	}
	c.WriteString("ET")
	return pdftest.Assemble(pdftest.OnePage(c.String()), "/Root 1 0 R")
}

// TestHyphenJoin: a word hyphenated at a line end is joined with its rest,
// also over several lines in a row, and the line after a chain of joins
// starts where it should (a later join must not reach back past it).
func TestHyphenJoin(t *testing.T) {
	for _, tc := range []struct {
		lines []string
		want  string
	}{
		{[]string{"an exam-", "ple of it"}, "an example of it"},
		{[]string{"super-", "cali-", "fragilistic", "next line"}, "supercalifragilistic\nnext line"},
		{[]string{"one-", "two", "three-", "four"}, "onetwo\nthreefour"},
		{[]string{"ends with 12-", "34 stays"}, "ends with 12-\n34 stays"},
		{[]string{"well-", "- a dash"}, "well-\n- a dash"},
	} {
		if got := mustText(t, linesDoc(tc.lines)); got != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.lines, got, tc.want)
		}
	}
}

// BenchmarkHyphenChain: a page whose every line ends in letter+hyphen
// joins into one line. Time per line must not grow with the line count
// (it did: each join searched back to the start of the joined line).
func BenchmarkHyphenChain(b *testing.B) {
	for _, n := range []int{1000, 4000} {
		doc := linesDoc(slicesRepeat("ab-", n))
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				mustTextB(b, doc)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/line")
		})
	}
}

func slicesRepeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func mustTextB(b *testing.B, data []byte) string {
	b.Helper()
	res, err := Extract(b.Context(), data, Limits{})
	if err != nil {
		b.Fatal(err)
	}
	return res.Text
}

// TestRightToLeft: Hebrew drawn glyph by glyph from left to right (visual
// order, as producers draw it) comes out in logical order; a number and a
// Latin word inside keep their own order; Hebrew drawn right to left is
// already logical.
func TestRightToLeft(t *testing.T) {
	// Codes 1.. show the Hebrew letters named in /Differences.
	font := "<< /Type /Font /Subtype /Type1 /BaseFont /ArialHebrew /Encoding << /BaseEncoding /WinAnsiEncoding /Differences [1 /uni05E9 /uni05DC /uni05D5 /uni05DD /uni05E2] >> >>"
	hebrew := map[rune]byte{'ש': 1, 'ל': 2, 'ו': 3, 'ם': 4, 'ע': 5}
	enc := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			if c, ok := hebrew[r]; ok {
				fmt.Fprintf(&b, "\\%03o", c)
			} else {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	reverse := func(s string) string {
		r := []rune(s)
		slices.Reverse(r)
		return string(r)
	}
	for _, tc := range []struct {
		content, want string
	}{
		// "שלום עולם" in visual order: the last letter drawn first.
		{"BT /F1 12 Tf 72 700 Td (" + enc(reverse("שלום עולם")) + ") Tj ET", "שלום עולם"},
		// An English line with a Hebrew word.
		{"BT /F1 12 Tf 72 700 Td (Hello " + enc(reverse("שלום")) + " there) Tj ET", "Hello שלום there"},
		// A Hebrew line with a number: "שלום 120 עולם" displayed.
		{"BT /F1 12 Tf 72 700 Td (" + enc(reverse("עולם")) + " 120 " + enc(reverse("שלום")) + ") Tj ET", "שלום 120 עולם"},
		// Drawn right to left in logical order: each glyph placed left of
		// the one before.
		{"BT /F1 12 Tf 300 700 Td (" + enc("ש") + ") Tj -7 0 Td (" + enc("ל") + ") Tj -7 0 Td (" + enc("ו") + ") Tj -7 0 Td (" + enc("ם") + ") Tj ET", "שלום"},
	} {
		objs := pdftest.OnePage(tc.content)
		objs[4] = font
		if got := mustText(t, pdftest.Assemble(objs, "/Root 1 0 R")); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}
