// Package htmltexttest checks the layout htmltext promises for the text
// it makes of any input. It is for tests only: the htmltext package's own
// property tests and the fuzz target use it, so the promises are written
// down once.
//
// It reads the text alone and imports nothing of htmltext.
package htmltexttest

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// CheckText reports the first way text breaks the layout of
// htmltext.Result: valid UTF-8, no blank line at either end or two in a
// row, no white space at the end of a line, no control character (TAB
// and LF aside) and no invisible one (zero-width space, BOM, soft hyphen,
// bidi embeddings, overrides and isolates).
func CheckText(text string) error {
	switch {
	case !utf8.ValidString(text):
		return errors.New("output is not valid UTF-8")
	case strings.HasPrefix(text, "\n") || strings.HasSuffix(text, "\n"):
		return errors.New("blank line at an end")
	case strings.Contains(text, "\n\n\n"):
		return errors.New("more than one blank line in a row")
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasSuffix(line, " ") || strings.HasSuffix(line, "\t") {
			return fmt.Errorf("trailing white space in line %q", line)
		}
	}
	for _, c := range text {
		switch {
		case c < ' ' && c != '\n' && c != '\t', c == 0x7f, 0x80 <= c && c <= 0x9f:
			return fmt.Errorf("control character %U", c)
		case c == 0x200b || c == 0xfeff || c == 0x00ad || (0x202a <= c && c <= 0x202e) || (0x2066 <= c && c <= 0x2069):
			return fmt.Errorf("invisible character %U", c)
		}
	}
	return nil
}
