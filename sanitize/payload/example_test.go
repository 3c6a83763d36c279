package payload_test

import (
	"fmt"
	"strings"

	"github.com/mugai/mugai/sanitize/payload"
)

func ExampleFind() {
	text := "Here is the tool:\n\n" +
		"begin 644 tool.com\n" +
		"&:&5L;&\\*\n" +
		"`\n" +
		"end\n" +
		"\nBest regards\n"
	var out strings.Builder
	last := 0
	for _, b := range payload.Find(text, payload.Options{}) {
		out.WriteString(text[last:b.Start])
		fmt.Fprintf(&out, "[removed %s %q, %d bytes]\n", b.Kind, b.Name, b.Size)
		last = b.End
	}
	out.WriteString(text[last:])
	fmt.Print(out.String())
	// Output:
	// Here is the tool:
	//
	// [removed uuencode "tool.com", 6 bytes]
	//
	// Best regards
}
