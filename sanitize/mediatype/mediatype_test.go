package mediatype_test

import (
	"strings"
	"testing"

	"github.com/mugai/mugai/sanitize/mediatype"
)

func TestLookup(t *testing.T) {
	for _, c := range []struct {
		typ, ja, en string
		class       mediatype.Class
		kind        string
	}{
		{"application/pdf", "PDF 文書", "PDF document", mediatype.ClassPDF, "pdf"},
		{"APPLICATION/PDF; name=x.pdf", "PDF 文書", "PDF document", mediatype.ClassPDF, "pdf"},
		{"application/vnd.ms-word.document.macroEnabled.12", "Word 文書", "Word document", mediatype.ClassOffice, "docm"},
		{"application/vnd.oasis.opendocument.text-template", "Word 文書", "Word document", mediatype.ClassOffice, ""},
		{"application/x-7z-compressed", "圧縮ファイル (7Z-COMPRESSED)", "archive (7Z-COMPRESSED)", mediatype.ClassArchive, "7z"},
		{"application/x-gtar", "圧縮ファイル (GTAR)", "archive (GTAR)", mediatype.ClassArchive, "tar"},
		{"application/vnd.microsoft.portable-executable", "実行ファイル", "executable", mediatype.ClassExecutable, "executable"},
		{"application/x-ms-installer", "実行ファイル", "executable", mediatype.ClassExecutable, ""},
		{"application/x-wsf", "スクリプト (Windows Script)", "script (Windows Script)", mediatype.ClassScript, "text"},
		{"text/plain", "テキスト", "text", mediatype.ClassText, "text"},
		{"text/x-whatever", "テキスト", "text", mediatype.ClassText, "text"},
		{"text/html", "HTML", "HTML", mediatype.ClassHTML, "html"},
		{"image/x-icon", "画像 (ICON)", "image (ICON)", mediatype.ClassImage, "image"},
		{"video/mp4", "動画 (MP4)", "video (MP4)", mediatype.ClassMedia, ""},
		{"message/delivery-status", "配信状態通知", "delivery status notification", mediatype.ClassMessage, ""},
		{"multipart/mixed", "multipart/mixed", "multipart/mixed", mediatype.ClassMessage, ""},
		{"application/pkcs7-mime", "暗号化されたメール (S/MIME)", "encrypted message (S/MIME)", mediatype.ClassCrypto, ""},
		{"application/octet-stream", "形式不明", "unknown type", mediatype.ClassOther, ""},
		{"", "形式不明", "unknown type", mediatype.ClassUnknown, ""},
		{"application/x-whatever", "application/x-whatever", "application/x-whatever", mediatype.ClassOther, ""},
	} {
		info := mediatype.Lookup(c.typ)
		ja, en := mediatype.Name(c.typ, false), mediatype.Name(c.typ, true)
		if ja != c.ja || en != c.en || info.Class != c.class || info.Kind != c.kind {
			t.Errorf("%q: %q %q %s %q, want %q %q %s %q", c.typ, ja, en, info.Class, info.Kind, c.ja, c.en, c.class, c.kind)
		}
	}
}

// TestWholeWords: patterns match words of the type, not any three
// letters in it. "application/vnd.stardivision.writer" (a StarOffice
// document) holds "tar" and was once named an archive.
func TestWholeWords(t *testing.T) {
	for _, typ := range []string{
		"application/vnd.stardivision.writer", "application/vnd.stardivision.calc", "application/x-startup",
		"image/x-portable-arbitrarymap", "application/x-shelf", "application/x-library",
	} {
		if l := mediatype.Name(typ, true); strings.HasPrefix(l, "archive") || l == "executable" {
			t.Errorf("%s is named %q", typ, l)
		}
	}
}

func TestKindType(t *testing.T) {
	for kind, want := range map[string]string{
		"pdf": "application/pdf", "docm": "application/vnd.ms-word.document.macroEnabled.12",
		"tgz": "application/x-gtar-compressed", "rar": "application/vnd.rar", "executable": "application/x-executable",
		"text": "text/plain", "html": "text/html", "image": "application/octet-stream", "": "application/octet-stream",
	} {
		if got := mediatype.KindType(kind); got != want {
			t.Errorf("KindType(%q) = %q, want %q", kind, got, want)
		}
	}
}
