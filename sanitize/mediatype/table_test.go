package mediatype

import (
	"strings"
	"testing"
)

// TestOneRowPerType: a type listed twice would be named by its first row
// only, silently; a pattern must not shadow a row's type.
func TestOneRowPerType(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range rows {
		for _, typ := range r.types {
			if l := strings.ToLower(typ); seen[l] {
				t.Errorf("%s is in two rows", typ)
			} else {
				seen[l] = true
			}
		}
	}
}
