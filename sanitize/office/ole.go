package office

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/richardlehane/mscfb"
)

// The legacy binary formats — Word 97–2003 (.doc), Excel 97–2003 (.xls)
// and PowerPoint 97–2003 (.ppt) — are streams inside an OLE2 compound file
// ([MS-CFB]). So is a password-protected OOXML document ([MS-OFFCRYPTO]
// §2.3.4: "EncryptionInfo" and "EncryptedPackage" streams, the same for
// IRM-protected files). The compound file is read with
// github.com/richardlehane/mscfb; the streams with readers of our own
// (word97.go, biff.go, ppt.go).

// cfbSignature starts every compound file ([MS-CFB] §2.2).
var cfbSignature = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// oleFile is an opened compound file: its entries by path ("Macros/VBA",
// "WordDocument"), and the bytes read from its streams so far.
type oleFile struct {
	entries map[string]*mscfb.File
	lim     Limits
	read    int64
}

// Stream names of [MS-DOC] §2.1, [MS-XLS] §2.1.2, [MS-PPT] §2.1.
const (
	streamWord        = "WordDocument"
	streamWorkbook    = "Workbook" // BIFF8
	streamBook        = "Book"     // BIFF5 (Excel 5.0/95)
	streamPowerPoint  = "PowerPoint Document"
	streamCurrentUser = "Current User"
	streamEncrypted   = "EncryptedPackage"
)

// openOLE opens a compound file. A directory that mscfb cannot walk is a
// corrupt document; a panic inside the library (it reads attacker's
// structures) is one too.
func openOLE(data []byte, lim Limits) (f *oleFile, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, corrupt("compound file: %v", r)
		}
	}()
	r, err := mscfb.New(bytes.NewReader(data))
	if err != nil {
		return nil, corrupt("compound file: %v", err)
	}
	f = &oleFile{entries: map[string]*mscfb.File{}, lim: lim}
	for i, e := range r.File {
		if i >= lim.Entries {
			return nil, &LimitError{Limit: "Entries", Max: int64(lim.Entries)}
		}
		p := strings.Join(append(append([]string(nil), e.Path...), e.Name), "/")
		if _, dup := f.entries[p]; !dup {
			f.entries[p] = e
		}
	}
	return f, nil
}

// kind names the document a compound file holds, from the streams at its
// root; ErrEncrypted for an encrypted OOXML package.
func (f *oleFile) kind() (Kind, error) {
	switch {
	case f.has(streamEncrypted):
		return KindNone, ErrEncrypted
	case f.has(streamWord):
		return KindDOC, nil
	case f.has(streamWorkbook), f.has(streamBook):
		return KindXLS, nil
	case f.has(streamPowerPoint):
		return KindPPT, nil
	}
	return KindNone, nil
}

func (f *oleFile) has(path string) bool {
	e, ok := f.entries[path]
	return ok && !e.FileInfo().IsDir()
}

// storage reports whether path is a storage (a directory) with entries.
func (f *oleFile) storage(path string) bool {
	e, ok := f.entries[path]
	if !ok || !e.FileInfo().IsDir() {
		return false
	}
	for p := range f.entries {
		if strings.HasPrefix(p, path+"/") {
			return true
		}
	}
	return false
}

// stream reads a whole stream. Its declared size is checked against the
// file (a stream cannot be longer than the file that holds it, except by a
// sector chain that loops) and against EntryBytes; what is read counts
// towards TotalBytes.
func (f *oleFile) stream(path string, fileSize int) ([]byte, error) {
	e, ok := f.entries[path]
	if !ok || e.FileInfo().IsDir() {
		return nil, errNoPart
	}
	if e.Size > int64(fileSize) {
		return nil, corrupt("stream %q of %d bytes in a file of %d", path, e.Size, fileSize)
	}
	if e.Size > f.lim.EntryBytes {
		return nil, &LimitError{Limit: "EntryBytes", Max: f.lim.EntryBytes, Entry: path}
	}
	f.read += e.Size
	if f.read > f.lim.TotalBytes {
		return nil, &LimitError{Limit: "TotalBytes", Max: f.lim.TotalBytes}
	}
	buf := make([]byte, e.Size)
	n, err := readStream(e, buf)
	if err != nil && err != io.EOF {
		return nil, corrupt("stream %q: %v", path, err)
	}
	return buf[:n], nil
}

// readStream fills buf from the stream; mscfb may panic on a hostile
// sector chain.
func readStream(e *mscfb.File, buf []byte) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return io.ReadFull(e, buf)
}

// removedParts names the active and embedded content a compound file
// holds in storages of its own: VBA projects ([MS-OVBA] §2.2.1: Word's
// "Macros", Excel's "_VBA_PROJECT_CUR"), embedded OLE objects (Word's
// "ObjectPool", Excel's "MBD…" storages) and the digital signature,
// which the text cannot carry anyway.
func (ex *extraction) removedParts(f *oleFile) {
	for p, e := range f.entries {
		dir := e.FileInfo().IsDir()
		name := e.Name
		switch {
		case dir && (name == "Macros" || name == "_VBA_PROJECT_CUR" || name == "VBA") && f.storage(p):
			ex.remove("macro (VBA)")
		case dir && name == "ObjectPool" && f.storage(p):
			ex.remove("OLE object")
		case dir && strings.HasPrefix(name, "MBD") && len(e.Path) == 0:
			ex.remove("OLE object")
		case !dir && (name == "\x01Ole10Native" || name == "Ole10Native") && len(e.Path) > 0:
			ex.remove("OLE object")
		}
	}
}

// legacy converts a legacy binary document.
func (ex *extraction) legacy(data []byte) error {
	f := ex.ole
	ex.removedParts(f)
	switch ex.kind {
	case KindDOC:
		return ex.word97(f, len(data))
	case KindXLS:
		return ex.biff(f, len(data))
	case KindPPT:
		return ex.ppt(f, len(data))
	}
	return ErrUnsupported
}
