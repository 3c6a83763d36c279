package flatten

import (
	"bytes"
	"strings"

	"github.com/gabriel-vasile/mimetype"

	"github.com/mugai/mugai/sanitize/archive"
	"github.com/mugai/mugai/sanitize/imagesafe"
	"github.com/mugai/mugai/sanitize/mediatype"
	"github.com/mugai/mugai/sanitize/office"
)

// Kind is a file type as the converters know it.
type Kind string

// Kinds. The Office ones are office.Kind values, the archive ones
// archive.Kind values.
const (
	KindPDF        Kind = "pdf"
	KindDOCX       Kind = "docx"
	KindDOCM       Kind = "docm"
	KindDOTX       Kind = "dotx"
	KindXLSX       Kind = "xlsx"
	KindXLSM       Kind = "xlsm"
	KindPPTX       Kind = "pptx"
	KindPPTM       Kind = "pptm"
	KindODT        Kind = "odt"
	KindODS        Kind = "ods"
	KindODP        Kind = "odp"
	KindRTF        Kind = "rtf"
	KindDOC        Kind = "doc" // legacy binary Office (OLE2)
	KindXLS        Kind = "xls"
	KindPPT        Kind = "ppt"
	KindOLE        Kind = "ole2" // another OLE2 container (msi, msg, ...)
	KindZIP        Kind = "zip"
	KindGZIP       Kind = "gzip"
	KindTAR        Kind = "tar"
	KindTGZ        Kind = "tgz"
	KindTNEF       Kind = "tnef"
	KindPNG        Kind = "png"
	KindJPEG       Kind = "jpeg"
	KindGIF        Kind = "gif"
	KindImage      Kind = "image" // another image format: not re-encoded
	KindExecutable Kind = "executable"
	KindText       Kind = "text"
	KindScript     Kind = "script" // a text file that is a script (see ScriptType)
	KindHTML       Kind = "html"
	KindUnknown    Kind = "unknown"
)

type family int

const (
	familyOther family = iota
	familyPDF
	familyOffice
	familyArchive
	familyTNEF
	familyImage
	familyText
)

func (k Kind) family() family {
	switch k {
	case KindPDF:
		return familyPDF
	case KindDOCX, KindDOCM, KindDOTX, KindXLSX, KindXLSM, KindPPTX, KindPPTM, KindODT, KindODS, KindODP, KindRTF,
		KindDOC, KindXLS, KindPPT:
		return familyOffice
	case KindZIP, KindGZIP, KindTAR, KindTGZ:
		return familyArchive
	case KindTNEF:
		return familyTNEF
	case KindPNG, KindJPEG, KindGIF:
		return familyImage
	case KindText, KindHTML, KindScript:
		return familyText
	}
	if isArchiveKind(k) {
		// 7z, rar, lzh, ...: recognised, not opened; Walk says so with
		// archive.ErrUnsupported and the file is dropped naming its type.
		return familyArchive
	}
	return familyOther
}

// isArchiveKind reports whether archive.Detect names k.
func isArchiveKind(k Kind) bool {
	switch k {
	case "7z", "rar", "lzh", "bzip2", "xz", "cab", "zstd":
		return true
	}
	return false
}

// Convertible reports whether an external command may be configured for
// the kind (config's ConverterTypes use the same names).
func (k Kind) Convertible() bool {
	switch k {
	case KindPDF, KindDOCX, KindXLSX, KindPPTX, KindODT, KindODS, KindODP, KindRTF, KindDOC, KindXLS, KindPPT:
		return true
	}
	return false
}

// ExternalName is the converters key of a kind: macro-enabled and
// template variants share their format's command.
func (k Kind) ExternalName() string {
	switch k {
	case KindDOCM, KindDOTX:
		return string(KindDOCX)
	case KindXLSM:
		return string(KindXLSX)
	case KindPPTM:
		return string(KindPPTX)
	}
	return string(k)
}

// MediaType is the usual media type of the kind (package mediatype's
// table); a template is reported as its format's document.
func (k Kind) MediaType() string {
	if k == KindDOTX {
		k = KindDOCX
	}
	return mediatype.KindType(string(k))
}

// tnefSignature starts every TNEF stream (MS-OXTNEF 2.1.3.1), little endian.
var tnefSignature = []byte{0x78, 0x9f, 0x3e, 0x22}

// Detect decides the kind from the content alone. The order matters:
// Office documents are zip files, so their structure is checked before
// the archive signature.
func Detect(data []byte) Kind {
	if len(data) == 0 {
		return KindUnknown
	}
	if k := office.Detect(data); k != "" {
		return Kind(k)
	}
	head := data[:min(len(data), 1024)]
	switch {
	case bytes.Contains(head, []byte("%PDF-")):
		// ISO 32000-1 §7.5.2: readers accept the header anywhere in the
		// first 1024 bytes, so a PDF may hide behind other bytes.
		return KindPDF
	case bytes.HasPrefix(data, tnefSignature):
		return KindTNEF
	}
	if k := archive.Detect(data); k != "" {
		return Kind(k)
	}
	switch imagesafe.Detect(data) {
	case "image/png":
		return KindPNG
	case "image/jpeg":
		return KindJPEG
	case "image/gif":
		return KindGIF
	}
	// Last, mimetype's name for the content, looked up in the table: only
	// the kinds a converter is chosen by without a structure of their own.
	t := mimetype.Detect(data).String()
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	switch k := Kind(mediatype.Lookup(t).Kind); k {
	case KindDOC, KindXLS, KindPPT, KindOLE, KindExecutable, KindHTML:
		return k
	case KindPNG, KindJPEG, KindGIF, KindImage:
		// imagesafe did not take it: an image, but none it re-encodes.
		return KindImage
	case KindText:
		if LooksText(data) {
			return KindText
		}
	}
	if t == "application/octet-stream" && LooksText(data) {
		// mimetype does not recognise text in legacy charsets (Shift_JIS,
		// EUC-JP); few control bytes and no NUL is text enough — the
		// charset decoder and the payload scan see to the rest.
		return KindText
	}
	return KindUnknown
}

