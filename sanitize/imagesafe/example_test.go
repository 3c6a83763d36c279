package imagesafe_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"github.com/mugai/mugai/sanitize/imagesafe"
)

// A PNG with a ZIP appended after IEND comes out as a fresh PNG of the same
// pixels, without the ZIP.
func ExampleReencode() {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 3)))
	polyglot := append(buf.Bytes(), "PK\x03\x04 hidden archive"...)

	out, mediaType, err := imagesafe.Reencode(polyglot, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg, _ := png.DecodeConfig(bytes.NewReader(out))
	fmt.Println(mediaType, cfg.Width, cfg.Height, bytes.Contains(out, []byte("PK")))
	// Output:
	// image/png 4 3 false
}

// Dimensions are checked before any pixel is decoded.
func ExampleReencode_pixelLimit() {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4000, 3000)))
	_, _, err := imagesafe.Reencode(buf.Bytes(), 10_000_000)
	fmt.Println(err)
	// Output:
	// imagesafe: image of 4000×3000 pixels exceeds the limit of 10000000 pixels
}
