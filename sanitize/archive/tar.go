package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
)

func walkTar(ctx context.Context, data []byte, lim Limits, fn func(Entry, []byte) error) error {
	// A plain tar stores data as is, so there is no ratio to enforce and a
	// header cannot claim more data than the input holds without the read
	// failing.
	return walkTarReader(ctx, bytes.NewReader(data), int64(len(data)), false, lim, fn)
}

// walkTarReader walks a tar stream. maxHint caps preallocation (a real
// input size, since header sizes are claims); inGzip says the stream is
// decompressed, for error messages.
func walkTarReader(ctx context.Context, r io.Reader, maxHint int64, inGzip bool, lim Limits, fn func(Entry, []byte) error) error {
	format := "tar"
	if inGzip {
		format = "tgz"
	}
	fail := func(path string, err error) error {
		var le *LimitError
		if errors.As(err, &le) {
			if le.Path == "" && path != "" {
				c := *le
				c.Path = path
				return &c
			}
			return le
		}
		if path != "" {
			return fmt.Errorf("archive: %s: entry %q: %w", format, path, err)
		}
		return fmt.Errorf("archive: %s: %w", format, err)
	}

	tr := tar.NewReader(r)
	seen := make(map[string]bool)
	var used int64
	for count := 0; ; count++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			// ErrInsecurePath (GODEBUG tarinsecurepath=0) comes with a
			// usable header; paths are cleaned below.
			return fail("", err)
		}
		// Global pax headers are returned by Next but name no file; they
		// still count, so a stream of them cannot run unbounded.
		if count >= lim.Entries {
			return &LimitError{What: limitEntries, Limit: int64(lim.Entries)}
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		// pax "path" records are UTF-8 (POSIX pax, "pax Extended Header");
		// ustar and GNU names are whatever bytes the writer's locale had.
		e := Entry{Path: cleanPath(decodeName(hdr.Name, tarLegacy)), Size: max(hdr.Size, 0)}
		e.Skipped = tarSkipReason(hdr, e.Path, seen)
		if e.Skipped != "" {
			if err := fn(e, nil); err != nil {
				return err
			}
			continue
		}
		b := entryBound(lim, used, -1)
		if hdr.Size > b.max {
			return b.err(e.Path)
		}
		out, err := readBounded(tr, b, min(hdr.Size, maxHint), e.Path)
		if err != nil {
			return fail(e.Path, err)
		}
		if int64(len(out)) != hdr.Size {
			// archive/tar reports truncation itself; this guards the
			// invariant Size == len(data).
			return fail(e.Path, io.ErrUnexpectedEOF)
		}
		used += hdr.Size
		if err := fn(e, out); err != nil {
			return err
		}
	}
}

// tarSkipReason says why an entry is not read, or "". Type flags are those
// of POSIX ustar ('0'–'7') and the GNU extension 'S'; '7' (contiguous
// file) is a regular file to every implementation, and archive/tar already
// turns the pre-POSIX '\x00' into '0'.
func tarSkipReason(hdr *tar.Header, path string, seen map[string]bool) string {
	if hdr.Typeflag == tar.TypeDir {
		return "directory"
	}
	dup := seen[path]
	seen[path] = true
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeCont:
		if dup {
			return "duplicate name"
		}
		return ""
	case tar.TypeSymlink:
		return "symlink"
	case tar.TypeLink:
		return "hard link"
	case tar.TypeChar, tar.TypeBlock:
		return "device"
	case tar.TypeFifo:
		return "special file"
	case tar.TypeGNUSparse:
		// Old GNU sparse files declare a logical size far beyond their
		// data; nothing legitimate is mailed as one.
		return "sparse file"
	}
	return fmt.Sprintf("unsupported entry type %q", hdr.Typeflag)
}
