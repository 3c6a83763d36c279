package pdftext

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/ascii85"
	"errors"
	"io"
)

// Stream filters (ISO 32000-1 §7.4). Only those that can carry text or
// structure are decoded: Flate, LZW, ASCIIHex, ASCII85 and RunLength, with
// the predictors of §7.4.4.4. Image-only codecs (DCT, JPX, JBIG2, CCITT)
// never hold content streams and are refused.
//
// Every stage writes at most Limits.StreamBytes bytes, so a decompression
// bomb stops there whatever its ratio, and the final output of each stream
// is charged to Limits.TotalBytes.

// maxFilters bounds a filter chain; real files use one or two.
const maxFilters = 8

var (
	errUnsupportedFilter = errors.New("unsupported PDF stream filter")
	errTooManyFilters    = errors.New("malformed PDF: too many stream filters")
)

// decode returns the decoded data of a stream of the document.
func (d *document) decode(s *stream) ([]byte, error) {
	return d.decodeWith(s, d.crypt != nil)
}

func (d *document) decodeWith(s *stream, decrypt bool) ([]byte, error) {
	if err := d.bud.check(); err != nil {
		return nil, err
	}
	data := s.raw
	filters, parms := d.filterList(s.hdr)
	if decrypt && !hasIdentityCrypt(filters, parms, d) {
		data = d.crypt.decryptStream(s.owner, data)
	}
	if len(filters) > maxFilters {
		return nil, errTooManyFilters
	}
	if len(filters) == 0 && int64(len(data)) > d.bud.lim.StreamBytes {
		return nil, &LimitError{Limit: "StreamBytes", Bound: d.bud.lim.StreamBytes}
	}
	for i, f := range filters {
		var p dict
		if i < len(parms) {
			p = d.dictOf(parms[i])
		}
		out, err := d.applyFilter(f, p, data)
		if err != nil {
			return nil, err
		}
		data = out
	}
	if err := d.bud.charge(int64(len(data))); err != nil {
		return nil, err
	}
	return data, nil
}

func (d *document) filterList(hdr dict) ([]name, []object) {
	f := d.resolve(hdr["Filter"])
	p := d.resolve(hdr["DecodeParms"])
	if p == nil {
		p = d.resolve(hdr["DP"]) // abbreviation used in inline images
	}
	switch v := f.(type) {
	case name:
		return []name{v}, []object{p}
	case array:
		names := make([]name, 0, len(v))
		for _, x := range v {
			names = append(names, d.nameOf(x))
		}
		pa, _ := p.(array)
		return names, pa
	}
	return nil, nil
}

// hasIdentityCrypt reports a /Crypt filter naming /Identity (§7.4.10,
// §7.6.5): such a stream is stored unencrypted.
func hasIdentityCrypt(filters []name, parms []object, d *document) bool {
	for i, f := range filters {
		if f != "Crypt" {
			continue
		}
		if i < len(parms) {
			if p := d.dictOf(parms[i]); p != nil && d.nameOf(p["Name"]) != "Identity" {
				return false
			}
		}
		return true
	}
	return false
}

func (d *document) applyFilter(f name, p dict, in []byte) ([]byte, error) {
	limit := d.bud.lim.StreamBytes
	switch f {
	case "FlateDecode", "Fl":
		out, err := d.inflate(in, limit)
		if err != nil {
			return nil, err
		}
		return d.unpredict(out, p, limit)
	case "LZWDecode", "LZW":
		early := int64(1)
		if v, ok := asInt(d.resolve(p["EarlyChange"])); ok {
			early = v
		}
		out, err := lzwDecode(in, early != 0, limit)
		if err != nil {
			return nil, err
		}
		return d.unpredict(out, p, limit)
	case "ASCIIHexDecode", "AHx":
		return asciiHex(in, limit)
	case "ASCII85Decode", "A85":
		return ascii85Decode(in, limit)
	case "RunLengthDecode", "RL":
		return runLength(in, limit)
	case "Crypt":
		return in, nil // handled before the chain
	}
	return nil, errUnsupportedFilter
}

func limitErr(limit int64) error {
	return &LimitError{Limit: "StreamBytes", Bound: limit}
}

