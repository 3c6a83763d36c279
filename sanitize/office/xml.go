package office

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// ns is a namespace this package looks at, decoded from its URI. Matching
// on the URI, not the prefix, is what XML Namespaces require; ECMA-376
// Strict (ISO/IEC 29500 Strict) uses purl.oclc.org URIs for the same
// vocabularies, which map to the same ns.
type ns uint8

const (
	nsOther    ns = iota
	nsW           // WordprocessingML (ECMA-376 Part 1 §17)
	nsS           // SpreadsheetML (§18)
	nsP           // PresentationML (§19)
	nsA           // DrawingML main (§20)
	nsR           // officeDocument relationships (attributes r:id)
	nsMC          // Markup Compatibility (Part 3)
	nsRel         // package relationships (Part 2 §9.3)
	nsCT          // content types (Part 2 §10.1.2)
	nsO           // VML Office extensions (o:OLEObject)
	nsDGM         // DrawingML diagrams (SmartArt data)
	nsP188        // PowerPoint modern comments
	nsText        // ODF text
	nsTable       // ODF table
	nsOffice      // ODF office
	nsDraw        // ODF drawing
	nsPres        // ODF presentation
	nsStyle       // ODF style
	nsDC          // Dublin Core (ODF annotation creator)
	nsXLink       // XLink (ODF references)
	nsScript      // ODF scripts
	nsManifest    // ODF manifest
	nsSVG         // ODF SVG-compatible attributes
)

func nsOf(uri string) ns {
	switch uri {
	case "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
		"http://purl.oclc.org/ooxml/wordprocessingml/main":
		return nsW
	case "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
		"http://purl.oclc.org/ooxml/spreadsheetml/main":
		return nsS
	case "http://schemas.openxmlformats.org/presentationml/2006/main",
		"http://purl.oclc.org/ooxml/presentationml/main":
		return nsP
	case "http://schemas.openxmlformats.org/drawingml/2006/main",
		"http://purl.oclc.org/ooxml/drawingml/main":
		return nsA
	case "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
		"http://purl.oclc.org/ooxml/officeDocument/relationships":
		return nsR
	case "http://schemas.openxmlformats.org/markup-compatibility/2006":
		return nsMC
	case "http://schemas.openxmlformats.org/package/2006/relationships":
		return nsRel
	case "http://schemas.openxmlformats.org/package/2006/content-types":
		return nsCT
	case "urn:schemas-microsoft-com:office:office":
		return nsO
	case "http://schemas.openxmlformats.org/drawingml/2006/diagram",
		"http://purl.oclc.org/ooxml/drawingml/diagram":
		return nsDGM
	case "http://schemas.microsoft.com/office/powerpoint/2018/8/main":
		return nsP188
	case "urn:oasis:names:tc:opendocument:xmlns:text:1.0":
		return nsText
	case "urn:oasis:names:tc:opendocument:xmlns:table:1.0":
		return nsTable
	case "urn:oasis:names:tc:opendocument:xmlns:office:1.0":
		return nsOffice
	case "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0":
		return nsDraw
	case "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0":
		return nsPres
	case "urn:oasis:names:tc:opendocument:xmlns:style:1.0":
		return nsStyle
	case "http://purl.org/dc/elements/1.1/":
		return nsDC
	case "http://www.w3.org/1999/xlink":
		return nsXLink
	case "urn:oasis:names:tc:opendocument:xmlns:script:1.0":
		return nsScript
	case "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0":
		return nsManifest
	case "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0":
		return nsSVG
	}
	return nsOther
}

// name is an element on the reader's stack.
type name struct {
	ns     ns
	local  string
	prefix string // as written, to check the end tag
}

// xmlReader streams the tokens of one XML part: it bounds the nesting
// depth, checks the context every few thousand tokens, keeps the stack of
// open elements (so a handler can ask for the parent) and resolves Markup
// Compatibility alternate content.
//
// It reads with the Decoder's RawToken, which is about a third faster than
// Token, and does Token's two other jobs itself: it resolves namespace
// prefixes to URIs (Namespaces in XML 1.0 §6: a declaration is in scope
// for the element that makes it and its content), and it refuses an end
// tag that does not match its start tag, or a part that ends with
// elements open (XML 1.0 §3, well-formedness).
type xmlReader struct {
	d      *xml.Decoder
	src    *entryReader // nil when not read from a zip entry
	part   string
	ctx    context.Context
	stack  []name
	alts   []altFrame
	n      int
	scope  map[string]string // prefix → namespace URI now in scope ("" is the default namespace)
	ended  name              // the element of the last EndElement
	shadow []binding         // declarations to undo when their element ends
}

