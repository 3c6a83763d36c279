package recall

import "testing"

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		ours, ref string
		found     int
		total     int
	}{
		{"hello world", "hello, world!", 2, 2},
		{"見積書", "見積書です", 3, 5},
		{"a a b", "a a a", 2, 3},
		{"anything", "", 0, 0},
		{"ABC①", "ＡＢＣ ① x", 2, 3}, // full-width folded
	} {
		_, found, total := Of(tc.ours, tc.ref)
		if found != tc.found || total != tc.total {
			t.Errorf("Of(%q, %q) = %d/%d, want %d/%d", tc.ours, tc.ref, found, total, tc.found, tc.total)
		}
	}
}
