package fuzz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/mugai/mugai/internal/testinput/archivetest"
	"github.com/mugai/mugai/internal/testinput/imagetest"
	"github.com/mugai/mugai/sanitize/flatten"
	"github.com/mugai/mugai/sanitize/imagesafe"
)

// gifOf writes a two-frame GIF: Reencode keeps the first.
func gifOf(tb testing.TB, w, h int) []byte {
	tb.Helper()
	frame := func(c uint8) *image.Paletted {
		p := image.NewPaletted(image.Rect(0, 0, w, h), palette.Plan9)
		for i := range p.Pix {
			p.Pix[i] = c + uint8(i%5)
		}
		return p
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, &gif.GIF{Image: []*image.Paletted{frame(10), frame(99)}, Delay: []int{0, 0}}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// pngDims rewrites the IHDR dimensions, CRC included: a pixel bomb that
// declares more than it holds.
func pngDims(p []byte, w, h uint32) []byte {
	p = bytes.Clone(p)
	binary.BigEndian.PutUint32(p[16:], w)
	binary.BigEndian.PutUint32(p[20:], h)
	binary.BigEndian.PutUint32(p[29:], crc32.ChecksumIEEE(p[12:29]))
	return p
}

// exifOrientation is an APP1 Exif payload holding only the orientation
// tag (CIPA DC-008 / TIFF 6.0: one IFD entry, tag 0x0112, SHORT).
func exifOrientation(o uint16) []byte {
	b := []byte("Exif\x00\x00II*\x00\x08\x00\x00\x00\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, 0x0112)
	b = binary.LittleEndian.AppendUint16(b, 3)
	b = binary.LittleEndian.AppendUint32(b, 1)
	b = binary.LittleEndian.AppendUint16(b, o)
	b = append(b, 0, 0)
	return binary.LittleEndian.AppendUint32(b, 0)
}

// trailer is appended to every input that re-encodes: its bytes sit after
// the image end, where polyglots hide a zip or a script, and must never
// come out. It is long and irregular so that pixels cannot spell it.
var trailer = []byte("PK\x03\x04<script>mugai-polyglot-trailer\x00\x7f\xfe\x91 3f9a c21e 9b0d 77a0</script>")

func imageSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	p := imagetest.PNG(tb, imagetest.Gradient(8, 8))
	j := imagetest.JPEG(tb, imagetest.Gradient(16, 8), 75)
	return append([][]byte{
		p,
		imagetest.InsertPNGChunk(imagetest.PNG(tb, imagetest.Gradient(8, 4)), imagetest.PNGChunk("tEXt", []byte("Comment\x00<script>x</script>"))),
		imagetest.PNG(tb, image.NewGray(image.Rect(0, 0, 5, 3))),
		imagetest.PNG(tb, image.NewPaletted(image.Rect(0, 0, 4, 4), palette.WebSafe)),
		pngDims(p, 5000, 5000),
		append(bytes.Clone(p), archivetest.Zip(tb, archivetest.File{Name: "a.txt", Body: []byte("hidden")})...),
		j,
		imagetest.InsertJPEGSegment(imagetest.JPEG(tb, imagetest.Gradient(8, 16), 75), 0xe1, exifOrientation(6)),
		imagetest.InsertJPEGSegment(j, 0xfe, []byte("comment")),
		imagetest.JPEG(tb, image.NewGray(image.Rect(0, 0, 9, 9)), 75),
		gifOf(tb, 8, 8),
	}, corpusAttachments(tb, flatten.KindPNG, flatten.KindJPEG, flatten.KindGIF)...)
}

// checkImage asserts that out is a clean encoding of mediaType within
// maxPixels: it decodes as that format, and carries no chunk or segment
// but those the standard encoders write (no text, EXIF, ICC, comment).
func checkImage(t *testing.T, out []byte, mediaType string, maxPixels int64) image.Image {
	t.Helper()
	if imagesafe.Detect(out) != mediaType {
		t.Fatalf("output of type %q starts %q", mediaType, out[:min(len(out), 8)])
	}
	var img image.Image
	var err error
	switch mediaType {
	case imagesafe.PNG:
		img, err = png.Decode(bytes.NewReader(out))
		for p := 8; err == nil && p+8 <= len(out); {
			n := int(binary.BigEndian.Uint32(out[p:]))
			switch typ := string(out[p+4 : p+8]); typ {
			case "IHDR", "PLTE", "tRNS", "IDAT", "IEND":
			default:
				t.Fatalf("output PNG has a %q chunk", typ)
			}
			p += 12 + n
		}
	case imagesafe.JPEG:
		img, err = jpeg.Decode(bytes.NewReader(out))
		for p := 2; err == nil && p+4 <= len(out) && out[p] == 0xff && out[p+1] != 0xda; {
			if m := out[p+1]; m >= 0xe0 && m <= 0xef || m == 0xfe {
				t.Fatalf("output JPEG has marker 0x%02x", m)
			}
			p += 2 + int(binary.BigEndian.Uint16(out[p+2:]))
		}
	default:
		t.Fatalf("media type %q", mediaType)
	}
	if err != nil {
		t.Fatalf("output %s does not decode: %v", mediaType, err)
	}
	if b := img.Bounds(); int64(b.Dx())*int64(b.Dy()) > maxPixels {
		t.Fatalf("output of %v over the limit of %d pixels", b, maxPixels)
	}
	return img
}

// FuzzImage: Reencode never panics; it refuses for pixels only what is
// over the limit, and anything not PNG/JPEG/GIF as unsupported; what it
// returns decodes as the type it names (PNG for PNG and GIF, JPEG for
// JPEG), holds as many pixels as the input declared, carries no metadata,
// and stays the same with bytes appended after the image end — which
// never come out.
func FuzzImage(f *testing.F) {
	for _, s := range imageSeeds(f) {
		f.Add(s)
	}
	const maxPixels = 1 << 16
	f.Fuzz(func(t *testing.T, data []byte) {
		out, mt, err := imagesafe.Reencode(data, maxPixels)
		in := imagesafe.Detect(data)
		if err != nil {
			var le *imagesafe.LimitError
			switch {
			case errors.As(err, &le) && le.What == "pixels":
				if int64(le.Width)*int64(le.Height) <= maxPixels || le.Limit != maxPixels {
					t.Fatalf("refused within the limit: %v", err)
				}
			case errors.As(err, &le):
				if le.Value <= le.Limit {
					t.Fatalf("refused within the limit: %v", err)
				}
			case (in == "") != errors.Is(err, imagesafe.ErrUnsupported):
				t.Fatalf("Detect says %q, Reencode: %v", in, err)
			}
			return
		}
		want := map[string]string{imagesafe.PNG: imagesafe.PNG, imagesafe.GIF: imagesafe.PNG, imagesafe.JPEG: imagesafe.JPEG}[in]
		if mt != want {
			t.Fatalf("%q input re-encoded as %q", in, mt)
		}
		img := checkImage(t, out, mt, maxPixels)
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
			if b := img.Bounds(); b.Dx()*b.Dy() != cfg.Width*cfg.Height {
				t.Fatalf("input of %d×%d pixels re-encoded as %v", cfg.Width, cfg.Height, b)
			}
		}
		out2, mt2, err := imagesafe.Reencode(append(bytes.Clone(data), trailer...), maxPixels)
		if err != nil {
			return // the decoder read on into the trailer and gave up: nothing passes
		}
		if bytes.Contains(out2, trailer[:16]) || bytes.Contains(out2, trailer[len(trailer)-16:]) {
			t.Fatalf("bytes after the image end survive")
		}
		if mt2 != mt || !bytes.Equal(out2, out) {
			t.Fatalf("bytes after the image end changed the output")
		}
	})
}
