package vault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Store keeps the encrypted originals as opaque objects under keys the
// vault chooses ("2025/01/14/7K3M9QXA2B4CD5E6"). It never sees plaintext.
// Implementations: a directory (DirStore), PostgreSQL chunks; an
// S3-compatible object store fits the same four calls.
type Store interface {
	// Put stores the object read from r under key and returns its size.
	// It returns only when the object is durable: on return with nil, a
	// crash of the machine does not lose it. On error nothing under key
	// is left behind.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Open reads an object; a missing one is an error matching
	// fs.ErrNotExist.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes an object durably; a missing one is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for each object stored between from and to (by the
	// time Put stored it; a store may round to whole days and so list
	// more). The vault uses it to find objects whose index entry was
	// never written (a crash inside Put). A store may also clear its own
	// leftovers of interrupted Puts older than to while it lists.
	List(ctx context.Context, from, to time.Time, fn func(key string) error) error
}

// validKey is the shape of the keys the vault makes; a Store refuses
// others, so a damaged index row cannot name a path outside the store.
var validKey = regexp.MustCompile(`^[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9A-Z]{16}$`)

func checkKey(key string) error {
	if !validKey.MatchString(key) {
		return fmt.Errorf("vault store: invalid object key %q", key)
	}
	return nil
}

// dayLayout names the day directories of object keys.
const dayLayout = "2006/01/02"

// DirStore keeps objects as files in a directory tree, one directory per
// day. Put writes a temporary file, fsyncs it, renames it into place and
// fsyncs the directory (and any directory it created), in that order.
type DirStore struct {
	root string
	// create makes the temporary file; tests replace it to fail writes
	// (a full disk).
	create func(dir, pattern string) (tempFile, error)
}

// tempFile is the part of *os.File that Put uses.
type tempFile interface {
	io.Writer
	Sync() error
	Close() error
	Name() string
}

// NewDirStore returns a DirStore rooted at dir, creating it (0700).
func NewDirStore(dir string) (*DirStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("vault store: %w", err)
	}
	return &DirStore{root: dir, create: func(dir, pattern string) (tempFile, error) {
		return os.CreateTemp(dir, pattern)
	}}, nil
}

const tempPrefix = ".tmp-"

func (s *DirStore) path(key string) string {
	return filepath.Join(s.root, filepath.FromSlash(key))
}

// Put implements Store.
func (s *DirStore) Put(ctx context.Context, key string, r io.Reader) (n int64, err error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	final := s.path(key)
	dir := filepath.Dir(final)
	if err := mkdirSynced(s.root, dir); err != nil {
		return 0, fmt.Errorf("vault store: %w", err)
	}
	f, err := s.create(dir, tempPrefix+path.Base(key)+"-*")
	if err != nil {
		return 0, fmt.Errorf("vault store: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	n, err = io.Copy(f, ctxReader{ctx, r})
	if err != nil {
		return 0, fmt.Errorf("vault store: write %s: %w", key, err)
	}
	if err := f.Sync(); err != nil {
		return 0, fmt.Errorf("vault store: sync %s: %w", key, err)
	}
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("vault store: close %s: %w", key, err)
	}
	if err := os.Rename(f.Name(), final); err != nil {
		return 0, fmt.Errorf("vault store: %w", err)
	}
	committed = true
	if err := syncDir(dir); err != nil {
		os.Remove(final)
		return 0, fmt.Errorf("vault store: %w", err)
	}
	return n, nil
}

// Open implements Store.
func (s *DirStore) Open(_ context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	return os.Open(s.path(key))
}

// Delete implements Store.
func (s *DirStore) Delete(_ context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	p := s.path(key)
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("vault store: %w", err)
	}
	return syncDir(filepath.Dir(p))
}

// List implements Store: it reads the day directories from from to to
// and lists the files modified in that time. Temporary files older than
// to are leftovers of a crash inside Put; it removes them.
func (s *DirStore) List(ctx context.Context, from, to time.Time, fn func(key string) error) error {
	for day := from.UTC().Truncate(24 * time.Hour); !day.After(to); day = day.Add(24 * time.Hour) {
		if err := ctx.Err(); err != nil {
			return err
		}
		rel := day.Format(dayLayout)
		ents, err := os.ReadDir(filepath.Join(s.root, filepath.FromSlash(rel)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("vault store: %w", err)
		}
		sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
		for _, e := range ents {
			info, err := e.Info()
			if err != nil {
				continue // removed meanwhile
			}
			mt := info.ModTime()
			if strings.HasPrefix(e.Name(), tempPrefix) {
				if mt.Before(to) {
					os.Remove(filepath.Join(s.root, filepath.FromSlash(rel), e.Name()))
				}
				continue
			}
			key := rel + "/" + e.Name()
			if checkKey(key) != nil || mt.Before(from) || !mt.Before(to) {
				continue
			}
			if err := fn(key); err != nil {
				return err
			}
		}
	}
	return nil
}

// mkdirSynced creates dir and its missing parents below root and syncs
// each parent whose entries changed, so a new day directory survives a
// crash together with the file renamed into it.
func mkdirSynced(root, dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	var missing []string
	for d := dir; d != root && d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		missing = append(missing, d)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		if err := syncDir(filepath.Dir(missing[i])); err != nil {
			return err
		}
	}
	return nil
}

// syncDir fsyncs a directory, making a rename or removal in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