// readLimited reads r to its end, or fails once more than limit bytes come
// out. A truncated or damaged compressed stream keeps what was decoded
// before the damage, as viewers do.
func readLimited(r io.Reader, limit int64, hint int) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(int(min(int64(hint), limit, 1<<20)))
	n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	if n > limit {
		return nil, limitErr(limit)
	}
	if err != nil && buf.Len() == 0 {
		return nil, err
	}
	return buf.Bytes(), nil
}

// inflate decodes zlib data (§7.4.4). Files with a broken zlib header or
// checksum are common, so raw deflate is tried when zlib fails. The
// decompressors are reused across the streams of a document: each holds a
// 32 KB window.
func (d *document) inflate(in []byte, limit int64) ([]byte, error) {
	var err error
	if d.zr == nil {
		d.zr, err = zlib.NewReader(bytes.NewReader(in))
	} else {
		err = d.zr.(zlib.Resetter).Reset(bytes.NewReader(in), nil)
	}
	if err == nil {
		out, err := readLimited(d.zr, limit, len(in)*4)
		if err == nil || isLimit(err) {
			return out, err
		}
	}
	raw := func(b []byte) ([]byte, error) {
		if d.fr == nil {
			d.fr = flate.NewReader(bytes.NewReader(b))
		} else {
			_ = d.fr.(flate.Resetter).Reset(bytes.NewReader(b), nil)
		}
		return readLimited(d.fr, limit, len(b)*4)
	}
	if len(in) >= 2 {
		out, err := raw(in[2:])
		if err == nil || isLimit(err) {
			return out, err
		}
	}
	return raw(in)
}

func isLimit(err error) bool {
	var le *LimitError
	return errors.As(err, &le)
}

