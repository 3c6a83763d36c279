package pdftext

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mugai/mugai/internal/testinput/pdftest"
)

// Hostile files: each must come back with the right error or a bounded
// result. None of these tests times anything: one that hangs is caught by
// go test -timeout, and the limits keep memory small.

func wantLimit(t *testing.T, err error, which string) {
	t.Helper()
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != which {
		t.Errorf("err = %v, want a *LimitError for %s", err, which)
	}
}

func TestHostilePageTrees(t *testing.T) {
	page := "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
	content := pdftest.Stream("", []byte("BT /F1 12 Tf 72 700 Td (only page) Tj ET"))
	t.Run("cyclic kids", func(t *testing.T) {
		// 2 -> [6 3], 6 -> [2 6 3]: the tree points back at itself.
		doc := pdftest.Assemble([]string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [6 0 R 3 0 R] /Count 2 >>",
			page, content, pdftest.Helvetica,
			"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 6 0 R 3 0 R] /Count 5 >>",
		}, "/Root 1 0 R")
		res, err := extractT(t, doc, Limits{})
		if err != nil || res.Text != "only page" || res.Pages != 1 {
			t.Errorf("got %q, %d pages, %v", res.Text, res.Pages, err)
		}
	})
	t.Run("huge count", func(t *testing.T) {
		doc := pdftest.Assemble([]string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 9223372036854775807 >>",
			page, content, pdftest.Helvetica,
		}, "/Root 1 0 R")
		if res, err := extractT(t, doc, Limits{}); err != nil || res.Pages != 1 {
			t.Errorf("got %d pages, %v", res.Pages, err)
		}
	})
	t.Run("deep tree", func(t *testing.T) {
		objs := []string{"<< /Type /Catalog /Pages 6 0 R >>", "", page, content, pdftest.Helvetica}
		for i := range 100 {
			objs = append(objs, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", i+7))
		}
		objs = append(objs, page)
		objs[1] = "<< /Type /Pages /Kids [] /Count 0 >>"
		_, err := extractT(t, pdftest.Assemble(objs, "/Root 1 0 R"), Limits{})
		wantLimit(t, err, "Depth")
		// Within a higher bound the same file reads.
		if res, err := extractT(t, pdftest.Assemble(objs, "/Root 1 0 R"), Limits{Depth: 200}); err != nil || res.Text != "only page" {
			t.Errorf("Depth 200: %q, %v", res.Text, err)
		}
	})
	t.Run("wide kids of one page", func(t *testing.T) {
		kids := strings.Repeat("3 0 R ", 100000)
		doc := pdftest.Assemble([]string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [" + kids + "] /Count 100000 >>",
			page, content, pdftest.Helvetica,
		}, "/Root 1 0 R")
		if res, err := extractT(t, doc, Limits{}); err != nil || res.Pages != 1 {
			t.Errorf("got %d pages, %v", res.Pages, err)
		}
	})
	t.Run("kids of junk", func(t *testing.T) {
		doc := pdftest.Assemble([]string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [1 (x) /N 99 0 R null [3 0 R] 3 0 R] /Count 1 >>",
			page, content, pdftest.Helvetica,
		}, "/Root 1 0 R")
		if res, err := extractT(t, doc, Limits{}); err != nil || res.Text != "only page" {
			t.Errorf("got %q, %v", res.Text, err)
		}
	})
	t.Run("contents is the page tree", func(t *testing.T) {
		doc := pdftest.Assemble([]string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /Contents [2 0 R 3 0 R 4 0 R] /Resources << /Font << /F1 5 0 R >> >> >>",
			content, pdftest.Helvetica,
		}, "/Root 1 0 R")
		if res, err := extractT(t, doc, Limits{}); err != nil || res.Text != "only page" {
			t.Errorf("got %q, %v", res.Text, err)
		}
	})
}

