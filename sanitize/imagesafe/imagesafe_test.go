package imagesafe

import (
	"archive/zip"
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
	"time"

	"github.com/mugai/mugai/internal/testinput/imagetest"
)

func TestDetect(t *testing.T) {
	cases := map[string][]byte{
		PNG:  imagetest.PNG(t, imagetest.Corners(4, 4)),
		JPEG: imagetest.JPEG(t, imagetest.Corners(4, 4), 95),
		GIF:  []byte("GIF89a\x01\x00\x01\x00"),
		"":   []byte("BM\x00\x00"),
	}
	cases[""] = []byte("RIFF\x00\x00\x00\x00WEBPVP8 ")
	for want, data := range cases {
		if got := Detect(data); got != want {
			t.Errorf("Detect(%q) = %q, want %q", data[:4], got, want)
		}
	}
	for _, other := range [][]byte{nil, []byte("BM6\x00"), []byte("II*\x00"), []byte("<svg xmlns="), []byte("GIF88a"), []byte("\xff\xd8")} {
		if got := Detect(other); got != "" {
			t.Errorf("Detect(%q) = %q", other, got)
		}
		if _, _, err := Reencode(other, 0); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Reencode(%q): %v", other, err)
		}
	}
}

// TestPNGPolyglot: a PNG with a text chunk and a ZIP and HTML after IEND
// comes out with the same pixels and none of the rest.
func TestPNGPolyglot(t *testing.T) {
	img := imagetest.Corners(64, 32)
	p := imagetest.PNG(t, img)
	p = imagetest.InsertPNGChunk(p, imagetest.PNGChunk("tEXt", []byte("Comment\x00secret-png-text")))
	p = imagetest.InsertPNGChunk(p, imagetest.PNGChunk("iCCP", []byte("icc\x00\x00secret-icc")))
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	w, _ := zw.Create("payload.exe")
	w.Write([]byte("MZ secret-zip-payload"))
	zw.Close()
	p = append(p, z.Bytes()...)
	p = append(p, "<html><script>alert('secret-html')</script></html>"...)
	if _, err := png.Decode(bytes.NewReader(p)); err != nil {
		t.Fatalf("fixture is not a PNG: %v", err)
	}

	out, mt, err := Reencode(p, 0)
	if err != nil || mt != PNG {
		t.Fatalf("Reencode: %v %q", err, mt)
	}
	for _, s := range []string{"secret", "PK\x03\x04", "<html", "tEXt", "iCCP"} {
		if bytes.Contains(out, []byte(s)) {
			t.Errorf("output contains %q", s)
		}
	}
	if !bytes.HasSuffix(out, imagetest.PNGChunk("IEND", nil)) {
		t.Error("output does not end at IEND")
	}
	got, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range []image.Point{{0, 0}, {63, 0}, {32, 16}, {63, 31}} {
		if got.At(pt.X, pt.Y) != img.At(pt.X, pt.Y) {
			if !near(got.At(pt.X, pt.Y), img.At(pt.X, pt.Y), 0) {
				t.Errorf("pixel %v: %v, want %v", pt, got.At(pt.X, pt.Y), img.At(pt.X, pt.Y))
			}
		}
	}
}

// TestJPEGMetadata: EXIF (APP1), an ICC profile (APP2), a comment (COM)
// and bytes after EOI do not survive.
func TestJPEGMetadata(t *testing.T) {
	j := imagetest.JPEG(t, imagetest.Corners(64, 48), 95)
	j = imagetest.InsertJPEGSegment(j, 0xfe, []byte("secret-comment"))
	j = imagetest.InsertJPEGSegment(j, 0xe2, append([]byte("ICC_PROFILE\x00\x01\x01"), "secret-icc"...))
	j = imagetest.InsertJPEGSegment(j, 0xe1, exifSegment(1, false))
	j = imagetest.InsertJPEGSegment(j, 0xe1, append([]byte("http://ns.adobe.com/xap/1.0/\x00"), "<x:xmpmeta>secret-xmp"...))
	j = append(j, "PK\x03\x04secret-trailer"...)
	if !bytes.Contains(j, []byte("secret-exif-marker")) {
		t.Fatal("fixture lacks EXIF")
	}
	out, mt, err := Reencode(j, 0)
	if err != nil || mt != JPEG {
		t.Fatalf("Reencode: %v %q", err, mt)
	}
	if bytes.Contains(out, []byte("secret")) || bytes.Contains(out, []byte("Exif")) || bytes.Contains(out, []byte("PK\x03\x04")) {
		t.Error("metadata survived")
	}
	for _, m := range jpegMarkers(out) {
		if m >= 0xe1 && m <= 0xef || m == 0xfe {
			t.Errorf("output has marker 0x%02x", m)
		}
	}
	if !bytes.HasSuffix(out, []byte{0xff, 0xd9}) {
		t.Error("output does not end at EOI")
	}
	got, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil || got.Bounds().Dx() != 64 || got.Bounds().Dy() != 48 {
		t.Fatalf("decode: %v %v", err, got.Bounds())
	}
}