// unpredict undoes a PNG or TIFF predictor (§7.4.4.4, Table 8).
func (d *document) unpredict(in []byte, p dict, limit int64) ([]byte, error) {
	if p == nil {
		return in, nil
	}
	pred, _ := asInt(d.resolve(p["Predictor"]))
	if pred <= 1 {
		return in, nil
	}
	colors, bpc, columns := int64(1), int64(8), int64(1)
	if v, ok := asInt(d.resolve(p["Colors"])); ok {
		colors = v
	}
	if v, ok := asInt(d.resolve(p["BitsPerComponent"])); ok {
		bpc = v
	}
	if v, ok := asInt(d.resolve(p["Columns"])); ok {
		columns = v
	}
	if colors < 1 || colors > 32 || bpc < 1 || bpc > 16 || columns < 1 || columns > 1<<20 {
		return nil, errors.New("malformed PDF: bad predictor parameters")
	}
	bpp := int((colors*bpc + 7) / 8)
	rowLen := int((colors*bpc*columns + 7) / 8)
	if int64(rowLen) > limit {
		return nil, limitErr(limit)
	}
	if pred == 2 {
		if bpc != 8 {
			return in, nil // sub-byte TIFF prediction is never used for text
		}
		out := make([]byte, len(in))
		copy(out, in)
		for r := 0; r+rowLen <= len(out); r += rowLen {
			row := out[r : r+rowLen]
			for i := bpp; i < len(row); i++ {
				row[i] += row[i-bpp]
			}
		}
		return out, nil
	}
	// PNG predictors: each row starts with its own filter-type byte.
	out := make([]byte, 0, len(in))
	prev := make([]byte, rowLen)
	for r := 0; r < len(in); r += rowLen + 1 {
		if r+1 > len(in) {
			break
		}
		ft := in[r]
		row := make([]byte, rowLen)
		copy(row, in[r+1:min(len(in), r+1+rowLen)])
		for i := range row {
			var a, b, c byte
			if i >= bpp {
				a = row[i-bpp]
				c = prev[i-bpp]
			}
			b = prev[i]
			switch ft {
			case 1:
				row[i] += a
			case 2:
				row[i] += b
			case 3:
				row[i] += byte((int(a) + int(b)) / 2)
			case 4:
				row[i] += paeth(a, b, c)
			}
		}
		out = append(out, row...)
		if int64(len(out)) > limit {
			return nil, limitErr(limit)
		}
		prev = row
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// asciiHex decodes §7.4.2; '>' ends the data.
func asciiHex(in []byte, limit int64) ([]byte, error) {
	out := make([]byte, 0, len(in)/2)
	hi := -1
	for _, c := range in {
		if c == '>' {
			break
		}
		v := unhex(c)
		if v < 0 {
			continue
		}
		if hi < 0 {
			hi = v
			continue
		}
		out = append(out, byte(hi<<4|v))
		hi = -1
	}
	if hi >= 0 {
		out = append(out, byte(hi<<4))
	}
	if int64(len(out)) > limit {
		return nil, limitErr(limit)
	}
	return out, nil
}

// ascii85Decode decodes §7.4.3; "~>" ends the data.
func ascii85Decode(in []byte, limit int64) ([]byte, error) {
	if i := bytes.Index(in, []byte("~>")); i >= 0 {
		in = in[:i]
	}
	in = bytes.TrimPrefix(bytes.TrimSpace(in), []byte("<~"))
	// Drop characters outside the alphabet, which the decoder rejects.
	clean := make([]byte, 0, len(in))
	for _, c := range in {
		if (c >= '!' && c <= 'u') || c == 'z' {
			clean = append(clean, c)
		}
	}
	return readLimited(ascii85.NewDecoder(bytes.NewReader(clean)), limit, len(clean))
}

// runLength decodes §7.4.5.
func runLength(in []byte, limit int64) ([]byte, error) {
	var out []byte
	for i := 0; i < len(in); {
		n := int(in[i])
		i++
		switch {
		case n == 128:
			return out, nil
		case n < 128:
			end := min(len(in), i+n+1)
			out = append(out, in[i:end]...)
			i = end
		default:
			if i >= len(in) {
				return out, nil
			}
			for k := 0; k < 257-n; k++ {
				out = append(out, in[i])
			}
			i++
		}
		if int64(len(out)) > limit {
			return nil, limitErr(limit)
		}
	}
	return out, nil
}

// lzwDecode decodes §7.4.4.2: 9- to 12-bit codes, 256 clears the table,
// 257 ends the data; with EarlyChange the code width grows one code early.
// compress/lzw implements only the late change (the GIF variant), so this
// small decoder is needed for PDF's default.
func lzwDecode(in []byte, early bool, limit int64) ([]byte, error) {
	type entry struct {
		prefix int32
		first  byte
		last   byte
		length int32
	}
	var table [4096]entry
	for i := range 256 {
		table[i] = entry{prefix: -1, first: byte(i), last: byte(i), length: 1}
	}
	adj := 0
	if early {
		adj = 1
	}
	next, width, prev := 258, 9, -1
	var out []byte
	emit := func(code int) {
		n := int(table[code].length)
		out = append(out, make([]byte, n)...)
		for c, i := code, len(out)-1; c >= 0 && n > 0; n, i = n-1, i-1 {
			out[i] = table[c].last
			c = int(table[c].prefix)
		}
	}
	var bitBuf uint32
	bits, pos := 0, 0
	for {
		for bits < width && pos < len(in) {
			bitBuf = bitBuf<<8 | uint32(in[pos])
			pos++
			bits += 8
		}
		if bits < width {
			return out, nil
		}
		code := int(bitBuf>>(bits-width)) & (1<<width - 1)
		bits -= width
		switch {
		case code == 256:
			next, width, prev = 258, 9, -1
			continue
		case code == 257:
			return out, nil
		case prev < 0:
			if code > 255 {
				return out, nil
			}
			emit(code)
			prev = code
			continue
		case code < next:
			emit(code)
			if next < len(table) {
				table[next] = entry{prefix: int32(prev), first: table[prev].first, last: table[code].first, length: table[prev].length + 1}
				next++
			}
		case code == next && next < len(table):
			// The string not yet in the table is prev's string plus its
			// own first byte.
			table[next] = entry{prefix: int32(prev), first: table[prev].first, last: table[prev].first, length: table[prev].length + 1}
			next++
			emit(code)
		default:
			return out, nil // a corrupt code ends the data
		}
		if int64(len(out)) > limit {
			return nil, limitErr(limit)
		}
		prev = code
		if next+adj >= 1<<width && width < 12 {
			width++
		}
	}
}
