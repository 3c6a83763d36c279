package vault

import (
	"os"
	"syscall"
)

// allocated is the space a file takes on disk (whole blocks).
func allocated(info os.FileInfo) int64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return st.Blocks * 512
	}
	return info.Size()
}
