package mimeparse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"
)

func testLimits() Limits {
	return Limits{
		MessageBytes: 50 << 20,
		Depth:        20,
		Parts:        500,
		HeaderBytes:  64 << 10,
		LineBytes:    1 << 20,
		PartBytes:    10 << 20,
		TotalBytes:   20 << 20,
	}
}

// dump walks a message and describes its tree: type[path]{children} for
// containers and type[path]="body" for leaves.
func dump(t *testing.T, msg string, lim Limits) (string, error) {
	t.Helper()
	r := NewReader(strings.NewReader(msg), lim)
	root, err := r.Root()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	err = dumpEntity(&b, root)
	return b.String(), err
}

func dumpEntity(b *strings.Builder, e *Entity) error {
	fmt.Fprintf(b, "%s[%s]", e.ContentType.Value, e.Path)
	switch {
	case e.IsMultipart():
		b.WriteString("{")
		first := true
		for {
			c, err := e.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			if !first {
				b.WriteString(" ")
			}
			first = false
			if err := dumpEntity(b, c); err != nil {
				return err
			}
		}
		b.WriteString("}")
	case e.IsMessage():
		inner, err := e.Message()
		if err != nil {
			return err
		}
		b.WriteString("<")
		if err := dumpEntity(b, inner); err != nil {
			return err
		}
		b.WriteString(">")
	default:
		body, err := io.ReadAll(e.Body())
		if err != nil {
			return err
		}
		fmt.Fprintf(b, "=%q", body)
	}
	return nil
}

