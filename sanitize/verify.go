package sanitize

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	_ "image/jpeg" // DecodeConfig of converted images
	_ "image/png"
	"strings"

	"github.com/mugai/mugai/sanitize/flatten"
	"github.com/mugai/mugai/sanitize/textclean"
)

// A converter parses hostile files; the sandbox runs it in a child
// process precisely because it might be subverted by one. So what it
// returns is checked here before anything of it reaches the output, as if
// it came from the sender:
//
//   - text is cleaned and scanned like any text (cleanText), so it cannot
//     carry binary bytes (invalid UTF-8 becomes U+FFFD) or encoded
//     payloads;
//   - an image must be a PNG or JPEG of the shape mugai's own encoder
//     writes — no ancillary PNG chunk, no JPEG application or comment
//     segment, nothing after the end marker — and within the pixel limit;
//     anything else is dropped ("could not be converted");
//   - names, kinds, types and the list of removed content are cleaned
//     before they appear in the notice or the report;
//   - an unknown action, or a drop for an unknown reason, is a drop for
//     a crash.
//
// verifyResult applies the structural checks and returns the result to
// use (a drop replacing an invalid one).
func verifyResult(res *flatten.Result, maxPixels int64, depth int) *flatten.Result {
	if res == nil {
		return &flatten.Result{Kind: flatten.KindUnknown, Action: flatten.ActionDrop, Reason: flatten.ReasonCrash, Detail: "no result"}
	}
	out := *res
	out.MediaType = cleanMediaType(res.MediaType)
	out.Removed = nil
	for _, r := range res.Removed {
		if r = textclean.Line(r); r != "" && len(r) <= 100 {
			out.Removed = append(out.Removed, r)
		}
	}
	out.Detail = textclean.Line(res.Detail)
	if out.Kind != "" && !isToken(string(out.Kind), 32) {
		out.Kind = flatten.KindUnknown
	}
	invalid := func(why string) *flatten.Result {
		return &flatten.Result{Kind: out.Kind, MediaType: out.MediaType, Action: flatten.ActionDrop,
			Reason: flatten.ReasonCrash, Detail: "converter result rejected: " + why}
	}
	switch res.Action {
	case flatten.ActionDrop:
		if !causes[Cause(res.Reason)] {
			return invalid("unknown reason")
		}
	case flatten.ActionText:
	case flatten.ActionImage:
		if err := verifyImage(res.Image, res.ImageType, maxPixels); err != "" {
			return invalid(err)
		}
	case flatten.ActionContainer:
		if depth > 32 {
			return invalid("containers nested too deep")
		}
		out.Entries = make([]flatten.Entry, len(res.Entries))
		for i, e := range res.Entries {
			e.Path = cleanPath(e.Path)
			if !isHex(e.SHA256) {
				e.SHA256 = ""
			}
			e.Result = verifyResult(e.Result, maxPixels, depth+1)
			out.Entries[i] = e
		}
	default:
		return invalid("unknown action")
	}
	return &out
}

// isMediaType reports whether t is type/subtype of lower-case letters,
// digits, ".", "+" and "-", each starting with a letter or digit, at most
// 64 and 128 characters long. (A loop, not a regular expression: the
// bounded repetitions made compiling one cost every mugai process 0.3 ms
// and 170 KB at start.)
func isMediaType(t string) bool {
	typ, sub, ok := strings.Cut(t, "/")
	return ok && isToken(typ, 64) && isToken(sub, 128)
}

func isToken(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '+' && c != '-') {
			return false
		}
	}
	return true
}

func cleanMediaType(t string) string {
	// Media types are case-insensitive (RFC 2045 §5.1), and flatten names
	// the macro-enabled Office types as IANA registered them
	// ("...macroEnabled.12"): lower-case first, or the pattern turns a
	// .docm into "unknown type" in the notice.
	t = strings.ToLower(t)
	if !isMediaType(t) {
		return "application/octet-stream"
	}
	return t
}

// cleanPath cleans each element of an archive member's path, dropping
// empty, "." and ".." elements.
func cleanPath(p string) string {
	var parts []string
	for _, el := range strings.Split(strings.ReplaceAll(p, "\\", "/"), "/") {
		if el = textclean.Filename(el); el != "" && el != "." && el != ".." {
			parts = append(parts, el)
		}
	}
	if len(parts) == 0 {
		return "(no name)"
	}
	return strings.Join(parts, "/")
}

func isHex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// verifyImage checks a converted image's structure; "" means valid.
func verifyImage(data []byte, mediaType string, maxPixels int64) string {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	switch {
	case err != nil:
		return "image does not decode"
	case "image/"+format != mediaType || (format != "png" && format != "jpeg"):
		return "image type " + format + " is not " + mediaType
	case int64(cfg.Width)*int64(cfg.Height) > maxPixels:
		return "image larger than the pixel limit"
	case format == "png":
		return verifyPNG(data)
	}
	return verifyJPEG(data)
}

// verifyPNG walks the chunks (PNG spec §5.3): only the critical chunks and
// tRNS, CRCs right, nothing after IEND.
func verifyPNG(b []byte) string {
	b = b[8:] // signature, checked by DecodeConfig
	for len(b) >= 12 {
		n := binary.BigEndian.Uint32(b)
		if uint64(n)+12 > uint64(len(b)) {
			return "truncated PNG chunk"
		}
		typ := string(b[4:8])
		if crc32.ChecksumIEEE(b[4:8+n]) != binary.BigEndian.Uint32(b[8+n:]) {
			return "bad PNG chunk checksum"
		}
		switch typ {
		case "IHDR", "PLTE", "IDAT", "tRNS":
		case "IEND":
			if len(b) != 12 {
				return "data after the PNG end"
			}
			return ""
		default:
			return "unexpected PNG chunk " + typ
		}
		b = b[12+n:]
	}
	return "no PNG end"
}

// verifyJPEG walks the marker segments up to the scan (ITU T.81 B.1):
// no application (APPn) or comment segment, and the data ends at EOI.
func verifyJPEG(b []byte) string {
	if len(b) < 4 || b[len(b)-2] != 0xff || b[len(b)-1] != 0xd9 {
		return "data after the JPEG end"
	}
	i := 2 // after SOI
	for i+4 <= len(b) {
		if b[i] != 0xff {
			return "malformed JPEG marker"
		}
		m := b[i+1]
		switch {
		case m >= 0xe0 && m <= 0xef, m == 0xfe:
			return "JPEG metadata segment"
		case m == 0xda: // start of scan: entropy-coded data follows
			return ""
		}
		i += 2 + int(binary.BigEndian.Uint16(b[i+2:]))
	}
	return "no JPEG scan"
}
