package smtpd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

// errSpoolFull is returned by a spool written past its limit.
var errSpoolFull = errors.New("spool limit reached")

// spoolChunk is the unit of a spool's memory: a message grows by whole
// chunks and what it holds is never copied to grow it. (A bytes.Buffer
// doubles and copies: a message of n bytes costs up to 3n of allocation
// and may hold 2n at its peak, which adds up with many sessions at once.)
const spoolChunk = 32 << 10

// spool holds one message: in memory up to memMax bytes, then in a
// temporary file that is unlinked as soon as it is created, so a crash
// leaves nothing behind and Close is the only cleanup needed. Writes past
// limit fail with errSpoolFull (limit 0: no limit of its own, the writer
// is bounded elsewhere).
type spool struct {
	dir    string
	memMax int64
	limit  int64
	mem    [][]byte // chunks of at most spoolChunk bytes, only the last not full
	starts []int64  // the offset of each chunk of mem
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
	if s.f == nil && s.n+int64(len(p)) > s.memMax {
		if err := s.toFile(); err != nil {
			return 0, err
		}
	}
	if s.f != nil {
		n, err := s.f.Write(p)
		s.n += int64(n)
		if err != nil {
			err = fmt.Errorf("write spool file: %w", err)
		}
		return n, err
	}
	for rest := p; len(rest) > 0; {
		last := len(s.mem) - 1
		if last < 0 || len(s.mem[last]) == cap(s.mem[last]) {
			// 4 KiB first, then as much as held so far: a small message
			// takes little, a large one adds chunks of spoolChunk.
			size := min(max(4<<10, s.n), spoolChunk, s.memMax)
			s.mem = append(s.mem, make([]byte, 0, size))
			s.starts = append(s.starts, s.n+int64(len(p)-len(rest)))
			last++
		}
		c := s.mem[last]
		k := copy(c[len(c):cap(c)], rest)
		s.mem[last] = c[:len(c)+k]
		rest = rest[k:]
	}
	s.n += int64(len(p))
	return len(p), nil
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
	for _, c := range s.mem {
		if _, err := f.Write(c); err != nil {
			f.Close()
			return fmt.Errorf("write spool file: %w", err)
		}
	}
	s.f = f
	s.mem, s.starts = nil, nil // free the memory copy
	return nil
}

// Size is the number of bytes written.
func (s *spool) Size() int64 { return s.n }

// Reader reads the spool from the start; it may be called more than once.
func (s *spool) Reader() io.Reader {
	if s.f != nil {
		return io.NewSectionReader(s.f, 0, s.n)
	}
	return &chunkReader{chunks: s.mem}
}

// ReadAt reads the spool at off, as io.ReaderAt: it may be called
// concurrently with other reads (not with writes).
func (s *spool) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("spool: negative offset")
	}
	if off >= s.n {
		return 0, io.EOF
	}
	if s.f != nil {
		return io.NewSectionReader(s.f, 0, s.n).ReadAt(p, off)
	}
	// The chunk that holds off: the last one starting at or before it.
	i := sort.Search(len(s.starts), func(i int) bool { return s.starts[i] > off }) - 1
	n := 0
	for ; i < len(s.mem) && n < len(p); i++ {
		c := s.mem[i][off+int64(n)-s.starts[i]:]
		n += copy(p[n:], c)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// chunkReader reads a spool's memory chunks in order. (io.MultiReader
// would do, but its WriteTo allocates a 32 KiB buffer per call.)
type chunkReader struct {
	chunks [][]byte
	off    int // in chunks[0]
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.chunks) > 0 && r.off == len(r.chunks[0]) {
		r.chunks, r.off = r.chunks[1:], 0
	}
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.chunks[0][r.off:])
	r.off += n
	return n, nil
}

// Close frees the memory and the file.
func (s *spool) Close() error {
	s.mem, s.starts = nil, nil
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