func TestWalkStructures(t *testing.T) {
	tests := []struct {
		name, msg, want string
	}{
		{"plain", "Subject: hi\n\nhello\nworld\n", `text/plain[]="hello\nworld"`},
		{"crlf", "Subject: hi\r\n\r\nhello\r\nworld\r\n", `text/plain[]="hello\nworld"`},
		{"lone cr", "Subject: hi\r\rhello\rworld\r", `text/plain[]="hello\nworld"`},
		{"no body", "Subject: hi\n", `text/plain[]=""`},
		{"mixed", "Content-Type: multipart/mixed; boundary=b\n\npreamble\n--b\nContent-Type: text/plain\n\none\n--b\n\ntwo\n--b--\nepilogue\n",
			`multipart/mixed[]{text/plain[1]="one" text/plain[2]="two"}`},
		{"transport padding", "Content-Type: multipart/mixed; boundary=b\n\n--b \t\n\none\n--b-- \n",
			`multipart/mixed[]{text/plain[1]="one"}`},
		{"nested", "Content-Type: multipart/mixed; boundary=outer\n\n--outer\nContent-Type: multipart/alternative; boundary=inner\n\n--inner\n\na\n--inner\nContent-Type: text/html\n\n<b>b</b>\n--inner--\n--outer\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0x\n--outer--\n",
			`multipart/mixed[]{multipart/alternative[1]{text/plain[1.1]="a" text/html[1.2]="<b>b</b>"} application/pdf[2]="%PDF-1"}`},
		{"digest default", "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: in\n\nbody\n--d--\n",
			`multipart/digest[]{message/rfc822[1]<text/plain[1.1]="body">}`},
		{"rfc822", "Content-Type: message/rfc822\n\nSubject: inner\nContent-Type: multipart/mixed; boundary=x\n\n--x\n\nhi\n--x--\n",
			`message/rfc822[]<multipart/mixed[]{text/plain[1]="hi"}>`},
		{"rfc822 base64", "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nU3ViamVjdDogeAoKaW5uZXIgYm9keQo=\n",
			`message/rfc822[]<text/plain[1]="inner body">`},
		{"missing close", "Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n",
			`multipart/mixed[]{text/plain[1]="one"}`},
		{"no blank after part header", "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\nhello\n--b--\n",
			`multipart/mixed[]{text/plain[1]="hello"}`},
		{"quoted-printable", "Content-Transfer-Encoding: quoted-printable\n\na=3Db=\nc =E3=81=82  \nd=ZZ\n",
			`text/plain[]="a=bc あ\nd=ZZ"`},
		{"base64 lenient", "Content-Transfer-Encoding: base64\n\naGVs bG8=\n!!IHdv\ncmxk\n",
			`text/plain[]="hello world"`},
		{"x-uuencode", "Content-Transfer-Encoding: x-uuencode\n\nbegin 644 hi.txt\n&:&5L;&\\*\n`\nend\n", `text/plain[]="hello\n"`},
		{"invalid content type", "Content-Type: garbage\n\nx\n", `text/plain[]="x"`},
		{"mbox from and bom", "From someone Mon Jan  1 00:00:00 2001\nSubject: x\n\nbody\n", `text/plain[]="body"`},
		{"nested boundary extends outer", "Content-Type: multipart/mixed; boundary=abc\n\n--abc\nContent-Type: multipart/alternative; boundary=abc_alt\n\n--abc_alt\n\nplain\n--abc_alt\nContent-Type: text/html\n\n<p>html</p>\n--abc_alt--\n--abc\n\nafter\n--abc--\n",
			`multipart/mixed[]{multipart/alternative[1]{text/plain[1.1]="plain" text/html[1.2]="<p>html</p>"} text/plain[2]="after"}`},
		{"prefix of outer, closed properly", "Content-Type: multipart/mixed; boundary=abcdef\n\n--abcdef\nContent-Type: multipart/mixed; boundary=abc\n\n--abc\n\nx\n--abc--\n--abcdef\n\ny\n--abcdef--\n",
			`multipart/mixed[]{multipart/mixed[1]{text/plain[1.1]="x"} text/plain[2]="y"}`},
		{"prefix of outer, ended by outer close (docomo)", "Content-Type: multipart/mixed; boundary=X_0_\n\n--X_0_\nContent-Type: multipart/related; boundary=X\n\n--X\n\nbody\n--X\nContent-Type: image/gif\n\nGIF89a\n--X_0_--\n",
			`multipart/mixed[]{multipart/related[1]{text/plain[1.1]="body" image/gif[1.2]="GIF89a"}}`},
		{"empty multipart", "Content-Type: multipart/mixed; boundary=b\n\n\n  \n", `multipart/mixed[]{}`},
		{"decoded rfc822 with crlf", "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nQ29udGVudC1UeXBlOiBtdWx0aXBhcnQvbWl4ZWQ7IGJvdW5kYXJ5PXgNCg0KLS14DQoNCmhpDQotLXgtLQ0K\n",
			`message/rfc822[]<multipart/mixed[]{text/plain[1]="hi"}>`},
		{"multipart with base64 cte ignored", "Content-Type: multipart/mixed; boundary=b\nContent-Transfer-Encoding: base64\n\n--b\n\nx\n--b--\n",
			`multipart/mixed[]{text/plain[1]="x"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dump(t, tt.msg, testLimits())
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// caseMsg is a message of a table test and what it should give.
type caseMsg struct {
	name, msg, want string
}

// ambiguityCases are messages parsers read differently: each is an
// *AmbiguityError whose reason contains want.
func ambiguityCases() []caseMsg {
	return []caseMsg{
		{"two content types", "Content-Type: text/plain\nContent-Type: text/html\n\nx\n", "more than one Content-Type"},
		{"two boundaries", "Content-Type: multipart/mixed; boundary=a; boundary=b\n\n--a\n\nx\n--a--\n", `duplicate parameter "boundary"`},
		{"case variant boundary", "Content-Type: multipart/mixed; boundary=a; BOUNDARY=b\n\n--a\n\nx\n--a--\n", `duplicate parameter "boundary"`},
		{"two charsets", "Content-Type: text/plain; charset=utf-8; charset=iso-8859-1\n\nx\n", `duplicate parameter "charset"`},
		{"two encodings", "Content-Transfer-Encoding: base64\nContent-Transfer-Encoding: 7bit\n\nx\n", "more than one Content-Transfer-Encoding"},
		{"no boundary", "Content-Type: multipart/mixed\n\n--a\n\nx\n", "without a boundary"},
		{"boundary never used", "Content-Type: multipart/mixed; boundary=zz\n\nsome text\n", "without any boundary delimiter"},
		{"prefix of outer cut by outer delimiter", "Content-Type: multipart/mixed; boundary=abcdef\n\n--abcdef\nContent-Type: multipart/mixed; boundary=abc\n\n--abc\n\nx\n--abcdef\n\ny\n--abcdef--\n", "also matches"},
		{"same as outer", "Content-Type: multipart/mixed; boundary=abc\n\n--abc\nContent-Type: multipart/mixed; boundary=abc\n\n--abc\n\nx\n--abc--\n", "same as an enclosing"},
		{"name vs filename", "Content-Type: application/pdf; name=a.pdf\nContent-Disposition: attachment; filename=b.exe\n\nx\n", "differs"},
		{"filename forms differ", "Content-Type: application/pdf\nContent-Disposition: attachment; filename=a.pdf; filename*=utf-8''b.exe\n\nx\n", "more than one form"},
		{"2231 section twice", "Content-Type: application/pdf\nContent-Disposition: attachment; filename*0=a; filename*0=b\n\nx\n", "section 0 given twice"},
	}
}

func TestAmbiguities(t *testing.T) {
	tests := ambiguityCases()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dump(t, tt.msg, testLimits())
			var ae *AmbiguityError
			if !errors.As(err, &ae) {
				t.Fatalf("got %v, want an AmbiguityError", err)
			}
			if !strings.Contains(ae.Reason, tt.want) {
				t.Errorf("reason %q does not contain %q", ae.Reason, tt.want)
			}
		})
	}
}

// TestNearDelimiters: a line that starts with the boundary but is not a
// delimiter line is content of the part it is in (RFC 2046 §5.1.1), and
// the Reader names the multipart where that happened.
func TestNearDelimiters(t *testing.T) {
	tests := []struct{ name, msg, tree, near string }{
		{"white space then text", "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b junk\ny\n--b--\n",
			`multipart/mixed[]{text/plain[1]="x\n--b junk\ny"}`, ""},
		{"suffix", "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--bextra\n--b--\n",
			`multipart/mixed[]{text/plain[1]="x\n--bextra"}`, ""},
		{"a nested multipart's", "Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b-c\n--b--\n--o--\n",
			`multipart/mixed[]{multipart/mixed[1]{text/plain[1.1]="x\n--b-c"}}`, "1"},
		{"extension used outside its part", "Content-Type: multipart/mixed; boundary=abc\n\n--abc\nContent-Type: multipart/mixed; boundary=abc_x\n\n--abc_x\n\nx\n--abc_x--\n--abc\n\n--abc_y\n--abc--\n",
			`multipart/mixed[]{multipart/mixed[1]{text/plain[1.1]="x"} text/plain[2]="--abc_y"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.msg), testLimits())
			root, err := r.Root()
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := dumpEntity(&b, root); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.tree {
				t.Errorf("read\n%s\nwant\n%s", b.String(), tt.tree)
			}
			if got := r.NearDelimiters(); len(got) != 1 || got[0] != tt.near {
				t.Errorf("near delimiters %q, want [%q]", got, tt.near)
			}
		})
	}
	r := NewReader(strings.NewReader("Content-Type: multipart/mixed; boundary=b\n\n--b\n\n--c\n--b--\n"), testLimits())
	root, _ := r.Root()
	if err := dumpEntity(&strings.Builder{}, root); err != nil || r.NearDelimiters() != nil {
		t.Errorf("a sibling's boundary: %v %q", err, r.NearDelimiters())
	}
}

