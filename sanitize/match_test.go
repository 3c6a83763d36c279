package sanitize

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestMatchersAgreeWithPatterns checks msgIDs and isMediaType, loops for
// start-up speed, against the regular expressions they replace, on
// chosen and random inputs.
func TestMatchersAgreeWithPatterns(t *testing.T) {
	msgID := regexp.MustCompile(`<[!-;=?-~]{1,250}>`)
	mediaType := regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]{0,63}/[a-z0-9][a-z0-9.+-]{0,127}$`)
	inputs := []string{
		"", "<>", "<a>", "<<a>>", "<a b>", "x <a@b> y <c@d>", "<a@b", "a@b>", "<a<b>", "<" + strings.Repeat("x", 250) + ">",
		"<" + strings.Repeat("x", 251) + ">", "<" + strings.Repeat("x", 300) + "><y>", "<é@b>",
		"text/plain", "application/vnd.ms-word.document.macroenabled.12", "a/b", "/b", "a/", "a//b", "a/b/c", ".a/b", "a/.b",
		"text/plain ", "Text/plain", strings.Repeat("a", 64) + "/b", strings.Repeat("a", 65) + "/b", "a/" + strings.Repeat("b", 128), "a/" + strings.Repeat("b", 129),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "<>/ab.+-@ Z\t\x7f"
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		if got, want := msgIDs([]byte(in)), msgID.FindAllString(in, -1); !slices.Equal(got, want) {
			t.Errorf("msgIDs(%q) = %q, the pattern finds %q", in, got, want)
		}
		if got, want := isMediaType(in), mediaType.MatchString(in); got != want {
			t.Errorf("isMediaType(%q) = %v, the pattern says %v", in, got, want)
		}
	}
}
