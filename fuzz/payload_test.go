package fuzz

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mugai/mugai/internal/testinput/payloadtest"
	"github.com/mugai/mugai/sanitize/payload"
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
// control characters; at most MaxBlocks of them and then one TooMany
// block that runs to the end of the text; the same blocks every time.
func FuzzPayload(f *testing.F) {
	data := payloadtest.RandomBytes(40, 120)
	exe := payloadtest.PE("FUZZ-EXE-MARKER", 1, 400)
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
		// The spread-out shapes, with a file inside.
		payloadtest.Paragraphs(base64.StdEncoding.EncodeToString(exe), 300, 64),
		payloadtest.ChunkedBase64(exe, 50),
		payloadtest.Groups(base64.StdEncoding.EncodeToString(exe), 4, 12, " "),
		payloadtest.Affix(payloadtest.Wrap(base64.StdEncoding.EncodeToString(exe), 60), "# ", " \\"),
		payloadtest.Numbered(payloadtest.Wrap(base64.StdEncoding.EncodeToString(exe), 70)),
		payloadtest.HexPlain(exe),
		payloadtest.HexDump(exe),
		payloadtest.Base32(exe, 72),
		payloadtest.ASCII85(exe, 72, true),
		strings.Repeat("=ybegin name=\n", 300),
	} {
		f.Add(s, 16, 64)
	}
	f.Fuzz(func(t *testing.T, text string, minBase64, maxDecoded int) {
		opt := payload.Options{MinBase64: minBase64 % 4096, MaxDecoded: maxDecoded % 4096, MaxBlocks: minBase64 % 7}
		blocks := payload.Find(text, opt)
		limit := opt.MaxDecoded
		if limit <= 0 {
			limit = 16 << 20 // the documented default
		}
		maxBlocks := opt.MaxBlocks
		if maxBlocks <= 0 {
			maxBlocks = 100 // the documented default
		}
		prev := 0
		for i, b := range blocks {
			switch {
			case i > maxBlocks || i == maxBlocks && b.Kind != payload.TooMany:
				t.Fatalf("%d blocks, more than MaxBlocks %d", len(blocks), maxBlocks)
			case b.Kind == payload.TooMany && (i != len(blocks)-1 || b.End != len(text)):
				t.Fatalf("block %d is TooMany but does not end the text", i)
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

// FuzzPayloadSpread: an executable or an archive encoded in any of the
// spread-out shapes (base64 wrapped at any width, in paragraphs, padded
// chunks or groups; hex; base32; ascii85), behind any of the usual
// decorations, with blank lines anywhere and any text around it, is
// found: every line of it lies in a block (invariant 7). The line rules
// of the first pass alone let most of these through.
func FuzzPayloadSpread(f *testing.F) {
	for i := range 12 {
		f.Add(uint64(i), uint16(900), uint8(i), uint8(60), uint8(i%7), uint8(i%4), "Hello,\n", "\nRegards.\n")
	}
	f.Add(uint64(99), uint16(100), uint8(1), uint8(12), uint8(0), uint8(0), "", "")
	f.Fuzz(func(t *testing.T, seed uint64, size uint16, form, width, deco, gap uint8, before, after string) {
		file := payloadtest.PE("FUZZ-EXE-MARKER", seed, 64+int(size)%3000)
		if seed%3 == 0 {
			file = payloadtest.Zip("run.bat", file[:64+int(size)%200])
		}
		w := 16 + int(width)%100
		var enc string
		switch form % 10 {
		case 0:
			enc = payloadtest.Wrap(base64.StdEncoding.EncodeToString(file), w)
		case 1:
			enc = payloadtest.Paragraphs(base64.StdEncoding.EncodeToString(file), w*3+int(gap)%200, w)
		case 2:
			enc = payloadtest.ChunkedBase64(file, 8+w)
		case 3:
			enc = payloadtest.Groups(base64.StdEncoding.EncodeToString(file), 4, 4+w/5, " ")
		case 4:
			enc = payloadtest.Wrap(hex.EncodeToString(file), w)
		case 5:
			enc = payloadtest.HexDump(file)
		case 6:
			enc = payloadtest.Base32(file, w)
		case 7:
			enc = payloadtest.ASCII85(file, w, true)
		case 8:
			enc = payloadtest.WrapWidths(base64.StdEncoding.EncodeToString(file), w, 1+w/3, w+7, 3)
		case 9:
			enc = payloadtest.Numbered(payloadtest.Wrap(base64.StdEncoding.EncodeToString(file), w))
		}
		prefix := []string{"", "# ", "| ", "> ", "\t", `  "`, "// "}[deco%7]
		suffix := []string{"", " \\", `",`, " |", ";", `",`, ""}[deco%7]
		if form%10 == 7 {
			// Most punctuation is an ascii85 digit: only what is not
			// can stand around its lines.
			prefix, suffix = []string{"", "\t", "| "}[deco%3], []string{"", "", " |"}[deco%3]
		}
		enc = payloadtest.Affix(enc, prefix, suffix)
		if g := int(gap % 4); g > 0 {
			// A blank line (or a quote mark alone) every g+1 lines.
			lines := strings.SplitAfter(enc, "\n")
			var b strings.Builder
			for i, l := range lines {
				b.WriteString(l)
				if i%(g+1) == g && i < len(lines)-2 {
					b.WriteString(strings.TrimSpace(prefix) + "\n")
				}
			}
			enc = b.String()
		}
		// The text around stands on lines of its own.
		before, after = limitText(before), limitText(after)
		if before != "" && !strings.HasSuffix(before, "\n") {
			before += "\n"
		}
		text := before + enc + "\n" + after
		blocks := payload.Find(text, payload.Options{})
		// Every line of the encoded file lies in a block, but for a few
		// characters at its very end that look like words ("A", "Taro"):
		// a run keeps those out, so that the greeting after a block stays.
		var left []string
		for pos := len(before); pos < len(before)+len(enc); {
			end := strings.IndexByte(text[pos:], '\n') + pos + 1
			l := strings.Trim(text[pos:end], "#|>/\"\\,; \t\n")
			switch {
			case l == "":
			case covered(blocks, pos, end):
				if len(left) > 0 {
					t.Fatalf("lines %q of the encoded file are in no block, yet lines after them are:\n%s", left, text)
				}
			default:
				left = append(left, l)
			}
			pos = end
		}
		if n := len(strings.Join(left, "")); n >= 16 {
			t.Fatalf("the last lines %q of the encoded file (%d characters) are in no block:\n%s", left, n, text)
		}
	})
}

// limitText keeps fuzzed surrounding text to 200 bytes.
func limitText(s string) string {
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// covered reports whether [start, end) lies within one of the blocks.
func covered(blocks []payload.Block, start, end int) bool {
	for _, b := range blocks {
		if b.Start <= start && end <= b.End {
			return true
		}
	}
	return false
}
