package imagesafe

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"testing"

	"github.com/mugai/mugai/internal/testinput/imagetest"
)

// photo is a 2 MP (1632×1224) image with gradients and noise, roughly as
// hard to compress as a photograph.
func photo() image.Image {
	rng := rand.New(rand.NewPCG(3, 4))
	img := image.NewRGBA(image.Rect(0, 0, 1632, 1224))
	for y := range 1224 {
		for x := range 1632 {
			n := uint8(rng.IntN(24))
			img.SetRGBA(x, y, color.RGBA{uint8(x/7) + n, uint8(y/5) + n, uint8((x+y)/11) + n, 255})
		}
	}
	return img
}

// BenchmarkReencodeJPEG re-encodes a 2 MP JPEG; MB/s is of the input file.
func BenchmarkReencodeJPEG(b *testing.B) {
	var buf bytes.Buffer
	jpeg.Encode(&buf, photo(), &jpeg.Options{Quality: 90})
	data := imagetest.InsertJPEGSegment(buf.Bytes(), 0xe1, exifSegment(1, false))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, err := Reencode(data, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(2.0, "MP")
}

// BenchmarkReencodeJPEGRotated adds EXIF orientation 6 (a portrait phone
// photo), which costs a conversion to RGBA.
func BenchmarkReencodeJPEGRotated(b *testing.B) {
	var buf bytes.Buffer
	jpeg.Encode(&buf, photo(), &jpeg.Options{Quality: 90})
	data := imagetest.InsertJPEGSegment(buf.Bytes(), 0xe1, exifSegment(6, false))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, err := Reencode(data, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRefusePixelBomb measures the refusal of a 10-gigapixel PNG.
func BenchmarkRefusePixelBomb(b *testing.B) {
	data := bombPNG(100000, 100000)
	for b.Loop() {
		if _, _, err := Reencode(data, 0); err == nil {
			b.Fatal("accepted")
		}
	}
}
