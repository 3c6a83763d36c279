package sanitize_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mugai/mugai/gateway"
	"github.com/mugai/mugai/internal/sanitizetest"
	"github.com/mugai/mugai/sanitize"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// testPolicy reads the policy of a golden input from its first line,
// "X-Test-Policy: key=value ...", which the sanitizer drops like any
// field not on its allowlist.
var testPolicyLine = regexp.MustCompile(`(?m)\AX-Test-Policy:([^\r\n]*)`)

func testPolicy(t *testing.T, raw []byte) sanitize.Policy {
	p := sanitize.DefaultPolicy()
	m := testPolicyLine.FindSubmatch(raw)
	if m == nil {
		return p
	}
	for _, kv := range strings.Fields(string(m[1])) {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "language":
			p.Language = sanitize.Language(v)
		case "links":
			p.Links = sanitize.LinkMode(v)
		case "notice_position":
			p.NoticePosition = sanitize.NoticePosition(v)
		case "prefer":
			p.Prefer = sanitize.Prefer(v)
		case "ambiguous":
			p.Ambiguous = sanitize.Outcome(v)
		case "over_limit":
			p.OverLimit = sanitize.Outcome(v)
		case "mime_parts":
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("X-Test-Policy: mime_parts=%q: %v", v, err)
			}
			p.Limits.Parts = n
		case "held", "link":
			// Read by testHeld.
		case "images":
			p.Images = sanitize.ImageMode(v)
		case "flatten":
			p.Flatten = sanitize.FlattenMode(v)
		case "payloads":
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("X-Test-Policy: payloads=%q: %v", v, err)
			}
			p.Limits.Payloads = n
		default:
			t.Fatalf("unknown X-Test-Policy key %q", k)
		}
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return p
}

// testHeld reads the kept original of a golden input from its
// X-Test-Policy line: held=ID (the vault id) and link=URL (the recipient
// page), as the relay passes them; nil without held=.
func testHeld(raw []byte, pol sanitize.Policy) *sanitize.Held {
	m := testPolicyLine.FindSubmatch(raw)
	if m == nil {
		return nil
	}
	var h *sanitize.Held
	link := ""
	for _, kv := range strings.Fields(string(m[1])) {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "held":
			h = &sanitize.Held{ID: v, Sender: "sender@example.jp", Size: int64(len(raw))}
		case "link":
			link = v
		}
	}
	if h == nil {
		return nil
	}
	h.Link = link
	h.Notice = "原本は 30 日間保管しています（受付番号 " + h.ID + "）。必要な場合は受付番号を添えて管理者にお問い合わせください。"
	if pol.Language == sanitize.English {
		h.Notice = "The original is kept for 30 days (reference " + h.ID + "). If you need it, ask your administrator, quoting the reference."
	}
	return h
}

// render writes what a golden file holds: the sanitized message (or the
// rejection), then the report.
func render(out []byte, rep *sanitize.Report, err error) []byte {
	var b bytes.Buffer
	var rej *sanitize.RejectError
	switch {
	case errors.As(err, &rej):
		// The reply the relay gives for it.
		fmt.Fprintf(&b, "REJECTED %s\n", gateway.RejectionReply(rej))
	case err != nil:
		fmt.Fprintf(&b, "ERROR %v\n", err)
	default:
		b.Write(out)
		// The decoded text of every leaf, so a reviewer can read it.
		texts, _ := sanitizetest.Check(out, sanitizetest.Options{AllowImages: true})
		for i, t := range texts {
			fmt.Fprintf(&b, "\n======== decoded leaf %d %q ========\n%s", i+1, t.Filename, t.Body)
		}
	}
	b.WriteString("\n======== report ========\n")
	j, _ := json.MarshalIndent(rep, "", "  ")
	b.Write(j)
	b.WriteByte('\n')
	return b.Bytes()
}

// TestGolden sanitizes every hand-made message in testdata/golden and
// compares the output and report with the .golden file beside it. Each
// input pins one rule; its name says which. Run with -update to rewrite
// the golden files, then review the diff.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("../testdata/golden/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("only %d golden inputs", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".eml")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			pol := testPolicy(t, raw)
			held := testHeld(raw, pol)
			var out bytes.Buffer
			rep, err := sanitize.New(pol).MessageWith(context.Background(), &out, bytes.NewReader(raw), sanitize.MessageOptions{Held: held})
			var rej *sanitize.RejectError
			if err != nil && !errors.As(err, &rej) {
				t.Fatalf("unexpected error: %v", err)
			}
			if err == nil {
				if _, cerr := sanitizetest.Check(out.Bytes(), sanitizetest.Options{AllowImages: pol.Images == sanitize.ImagesReencode}); cerr != nil {
					t.Errorf("invariant broken: %v", cerr)
				}
			} else if out.Len() != 0 {
				t.Errorf("rejected, yet %d bytes were written", out.Len())
			}
			// Determinism (DESIGN.md invariant 8): a second run gives the same bytes.
			var again bytes.Buffer
			sanitize.New(pol).MessageWith(context.Background(), &again, bytes.NewReader(raw), sanitize.MessageOptions{Held: held})
			if !bytes.Equal(out.Bytes(), again.Bytes()) {
				t.Errorf("two runs gave different output")
			}
			matchGolden(t, strings.TrimSuffix(f, ".eml")+".golden", render(out.Bytes(), rep, err))
		})
	}
}

// firstDiff shows the first differing line.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got: %q\nwant: %q", i+1, gl, wl)
		}
	}
	return ""
}

// TestReportExample keeps testdata/report/example.json, the example of
// docs/report.md, the report of testdata/report/example.eml.
func TestReportExample(t *testing.T) {
	raw, err := os.ReadFile("../testdata/report/example.eml")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep, err := sanitize.New(sanitize.DefaultPolicy()).Message(&out, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	matchGolden(t, "../testdata/report/example.json", append(got, '\n'))
}

// matchGolden compares got with the golden file, or writes it there
// under -update.
func matchGolden(t *testing.T, golden string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update and review the diff):\n%s", golden, firstDiff(got, want))
	}
}
