package mimeparse

import "fmt"

// Bound names one of the Limits.
type Bound int

// Bounds.
const (
	BoundMessage Bound = iota + 1 // Limits.MessageBytes
	BoundHeader                   // Limits.HeaderBytes
	BoundLine                     // Limits.LineBytes
	BoundDepth                    // Limits.Depth
	BoundParts                    // Limits.Parts
	BoundPart                     // Limits.PartBytes
	BoundTotal                    // Limits.TotalBytes
)

// LimitError reports that the message exceeded one of the Limits.
type LimitError struct {
	// Bound is the limit exceeded.
	Bound Bound
	// What names the limit in plain words, e.g. "MIME nesting depth".
	What string
	// Limit is the configured bound.
	Limit int64
	// Path is the MIME path of the entity where the limit tripped.
	Path string
}

func (e *LimitError) Error() string {
	where := ""
	if e.Path != "" {
		where = " at part " + e.Path
	}
	return fmt.Sprintf("%s exceeds the limit of %d%s", e.What, e.Limit, where)
}

// AmbiguityError reports MIME structure that different parsers read
// differently, so that what a filter inspects could differ from what a mail
// client shows.
type AmbiguityError struct {
	// Path is the MIME path of the entity concerned ("" for the top level).
	Path string
	// Reason says what is ambiguous, in one line of English.
	Reason string
}

func (e *AmbiguityError) Error() string {
	if e.Path == "" {
		return "ambiguous MIME structure: " + e.Reason
	}
	return fmt.Sprintf("ambiguous MIME structure at part %s: %s", e.Path, e.Reason)
}
