package archive

import (
	"context"
	"testing"
	"time"
)

// The archives are built with archivetest.

// quick fails the test when a walk that must stop early took long: a
// bomb that was not stopped takes seconds or never ends.
func quick(t testing.TB, start time.Time, bound time.Duration) {
	t.Helper()
	if raceEnabled {
		bound *= 10
	}
	if d := time.Since(start); d > bound {
		t.Errorf("took %v, more than %v", d, bound)
	}
}

// got is what walk saw of one entry.
type got struct {
	Entry
	data []byte
}

func walk(t testing.TB, data []byte, kind Kind, lim Limits) ([]got, error) {
	t.Helper()
	var out []got
	err := Walk(context.Background(), data, kind, lim, func(e Entry, b []byte) error {
		out = append(out, got{e, b})
		return nil
	})
	return out, err
}

func paths(gs []got) []string {
	var p []string
	for _, g := range gs {
		p = append(p, g.Path)
	}
	return p
}