func TestNotAmbiguous(t *testing.T) {
	tests := []string{
		// An RFC 2047 name and an equal RFC 2231 filename* are one name.
		"Content-Type: application/pdf; name=\"=?utf-8?b?6KaL56mN5pu4LnBkZg==?=\"\nContent-Disposition: attachment; filename*=utf-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8.pdf\n\nx\n",
		// Identical repeats are harmless.
		"Content-Type: text/plain; charset=utf-8; charset=utf-8\nContent-Type: text/plain; charset=utf-8; charset=utf-8\n\nx\n",
		// A boundary line of a sibling multipart inside a part is content.
		"Content-Type: multipart/mixed; boundary=b\n\n--b\n\n--c\n--b--\n",
	}
	for i, msg := range tests {
		if _, err := dump(t, msg, testLimits()); err != nil {
			t.Errorf("case %d: %v", i, err)
		}
	}
}

// limitCase is a message over one limit of lim; the *LimitError names
// want.
type limitCase struct {
	name string
	msg  string
	lim  Limits
	want string
}

func limitCases() []limitCase {
	deep := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"bnd%06d\"\n\n--bnd%06d\n", i, i)
		}
		b.WriteString("\nbottom\n")
		return b.String()
	}
	many := func(n int) string {
		var b strings.Builder
		b.WriteString("Content-Type: multipart/mixed; boundary=b\n\n")
		for i := 0; i < n; i++ {
			b.WriteString("--b\n\nx\n")
		}
		b.WriteString("--b--\n")
		return b.String()
	}
	small := testLimits()
	small.HeaderBytes = 100
	tiny := testLimits()
	tiny.PartBytes = 10
	short := testLimits()
	short.LineBytes = 100
	return []limitCase{
		{"depth", deep(10000), testLimits(), "MIME nesting depth"},
		{"parts", many(100000), testLimits(), "number of MIME parts"},
		{"header", "Subject: " + strings.Repeat("x", 200) + "\n\nbody\n", small, "header section size"},
		{"part size", "Subject: x\n\n" + strings.Repeat("y", 100) + "\n", tiny, "decoded part size"},
		{"line", "Subject: x\n\n" + strings.Repeat("y", 100000) + "\n", short, "line length"},
		{"message size", "Subject: x\n\n" + strings.Repeat("y\n", 1000), Limits{MessageBytes: 100, Depth: 5, Parts: 5, HeaderBytes: 1000, LineBytes: 1000, PartBytes: 1 << 20, TotalBytes: 1 << 20}, "message size"},
	}
}

