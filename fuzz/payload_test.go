package fuzz

import (
	"encoding/base64"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mugai/mugai/sanitize/payload"
	"github.com/mugai/mugai/sanitize/payload/payloadtest"
)

// pgpArmored wraps one new-format OpenPGP packet (RFC 9580 §4.2.1, §6.2).
func pgpArmored(label string, tag byte, body []byte) string {
	p := []byte{0xC0 | tag, 255}
	p = binary.BigEndian.AppendUint32(p, uint32(len(body)))
	p = append(p, body...)
	return "-----BEGIN PGP " + label + "-----\n\n" + payloadtest.WrapBase64(base64.StdEncoding, p, 64) + "=nU1X\n-----END PGP " + label + "-----\n"
}

// FuzzPayload: Find, with any options, returns blocks in order, without
// overlap, each spanning whole lines of the text, with data within
// MaxDecoded, a Size at least as large, a kind, and a name without
// control characters; the same blocks every time.
func FuzzPayload(f *testing.F) {
	data := payloadtest.RandomBytes(40, 120)
	lit := append([]byte{'b', 5}, "a.exe\x00\x00\x00\x00"...)
	// The anti-virus test file, put together here so that this source
	// file is not itself flagged.
	eicar := `X5O!P%@AP[4\PZX54(P^)7CC)7}$` + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
	for _, s := range []string{
		"",
		payloadtest.UUEncode("a b.exe", data, '`'),
		payloadtest.Latin1(payloadtest.YEnc("y.bin", data, 128, 0, 0, 0)),
		payloadtest.BinHexUncompressed("h.bin", data),
		payloadtest.WrapBase64(base64.StdEncoding, data, 16),
		"begin-base64 600 z\n" + payloadtest.WrapBase64(base64.StdEncoding, data, 60) + "====\n",
		pgpArmored("SIGNATURE", 2, data),
		pgpArmored("MESSAGE", 11, append(lit, data...)),
		eicar,
		"> " + strings.ReplaceAll(payloadtest.UUEncode("q.bin", data, '`'), "\n", "\n> "),
		"begin 644 x\nM\n",
		"data:application/octet-stream;base64," + base64.StdEncoding.EncodeToString(data) + "\n",
		"お世話になっております。\r\n" + payloadtest.WrapBase64(base64.StdEncoding, data, 76) + "よろしくお願いします。\n",
	} {
		f.Add(s, 16, 64)
	}
	f.Fuzz(func(t *testing.T, text string, minBase64, maxDecoded int) {
		opt := payload.Options{MinBase64: minBase64 % 4096, MaxDecoded: maxDecoded % 4096}
		blocks := payload.Find(text, opt)
		limit := opt.MaxDecoded
		if limit <= 0 {
			limit = 16 << 20 // the documented default
		}
		prev := 0
		for i, b := range blocks {
			switch {
			case b.Start < prev:
				t.Fatalf("block %d starts at %d, before the end of the previous one (%d)", i, b.Start, prev)
			case b.End <= b.Start || b.End > len(text):
				t.Fatalf("block %d spans [%d, %d) in a text of %d bytes", i, b.Start, b.End, len(text))
			case b.Start > 0 && text[b.Start-1] != '\n':
				t.Fatalf("block %d starts at %d, not at the start of a line", i, b.Start)
			case b.End < len(text) && text[b.End-1] != '\n':
				t.Fatalf("block %d ends at %d, not after a line end", i, b.End)
			case len(b.Data) > limit:
				t.Fatalf("block %d has %d bytes of data, more than MaxDecoded %d", i, len(b.Data), limit)
			case b.Size < int64(len(b.Data)):
				t.Fatalf("block %d: Size %d < len(Data) %d", i, b.Size, len(b.Data))
			case b.Kind == "":
				t.Fatalf("block %d has no kind", i)
			case !utf8.ValidString(b.Name) || strings.ContainsFunc(b.Name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
				t.Fatalf("block %d: name %q has control characters", i, b.Name)
			}
			prev = b.End
		}
		if again := payload.Find(text, opt); !reflect.DeepEqual(blocks, again) {
			t.Fatalf("Find is not deterministic")
		}
	})
}
