package mimeparse

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
)

// TestGoMessageComparison shows why messages are parsed here and not with
// go-message (which mugai uses to write them, and its tests to re-parse
// the output): it reads every message of the ambiguity and limit tables,
// and a few of real mail's shapes, with both, and prints what each did.
//
//	MUGAI_GOMESSAGE=1 go test ./sanitize/mimeparse -run GoMessage -v
//
// It asserts nothing about go-message: a newer version may do better, and
// the table is what the README's decision cites.
func TestGoMessageComparison(t *testing.T) {
	if os.Getenv("MUGAI_GOMESSAGE") == "" {
		t.Skip("prints a comparison table: MUGAI_GOMESSAGE=1 go test ./sanitize/mimeparse -run GoMessage -v")
	}
	type row struct{ name, ours, theirs string }
	var rows []row
	for _, c := range ambiguityCases() {
		rows = append(rows, row{"ambiguous: " + c.name, oursOutcome(t, c.msg, testLimits()), goMessageOutcome(c.msg)})
	}
	for _, c := range limitCases() {
		rows = append(rows, row{"limit: " + c.name, oursOutcome(t, c.msg, c.lim), goMessageOutcome(c.msg)})
	}
	longPreamble := "Content-Type: multipart/mixed; boundary=b\n\n" + strings.Repeat("p", 5000) + "\n--b\n\nbody\n--b--\n"
	hiddenField := "Subject: x\nX-Junk line without a colon\nContent-Type: text/html\n\n<p>html</p>\n"
	for _, c := range []struct{ name, msg string }{
		{"preamble line of 5000 bytes", longPreamble},
		{"header line without a colon, then Content-Type", hiddenField},
	} {
		rows = append(rows, row{"real mail: " + c.name, oursOutcome(t, c.msg, testLimits()), goMessageOutcome(c.msg)})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-52s | %-40s | %s\n", "message", "mimeparse", "go-message")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-52s | %-40s | %s\n", trimTo(r.name, 52), trimTo(r.ours, 40), trimTo(r.theirs, 90))
	}
	t.Log(b.String())
}

// oursOutcome is what mimeparse made of msg: its error, or its tree.
func oursOutcome(t *testing.T, msg string, lim Limits) string {
	start := time.Now()
	tree, err := dump(t, msg, lim)
	d := time.Since(start).Round(time.Millisecond)
	var ae *AmbiguityError
	var le *LimitError
	switch {
	case errors.As(err, &ae):
		return "refused: " + ae.Reason
	case errors.As(err, &le):
		return fmt.Sprintf("refused in %s: %v", d, le)
	case err != nil:
		return "error: " + err.Error()
	}
	return "reads " + tree
}

// goMessageOutcome reads msg with go-message as a program would (Read,
// then Walk over every part, reading each body) and says what it saw:
// the leaves' types and first bytes, or the error, with the time and
// memory it took.
func goMessageOutcome(msg string) string {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	var leaves []string
	e, err := message.Read(strings.NewReader(msg))
	if e != nil && (err == nil || message.IsUnknownCharset(err) || message.IsUnknownEncoding(err)) {
		err = e.Walk(func(path []int, part *message.Entity, err error) error {
			if err != nil {
				return err
			}
			if part.MultipartReader() != nil {
				return nil
			}
			body, err := io.ReadAll(part.Body)
			mt, _, _ := part.Header.ContentType()
			leaves = append(leaves, fmt.Sprintf("%s %q", mt, trimTo(strings.TrimSpace(string(body)), 12)))
			return err
		})
	}
	d := time.Since(start).Round(time.Millisecond)
	runtime.ReadMemStats(&after)
	cost := fmt.Sprintf(" (%s, %d MB)", d, (after.TotalAlloc-before.TotalAlloc)>>20)
	if len(leaves) > 3 {
		leaves = append(leaves[:2], fmt.Sprintf("… %d parts", len(leaves)))
	}
	out := "reads " + strings.Join(leaves, ", ")
	if err != nil {
		out = fmt.Sprintf("%s; error: %s", out, strings.TrimSpace(err.Error()))
	}
	return out + cost
}

func trimTo(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