// binding is a namespace declaration made by the element at depth, with
// the binding it hides.
type binding struct {
	depth       int
	prefix, old string
	had         bool
}

// altFrame is an open mc:AlternateContent. ECMA-376 Part 3 §10.2.1: a
// consumer selects the first mc:Choice whose required namespaces it
// understands, else mc:Fallback. Text is text in any namespace here, so the
// first Choice is taken and the rest (other Choices, Fallback) skipped, as
// Word does for the text box it stores twice (wps in the Choice, VML in the
// Fallback).
type altFrame struct {
	depth int // stack depth of the mc:AlternateContent element
	taken bool
}

// xmlPart opens a part of the package for streaming.
func (ex *extraction) xmlPart(partName string) (*xmlReader, error) {
	f := ex.pkg.file(partName)
	if f == nil {
		return nil, errNoPart
	}
	if err := ex.check(); err != nil {
		return nil, err
	}
	r, err := ex.pkg.open(f)
	if err != nil {
		return nil, err
	}
	x := newXMLReader(ex.ctx, r, f.Name)
	x.src = r
	return x, nil
}

// errNoPart: a part named by a relationship is not in the package. Office
// shows such a document without the part, and so do we.
var errNoPart = errors.New("office: part not found")

// eachStart calls fn for each start element of an optional part (a
// missing part has none), with x positioned at that element. An error
// from fn ends the walk and is returned.
func (ex *extraction) eachStart(part string, fn func(x *xmlReader, t xml.StartElement) error) error {
	x, err := ex.xmlPart(part)
	if errors.Is(err, errNoPart) {
		return nil
	}
	if err != nil {
		return err
	}
	defer x.close()
	for {
		tok, err := x.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if t, ok := tok.(xml.StartElement); ok {
			if err := fn(x, t); err != nil {
				return err
			}
		}
	}
}

func newXMLReader(ctx context.Context, r io.Reader, part string) *xmlReader {
	d := xml.NewDecoder(sniffUTF16(r))
	d.CharsetReader = charsetReader
	return &xmlReader{d: d, part: part, ctx: ctx}
}

func (x *xmlReader) close() {
	if x.src != nil {
		x.src.Close()
	}
}

// sniffUTF16 converts a part that starts with a UTF-16 byte order mark:
// ECMA-376 Part 2 §8.1.4 allows XML parts in UTF-16, and encoding/xml reads
// only UTF-8 by itself.
func sniffUTF16(r io.Reader) io.Reader {
	var head [2]byte
	n, _ := io.ReadFull(r, head[:])
	rest := io.MultiReader(bytes.NewReader(head[:n]), r)
	if n == 2 && (head == [2]byte{0xFF, 0xFE} || head == [2]byte{0xFE, 0xFF}) {
		return transform.NewReader(rest, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder())
	}
	return rest
}

// charsetReader accepts the encodings OOXML and ODF allow (UTF-8, UTF-16;
// the input was already converted when it had a BOM).
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "utf-16", "utf16", "us-ascii", "ascii":
		return input, nil
	}
	return nil, fmt.Errorf("unsupported XML encoding %q", label)
}

// next returns the next token. The error is io.EOF at the end of the part,
// the *LimitError or zip error that stopped the reading, the context's
// error, or a corrupt-document error.
func (x *xmlReader) next() (xml.Token, error) {
	for {
		tok, err := x.raw()
		if err != nil {
			return nil, err
		}
		switch tok.(type) {
		case xml.StartElement:
			n := x.stack[len(x.stack)-1]
			if n.ns == nsMC {
				switch n.local {
				case "AlternateContent":
					x.alts = append(x.alts, altFrame{depth: len(x.stack)})
					continue
				case "Choice", "Fallback":
					if k := len(x.alts); k > 0 && x.alts[k-1].depth == len(x.stack)-1 {
						if x.alts[k-1].taken {
							if err := x.skip(); err != nil {
								return nil, err
							}
						} else {
							x.alts[k-1].taken = true
						}
						continue
					}
				}
			}
			return tok, nil
		case xml.EndElement:
			if k := len(x.alts); k > 0 && x.alts[k-1].depth == len(x.stack)+1 {
				x.alts = x.alts[:k-1]
			}
			return tok, nil
		case xml.CharData:
			return tok, nil
		}
		// Comments, processing instructions and directives carry no text.
	}
}

