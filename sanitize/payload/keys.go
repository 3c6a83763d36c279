package payload

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"strings"
)

// Keys and certificates pasted into mail are base64 of binary DER or SSH
// wire data, and long enough to be taken for a file; they are not one. A
// block is left alone as a key or certificate only when its bytes parse
// as the structure its label names (RFC 7468 §5–§13: the labels of PEM
// text; RFC 4253 §6.6 and RFC 4716 for SSH keys) and hold no file
// (embeddedFile). PKCS #7 and CMS blocks get no such exception: they can
// carry the signed file itself.

// pemLabel returns the label of a "-----BEGIN <label>-----" line (RFC 7468
// §2), or "".
func pemLabel(l string) string {
	l = strings.TrimSpace(trimB64(l))
	label, ok := strings.CutPrefix(l, "-----BEGIN ")
	if !ok {
		return ""
	}
	label, _ = strings.CutSuffix(label, "-----")
	return label
}

// isKeyOrCertificate reports whether der is a certificate, a certificate
// request or revocation list, or a public or private key, as label says.
func isKeyOrCertificate(label string, der []byte) bool {
	var err error
	switch label {
	case "CERTIFICATE", "TRUSTED CERTIFICATE", "X509 CERTIFICATE":
		_, err = x509.ParseCertificate(der)
		if err != nil && label == "TRUSTED CERTIFICATE" {
			// OpenSSL's trusted form: a certificate and then its trust
			// settings.
			var cert asn1.RawValue
			if _, err = asn1.Unmarshal(der, &cert); err == nil {
				_, err = x509.ParseCertificate(cert.FullBytes)
			}
		}
	case "X509 CRL":
		_, err = x509.ParseRevocationList(der)
	case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
		_, err = x509.ParseCertificateRequest(der)
	case "PUBLIC KEY":
		_, err = x509.ParsePKIXPublicKey(der)
	case "RSA PUBLIC KEY":
		_, err = x509.ParsePKCS1PublicKey(der)
	case "PRIVATE KEY":
		_, err = x509.ParsePKCS8PrivateKey(der)
	case "RSA PRIVATE KEY":
		_, err = x509.ParsePKCS1PrivateKey(der)
	case "EC PRIVATE KEY":
		_, err = x509.ParseECPrivateKey(der)
	case "ENCRYPTED PRIVATE KEY":
		// RFC 5958 §3 EncryptedPrivateKeyInfo: an algorithm and the
		// encrypted key, nothing after it.
		var info struct {
			Algorithm pkix.AlgorithmIdentifier
			Data      []byte
		}
		var rest []byte
		rest, err = asn1.Unmarshal(der, &info)
		if err == nil && len(rest) > 0 {
			return false
		}
	case "OPENSSH PRIVATE KEY":
		// The openssh-key-v1 format (OpenSSH's PROTOCOL.key).
		return strings.HasPrefix(string(der), "openssh-key-v1\x00")
	default:
		return false
	}
	return err == nil
}

// isSSHPublicKey reports whether data is an SSH public key blob (RFC 4253
// §6.6): a sequence of length-prefixed strings, the first an algorithm
// name ("ssh-rsa", "ecdsa-sha2-nistp256", "sk-ssh-ed25519@openssh.com"),
// that ends exactly at the end of data.
func isSSHPublicKey(data []byte) bool {
	first := true
	for len(data) > 0 {
		if len(data) < 4 {
			return false
		}
		n := binary.BigEndian.Uint32(data)
		if uint64(n) > uint64(len(data)-4) {
			return false
		}
		field := string(data[4 : 4+n])
		if first {
			if n > 64 || !(strings.HasPrefix(field, "ssh-") || strings.HasPrefix(field, "ecdsa-") || strings.HasPrefix(field, "sk-")) {
				return false
			}
			first = false
		}
		data = data[4+n:]
	}
	return !first
}
