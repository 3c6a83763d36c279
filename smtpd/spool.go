package smtpd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// errSpoolFull is returned by a spool written past its limit.
var errSpoolFull = errors.New("spool limit reached")

// spool holds one message: in memory up to memMax bytes, then in a
// temporary file that is unlinked as soon as it is created, so a crash
// leaves nothing behind and Close is the only cleanup needed. Writes past
// limit fail with errSpoolFull (limit 0: no limit of its own, the writer
// is bounded elsewhere).
type spool struct {
	dir    string
	memMax int64
	limit  int64
	mem    bytes.Buffer
	f      *os.File
	n      int64
}

func newSpool(dir string, memMax, limit int64) *spool {
	return &spool{dir: dir, memMax: memMax, limit: limit}
}

func (s *spool) Write(p []byte) (int, error) {
	if s.limit > 0 && s.n+int64(len(p)) > s.limit {
		return 0, errSpoolFull
	}
	if s.f == nil && int64(s.mem.Len()+len(p)) > s.memMax {
		if err := s.toFile(); err != nil {
			return 0, err
		}
	}
	var n int
	var err error
	if s.f != nil {
		n, err = s.f.Write(p)
		if err != nil {
			err = fmt.Errorf("write spool file: %w", err)
		}
	} else {
		n, err = s.mem.Write(p)
	}
	s.n += int64(n)
	return n, err
}

// toFile moves the spool from memory to an unlinked temporary file.
func (s *spool) toFile() error {
	f, err := os.CreateTemp(s.dir, "mugai-spool-*")
	if err != nil {
		return fmt.Errorf("create spool file: %w", err)
	}
	// Unlink now: the open descriptor keeps the data until Close.
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return fmt.Errorf("unlink spool file: %w", err)
	}
	if _, err := f.Write(s.mem.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("write spool file: %w", err)
	}
	s.f = f
	s.mem = bytes.Buffer{} // free the memory copy
	return nil
}

// Size is the number of bytes written.
func (s *spool) Size() int64 { return s.n }

// Reader reads the spool from the start; it may be called more than once.
func (s *spool) Reader() io.Reader {
	if s.f != nil {
		return io.NewSectionReader(s.f, 0, s.n)
	}
	return bytes.NewReader(s.mem.Bytes())
}

// Close frees the memory and the file.
func (s *spool) Close() error {
	s.mem = bytes.Buffer{}
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	if err != nil {
		return fmt.Errorf("close spool file: %w", err)
	}
	return nil
}
