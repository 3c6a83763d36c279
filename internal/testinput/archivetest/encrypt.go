package archivetest

import (
	"crypto/aes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"hash/crc32"
	"unicode/utf8"
)

// Encryption says how EncryptedZip and EncryptedMember protect a member.
// It is written here from the specifications (PKWARE APPNOTE 6.3.x §6.1;
// WinZip's "AES Encryption Information: AE-1 and AE-2"), independently of
// the reader under test; the archives the real tools make (testdata) check
// that both read the specifications alike.
type Encryption struct {
	// AES is 0 for traditional PKWARE encryption, or the WinZip strength
	// code: 1, 2 or 3 for AES-128, -192 or -256.
	AES byte
	// AE2 writes WinZip AE-2 (CRC-32 zero in the headers) rather than AE-1.
	AE2 bool
	// Deferred sets general purpose bit 3, as streaming writers (Info-ZIP's
	// zip) do: the traditional check byte is then the high byte of
	// ModTime, not of the CRC-32. No data descriptor is written; the
	// headers keep the sizes.
	Deferred bool
	ModTime  uint16
	// Store leaves the data uncompressed; otherwise it is deflated.
	Store bool
}

// EncryptedZip writes files as a zip whose members are all encrypted with
// password. A name that is valid UTF-8 and not ASCII gets the UTF-8 flag;
// other names (Shift_JIS bytes, say) are written as they are without it.
func EncryptedZip(password string, enc Encryption, files ...File) []byte {
	var z RawZip
	for _, f := range files {
		r, data := EncryptedMember(password, enc, f.Name, f.Body)
		z.Add(r, data)
	}
	return z.Bytes()
}

// EncryptedMember returns the central directory record and the encrypted
// data of one member, for RawZip.Add: a test may change either first.
func EncryptedMember(password string, enc Encryption, name string, body []byte) (Record, []byte) {
	method, payload := uint16(8), Deflate(body)
	if enc.Store {
		method, payload = 0, body
	}
	r := Record{Name: []byte(name), Flags: 1, Method: method, CRC: crc32.ChecksumIEEE(body), USize: uint32(len(body)), ModTime: enc.ModTime}
	if !utf8.ValidString(name) || isASCII(name) {
		r.Flags &^= 1 << 11
	} else {
		r.Flags |= 1 << 11
	}
	if enc.Deferred {
		r.Flags |= 1 << 3
	}
	var data []byte
	if enc.AES == 0 {
		check := byte(r.CRC >> 24)
		if enc.Deferred {
			check = byte(enc.ModTime >> 8)
		}
		data = traditionalEncrypt([]byte(password), check, payload)
	} else {
		version := uint16(1)
		if enc.AE2 {
			version, r.CRC = 2, 0
		}
		var extra [11]byte
		binary.LittleEndian.PutUint16(extra[0:], 0x9901)
		binary.LittleEndian.PutUint16(extra[2:], 7)
		binary.LittleEndian.PutUint16(extra[4:], version)
		copy(extra[6:], "AE")
		extra[8] = enc.AES
		binary.LittleEndian.PutUint16(extra[9:], method)
		r.Extra, r.Method = extra[:], 99
		data = aesEncrypt([]byte(password), enc.AES, name, payload)
	}
	r.CSize = uint32(len(data))
	return r, data
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// traditionalEncrypt is APPNOTE 6.1.5–6.1.7 run forwards: the keys are
// updated with each plaintext byte. The 11 header bytes that should be
// random are fixed, so a test archive is the same every time.
func traditionalEncrypt(password []byte, check byte, data []byte) []byte {
	k := [3]uint32{305419896, 591751049, 878082192}
	step := func(c byte) {
		k[0] = crc32.IEEETable[(k[0]^uint32(c))&0xff] ^ k[0]>>8
		k[1] = (k[1]+(k[0]&0xff))*134775813 + 1
		k[2] = crc32.IEEETable[(k[2]^k[1]>>24)&0xff] ^ k[2]>>8
	}
	for _, c := range password {
		step(c)
	}
	plain := make([]byte, 0, 12+len(data))
	for i := range 11 {
		plain = append(plain, byte(i*37+11))
	}
	plain = append(plain, check)
	plain = append(plain, data...)
	out := make([]byte, len(plain))
	for i, p := range plain {
		t := k[2] | 2
		out[i] = p ^ byte((t*(t^1))>>8)
		step(p)
	}
	return out
}

// aesEncrypt writes salt, verification value, the data encrypted with
// AES-CTR as WinZip runs it (a little-endian counter block starting at 1)
// and the authentication code. The salt is made from the member's name,
// so a test archive is the same every time.
func aesEncrypt(password []byte, strength byte, name string, data []byte) []byte {
	keyLen := 8 + 8*int(strength)
	h := sha256.Sum256([]byte(name))
	salt := h[:keyLen/2]
	keys, err := pbkdf2.Key(sha1.New, string(password), salt, 1000, 2*keyLen+2)
	if err != nil {
		panic(err)
	}
	block, err := aes.NewCipher(keys[:keyLen])
	if err != nil {
		panic(err)
	}
	ct := make([]byte, len(data))
	var counter, ks [16]byte
	for i := range data {
		if i%16 == 0 {
			for j := range counter { // increment, little-endian, with carry
				counter[j]++
				if counter[j] != 0 {
					break
				}
			}
			block.Encrypt(ks[:], counter[:])
		}
		ct[i] = data[i] ^ ks[i%16]
	}
	mac := hmac.New(sha1.New, keys[keyLen:2*keyLen])
	mac.Write(ct)
	out := append([]byte{}, salt...)
	out = append(out, keys[2*keyLen:]...)
	out = append(out, ct...)
	return append(out, mac.Sum(nil)[:10]...)
}
