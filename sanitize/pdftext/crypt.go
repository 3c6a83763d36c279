package pdftext

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
)

// The standard security handler of ISO 32000-1 §7.6.3 (revisions 2-4, RC4
// and AES-128) and ISO 32000-2 §7.6.4 (revision 6, AES-256; revision 5 as
// Adobe shipped it). Only the empty user password is tried: a file that
// needs a password the recipient typed cannot be read at the boundary, and
// Extract reports ErrEncrypted for it. Nothing here protects a secret;
// MD5 and RC4 are what the format prescribes.

type cryptMethod uint8

const (
	cryptNone cryptMethod = iota
	cryptRC4
	cryptAESV2
	cryptAESV3
)

type crypter struct {
	key      []byte
	stm, str cryptMethod
}

// passwordPad is the padding string of §7.6.3.3, Algorithm 2, step (a).
var passwordPad = [32]byte{
	0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
	0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
}

// setupCrypt reads the encryption dictionary (§7.6.1, Table 20) and
// authenticates the empty user password. It returns ErrEncrypted when the
// file cannot be opened that way (another password, another handler).
func (d *document) setupCrypt() error {
	enc := d.dictOf(d.trailer["Encrypt"])
	if enc == nil {
		return ErrEncrypted
	}
	if d.nameOf(enc["Filter"]) != "Standard" {
		return ErrEncrypted // public-key or third-party handlers
	}
	str := func(k name) []byte {
		s, _ := d.resolve(enc[k]).(pdfString)
		return []byte(s)
	}
	v, _ := asInt(d.resolve(enc["V"]))
	r, _ := asInt(d.resolve(enc["R"]))
	length, ok := asInt(d.resolve(enc["Length"]))
	if !ok {
		length = 40
	}
	p, _ := asInt(d.resolve(enc["P"]))
	o, u := str("O"), str("U")
	var id0 []byte
	if ids, ok := d.resolve(d.trailer["ID"]).(array); ok && len(ids) > 0 {
		s, _ := d.resolve(ids[0]).(pdfString)
		id0 = []byte(s)
	}
	encryptMetadata := true
	if b, ok := d.resolve(enc["EncryptMetadata"]).(bool); ok {
		encryptMetadata = b
	}

	c := &crypter{stm: cryptRC4, str: cryptRC4}
	if v == 4 || v == 5 {
		// Crypt filters (§7.6.5): the methods named by /StmF and /StrF.
		cf := d.dictOf(enc["CF"])
		method := func(k name) cryptMethod {
			n := d.nameOf(enc[k])
			if n == "" || n == "Identity" {
				return cryptNone
			}
			f := d.dictOf(cf[n])
			switch d.nameOf(f["CFM"]) {
			case "V2":
				return cryptRC4
			case "AESV2":
				return cryptAESV2
			case "AESV3":
				return cryptAESV3
			case "None":
				return cryptNone
			}
			return cryptRC4
		}
		c.stm, c.str = method("StmF"), method("StrF")
		if c.stm == cryptNone && c.str == cryptNone {
			// Only embedded files are encrypted (/EFF, Table 20): the
			// pages read without a key, whatever the password; the
			// embedded files themselves are never read.
			d.crypt = c
			return nil
		}
	}

	switch {
	case r >= 2 && r <= 4 && (v >= 1 && v <= 4):
		n := int(length / 8)
		if v == 4 && !ok {
			n = 16 // §7.6.5: V4 keys are 128 bits; /Length is optional
		}
		if v == 1 || r == 2 {
			n = 5
		}
		if n < 5 || n > 16 {
			return ErrEncrypted
		}
		if len(o) < 32 || len(u) < 32 {
			return ErrEncrypted
		}
		key := fileKeyR4(nil, o[:32], uint32(p), id0, int(r), n, encryptMetadata)
		if !checkUserR4(key, u[:32], id0, int(r)) {
			return ErrEncrypted
		}
		c.key = key
	case (r == 5 || r == 6) && v == 5:
		ue := str("UE")
		if len(u) < 48 || len(ue) < 32 {
			return ErrEncrypted
		}
		h := func(salt []byte) []byte {
			if r == 5 {
				s := sha256.Sum256(salt) // empty password: SHA-256(salt)
				return s[:]
			}
			return hashR6(nil, salt, nil)
		}
		if !bytes.Equal(h(u[32:40]), u[:32]) {
			return ErrEncrypted
		}
		ik := h(u[40:48])
		key, ok := aesDecryptNoPad(ik, ue[:32])
		if !ok {
			return ErrEncrypted
		}
		c.key = key
		if c.stm != cryptNone {
			c.stm = cryptAESV3
		}
		if c.str != cryptNone {
			c.str = cryptAESV3
		}
	default:
		return ErrEncrypted
	}
	d.crypt = c
	return nil
}

