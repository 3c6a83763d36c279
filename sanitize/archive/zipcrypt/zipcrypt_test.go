package zipcrypt

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"testing"

	"github.com/mugai/mugai/internal/testinput/archivetest"
)

// The encrypted data comes from archivetest, which encrypts as the
// specifications say, written apart from this package; the zip files the
// real tools made are read in package archive's tests.

// TestAESLengths decrypts data of lengths around the 16-byte counter
// blocks, with each key size.
func TestAESLengths(t *testing.T) {
	for _, s := range []Strength{1, 2, 3} {
		for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 33, 1000} {
			t.Run(fmt.Sprintf("%v/%d", s, n), func(t *testing.T) {
				body := bytes.Repeat([]byte{'x', 'y', 'z'}, n)[:n]
				_, data := archivetest.EncryptedMember("pässword", archivetest.Encryption{AES: byte(s), Store: true}, "f", body)
				if len(data) != n+s.Overhead() {
					t.Fatalf("%d bytes of data for %d of body", len(data), n)
				}
				salt, ver := data[:s.SaltLen()], data[s.SaltLen():s.SaltLen()+VerifierLen]
				ct, code := data[s.SaltLen()+VerifierLen:len(data)-MACLen], data[len(data)-MACLen:]

				k, err := DeriveAES([]byte("pässword"), salt, s)
				if err != nil {
					t.Fatal(err)
				}
				if !k.Verify(ver) {
					t.Fatal("verification value does not match")
				}
				got, err := k.Decrypt(ct, code)
				if err != nil || !bytes.Equal(got, body) {
					t.Fatalf("Decrypt: %q, %v", got, err)
				}
				bad := bytes.Clone(code)
				bad[9] ^= 1
				if _, err := k.Decrypt(ct, bad); !errors.Is(err, ErrAuthentication) {
					t.Errorf("changed code: %v", err)
				}
				if _, err := k.Decrypt(ct, code[:9]); !errors.Is(err, ErrAuthentication) {
					t.Errorf("short code: %v", err)
				}
				if w, _ := DeriveAES([]byte("password"), salt, s); w.Verify(ver) && n == 1000 {
					t.Log("a wrong password passed the verification value (1 in 65,536)")
				}
			})
		}
	}
}

func TestDeriveAESErrors(t *testing.T) {
	if _, err := DeriveAES([]byte("pw"), make([]byte, 8), 4); err == nil {
		t.Error("strength 4 accepted")
	}
	if _, err := DeriveAES([]byte("pw"), make([]byte, 8), 3); err == nil {
		t.Error("AES-256 with an 8-byte salt accepted")
	}
	k, err := DeriveAES([]byte("pw"), make([]byte, 16), 3)
	if err != nil {
		t.Fatal(err)
	}
	if k.Verify(k.Verifier[:1]) {
		t.Error("a one-byte verifier matched")
	}
	if Strength(2).String() != "AES-192" || Strength(9).String() != "AES strength 9" || Strength(1).Overhead() != 20 {
		t.Error("Strength names or sizes")
	}
}

// TestTraditional decrypts the header and data of stored members, with
// the check byte taken from the CRC-32 and from the DOS time.
func TestTraditional(t *testing.T) {
	body := []byte("見積書の本文")
	for _, enc := range []archivetest.Encryption{{Store: true}, {Store: true, Deferred: true, ModTime: 0x4bc0}} {
		_, data := archivetest.EncryptedMember("Abc123!", enc, "f", body)
		check := byte(crc32.ChecksumIEEE(body) >> 24)
		if enc.Deferred {
			check = 0x4b
		}
		tr := NewTraditional([]byte("Abc123!"))
		if !tr.CheckHeader(data, check) {
			t.Fatalf("%+v: check byte does not match", enc)
		}
		got := make([]byte, len(data)-TraditionalHeaderLen)
		tr.Decrypt(got, data[TraditionalHeaderLen:])
		if !bytes.Equal(got, body) {
			t.Errorf("%+v: %q", enc, got)
		}
		if NewTraditional([]byte("Abc123!")).CheckHeader(data[:11], check) {
			t.Error("an 11-byte header passed")
		}
		if NewTraditional([]byte("abc123!")).CheckHeader(data, check) {
			t.Log("a wrong password passed the check byte (1 in 256)")
		}
	}
}

func BenchmarkDeriveAES256(b *testing.B) {
	salt := make([]byte, 16)
	for b.Loop() {
		DeriveAES([]byte("wrong password"), salt, 3)
	}
}
