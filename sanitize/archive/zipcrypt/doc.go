// Package zipcrypt holds the two ciphers of password-protected zip files,
// as the zip reader in package archive needs them: it decrypts, it never
// encrypts, and it works on byte slices (the archives it reads are in
// memory).
//
//   - Traditional PKWARE encryption ("ZipCrypto"), PKWARE APPNOTE.TXT
//     6.3.x section 6.1: three 32-bit keys initialised from the password
//     (6.1.5), a 12-byte encryption header in front of every member's data
//     whose last byte, once decrypted, repeats the high byte of the
//     member's CRC-32 (or of its DOS modification time when the sizes
//     follow in a data descriptor) so that a wrong password is caught
//     before any data is read (6.1.6), and a byte-wise stream cipher
//     (6.1.7). The check byte is the only check: one wrong password in 256
//     passes it, so a caller must still verify the CRC-32 of what it
//     decrypted.
//   - WinZip AES, "AES Encryption Information: Encryption Specification
//     AE-1 and AE-2" (WinZip, document version 1.04): per member a random
//     salt (8, 12 or 16 bytes for AES-128, -192, -256), a 2-byte password
//     verification value, the data encrypted with AES in counter mode, and
//     a 10-byte authentication code. The keys come from PBKDF2 with
//     HMAC-SHA1, 1000 iterations (RFC 8018 section 5.2), as 2×key length+2
//     bytes: the AES key, the HMAC key, the verification value. The counter
//     mode is Brian Gladman's, which WinZip uses: a 16-byte counter block
//     holding a little-endian integer that starts at 1, with no nonce — not
//     the big-endian counter of NIST SP 800-38A that crypto/cipher's CTR
//     implements. The authentication code is the first 10 bytes of
//     HMAC-SHA1 over the encrypted data; it is checked before anything is
//     decrypted, so tampered or damaged data is never decompressed. One
//     wrong password in 65,536 passes the verification value; none passes
//     the authentication code.
//
// PBKDF2 comes from crypto/pbkdf2 (the implementation golang.org/x/crypto's
// pbkdf2 now wraps), whose error — in FIPS 140-only mode it refuses the
// short salts AES-128 and -192 use — is returned rather than a panic.
package zipcrypt
