package payload

import (
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/mugai/mugai/internal/testinput/payloadtest"
)

// pgpPacket builds a new-format OpenPGP packet (RFC 9580 §4.2.1).
func pgpPacket(tag int, body []byte) []byte {
	p := []byte{0xC0 | byte(tag)}
	switch n := len(body); {
	case n < 192:
		p = append(p, byte(n))
	case n < 8384:
		n -= 192
		p = append(p, byte(n>>8)+192, byte(n))
	default:
		p = append(p, 255)
		p = binary.BigEndian.AppendUint32(p, uint32(n))
	}
	return append(p, body...)
}

// pgpPartial builds a new-format packet whose body is sent in partial
// lengths of 512 bytes (RFC 9580 §4.2.1.4).
func pgpPartial(tag int, body []byte) []byte {
	p := []byte{0xC0 | byte(tag)}
	for len(body) > 512 {
		p = append(p, 224+9) // 1<<9
		p = append(p, body[:512]...)
		body = body[512:]
	}
	return append(p, pgpPacket(tag, body)[1:]...)
}

// pgpLegacy builds a legacy-format packet with a two-octet length.
func pgpLegacy(tag int, body []byte) []byte {
	p := []byte{0x80 | byte(tag)<<2 | 1}
	p = binary.BigEndian.AppendUint16(p, uint16(len(body)))
	return append(p, body...)
}

func literal(name string, data []byte) []byte {
	b := []byte{'b', byte(len(name))}
	b = append(b, name...)
	b = append(b, 0, 0, 0, 0)
	return append(b, data...)
}

func armor(label string, packets ...[]byte) string {
	var data []byte
	for _, p := range packets {
		data = append(data, p...)
	}
	return "-----BEGIN PGP " + label + "-----\nVersion: Test\n\n" +
		payloadtest.WrapBase64(base64.StdEncoding, data, 64) + "=nU1X\n-----END PGP " + label + "-----\n"
}

func TestPGP(t *testing.T) {
	r := payloadtest.FileBytes
	signature := armor("SIGNATURE", pgpPacket(2, r(20, 1000)))
	publicKey := armor("PUBLIC KEY BLOCK", pgpPacket(6, r(21, 800)), pgpPacket(13, []byte("Taro <taro@example.jp>")),
		pgpPacket(2, r(22, 300)), pgpPacket(14, r(23, 800)), pgpPacket(2, r(24, 300)))
	legacyKey := armor("PUBLIC KEY BLOCK", pgpLegacy(6, r(25, 900)), pgpLegacy(13, []byte("Taro")), pgpLegacy(2, r(26, 300)))
	encrypted := armor("MESSAGE", pgpPacket(1, r(27, 300)), pgpPartial(18, r(28, 2000)))
	lit := literal("setup.exe", r(29, 1500))
	signedFile := armor("MESSAGE", pgpPacket(4, r(30, 13)), pgpPacket(11, lit), pgpPacket(2, r(31, 300)))
	partialFile := armor("MESSAGE", pgpPartial(11, lit))
	compressed := armor("MESSAGE", pgpPacket(8, r(32, 2000)))
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), r(33, 1500)...)
	fakeSignature := "-----BEGIN PGP SIGNATURE-----\n\n" + payloadtest.WrapBase64(base64.StdEncoding, exe, 64) + "-----END PGP SIGNATURE-----\n"
	enarmor := "-----BEGIN PGP ARMORED FILE-----\nComment: Use \"gpg --dearmor\" for unpacking\n\n" +
		payloadtest.WrapBase64(base64.StdEncoding, exe, 64) + "=AbCd\n-----END PGP ARMORED FILE-----\n"
	clearsigned := "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nThe meeting is at 3pm.\n- -- \nTaro\n" + signature

	tests := []struct {
		name   string
		pieces []any
	}{
		{"signature", []any{proseBefore, signature, proseAfter}},
		{"quoted signature", []any{"> hi\n", quote(signature, "> "), proseAfter}},
		{"clearsigned", []any{clearsigned}},
		{"public key", []any{proseBefore, publicKey, proseAfter}},
		{"legacy packets", []any{legacyKey}},
		{"encrypted message", []any{proseBefore, encrypted, proseAfter}},
		{"signed file", []any{proseBefore, want{Base64, "setup.exe", signedFile, nil}, proseAfter}},
		{"partial lengths", []any{want{Base64, "setup.exe", partialFile, nil}}},
		{"compressed", []any{want{Base64, "", compressed, nil}}},
		{"not a signature", []any{proseBefore, want{Base64, "", fakeSignature, exe}, proseAfter}},
		{"enarmor", []any{want{Base64, "", enarmor, exe}}},
		{"unterminated", []any{"-----BEGIN PGP SIGNATURE-----\n\n", want{Base64, "", payloadtest.WrapBase64(base64.StdEncoding, exe, 64), exe}, "bye\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { check(t, Options{}, tt.pieces...) })
	}
}

func TestPGPPacketsMalformed(t *testing.T) {
	for _, data := range [][]byte{
		{0x00},
		{0xC2},
		{0xC2, 0xC5},
		{0xC2, 0xFF, 0, 0},
		{0xC2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1},
		{0xC2, 0xE1, 1},
		{0x89, 0x00},
		{0x8A, 0x00, 0x00, 0x01},
		{0xC2, 0x05, 1, 2},
	} {
		if pgpExempt("SIGNATURE", data) {
			t.Errorf("% x: exempt", data)
		}
		_ = pgpLiteralName(data)
	}
	if !strings.HasPrefix(armor("SIGNATURE", pgpPacket(2, []byte{1})), "-----BEGIN") {
		t.Fatal("armor helper is broken")
	}
}
