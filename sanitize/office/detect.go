package office

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// Detect decides the kind of a document from its content, never from a
// file name: a zip package by its structure (an OOXML package's main part
// content type, or an ODF package's mimetype), RTF by its "{\rtf" header.
// A compound file (OLE2) is a legacy Word, Excel or PowerPoint document by
// the stream at its root ("WordDocument", "Workbook" or "Book",
// "PowerPoint Document"). It returns "" for anything else, including a
// password-protected OOXML file (see Extract for telling it apart), and
// for a file that is corrupt or over the default Limits.
func Detect(data []byte) Kind {
	k, _, _, err := detect(data, Limits{}.withDefaults())
	if err != nil {
		return KindNone
	}
	return k
}

// mainTypes maps the content type of an OOXML main part (ECMA-376 Part 1
// §11.3.10, §12.3.23, §13.3.6; the macro-enabled ones from [MS-OFFMACRO2])
// to a kind. The binary .xlsb workbook is not converted.
var mainTypes = map[string]Kind{
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml":   KindDOCX,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml":   KindDOTX,
	"application/vnd.ms-word.document.macroenabled.main+xml":                             KindDOCM,
	"application/vnd.ms-word.template.macroenabledtemplate.main+xml":                     KindDOCM,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml":         KindXLSX,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml":      KindXLSX,
	"application/vnd.ms-excel.sheet.macroenabled.main+xml":                               KindXLSM,
	"application/vnd.ms-excel.template.macroenabled.main+xml":                            KindXLSM,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": KindPPTX,
	"application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml":    KindPPTX,
	"application/vnd.openxmlformats-officedocument.presentationml.template.main+xml":     KindPPTX,
	"application/vnd.ms-powerpoint.presentation.macroenabled.main+xml":                   KindPPTM,
	"application/vnd.ms-powerpoint.slideshow.macroenabled.main+xml":                      KindPPTM,
	"application/vnd.ms-powerpoint.template.macroenabled.main+xml":                       KindPPTM,
}

// odfTypes maps an ODF media type (ODF 1.2 Part 1 Appendix C) to a kind.
// Templates and the text master document are read like the document.
var odfTypes = map[string]Kind{
	"application/vnd.oasis.opendocument.text":                  KindODT,
	"application/vnd.oasis.opendocument.text-template":         KindODT,
	"application/vnd.oasis.opendocument.text-master":           KindODT,
	"application/vnd.oasis.opendocument.spreadsheet":           KindODS,
	"application/vnd.oasis.opendocument.spreadsheet-template":  KindODS,
	"application/vnd.oasis.opendocument.presentation":          KindODP,
	"application/vnd.oasis.opendocument.presentation-template": KindODP,
}

// detect returns the kind and, for a zip package or a compound file, the
// opened container. The error says why a file could not be judged
// (corrupt, a limit) or that it is encrypted.
func detect(data []byte, lim Limits) (Kind, *pkg, *oleFile, error) {
	switch {
	case isRTF(data):
		return KindRTF, nil, nil, nil
	case bytes.HasPrefix(data, cfbSignature):
		f, err := openOLE(data, lim)
		if err != nil {
			return KindNone, nil, nil, err
		}
		k, err := f.kind()
		return k, nil, f, err
	case !bytes.HasPrefix(data, []byte("PK\x03\x04")):
		// A zip reader finds the directory at the end of the data, so
		// anything with a zip appended would open; requiring the local
		// header at offset 0, as Office and ODF (Part 3 §3.3) produce,
		// refuses such polyglots.
		return KindNone, nil, nil, nil
	}
	p, err := openPackage(data, lim)
	if err != nil {
		return KindNone, nil, nil, err
	}
	ex := &extraction{ctx: context.Background(), pkg: p, removed: map[string]bool{}, w: newWriter(0)}
	if f := p.file("mimetype"); f != nil {
		b, err := p.readAll(f)
		if err != nil {
			return KindNone, nil, nil, err
		}
		if k, ok := odfTypes[strings.TrimSpace(string(b))]; ok {
			return k, p, nil, nil
		}
		return KindNone, nil, nil, nil
	}
	if p.file("META-INF/manifest.xml") != nil && p.file("content.xml") != nil {
		// The mimetype entry is optional when the manifest names the
		// package's media type on its root entry (ODF 1.2 Part 3 §3.3, §4.3).
		t, err := ex.manifestRootType()
		if err != nil {
			return KindNone, nil, nil, err
		}
		if k, ok := odfTypes[t]; ok {
			return k, p, nil, nil
		}
		return KindNone, nil, nil, nil
	}
	main, err := ex.mainPart()
	if errors.Is(err, ErrUnsupported) || errors.Is(err, errNoPart) {
		return KindNone, nil, nil, nil
	}
	if err != nil {
		return KindNone, nil, nil, err
	}
	ct, err := ex.contentType(main)
	if errors.Is(err, errNoPart) {
		return KindNone, nil, nil, nil
	}
	if err != nil {
		return KindNone, nil, nil, err
	}
	if k, ok := mainTypes[strings.ToLower(strings.TrimSpace(ct))]; ok && p.file(main) != nil {
		return k, p, nil, nil
	}
	return KindNone, nil, nil, nil
}

// isRTF: an RTF file begins with "{\rtf" (RTF 1.9.1, "RTF Syntax": the
// document is a group starting with \rtfN). Word also accepts a UTF-8
// byte order mark before it.
func isRTF(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	return bytes.HasPrefix(data, []byte(`{\rtf`))
}

// manifestRootType returns the media type of the manifest's "/" entry.
func (ex *extraction) manifestRootType() (string, error) {
	x, err := ex.xmlPart("META-INF/manifest.xml")
	if err != nil {
		return "", err
	}
	defer x.close()
	for {
		tok, err := x.next()
		if err == io.EOF {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "file-entry" && attr(se, nsManifest, "full-path") == "/" {
			return strings.TrimSpace(attr(se, nsManifest, "media-type")), nil
		}
	}
}
