package office

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"hash/crc32"
	"reflect"
	"strings"
	"testing"
)

// The fixtures are built here, in Go, rather than checked in: each test
// shows the XML it feeds the converter next to the text it expects.

type part struct {
	name string
	body string
}

// makeZip writes the parts, deflated, in order.
func makeZip(t testing.TB, parts ...part) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		method := zip.Deflate
		if p.name == "mimetype" {
			method = zip.Store // ODF 1.2 Part 3 §3.3
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(p.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawEntry is a zip entry written with CreateRaw: its header says what
// the test wants, whatever the data.
type rawEntry struct {
	name                     string
	data                     []byte // already compressed (or stored)
	method                   uint16
	crc                      uint32
	compressed, uncompressed uint64
}

func makeRawZip(t testing.TB, normal []part, raw ...rawEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range normal {
		w, err := zw.Create(p.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(p.body))
	}
	for _, r := range raw {
		w, err := zw.CreateRaw(&zip.FileHeader{
			Name: r.name, Method: r.method, CRC32: r.crc,
			CompressedSize64: r.compressed, UncompressedSize64: r.uncompressed,
		})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(r.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func deflate(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "x", Method: zip.Deflate})
	w.Write(b)
	zw.Close()
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	f := zr.File[0]
	off, err := f.DataOffset()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()[off : off+int64(f.CompressedSize64)]
}

func crc(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

const (
	nsWordML  = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" mc:Ignorable="wps"`
	relNS     = `http://schemas.openxmlformats.org/officeDocument/2006/relationships/`
	xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
)

// contentTypes writes [Content_Types].xml with an override for the main part.
func contentTypes(mainPart, mainType string, extra ...string) part {
	var b strings.Builder
	b.WriteString(xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`)
	b.WriteString(`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>`)
	b.WriteString(`<Override PartName="/` + mainPart + `" ContentType="` + mainType + `"/>`)
	for _, e := range extra {
		b.WriteString(e)
	}
	b.WriteString(`</Types>`)
	return part{"[Content_Types].xml", b.String()}
}

// rels writes a relationships part; each rel is "Id Type Target" with an
// optional fourth field "External".
func rels(name string, rs ...string) part {
	var b strings.Builder
	b.WriteString(xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for _, r := range rs {
		f := strings.Fields(r)
		typ := f[1]
		if !strings.Contains(typ, "/") {
			typ = relNS + typ
		}
		b.WriteString(`<Relationship Id="` + f[0] + `" Type="` + typ + `" Target="` + f[2] + `"`)
		if len(f) > 3 {
			b.WriteString(` TargetMode="External"`)
		}
		b.WriteString(`/>`)
	}
	b.WriteString(`</Relationships>`)
	return part{name, b.String()}
}

const (
	ctDocx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
	ctDocm = "application/vnd.ms-word.document.macroEnabled.main+xml"
	ctXlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
	ctXlsm = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
	ctPptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
)

// wordDoc builds a docx whose document body is body; docRels are the
// document's relationships ("Id Type Target [External]"), extra parts are
// added as given.
func wordDoc(t testing.TB, ct, body string, docRels []string, extra ...part) []byte {
	t.Helper()
	parts := []part{
		contentTypes("word/document.xml", ct),
		rels("_rels/.rels", "rId1 officeDocument word/document.xml"),
		{"word/document.xml", xmlHeader + `<w:document ` + nsWordML + `><w:body>` + body + `</w:body></w:document>`},
		rels("word/_rels/document.xml.rels", docRels...),
	}
	return makeZip(t, append(parts, extra...)...)
}

// wp is a paragraph with one run of text.
func wp(text string) string {
	return `<w:p><w:r><w:t xml:space="preserve">` + text + `</w:t></w:r></w:p>`
}

func extract(t testing.TB, data []byte) Result {
	t.Helper()
	res, err := Extract(context.Background(), data, "", Limits{})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	return res
}

// checkText compares text line by line so a failure shows where.
func checkText(t *testing.T, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Errorf("line %d:\n got %q\nwant %q", i+1, g, w)
		}
	}
	t.Errorf("full text:\n%s", got)
}

func checkRemoved(t *testing.T, got []string, want ...string) {
	t.Helper()
	if len(want) == 0 {
		want = nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Removed = %q, want %q", got, want)
	}
}

func wantLimit(t *testing.T, err error, limit string) {
	t.Helper()
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != limit {
		t.Fatalf("err = %v, want a LimitError on %s", err, limit)
	}
}

func unzip(t testing.TB, data []byte) []part {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out []part
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(rc)
		rc.Close()
		out = append(out, part{f.Name, b.String()})
	}
	return out
}
