package payload

import (
	"encoding/binary"
	"strings"
)

// OpenPGP ASCII armor (RFC 9580 §6.2, as RFC 4880 §6.2 before it):
//
//	-----BEGIN PGP <label>-----
//	Version: …            (armor headers, optional)
//	<blank line>
//	<base64 of OpenPGP packets>
//	=<CRC-24>             (optional)
//	-----END PGP <label>-----
//
// Signatures, keys and encrypted messages are mail, not attachments: they
// are left in the text. The exception is earned by the content, not the
// label — the packet headers (RFC 9580 §4.2) must all be of kinds that such
// a block holds. A message with literal or compressed data that anyone can
// read (gpg --sign, --store), an "ARMORED FILE" (gpg --enarmor) or a label
// wrapped around something else is judged as base64 like any other.

// maxPGPPackets bounds the packets walked in one armor.
const maxPGPPackets = 1 << 16

// maxArmorHeaders bounds the "Key: value" lines after the BEGIN line.
const maxArmorHeaders = 16

// pgpBegin parses a "-----BEGIN PGP <label>-----" line. A cleartext-signed
// message ("BEGIN PGP SIGNED MESSAGE", RFC 9580 §7) is text followed by a
// separate signature armor, so it is not an armor of its own here.
func pgpBegin(rest string) (label string, ok bool) {
	rest = strings.TrimRight(rest, " \t")
	label, ok = strings.CutPrefix(rest, "-----BEGIN PGP ")
	if !ok {
		return "", false
	}
	label, ok = strings.CutSuffix(label, "-----")
	return label, ok && label != "SIGNED MESSAGE"
}

// pgpTags lists the packet tags (RFC 9580 §5) an armor of each label may
// hold and still be left in the text. An encrypted message must also hold
// encrypted data (tags 9, 18, 20), checked separately.
func pgpTags(label string, tag int) bool {
	switch label {
	case "SIGNATURE":
		return tag == 2
	case "PUBLIC KEY BLOCK":
		// Public key and subkey, user ID and attribute, signatures, trust.
		return tag == 6 || tag == 14 || tag == 13 || tag == 17 || tag == 2 || tag == 12
	case "PRIVATE KEY BLOCK":
		return tag == 5 || tag == 7 || tag == 6 || tag == 14 || tag == 13 || tag == 17 || tag == 2 || tag == 12
	case "MESSAGE":
		// Session keys (public-key, symmetric), marker, encrypted data.
		return tag == 1 || tag == 3 || tag == 10 || tag == 9 || tag == 18 || tag == 20
	}
	return false
}

// pgpArmor reads the armor whose BEGIN line is ln. ok is false when the
// lines that follow are not a well-formed armor; the scan then goes on
// with the next line and any base64 in it is judged as usual. Otherwise
// the armor is either left alone (found false, next after its END line) or
// reported as a Base64 block.
func (s *scanner) pgpArmor(ln line, prefix, label string) (b Block, found bool, next int, ok bool) {
	pos := ln.next
	// Armor headers, then a blank line. Some tools omit both.
	for h := 0; pos < len(s.text); h++ {
		d := s.line(pos)
		l, ok := strings.CutPrefix(d.s, prefix)
		if !ok {
			return Block{}, false, 0, false
		}
		l = strings.TrimSpace(l)
		if l == "" {
			pos = d.next
			break
		}
		if _, ok := scanB64Line(l); ok && h == 0 {
			break
		}
		if h == maxArmorHeaders || !strings.Contains(l, ": ") {
			return Block{}, false, 0, false
		}
		pos = d.next
	}
	dec := b64Decoder{limit: s.opt.MaxDecoded}
	chars := 0
	closed := false
	for !closed && pos < len(s.text) {
		d := s.line(pos)
		l, ok := strings.CutPrefix(d.s, prefix)
		if !ok {
			return Block{}, false, 0, false
		}
		l = strings.TrimSpace(l)
		pos = d.next
		if st, ok := scanB64Line(l); ok {
			dec.write(l)
			chars += st.n + st.pad
			continue
		}
		if len(l) == 5 && l[0] == '=' && pos < len(s.text) { // the CRC-24 line
			d = s.line(pos)
			l = strings.TrimSpace(strings.TrimPrefix(d.s, prefix))
			pos = d.next
		}
		if l != "-----END PGP "+label+"-----" {
			return Block{}, false, 0, false
		}
		closed = true
	}
	if !closed {
		return Block{}, false, 0, false
	}
	if !dec.truncated() && pgpExempt(label, dec.out) {
		return Block{}, false, pos, true
	}
	if chars < s.opt.MinBase64 || !s.hidesPayload(ln.start, pos, dec.out, dec.truncated()) {
		return Block{}, false, pos, true
	}
	b = Block{Kind: Base64, Name: pgpLiteralName(dec.out), Start: ln.start, End: pos, Data: dec.out, Size: dec.size()}
	return b, true, pos, true
}

