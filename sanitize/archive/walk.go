package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
)

// Defaults for the zero fields of Limits.
const (
	DefaultEntries    = 1000
	DefaultTotalBytes = 100 << 20
	DefaultEntryBytes = 50 << 20
	DefaultRatio      = 100
)

// ratioFloor is how much any entry may expand to before Limits.Ratio
// applies. Short, repetitive files (a blank form, a CSV of zeros, padding)
// legitimately compress better than 100:1, and a MiB per entry is already
// bounded by Entries and TotalBytes; the ratio is there to stop large
// expansions early.
const ratioFloor = 1 << 20

// Limits bound what Walk reads. A zero or negative field takes its default.
type Limits struct {
	Entries    int   // most entries (default 1000)
	TotalBytes int64 // most uncompressed bytes in all (default 100 MiB)
	EntryBytes int64 // most uncompressed bytes of one entry (default 50 MiB)
	Ratio      int   // highest compression ratio of an entry (default 100)
}

// maxBytes caps the byte limits so that a bound plus one cannot overflow.
const maxBytes = 1 << 60

func (l Limits) withDefaults() Limits {
	if l.Entries <= 0 {
		l.Entries = DefaultEntries
	}
	if l.TotalBytes <= 0 {
		l.TotalBytes = DefaultTotalBytes
	}
	if l.EntryBytes <= 0 {
		l.EntryBytes = DefaultEntryBytes
	}
	if l.Ratio <= 0 {
		l.Ratio = DefaultRatio
	}
	l.TotalBytes = min(l.TotalBytes, maxBytes)
	l.EntryBytes = min(l.EntryBytes, maxBytes)
	return l
}

// Entry describes one member of an archive.
type Entry struct {
	// Path is the decoded and cleaned path: textclean.Filename per element,
	// "/" between elements, never absolute, no "." or ".." elements, no
	// drive letter. It is "" when the archive gives no usable name (a gzip
	// stream without FNAME, an entry named "../").
	Path string
	// Size is the uncompressed size as read, or as declared for an entry
	// that was not read.
	Size int64
	// Encrypted is set for zip entries with the encryption flag or the
	// WinZip AES extra field (the "PPAP" password-protected zip). Their data
	// is never read.
	Encrypted bool
	// Skipped is non-empty when the entry was not read, and says why:
	// "directory", "symlink", "hard link", "device", "special file",
	// "sparse file", "encrypted", "duplicate name",
	// "unsupported compression method N (NAME)", or "damaged: ..." for a zip
	// entry whose data is corrupt (the other entries are still read).
	//
	// "duplicate name" marks a later entry with the same cleaned Path as an
	// earlier one; the first is read. No archiver writes duplicates: they are
	// made to exploit extractors that disagree on which copy wins (the
	// Android "master key" APK bug, 2013, was exactly that), so a caller may
	// reasonably treat the whole archive as suspicious and drop it.
	Skipped string
}

// ErrUnsupported is returned by Walk for kinds Detect recognises but this
// package does not open (7z, RAR, LZH, bzip2, xz, zstd, CAB).
var ErrUnsupported = errors.New("archive format not supported")

// LimitError reports that an archive passed one of the Limits. Walk stops
// at the first one.
type LimitError struct {
	// What names the limit: "entries", "total size", "entry size" or
	// "compression ratio".
	What string
	// Limit is the bound: a count, a number of bytes, or the ratio.
	Limit int64
	// Path is the entry being read when the limit tripped, if any.
	Path string
}

func (e *LimitError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("archive: %s exceeds the limit of %d", e.What, e.Limit)
	}
	return fmt.Sprintf("archive: entry %q: %s exceeds the limit of %d", e.Path, e.What, e.Limit)
}

// Limit names, for LimitError.What.
const (
	limitEntries = "entries"
	limitTotal   = "total size"
	limitEntry   = "entry size"
	limitRatio   = "compression ratio"
)