// Structural returns the kind of data when its whole header proves it
// (Office structure, "%PDF-", the TNEF signature, an archive header, the
// PNG signature, a JPEG start of image), "" otherwise. Unlike Detect it
// never decides by a short magic, so text that merely begins with one
// ("FWS meeting notes", "MThd", "8BPS") is not mistaken for a file.
func Structural(data []byte) Kind {
	if len(data) == 0 {
		return ""
	}
	if k := office.Detect(data); k != "" {
		return Kind(k)
	}
	switch {
	case bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-")):
		return KindPDF
	case bytes.HasPrefix(data, tnefSignature):
		return KindTNEF
	}
	if k := archive.Detect(data); k != "" {
		return Kind(k)
	}
	switch imagesafe.Detect(data) {
	case "image/png":
		return KindPNG
	case "image/jpeg":
		return KindJPEG
	}
	return ""
}

// LooksText reports whether data (its first 8 KiB) reads as text in some
// charset rather than as a binary format: under 10% control bytes (ESC
// allowed for ISO-2022-JP, TAB, CR, LF and FF as text; random binary has
// about 12%), of which at most one NUL or 5% NULs (a buggy client's
// stray NULs are removed from the text; a binary format has far more).
// UTF-16 is recognised by its byte order mark.
func LooksText(data []byte) bool {
	b := data[:min(len(data), 8192)]
	if bytes.HasPrefix(b, []byte{0xff, 0xfe}) || bytes.HasPrefix(b, []byte{0xfe, 0xff}) {
		return true
	}
	ctl, nul := 0, 0
	for _, c := range b {
		switch {
		case c == 0:
			nul++
			ctl++
		case c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b:
			ctl++
		}
	}
	if nul > 1 && nul*20 > len(b) {
		return false
	}
	return ctl*10 < len(b) || ctl == 0
}

// mismatch reports whether the declared media type names another kind of
// file than the content is. Generic declarations (octet-stream) say
// nothing, and aliases (image/jpg, application/x-zip-compressed, an Office
// document sent as application/zip) are not worth a warning.
func mismatch(declared string, k Kind) bool {
	declared = strings.ToLower(strings.TrimSpace(declared))
	if i := strings.IndexByte(declared, ';'); i >= 0 {
		declared = strings.TrimSpace(declared[:i])
	}
	switch declared {
	case "", "application/octet-stream", "application/unknown", "application/x-unknown",
		"application/force-download", "binary/octet-stream", "application/binary":
		return false
	}
	if k == KindUnknown {
		return false
	}
	for _, d := range declaredKinds {
		if strings.Contains(declared, d.word) {
			for _, ok := range d.kinds {
				if ok == k {
					return false
				}
			}
		}
	}
	return !strings.Contains(declared, string(k))
}

// declaredKinds: a word in a declared media type, and the kinds it may
// legitimately be.
var declaredKinds = []struct {
	word  string
	kinds []Kind
}{
	{"pdf", []Kind{KindPDF}},
	{"zip", []Kind{KindZIP, KindDOCX, KindDOCM, KindDOTX, KindXLSX, KindXLSM, KindPPTX, KindPPTM, KindODT, KindODS, KindODP}},
	{"word", []Kind{KindDOCX, KindDOCM, KindDOTX, KindDOC, KindRTF}},
	{"excel", []Kind{KindXLSX, KindXLSM, KindXLS}},
	{"spreadsheet", []Kind{KindXLSX, KindXLSM, KindXLS, KindODS}},
	{"powerpoint", []Kind{KindPPTX, KindPPTM, KindPPT}},
	{"presentation", []Kind{KindPPTX, KindPPTM, KindPPT, KindODP}},
	{"opendocument", []Kind{KindODT, KindODS, KindODP}},
	{"rtf", []Kind{KindRTF}},
	{"gzip", []Kind{KindGZIP, KindTGZ}},
	{"tar", []Kind{KindTAR, KindTGZ}},
	{"tnef", []Kind{KindTNEF}},
	{"image/", []Kind{KindPNG, KindJPEG, KindGIF, KindImage}},
	{"text/", []Kind{KindText, KindHTML}},
	{"xml", []Kind{KindText}},
	{"json", []Kind{KindText}},
	{"msdownload", []Kind{KindExecutable}},
	{"executable", []Kind{KindExecutable}},
	{"msdos-program", []Kind{KindExecutable}},
	{"dosexec", []Kind{KindExecutable}},
	{"ole", []Kind{KindOLE, KindDOC, KindXLS, KindPPT}},
}
