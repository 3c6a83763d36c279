package payload

import "encoding/ascii85"

// The encodings of the spread pass (spread.go): their digits, and
// decoding them.

// encoding is one alphabet the spread pass looks for.
type encoding struct {
	kind Kind
	// values holds each byte's digit value plus one, 0 for a byte that
	// is not a digit (a table: this is the inner loop of the pass).
	values [256]uint8
	// bits per digit for the bit-stream encodings; 0 for ascii85.
	bits uint
	// maxPad is the most '=' after a chunk (0: no padding).
	maxPad int
	// caseless: letters of one core must all be of one case (hex, base32).
	caseless bool
	// phases is the number of digits in a group: a file may start at
	// any of them.
	phases int
}

func spreadEncodings() []encoding {
	encs := []encoding{
		{kind: Hex, bits: 4, caseless: true, phases: 2},
		{kind: Base32, bits: 5, maxPad: 6, caseless: true, phases: 8},
		{kind: Base64, bits: 6, maxPad: 2, phases: 4},
		{kind: ASCII85, phases: 5},
	}
	vals := []func(byte) int{hexVal, b32Val, b64Val, a85Val}
	for i := range encs {
		for c := range 256 {
			encs[i].values[c] = uint8(vals[i](byte(c)) + 1)
		}
	}
	return encs
}

// digit returns the value of c, or -1 when c is not a digit.
func (e *encoding) digit(c byte) int { return int(e.values[c]) - 1 }

// isDigit reports whether c is a digit.
func (e *encoding) isDigit(c byte) bool { return e.values[c] != 0 }

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// b32Val is the RFC 4648 §6 alphabet, small letters accepted.
func b32Val(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c - 'a')
	case c >= '2' && c <= '7':
		return int(c-'2') + 26
	}
	return -1
}

// a85Val: '!' to 'u' are the digits 0 to 84; 'z' stands for four zero
// bytes.
func a85Val(c byte) int {
	switch {
	case c >= '!' && c <= 'u':
		return int(c - '!')
	case c == 'z':
		return 85
	}
	return -1
}

// appendDigits appends the digits of a core to dst, and '=' where padding
// ends a chunk; group separators are dropped. An ascii85 'z' is written as
// the five digits it stands for, so that offsets count groups.
func (e *encoding) appendDigits(dst []byte, c string) []byte {
	i := 0
	for i < len(c) && e.isDigit(c[i]) && c[i] != 'z' {
		i++
	}
	if i == len(c) {
		return append(dst, c...) // the usual line: digits only
	}
	padded := false
	for i := 0; i < len(c); i++ {
		switch ch := c[i]; {
		case ch == 'z' && e.kind == ASCII85:
			dst = append(dst, "!!!!!"...)
		case e.isDigit(ch):
			if padded {
				dst = append(dst, '=')
				padded = false
			}
			dst = append(dst, ch)
		case ch == '=':
			padded = true
		}
	}
	if padded {
		dst = append(dst, '=')
	}
	return dst
}

// firstDigits is how many digits the first two bytes take.
func (e *encoding) firstDigits() int {
	if e.bits == 0 {
		return 5
	}
	return int((16 + e.bits - 1) / e.bits)
}

// mayStartFile reports whether the first two bytes that digits decode to
// begin a file of fileStart: the test before decoding more.
func (e *encoding) mayStartFile(digits []byte) bool {
	var first uint32 // the first two bytes
	if e.bits == 0 {
		// ascii85: the first two of the four bytes of a group of five.
		if len(digits) < 5 {
			return true
		}
		for _, c := range digits[:5] {
			if c < '!' || c > 'u' {
				return true // let the decoder judge
			}
			first = first*85 + uint32(c-'!')
		}
		first >>= 16
	} else {
		n := uint(0)
		for _, c := range digits {
			if c == '=' {
				return false
			}
			first = first<<e.bits | uint32(e.digit(c))
			if n += e.bits; n >= 16 {
				first = first >> (n - 16) & 0xFFFF
				break
			}
		}
		if n < 16 {
			return false
		}
	}
	starts, fold := fileStarts(byte(first >> 8))
	for _, m := range starts {
		if c := byte(first); m != "" && (m[1] == c || fold && m[1]|0x20 == c|0x20) {
			return true
		}
	}
	return false
}

// decode decodes digits ('=' restarts the bit stream: a new chunk) into
// dst, keeping at most limit bytes, and returns the decoded size of all.
func (e *encoding) decode(dst, digits []byte, limit int) ([]byte, int64) {
	if e.bits == 0 {
		return a85Decode(dst, digits, limit)
	}
	if dst == nil {
		dst = make([]byte, 0, min(limit, len(digits)*int(e.bits)/8))
	}
	var acc uint32
	var nbits uint
	var size int64
	for _, c := range digits {
		if c == '=' {
			acc, nbits = 0, 0
			continue
		}
		acc = acc<<e.bits | uint32(e.digit(c))
		nbits += e.bits
		if nbits >= 8 {
			nbits -= 8
			size++
			if len(dst) < limit {
				dst = append(dst, byte(acc>>nbits))
			}
		}
	}
	return dst, size
}

// a85Decode decodes ascii85 digits with the standard library, a slice at
// a time so that at most limit bytes are kept; a corrupt group (a 'z'
// inside a group, a group over 2^32) ends the data.
func a85Decode(dst, digits []byte, limit int) ([]byte, int64) {
	var size int64
	// 1024 digits decode to at most 4096 bytes (all 'z').
	var tmp [4096]byte
	for len(digits) > 0 {
		n := min(len(digits), 1024)
		nd, ns, err := ascii85.Decode(tmp[:], digits[:n], n == len(digits))
		if bad, ok := err.(ascii85.CorruptInputError); ok && bad > 0 {
			// Decode yields nothing on an error: take the groups
			// before the bad one.
			nd, _, _ = ascii85.Decode(tmp[:], digits[:int(bad)], false)
		}
		size += int64(nd)
		if room := limit - len(dst); room > 0 {
			dst = append(dst, tmp[:min(nd, room)]...)
		}
		if err != nil || ns == 0 {
			break
		}
		digits = digits[ns:]
	}
	return dst, size
}