// raw reads one token, keeping the element stack and the namespace scope.
// After a StartElement the element is on the stack; after an EndElement it
// is off it.
func (x *xmlReader) raw() (xml.Token, error) {
	tok, err := x.d.RawToken()
	if err != nil {
		if x.src != nil && x.src.err != nil {
			return nil, x.src.err
		}
		if err == io.EOF {
			if len(x.stack) > 0 {
				return nil, corrupt("%s: ends inside <%s>", x.part, x.stack[len(x.stack)-1].local)
			}
			return nil, io.EOF
		}
		var le *LimitError
		if errors.As(err, &le) {
			return nil, err
		}
		return nil, corrupt("%s: %v", x.part, err)
	}
	x.n++
	if x.n&4095 == 0 {
		if err := x.ctx.Err(); err != nil {
			return nil, err
		}
	}
	switch t := tok.(type) {
	case xml.StartElement:
		depth := len(x.stack) + 1
		if depth > maxXMLDepth {
			return nil, &LimitError{Limit: "XML depth", Max: maxXMLDepth, Entry: x.part}
		}
		for _, a := range t.Attr {
			switch {
			case a.Name.Space == "xmlns":
				x.bind(depth, a.Name.Local, a.Value)
			case a.Name.Space == "" && a.Name.Local == "xmlns":
				x.bind(depth, "", a.Value)
			}
		}
		prefix := t.Name.Space
		t.Name.Space = x.resolve(prefix)
		for i := range t.Attr {
			// An unprefixed attribute is in no namespace (Namespaces in
			// XML §6.2), not the default one.
			if p := t.Attr[i].Name.Space; p != "" && p != "xmlns" {
				t.Attr[i].Name.Space = x.resolve(p)
			}
		}
		x.stack = append(x.stack, name{ns: nsOf(t.Name.Space), local: t.Name.Local, prefix: prefix})
		return t, nil
	case xml.EndElement:
		k := len(x.stack)
		if k == 0 || x.stack[k-1].local != t.Name.Local || x.stack[k-1].prefix != t.Name.Space {
			return nil, corrupt("%s: unexpected end tag </%s>", x.part, t.Name.Local)
		}
		t.Name.Space = x.resolve(t.Name.Space)
		for len(x.shadow) > 0 && x.shadow[len(x.shadow)-1].depth == k {
			b := x.shadow[len(x.shadow)-1]
			x.shadow = x.shadow[:len(x.shadow)-1]
			if b.had {
				x.scope[b.prefix] = b.old
			} else {
				delete(x.scope, b.prefix)
			}
		}
		x.ended = x.stack[k-1]
		x.stack = x.stack[:k-1]
		return t, nil
	}
	return tok, nil
}

func (x *xmlReader) bind(depth int, prefix, uri string) {
	if x.scope == nil {
		x.scope = map[string]string{}
	}
	old, had := x.scope[prefix]
	x.shadow = append(x.shadow, binding{depth: depth, prefix: prefix, old: old, had: had})
	x.scope[prefix] = uri
}

// resolve returns the namespace URI of a prefix; an undeclared prefix
// stays as it is, as encoding/xml's Token leaves it.
func (x *xmlReader) resolve(prefix string) string {
	if prefix == "xml" {
		return "http://www.w3.org/XML/1998/namespace"
	}
	if uri, ok := x.scope[prefix]; ok {
		return uri
	}
	return prefix
}

// skip discards the rest of the element whose StartElement was just read.
func (x *xmlReader) skip() error {
	depth := len(x.stack) - 1
	for len(x.stack) > depth {
		if _, err := x.raw(); err != nil {
			if err == io.EOF {
				return corrupt("%s: unexpected end", x.part)
			}
			return err
		}
	}
	return nil
}

// ns is the namespace of the element of the last StartElement or
// EndElement, already decoded (cheaper than nsOf on the token's URI).
func (x *xmlReader) ns() ns {
	if len(x.stack) > 0 {
		return x.stack[len(x.stack)-1].ns
	}
	return nsOther
}

// endNS is the namespace of the element of the last EndElement.
func (x *xmlReader) endNS() ns { return x.ended.ns }

// depth is the number of open elements.
func (x *xmlReader) depth() int { return len(x.stack) }

// up returns the element n levels above the innermost open one: after a
// StartElement up(0) is that element and up(1) its parent; after an
// EndElement or in text, up(0) is the enclosing element.
func (x *xmlReader) up(n int) name {
	if i := len(x.stack) - 1 - n; i >= 0 {
		return x.stack[i]
	}
	return name{}
}

// attr returns the value of the attribute with the given local name in the
// given namespace (nsOther matches an attribute without a namespace).
func attr(se xml.StartElement, space ns, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local != local {
			continue
		}
		if space == nsOther {
			if a.Name.Space == "" {
				return a.Value
			}
		} else if nsOf(a.Name.Space) == space {
			return a.Value
		}
	}
	return ""
}

// attrAny returns the value of the attribute with the given local name in
// any namespace.
func attrAny(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}
