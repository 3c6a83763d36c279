//go:build !linux

package syscallfilter

import "errors"

// Build fails: seccomp is Linux's, and elsewhere workers refuse to run.
func Build(external bool, pid int) ([]byte, error) {
	return nil, errors.New("seccomp filters exist only on Linux")
}