func TestHostileStreams(t *testing.T) {
	t.Run("flate bomb", func(t *testing.T) {
		// 64 MiB of spaces in about 64 KB: over the 16 MiB default.
		bomb := deflateRepeat([]byte("    "), 16<<20)
		objs := pdftest.OnePage("")
		objs[3] = pdftest.Stream("/Filter /FlateDecode", bomb)
		_, err := extractT(t, pdftest.Assemble(objs, "/Root 1 0 R"), Limits{})
		wantLimit(t, err, "StreamBytes")
	})
	t.Run("nested flate bomb", func(t *testing.T) {
		inner := deflateRepeat([]byte("q Q "), 4<<20) // 16 MiB
		objs := pdftest.OnePage("")
		objs[3] = pdftest.Stream("/Filter [/FlateDecode /FlateDecode]", pdftest.Flate(inner))
		_, err := extractT(t, pdftest.Assemble(objs, "/Root 1 0 R"), Limits{StreamBytes: 1 << 20})
		wantLimit(t, err, "StreamBytes")
	})
	t.Run("total bytes", func(t *testing.T) {
		doc := proseDoc(40, genOpts{compress: true})
		_, err := extractT(t, doc, Limits{TotalBytes: 64 << 10})
		wantLimit(t, err, "TotalBytes")
	})
	t.Run("ToUnicode bomb", func(t *testing.T) {
		objs := pdftest.OnePage("BT /F1 12 Tf 72 700 Td (x) Tj ET")
		objs[4] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>"
		objs = append(objs, pdftest.Stream("/Filter /FlateDecode", deflateRepeat([]byte("1 beginbfchar <78> <0041> endbfchar "), 1<<20)))
		_, err := extractT(t, pdftest.Assemble(objs, "/Root 1 0 R"), Limits{StreamBytes: 1 << 20})
		wantLimit(t, err, "StreamBytes")
	})
	t.Run("object stream bomb", func(t *testing.T) {
		doc := proseDoc(2, genOpts{objStm: true})
		_, err := extractT(t, doc, Limits{StreamBytes: 64})
		wantLimit(t, err, "StreamBytes")
	})
	t.Run("form fan-out", func(t *testing.T) {
		// Form k draws form k+1 ten times: 10^12 runs without a bound.
		objs := pdftest.OnePage("/X0 Do")
		objs[2] = "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources 6 0 R >>"
		objs = append(objs, "<< /Font << /F1 5 0 R >> /XObject << /X0 7 0 R >> >>")
		for k := range 12 {
			draw := strings.Repeat(fmt.Sprintf("/X%d Do ", k+1), 10) + "BT /F1 12 Tf 72 700 Td (x) Tj ET"
			objs = append(objs, pdftest.Stream(fmt.Sprintf("/Subtype /Form /Resources << /Font << /F1 5 0 R >> /XObject << /X%d %d 0 R >> >>", k+1, len(objs)+2), []byte(draw)))
		}
		objs = append(objs, pdftest.Stream("/Subtype /Form", []byte("BT /F1 12 Tf (leaf) Tj ET")))
		_, err := extractT(t, pdftest.Assemble(objs, "/Root 1 0 R"), Limits{})
		wantLimit(t, err, "TotalBytes")
	})
	t.Run("form draws itself", func(t *testing.T) {
		objs := pdftest.OnePage("/X0 Do")
		objs[2] = "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources 6 0 R >>"
		objs = append(objs, "<< /Font << /F1 5 0 R >> /XObject << /X0 7 0 R >> >>",
			pdftest.Stream("/Subtype /Form /Resources 6 0 R", []byte("BT /F1 12 Tf 72 700 Td (self) Tj ET /X0 Do")))
		if res, err := extractT(t, pdftest.Assemble(objs, "/Root 1 0 R"), Limits{}); err != nil || !strings.HasPrefix(res.Text, "self") {
			t.Errorf("got %q, %v", res.Text, err)
		}
	})
	t.Run("length is itself", func(t *testing.T) {
		objs := pdftest.OnePage("")
		objs[3] = "<< /Length 4 0 R >>\nstream\nBT /F1 12 Tf 72 700 Td (loop) Tj ET\nendstream"
		if res, err := extractT(t, pdftest.Assemble(objs, "/Root 1 0 R"), Limits{}); err != nil || res.Text != "loop" {
			t.Errorf("got %q, %v", res.Text, err)
		}
	})
}

