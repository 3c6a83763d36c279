package payload

import (
	"strings"
	"testing"
)

// The inputs of the tests are built with payloadtest, independently of
// the decoders under test, from the format descriptions cited in the
// package files.

// checkInvariants asserts what Find promises for any input.
func checkInvariants(t *testing.T, text string, opt Options, blocks []Block) {
	t.Helper()
	opt = opt.withDefaults()
	prev := 0
	for i, b := range blocks {
		switch {
		case b.Start < prev:
			t.Fatalf("block %d starts at %d, before the end of the previous one (%d)", i, b.Start, prev)
		case b.End <= b.Start || b.End > len(text):
			t.Fatalf("block %d spans [%d, %d) in a text of %d bytes", i, b.Start, b.End, len(text))
		case b.Start > 0 && text[b.Start-1] != '\n':
			t.Fatalf("block %d starts at %d, not at the start of a line", i, b.Start)
		case b.End < len(text) && text[b.End-1] != '\n':
			t.Fatalf("block %d ends at %d, not after a line end", i, b.End)
		case len(b.Data) > opt.MaxDecoded:
			t.Fatalf("block %d has %d bytes of data, more than MaxDecoded %d", i, len(b.Data), opt.MaxDecoded)
		case b.Size < int64(len(b.Data)):
			t.Fatalf("block %d: Size %d < len(Data) %d", i, b.Size, len(b.Data))
		case b.Kind == "":
			t.Fatalf("block %d has no kind", i)
		case strings.ContainsFunc(b.Name, func(r rune) bool { return r < 0x20 || r == 0x7F }):
			t.Fatalf("block %d: name %q has control characters", i, b.Name)
		}
		prev = b.End
	}
}
