package confusable

import (
	"testing"
	"unicode/utf8"
)

func TestSkeleton(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"paypal", "p\u0430yp\u0430l", true},               // Cyrillic а
		{"example", "exarnple", true},                      // m ~ rn
		{"city.example.lg.jp", "city.examp1e.lg.jp", true}, // 1 ~ l
		{"google", "g00gle", false},                        // 0 ~ O, not o
		{"google", "gOOgle", false},                        // case is not folded
		{"apple", "\u0430\u0440\u0440l\u0435", true},       // Cyrillic а, р, е
		{"soumu", "soumu", true},
		{"soumu", "somu", false},
		{"ａ", "a", true},       // fullwidth
		{"é", "e\u0301", true}, // NFD both ways
	} {
		if got := Confusable(c.a, c.b); got != c.same {
			t.Errorf("Confusable(%q, %q) = %v, want %v (skeletons %q, %q)", c.a, c.b, got, c.same, Skeleton(c.a), Skeleton(c.b))
		}
	}
}

// TestTable checks the generated table: sorted sources, increasing ends,
// valid UTF-8 prototypes, and a few entries of confusables.txt by heart.
func TestTable(t *testing.T) {
	if len(sources) < 6000 {
		t.Fatalf("only %d entries", len(sources))
	}
	for i := 1; i < len(sources); i++ {
		if sources[i] <= sources[i-1] || ends[i] <= ends[i-1] {
			t.Fatalf("entry %d (%U) out of order", i, sources[i])
		}
	}
	if !utf8.ValidString(prototypes) || int(ends[len(ends)-1]) != len(prototypes) {
		t.Fatalf("prototypes: %d bytes, last end %d", len(prototypes), ends[len(ends)-1])
	}
	for r, want := range map[rune]string{'0': "O", '1': "l", 'm': "rn", 'I': "l", '\u0430': "a", '\u0131': "i"} {
		if got, ok := prototype(r); !ok || got != want {
			t.Errorf("prototype(%U) = %q, %v; want %q", r, got, ok, want)
		}
	}
	if _, ok := prototype('a'); ok {
		t.Errorf("'a' has a prototype; it is one")
	}
}

func BenchmarkSkeleton(b *testing.B) {
	for b.Loop() {
		Skeleton("city.example.lg.jp")
	}
}