func TestHostileSyntax(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
		want    string
	}{
		{"deep arrays", strings.Repeat("[", 100000) + " BT /F1 12 Tf 72 700 Td (after) Tj ET", "after"},
		{"deep dicts", strings.Repeat("<< /K ", 100000) + strings.Repeat(">> ", 100000) + " BT /F1 12 Tf 72 700 Td (after) Tj ET", "after"},
		{"unterminated string", "BT /F1 12 Tf 72 700 Td (ok) Tj (never closed", "ok"},
		{"unterminated hex", "BT /F1 12 Tf 72 700 Td (ok) Tj <4142", "ok"},
		{"unterminated array", "BT /F1 12 Tf 72 700 Td (ok) Tj [(a) (b)", "ok"},
		{"operand flood", strings.Repeat("1 ", 200000) + "BT /F1 12 Tf 72 700 Td (ok) Tj ET", "ok"},
		{"q flood", strings.Repeat("q ", 100000) + "BT /F1 12 Tf 72 700 Td (ok) Tj ET" + strings.Repeat(" Q", 100000), "ok"},
		{"stray delimiters", ") > ] >> } { BT /F1 12 Tf 72 700 Td (ok) Tj ET", "ok"},
		{"nan and huge numbers", "BT /F1 1e308 Tf 1 0 0 1 99999999999999999999999 -1e999 Tm (ok) Tj ET BT /F1 12 Tf 72 700 Td (ok) Tj ET", "ok"},
		{"bad operands", "BT /F1 Tf Td Tm TJ Tj ' \" (x) TJ [1 2] Tj /F1 (a) Tf 72 700 Td (ok) Tj ET", "ok"},
		{"unbalanced EMC", "EMC EMC BT /F1 12 Tf 72 700 Td (ok) Tj ET EMC", "ok"},
		{"inline image without EI", "BT /F1 12 Tf 72 700 Td (ok) Tj ET BI /W 1 ID \x00\x01\x02", "ok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := extractT(t, contentDoc(tc.content), Limits{})
			if err != nil || !strings.Contains(res.Text, tc.want) {
				t.Errorf("got %q, %v", res.Text, err)
			}
		})
	}
	t.Run("deep object nesting", func(t *testing.T) {
		objs := pdftest.OnePage("BT /F1 12 Tf 72 700 Td (ok) Tj ET")
		objs[2] = "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /X " + strings.Repeat("[", 50000) + " >>"
		// The page dictionary is unreadable; the rest is fine.
		if _, err := extractT(t, pdftest.Assemble(objs, "/Root 1 0 R"), Limits{}); err == nil {
			t.Log("deep page dictionary was read")
		}
	})
}

func TestHostileXref(t *testing.T) {
	body := "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
		"3 0 obj<</Type/Page/Parent 2 0 R/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n" +
		"4 0 obj<</Length 38>>stream\nBT /F1 12 Tf 72 700 Td (xref ok) Tj ET\nendstream endobj\n" +
		"5 0 obj" + pdftest.Helvetica + "endobj\n"
	at := len(body)
	for _, tc := range []struct {
		name string
		tail string
	}{
		// Crashes ledongthuc/pdf with a fatal out-of-memory error.
		{"huge subsection start", fmt.Sprintf("xref\n3000000000 1\n0000000009 00000 n \ntrailer<</Size 3/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", at)},
		{"huge subsection count", fmt.Sprintf("xref\n0 2000000000\n0000000000 65535 f \ntrailer<</Size 6/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", at)},
		{"prev loop", fmt.Sprintf("xref\n0 1\n0000000000 65535 f \ntrailer<</Size 6/Root 1 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF\n", at, at)},
		{"startxref past end", "startxref\n99999999999\n%%EOF\n"},
		{"xref stream huge size", fmt.Sprintf("6 0 obj<</Type/XRef/Size 4000000000/W[8 8 8]/Index[0 4000000000]/Root 1 0 R/Length 3>>stream\n\x01\x02\x03\nendstream endobj\nstartxref\n%d\n%%%%EOF\n", at)},
		{"xref stream bad widths", fmt.Sprintf("6 0 obj<</Type/XRef/Size 6/W[100000000 -1 3]/Root 1 0 R/Length 3>>stream\n\x01\x02\x03\nendstream endobj\nstartxref\n%d\n%%%%EOF\n", at)},
		{"no xref at all", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := extractT(t, []byte(body+tc.tail), Limits{})
			if err != nil || res.Text != "xref ok" {
				t.Errorf("got %q, %v", res.Text, err)
			}
		})
	}
}

