package archive

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"slices"
	"unicode/utf8"
)

// Zip extra field IDs (APPNOTE 4.5.2 and 4.6).
const (
	extraUnicodePath = 0x7075 // Info-ZIP Unicode Path, APPNOTE 4.6.9
	extraAES         = 0x9901 // WinZip AE-x, APPNOTE 4.5.2 "AE-x encryption structure"
)

// General purpose bit flags (APPNOTE 4.4.4).
const (
	flagEncrypted       = 1 << 0
	flagStrongEncrypted = 1 << 6
	flagUTF8            = 1 << 11
	flagMaskedHeader    = 1 << 13 // central directory encryption masks local headers
)

// zipEntry is what walkZip works out about a file before reading it.
type zipEntry struct {
	f          *zip.File
	path       string
	dataStart  int64
	compressed int64
	damaged    string // non-empty: why the data cannot be read
}

func walkZip(ctx context.Context, data []byte, lim Limits, fn func(Entry, []byte) error) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		// ErrInsecurePath (GODEBUG zipinsecurepath=0) comes with a usable
		// reader; paths are cleaned below.
		return fmt.Errorf("archive: zip: %w", err)
	}
	// archive/zip parsed the whole central directory already (its size is
	// bounded by the input), so the count is known before any work.
	if len(zr.File) > lim.Entries {
		return &LimitError{What: limitEntries, Limit: int64(lim.Entries)}
	}
	entries := make([]zipEntry, len(zr.File))
	for i, f := range zr.File {
		entries[i] = inspectZip(f, int64(len(data)))
	}
	if err := checkOverlap(entries); err != nil {
		return err
	}

	seen := make(map[string]bool, len(entries))
	var used int64
	for i := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		z := &entries[i]
		e := Entry{Path: z.path, Size: clampSize(z.f.UncompressedSize64), Encrypted: zipEncrypted(z.f)}
		e.Skipped = zipSkipReason(z, e.Encrypted, seen)
		if e.Skipped != "" {
			if err := fn(e, nil); err != nil {
				return err
			}
			continue
		}
		b, reason, err := readZip(z, lim, used)
		if err != nil {
			return err
		}
		if reason != "" {
			e.Skipped = reason
		} else {
			e.Size = int64(len(b))
			used += e.Size
		}
		if err := fn(e, b); err != nil {
			return err
		}
	}
	return nil
}

// inspectZip decodes f's name and locates its compressed data.
func inspectZip(f *zip.File, size int64) zipEntry {
	z := zipEntry{f: f, path: cleanPath(zipName(f)), compressed: clampSize(f.CompressedSize64)}
	off, err := f.DataOffset()
	switch {
	case err != nil:
		z.damaged = "damaged: bad local header"
	case off > size || z.compressed > size-off:
		z.damaged = "damaged: data extends past the end of the archive"
	default:
		z.dataStart = off
	}
	return z
}