// TestJPEGOrientation: the EXIF orientation is applied to the pixels, since
// the tag does not survive. The stored image is 32×16 with red at the
// top-left and blue at the top-right; where they are displayed follows
// TIFF 6.0's definition of each value.
func TestJPEGOrientation(t *testing.T) {
	red, blue := color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}
	const tl, tr, bl, br = 0, 1, 2, 3
	cases := []struct {
		o          uint16
		w, h       int
		redAt, blu int
	}{
		{1, 32, 16, tl, tr},
		{2, 32, 16, tr, tl},
		{3, 32, 16, br, bl},
		{4, 32, 16, bl, br},
		{5, 16, 32, tl, bl},
		{6, 16, 32, tr, br},
		{7, 16, 32, br, tr},
		{8, 16, 32, bl, tl},
	}
	stored := imagetest.Corners(32, 16)
	for _, gray := range []bool{false, true} {
		var src image.Image = stored
		if gray {
			g := image.NewGray(stored.Bounds())
			for y := range 16 {
				for x := range 32 {
					g.Set(x, y, stored.At(x, y))
				}
			}
			src = g
		}
		for _, c := range cases {
			j := imagetest.InsertJPEGSegment(imagetest.JPEG(t, src, 95), 0xe1, exifSegment(c.o, c.o%2 == 0))
			out, _, err := Reencode(j, 0)
			if err != nil {
				t.Fatal(err)
			}
			img, err := jpeg.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if img.Bounds().Dx() != c.w || img.Bounds().Dy() != c.h {
				t.Errorf("orientation %d: %v, want %dx%d", c.o, img.Bounds(), c.w, c.h)
				continue
			}
			corner := func(i int) color.Color {
				x, y := 1, 1
				if i == tr || i == br {
					x = c.w - 2
				}
				if i == bl || i == br {
					y = c.h - 2
				}
				return img.At(x, y)
			}
			if gray {
				// Red and blue become different grays; compare with the
				// stored corners' grays.
				r, b := color.GrayModel.Convert(red), color.GrayModel.Convert(blue)
				if !near(corner(c.redAt), r, 12) || !near(corner(c.blu), b, 12) {
					t.Errorf("gray orientation %d: corners %v %v", c.o, corner(c.redAt), corner(c.blu))
				}
				continue
			}
			if !near(corner(c.redAt), red, 40) || !near(corner(c.blu), blue, 40) {
				t.Errorf("orientation %d: red corner %v, blue corner %v", c.o, corner(c.redAt), corner(c.blu))
			}
		}
	}
}

