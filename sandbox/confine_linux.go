package sandbox

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	seccomp "github.com/elastic/go-seccomp-bpf"
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
// seccomp filter. No file of the conversion has been read yet.
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
	policy, err := syscallPolicy(c.External, os.Getpid())
	if err != nil {
		return fmt.Errorf("seccomp: %w", err)
	}
	// NoNewPrivs: setuid programs run by an external converter get no
	// privileges (and the kernel requires it for an unprivileged filter).
	// TSync: the filter covers every thread the runtime has started.
	if err := seccomp.LoadFilter(seccomp.Filter{NoNewPrivs: true, Flag: seccomp.FilterFlagTSync, Policy: policy}); err != nil {
		return fmt.Errorf("seccomp: %w", err)
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
