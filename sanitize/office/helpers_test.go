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

	"github.com/mugai/mugai/internal/testinput/archivetest"
	"github.com/mugai/mugai/internal/testinput/officetest"
)

// The fixtures are built here, in Go, rather than checked in: each test
// shows the XML it feeds the converter next to the text it expects.

type part struct {
	name string
	body string
}

// makeZip writes the parts, deflated ("mimetype" stored), in order.
func makeZip(t testing.TB, parts ...part) []byte {
	t.Helper()
	return archivetest.Zip(t, files(parts)...)
}

func files(parts []part) []archivetest.File {
	fs := make([]archivetest.File, len(parts))
	for i, p := range parts {
		fs[i] = archivetest.File{Name: p.name, Body: []byte(p.body)}
	}
	return fs
}

// deflate compresses b as archive/zip compresses a member's data.
func deflate(t testing.TB, b []byte) []byte {
	t.Helper()
	data := archivetest.Zip(t, archivetest.File{Name: "x", Body: b})
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	f := zr.File[0]
	off, err := f.DataOffset()
	if err != nil {
		t.Fatal(err)
	}
	return data[off : off+int64(f.CompressedSize64)]
}

func crc(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

const (
	nsWordML  = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" mc:Ignorable="wps"`
	xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
)

// contentTypes writes [Content_Types].xml with an override for the main part.
func contentTypes(mainPart, mainType string, extra ...string) part {
	return part{"[Content_Types].xml", officetest.ContentTypes(mainPart, mainType, extra...)}
}

// rels writes a relationships part; each rel is "Id Type Target" with an
// optional fourth field "External".
func rels(name string, rs ...string) part {
	return part{name, officetest.Rels(rs...)}
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
