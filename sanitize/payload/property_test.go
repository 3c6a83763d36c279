package payload

import (
	"encoding/base64"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fragment builders for random texts: pieces of every block kind, whole,
// damaged and cut short, mixed with prose, raw bytes and odd line ends.
func randomText(r *rand.Rand) string {
	word := func() string {
		return []string{"the", "file", "begin", "end", "Thanks", "=ybegin", "MOST", "日本語", "テスト", "x", "AAAA", "--", ":", "(This"}[r.IntN(14)]
	}
	b64line := func() string {
		w := []int{4, 16, 60, 64, 76, 1 + r.IntN(100)}[r.IntN(6)]
		s := base64.StdEncoding.EncodeToString(randBytes(r.Uint64(), w))[:w]
		if r.IntN(5) == 0 {
			s += "="
		}
		return s
	}
	whole := func() string {
		data := randBytes(r.Uint64(), r.IntN(2000))
		s := []func() string{
			func() string { return uuEncode("a b.exe", data, "` "[r.IntN(2)]) },
			func() string { return yEncode("y.bin", data, 32+r.IntN(128), 0, 0, 0) },
			func() string { return latin1(yEncode("y.bin", data, 128, 1, 0, len(data))) },
			func() string { return binhexEncode("h.bin", data, r.IntN(2) == 0) },
			func() string { return wrapBase64(base64.StdEncoding, data, 76) },
			func() string { return "begin-base64 600 z\n" + wrapBase64(base64.StdEncoding, data, 60) + "====\n" },
			func() string { return armor("SIGNATURE", pgpPacket(2, data)) },
			func() string { return armor("MESSAGE", pgpPartial(11, literal("f", data))) },
			func() string {
				return "data:application/octet-stream;base64," + base64.StdEncoding.EncodeToString(data) + "\n"
			},
		}[r.IntN(9)]()
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
		func() string { return string(randBytes(r.Uint64(), r.IntN(200))) },
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

// TestLinearTime runs Find on inputs built to trip a scanner that looks at
// the same lines again and again, at two sizes, and checks that eight times
// the input does not cost much more than eight times the time.
func TestLinearTime(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	hqx := ":" + strings.Repeat("!\"#$%&'()*+,-0123", 4)[:63] + "\n"
	inputs := map[string]func(n int) string{
		"headerless BinHex, bad CRC": func(n int) string { return strings.Repeat(hqx, n/len(hqx)) },
		"BinHex headers": func(n int) string {
			return strings.Repeat("(This file must be converted with BinHex 4.0)\n"+hqx, n/110)
		},
		"short uu runs": func(n int) string {
			return strings.Repeat(strings.Repeat("M"+strings.Repeat("!", 60)+"\n", 5)+"x y\n", n/314)
		},
		"begin lines":          func(n int) string { return strings.Repeat("begin 644 x\n", n/12) },
		"yEnc headers":         func(n int) string { return strings.Repeat("=ybegin size=1 name=x\n", n/22) },
		"one long base64 line": func(n int) string { return base64.StdEncoding.EncodeToString(randBytes(1, n*3/4)) },
		"base64 of text": func(n int) string {
			return wrapBase64(base64.StdEncoding, []byte(strings.Repeat(japaneseText, n/300)), 76)
		},
		"short base64 words": func(n int) string { return strings.Repeat("Hi\nAAAABBBBCCCCDDDDEEEE\n", n/24) },
		"PGP without end":    func(n int) string { return strings.Repeat("-----BEGIN PGP MESSAGE-----\n\nAAAA\n", n/36) },
		"nested base64": func(n int) string {
			s := strings.Repeat(japaneseText, n/1000)
			for range 3 {
				s = wrapBase64(base64.StdEncoding, []byte(s), 76)
			}
			return s
		},
	}
	for name, build := range inputs {
		t.Run(name, func(t *testing.T) {
			small, large := build(256<<10), build(2<<20)
			ts, tl := minTime(small), minTime(large)
			ratio := float64(tl) / float64(max(ts, time.Microsecond))
			t.Logf("%d KB: %v, %d KB: %v (×%.1f)", len(small)>>10, ts, len(large)>>10, tl, ratio)
			// Linear is ×8, quadratic ×64 (and seconds, not milliseconds,
			// at 2 MB); the machine may be busy, so only both together fail.
			if ratio > 32 && tl > 500*time.Millisecond {
				t.Errorf("8× the input took %.0f× the time", ratio)
			}
		})
	}
}

func minTime(text string) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range 5 {
		start := time.Now()
		Find(text, Options{})
		best = min(best, time.Since(start))
	}
	return best
}

func FuzzFind(f *testing.F) {
	data := randBytes(40, 120)
	for _, s := range []string{
		"",
		uuEncode("a", data, '`'),
		yEncode("y", data, 32, 0, 0, 0),
		binhexEncode("h", data, true),
		binhexEncode("h", data, false),
		wrapBase64(base64.StdEncoding, data, 16),
		armor("SIGNATURE", pgpPacket(2, data)),
		armor("MESSAGE", pgpPacket(11, literal("f", data))),
		eicarFile,
		"begin 644 x\nM\n",
		"data:;base64,\n" + wrapBase64(base64.StdEncoding, data, 16),
	} {
		f.Add(s, 16, 64)
	}
	f.Fuzz(func(t *testing.T, text string, minBase64, maxDecoded int) {
		opt := Options{MinBase64: minBase64 % 4096, MaxDecoded: maxDecoded % 4096}
		checkInvariants(t, text, opt, Find(text, opt))
	})
}
