package imagesafe

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
)

// Media types.
const (
	PNG  = "image/png"
	JPEG = "image/jpeg"
	GIF  = "image/gif"
)

// DefaultMaxPixels is used when Reencode is given a limit of 0 or less; it
// matches the default of the limits.image_pixels setting.
const DefaultMaxPixels = 40_000_000

// JPEGQuality is the quality JPEG images are written with.
const JPEGQuality = 90

// maxScans bounds the scans of a JPEG. A baseline image has one per
// component group and a progressive one about ten; each costs a pass over
// the whole image, so thousands of tiny scans turn a small file into
// minutes of work (libjpeg-turbo added a scan limit for this reason).
const maxScans = 100

// ErrUnsupported is returned for data that is not a PNG, JPEG or GIF.
var ErrUnsupported = errors.New("imagesafe: not a PNG, JPEG or GIF image")

// LimitError reports an image refused before decoding.
type LimitError struct {
	What          string // "pixels" or "JPEG scans"
	Width, Height int    // the declared dimensions
	Value, Limit  int64
}

func (e *LimitError) Error() string {
	if e.What == "pixels" {
		return fmt.Sprintf("imagesafe: image of %d×%d pixels exceeds the limit of %d pixels", e.Width, e.Height, e.Limit)
	}
	return fmt.Sprintf("imagesafe: %d %s exceed the limit of %d", e.Value, e.What, e.Limit)
}

// Detect returns the media type of a PNG, JPEG or GIF by its signature,
// or "" for anything else (BMP, WebP, TIFF, SVG and so on are not
// re-encoded; the caller drops them).
func Detect(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")): // PNG §5.2 signature
		return PNG
	case len(data) >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff: // SOI, then a marker
		return JPEG
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")): // GIF89a §17
		return GIF
	}
	return ""
}

// Reencode decodes a PNG, JPEG or GIF (first frame only) and encodes the
// pixels anew: PNG stays PNG, GIF becomes PNG, JPEG becomes JPEG (quality
// 90, EXIF orientation applied). Metadata, comments, ICC/EXIF, trailing
// bytes after the image end (polyglots) and anything else of the original
// do not survive. The dimensions are checked first: width×height over
// maxPixels (DefaultMaxPixels if ≤ 0) is a *LimitError, never a decode.
func Reencode(data []byte, maxPixels int64) (out []byte, mediaType string, err error) {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	mt := Detect(data)
	var decodeConfig func([]byte) (image.Config, error)
	switch mt {
	case PNG:
		decodeConfig = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
	case JPEG:
		decodeConfig = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
	case GIF:
		decodeConfig = func(b []byte) (image.Config, error) { return gif.DecodeConfig(bytes.NewReader(b)) }
	default:
		return nil, "", ErrUnsupported
	}
	cfg, err := decodeConfig(data)
	if err != nil {
		return nil, "", fmt.Errorf("imagesafe: %s header: %w", mt, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, "", fmt.Errorf("imagesafe: %s declares an empty image (%d×%d)", mt, cfg.Width, cfg.Height)
	}
	// Both are at most 2^31-1 (PNG) or 65535 (JPEG, GIF): no overflow.
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPixels {
		return nil, "", &LimitError{What: "pixels", Width: cfg.Width, Height: cfg.Height, Value: px, Limit: maxPixels}
	}

	var buf bytes.Buffer
	switch mt {
	case PNG:
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, "", fmt.Errorf("imagesafe: png: %w", err)
		}
		if err := encodePNG(&buf, img); err != nil {
			return nil, "", err
		}
		return buf.Bytes(), PNG, nil

	case GIF:
		if err := checkGIFFrame(data, cfg); err != nil {
			return nil, "", err
		}
		// gif.Decode stops after the first image (image/gif decodes with
		// keepAllFrames false) and rejects frames outside the screen.
		img, err := gif.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, "", fmt.Errorf("imagesafe: gif: %w", err)
		}
		screen := image.Rect(0, 0, cfg.Width, cfg.Height)
		if img.Bounds() != screen {
			// A first frame smaller than the screen is drawn at its offset
			// on a transparent screen, as browsers show it.
			canvas := image.NewNRGBA(screen)
			draw.Draw(canvas, img.Bounds(), img, img.Bounds().Min, draw.Src)
			img = canvas
		}
		if err := encodePNG(&buf, img); err != nil {
			return nil, "", err
		}
		return buf.Bytes(), PNG, nil
	}

	info, err := scanJPEG(data)
	if err != nil {
		return nil, "", err
	}
	if info.scans > maxScans {
		return nil, "", &LimitError{What: "JPEG scans", Width: cfg.Width, Height: cfg.Height, Value: int64(info.scans), Limit: maxScans}
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, "", fmt.Errorf("imagesafe: jpeg: %w", err)
	}
	img = orient(img, info.orientation)
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: JPEGQuality}); err != nil {
		return nil, "", fmt.Errorf("imagesafe: encode jpeg: %w", err)
	}
	return buf.Bytes(), JPEG, nil
}

func encodePNG(buf *bytes.Buffer, img image.Image) error {
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(buf, img); err != nil {
		return fmt.Errorf("imagesafe: encode png: %w", err)
	}
	return nil
}

// checkGIFFrame walks the GIF blocks up to the first image descriptor
// (GIF89a §18 logical screen descriptor, §19 global colour table, §23
// extensions as sub-blocks, §20 image descriptor) and checks that the
// first image lies within the logical screen, whose size was already
// checked against the limit. image/gif checks this too; doing it here
// keeps the pixel bound independent of the decoder.
func checkGIFFrame(data []byte, cfg image.Config) error {
	p := 13 // header (6) and logical screen descriptor (7)
	if len(data) < p {
		return errors.New("imagesafe: gif: truncated header")
	}
	if packed := data[10]; packed&0x80 != 0 {
		p += 3 << (packed&7 + 1)
	}
	for p < len(data) {
		switch data[p] {
		case 0x21: // extension: label, then sub-blocks up to a zero length
			p += 2
			for p < len(data) && data[p] != 0 {
				p += 1 + int(data[p])
			}
			p++
		case 0x2c: // image descriptor
			if p+10 > len(data) {
				return errors.New("imagesafe: gif: truncated image descriptor")
			}
			le := func(i int) int { return int(data[p+i]) | int(data[p+i+1])<<8 }
			left, top, w, h := le(1), le(3), le(5), le(7)
			if left+w > cfg.Width || top+h > cfg.Height {
				return fmt.Errorf("imagesafe: gif: first frame %dx%d at %d,%d lies outside the %dx%d screen", w, h, left, top, cfg.Width, cfg.Height)
			}
			return nil
		case 0x3b:
			return errors.New("imagesafe: gif: no image")
		default:
			return fmt.Errorf("imagesafe: gif: unknown block 0x%02x", data[p])
		}
	}
	return errors.New("imagesafe: gif: no image")
}
