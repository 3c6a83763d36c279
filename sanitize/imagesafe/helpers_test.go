package imagesafe

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"image/color"

	"github.com/mugai/mugai/internal/testinput/imagetest"
)

// bombPNG declares w×h pixels with almost no data.
func bombPNG(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 0, 0, 0, 0) // 8-bit grayscale
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 1024))
	zw.Close()
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, imagetest.PNGChunk("IHDR", ihdr)...)
	out = append(out, imagetest.PNGChunk("IDAT", z.Bytes())...)
	return append(out, imagetest.PNGChunk("IEND", nil)...)
}

// exifSegment is an APP1 Exif payload with IFD0 holding Orientation and an
// ImageDescription that must not survive. bigEndian picks "MM".
func exifSegment(orientation uint16, bigEndian bool) []byte {
	var bo binary.AppendByteOrder = binary.LittleEndian
	hdr := "II*\x00"
	if bigEndian {
		bo, hdr = binary.BigEndian, "MM\x00*"
	}
	t := []byte(hdr)
	t = bo.AppendUint32(t, 8)
	t = bo.AppendUint16(t, 2) // entries
	// Orientation, SHORT, 1, value
	t = bo.AppendUint16(t, 0x0112)
	t = bo.AppendUint16(t, 3)
	t = bo.AppendUint32(t, 1)
	t = bo.AppendUint16(t, orientation)
	t = bo.AppendUint16(t, 0)
	// ImageDescription, ASCII, count, offset
	desc := "GPS 35.6895N 139.6917E secret-exif-marker\x00"
	t = bo.AppendUint16(t, 0x010e)
	t = bo.AppendUint16(t, 2)
	t = bo.AppendUint32(t, uint32(len(desc)))
	t = bo.AppendUint32(t, uint32(8+2+2*12+4))
	t = bo.AppendUint32(t, 0) // next IFD
	t = append(t, desc...)
	return append([]byte("Exif\x00\x00"), t...)
}

// jpegMarkers lists the marker codes of a JPEG's segments up to SOS.
func jpegMarkers(j []byte) []byte {
	var ms []byte
	for p := 2; p+4 <= len(j) && j[p] == 0xff; {
		m := j[p+1]
		ms = append(ms, m)
		if m == 0xda {
			break
		}
		p += 2 + int(binary.BigEndian.Uint16(j[p+2:]))
	}
	return ms
}

// cmykJPEG hand-builds an 8×8 four-component baseline JPEG with an Adobe
// APP14 segment (transform 0: CMYK), the kind Photoshop writes for print.
// Every block is DC-only: with one-symbol Huffman tables each block is two
// zero bits (DC category 0, then EOB).
func cmykJPEG() []byte {
	seg := func(m byte, data ...byte) []byte {
		return append([]byte{0xff, m, byte((len(data) + 2) >> 8), byte(len(data) + 2)}, data...)
	}
	var j []byte
	j = append(j, 0xff, 0xd8)
	j = append(j, seg(0xee, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0)...)
	dqt := append([]byte{0x00}, bytes.Repeat([]byte{1}, 64)...)
	j = append(j, seg(0xdb, dqt...)...)
	j = append(j, seg(0xc0, 8, 0, 8, 0, 8, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0)...)
	table := func(class byte) []byte {
		t := []byte{class, 1}
		t = append(t, make([]byte, 15)...)
		return append(t, 0x00)
	}
	j = append(j, seg(0xc4, table(0x00)...)...)
	j = append(j, seg(0xc4, table(0x10)...)...)
	j = append(j, seg(0xda, 4, 1, 0x00, 2, 0x00, 3, 0x00, 4, 0x00, 0, 63, 0)...)
	j = append(j, 0x00)
	return append(j, 0xff, 0xd9)
}

// near reports whether two colours are within tol per channel (JPEG is
// lossy).
func near(a, b color.Color, tol int) bool {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	d := func(x, y uint32) bool { return abs(int(x>>8)-int(y>>8)) <= tol }
	return d(ar, br) && d(ag, bg) && d(ab, bb)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