func TestLimits(t *testing.T) {
	tests := limitCases()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := dump(t, tt.msg, tt.lim)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			var le *LimitError
			if !errors.As(err, &le) {
				t.Fatalf("got %v, want a LimitError", err)
			}
			if !strings.Contains(le.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", le.Error(), tt.want)
			}
			// Not a timing assertion: a generous bound that only a
			// quadratic or unbounded walk would break.
			if elapsed > 5*time.Second {
				t.Errorf("took %v", elapsed)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20+uint64(10*len(tt.msg)) {
				t.Errorf("allocated %d bytes for a %d-byte message", alloc, len(tt.msg))
			}
		})
	}
}

func TestLongLinesPassThrough(t *testing.T) {
	// Lines longer than the read buffer are read in fragments; a delimiter
	// is still found after them, and their bytes arrive intact.
	long := strings.Repeat("a", 3*bufSize+17)
	msg := "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n" + long + "\n--b\n\nshort\n--b--\n"
	got, err := dump(t, msg, testLimits())
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`multipart/mixed[]{text/plain[1]=%q text/plain[2]="short"}`, long)
	if got != want {
		t.Errorf("long line mangled (got %d bytes)", len(got))
	}
}

func TestWarnings(t *testing.T) {
	r := NewReader(strings.NewReader("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\nbody starts\n"), testLimits())
	root, err := r.Root()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := dumpEntity(&b, root); err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(r.Warnings(), "|")
	for _, want := range []string{"not ended by a blank line", "without a closing delimiter"} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings %q lack %q", joined, want)
		}
	}
}

// TestNewlineReaderMatchesBytewise compares the reader with the
// byte-at-a-time conversion it replaced, on random CR, LF and text split
// into random reads.
func TestNewlineReaderMatchesBytewise(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("\r\n\r\nab")
	for range 2000 {
		in := make([]byte, rng.IntN(300))
		for i := range in {
			in[i] = alphabet[rng.IntN(len(alphabet))]
		}
		var want []byte
		lastCR := false
		for _, c := range in {
			if c == '\n' && lastCR {
				lastCR = false
				continue
			}
			lastCR = c == '\r'
			if c == '\r' {
				c = '\n'
			}
			want = append(want, c)
		}
		var parts []io.Reader
		for rest := in; len(rest) > 0; {
			k := 1 + rng.IntN(len(rest))
			parts = append(parts, bytes.NewReader(rest[:k]))
			rest = rest[k:]
		}
		got, err := io.ReadAll(&newlineReader{r: io.MultiReader(parts...)})
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%q: got %q, want %q", in, got, want)
		}
	}
}

func TestNewlineReaderSplitCRLF(t *testing.T) {
	// A CRLF split across two reads must still become one LF.
	r := &newlineReader{r: io.MultiReader(strings.NewReader("a\r"), strings.NewReader("\nb\r"), strings.NewReader("c"))}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, []byte("a\nb\nc")) {
		t.Errorf("got %q", got)
	}
}

// BenchmarkNewlineReader converts 1 MB of CRLF-ended base64 lines, as an
// attachment arrives.
func BenchmarkNewlineReader(b *testing.B) {
	line := strings.Repeat("QUJD", 19) + "\r\n"
	data := []byte(strings.Repeat(line, (1<<20)/len(line)))
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		io.CopyBuffer(io.Discard, &newlineReader{r: bytes.NewReader(data)}, buf)
	}
}
