package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// writeOutput writes what src holds to a file the user named (mugai file
// -o, mugai sanitize -report) as a command-line tool is expected to, never
// replacing what is not an ordinary file of the user's own:
//
//   - a new path: a temporary file beside it is written, synced and
//     renamed into place (never over a file that appeared meanwhile), mode
//     perm less the umask, so the output is never seen half written;
//   - an existing regular file of the user's, with no other hard link:
//     the same, keeping its mode (and group) — a read-only file included;
//   - another user's file, or one with other hard links: written in place,
//     so its owner, mode and links stay;
//   - a symbolic link: its target, by these rules;
//   - a device, a FIFO: opened and written (mugai file -o /dev/null);
//   - a directory or a socket: an error.
func writeOutput(path string, perm fs.FileMode, src io.Reader) error {
	target, err := followLinks(path)
	if err != nil {
		return err
	}
	fi, err := os.Lstat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return replaceFile(target, perm, src, nil)
	case err != nil:
		return err
	case fi.IsDir():
		return fmt.Errorf("%s is a directory", path)
	case fi.Mode()&fs.ModeSocket != 0:
		return fmt.Errorf("%s is a socket", path)
	case !fi.Mode().IsRegular(), !ownedAlone(fi):
		return writeInPlace(target, src, fi)
	}
	return replaceFile(target, perm, src, fi)
}

// followLinks returns the path a chain of symbolic links ends at, which
// need not exist (writing through a dangling link creates its target, as
// a shell's redirection does).
func followLinks(path string) (string, error) {
	for range 40 { // Linux's own limit (MAXSYMLINKS)
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		path = dest
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", path)
}

// ownedAlone reports whether fi is a file of this user's with no other
// hard link: one it may replace with a new file.
func ownedAlone(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid() && st.Nlink == 1
}

// writeInPlace opens the existing file at path, found to be fi, and
// writes src into it: truncated first when it is a regular file.
func writeInPlace(path string, src io.Reader, fi fs.FileInfo) error {
	flags := os.O_WRONLY | syscall.O_NOFOLLOW
	if fi.Mode().IsRegular() {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	// The file opened must be the one examined, not one put there since.
	if now, err := f.Stat(); err != nil || !os.SameFile(fi, now) {
		return fmt.Errorf("%s changed while it was being opened", path)
	}
	if _, err := io.Copy(f, src); err != nil {
		return err
	}
	if fi.Mode().IsRegular() {
		if err := f.Sync(); err != nil {
			return err
		}
	}
	return f.Close()
}

// replaceFile writes src to a new file beside path and renames it to
// path: over old, the regular file found there, keeping its mode and
// group; or, when old is nil, only if path still does not exist, with
// mode perm less the umask.
func replaceFile(path string, perm fs.FileMode, src io.Reader, old fs.FileInfo) (err error) {
	dir := filepath.Dir(path)
	if old != nil {
		perm = old.Mode().Perm()
	}
	tmp, err := createBeside(path, perm)
	if err != nil {
		return err
	}
	defer func() {
		tmp.Close()
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, src); err != nil {
		return err
	}
	if old != nil {
		if err := tmp.Chmod(perm); err != nil { // exactly, whatever the umask
			return err
		}
		if st, ok := old.Sys().(*syscall.Stat_t); ok {
			tmp.Chown(-1, int(st.Gid)) // best effort: a group the user is in
		}
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if old != nil {
		err = os.Rename(tmp.Name(), path)
	} else {
		err = renameNoReplace(tmp.Name(), path)
	}
	if err != nil {
		return err
	}
	// The rename is durable once the directory is (STYLE.md, Durability).
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// createBeside creates a new file with a random name in path's directory.
func createBeside(path string, perm fs.FileMode) (*os.File, error) {
	var rnd [6]byte
	for range 10 {
		rand.Read(rnd[:])
		name := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-"+hex.EncodeToString(rnd[:]))
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, fmt.Errorf("%s: no unused temporary name", filepath.Dir(path))
}

// renameNoReplace renames from to to unless to exists
// (renameat2 RENAME_NOREPLACE; a hard link where the file system lacks it).
func renameNoReplace(from, to string) error {
	err := unix.Renameat2(unix.AT_FDCWD, from, unix.AT_FDCWD, to, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		if err = os.Link(from, to); err == nil {
			return os.Remove(from)
		}
	}
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s appeared while the output was being written; nothing was replaced", to)
	}
	if err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	return nil
}
