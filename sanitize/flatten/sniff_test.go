package flatten

import "testing"

// TestSniff: the kind from a file's first bytes, as the notice needs it
// when a converter stopped early.
func TestSniff(t *testing.T) {
	doc := docx(t, "hello")
	for _, tc := range []struct {
		name string
		head []byte
		want Kind
	}{
		{"pdf", minimalPDF("x")[:40], KindPDF},
		{"pdf behind junk", append([]byte("junk before\n"), minimalPDF("x")...)[:60], KindPDF},
		{"docx cut short", doc[:min(len(doc), 600)], KindDOCX},
		{"nothing", []byte{0x00, 0x01, 0x02, 0xff}, KindUnknown},
	} {
		if got := Sniff(tc.head); got != tc.want {
			t.Errorf("%s: Sniff = %q, want %q", tc.name, got, tc.want)
		}
	}
}
