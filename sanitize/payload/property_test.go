package payload

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/mugai/mugai/internal/testinput/payloadtest"
)

// fragment builders for random texts: pieces of every block kind, whole,
// damaged and cut short, mixed with prose, raw bytes and odd line ends.
func randomText(r *rand.Rand) string {
	word := func() string {
		return []string{"the", "file", "begin", "end", "Thanks", "=ybegin", "MOST", "日本語", "テスト", "x", "AAAA", "--", ":", "(This"}[r.IntN(14)]
	}
	b64line := func() string {
		w := []int{4, 16, 60, 64, 76, 1 + r.IntN(100)}[r.IntN(6)]
		s := base64.StdEncoding.EncodeToString(payloadtest.FileBytes(r.Uint64(), w))[:w]
		if r.IntN(5) == 0 {
			s += "="
		}
		return s
	}
	whole := func() string {
		data := payloadtest.FileBytes(r.Uint64(), r.IntN(2000))
		s := []func() string{
			func() string { return payloadtest.UUEncode("a b.exe", data, "` "[r.IntN(2)]) },
			func() string { return payloadtest.YEnc("y.bin", data, 32+r.IntN(128), 0, 0, 0) },
			func() string { return payloadtest.Latin1(payloadtest.YEnc("y.bin", data, 128, 1, 0, len(data))) },
			func() string { return payloadtest.BinHex("h.bin", data, r.IntN(2) == 0) },
			func() string { return payloadtest.WrapBase64(base64.StdEncoding, data, 76) },
			func() string {
				return "begin-base64 600 z\n" + payloadtest.WrapBase64(base64.StdEncoding, data, 60) + "====\n"
			},
			func() string { return armor("SIGNATURE", pgpPacket(2, data)) },
			func() string { return armor("MESSAGE", pgpPartial(11, literal("f", data))) },
			func() string {
				return "data:application/octet-stream;base64," + base64.StdEncoding.EncodeToString(data) + "\n"
			},
			func() string {
				return payloadtest.Paragraphs(base64.StdEncoding.EncodeToString(data), 1+r.IntN(300), 16+r.IntN(60))
			},
			func() string { return payloadtest.ChunkedBase64(data, 1+r.IntN(100)) },
			func() string {
				return payloadtest.Groups(base64.StdEncoding.EncodeToString(data), 4, 1+r.IntN(20), " ")
			},
			func() string { return payloadtest.HexDump(data) },
			func() string { return payloadtest.Base32(data, 1+r.IntN(80)) },
			func() string { return payloadtest.ASCII85(data, 1+r.IntN(80), r.IntN(2) == 0) },
			func() string { return payloadtest.HexPlain(payloadtest.PE("M", r.Uint64(), r.IntN(500))) },
		}[r.IntN(16)]()
		if r.IntN(3) == 0 && len(s) > 0 {
			s = s[:r.IntN(len(s))] // cut short anywhere, even mid-character
		}
		if r.IntN(4) == 0 {
			s = quote(s, "> ")
		}
		return s
	}
	pieces := []func() string{
		func() string { return "\n" },
		func() string { return word() + " " + word() + " " + word() + "\n" },
		func() string { return japaneseText },
		func() string { return "begin 644 x.bin\n" },
		func() string { return "M" + strings.Repeat("!", 60) + "\n" },
		func() string { return "`\nend\n" },
		func() string { return b64line() + "\n" },
		func() string { return "=ybegin line=128 size=10 name=z\n" },
		func() string { return "=ypart begin=1 end=10\n=yend size=10\n" },
		func() string { return "(This file must be converted with BinHex 4.0)\n" },
		func() string { return ":" + strings.Repeat("!", r.IntN(70)) + "\n" },
		func() string { return "-----BEGIN PGP SIGNATURE-----\n\n" },
		func() string { return "=abcd\n-----END PGP SIGNATURE-----\n" },
		func() string { return eicarFile[:r.IntN(len(eicarFile)+1)] },
		func() string { return string(payloadtest.FileBytes(r.Uint64(), r.IntN(200))) },
		func() string { return "\r\n" },
		func() string { return "> " },
		whole,
		whole,
	}
	var b strings.Builder
	for range r.IntN(40) {
		b.WriteString(pieces[r.IntN(len(pieces))]())
	}
	return b.String()
}

