package flatten

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"github.com/mugai/mugai/internal/testinput/archivetest"
	"github.com/mugai/mugai/internal/testinput/imagetest"
	"github.com/mugai/mugai/internal/testinput/officetest"
	"github.com/mugai/mugai/internal/testinput/pdftest"
)

// minimalPDF builds a one-page PDF showing text in Helvetica (ISO 32000-1
// §7.5: header, objects, cross-reference table, trailer), its
// dictionaries written without spaces, as some writers do.
func minimalPDF(text string) []byte {
	stream := fmt.Sprintf("BT /F1 12 Tf 72 720 Td (%s) Tj ET", text)
	objs := []string{
		"<</Type/Catalog/Pages 2 0 R>>",
		"<</Type/Pages/Kids[3 0 R]/Count 1>>",
		"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Resources<</Font<</F1 5 0 R>>>>/Contents 4 0 R>>",
		fmt.Sprintf("<</Length %d>>stream\n%s\nendstream", len(stream), stream),
		"<</Type/Font/Subtype/Type1/BaseFont/Helvetica/Encoding/WinAnsiEncoding>>",
	}
	return pdftest.Write(pdftest.Header, objs, fmt.Sprintf("<</Size %d/Root 1 0 R>>", len(objs)+1))
}

// zipOf builds a zip archive of name → content; names ending in "!"
// are marked encrypted (the flag bit of APPNOTE 4.4.4) with the "!" cut.
func zipOf(t *testing.T, files ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i := 0; i+1 < len(files); i += 2 {
		h := &zip.FileHeader{Name: strings.TrimSuffix(files[i], "!"), Method: zip.Deflate}
		if strings.HasSuffix(files[i], "!") {
			h.Flags |= 1
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(files[i+1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// docx builds a minimal Word document; extra entries are added as is.
func docx(t *testing.T, text string, extra ...string) []byte {
	t.Helper()
	files := []string{
		"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml", `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>` + text + `</w:t></w:r></w:p></w:body></w:document>`,
	}
	return zipOf(t, append(files, extra...)...)
}

// pngOf is a 4×4 PNG, transparent but for one red pixel.
func pngOf(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	return imagetest.PNG(t, img)
}

var exe = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0}, 200)...)

func TestConvert(t *testing.T) {
	sjis, _ := japanese.ShiftJIS.NewEncoder().String("お世話になっております。①㈱\n")
	tests := []struct {
		name     string
		in       Input
		data     []byte
		opt      Options
		kind     Kind
		action   Action
		text     string // substring of Text
		reason   string
		mismatch bool
	}{
		{"pdf", Input{Name: "a.pdf", DeclaredType: "application/pdf"}, minimalPDF("Hello PDF world"), Options{}, KindPDF, ActionText, "Hello PDF world", "", false},
		{"docx", Input{Name: "a.docx"}, docx(t, "見積書の本文"), Options{}, KindDOCX, ActionText, "見積書の本文", "", false},
		{"legacy doc", Input{Name: "a.doc", DeclaredType: "application/msword"}, officetest.Doc(officetest.Word{Text: "旧形式の文書です。\r"}), Options{}, KindDOC, ActionText, "旧形式の文書です。", "", false},
		{"legacy xls", Input{Name: "a.xls"}, officetest.XLS(officetest.Book{Sheets: []officetest.Sheet{{Name: "S", Rows: [][]any{{"見積", 12.5}}}}}), Options{}, KindXLS, ActionText, "見積\t12.5", "", false},
		{"legacy ppt", Input{Name: "a.ppt"}, officetest.PPT(officetest.Presentation{Slides: []officetest.Slide{{Title: "会議資料"}}}), Options{}, KindPPT, ActionText, "会議資料", "", false},
		{"encrypted legacy doc", Input{Name: "a.doc"}, officetest.Doc(officetest.Word{Text: "x\r", Encrypted: true}), Options{}, KindDOC, ActionDrop, "", ReasonEncrypted, false},
		{"other compound file", Input{Name: "setup.msi"}, officetest.CompoundFile(officetest.Stream{Path: "\x05SummaryInformation", Data: []byte("x")}), Options{}, KindOLE, ActionDrop, "", ReasonUnsupported, false},
		{"text in shift_jis", Input{Name: "a.txt"}, []byte(sjis), Options{}, KindText, ActionText, "お世話になっております。①㈱", "", false},
		{"html file", Input{Name: "a.html"}, []byte(`<p>Hi <a href="https://example.jp/">x</a><script>evil()</script></p>`), Options{Links: 1}, KindHTML, ActionText, "Hi x <hxxps://example[.]jp/>", "", false},
		{"executable", Input{Name: "setup.exe"}, exe, Options{}, KindExecutable, ActionDrop, "", ReasonUnsupported, false},
		{"executable named pdf", Input{Name: "invoice.pdf", DeclaredType: "application/pdf"}, exe, Options{}, KindExecutable, ActionDrop, "", ReasonUnsupported, true},
		{"pdf declared as jpeg", Input{Name: "photo.jpg", DeclaredType: "image/jpeg"}, minimalPDF("x y"), Options{}, KindPDF, ActionText, "x y", "", true},
		{"image dropped by policy", Input{Name: "a.png"}, pngOf(t), Options{}, KindPNG, ActionDrop, "", ReasonImages, false},
		{"image reencoded", Input{Name: "a.png"}, pngOf(t), Options{ReencodeImages: true}, KindPNG, ActionImage, "", "", false},
		{"empty", Input{Name: "a.bin"}, nil, Options{}, KindUnknown, ActionDrop, "", ReasonEmpty, false},
		{"7z", Input{Name: "a.7z"}, []byte("7z\xbc\xaf\x27\x1c\x00\x04" + strings.Repeat("\x00", 40)), Options{}, "7z", ActionDrop, "", ReasonUnsupported, false},
		{"encrypted zip", Input{Name: "a.zip"}, zipOf(t, "secret.docx!", "xx"), Options{}, KindZIP, ActionDrop, "", ReasonEncrypted, false},
		{"external converter", Input{Name: "a.pdf"}, minimalPDF("ignored"), Options{External: func(ctx context.Context, k Kind, b []byte) (string, bool, error) {
			return "from the admin's tool", k == KindPDF, nil
		}}, KindPDF, ActionText, "from the admin's tool", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Convert(context.Background(), tt.in, tt.data, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if res.Kind != tt.kind || res.Action != tt.action || res.Reason != tt.reason || res.Mismatch != tt.mismatch {
				t.Errorf("got kind %s action %s reason %s (%s) mismatch %v", res.Kind, res.Action, res.Reason, res.Detail, res.Mismatch)
			}
			if !strings.Contains(res.Text, tt.text) {
				t.Errorf("text %q lacks %q", res.Text, tt.text)
			}
			if res.Action == ActionImage && (res.ImageType != "image/png" || !bytes.HasPrefix(res.Image, []byte("\x89PNG"))) {
				t.Errorf("image %s %q", res.ImageType, res.Image[:8])
			}
		})
	}
}

func TestMacroReported(t *testing.T) {
	data := docx(t, "本文", "word/vbaProject.bin", "Attribute VB_Name = \"x\"")
	res, err := Convert(context.Background(), Input{Name: "a.docm"}, data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action != ActionText || !strings.Contains(strings.Join(res.Removed, ","), "macro") {
		t.Errorf("got %s removed %v (%s)", res.Action, res.Removed, res.Detail)
	}
}

func TestArchive(t *testing.T) {
	inner := zipOf(t, "deep.txt", "deepest")
	data := zipOf(t,
		"docs/見積.pdf", string(minimalPDF("quote total")),
		"docs/memo.txt", "a memo",
		"bin/run.exe", string(exe),
		"nested.zip", string(zipOf(t, "a.txt", "level two", "inner.zip", string(inner))),
		"locked.docx!", "xx",
	)
	res, err := Convert(context.Background(), Input{Name: "資料.zip"}, data, Options{Limits: Limits{ArchiveDepth: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action != ActionContainer {
		t.Fatalf("got %s %s (%s)", res.Action, res.Reason, res.Detail)
	}
	got := map[string]string{}
	for _, e := range res.Entries {
		got[e.Path] = string(e.Result.Action) + "/" + e.Result.Reason
		if e.Path == "nested.zip" {
			for _, n := range e.Result.Entries {
				got["nested.zip/"+n.Path] = string(n.Result.Action) + "/" + n.Result.Reason
			}
		}
	}
	want := map[string]string{
		"docs/見積.pdf":          "text/",
		"docs/memo.txt":        "text/",
		"bin/run.exe":          "drop/unsupported",
		"nested.zip":           "container/",
		"nested.zip/a.txt":     "text/",
		"nested.zip/inner.zip": "drop/depth",
		"locked.docx":          "drop/encrypted",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
}

func TestArchiveBudgetIsShared(t *testing.T) {
	// Two nested archives of 30 files each, under a limit of 40 entries
	// for the whole attachment: nesting cannot multiply the limit.
	var files []string
	for i := 0; i < 30; i++ {
		files = append(files, fmt.Sprintf("f%d.txt", i), "x")
	}
	inner := zipOf(t, files...)
	outer := zipOf(t, append(files, "inner.zip", string(inner))...)
	res, err := Convert(context.Background(), Input{Name: "a.zip"}, outer, Options{Limits: Limits{ArchiveEntries: 40}})
	if err != nil {
		t.Fatal(err)
	}
	var innerRes *Result
	for _, e := range res.Entries {
		if e.Path == "inner.zip" {
			innerRes = e.Result
		}
	}
	if innerRes == nil || innerRes.Action != ActionDrop || innerRes.Reason != ReasonLimit {
		t.Errorf("inner archive: %+v", innerRes)
	}
}

func TestGzip(t *testing.T) {
	res, err := Convert(context.Background(), Input{Name: "log.gz"}, archivetest.Gzip(t, "app.log", []byte("line one\nline two\n")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action != ActionContainer || len(res.Entries) != 1 || res.Entries[0].Result.Text != "line one\nline two\n" {
		t.Errorf("got %+v", res)
	}
}

func TestZipBomb(t *testing.T) {
	bomb := zipOf(t, "zeros.txt", strings.Repeat("\x00", 20<<20))
	res, err := Convert(context.Background(), Input{Name: "bomb.zip"}, bomb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action != ActionDrop || res.Reason != ReasonLimit {
		t.Errorf("got %s %s (%s)", res.Action, res.Reason, res.Detail)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Convert(ctx, Input{}, minimalPDF("x"), Options{}); err != context.Canceled {
		t.Errorf("got %v", err)
	}
}

func TestMismatchIgnoresGenericTypes(t *testing.T) {
	for _, declared := range []string{"", "application/octet-stream", "application/x-zip-compressed", "image/jpg"} {
		k := KindZIP
		if declared == "image/jpg" {
			k = KindJPEG
		}
		if mismatch(declared, k) {
			t.Errorf("%s vs %s reported as a mismatch", declared, k)
		}
	}
}
