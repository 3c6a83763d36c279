package zipcrypt

import (
	"crypto/aes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
)

// AES constants of the WinZip specification.
const (
	// VerifierLen is the length of the password verification value.
	VerifierLen = 2
	// MACLen is the length of the authentication code after the data.
	MACLen = 10
	// iterations is the PBKDF2 iteration count.
	iterations = 1000
)

// Strength is the AES key size code of the 0x9901 extra field: 1, 2 or 3
// for AES-128, -192 and -256.
type Strength byte

// KeyLen is the AES key length in bytes, 0 for an unknown code.
func (s Strength) KeyLen() int {
	switch s {
	case 1:
		return 16
	case 2:
		return 24
	case 3:
		return 32
	}
	return 0
}

// SaltLen is the salt length in bytes: half the key length.
func (s Strength) SaltLen() int { return s.KeyLen() / 2 }

// Overhead is what the encryption adds to a member's data: salt,
// verification value and authentication code.
func (s Strength) Overhead() int { return s.SaltLen() + VerifierLen + MACLen }

func (s Strength) String() string {
	if n := s.KeyLen(); n != 0 {
		return fmt.Sprintf("AES-%d", n*8)
	}
	return fmt.Sprintf("AES strength %d", byte(s))
}

// ErrAuthentication reports data whose authentication code does not
// match: the data was changed or damaged (or, for one wrong password in
// 65,536, the password passed the verification value but is wrong).
var ErrAuthentication = errors.New("zipcrypt: authentication code mismatch")

// AESKeys are the keys PBKDF2 derives from a password and a member's salt.
type AESKeys struct {
	enc, mac []byte
	Verifier [VerifierLen]byte
}

// DeriveAES derives the keys of one member from the password's bytes and
// the member's salt, which must be s.SaltLen() bytes.
func DeriveAES(password, salt []byte, s Strength) (*AESKeys, error) {
	n := s.KeyLen()
	if n == 0 {
		return nil, fmt.Errorf("zipcrypt: unknown %v", s)
	}
	if len(salt) != s.SaltLen() {
		return nil, fmt.Errorf("zipcrypt: %v needs a salt of %d bytes, got %d", s, s.SaltLen(), len(salt))
	}
	b, err := pbkdf2.Key(sha1.New, string(password), salt, iterations, 2*n+VerifierLen)
	if err != nil {
		return nil, fmt.Errorf("zipcrypt: derive keys: %w", err)
	}
	k := &AESKeys{enc: b[:n], mac: b[n : 2*n]}
	copy(k.Verifier[:], b[2*n:])
	return k, nil
}

// Verify reports whether the stored verification value matches, in
// constant time (it is a function of the password).
func (k *AESKeys) Verify(stored []byte) bool {
	return len(stored) == VerifierLen && subtle.ConstantTimeCompare(stored, k.Verifier[:]) == 1
}

// Decrypt checks the authentication code of ciphertext and only then
// decrypts it, returning a new slice; a mismatch is ErrAuthentication.
func (k *AESKeys) Decrypt(ciphertext, code []byte) ([]byte, error) {
	m := hmac.New(sha1.New, k.mac)
	m.Write(ciphertext)
	if len(code) != MACLen || !hmac.Equal(m.Sum(nil)[:MACLen], code) {
		return nil, ErrAuthentication
	}
	block, err := aes.NewCipher(k.enc)
	if err != nil {
		return nil, fmt.Errorf("zipcrypt: %w", err)
	}
	out := make([]byte, len(ciphertext))
	var ctr, stream [aes.BlockSize]byte
	// Gladman's counter: a little-endian integer in the whole block, first
	// incremented to 1 before the first block. Members are far shorter
	// than 2^64 blocks, so the low eight bytes hold it.
	var n uint64
	for off := 0; off < len(ciphertext); off += aes.BlockSize {
		n++
		binary.LittleEndian.PutUint64(ctr[:8], n)
		block.Encrypt(stream[:], ctr[:])
		end := min(off+aes.BlockSize, len(ciphertext))
		subtle.XORBytes(out[off:end], ciphertext[off:end], stream[:end-off])
	}
	return out, nil
}
