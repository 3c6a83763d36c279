// Package imagetest draws test images and writes them as PNG and JPEG,
// with chunks and segments spliced in by hand. It is for tests only: the
// imagesafe package's own tests, the flatten tests and the fuzz targets
// build their images with it.
//
// It encodes with the standard library and edits the bytes as the PNG
// and JPEG specifications lay them out; it imports nothing of imagesafe.
package imagetest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// Corners is a w×h image whose corners differ, so orientation and
// cropping mistakes show: a red top-left block, a blue top-right block,
// white elsewhere.
func Corners(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{255, 255, 255, 255}
			switch {
			case x < w/4 && y < h/4:
				c = color.RGBA{255, 0, 0, 255}
			case x >= w-w/4 && y < h/4:
				c = color.RGBA{0, 0, 255, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

// Gradient is a w×h image with enough detail to survive JPEG: gradients,
// a pattern and varying transparency.
func Gradient(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(x * 255 / max(w, 1)), uint8(y * 255 / max(h, 1)), uint8(x ^ y), uint8(255 - x%7)})
		}
	}
	return img
}

// PNG encodes img with image/png.
func PNG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// JPEG encodes img with image/jpeg at quality (1 to 100).
func JPEG(tb testing.TB, img image.Image, quality int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// PNGChunk returns a PNG chunk (PNG §5.3: length, type, data, CRC of type
// and data).
func PNGChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// InsertPNGChunk returns a copy of the PNG p with chunk right after IHDR.
func InsertPNGChunk(p []byte, chunk []byte) []byte {
	at := 8 + 8 + 13 + 4 // signature, IHDR length+type, data, CRC
	out := append([]byte{}, p[:at]...)
	out = append(out, chunk...)
	return append(out, p[at:]...)
}

// InsertJPEGSegment returns a copy of the JPEG j with a marker segment
// (JPEG B.1.1.4: marker, length, data) right after SOI.
func InsertJPEGSegment(j []byte, marker byte, data []byte) []byte {
	seg := []byte{0xff, marker}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(data)+2))
	seg = append(seg, data...)
	out := append([]byte{}, j[:2]...)
	out = append(out, seg...)
	return append(out, j[2:]...)
}
