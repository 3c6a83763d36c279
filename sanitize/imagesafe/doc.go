// Package imagesafe rebuilds PNG, JPEG and GIF images from their pixels, so
// that nothing of the original file crosses the boundary: no metadata
// (EXIF, XMP, IPTC, text chunks, comments), no ICC profile, no extra
// frames, no private chunks, and none of the bytes after the image's end
// that make a file a polyglot (an image that is also a ZIP, a PDF or HTML).
//
// Only the standard library decoders and encoders are used (image/png,
// image/jpeg, image/gif); the package registers nothing with image and
// keeps no state. Before any pixel is decoded, the dimensions are read from
// the header (image.DecodeConfig semantics) and refused above a pixel
// limit, since a few hundred bytes can declare a 100 000 × 100 000 image
// (a "pixel flood" or decompression bomb). The file structure is walked
// first too: the JPEG marker segments (ITU-T T.81 §B.1.1) to count the
// scans of a progressive image, each of which costs a pass over all pixels,
// and to find the EXIF orientation (CIPA DC-008 Exif 2.3, TIFF 6.0 tag
// 0x0112), which is applied to the pixels because the tag itself does not
// survive; the GIF blocks (GIF89a §§17–23) to check that the first image
// lies within the logical screen (§20).
//
// Colour profiles are dropped, not applied: wide-gamut images may look
// slightly less saturated. Animated GIFs keep their first frame only.
package imagesafe
