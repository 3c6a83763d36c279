package fuzz

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rc4"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mugai/mugai/internal/testinput/pdftest"
	"github.com/mugai/mugai/sanitize/flatten"
	"github.com/mugai/mugai/sanitize/pdftext"
)

// pdfAssemble writes the objects as a PDF file whose header is followed
// by the binary comment line, as most writers' files are.
func pdfAssemble(objs []string, trailer string) []byte {
	return pdftest.Write(pdftest.BinaryHeader, objs, pdftest.Trailer(objs, trailer))
}

// minimalPDF is a one-page PDF showing text.
func minimalPDF(text string) []byte {
	return pdfAssemble(pdftest.OnePage("BT /F1 12 Tf 72 700 Td ("+text+") Tj ET"), "/Root 1 0 R")
}

// pdfObjStm is a PDF 1.5 file whose font lives in an object stream
// (§7.5.7) found through a cross-reference stream (§7.5.8) with a PNG
// predictor, the way current writers produce them.
func pdfObjStm() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	objs := pdftest.OnePage("BT /F1 12 Tf 72 700 Td [(Object) -250 (stream)] TJ ET")
	font := objs[4]
	hdr := "5 0 "
	objStm := pdftest.Stream(fmt.Sprintf("/Type /ObjStm /N 1 /First %d", len(hdr)), []byte(hdr+font))
	objs = append(objs[:4], "null", objStm) // 5 lives in 6
	offs := map[int]int{}
	for i, o := range objs {
		if i == 4 {
			continue
		}
		offs[i+1] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xrefAt := b.Len()
	// Rows of /W [1 4 2], each prefixed by the PNG "Up" filter byte.
	var rows, prev []byte
	prev = make([]byte, 7)
	for n := 0; n <= 7; n++ {
		row := make([]byte, 7)
		switch {
		case n == 0:
			binary.BigEndian.PutUint16(row[5:], 0xffff)
		case n == 5:
			row[0] = 2
			binary.BigEndian.PutUint32(row[1:], 6)
		case n == 7:
			row[0] = 1
			binary.BigEndian.PutUint32(row[1:], uint32(xrefAt))
		default:
			row[0] = 1
			binary.BigEndian.PutUint32(row[1:], uint32(offs[n]))
		}
		rows = append(rows, 2)
		for i := range row {
			rows = append(rows, row[i]-prev[i])
		}
		prev = row
	}
	fmt.Fprintf(&b, "7 0 obj\n%s\nendobj\nstartxref\n%d\n%%%%EOF\n",
		pdftest.Stream("/Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 7 >>", pdftest.Flate(rows)), xrefAt)
	return b.Bytes()
}

// pdfCIDFont is a page in a composite font (Identity-H) whose ToUnicode
// CMap (§9.10.3) maps the codes to Japanese text.
func pdfCIDFont(content, cmap string) []byte {
	objs := pdftest.OnePage(content)
	objs[4] = "<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>"
	objs = append(objs,
		"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 /W [1 [500 600] 3 9 700] >>",
		pdftest.Stream("", []byte("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"+cmap+"\nendcmap CMapName currentdict /CMap defineresource pop end end")))
	return pdfAssemble(objs, "/Root 1 0 R")
}

const seedCMap = "1 begincodespacerange <0000> <FFFF> endcodespacerange\n" +
	"2 beginbfchar <0001> <304A> <0002> <4E16> endbfchar\n" +
	"1 beginbfrange <0003> <0005> [<8A71> <D842DFB7> <0066006C>] endbfrange"