// checkOverlap refuses an archive in which two entries' compressed data
// ranges, [data offset, data offset + compressed size), share a byte: two
// central directory records pointing at one local header, or the nested
// ranges of an overlapping-entry bomb. Ranges come from archive/zip's
// DataOffset, which reads each local header. Empty ranges cannot share
// data and are ignored, as are entries already found damaged.
func checkOverlap(entries []zipEntry) error {
	idx := make([]int, 0, len(entries))
	for i, z := range entries {
		if z.damaged == "" && z.compressed > 0 {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(a, b int) int {
		return cmpInt64(entries[a].dataStart, entries[b].dataStart)
	})
	for k := 1; k < len(idx); k++ {
		prev, cur := &entries[idx[k-1]], &entries[idx[k]]
		if cur.dataStart < prev.dataStart+prev.compressed {
			return &OverlapError{First: prev.path, Second: cur.path, Offset: cur.dataStart}
		}
	}
	return nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// zipSkipReason says why z is not read, or "". A name is recorded in seen
// for every entry except directories, so an encrypted or unreadable first
// copy still makes the second a duplicate.
func zipSkipReason(z *zipEntry, encrypted bool, seen map[string]bool) string {
	f := z.f
	mode := f.Mode()
	switch {
	case mode.IsDir() || len(f.Name) > 0 && (f.Name[len(f.Name)-1] == '/' || f.Name[len(f.Name)-1] == '\\'):
		return "directory"
	}
	dup := seen[z.path]
	seen[z.path] = true
	switch {
	case mode&fs.ModeSymlink != 0:
		// Unix external attributes (APPNOTE 4.4.15, Info-ZIP's st_mode in the
		// high 16 bits); the data is the link target.
		return "symlink"
	case mode&fs.ModeDevice != 0:
		return "device"
	case mode&(fs.ModeNamedPipe|fs.ModeSocket|fs.ModeIrregular) != 0:
		return "special file"
	case dup:
		return "duplicate name"
	case encrypted:
		return "encrypted"
	case f.Method != zip.Store && f.Method != zip.Deflate:
		return unsupportedMethod(f.Method)
	case z.damaged != "":
		return z.damaged
	}
	return ""
}

// zipEncrypted reports the encryption flag bits or the AES extra field.
func zipEncrypted(f *zip.File) bool {
	if f.Flags&(flagEncrypted|flagStrongEncrypted|flagMaskedHeader) != 0 || f.Method == 99 {
		return true
	}
	_, aes := findExtra(f.Extra, extraAES)
	return aes
}

// unsupportedMethod names compression methods from APPNOTE 4.4.5 that
// archive/zip does not implement.
func unsupportedMethod(m uint16) string {
	names := map[uint16]string{
		1: "Shrink", 6: "Implode", 9: "Deflate64", 10: "PKWARE DCL Implode",
		12: "bzip2", 14: "LZMA", 18: "IBM TERSE", 19: "IBM LZ77", 20: "zstd (deprecated id)",
		93: "Zstandard", 94: "MP3", 95: "xz", 96: "JPEG variant", 97: "WavPack", 98: "PPMd", 99: "AES",
	}
	if n, ok := names[m]; ok {
		return fmt.Sprintf("unsupported compression method %d (%s)", m, n)
	}
	return fmt.Sprintf("unsupported compression method %d", m)
}

// readZip reads one entry within the limits. A LimitError is returned as
// err; corrupt data is reported as a skip reason, since the other entries
// of a zip can still be read.
func readZip(z *zipEntry, lim Limits, used int64) (data []byte, reason string, err error) {
	b := entryBound(lim, used, z.compressed)
	// Declared sizes can lie in both directions, but one already over a
	// limit is refused without reading: it is either true or a lie.
	if clampSize(z.f.UncompressedSize64) > b.max {
		return nil, "", b.err(z.path)
	}
	rc, err := z.f.Open()
	if err != nil {
		return nil, "damaged: " + describeZipErr(err), nil
	}
	defer rc.Close()
	// Preallocate what the entry can plausibly hold: the declared size, but
	// no more than 16 times the compressed size (deflate text rarely does
	// better); entries that do grow as they are read.
	hint := min(clampSize(z.f.UncompressedSize64), satMul(z.compressed, 16))
	out, err := readBounded(rc, b, hint, z.path)
	var le *LimitError
	switch {
	case errors.As(err, &le):
		return nil, "", err
	case err != nil:
		// archive/zip fails with ErrFormat as soon as more than the declared
		// size comes out, and with ErrChecksum on a CRC-32 mismatch.
		return nil, "damaged: " + describeZipErr(err), nil
	}
	return out, "", nil
}

func describeZipErr(err error) string {
	var ce flate.CorruptInputError
	switch {
	case errors.Is(err, zip.ErrChecksum):
		return "checksum mismatch"
	case errors.Is(err, zip.ErrFormat):
		return "data does not match its declared size"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated data"
	case errors.As(err, &ce):
		return "corrupt deflate data"
	}
	return err.Error()
}

// zipName returns f's name decoded to UTF-8 (not yet cleaned).
func zipName(f *zip.File) string {
	// Info-ZIP Unicode Path (APPNOTE 4.6.9): version 1, CRC-32 of the header
	// name, then the UTF-8 name. The CRC ties it to the name it replaces, so
	// a stale field left by a renaming tool is ignored.
	if v, ok := findExtra(f.Extra, extraUnicodePath); ok && len(v) >= 5 && v[0] == 1 &&
		binary.LittleEndian.Uint32(v[1:5]) == crc32.ChecksumIEEE([]byte(f.Name)) && utf8.Valid(v[5:]) {
		return string(v[5:])
	}
	if f.Flags&flagUTF8 != 0 && utf8.ValidString(f.Name) {
		return f.Name
	}
	return decodeName(f.Name, zipLegacy)
}

// findExtra returns the data of the first extra field block with the given
// header ID (APPNOTE 4.5.1: a sequence of ID, size, data). A malformed
// field ends the search.
func findExtra(extra []byte, id uint16) ([]byte, bool) {
	for len(extra) >= 4 {
		tag := binary.LittleEndian.Uint16(extra)
		n := int(binary.LittleEndian.Uint16(extra[2:]))
		extra = extra[4:]
		if n > len(extra) {
			return nil, false
		}
		if tag == id {
			return extra[:n], true
		}
		extra = extra[n:]
	}
	return nil, false
}

func clampSize(n uint64) int64 {
	if n > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(n)
}

func satMul(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}
