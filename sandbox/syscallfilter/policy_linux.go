package syscallfilter

import (
	"encoding/binary"
	"syscall"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Build returns the seccomp program of the worker of process id pid, the
// built-in one or, with external, the one for external converters: the
// BPF instructions as the kernel's struct sock_filter array (8 bytes
// each, in this machine's byte order), for the worker to load with
// seccomp(2).
func Build(external bool, pid int) ([]byte, error) {
	policy, err := syscallPolicy(external, pid)
	if err != nil {
		return nil, err
	}
	insts, err := policy.Assemble()
	if err != nil {
		return nil, err
	}
	raw, err := bpf.Assemble(insts)
	if err != nil {
		return nil, err
	}
	prog := make([]byte, 0, 8*len(raw))
	for _, in := range raw {
		prog = binary.NativeEndian.AppendUint16(prog, in.Op)
		prog = append(prog, in.Jt, in.Jf)
		prog = binary.NativeEndian.AppendUint32(prog, in.K)
	}
	return prog, nil
}

// The system call allowlists. They were derived by tracing workers
// (strace -f) over the golden and attack messages and the shared corpus —
// built with and without cgo, and as the race detector's test binary —
// and by reading what the Go runtime calls on its own (runtime/sys_linux_*.s:
// threads, signals, memory, the network poller, preemption). A name the
// architecture lacks (open on arm64) is left out.
//
// The built-in worker kills itself on anything else (SECCOMP_RET_KILL_PROCESS):
// the parent reports "killed by bad system call" and drops the attachment.
// An external converter is a C program the project did not write, so
// what is not listed fails with EPERM instead, which such programs
// handle; Landlock still decides what it may open and execute.

// runtimeCalls are what the Go runtime (and, with cgo, the C library's
// threads) call after start-up, plus reading and writing the descriptors
// the worker already has. Calls with conditions are in conditional.
func runtimeCalls() []string {
	return []string{
		// Descriptors already open: the request and file on stdin, the
		// result on stdout, errors on stderr; the poller's own.
		"read", "readv", "write", "writev", "pread64", "close", "fstat", "lseek", "fcntl",
		"epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2", "epoll_wait", "eventfd2",
		// Memory (mmap and mprotect are conditional for the built-in worker).
		"munmap", "madvise", "mremap", "brk",
		// Threads and their exit.
		"futex", "set_robust_list", "rseq", "gettid", "getpid", "exit", "exit_group",
		// Signals: preemption (SIGURG to its own threads), crash reports.
		"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "restart_syscall",
		// Time and scheduling.
		"nanosleep", "clock_nanosleep", "clock_gettime", "clock_getres", "gettimeofday", "time",
		"sched_yield", "sched_getaffinity",
		"getrandom",
	}
}

// programCalls are what an external converter program needs on top: to
// be started (fork, execve, wait) by the worker, its dynamic loader and C
// library, and reading the files Landlock lets it open.
func programCalls() []string {
	return []string{
		"execve", "wait4", "waitid", "pipe2", "dup", "dup2", "dup3", "clone", "mmap", "mprotect",
		"arch_prctl", "set_tid_address", "uname", "sysinfo", "getuid", "geteuid", "getgid", "getegid",
		"getppid", "getpgrp", "umask", "getrusage", "times",
		"open", "openat", "stat", "lstat", "newfstatat", "statx", "access", "faccessat", "faccessat2",
		"readlink", "readlinkat", "getdents64", "getcwd", "statfs", "fstatfs", "fadvise64",
		"poll", "ppoll", "select", "pselect6",
	}
}

// pathCalls name or look up a file by path. The built-in converters never
// do; the runtime may (the local time zone, say) and copes with EACCES,
// so they fail instead of killing the worker — Landlock refuses them too.
func pathCalls() []string {
	return []string{
		"open", "openat", "openat2", "creat", "stat", "lstat", "newfstatat", "statx",
		"access", "faccessat", "faccessat2", "readlink", "readlinkat",
	}
}

// syscallPolicy is the filter for a worker of process id pid: the
// built-in one, or the wider one for external converters.
func syscallPolicy(external bool, pid int) (seccomp.Policy, error) {
	info, err := arch.GetInfo("")
	if err != nil {
		return seccomp.Policy{}, err
	}
	known := func(names []string) []string {
		var out []string
		for _, n := range names {
			if _, ok := info.SyscallNames[n]; ok {
				out = append(out, n)
			}
		}
		return out
	}
	self := uint64(pid)
	conditional := []seccomp.NameWithConditions{
		// The runtime names its memory regions (Go 1.25's decorated
		// mappings); no other prctl.
		cond("prctl", 0, seccomp.Equal, unix.PR_SET_VMA),
		// Signals to itself only: its threads (preemption) and the
		// process (re-raising a fatal signal). Never the gateway.
		cond("tgkill", 0, seccomp.Equal, self),
		cond("kill", 0, seccomp.Equal, self),
		// Resource limits of itself only, never another process's.
		cond("prlimit64", 0, seccomp.Equal, 0),
	}
	allow := runtimeCalls()
	var denied seccomp.SyscallGroup
	def := seccomp.ActionKillProcess
	if external {
		allow = append(allow, programCalls()...)
		// Whether stdout is a terminal (C stdio asks); no other ioctl.
		conditional = append(conditional, cond("ioctl", 1, seccomp.Equal, unix.TCGETS))
		def = seccomp.ActionErrno // EPERM
	} else {
		conditional = append(conditional,
			// New threads only: CLONE_THREAD set, so no new process.
			cond("clone", 0, seccomp.BitsSet, unix.CLONE_THREAD),
			// No executable memory: nothing can be loaded and run.
			cond("mmap", 2, seccomp.BitsNotSet, unix.PROT_EXEC),
			cond("mprotect", 2, seccomp.BitsNotSet, unix.PROT_EXEC),
		)
		denied = seccomp.SyscallGroup{Names: known(pathCalls()), Action: seccomp.ActionErrno | seccomp.Action(syscall.EACCES)}
	}
	var conds []seccomp.NameWithConditions
	for _, c := range conditional {
		if _, ok := info.SyscallNames[c.Name]; ok {
			conds = append(conds, c)
		}
	}
	return seccomp.Policy{
		DefaultAction: def,
		Syscalls: []seccomp.SyscallGroup{
			{Names: known(allow), NamesWithCondtions: conds, Action: seccomp.ActionAllow},
			denied,
			// clone3 passes its flags in memory the filter cannot read:
			// ENOSYS makes the C library fall back to clone, whose flags
			// the filter checks.
			{Names: known([]string{"clone3"}), Action: seccomp.ActionErrno | seccomp.Action(syscall.ENOSYS)},
		},
	}, nil
}

func cond(name string, arg uint32, op seccomp.Operation, value uint64) seccomp.NameWithConditions {
	return seccomp.NameWithConditions{Name: name, Conditions: seccomp.ArgumentConditions{{Argument: arg, Operation: op, Value: value}}}
}
