package sandbox

import (
	"bytes"
	"io"
	"math/rand/v2"
	"reflect"
	"testing"
	"testing/iotest"

	"github.com/mugai/mugai/sanitize/flatten"
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

func TestResultEncoding(t *testing.T) {
	res := &flatten.Result{Kind: flatten.KindPDF, MediaType: "application/pdf", Action: flatten.ActionText,
		Text: "一行目\n\"quoted\" \\ \x00 two\n\nlast", Removed: []string{"JavaScript"},
		Entries: []flatten.Entry{{Path: "a.txt", Size: 3, Result: &flatten.Result{Kind: flatten.KindText, Action: flatten.ActionText, Text: "abc\n"}}}}
	var buf bytes.Buffer
	if err := encodeResult(&buf, res); err != nil {
		t.Fatal(err)
	}
	got, err := decodeResult(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, res) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, res)
	}
	// A worker cut short, or one that says more than it announced.
	out := buf.Bytes()
	for _, bad := range [][]byte{out[:len(out)-1], append(bytes.Clone(out), 'x'), []byte(`{"kind":"pdf","text":"x","text_bytes":0}` + "\n")} {
		if _, err := decodeResult(bad); err == nil {
			t.Errorf("decoded %q", bad)
		}
	}
}
