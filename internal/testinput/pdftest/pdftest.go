// Package pdftest writes small PDF files by hand, object by object, for
// tests only: the pdftext package's own tests, the flatten tests and the
// fuzz targets build their documents with it.
//
// It writes the file structure of ISO 32000-1 §7.5 from literal object
// bodies and imports nothing of pdftext, so a test document does not
// depend on the reader under test.
package pdftest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
)

const (
	// Header is the header line of a PDF 1.4 file (§7.5.2).
	Header = "%PDF-1.4\n"
	// BinaryHeader follows the header line with the comment of four bytes
	// above 127 that §7.5.2 recommends for a file holding binary data.
	BinaryHeader = Header + "%\xe2\xe3\xcf\xd3\n"
)

// Helvetica is the dictionary of the standard Type 1 font Helvetica with
// WinAnsiEncoding (§9.6.2.2), needing no font program.
const Helvetica = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"

// Write writes a PDF file: header, the objects numbered from 1 (objs[i] is
// object i+1, each written as "n 0 obj ... endobj"), a classic
// cross-reference table (§7.5.4) with a correct offset for each, and the
// trailer (§7.5.5): the dictionary trailer as given, startxref, %%EOF.
func Write(header string, objs []string, trailer string) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n%s\nstartxref\n%d\n%%%%EOF\n", trailer, x)
	return b.Bytes()
}

// Trailer returns the trailer dictionary for objs: /Size, then entries
// (such as "/Root 1 0 R").
func Trailer(objs []string, entries string) string {
	return fmt.Sprintf("<< /Size %d %s >>", len(objs)+1, entries)
}

// Assemble writes objs as a PDF file with Header and the trailer
// dictionary Trailer(objs, entries).
func Assemble(objs []string, entries string) []byte {
	return Write(Header, objs, Trailer(objs, entries))
}

// Stream returns the body of a stream object (§7.3.8): dict's entries and
// /Length, then data between "stream" and "endstream".
func Stream(dict string, data []byte) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// OnePage returns the objects of a one-page document whose page draws
// content with Helvetica as /F1: 1 catalog, 2 pages, 3 page, 4 content,
// 5 font. A test replaces or appends objects for the structure it needs.
func OnePage(content string) []string {
	return []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		Stream("", []byte(content)),
		Helvetica,
	}
}

// Flate compresses b with zlib, as the FlateDecode filter expects
// (§7.4.4).
func Flate(b []byte) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(b)
	zw.Close()
	return z.Bytes()
}

// TrueTypeWithCmap builds a font program holding only a 'cmap' table of
// format 4 mapping the runes to glyph ids 3, 4, 5, ...
func TrueTypeWithCmap(runes []rune) []byte {
	be := binary.BigEndian
	// One segment per rune, plus the final 0xFFFF segment.
	seg := len(runes) + 1
	sub := be.AppendUint16(nil, 4)
	sub = be.AppendUint16(sub, uint16(16+8*seg))
	sub = be.AppendUint16(sub, 0)
	sub = be.AppendUint16(sub, uint16(2*seg))
	sub = append(sub, 0, 0, 0, 0, 0, 0)
	for _, r := range runes {
		sub = be.AppendUint16(sub, uint16(r))
	}
	sub = be.AppendUint16(sub, 0xFFFF)
	sub = be.AppendUint16(sub, 0)
	for _, r := range runes {
		sub = be.AppendUint16(sub, uint16(r))
	}
	sub = be.AppendUint16(sub, 0xFFFF)
	for i, r := range runes {
		sub = be.AppendUint16(sub, uint16(3+i)-uint16(r))
	}
	sub = be.AppendUint16(sub, 1)
	for range seg {
		sub = be.AppendUint16(sub, 0)
	}
	cmap := be.AppendUint16(nil, 0)
	cmap = be.AppendUint16(cmap, 1)
	cmap = be.AppendUint16(be.AppendUint16(cmap, 3), 1)
	cmap = be.AppendUint32(cmap, 12)
	cmap = append(cmap, sub...)
	font := be.AppendUint32(nil, 0x00010000)
	font = be.AppendUint16(font, 1)
	font = append(font, 0, 16, 0, 0, 0, 0)
	font = append(font, "cmap"...)
	font = be.AppendUint32(font, 0)
	font = be.AppendUint32(font, 28)
	font = be.AppendUint32(font, uint32(len(cmap)))
	return append(font, cmap...)
}
