package imagesafe

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"testing"
)

// FuzzReencode checks that Reencode never panics, never decodes beyond the
// pixel limit, and returns only images that decode as what it says.
func FuzzReencode(f *testing.F) {
	f.Add(pngOf(f, pattern(8, 8)))
	f.Add(insertPNGChunk(pngOf(f, pattern(8, 4)), pngChunk("tEXt", []byte("k\x00v"))))
	f.Add(jpegOf(f, pattern(16, 8)))
	f.Add(insertJPEGSegment(jpegOf(f, pattern(8, 16)), 0xe1, exifSegment(6, true)))
	f.Add(cmykJPEG())
	f.Add(gifOf(f, 8, 8))
	f.Add(bombPNG(5000, 5000))
	const maxPixels = 1 << 16
	f.Fuzz(func(t *testing.T, data []byte) {
		out, mt, err := Reencode(data, maxPixels)
		if err != nil {
			var le *LimitError
			if errors.As(err, &le) && le.What == "pixels" && int64(le.Width)*int64(le.Height) <= maxPixels {
				t.Fatalf("refused within the limit: %v", err)
			}
			return
		}
		var img image.Image
		switch mt {
		case PNG:
			img, err = png.Decode(bytes.NewReader(out))
		case JPEG:
			img, err = jpeg.Decode(bytes.NewReader(out))
		default:
			t.Fatalf("media type %q", mt)
		}
		if err != nil {
			t.Fatalf("output does not decode: %v", err)
		}
		if b := img.Bounds(); int64(b.Dx())*int64(b.Dy()) > maxPixels {
			t.Fatalf("output %v over the limit", b)
		}
	})
}