// pgpExempt reports whether the packets of an armor are all of the kinds
// its label allows (pgpTags).
func pgpExempt(label string, data []byte) bool {
	if len(data) == 0 {
		return false
	}
	allowed, encrypted := true, false
	wellFormed := pgpPackets(data, func(tag int, _ []byte) bool {
		encrypted = encrypted || tag == 9 || tag == 18 || tag == 20
		allowed = pgpTags(label, tag)
		return allowed
	})
	return wellFormed && allowed && (label != "MESSAGE" || encrypted)
}

// pgpLiteralName returns the file name of the first top-level literal data
// packet (RFC 9580 §5.9: format octet, name length octet, name), if any.
func pgpLiteralName(data []byte) string {
	name := ""
	pgpPackets(data, func(tag int, body []byte) bool {
		if tag != 11 {
			return true
		}
		if len(body) >= 2 && len(body) >= 2+int(body[1]) {
			name = cleanName(string(body[2 : 2+int(body[1])]))
		}
		return false
	})
	return name
}

// pgpPackets walks the packet headers of data (RFC 9580 §4.2), calling
// visit with each packet's tag and the first chunk of its body until visit
// returns false. It reports false when the data is not a well-formed
// packet sequence.
func pgpPackets(data []byte, visit func(tag int, body []byte) bool) bool {
	for n := 0; len(data) > 0; n++ {
		if n == maxPGPPackets {
			return false
		}
		h := data[0]
		if h&0x80 == 0 {
			return false
		}
		data = data[1:]
		var tag int
		var body []byte
		if h&0x40 != 0 {
			// New format: a length octet or more, and partial body
			// lengths that split the body into chunks.
			tag = int(h & 0x3F)
			for first := true; ; first = false {
				l, partial, rest, ok := pgpNewLength(data)
				if !ok || l > int64(len(rest)) {
					return false
				}
				if first {
					body = rest[:l]
				}
				data = rest[l:]
				if !partial {
					break
				}
			}
		} else {
			// Legacy format: the low two bits give the length's size;
			// 3 means the packet runs to the end of the data.
			tag = int(h>>2) & 0x0F
			var l int64
			switch h & 3 {
			case 0:
				if len(data) < 1 {
					return false
				}
				l, data = int64(data[0]), data[1:]
			case 1:
				if len(data) < 2 {
					return false
				}
				l, data = int64(binary.BigEndian.Uint16(data)), data[2:]
			case 2:
				if len(data) < 4 {
					return false
				}
				l, data = int64(binary.BigEndian.Uint32(data)), data[4:]
			case 3:
				l = int64(len(data))
			}
			if l > int64(len(data)) {
				return false
			}
			body, data = data[:l], data[l:]
		}
		if !visit(tag, body) {
			return true
		}
	}
	return true
}

// pgpNewLength decodes a new-format body length (RFC 9580 §4.2.1).
func pgpNewLength(b []byte) (l int64, partial bool, rest []byte, ok bool) {
	if len(b) == 0 {
		return 0, false, nil, false
	}
	switch o := b[0]; {
	case o < 192:
		return int64(o), false, b[1:], true
	case o < 224:
		if len(b) < 2 {
			return 0, false, nil, false
		}
		return int64(o-192)<<8 + int64(b[1]) + 192, false, b[2:], true
	case o == 255:
		if len(b) < 5 {
			return 0, false, nil, false
		}
		return int64(binary.BigEndian.Uint32(b[1:])), false, b[5:], true
	default:
		return 1 << (o & 0x1F), true, b[1:], true
	}
}
