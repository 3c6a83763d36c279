//go:build !linux

package sandbox

import "errors"

// Landlock and seccomp are Linux's: elsewhere a worker refuses to run.

func landlockABI() int { return 0 }

func closeInherited() error { return nil }

func confine(confinement) error {
	return errors.New("converters are confined only on Linux")
}