func TestPropertyRandomText(t *testing.T) {
	r := rand.New(rand.NewPCG(20240601, 7))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := range n {
		text := randomText(r)
		opt := Options{}
		switch r.IntN(4) {
		case 0:
			opt.MinBase64 = 1 + r.IntN(64)
		case 1:
			opt.MaxDecoded = 1 + r.IntN(100)
		}
		got := Find(text, opt)
		checkInvariants(t, text, opt, got)
		if again := Find(text, opt); !reflect.DeepEqual(got, again) {
			t.Fatalf("text %d: Find is not deterministic", i)
		}
	}
}

// hostileInputs are texts built to trip a scanner that looks at the same
// lines again and again; each takes a size in bytes.
func hostileInputs() map[string]func(n int) string {
	hqx := ":" + strings.Repeat("!\"#$%&'()*+,-0123", 4)[:63] + "\n"
	return map[string]func(n int) string{
		"headerless BinHex, bad CRC": func(n int) string { return strings.Repeat(hqx, n/len(hqx)) },
		"BinHex headers": func(n int) string {
			return strings.Repeat("(This file must be converted with BinHex 4.0)\n"+hqx, n/110)
		},
		"short uu runs": func(n int) string {
			return strings.Repeat(strings.Repeat("M"+strings.Repeat("!", 60)+"\n", 5)+"x y\n", n/314)
		},
		"begin lines":          func(n int) string { return strings.Repeat("begin 644 x\n", n/12) },
		"yEnc headers":         func(n int) string { return strings.Repeat("=ybegin size=1 name=x\n", n/22) },
		"one long base64 line": func(n int) string { return base64.StdEncoding.EncodeToString(payloadtest.FileBytes(1, n*3/4)) },
		"base64 of text": func(n int) string {
			return payloadtest.WrapBase64(base64.StdEncoding, []byte(strings.Repeat(japaneseText, n/300)), 76)
		},
		"short base64 words": func(n int) string { return strings.Repeat("Hi\nAAAABBBBCCCCDDDDEEEE\n", n/24) },
		"PGP without end":    func(n int) string { return strings.Repeat("-----BEGIN PGP MESSAGE-----\n\nAAAA\n", n/36) },
		"misaligned file starts": func(n int) string {
			// Every line starts a would-be executable out of step with
			// the run: the checks are bounded (maxRealign).
			return strings.Repeat("QTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAA\n", n/56)
		},
		"hex dump of random bytes": func(n int) string { return payloadtest.HexPlain(payloadtest.RandomBytes(2, n/2)) },
		"groups of four":           func(n int) string { return payloadtest.Groups(strings.Repeat("QUJD", n/5), 4, 16, " ") },
		"ascii85 of random bytes":  func(n int) string { return payloadtest.ASCII85(payloadtest.RandomBytes(3, n*4/5), 76, true) },
		"one-letter lines":         func(n int) string { return strings.Repeat("a\n", n/2) },
		"word lines":               func(n int) string { return strings.Repeat("a\nThanks\n", n/9) },
		"paragraphs of base64 of zeros": func(n int) string {
			return payloadtest.Paragraphs(base64.StdEncoding.EncodeToString(make([]byte, n/2)), 500, 76)
		},
		"nested base64": func(n int) string {
			s := strings.Repeat(japaneseText, n/1000)
			for range 3 {
				s = payloadtest.WrapBase64(base64.StdEncoding, []byte(s), 76)
			}
			return s
		},
	}
}

// TestHostileInputs runs Find on each hostile shape: it must finish, with
// blocks in order and in range. How the time grows with the size is
// measured by BenchmarkFindHostile (timings are not asserted in tests).
func TestHostileInputs(t *testing.T) {
	for name, build := range hostileInputs() {
		t.Run(name, func(t *testing.T) {
			text := build(256 << 10)
			last := 0
			for _, blk := range Find(text, Options{}) {
				if blk.Start < last || blk.End > len(text) || blk.Start >= blk.End {
					t.Fatalf("block %d..%d out of order or range", blk.Start, blk.End)
				}
				last = blk.End
			}
		})
	}
}

// BenchmarkFindHostile reports ns per input byte of each hostile shape at
// 256 KiB and 2 MiB; linear work shows as equal ns/B at both sizes.
//
//	go test ./sanitize/payload -run XXX -bench FindHostile
func BenchmarkFindHostile(b *testing.B) {
	for name, build := range hostileInputs() {
		for _, n := range []int{256 << 10, 2 << 20} {
			text := build(n)
			b.Run(fmt.Sprintf("%s/%dKiB", name, n>>10), func(b *testing.B) {
				b.SetBytes(int64(len(text)))
				for i := 0; i < b.N; i++ {
					Find(text, Options{})
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(max(len(text), 1)), "ns/B")
			})
		}
	}
}
