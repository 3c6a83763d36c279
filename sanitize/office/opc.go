package office

import (
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"path"
	"strings"
)

// rel is one relationship of an OPC part (ECMA-376 Part 2 §9.3.2).
type rel struct {
	id       string
	typ      string // the last segment of the Type URI, e.g. "officeDocument"
	target   string // the part name it resolves to, or the raw target when external
	external bool   // TargetMode="External"
}

// relType reduces a relationship Type URI to its last path segment. The
// transitional (schemas.openxmlformats.org), Strict (purl.oclc.org) and
// Microsoft-specific (schemas.microsoft.com) URIs of one relationship end
// the same way ("…/officeDocument", "…/vbaProject"), and nothing here
// depends on which family a document uses.
func relType(uri string) string {
	if i := strings.LastIndexByte(uri, '/'); i >= 0 {
		return uri[i+1:]
	}
	return uri
}

// relsName is the relationships part of a part (Part 2 §9.3.3.1:
// "<folder>/_rels/<name>.rels"; the package's own is "_rels/.rels").
func relsName(part string) string {
	dir, file := path.Split(strings.TrimLeft(part, "/"))
	return dir + "_rels/" + file + ".rels"
}

// resolve makes a relationship target a part name (Part 2 §9.3.2.2: a
// relative reference resolved against the source part, RFC 3986 §5). A
// target that is an absolute URI (has a scheme) is returned as is.
func resolve(source, target string) string {
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return target
	}
	p := u.EscapedPath() // pkg.file tries the unescaped name too
	if !strings.HasPrefix(p, "/") {
		p = path.Join(path.Dir("/"+strings.TrimLeft(source, "/")), p)
	}
	return strings.TrimLeft(path.Clean(p), "/")
}

// rels reads the relationships of a part; a missing relationships part is
// no relationships. Every relationship found is also classified for
// Result.Removed.
func (ex *extraction) rels(part string) ([]rel, error) {
	x, err := ex.xmlPart(relsName(part))
	if errors.Is(err, errNoPart) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer x.close()
	var out []rel
	for {
		tok, err := x.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Relationship" || x.depth() != 2 {
			continue
		}
		r := rel{id: attrAny(se, "Id"), typ: relType(attrAny(se, "Type")), target: attrAny(se, "Target")}
		r.external = strings.EqualFold(attrAny(se, "TargetMode"), "External")
		if !r.external {
			r.target = resolve(part, r.target)
		}
		ex.classifyRel(r)
		out = append(out, r)
	}
}

// find returns the first relationship of a type.
func find(rs []rel, typ string) (rel, bool) {
	for _, r := range rs {
		if r.typ == typ {
			return r, true
		}
	}
	return rel{}, false
}

// byID indexes relationships by Id (the first of a duplicated Id wins),
// so that looking up every slide or sheet stays linear in their number.
func byID(rs []rel) map[string]rel {
	m := make(map[string]rel, len(rs))
	for _, r := range rs {
		if _, dup := m[r.id]; !dup {
			m[r.id] = r
		}
	}
	return m
}

// classifyRel notes what a relationship brings in that is not output. The
// types are those of ECMA-376 Part 1 §15.2 plus Microsoft's (vbaProject,
// activeX from [MS-OFFMACRO2], [MS-OI29500]).
func (ex *extraction) classifyRel(r rel) {
	switch r.typ {
	case "vbaProject", "vbaProjectSignature", "vbaProjectSignatureAgile", "vbaProjectSignatureV3", "wordVbaData", "keyMapCustomizations":
		ex.remove("macro (VBA)")
		return
	case "xlMacrosheet", "xlIntlMacrosheet":
		ex.remove("macro (Excel 4.0)")
		return
	case "activeXControl", "activeXControlBinary", "control":
		ex.remove("ActiveX control")
		return
	case "externalLink", "externalLinkPath":
		ex.remove("external link")
		return
	case "connections", "mailMergeSource", "mailMergeHeaderSource", "recipientData", "queryTable":
		ex.remove("external data connection")
		return
	case "hyperlink":
		// A hyperlink is shown as its text and fetches nothing by itself.
		return
	}
	if r.external {
		switch r.typ {
		case "attachedTemplate":
			// Remote template injection: Word fetches it when the document
			// opens (CVE-2017-0199 and its many successors).
			ex.remove("external template")
		case "image":
			ex.remove("remote image")
		default:
			// oleObject (CVE-2022-30190 "Follina" used an mhtml: target),
			// frame, subDocument, audio, video, ...
			ex.remove("external link")
		}
		return
	}
	switch r.typ {
	case "oleObject":
		ex.remove("OLE object")
	case "package", "aFChunk", "subDocument":
		ex.remove("embedded file")
	}
}