func TestPixelBomb(t *testing.T) {
	var le *LimitError
	start := time.Now()
	_, _, err := Reencode(bombPNG(100000, 100000), 0)
	if !errors.As(err, &le) || le.Width != 100000 || le.Limit != DefaultMaxPixels {
		t.Fatalf("png: %v", err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("refusal took %v", d)
	}
	// At the limit it is decoded (and fails on the missing data, which is
	// fine: it was allowed to try).
	if _, _, err := Reencode(bombPNG(1000, 1000), 1000*1000); errors.As(err, &le) {
		t.Errorf("at the limit: %v", err)
	}

	// JPEG: rewrite the SOF dimensions of a small image to 65535×65535.
	j := imagetest.JPEG(t, imagetest.Corners(16, 16), 95)
	i := bytes.Index(j, []byte{0xff, 0xc0})
	copy(j[i+5:], []byte{0xff, 0xff, 0xff, 0xff})
	if _, _, err := Reencode(j, 0); !errors.As(err, &le) || le.Height != 65535 {
		t.Errorf("jpeg: %v", err)
	}
	// GIF: a 65535×65535 logical screen.
	g := gifOf(t, 4, 4)
	copy(g[6:], []byte{0xff, 0xff, 0xff, 0xff})
	if _, _, err := Reencode(g, 0); !errors.As(err, &le) {
		t.Errorf("gif: %v", err)
	}
}

func gifOf(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewPaletted(image.Rect(0, 0, w, h), palette.Plan9)
	for y := range h {
		for x := range w {
			img.Set(x, y, imagetest.Corners(w, h).At(x, y))
		}
	}
	var buf bytes.Buffer
	if err := gif.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestGIF: GIF becomes PNG with the first frame's pixels; a first frame
// smaller than the screen is placed at its offset; a frame outside the
// screen is refused.
func TestGIF(t *testing.T) {
	pal := color.Palette{color.RGBA{0, 0, 0, 0}, color.RGBA{255, 0, 0, 255}, color.RGBA{0, 255, 0, 255}}
	f1 := image.NewPaletted(image.Rect(0, 0, 20, 10), pal)
	for i := range f1.Pix {
		f1.Pix[i] = 1
	}
	f2 := image.NewPaletted(image.Rect(0, 0, 20, 10), pal)
	for i := range f2.Pix {
		f2.Pix[i] = 2
	}
	var buf bytes.Buffer
	gif.EncodeAll(&buf, &gif.GIF{Image: []*image.Paletted{f1, f2}, Delay: []int{10, 10},
		Config: image.Config{Width: 20, Height: 10, ColorModel: pal}})
	out, mt, err := Reencode(append(buf.Bytes(), "secret-trailer"...), 0)
	if err != nil || mt != PNG {
		t.Fatalf("%v %q", err, mt)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != image.Rect(0, 0, 20, 10) || !near(img.At(5, 5), color.RGBA{255, 0, 0, 255}, 0) {
		t.Errorf("first frame: %v %v", img.Bounds(), img.At(5, 5))
	}

	// First frame 4×4 at (10,5) on a 20×10 screen.
	small := image.NewPaletted(image.Rect(10, 5, 14, 9), pal)
	for i := range small.Pix {
		small.Pix[i] = 2
	}
	buf.Reset()
	gif.EncodeAll(&buf, &gif.GIF{Image: []*image.Paletted{small}, Delay: []int{0},
		Config: image.Config{Width: 20, Height: 10, ColorModel: pal}})
	out, _, err = Reencode(buf.Bytes(), 0)
	if err != nil {
		t.Fatal(err)
	}
	img, _ = png.Decode(bytes.NewReader(out))
	if img.Bounds() != image.Rect(0, 0, 20, 10) || !near(img.At(11, 6), color.RGBA{0, 255, 0, 255}, 0) {
		t.Errorf("offset frame: %v %v", img.Bounds(), img.At(11, 6))
	}
	if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
		t.Errorf("outside the frame should be transparent, got %v", img.At(0, 0))
	}

	// Frame larger than the screen: shrink the screen fields.
	g := bytes.Clone(buf.Bytes())
	copy(g[6:], []byte{5, 0, 5, 0})
	if _, _, err := Reencode(g, 0); err == nil {
		t.Error("frame outside the screen accepted")
	}
}

func TestCMYKJPEG(t *testing.T) {
	j := cmykJPEG()
	img, err := jpeg.Decode(bytes.NewReader(j))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	if _, ok := img.(*image.CMYK); !ok {
		t.Fatalf("fixture decodes as %T", img)
	}
	out, mt, err := Reencode(j, 0)
	if err != nil || mt != JPEG {
		t.Fatalf("%v %q", err, mt)
	}
	got, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil || got.Bounds().Dx() != 8 {
		t.Fatalf("%v", err)
	}
	if _, ok := got.(*image.CMYK); ok {
		t.Error("output is still CMYK")
	}
	if bytes.Contains(out, []byte("Adobe")) {
		t.Error("APP14 survived")
	}
}

// TestJPEGScanBomb: thousands of scans are refused before decoding.
func TestJPEGScanBomb(t *testing.T) {
	var buf bytes.Buffer
	jpeg.Encode(&buf, imagetest.Corners(16, 16), nil)
	j := buf.Bytes()
	sos := bytes.Index(j, []byte{0xff, 0xda})
	scan := j[sos : len(j)-2] // SOS segment and its data, without EOI
	bomb := append([]byte{}, j[:len(j)-2]...)
	for range 200 {
		bomb = append(bomb, scan...)
	}
	bomb = append(bomb, 0xff, 0xd9)
	_, _, err := Reencode(bomb, 0)
	var le *LimitError
	if !errors.As(err, &le) || le.What != "JPEG scans" {
		t.Fatalf("got %v", err)
	}
}

func TestTruncatedAndCorrupt(t *testing.T) {
	for name, data := range map[string][]byte{
		PNG:  imagetest.PNG(t, imagetest.Corners(32, 32)),
		JPEG: imagetest.JPEG(t, imagetest.Corners(32, 32), 95),
		GIF:  gifOf(t, 32, 32),
	} {
		for _, n := range []int{8, 20, 40, len(data) / 2, len(data) - 3} {
			if out, _, err := Reencode(data[:n], 0); err == nil && out == nil {
				t.Errorf("%s cut at %d: no output and no error", name, n)
			}
		}
	}
	if _, _, err := Reencode(bombPNG(0, 10), 0); err == nil {
		t.Error("zero width accepted")
	}
}