// pdfRC4 encrypts the content stream with the standard security handler,
// revision 2 (§7.6.3.3, algorithms 1, 2 and 4) and an empty user
// password, which Extract opens: the decryption path, seeded.
func pdfRC4(content string) []byte {
	pad := []byte("\x28\xbf\x4e\x5e\x4e\x75\x8a\x41\x64\x00\x4e\x56\xff\xfa\x01\x08\x2e\x2e\x00\xb6\xd0\x68\x3e\x80\x2f\x0c\xa9\xfe\x64\x53\x69\x7a")
	owner := bytes.Repeat([]byte{0x5a}, 32)
	id := []byte("mugai-fuzz-seed!")
	h := md5.New()
	h.Write(pad)
	h.Write(owner)
	h.Write(binary.LittleEndian.AppendUint32(nil, uint32(0xfffffffc))) // P = -4
	h.Write(id)
	key := h.Sum(nil)[:5]
	rc := func(k, b []byte) []byte {
		c, _ := rc4.NewCipher(k)
		out := make([]byte, len(b))
		c.XORKeyStream(out, b)
		return out
	}
	objKey := md5.Sum(append(bytes.Clone(key), 4, 0, 0, 0, 0))
	objs := pdftest.OnePage(content)
	objs[3] = pdftest.Stream("", rc(objKey[:10], []byte(content)))
	objs = append(objs, fmt.Sprintf("<< /Filter /Standard /V 1 /R 2 /O <%X> /U <%X> /P -4 >>", owner, rc(key, pad)))
	return pdfAssemble(objs, fmt.Sprintf("/Root 1 0 R /Encrypt 6 0 R /ID [<%X> <%X>]", id, id))
}

func pdfSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	text := "BT /F1 12 Tf 72 700 Td (Hello World) Tj 0 -14 Td (second line) Tj T* [(kern) -300 (ing)] TJ ET"
	compressed := pdftest.OnePage("")
	compressed[3] = pdftest.Stream("/Filter /FlateDecode", pdftest.Flate([]byte(text)))
	active := pdftest.OnePage("BT /F1 12 Tf (p) Tj ET /X Do")
	active[0] = "<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> /Names << /EmbeddedFiles << /Names [(a.exe) << /Type /Filespec /EF << /F 6 0 R >> >>] >> >> /AcroForm << /Fields [] >> >>"
	active[1] = "<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 1 >>" // a cycle in the page tree
	active[2] = "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Annots [<< /Subtype /Link /A << /S /Launch /F (cmd.exe) >> >>] /Resources << /Font << /F1 5 0 R >> /XObject << /X 7 0 R >> >> >>"
	active = append(active, pdftest.Stream("/Type /EmbeddedFile", []byte("MZ")),
		pdftest.Stream("/Type /XObject /Subtype /Form /Resources << /Font << /F1 5 0 R >> /XObject << /X 7 0 R >> >>", []byte("BT /F1 12 Tf (form) Tj ET /X Do")))
	filters := pdftest.OnePage("")
	filters[3] = pdftest.Stream("/Filter [/ASCIIHexDecode /FlateDecode]", []byte(fmt.Sprintf("%X>", pdftest.Flate([]byte(text)))))
	seeds := [][]byte{
		minimalPDF("Hello PDF"),
		pdfAssemble(pdftest.OnePage(text), "/Root 1 0 R"),
		pdfAssemble(compressed, "/Root 1 0 R"),
		pdfAssemble(filters, "/Root 1 0 R"),
		pdfObjStm(),
		pdfCIDFont("BT /F1 12 Tf 72 700 Td <00010002> Tj /Span << /ActualText <FEFF0066> >> BDC <0003> Tj EMC ET", seedCMap),
		pdfAssemble(active, "/Root 1 0 R"),
		pdfRC4(text),
		pdfAssemble(pdftest.OnePage("BT /F1 12 Tf (x) Tj ET BI /W 1 /H 1 ID \x00 EI"), "/Root 1 0 R"),
		// A broken table, so that the reader reconstructs it.
		bytes.Replace(minimalPDF("reconstructed"), []byte("xref"), []byte("xxxx"), 1),
		// A flate bomb: a small stream that inflates past the limits.
		pdfAssemble(append(pdftest.OnePage("")[:3], pdftest.Stream("/Filter /FlateDecode", pdftest.Flate(make([]byte, 8<<20))), pdftest.OnePage("")[4]), "/Root 1 0 R"),
	}
	return append(seeds, corpusAttachments(tb, flatten.KindPDF)...)
}

// pdfRemoved is the vocabulary of pdftext's Result.Removed.
var pdfRemoved = []string{"JavaScript", "automatic action (OpenAction)", "automatic action (AA)", "launch action",
	"links to other files", "form submission", "embedded file", "attached files", "form fields", "comments", "multimedia"}

// isInternal recognises the error Extract makes of a recovered panic:
// the package documents the recovery but exports no value for it, so its
// message ("pdftext: internal error: ...", "office: internal error: ...")
// is what tells a bug from a corrupt file.
func isInternal(err error) bool {
	return err != nil && strings.Contains(err.Error(), ": internal error")
}