// scanNames notes active content by part name, whether or not a
// relationship points at it: Office ignores an unreferenced part, but a
// package that carries one is worth saying so.
func (ex *extraction) scanNames() {
	for _, f := range ex.pkg.list {
		n := partKey(f.Name)
		base := path.Base(n)
		dir := path.Dir(n) + "/"
		switch {
		case strings.HasPrefix(base, "vbaproject") || base == "vbadata.xml":
			ex.remove("macro (VBA)")
		case strings.Contains(dir, "/macrosheets/"):
			ex.remove("macro (Excel 4.0)")
		case strings.Contains(dir, "/activex/"):
			ex.remove("ActiveX control")
		case strings.Contains(dir, "/embeddings/"):
			if strings.HasPrefix(base, "oleobject") || strings.HasSuffix(base, ".bin") {
				ex.remove("OLE object")
			} else {
				ex.remove("embedded file")
			}
		case strings.Contains(dir, "/externallinks/") && !strings.Contains(dir, "/_rels/"):
			ex.remove("external link")
		case n == "xl/connections.xml":
			ex.remove("external data connection")
		}
	}
}

// scanRels reads every relationships part of the package, so an external
// relationship anywhere (settings.xml.rels holds Word's attachedTemplate)
// is noted even if the converter never reads its source part.
func (ex *extraction) scanRels() error {
	for _, f := range ex.pkg.list {
		n := partKey(f.Name)
		if !strings.HasSuffix(n, ".rels") || !strings.Contains("/"+n, "/_rels/") {
			continue
		}
		dir, file := path.Split(n)
		src := strings.TrimSuffix(strings.TrimSuffix(dir, "_rels/"), "/")
		src = path.Join(src, strings.TrimSuffix(file, ".rels"))
		if _, err := ex.rels(src); err != nil {
			return err
		}
	}
	return nil
}

// contentType returns the content type of a part from [Content_Types].xml:
// an Override for the part name, else the Default for its extension (Part 2
// §10.1.2.2, compared case-insensitively).
func (ex *extraction) contentType(part string) (string, error) {
	x, err := ex.xmlPart("[Content_Types].xml")
	if err != nil {
		return "", err
	}
	defer x.close()
	want := "/" + partKey(part)
	ext := strings.TrimPrefix(path.Ext(want), ".")
	var def string
	for {
		tok, err := x.next()
		if err == io.EOF {
			return def, nil
		}
		if err != nil {
			return "", err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || x.depth() != 2 {
			continue
		}
		switch se.Name.Local {
		case "Override":
			if "/"+partKey(attrAny(se, "PartName")) == want {
				return attrAny(se, "ContentType"), nil
			}
		case "Default":
			if def == "" && strings.EqualFold(attrAny(se, "Extension"), ext) {
				def = attrAny(se, "ContentType")
			}
		}
	}
}

// mainPart returns the part name of the package's main document: the
// target of the officeDocument relationship of the package (Part 1 §11.3.10,
// §12.3.23, §13.3.6), never a fixed path.
func (ex *extraction) mainPart() (string, error) {
	rs, err := ex.rels("")
	if err != nil {
		return "", err
	}
	r, ok := find(rs, "officeDocument")
	if !ok || r.external {
		return "", ErrUnsupported
	}
	return r.target, nil
}
