// Package officetest writes the package parts every Office Open XML
// document has — the content types part and relationships parts of Open
// Packaging Conventions (ECMA-376 Part 2) — for tests only: the office
// package's own tests and the fuzz targets build their documents with it.
//
// It writes the XML the standard describes and imports nothing of office,
// so a test document does not depend on the converter under test. Zip the
// parts with archivetest.
package officetest

import "strings"

const (
	// xmlDecl is the XML declaration Office writes at the top of a part.
	xmlDecl = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	// relType is the namespace of the relationship types of ECMA-376
	// Part 1 (officeDocument, worksheet, hyperlink, ...).
	relType = `http://schemas.openxmlformats.org/officeDocument/2006/relationships/`
)

// ContentTypes returns the body of [Content_Types].xml: the
// defaults for .rels and .xml, an override giving mainPart (a part name
// without its leading "/") the content type mainType, then extra elements
// as they are.
func ContentTypes(mainPart, mainType string, extra ...string) string {
	var b strings.Builder
	b.WriteString(xmlDecl + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`)
	b.WriteString(`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>`)
	b.WriteString(`<Override PartName="/` + mainPart + `" ContentType="` + mainType + `"/>`)
	for _, e := range extra {
		b.WriteString(e)
	}
	b.WriteString(`</Types>`)
	return b.String()
}

// Rels returns the body of a relationships part. Each rel is
// "Id Type Target", with a fourth field (any word, such as "External")
// for an external target; a Type without "/" is one of ECMA-376 Part 1's,
// its namespace added.
func Rels(rs ...string) string {
	var b strings.Builder
	b.WriteString(xmlDecl + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for _, r := range rs {
		f := strings.Fields(r)
		typ := f[1]
		if !strings.Contains(typ, "/") {
			typ = relType + typ
		}
		b.WriteString(`<Relationship Id="` + f[0] + `" Type="` + typ + `" Target="` + f[2] + `"`)
		if len(f) > 3 {
			b.WriteString(` TargetMode="External"`)
		}
		b.WriteString(`/>`)
	}
	b.WriteString(`</Relationships>`)
	return b.String()
}
