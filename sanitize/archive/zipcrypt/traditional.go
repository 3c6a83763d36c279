package zipcrypt

import "hash/crc32"

// TraditionalHeaderLen is the length of the encryption header that
// precedes every member's data (APPNOTE 6.1.3).
const TraditionalHeaderLen = 12

// Traditional is the state of the PKWARE traditional stream cipher: the
// three keys of APPNOTE 6.1.5. It is not safe for concurrent use, and it
// advances with every byte decrypted, so one Traditional decrypts one
// member, header first.
type Traditional struct {
	k0, k1, k2 uint32
}

// NewTraditional initialises the keys from the password's bytes (6.1.5).
func NewTraditional(password []byte) *Traditional {
	t := &Traditional{k0: 0x12345678, k1: 0x23456789, k2: 0x34567890}
	for _, c := range password {
		t.update(c)
	}
	return t
}

// crcByte is APPNOTE's crc32(old, c): one step of the CRC-32 register
// without the pre- and post-inversion of crc32.Update.
func crcByte(old uint32, c byte) uint32 {
	return old>>8 ^ crc32.IEEETable[byte(old)^c]
}

// update is update_keys (6.1.5).
func (t *Traditional) update(c byte) {
	t.k0 = crcByte(t.k0, c)
	t.k1 = (t.k1+t.k0&0xff)*134775813 + 1
	t.k2 = crcByte(t.k2, byte(t.k1>>24))
}

// keystream is decrypt_byte (6.1.6).
func (t *Traditional) keystream() byte {
	tmp := uint16(t.k2 | 2)
	return byte(uint32(tmp) * uint32(tmp^1) >> 8)
}

// Decrypt decrypts src into dst (which may be src itself; it must be at
// least as long) and advances the keys.
func (t *Traditional) Decrypt(dst, src []byte) {
	for i, c := range src {
		p := c ^ t.keystream()
		t.update(p)
		dst[i] = p
	}
}

// CheckHeader decrypts the 12-byte encryption header at the start of a
// member's data and reports whether its last byte is check: the high byte
// of the member's CRC-32, or of its DOS time when flag bit 3 defers the
// CRC to a data descriptor (6.1.6; Info-ZIP's zip writes the time then,
// since it encrypts before it knows the CRC). A shorter header is false.
// The keys are then ready for the member's data.
func (t *Traditional) CheckHeader(header []byte, check byte) bool {
	if len(header) < TraditionalHeaderLen {
		return false
	}
	var h [TraditionalHeaderLen]byte
	t.Decrypt(h[:], header[:TraditionalHeaderLen])
	return h[TraditionalHeaderLen-1] == check
}
