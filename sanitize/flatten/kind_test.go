package flatten

import (
	"testing"

	"github.com/mugai/mugai/sanitize/mediatype"
)

// kinds are every Kind the converters know.
var kinds = []Kind{KindPDF, KindDOCX, KindDOCM, KindDOTX, KindXLSX, KindXLSM, KindPPTX, KindPPTM, KindODT, KindODS,
	KindODP, KindRTF, KindDOC, KindXLS, KindPPT, KindOLE, KindZIP, KindGZIP, KindTAR, KindTGZ, KindTNEF, KindPNG,
	KindJPEG, KindGIF, KindImage, KindExecutable, KindText, KindScript, KindHTML, KindUnknown,
	"7z", "rar", "lzh", "bzip2", "xz", "cab", "zstd"}

// TestTableKinds: the kinds table names no kind the converters do not
// know (a typo there would make a type unconvertible).
func TestTableKinds(t *testing.T) {
	known := map[string]bool{}
	for _, k := range kinds {
		known[string(k)] = true
	}
	for _, k := range mediatype.Kinds() {
		if !known[k] {
			t.Errorf("the table names kind %q", k)
		}
	}
}

func TestMediaType(t *testing.T) {
	for k, want := range map[Kind]string{
		KindPDF: "application/pdf", KindDOTX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		KindXLSM: "application/vnd.ms-excel.sheet.macroEnabled.12", KindOLE: "application/x-ole-storage",
		KindTGZ: "application/x-gtar-compressed", KindTNEF: "application/vnd.ms-tnef", KindExecutable: "application/x-executable",
		KindText: "text/plain", KindImage: "application/octet-stream", KindScript: "application/octet-stream",
		KindUnknown: "application/octet-stream", "lzh": "application/x-lzh-compressed", "zstd": "application/zstd",
	} {
		if got := k.MediaType(); got != want {
			t.Errorf("%s.MediaType() = %q, want %q", k, got, want)
		}
	}
	for _, k := range kinds {
		if isArchiveKind(k) && k.MediaType() == "application/octet-stream" {
			t.Errorf("archive kind %s has no media type", k)
		}
	}
}
