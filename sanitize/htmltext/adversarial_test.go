package htmltext

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// hostilePatterns are markup shapes that make naive converters slow
// (deep stacks, the adoption agency, unclosed elements, long styles). Each
// takes a repeat count.
func hostilePatterns() map[string]func(n int) string {
	return map[string]func(n int) string{
		"deep spans and end tags": func(n int) string {
			return strings.Repeat("<span>", 600) + strings.Repeat("</b></i><p>x", n)
		},
		"deep inline and paragraphs": func(n int) string {
			return strings.Repeat("<span>", 500) + strings.Repeat("<p>x", n)
		},
		"cells under deep inline": func(n int) string {
			return "<table>" + strings.Repeat("<span>", 500) + strings.Repeat("<td>x", n)
		},
		"unclosed links": func(n int) string {
			return strings.Repeat(`<a href="https://e.com/x">x`, n)
		},
		"formatting soup": func(n int) string {
			return strings.Repeat("<b><i><u><s><font>", 50) + strings.Repeat("<p>x</b>y", n)
		},
		"adoption agency over a deep stack": func(n int) string {
			return "<b>" + strings.Repeat("<div>", 500) + strings.Repeat("</b>x", n)
		},
		"adoption agency": func(n int) string {
			return strings.Repeat("<b><div>x</b>y</div>", n)
		},
		"nested tables": func(n int) string {
			return strings.Repeat("<table><tr><td>", n) + "x"
		},
		"nested quotes": func(n int) string {
			return strings.Repeat("<blockquote>", 100) + strings.Repeat("x<br>", n)
		},
		"styles": func(n int) string {
			return strings.Repeat(`<span style="font-size:0;display:block;/* c */color:red!important;font:0/0 a">x</span>`, n)
		},
		"foreign": func(n int) string {
			return strings.Repeat("<svg><title><p>x</svg>", n)
		},
		"form and template": func(n int) string {
			return strings.Repeat("<form hidden><b><template><td>x</template></form>", n)
		},
	}
}

// TestHostileMarkup converts every hostile pattern at a large size: no
// panic, valid output, no markup left. How the time grows with size is
// measured by BenchmarkHostile, not asserted here (timings on a shared
// machine are not a test).
func TestHostileMarkup(t *testing.T) {
	for name, gen := range hostilePatterns() {
		t.Run(name, func(t *testing.T) {
			r, err := Convert(context.Background(), strings.NewReader(gen(8000)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, tag := range []string{"</", "<span", "<p", "<b>", "<td", "<table", "<svg", "<form", "<template", "<div", "<blockquote", "<a "} {
				if strings.Contains(r.Text, tag) {
					t.Errorf("markup %q survived: %.200q", tag, r.Text)
				}
			}
		})
	}
}

// BenchmarkHostile reports the cost per input byte of each hostile
// pattern at two sizes; linear work shows as equal ns/B for both.
//
//	go test ./sanitize/htmltext -run XXX -bench Hostile
func BenchmarkHostile(b *testing.B) {
	for name, gen := range hostilePatterns() {
		for _, n := range []int{2000, 8000} {
			in := gen(n)
			b.Run(fmt.Sprintf("%s/%d", name, n), func(b *testing.B) {
				b.SetBytes(int64(len(in)))
				for i := 0; i < b.N; i++ {
					Convert(context.Background(), strings.NewReader(in), Options{})
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(in)), "ns/B")
			})
		}
	}
}
