package tnef_test

import (
	"errors"
	"fmt"

	"github.com/mugai/mugai/sanitize/tnef"
)

// Decode reports what is not TNEF at all, such as a winmail.dat that is
// really a PNG, with ErrNotTNEF.
func ExampleDecode() {
	_, err := tnef.Decode([]byte("\x89PNG\r\n\x1a\n..."), tnef.Limits{})
	fmt.Println(errors.Is(err, tnef.ErrNotTNEF))
	// Output:
	// true
}
