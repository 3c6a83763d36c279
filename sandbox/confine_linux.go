package sandbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"unsafe"

	"github.com/landlock-lsm/go-landlock/landlock"
	llsys "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"
)

// landlockABI returns the kernel's Landlock ABI version, 0 without.
func landlockABI() int {
	v, err := llsys.LandlockGetABIVersion()
	if err != nil {
		return 0
	}
	return v
}

// closeInherited closes every descriptor above standard error that is
// not close-on-exec. The Go runtime opens all of its own with O_CLOEXEC,
// so such a descriptor came from the gateway's own parent (a shell, a
// service manager) through the gateway: a socket, a log file, a
// directory the converter must not have.
func closeInherited() error {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return err
	}
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd <= 2 {
			continue
		}
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil || flags&unix.FD_CLOEXEC != 0 {
			continue // gone (the directory's own descriptor), or ours
		}
		if err := unix.Close(fd); err != nil {
			return fmt.Errorf("close inherited descriptor %d: %w", fd, err)
		}
	}
	return nil
}

// confine applies c to every thread of the process: Landlock first (its
// own system calls are not on the allowlist), then no_new_privs and the
// seccomp filter the gateway built. No file of the conversion has been
// read yet.
func confine(c confinement) error {
	return confineWith(c, landlockABI())
}

// confineWith is confine on a kernel of Landlock ABI abi.
func confineWith(c confinement, abi int) error {
	if abi < minLandlockABI {
		if c.Landlock != LandlockBestEffort {
			return errNoLandlock
		}
	} else if err := restrictFiles(c); err != nil {
		return fmt.Errorf("landlock: %w", err)
	}
	if err := loadFilter(c.Filter); err != nil {
		return fmt.Errorf("seccomp: %w", err)
	}
	return nil
}

// loadFilter sets no_new_privs — setuid programs run by an external
// converter get no privileges, and the kernel requires it for an
// unprivileged filter — and loads prog (package syscallfilter's Build)
// for every thread the runtime has started (SECCOMP_FILTER_FLAG_TSYNC).
// Both on one thread: no_new_privs is a thread's, and TSYNC passes it on
// from the thread that loads the filter.
func loadFilter(prog []byte) error {
	if len(prog) == 0 || len(prog)%8 != 0 || len(prog)/8 > 4096 {
		// Refusing to run without the filter is the safe failure.
		return fmt.Errorf("no system call filter in the request (%d bytes)", len(prog))
	}
	filter := make([]unix.SockFilter, len(prog)/8)
	for i := range filter {
		in := prog[8*i:]
		filter[i] = unix.SockFilter{Code: binary.NativeEndian.Uint16(in), Jt: in[2], Jf: in[3], K: binary.NativeEndian.Uint32(in[4:])}
	}
	fprog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	tid, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog)))
	switch {
	case errno != 0:
		return errno
	case tid != 0:
		return fmt.Errorf("thread %d could not be synchronized", tid)
	}
	return nil
}

// restrictFiles allows reading and executing only what c names, no
// writes anywhere, no TCP bind or connect on any port, and (ABI 6) no
// signals or abstract Unix sockets outside the worker: every right the
// kernel's Landlock knows is handled, and only c's paths are granted.
func restrictFiles(c confinement) error {
	var rules []landlock.Rule
	if len(c.ExecFiles) > 0 {
		rules = append(rules, landlock.PathAccess(llsys.AccessFSExecute|llsys.AccessFSReadFile, c.ExecFiles...))
	}
	if len(c.ReadFiles) > 0 {
		rules = append(rules, landlock.PathAccess(llsys.AccessFSReadFile, c.ReadFiles...).IgnoreIfMissing())
	}
	if len(c.ReadDirs) > 0 {
		rules = append(rules, landlock.PathAccess(llsys.AccessFSReadFile|llsys.AccessFSReadDir, c.ReadDirs...).IgnoreIfMissing())
	}
	// BestEffort narrows V11 to what this kernel supports; the ABI was
	// checked by the caller, so there is always a filesystem layer.
	if err := landlock.V11.BestEffort().Restrict(rules...); err != nil {
		return err
	}
	// Trust, but verify: the root directory was readable a moment ago
	// (the configuration never grants it).
	if f, err := os.Open("/"); err == nil {
		f.Close()
		return errors.New("the root directory is still readable after restricting")
	}
	return nil
}
