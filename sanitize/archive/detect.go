package archive

import (
	"bytes"
	"compress/gzip"
	"io"
)

// Kind names an archive format.
type Kind string

// Kinds Walk opens.
const (
	KindZip  Kind = "zip"
	KindGzip Kind = "gzip"
	KindTar  Kind = "tar"
	KindTgz  Kind = "tgz" // a gzip stream holding a tar
)

// Kinds Detect recognises so that the caller can name what it removed, but
// Walk does not open (it returns ErrUnsupported).
const (
	Kind7z    Kind = "7z"
	KindRAR   Kind = "rar"
	KindLZH   Kind = "lzh"
	KindBzip2 Kind = "bzip2"
	KindXz    Kind = "xz"
	KindZstd  Kind = "zstd"
	KindCab   Kind = "cab"
)

// Supported reports whether Walk opens archives of kind k.
func (k Kind) Supported() bool {
	switch k {
	case KindZip, KindGzip, KindTar, KindTgz:
		return true
	}
	return false
}

// Detect returns the kind of archive in data, judged by magic bytes and
// structure only (never by a file name), or "" when data is not an archive
// this package knows.
//
// Office Open XML, OpenDocument, JAR, APK and EPUB files are zip archives
// and are reported as KindZip; a caller that converts those documents should
// recognise them first. Self-extracting archives are executables and are
// not reported.
func Detect(data []byte) Kind {
	switch {
	case isZip(data):
		return KindZip
	case len(data) >= 10 && data[0] == 0x1f && data[1] == 0x8b && data[2] == 8:
		// RFC 1952 §2.3.1: ID1 ID2 and CM = 8 (deflate), the only method
		// defined.
		if gzipHoldsTar(data) {
			return KindTgz
		}
		return KindGzip
	case bytes.HasPrefix(data, []byte("7z\xbc\xaf\x27\x1c")):
		// 7z format, 7zFormat.txt "SignatureHeader".
		return Kind7z
	case bytes.HasPrefix(data, []byte("Rar!\x1a\x07\x00")), bytes.HasPrefix(data, []byte("Rar!\x1a\x07\x01\x00")):
		// RAR 1.5–4.x and RAR 5.0 marker blocks.
		return KindRAR
	case isLZH(data):
		return KindLZH
	case isBzip2(data):
		return KindBzip2
	case bytes.HasPrefix(data, []byte("\xfd7zXZ\x00")):
		// The .xz File Format 1.1.0, §2.1.1.1 Header Magic Bytes.
		return KindXz
	case bytes.HasPrefix(data, []byte("\x28\xb5\x2f\xfd")):
		// RFC 8878 §3.1.1 Zstandard frame magic number.
		return KindZstd
	case bytes.HasPrefix(data, []byte("MSCF\x00\x00\x00\x00")):
		// MS-CAB CFHEADER: signature then reserved1 = 0.
		return KindCab
	case isTarHeader(data):
		return KindTar
	}
	return ""
}

// isZip reports a zip archive by its first record (APPNOTE 4.3.6): a local
// file header, the end of central directory record of an empty archive, or
// the spanning marker a single-segment "split" archive starts with (APPNOTE
// 8.5.3).
func isZip(data []byte) bool {
	return bytes.HasPrefix(data, []byte("PK\x03\x04")) ||
		bytes.HasPrefix(data, []byte("PK\x05\x06")) ||
		bytes.HasPrefix(data, []byte("PK\x07\x08PK\x03\x04"))
}

// isBzip2 checks the stream header "BZh" with a block size digit, then the
// first block's magic (the BCD digits of pi) or, for an empty stream, the
// end-of-stream magic (the square root of pi). bzip2 has no formal
// specification; this is the format of bzip2 1.0.
func isBzip2(data []byte) bool {
	if len(data) < 10 || !bytes.HasPrefix(data, []byte("BZh")) || data[3] < '1' || data[3] > '9' {
		return false
	}
	return bytes.HasPrefix(data[4:], []byte("\x31\x41\x59\x26\x53\x59")) ||
		bytes.HasPrefix(data[4:], []byte("\x17\x72\x45\x38\x50\x90"))
}

// isLZH checks an LHA header of level 0, 1 or 2: the compression method
// "-lh?-", "-lz?-" or "-pm?-" at offset 2, and the level byte at offset 20.
// LHA has no magic number; the method string is what file(1) and every
// unarchiver use.
func isLZH(data []byte) bool {
	if len(data) < 21 || data[2] != '-' || data[6] != '-' {
		return false
	}
	m := string(data[3:6])
	switch m[:2] {
	case "lh":
		if !(m[2] >= '0' && m[2] <= '7' || m[2] == 'd') {
			return false
		}
	case "lz":
		if m[2] != 's' && m[2] != '4' && m[2] != '5' {
			return false
		}
	case "pm":
		if m[2] != '0' && m[2] != '1' && m[2] != '2' {
			return false
		}
	default:
		return false
	}
	return data[20] <= 3
}

// gzipHoldsTar decompresses the first tar block of a gzip stream and checks
// its header checksum. The work is bounded: one block of output, and at
// most the input for it.
func gzipHoldsTar(data []byte) bool {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return false
	}
	var block [blockSize]byte
	if _, err := io.ReadFull(zr, block[:]); err != nil {
		return false
	}
	return isTarHeader(block[:])
}

// blockSize is the tar record block (POSIX pax, "ustar Interchange Format").
const blockSize = 512

// isTarHeader reports whether data starts with a tar header block whose
// checksum is right. The checksum is the sum of the header's bytes with the
// chksum field (offset 148, 8 bytes) taken as spaces, written in octal
// (POSIX ustar; historic implementations summed signed bytes, so both sums
// are accepted). It covers V7, ustar, pax and GNU tar, which share it; an
// all-zero block (the end-of-archive marker) is not a header.
func isTarHeader(data []byte) bool {
	if len(data) < blockSize {
		return false
	}
	h := data[:blockSize]
	want, ok := parseOctal(h[148:156])
	if !ok {
		return false
	}
	var unsigned, signed int64
	for i, b := range h {
		if i >= 148 && i < 156 {
			b = ' '
		}
		unsigned += int64(b)
		signed += int64(int8(b))
	}
	if h[0] == 0 { // no name: not a file header
		return false
	}
	return want == unsigned || want == signed
}

// parseOctal reads a tar numeric field: optional leading spaces, octal
// digits, then NUL or space terminators.
func parseOctal(f []byte) (int64, bool) {
	f = bytes.TrimLeft(f, " ")
	f = bytes.TrimRight(f, " \x00")
	if len(f) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range f {
		if c < '0' || c > '7' {
			return 0, false
		}
		n = n<<3 | int64(c-'0')
	}
	return n, true
}