// fileKeyR4 is Algorithm 2 (§7.6.3.3).
func fileKeyR4(pw, o []byte, p uint32, id0 []byte, r, n int, encryptMetadata bool) []byte {
	h := md5.New()
	padded := append(append([]byte{}, pw...), passwordPad[:]...)[:32]
	h.Write(padded)
	h.Write(o)
	h.Write([]byte{byte(p), byte(p >> 8), byte(p >> 16), byte(p >> 24)})
	h.Write(id0)
	if r >= 4 && !encryptMetadata {
		h.Write([]byte{0xff, 0xff, 0xff, 0xff})
	}
	key := h.Sum(nil)
	if r >= 3 {
		for range 50 {
			s := md5.Sum(key[:n])
			key = s[:]
		}
	}
	return key[:n]
}

// checkUserR4 is Algorithms 4 and 5 (and 6, which compares them).
func checkUserR4(key, u, id0 []byte, r int) bool {
	if r == 2 {
		c, _ := rc4.NewCipher(key)
		out := make([]byte, 32)
		c.XORKeyStream(out, passwordPad[:])
		return bytes.Equal(out, u[:32])
	}
	h := md5.New()
	h.Write(passwordPad[:])
	h.Write(id0)
	out := h.Sum(nil)
	k := make([]byte, len(key))
	for i := range 20 {
		for j := range key {
			k[j] = key[j] ^ byte(i)
		}
		c, _ := rc4.NewCipher(k)
		c.XORKeyStream(out, out)
	}
	return bytes.Equal(out[:16], u[:16])
}

// hashR6 is Algorithm 2.B of ISO 32000-2 §7.6.4.3.4.
func hashR6(pw, salt, udata []byte) []byte {
	h := sha256.New()
	h.Write(pw)
	h.Write(salt)
	h.Write(udata)
	k := h.Sum(nil)
	for i := 0; ; i++ {
		unit := make([]byte, 0, len(pw)+len(k)+len(udata))
		unit = append(unit, pw...)
		unit = append(unit, k...)
		unit = append(unit, udata...)
		k1 := bytes.Repeat(unit, 64)
		block, _ := aes.NewCipher(k[:16])
		e := make([]byte, len(k1))
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		sum := 0
		for _, b := range e[:16] {
			sum += int(b)
		}
		var hh hash.Hash
		switch sum % 3 {
		case 0:
			hh = sha256.New()
		case 1:
			hh = sha512.New384()
		default:
			hh = sha512.New()
		}
		hh.Write(e)
		k = hh.Sum(nil)
		if i >= 63 && int(e[len(e)-1]) <= i-31 {
			break
		}
	}
	return k[:32]
}

func aesDecryptNoPad(key, data []byte) ([]byte, bool) {
	block, err := aes.NewCipher(key)
	if err != nil || len(data)%aes.BlockSize != 0 {
		return nil, false
	}
	out := make([]byte, len(data))
	iv := make([]byte, aes.BlockSize)
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
	return out, true
}

// objectKey is Algorithm 1 (§7.6.2): the file key extended with the
// object number and generation (and "sAlT" for AES).
func (c *crypter) objectKey(owner ref, m cryptMethod) []byte {
	if m == cryptAESV3 {
		return c.key
	}
	h := md5.New()
	h.Write(c.key)
	h.Write([]byte{byte(owner.num), byte(owner.num >> 8), byte(owner.num >> 16), byte(owner.gen), byte(owner.gen >> 8)})
	if m == cryptAESV2 {
		h.Write([]byte("sAlT"))
	}
	return h.Sum(nil)[:min(len(c.key)+5, 16)]
}

func (c *crypter) decryptString(owner ref, data []byte) []byte {
	return c.decrypt(owner, data, c.str)
}

func (c *crypter) decryptStream(owner ref, data []byte) []byte {
	return c.decrypt(owner, data, c.stm)
}

func (c *crypter) decrypt(owner ref, data []byte, m cryptMethod) []byte {
	switch m {
	case cryptNone:
		return data
	case cryptRC4:
		k := c.objectKey(owner, m)
		ci, err := rc4.NewCipher(k)
		if err != nil {
			return nil
		}
		out := make([]byte, len(data))
		ci.XORKeyStream(out, data)
		return out
	}
	// AES-CBC with the IV in the first block and PKCS#5 padding
	// (§7.6.2, step (g) of Algorithm 1).
	if len(data) < 2*aes.BlockSize {
		return nil
	}
	block, err := aes.NewCipher(c.objectKey(owner, m))
	if err != nil {
		return nil
	}
	body := data[aes.BlockSize:]
	body = body[:len(body)-len(body)%aes.BlockSize]
	out := make([]byte, len(body))
	cipher.NewCBCDecrypter(block, data[:aes.BlockSize]).CryptBlocks(out, body)
	if n := int(out[len(out)-1]); n >= 1 && n <= aes.BlockSize && n <= len(out) {
		out = out[:len(out)-n]
	}
	return out
}
