// Package syscallfilter builds the seccomp program that confines a
// conversion worker (package sandbox): the system calls the Go runtime
// makes, and for external converters those of their C library and
// execve; anything else kills the built-in worker, or fails with EPERM
// in an external converter.
//
// The gateway builds the program for each worker and hands it over in
// the request; the worker only loads it. It is a package of its own so
// that the worker, which links package sandbox, does not link
// go-seccomp-bpf: that package's initializer builds the system call
// tables of every architecture, about 0.3 ms and 165 KB in every worker
// process, and assembling the policy takes more (docs/performance.md,
// "What one conversion costs").
package syscallfilter
