package smtpd

import (
	"io"
	"testing"
)

// BenchmarkSpool writes a message into a spool in the pieces go-smtp's
// DATA reader yields (about a line each) and reads it back once, as the
// relay does: in memory for 10 KB and 60 KB, in an unlinked file past the
// 1 MiB memory limit.
func BenchmarkSpool(b *testing.B) {
	line := []byte("This is a line of a message, about as long as lines of mail are, 78 octets.\r\n")
	for _, size := range []struct {
		name string
		n    int
	}{{"10K", 10 << 10}, {"60K", 60 << 10}, {"1100K", 1100 << 10}} {
		b.Run(size.name, func(b *testing.B) {
			dir := b.TempDir()
			b.SetBytes(int64(size.n))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				s := newSpool(dir, DefaultSpoolMemoryBytes, 0)
				for w := 0; w < size.n; w += len(line) {
					if _, err := s.Write(line); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := io.Copy(io.Discard, s.Reader()); err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
		})
	}
}
