package pdftext

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/mugai/mugai/internal/testinput/pdftest"
)

// Files that pdftotext reads and a strict reader would refuse (issue 15,
// "PDF robustness").

// TestPrevPointsToItself: a trailer whose /Prev names its own section.
func TestPrevPointsToItself(t *testing.T) {
	objs := pdftest.OnePage("BT /F1 12 Tf 72 700 Td (self prev) Tj ET")
	doc := pdftest.Assemble(objs, "/Root 1 0 R")
	x := bytes.LastIndex(doc, []byte("xref\n"))
	doc = pdftest.Assemble(objs, fmt.Sprintf("/Root 1 0 R /Prev %d", x))
	if got := mustText(t, doc); got != "self prev" {
		t.Errorf("got %q", got)
	}
	// The same with a cross-reference stream whose /Prev is itself.
	var b bytes.Buffer
	b.WriteString(pdftest.Header)
	var offs []int
	for i, o := range objs {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xs := b.Len()
	var rows bytes.Buffer
	rows.Write([]byte{0, 0, 0, 0})
	for _, o := range offs {
		rows.Write([]byte{1, byte(o >> 16), byte(o >> 8), byte(o)})
	}
	rows.Write([]byte{1, byte(xs >> 16), byte(xs >> 8), byte(xs)})
	n := len(objs) + 2
	fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\nstartxref\n%d\n%%%%EOF\n", n-1,
		pdftest.Stream(fmt.Sprintf("/Type /XRef /Size %d /W [1 3 0] /Root 1 0 R /Prev %d", n, xs), rows.Bytes()), xs)
	if got := mustText(t, b.Bytes()); got != "self prev" {
		t.Errorf("xref stream: got %q", got)
	}
}

// TestOnlyEmbeddedFilesEncrypted: an /Encrypt dictionary whose streams and
// strings use the Identity crypt filter and only embedded files (/EFF) a
// real one: the pages are not encrypted, whatever the password (ISO
// 32000-1 §7.6.5, Table 20 /EFF). pdfinfo says "Encrypted: no".
func TestOnlyEmbeddedFilesEncrypted(t *testing.T) {
	objs := pdftest.OnePage("BT /F1 12 Tf 72 700 Td (plain pages) Tj ET")
	objs = append(objs, "<< /Filter /Standard /V 4 /R 4 /Length 128 /P -4 "+
		"/CF << /StdCF << /CFM /AESV2 /AuthEvent /EFOpen /Length 16 >> >> "+
		"/StmF /Identity /StrF /Identity /EFF /StdCF "+
		"/O <"+strings.Repeat("ab", 32)+"> /U <"+strings.Repeat("cd", 32)+"> >>")
	doc := pdftest.Assemble(objs, "/Root 1 0 R /Encrypt 6 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]")
	if got := mustText(t, doc); got != "plain pages" {
		t.Errorf("got %q", got)
	}
	// Strings and streams really encrypted with an unknown password stay
	// refused.
	objs[5] = strings.Replace(objs[5], "/StmF /Identity /StrF /Identity", "/StmF /StdCF /StrF /StdCF", 1)
	doc = pdftest.Assemble(objs, "/Root 1 0 R /Encrypt 6 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]")
	if _, err := extractT(t, doc, Limits{}); err != ErrEncrypted {
		t.Errorf("encrypted streams: err = %v", err)
	}
}

// TestContentsSplitMidToken: the parts of a page's /Contents array are
// one stream (§7.8.2); a part that ends in the middle of a string, a
// number, a name or an operator goes on in the next.
func TestContentsSplitMidToken(t *testing.T) {
	for _, parts := range [][]string{
		{"BT /F1 12 Tf 72 700 Td (Hel", "lo world) Tj ET"},
		{"BT /F1 1", "2 Tf 72 700 Td (Hello world) Tj ET"},
		{"BT /F", "1 12 Tf 72 700 Td (Hello world) T", "j ET"},
		{"BT /F1 12 Tf 72 700 Td (Hello) Tj", " ( world) Tj ET"},
		{"BT /F1 12 Tf 72 700 Td [(Hello) -250 (wo", "rld)] TJ ET"},
		{"BT /F1 12 Tf 72 700 Td (Hello world) Tj ET\n", "", "BT ET"},
	} {
		objs := pdftest.OnePage("")
		var refs []string
		for i, p := range parts {
			objs = append(objs, pdftest.Stream("", []byte(p)))
			refs = append(refs, fmt.Sprintf("%d 0 R", 6+i))
		}
		objs[2] = strings.Replace(objs[2], "/Contents 4 0 R", "/Contents ["+strings.Join(refs, " ")+"]", 1)
		if got := mustText(t, pdftest.Assemble(objs, "/Root 1 0 R")); got != "Hello world" {
			t.Errorf("%q: got %q", parts, got)
		}
	}
}