// checkPDF asserts Extract's promises for any input.
func checkPDF(t *testing.T, res pdftext.Result, err error, lim pdftext.Limits) {
	t.Helper()
	if isInternal(err) {
		t.Fatalf("panic in the reader: %v", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("took over the time bound")
	}
	var le *pdftext.LimitError
	if errors.As(err, &le) {
		bound := map[string]int64{"Depth": int64(lim.Depth), "StreamBytes": lim.StreamBytes, "TotalBytes": lim.TotalBytes}
		if b, ok := bound[le.Limit]; !ok || b != le.Bound {
			t.Fatalf("LimitError %+v", le)
		}
	}
	if !utf8.ValidString(res.Text) {
		t.Fatalf("invalid UTF-8 in text")
	}
	if int64(len(res.Text)) > lim.OutputBytes {
		t.Fatalf("text of %d bytes over the limit of %d", len(res.Text), lim.OutputBytes)
	}
	for _, r := range res.Text {
		if r < 0x20 && r != '\n' || r >= 0x7f && r < 0xa0 || r == utf8.RuneError {
			t.Fatalf("character %U in text", r)
		}
	}
	if err != nil && res.Text != "" {
		t.Fatalf("text returned with the error %v", err)
	}
	if err == nil && !res.Truncated && strings.TrimSpace(res.Text) == "" {
		t.Fatalf("no text and no ErrNoText")
	}
	if res.Pages > lim.Pages {
		t.Fatalf("%d pages read, limit %d", res.Pages, lim.Pages)
	}
	if !sortedUnique(res.Removed) {
		t.Fatalf("Removed not sorted and unique: %q", res.Removed)
	}
	for _, r := range res.Removed {
		if !slices.Contains(pdfRemoved, r) {
			t.Fatalf("Removed names %q", r)
		}
	}
}

// FuzzPDFText feeds whole files to Extract under small limits: no panic
// (Extract recovers one into an error, which fails the target), done in
// bounded time, only documented limit errors, and a Result that keeps
// its promises: valid UTF-8 without control characters within
// OutputBytes, no text with an error, at most Pages pages, Removed sorted,
// unique and in the documented vocabulary.
func FuzzPDFText(f *testing.F) {
	for _, s := range pdfSeeds(f) {
		f.Add(s)
	}
	lim := pdftext.Limits{Pages: 50, Depth: 16, StreamBytes: 1 << 20, TotalBytes: 8 << 20, OutputBytes: 64 << 10}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := pdftext.Extract(ctx, data, lim)
		checkPDF(t, res, err, lim)
	})
}

// FuzzPDFContent wraps its inputs as the content stream of a page and as
// the ToUnicode CMap of its composite font, so that mutations reach the
// content interpreter and the CMap parser rather than failing on the
// file structure. Same promises as FuzzPDFText.
func FuzzPDFContent(f *testing.F) {
	f.Add([]byte("BT /F1 12 Tf 72 700 Td [(Hello) -250 (World)] TJ T* (x) ' ET"), []byte(seedCMap))
	f.Add([]byte("q 1 0 0 1 5 5 cm BT /F2 9 Tf 0 1 -1 0 9 9 Tm <000100020003> Tj ET Q BI /W 1 /H 1 ID \x00 EI /Span <</ActualText (a)>> BDC EMC"),
		[]byte("2 beginbfchar <0001> <304A> <0002> /space endbfchar"))
	f.Add([]byte("BT /F2 10 Tf 3 Tr 1 0 0 -1 0 0 Tm 12 TL 0.5 Tc 2 Tw 90 Tz 5 Ts <0003><0004> Tj T* (\\101\\x) \" ET"),
		[]byte("1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfrange <00> <FF> <0041> endbfrange"))
	lim := pdftext.Limits{Pages: 5, Depth: 16, StreamBytes: 1 << 20, TotalBytes: 4 << 20, OutputBytes: 16 << 10}
	f.Fuzz(func(t *testing.T, content, cmap []byte) {
		objs := pdftest.OnePage(string(content))
		objs[2] = "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>"
		objs = append(objs,
			"<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /DescendantFonts [7 0 R] /ToUnicode 8 0 R >>",
			"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X /DW 1000 /W [1 [500 600] 3 9 700] >>",
			pdftest.Stream("", cmap))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := pdftext.Extract(ctx, pdfAssemble(objs, "/Root 1 0 R"), lim)
		checkPDF(t, res, err, lim)
	})
}

