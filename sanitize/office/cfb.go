package office

import (
	"bytes"
	"encoding/binary"
	"unicode/utf16"
)

// cfbSignature starts every OLE2 compound file ([MS-CFB] §2.2): the legacy
// binary .doc/.xls/.ppt, and also a password-protected OOXML document,
// which Office stores as a compound file holding the encrypted package
// ([MS-OFFCRYPTO] §2.3.4: the "EncryptionInfo" and "EncryptedPackage"
// streams; IRM-protected files use the same "EncryptedPackage" stream).
var cfbSignature = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// cfbEncryptedPackage reports whether a compound file's directory holds a
// stream named "EncryptedPackage".
//
// Rather than search the whole file for the UTF-16 name (which could also
// be text in a legacy .doc), it reads the directory the way [MS-CFB] lays
// it out: the header (§2.2) gives the sector size and the first directory
// sector; the FAT (§2.3), found through the header's 109 DIFAT entries and
// the DIFAT chain (§2.5), chains the directory sectors; each 128-byte
// directory entry (§2.6) has a UTF-16LE name of at most 32 code units and
// an object type. Every step is bounded by the file size, and sector
// chains by a step count, so a looping or hostile chain ends.
func cfbEncryptedPackage(data []byte) bool {
	if len(data) < 512 || !bytes.HasPrefix(data, cfbSignature) {
		return false
	}
	le := binary.LittleEndian
	shift := le.Uint16(data[0x1E:])
	if shift != 9 && shift != 12 {
		return false
	}
	size := 1 << shift
	nSectors := (len(data) - 512) / size
	if nSectors <= 0 {
		return false
	}
	sector := func(i uint32) []byte {
		if int64(i) >= int64(nSectors) {
			return nil
		}
		off := 512 + int(i)*size // the header occupies one 512-byte slot (§2.2); v4 pads it to 4096
		if shift == 12 {
			off = 4096 + int(i)*size
		}
		if off < 0 || off+size > len(data) {
			return nil
		}
		return data[off : off+size]
	}
	const (
		endOfChain = 0xFFFFFFFE
		maxRegular = 0xFFFFFFFA
	)
	// The FAT sector numbers: 109 in the header, the rest in DIFAT sectors.
	var fatSectors []uint32
	for i := 0; i < 109; i++ {
		s := le.Uint32(data[0x4C+4*i:])
		if s <= maxRegular {
			fatSectors = append(fatSectors, s)
		}
	}
	difat := le.Uint32(data[0x44:])
	for steps := 0; difat <= maxRegular && steps < nSectors; steps++ {
		b := sector(difat)
		if b == nil {
			break
		}
		for i := 0; i+4 < len(b); i += 4 {
			if s := le.Uint32(b[i:]); s <= maxRegular {
				fatSectors = append(fatSectors, s)
			}
		}
		difat = le.Uint32(b[len(b)-4:])
	}
	next := func(s uint32) uint32 {
		per := uint32(size / 4)
		i := s / per
		if int(i) >= len(fatSectors) {
			return endOfChain
		}
		b := sector(fatSectors[i])
		if b == nil {
			return endOfChain
		}
		return le.Uint32(b[(s%per)*4:])
	}
	dir := le.Uint32(data[0x30:])
	for steps := 0; dir <= maxRegular && steps < nSectors; steps++ {
		b := sector(dir)
		if b == nil {
			return false
		}
		for off := 0; off+128 <= len(b); off += 128 {
			e := b[off : off+128]
			n := int(le.Uint16(e[0x40:])) // name length in bytes, with the terminating NUL
			if e[0x42] != 2 || n < 2 || n > 64 || n%2 != 0 {
				continue // not a stream (§2.6.1 object type 2), or a bad name
			}
			u := make([]uint16, n/2-1)
			for i := range u {
				u[i] = le.Uint16(e[2*i:])
			}
			if string(utf16.Decode(u)) == "EncryptedPackage" {
				return true
			}
		}
		dir = next(dir)
	}
	return false
}
