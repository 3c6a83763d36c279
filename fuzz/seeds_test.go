package fuzz

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-message"

	"github.com/mugai/mugai/internal/testcorpus"
	"github.com/mugai/mugai/sanitize/flatten"
)

// maxCorpusSeed keeps one seed small enough that the fuzzer mutates it
// many times a second; larger attachments add little coverage.
const maxCorpusSeed = 512 << 10

var (
	corpusOnce sync.Once
	corpusAtts map[flatten.Kind][][]byte
)

// corpusAttachments returns the decoded leaf parts of the corpus messages
// (and the raw winmail.dat payloads of corpus/tnef-raw) whose content is
// one of kinds, as flatten.Detect judges it. The corpus is read once per
// process; without it the targets run on generated seeds alone, which the
// log says once per target.
func corpusAttachments(tb testing.TB, kinds ...flatten.Kind) [][]byte {
	tb.Helper()
	dir := testcorpus.Dir()
	if dir == "" {
		tb.Logf("shared corpus not found (set MUGAI_CORPUS or put it at ../shared/corpus): seeding %s from generated fixtures only", tb.Name())
		return nil
	}
	corpusOnce.Do(func() { corpusAtts = readCorpusAttachments(dir) })
	var out [][]byte
	for _, k := range kinds {
		out = append(out, corpusAtts[k]...)
	}
	return out
}

func readCorpusAttachments(dir string) map[flatten.Kind][][]byte {
	byKind := map[flatten.Kind][][]byte{}
	seen := map[string]bool{}
	add := func(b []byte) {
		if len(b) == 0 || len(b) > maxCorpusSeed || seen[string(b)] {
			return
		}
		seen[string(b)] = true
		k := flatten.Detect(b)
		byKind[k] = append(byKind[k], b)
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		switch {
		case strings.HasSuffix(p, ".eml"):
			leafParts(raw, 0, add)
		case strings.Contains(filepath.ToSlash(p), "/tnef-raw/") && !strings.HasSuffix(p, ".md"):
			add(raw)
		}
		return nil
	})
	return byKind
}

// leafParts calls add with the transfer-decoded body of every leaf part
// of the message, descending into attached messages. A part go-message
// cannot read is skipped: the seeds need only be plausible.
func leafParts(raw []byte, depth int, add func([]byte)) {
	e, err := message.Read(bytes.NewReader(raw))
	if e == nil || (err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err)) {
		return
	}
	e.Walk(func(_ []int, part *message.Entity, err error) error {
		if part == nil || part.MultipartReader() != nil {
			return nil
		}
		body, rerr := io.ReadAll(io.LimitReader(part.Body, maxCorpusSeed+1))
		if rerr != nil {
			return nil
		}
		if t, _, _ := part.Header.ContentType(); strings.EqualFold(t, "message/rfc822") && depth < 3 {
			leafParts(body, depth+1, add)
			return nil
		}
		add(body)
		return nil
	})
}

// forbidden reports the first rune sanitized text must never hold: NUL
// and other controls (TAB and, when allowed, LF aside), BOM, bidi
// embeddings, overrides and isolates (DESIGN.md invariant 3).
func forbidden(s string, allowNewline bool) (rune, bool) {
	for _, r := range s {
		switch {
		case r == '\t':
		case r == '\n' && allowNewline:
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			return r, true
		case r == 0xfeff, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return r, true
		}
	}
	return 0, false
}

// sortedUnique reports whether s is sorted without repeats, the promise
// the converters make for Result.Removed.
func sortedUnique(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] >= s[i] {
			return false
		}
	}
	return true
}
