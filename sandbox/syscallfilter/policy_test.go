//go:build linux

package syscallfilter

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// TestBuild: a program of whole instructions that names the worker's
// process id (signals only to itself), and a wider one for external
// converters.
func TestBuild(t *testing.T) {
	const pid = 123457
	builtin, err := Build(false, pid)
	if err != nil {
		t.Fatal(err)
	}
	external, err := Build(true, pid)
	if err != nil {
		t.Fatal(err)
	}
	for _, prog := range [][]byte{builtin, external} {
		if len(prog) == 0 || len(prog)%8 != 0 {
			t.Fatalf("program of %d bytes", len(prog))
		}
		if !bytes.Contains(prog, binary.NativeEndian.AppendUint32(nil, pid)) {
			t.Error("the program does not name the worker's process id")
		}
	}
	if bytes.Equal(builtin, external) {
		t.Error("the external converters' program is the built-in one")
	}
}
