package sandbox

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

func TestReadInput(t *testing.T) {
	const reserve = 1 << 16 // a multiple of the page size
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, 4095, reserve - 1, reserve, reserve + 1, 3*reserve + 7} {
		want := make([]byte, size)
		for i := range want {
			want[i] = byte(rng.Uint32())
		}
		for name, r := range map[string]io.Reader{
			"whole":    bytes.NewReader(want),
			"half":     iotest.HalfReader(bytes.NewReader(want)),
			"one byte": iotest.OneByteReader(bytes.NewReader(want)),
		} {
			got, err := readInput(r, reserve)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%d bytes, %s reads: got %d bytes (err %v), not the file", size, name, len(got), err)
			}
			if len(got) != cap(got) && size <= reserve {
				t.Errorf("%d bytes: capacity %d beyond the file: an append could write into the mapping", size, cap(got))
			}
		}
	}
	if _, err := readInput(iotest.ErrReader(io.ErrUnexpectedEOF), reserve); err != io.ErrUnexpectedEOF {
		t.Errorf("read error: %v", err)
	}
}