func TestHostileObjectStreams(t *testing.T) {
	// Object 1 (the catalog) lives in object stream 6, whose header claims
	// a huge /N and an /Extends chain back to itself; object 7 is in a
	// stream that is itself said to be in an object stream.
	objStm := func(dict string, data string) string {
		return pdftest.Stream("/Type /ObjStm "+dict, []byte(data))
	}
	build := func(stm string) []byte {
		var b bytes.Buffer
		b.WriteString("%PDF-1.5\n")
		objs := []string{
			"", // 1 is in the object stream
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
			pdftest.Stream("", []byte("BT /F1 12 Tf 72 700 Td (objstm ok) Tj ET")),
			pdftest.Helvetica,
			stm,
		}
		offs := map[int]int{}
		for i, o := range objs {
			if o == "" {
				continue
			}
			offs[i+1] = b.Len()
			fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
		}
		x := b.Len()
		var rows bytes.Buffer
		rows.Write([]byte{0, 0, 0, 0xff})
		for n := 1; n <= 8; n++ {
			switch {
			case n == 1:
				rows.Write([]byte{2, 6, 0, 0}) // in stream 6
			case n == 7:
				rows.Write([]byte{2, 7, 0, 0}) // in itself
			case n == 8:
				rows.Write([]byte{2, 1, 0, 0}) // in object 1, not a stream
			case offs[n] > 0:
				rows.Write([]byte{1, byte(offs[n] >> 8), byte(offs[n]), 0})
			default:
				rows.Write([]byte{0, 0, 0, 0})
			}
		}
		fmt.Fprintf(&b, "9 0 obj\n<< /Type /XRef /Size 10 /W [1 2 1] /Root 1 0 R /Length %d >>\nstream\n", rows.Len())
		b.Write(rows.Bytes())
		fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", x)
		return b.Bytes()
	}
	catalog := "<< /Type /Catalog /Pages 2 0 R /X 7 0 R /Y 8 0 R >>"
	for _, tc := range []struct{ name, stm string }{
		{"huge N", objStm("/N 999999999999 /First 4 /Extends 6 0 R", "1 0 "+catalog)},
		// Hangs ledongthuc/pdf: it reads /N tokens past the end of the data.
		{"huge N, object missing", objStm("/N 999999999999 /First 4", "7 0 <<>>")},
		{"N beyond header", objStm("/N 1000 /First 4", "1 0 "+catalog)},
		{"First beyond data", objStm("/N 1 /First 99999", "1 0 "+catalog)},
		{"negative values", objStm("/N -5 /First -4", "1 0 "+catalog)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := extractT(t, build(tc.stm), Limits{})
			if tc.name == "huge N" && (err != nil || res.Text != "objstm ok") {
				t.Errorf("got %q, %v", res.Text, err)
			}
			if err != nil && !errors.Is(err, ErrNoText) && !strings.Contains(err.Error(), "malformed") {
				t.Errorf("unexpected error %v", err)
			}
		})
	}
}

func TestTruncatedFiles(t *testing.T) {
	// Every prefix of a file must read without panicking.
	docs := [][]byte{
		latinDoc([][]string{latinLines}, styleTJ, genOpts{compress: true}),
		japaneseDoc(japaneseLines, genOpts{objStm: true}, false),
		latinDoc([][]string{latinLines}, styleTj, genOpts{crypt: cryptAESV3}),
	}
	for _, doc := range docs {
		for n := 0; n < len(doc); n += 1 + len(doc)/300 {
			res, err := Extract(t.Context(), doc[:n], Limits{})
			if errors.Is(err, errInternal) {
				t.Fatalf("prefix %d: %v", n, err)
			}
			_ = res
		}
	}
}

