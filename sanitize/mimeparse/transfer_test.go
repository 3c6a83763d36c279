package mimeparse

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"math/rand/v2"
	"mime/quotedprintable"
	"strings"
	"testing"
	"testing/iotest"
)

// slowBase64 is the byte-at-a-time lenient decoder that base64Reader's
// fast path must agree with.
func slowBase64(in []byte) []byte {
	var out []byte
	var acc uint32
	var bits uint
	for _, c := range in {
		v := base64Value[c]
		switch v {
		case 0xff:
			continue
		case 0xfe:
			acc, bits = 0, 0
			continue
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
		}
	}
	return out
}

// The four-character fast path changes nothing: random base64 with line
// ends, junk, padding in odd places, read in pieces of any size.
func TestBase64FastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_"
	for i := 0; i < 2000; i++ {
		in := make([]byte, rng.IntN(300))
		for j := range in {
			switch r := rng.IntN(100); {
			case r < 85:
				in[j] = alphabet[rng.IntN(len(alphabet))]
			case r < 92:
				in[j] = '\n'
			case r < 96:
				in[j] = '='
			default:
				in[j] = byte(rng.IntN(256))
			}
		}
		want := slowBase64(in)
		var src io.Reader = bytes.NewReader(in)
		if i%2 == 1 {
			src = iotest.OneByteReader(src)
		}
		got, err := io.ReadAll(&base64Reader{r: src})
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%q: got %x (%v), want %x", in, got, err, want)
		}
	}
}

func BenchmarkBase64Decode(b *testing.B) {
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	var enc bytes.Buffer
	s := []byte(base64.StdEncoding.EncodeToString(data))
	for len(s) > 76 {
		enc.Write(s[:76])
		enc.WriteByte('\n')
		s = s[76:]
	}
	enc.Write(s)
	b.SetBytes(int64(enc.Len()))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		io.Copy(io.Discard, &base64Reader{r: bytes.NewReader(enc.Bytes())})
	}
}

// Base64Decoder keeps an unfinished quantum between calls, and strings
// decode as bytes do.
func TestBase64DecoderPieces(t *testing.T) {
	// Two runs, the first padded: "日本語" and "ABC".
	in := "5pel5pys\r\n6Kqe=\n=QUJD"
	want := "日本語ABC"
	for cut := range len(in) + 1 {
		var d Base64Decoder
		got := d.AppendString(nil, in[:cut])
		got = d.Append(got, []byte(in[cut:]))
		if string(got) != want {
			t.Errorf("cut at %d: %q, want %q", cut, got, want)
		}
	}
}

func TestAppendUULine(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"#0V%T", "Cat"},
		{"#0V%T\t", "Cat"}, // past the three bytes promised: ignored
		{"%9V]L9@H ", "golf\n"},
		{"%9V]L9@H`", "golf\n"}, // '`' for zero
		{"%9V]L9@H", "golf\n"},  // its trailing space stripped in transit
		{"$``$\"_P``", "\x00\x01\x02\xff"},
		{"M", strings.Repeat("\x00", 45)},
		{"", ""},
		{"`", ""},
	} {
		if got := string(AppendUULine([]byte("x"), tc.line)); got != "x"+tc.want {
			t.Errorf("AppendUULine(%q) = %q, want %q", tc.line, got[1:], tc.want)
		}
	}
}

// qpBytewise is the quoted-printable decoder as it was before runs of
// plain bytes were copied at once: the reference for the fast one.
func qpBytewise(in []byte) []byte {
	br := bufio.NewReaderSize(bytes.NewReader(in), 4096)
	var out, ws []byte
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			err = nil
		}
		for i := 0; i < len(line); i++ {
			c := line[i]
			switch {
			case c == ' ' || c == '\t':
				ws = append(ws, c)
				continue
			case c == '\n':
				ws = ws[:0]
				out = append(out, '\n')
				continue
			}
			out = append(out, ws...)
			ws = ws[:0]
			if c != '=' {
				out = append(out, c)
				continue
			}
			rest := line[i+1:]
			switch {
			case len(rest) >= 2 && isHex(rest[0]) && isHex(rest[1]):
				out = append(out, unhex(rest[0])<<4|unhex(rest[1]))
				i += 2
			case isSoftBreak(rest):
				i = len(line)
			default:
				out = append(out, '=')
			}
		}
		if err != nil {
			return out
		}
	}
}

func TestQPMatchesBytewise(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	alphabet := []byte(" \t\n===Af3z\xe3209")
	for range 3000 {
		in := make([]byte, rng.IntN(400))
		if rng.IntN(20) == 0 {
			in = make([]byte, 4000+rng.IntN(5000)) // lines longer than the read buffer
		}
		long := len(in) > 4000 && rng.IntN(2) == 0 // one line over the read buffer, blanks at its cuts
		for i := range in {
			in[i] = alphabet[rng.IntN(len(alphabet))]
			if long && in[i] == '\n' {
				in[i] = ' '
			}
		}
		got, err := io.ReadAll(&qpReader{br: bufio.NewReaderSize(iotest.HalfReader(bytes.NewReader(in)), 4096)})
		if want := qpBytewise(in); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%q:\n got %q\nwant %q", in, got, want)
		}
	}
}

// BenchmarkQPDecode decodes 1 MB of a quoted-printable HTML newsletter.
func BenchmarkQPDecode(b *testing.B) {
	var enc bytes.Buffer
	w := quotedprintable.NewWriter(&enc)
	for enc.Len() < 1<<20 {
		w.Write([]byte(`<td style="font-family: Arial; color: #333333;">日本語のお知らせ &amp; news</td>` + "\n"))
	}
	w.Close()
	b.SetBytes(int64(enc.Len()))
	for b.Loop() {
		io.Copy(io.Discard, &qpReader{br: bufio.NewReaderSize(bytes.NewReader(enc.Bytes()), 4096)})
	}
}
