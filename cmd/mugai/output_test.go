package main

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOutputFiles: what "mugai file -o OUT" and "mugai sanitize -report
// OUT" do with each kind of OUT. None is replaced by something else — a
// device stays a device, a FIFO a FIFO, a link a link, a read-only file
// read-only, another user's file theirs — and the content arrives.
func TestOutputFiles(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "memo.txt")
	os.WriteFile(in, []byte("メモ\n"), 0o644)
	msg := golden(t, "mixed-attachments.eml")
	commands := []struct {
		name  string
		run   func(out string) (string, int)
		check func(got []byte) bool
	}{
		{"file -o", func(out string) (string, int) {
			_, errOut, code := runBinary(t, nil, "file", "-o", out, in)
			return errOut, code
		}, func(got []byte) bool { return string(got) == "メモ\n" }},
		{"sanitize -report", func(out string) (string, int) {
			_, errOut, code := runBinary(t, msg, "sanitize", "-report", out)
			return errOut, code
		}, func(got []byte) bool {
			return bytes.HasPrefix(got, []byte("{")) && bytes.Contains(got, []byte("setup.exe"))
		}},
	}
	root := os.Geteuid() == 0
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			sub := t.TempDir()
			path := func(name string) string { return filepath.Join(sub, name) }
			mustRun := func(out string) {
				t.Helper()
				if errOut, code := c.run(out); code != 0 {
					t.Fatalf("exit %d: %s", code, errOut)
				}
			}
			read := func(name string) []byte {
				t.Helper()
				b, err := os.ReadFile(name)
				if err != nil {
					t.Fatal(err)
				}
				return b
			}

			t.Run("/dev/null", func(t *testing.T) {
				mustRun(os.DevNull)
				if fi, err := os.Lstat(os.DevNull); err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
					t.Fatalf("%s is no longer a character device: %v %v", os.DevNull, fi.Mode(), err)
				}
			})
			t.Run("a device made for the test", func(t *testing.T) {
				dev := path("null")
				if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, 1<<8|3); err != nil { // 1,3: the null device
					t.Skipf("cannot make a device here (root only): %v", err)
				}
				mustRun(dev)
				if fi, _ := os.Lstat(dev); fi.Mode()&fs.ModeCharDevice == 0 {
					t.Errorf("the device was replaced by a %v", fi.Mode())
				}
			})
			t.Run("FIFO with a reader", func(t *testing.T) {
				fifo := path("fifo")
				if err := syscall.Mkfifo(fifo, 0o600); err != nil {
					t.Fatal(err)
				}
				got := make(chan []byte)
				go func() {
					f, err := os.Open(fifo)
					if err != nil {
						got <- nil
						return
					}
					defer f.Close()
					b, _ := io.ReadAll(f)
					got <- b
				}()
				mustRun(fifo)
				select {
				case b := <-got:
					if !c.check(b) {
						t.Errorf("the reader got %q", b)
					}
				case <-time.After(10 * time.Second):
					t.Errorf("the reader got nothing") // and stays blocked on the FIFO
				}
				if fi, _ := os.Lstat(fifo); fi.Mode()&fs.ModeNamedPipe == 0 {
					t.Errorf("the FIFO was replaced by a %v", fi.Mode())
				}
			})
			t.Run("symlink to a file", func(t *testing.T) {
				target, link := path("target.txt"), path("link.txt")
				os.WriteFile(target, []byte("old"), 0o600)
				os.Symlink("target.txt", link)
				mustRun(link)
				if dest, err := os.Readlink(link); err != nil || dest != "target.txt" {
					t.Errorf("the link was replaced: %q %v", dest, err)
				}
				if b := read(target); !c.check(b) {
					t.Errorf("the target holds %q", b)
				}
			})
			t.Run("dangling symlink", func(t *testing.T) {
				link := path("dangling")
				os.Symlink("created.txt", link)
				mustRun(link)
				if fi, _ := os.Lstat(link); fi.Mode()&fs.ModeSymlink == 0 || !c.check(read(path("created.txt"))) {
					t.Errorf("the link's target was not created through it")
				}
			})
			t.Run("read-only file", func(t *testing.T) {
				ro := path("readonly.txt")
				os.WriteFile(ro, []byte("old"), 0o444)
				os.Chmod(ro, 0o444)
				mustRun(ro)
				fi, _ := os.Lstat(ro)
				if !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o444 {
					t.Errorf("now %v, want a regular file of mode 0444", fi.Mode())
				}
				if b := read(ro); !c.check(b) {
					t.Errorf("holds %q", b)
				}
			})
			t.Run("file with another hard link", func(t *testing.T) {
				a, b := path("a.txt"), path("b.txt")
				os.WriteFile(a, []byte("old"), 0o640)
				os.Link(a, b)
				mustRun(a)
				if got := read(b); !c.check(got) {
					t.Errorf("the other link holds %q: the file was replaced, not written", got)
				}
			})
			t.Run("another user's file", func(t *testing.T) {
				if !root {
					t.Skip("needs root to give a file to another user")
				}
				theirs := path("theirs.txt")
				os.WriteFile(theirs, []byte("old"), 0o640)
				os.Chown(theirs, 4242, 4242)
				before, _ := os.Stat(theirs)
				mustRun(theirs)
				after, _ := os.Stat(theirs)
				if !os.SameFile(before, after) || after.Sys().(*syscall.Stat_t).Uid != 4242 || after.Mode().Perm() != 0o640 {
					t.Errorf("replaced: uid %d mode %v", after.Sys().(*syscall.Stat_t).Uid, after.Mode())
				}
				if b := read(theirs); !c.check(b) {
					t.Errorf("holds %q", b)
				}
			})
			t.Run("new file", func(t *testing.T) {
				out := path("new.txt")
				mustRun(out)
				fi, _ := os.Lstat(out)
				umask := syscall.Umask(0)
				syscall.Umask(umask)
				if want := fs.FileMode(0o666 &^ umask); fi.Mode() != want {
					t.Errorf("mode %v, want %v", fi.Mode(), want)
				}
				if !c.check(read(out)) {
					t.Errorf("holds %q", read(out))
				}
				if left, _ := filepath.Glob(path(".*tmp*")); len(left) > 0 {
					t.Errorf("temporary files left: %q", left)
				}
			})
			t.Run("directory", func(t *testing.T) {
				errOut, code := c.run(sub)
				if code != 1 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "is a directory") {
					t.Errorf("exit %d, stderr %q", code, errOut)
				}
			})
		})
	}
}
