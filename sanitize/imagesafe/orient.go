package imagesafe

import (
	"image"
	"image/color"
)

// orient returns img as it is meant to be seen, given its EXIF
// orientation (TIFF 6.0 / Exif 2.3 tag 0x0112): 1 as stored, 2 mirrored
// left-right, 3 turned 180°, 4 mirrored top-bottom, 5 transposed, 6 turned
// 90° clockwise, 7 transversed, 8 turned 90° anticlockwise. The result is
// a new RGBA image (or Gray for grayscale) whose top-left pixel is the
// displayed top-left.
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	// src maps a displayed pixel to the stored one, relative to b.Min.
	src := func(dx, dy int) (int, int) {
		switch o {
		case 2:
			return w - 1 - dx, dy
		case 3:
			return w - 1 - dx, h - 1 - dy
		case 4:
			return dx, h - 1 - dy
		case 5:
			return dy, dx
		case 6:
			return dy, h - 1 - dx
		case 7:
			return w - 1 - dy, h - 1 - dx
		default: // 8
			return w - 1 - dy, dx
		}
	}
	switch m := img.(type) {
	case *image.Gray:
		out := image.NewGray(image.Rect(0, 0, dw, dh))
		for dy := range dh {
			row := out.Pix[dy*out.Stride:]
			for dx := range dw {
				sx, sy := src(dx, dy)
				row[dx] = m.Pix[m.PixOffset(b.Min.X+sx, b.Min.Y+sy)]
			}
		}
		return out
	case *image.YCbCr:
		out := image.NewRGBA(image.Rect(0, 0, dw, dh))
		for dy := range dh {
			row := out.Pix[dy*out.Stride:]
			for dx := range dw {
				sx, sy := src(dx, dy)
				x, y := b.Min.X+sx, b.Min.Y+sy
				ci := m.COffset(x, y)
				r, g, bl := color.YCbCrToRGB(m.Y[m.YOffset(x, y)], m.Cb[ci], m.Cr[ci])
				row[4*dx], row[4*dx+1], row[4*dx+2], row[4*dx+3] = r, g, bl, 0xff
			}
		}
		return out
	}
	out := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for dy := range dh {
		for dx := range dw {
			sx, sy := src(dx, dy)
			out.Set(dx, dy, img.At(b.Min.X+sx, b.Min.Y+sy))
		}
	}
	return out
}
