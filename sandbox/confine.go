package sandbox

import (
	"errors"
	"fmt"
)

// LandlockMode is what a worker does on a kernel without Landlock
// (sandbox.landlock in the config).
type LandlockMode string

const (
	// LandlockEnforce refuses to convert without Landlock: the attachment
	// is dropped with a reason. The default.
	LandlockEnforce LandlockMode = "enforce"
	// LandlockBestEffort converts without Landlock, under the other
	// layers (seccomp, rlimits, empty environment), when the kernel has
	// none; the gateway logs a warning at start.
	LandlockBestEffort LandlockMode = "best_effort"
)

// Valid reports whether m is a known mode ("" counts as enforce).
func (m LandlockMode) Valid() bool {
	return m == "" || m == LandlockEnforce || m == LandlockBestEffort
}

// minLandlockABI is the least Landlock ABI version enforce accepts: 1 has
// the filesystem rules (read, write, execute), which are what keeps a
// converter from the vault and the gateway's files. What later versions
// add — truncate (3), TCP bind and connect (4), device ioctls (5),
// signals and abstract Unix sockets (6) — is used where the kernel has
// it; seccomp already refuses truncate, every socket and signals to other
// processes, so those rules are a second layer, not the only one.
const minLandlockABI = 1

// errNoLandlock is the worker's refusal in enforce mode.
var errNoLandlock = errors.New("the kernel has no Landlock (Linux 5.13 or later, landlock in the lsm= boot list) and sandbox.landlock is enforce")

// confinement is what the worker applies to itself before it reads the
// file. The parent builds it; the worker only applies it.
type confinement struct {
	Landlock LandlockMode `json:"landlock"`
	// External selects the wider system call allowlist: the worker runs
	// the admin's converter programs (fork, execve, a C library).
	External bool `json:"external,omitempty"`
	// ExecFiles may be executed (and read): the converter programs and
	// their ELF interpreters. Only with External.
	ExecFiles []string `json:"exec_files,omitempty"`
	// ReadFiles and ReadDirs may be read: the programs' libraries and
	// data. Only with External; the built-in converters read nothing.
	ReadFiles []string `json:"read_files,omitempty"`
	ReadDirs  []string `json:"read_dirs,omitempty"`
	// Filter is the seccomp program, built for this worker's process id
	// by the gateway (Converter.SyscallFilter); without it the worker
	// refuses to convert.
	Filter []byte `json:"filter,omitempty"`
}

// Status says how conversions are confined on this machine; the gateway
// logs it at start.
type Status struct {
	// LandlockABI is the kernel's Landlock ABI version, 0 without.
	LandlockABI int
	// Refusing is set when conversions are refused (enforce without
	// Landlock); it says why.
	Refusing string
}

// String is the log line's wording.
func (s Status) String() string {
	switch {
	case s.Refusing != "":
		return "conversions refused: " + s.Refusing
	case s.LandlockABI == 0:
		return "no Landlock: converting under seccomp and rlimits only (sandbox.landlock: best_effort)"
	}
	return fmt.Sprintf("Landlock ABI %d, seccomp allowlist, rlimits, empty environment", s.LandlockABI)
}