// TestPDFSeedsRead: the generated seeds are read as meant, so the fuzzer
// starts from documents that reach each path rather than from errors.
func TestPDFSeedsRead(t *testing.T) {
	for name, tc := range map[string]struct {
		doc  []byte
		want string
	}{
		"objstm":  {pdfObjStm(), "Object stream"},
		"cidfont": {pdfCIDFont("BT /F1 12 Tf 72 700 Td <00010002> Tj ET", seedCMap), "お世"},
		"rc4":     {pdfRC4("BT /F1 12 Tf 72 700 Td (secret text) Tj ET"), "secret text"},
		"filters": {pdfSeeds(t)[3], "Hello World"},
	} {
		res, err := pdftext.Extract(context.Background(), tc.doc, pdftext.Limits{})
		if err != nil || !strings.Contains(res.Text, tc.want) {
			t.Errorf("%s: %q, %v; want %q", name, res.Text, err, tc.want)
		}
	}
}

// pdfFontEncodings are the /Encoding values FuzzPDFFonts picks from: the
// predefined CMaps of the four collections, and Identity-H over an
// embedded TrueType font (whose own cmap then gives the characters).
var pdfFontEncodings = []struct{ encoding, ordering string }{
	{"/90ms-RKSJ-H", "Japan1"}, {"/EUC-H", "Japan1"}, {"/H", "Japan1"}, {"/UniJIS-UTF16-H", "Japan1"},
	{"/GBK-EUC-H", "GB1"}, {"/ETen-B5-H", "CNS1"}, {"/KSCms-UHC-H", "Korea1"}, {"/Identity-H", "Identity"},
}

// FuzzPDFFonts draws its content with a composite font that has no
// ToUnicode map, so that mutations reach the predefined CMaps and the
// character collections (pick chooses the encoding) and, under
// Identity-H, the cmap table of the embedded font program (font, as
// FontFile2). Same promises as FuzzPDFText.
func FuzzPDFFonts(f *testing.F) {
	ttf := pdftest.TrueTypeWithCmap([]rune("申請書A"))
	f.Add(uint8(0), []byte("BT /F1 12 Tf 72 700 Td <905C90BF8F91> Tj ET"), ttf) // 申請書 in Shift_JIS
	f.Add(uint8(1), []byte("BT /F1 12 Tf 72 700 Td <BFBDC0C1BDF1> Tj ET"), ttf) // in EUC-JP
	f.Add(uint8(2), []byte("BT /F1 12 Tf 72 700 Td <3F3D405F3D71> Tj ET"), ttf) // JIS X 0208 codes
	f.Add(uint8(4), []byte("BT /F1 12 Tf 72 700 Td <C9EAC7EB> Tj ET"), ttf)
	f.Add(uint8(6), []byte("BT /F1 12 Tf 72 700 Td <BDC5C3BB> Tj ET"), ttf)
	f.Add(uint8(7), []byte("BT /F1 12 Tf 72 700 Td <0003000400050006> Tj ET"), ttf)
	lim := pdftext.Limits{Pages: 5, Depth: 16, StreamBytes: 1 << 20, TotalBytes: 4 << 20, OutputBytes: 16 << 10}
	f.Fuzz(func(t *testing.T, pick uint8, content, font []byte) {
		e := pdfFontEncodings[int(pick)%len(pdfFontEncodings)]
		objs := pdftest.OnePage(string(content))
		objs[4] = "<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding " + e.encoding + " /DescendantFonts [6 0 R] >>"
		objs = append(objs,
			"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X /CIDSystemInfo << /Registry (Adobe) /Ordering ("+e.ordering+
				") /Supplement 2 >> /FontDescriptor << /Type /FontDescriptor /FontName /X /FontFile2 7 0 R >> /CIDToGIDMap /Identity >>",
			pdftest.Stream("", font))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := pdftext.Extract(ctx, pdfAssemble(objs, "/Root 1 0 R"), lim)
		checkPDF(t, res, err, lim)
	})
}
