package payload

import (
	"bytes"
	"encoding/binary"
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// Judging decoded bytes by what they are, not by how they look.
//
// Text that is merely shaped like an encoding — a list of hashes, a
// column of IDs, code, a key — decodes to bytes without structure; a file
// decodes to bytes that start with its format's signature. fileType
// recognises the formats an attacker sends (executables, archives, Office
// and PDF documents, images, markup and scripts) by signatures of several
// bytes, so that a chance match in random bytes is rare enough to ignore,
// and embeddedFile finds one that starts anywhere in the bytes (after a
// decoy, a key or another file that shares the run).

// minFileBytes is the fewest decoded bytes judged a file: the smallest
// useful executable or archive is larger, while a token or a short hash
// is not (a SHA-256 is 32 bytes).
const minFileBytes = 40

// isFileType reports whether a media type, as mimetype names it, is one
// decoded bytes are judged a file by (its descendants in mimetype's tree
// are too: zip covers OOXML, ODF, JAR and APK; OLE2 covers .doc, .xls,
// .ppt, .msi and .msg). Each has a signature of at least three fixed
// bytes, or a structure mimetype checks (tar's header checksum). Formats
// that mimetype knows by one or two bytes (MP3 and AAC frame syncs, ICO,
// BMP, zlib) are left out: random bytes would match them too often.
func isFileType(t string) bool {
	switch t {
	case // Executables and code.
		"application/vnd.microsoft.portable-executable", "application/x-elf",
		"application/x-mach-binary", "application/x-java-applet", "application/wasm",
		"application/x-ms-shortcut", "application/vnd.ms-htmlhelp", "application/x-chrome-extension",
		// Archives and compressed data.
		"application/zip", "application/vnd.rar", "application/x-7z-compressed",
		"application/gzip", "application/x-bzip2", "application/x-xz", "application/zstd",
		"application/vnd.ms-cab-compressed", "application/x-installshield", "application/x-tar",
		"application/x-archive", "application/x-rpm", "application/lzip", "application/x-xar",
		// Office and other documents.
		"application/x-ole-storage", "application/onenote", "application/x-msaccess",
		"application/pdf", "application/postscript", "text/rtf", "application/vnd.sqlite3",
		// Images.
		"image/png", "image/gif", "image/jpeg", "image/webp", "image/tiff",
		// Markup and scripts, found only in bytes that are text.
		"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml",
		"text/x-php", "text/x-shellscript", "text/x-python", "text/x-perl", "text/x-ruby",
		"text/javascript", "text/x-lua", "text/x-tcl":
		return true
	}
	return false
}

// fileType returns the media type of the file data starts with, or "" when
// it starts with none that isFileType accepts.
func fileType(data []byte) string {
	if len(data) < minFileBytes {
		return ""
	}
	m := mimetype.Detect(data)
	for p := m; p != nil; p = p.Parent() {
		t, _, _ := strings.Cut(p.String(), ";")
		if !isFileType(t) {
			continue
		}
		switch t {
		case "application/vnd.microsoft.portable-executable":
			// mimetype knows it by "MZ" alone.
			if !isExecutable(data) {
				return ""
			}
		case "application/gzip":
			// RFC 1952 §2.3.1: ID1 ID2, CM 8 (deflate), no reserved
			// FLG bit.
			if data[2] != 8 || data[3]&0xE0 != 0 {
				return ""
			}
		}
		typ, _, _ := strings.Cut(m.String(), ";")
		return typ
	}
	return ""
}

// isExecutable reports whether data starts with the DOS header of a
// Windows or OS/2 program: "MZ", and at e_lfanew (offset 0x3C) the
// signature of the header that follows it ("PE\0\0", "NE", "LE", "LX").
func isExecutable(data []byte) bool {
	if len(data) < 0x40 || data[0] != 'M' || data[1] != 'Z' {
		return false
	}
	at := int64(binary.LittleEndian.Uint32(data[0x3C:]))
	if at < 0x40 || at+4 > int64(len(data)) {
		return false
	}
	sig := data[at : at+4]
	switch string(sig[:2]) {
	case "PE":
		return sig[2] == 0 && sig[3] == 0
	case "NE", "LE", "LX":
		return true
	}
	return false
}

// fileMarkers start the formats looked for anywhere in decoded bytes:
// those whose signature is long enough not to turn up by chance in random
// bytes ("MZ" is checked further by isExecutable) and whose readers find
// them after leading junk or that an attacker would hide there.
func fileMarkers() []string {
	return []string{
		"MZ",
		"PK\x03\x04",
		"%PDF-",
		"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", // OLE2
		"\x7FELF",
		"Rar!\x1A\x07",
		"7z\xBC\xAF\x27\x1C",
		"\xFD7zXZ\x00",
		"MSCF\x00\x00\x00\x00", // cabinet
		"{\\rtf",
		"BZh",
	}
}

// embeddedFile finds the first file that starts anywhere in data: one of
// fileMarkers that fileType confirms. It returns its type and offset, or
// "" and -1. Time is linear in len(data) (each confirmation reads a
// bounded prefix, and candidates are rare outside files).
func embeddedFile(data []byte) (typ string, at int) {
	at = -1
	for _, m := range fileMarkers() {
		limit := len(data)
		if at >= 0 {
			limit = at // only an earlier one matters now
		}
		for i := 0; i < limit; {
			j := bytes.Index(data[i:min(len(data), limit+len(m)-1)], []byte(m))
			if j < 0 {
				break
			}
			j += i
			if m == "MZ" && !isExecutable(data[j:]) {
				i = j + 1
				continue
			}
			if t := fileType(data[j:]); t != "" {
				typ, at = t, j
				break
			}
			i = j + 1
		}
	}
	return typ, at
}

// fileStart reports whether decoded bytes may be the start of a file, by
// their first bytes only: one of fileMarkers, or the start of another of
// the types fileType knows, each of at least two bytes so that random
// bytes seldom match. It is the cheap test before fileType, run at every
// line start of a text.
func fileStart(b []byte) bool {
	if len(b) < 2 {
		return false
	}
	starts, fold := fileStarts(b[0])
	for _, m := range starts {
		if m == "" || len(b) < len(m) {
			continue
		}
		// Markup in either case; fileType decides. (EqualFold only for
		// it: it takes any invalid UTF-8 byte for any other.)
		if string(b[:len(m)]) == m || fold && strings.EqualFold(string(b[:len(m)]), m) {
			return true
		}
	}
	return false
}

// fileStarts returns the starts of files (see fileStart) that begin with
// byte c, "" after the last, and whether they are markup, compared in
// either case. (An array, not a slice: it is called for every line.)
func fileStarts(c byte) (starts [5]string, fold bool) {
	switch c {
	case 'M':
		return [5]string{"MZ", "MSCF\x00\x00\x00\x00"}, false
	case 'P':
		return [5]string{"PK\x03\x04"}, false
	case '%':
		return [5]string{"%PDF-", "%!PS"}, false
	case 0xD0:
		return [5]string{"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"}, false
	case 0x7F:
		return [5]string{"\x7FELF"}, false
	case 'R':
		return [5]string{"Rar!\x1A\x07"}, false
	case '7':
		return [5]string{"7z\xBC\xAF\x27\x1C"}, false
	case 0xFD:
		return [5]string{"\xFD7zXZ\x00"}, false
	case '{':
		return [5]string{"{\\rtf"}, false
	case 'B':
		return [5]string{"BZh"}, false
	case 0x1F:
		return [5]string{"\x1F\x8B\x08"}, false
	case 0x89:
		return [5]string{"\x89PNG"}, false
	case 'G':
		return [5]string{"GIF8"}, false
	case 0xFF:
		return [5]string{"\xFF\xD8\xFF"}, false
	case 0x00:
		return [5]string{"\x00asm"}, false
	case 'I':
		return [5]string{"ITSF"}, false
	case 'C':
		return [5]string{"Cr24"}, false
	case '#':
		return [5]string{"#!/"}, false
	case '<':
		return [5]string{"<!doctype", "<html", "<?xml", "<svg", "<script"}, true
	}
	return [5]string{}, false
}
