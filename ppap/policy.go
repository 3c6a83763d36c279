package ppap

import (
	"context"
	"time"
)

// DefaultMaxPageTries is how many wrong passwords the recipient page
// accepts for one archive before it locks it (ppap.max_tries).
const DefaultMaxPageTries = 5

// Policy is the ppap section of the configuration as the opener uses it.
// A zero field takes its default.
type Policy struct {
	// Window is how long after an archive its password mail may come.
	Window time.Duration
	// MaxCandidates bounds the candidates taken from one mail.
	MaxCandidates int
	// MaxMailTries bounds the quick checks one password mail may make.
	MaxMailTries int
	// MaxPageTries is how many wrong passwords the page accepts for one
	// archive; then the archive is locked (tries by mail do not count:
	// a stranger's mail must not lock the recipient out).
	MaxPageTries int
}

// DefaultPolicy is the policy of an empty ppap section.
func DefaultPolicy() Policy {
	return Policy{Window: DefaultWindow, MaxCandidates: DefaultMaxCandidates, MaxMailTries: DefaultMaxMailTries, MaxPageTries: DefaultMaxPageTries}
}

// Candidates is Candidates(text, p.MaxCandidates).
func (p Policy) Candidates(text string) []string { return Candidates(text, p.MaxCandidates) }

// Pairs is Pairs(held, later, p.Window).
func (p Policy) Pairs(held, later Mail) bool { return Pairs(held, later, p.Window) }

// Try is Try(ctx, held, candidates, p.MaxMailTries).
func (p Policy) Try(ctx context.Context, held []Held, candidates []string) (*Result, error) {
	return Try(ctx, held, candidates, p.MaxMailTries)
}

// PageLocked reports whether an archive with this many wrong passwords
// typed on the page is locked.
func (p Policy) PageLocked(failures int) bool {
	limit := p.MaxPageTries
	if limit <= 0 {
		limit = DefaultMaxPageTries
	}
	return failures >= limit
}