// OverlapError reports two zip entries whose compressed data share bytes.
// No archiver writes such a file; it is how overlapping-entry zip bombs
// (David Fifield, "A better zip bomb", WOOT 2019) make one small kernel of
// deflate data count as thousands of large files, which no per-entry limit
// sees. Walk refuses the archive before reading any entry.
type OverlapError struct {
	First, Second string // the two entries' cleaned paths
	Offset        int64  // where the second entry's data starts
}

func (e *OverlapError) Error() string {
	return fmt.Sprintf("archive: zip entries %q and %q share compressed data at offset %d (overlapping entries, a zip bomb technique)",
		e.First, e.Second, e.Offset)
}

// Walk reads the archive of the given kind in data and calls fn for every
// entry in archive order, with the entry's bytes for regular files that were
// read and nil otherwise. Each call gets a fresh slice, which fn may keep.
//
// A *LimitError stops the walk as soon as a limit is passed (for zip, the
// entry count is checked before the first entry). A zip whose entries share
// data is refused with an *OverlapError before any entry is read. An error
// returned by fn stops the walk and is returned as is. ctx is checked
// between entries. Kinds Walk does not open give an error wrapping
// ErrUnsupported; a damaged archive gives an error saying where.
//
// When Walk returns an error, the entries already passed to fn came from an
// archive that is damaged or hostile; the caller decides whether to keep
// them.
func Walk(ctx context.Context, data []byte, kind Kind, lim Limits, fn func(Entry, []byte) error) error {
	lim = lim.withDefaults()
	switch kind {
	case KindZip:
		return walkZip(ctx, data, lim, fn)
	case KindGzip:
		return walkGzip(ctx, data, lim, fn)
	case KindTgz:
		return walkTgz(ctx, data, lim, fn)
	case KindTar:
		return walkTar(ctx, data, lim, fn)
	case Kind7z, KindRAR, KindLZH, KindBzip2, KindXz, KindZstd, KindCab:
		return fmt.Errorf("archive: %s: %w", kind, ErrUnsupported)
	}
	return fmt.Errorf("archive: unknown kind %q", kind)
}

// bound is the most bytes an entry may expand to, and the limit that sets it.
type bound struct {
	max   int64
	what  string
	limit int64
}

// entryBound combines the per-entry, remaining-total and ratio limits for an
// entry whose compressed size is compressed (< 0: not known, no ratio).
func entryBound(lim Limits, used, compressed int64) bound {
	b := bound{max: lim.EntryBytes, what: limitEntry, limit: lim.EntryBytes}
	if rest := lim.TotalBytes - used; rest < b.max {
		b = bound{max: rest, what: limitTotal, limit: lim.TotalBytes}
	}
	if compressed >= 0 {
		if r := ratioBound(compressed, lim.Ratio); r < b.max {
			b = bound{max: r, what: limitRatio, limit: int64(lim.Ratio)}
		}
	}
	return b
}

// ratioBound is ratio × compressed, at least ratioFloor, without overflow.
func ratioBound(compressed int64, ratio int) int64 {
	if compressed > math.MaxInt64/int64(ratio) {
		return math.MaxInt64
	}
	return max(int64(ratio)*compressed, ratioFloor)
}

func (b bound) err(path string) *LimitError {
	return &LimitError{What: b.what, Limit: b.limit, Path: path}
}

// readBounded reads r to the end into a new slice, failing with the bound's
// LimitError as soon as more than b.max bytes come out; at most b.max+1
// bytes are ever decompressed. hint preallocates (capped by b.max and by a
// size the caller derived from real input, since declared sizes lie).
func readBounded(r io.Reader, b bound, hint int64, path string) ([]byte, error) {
	hint = min(max(hint, 0), b.max, maxPrealloc)
	buf := make([]byte, 0, hint+1)
	lr := io.LimitReader(r, b.max+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > b.max {
			return nil, b.err(path)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// maxPrealloc caps what a declared size may make readBounded allocate
// before any data arrived; larger entries grow as they are read.
const maxPrealloc = 4 << 20
