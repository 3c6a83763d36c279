package payload

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mugai/mugai/internal/testcorpus"
	"github.com/mugai/mugai/internal/testinput/payloadtest"
)

func readCorpus(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testcorpus.Require(t), name))
	if err != nil {
		if os.IsNotExist(err) {
			t.Skipf("corpus file %s not present: %v", name, err)
		}
		t.Fatal(err)
	}
	return string(b)
}

// TestCorpusBlocks checks the blocks found in real messages that carry
// uuencode, BinHex and yEnc in their text. The messages are raw (not yet
// decoded by the sanitizer), so their lines may end in CRLF and their bytes
// need not be UTF-8; Find must cope with both.
func TestCorpusBlocks(t *testing.T) {
	testcorpus.Require(t)
	type blk struct {
		kind  Kind
		name  string
		magic string // what Data starts with
		size  int64
	}
	png := "\x89PNG\r\n\x1a\n"
	tests := []struct {
		file string
		want []blk
	}{
		// MIME-tools test messages (mime4j/mimetools-testmsgs).
		{"mime4j/mimetools-testmsgs/uu-zeegee.eml", []blk{{UUEncode, "up.gif", "GIF8", 110}, {UUEncode, "zeegee.gif", "GIF8", 4834}}},
		{"mime4j/mimetools-testmsgs/uu-junk.eml", []blk{{UUEncode, "up.gif", "GIF8", 110}, {UUEncode, "zeegee.gif", "GIF8", 4834}}},
		// "begin 644 " with no name for the second block.
		{"mime4j/mimetools-testmsgs/sig-uu.eml", []blk{{UUEncode, ".signature", "  ___", 276}, {UUEncode, "", "GIF8", 236}}},
		// Genuine Eudora/Netscape output: ' ' for zero bits in m0018.
		{"mail-mime-parser/emails/m0018.eml", []blk{{UUEncode, "blueball.png", png, 1325}, {UUEncode, "greenball.png", png, 1298}, {UUEncode, "redball.png", png, 1453}}},
		{"mail-mime-parser/emails/m2010.eml", []blk{{UUEncode, "greenball.png", png, 1298}, {UUEncode, "blueball.png", png, 1325}}},
		// BinHex 4.0 parts (application/mac-binhex40) from Eudora for
		// Windows; the second name is windows-1252.
		{"mail-mime-parser/emails/m2011.eml", []blk{{BinHex, "blueball.png", png, 1325}, {BinHex, "HasenundFrösche.txt", "", 739}}},
		{"mimekit/yenc/simple.eml", []blk{{YEnc, "testfile.txt", "", 584}}},
	}
	decoded := map[string][32]byte{} // name → SHA-256 of Data, across encodings
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			text := readCorpus(t, tt.file)
			got := Find(text, Options{})
			checkInvariants(t, text, Options{}, got)
			if len(got) != len(tt.want) {
				for _, b := range got {
					t.Logf("got %s %q size %d", b.Kind, b.Name, b.Size)
				}
				t.Fatalf("got %d blocks, want %d", len(got), len(tt.want))
			}
			for i, w := range tt.want {
				b := got[i]
				if b.Kind != w.kind || b.Name != w.name || b.Size != w.size || !bytes.HasPrefix(b.Data, []byte(w.magic)) || int64(len(b.Data)) != b.Size {
					t.Errorf("block %d: got %s %q size %d (%d bytes) %q…; want %s %q size %d %q…", i,
						b.Kind, b.Name, b.Size, len(b.Data), b.Data[:min(8, len(b.Data))], w.kind, w.name, w.size, w.magic)
				}
				sum := sha256.Sum256(b.Data)
				if prev, ok := decoded[b.Name]; ok && prev != sum {
					t.Errorf("%s decodes differently here than in another message", b.Name)
				}
				decoded[b.Name] = sum
			}
		})
	}
}

// TestCorpusYEnc checks yEnc data against the CRC-32 its "=yend" line
// states, both on the raw bytes and after the text was decoded as
// ISO-8859-1, as the sanitizer's charset step would hand it over.
func TestCorpusYEnc(t *testing.T) {
	raw := readCorpus(t, "mimekit/yenc/simple.eml")
	for name, text := range map[string]string{"raw": raw, "latin-1": payloadtest.Latin1(raw)} {
		got := Find(text, Options{})
		if len(got) != 1 {
			t.Fatalf("%s: got %d blocks, want 1", name, len(got))
		}
		want := fmt.Sprintf("crc32=%08x", crc32.ChecksumIEEE(got[0].Data))
		if !strings.Contains(text[got[0].Start:got[0].End], want) {
			t.Errorf("%s: decoded data has %s, not the one in the =yend line", name, want)
		}
	}
}

// TestCorpusAll runs Find over every file of the corpus: no panic, the
// invariants hold, and it reports what it found by kind.
func TestCorpusAll(t *testing.T) {
	dir := testcorpus.Require(t)
	if testing.Short() {
		t.Skip("reads the whole corpus")
	}
	counts := map[Kind]int{}
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		text := string(b)
		got := Find(text, Options{})
		checkInvariants(t, text, Options{}, got)
		for _, b := range got {
			counts[b.Kind]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d files: %v", files, counts)
}