func TestRemoved(t *testing.T) {
	content := pdftest.Stream("", []byte("BT /F1 12 Tf 72 700 Td (visible text) Tj ET"))
	cases := []struct {
		name string
		objs []string
		want []string
	}{
		{"javascript everywhere", []string{
			"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R /Names << /JavaScript << /Names [(x) 7 0 R] >> /EmbeddedFiles << /Names [(a.exe) 8 0 R] >> >> /AcroForm << /Fields [10 0 R] >> >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /AA << /O 11 0 R >> /Annots [9 0 R 10 0 R 12 0 R] >>",
			content, pdftest.Helvetica,
			"<< /S /JavaScript /JS (app.alert\\('secret payload'\\)) >>",
			"<< /S /JavaScript /JS 13 0 R >>",
			"<< /Type /Filespec /F (a.exe) /EF << /F 14 0 R >> >>",
			"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10] /FS 8 0 R /Contents (attached note) >>",
			"<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /V (form value text) /Rect [0 0 10 10] >>",
			"<< /S /Launch /F (cmd.exe) >>",
			"<< /Type /Annot /Subtype /Text /Contents (a sticky note) /Rect [0 0 10 10] >>",
			pdftest.Stream("", []byte("this.exportDataObject()")),
			pdftest.Stream("/Type /EmbeddedFile", []byte("MZ\x90\x00")),
		}, []string{rmAttached, rmAA, rmOpenAction, rmComments, rmEmbedded, rmForm, rmJavaScript, rmLaunch}},
		{"goto open action is benign", []string{
			"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
			content, pdftest.Helvetica,
		}, nil},
		{"escaped names", []string{
			"<< /Type /Catalog /Pages 2 0 R /Open#41ction << /S /Java#53cript /J#53 (x) >> >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
			content, pdftest.Helvetica,
		}, []string{rmOpenAction, rmJavaScript}},
		{"unreachable object", []string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
			content, pdftest.Helvetica,
			"<< /S /GoToR /F (other.pdf) /Next << /S /SubmitForm /F (http://x) >> >>",
			"<< /Type /Annot /Subtype /RichMedia >>",
		}, []string{rmSubmit, rmRemote, rmMultimedia}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := extractT(t, pdftest.Assemble(tc.objs, "/Root 1 0 R"), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(res.Removed, want) {
				t.Errorf("Removed = %q, want %q", res.Removed, want)
			}
			// Only the page content may appear, and a form field's value
			// (annots.go); never scripts, actions, attachments or notes.
			text, fields, _ := strings.Cut(res.Text, "\n\n--- form fields ---\n")
			if text != "visible text" || fields != "" && fields != "name: form value text" {
				t.Errorf("Text = %q", res.Text)
			}
			for _, bad := range []string{"secret payload", "app.alert", "cmd.exe", "exportDataObject", "sticky note", "attached note", "MZ"} {
				if strings.Contains(res.Text, bad) {
					t.Errorf("Text holds %q", bad)
				}
			}
		})
	}
	t.Run("encrypted with a password", func(t *testing.T) {
		w := newPDFWriter()
		w.encrypt(cryptRC4, "secret")
		f := helveticaFont(w)
		js := w.add("<< /S /JavaScript /JS 99 0 R >>")
		addPages(w, [][]byte{[]byte("BT /F1 12 Tf (x) Tj ET")}, fmt.Sprintf("/F1 %d 0 R", f))
		w.set(w.root, strings.Replace(w.objs[w.root], " >>", fmt.Sprintf(" /OpenAction %d 0 R >>", js), 1))
		res, err := extractT(t, w.bytes(), Limits{})
		if !errors.Is(err, ErrEncrypted) {
			t.Fatalf("err = %v", err)
		}
		if !slices.Contains(res.Removed, rmJavaScript) || !slices.Contains(res.Removed, rmOpenAction) {
			t.Errorf("Removed = %q", res.Removed)
		}
	})
}
