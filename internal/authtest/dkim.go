package authtest

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
)

// Key is a DKIM signing key of a domain and selector.
type Key struct {
	Domain, Selector string
	Signer           crypto.Signer
}

// NewRSAKey makes a 2048-bit RSA key. Keys take a while to make: tests
// make a few and share them.
func NewRSAKey(tb testing.TB, domain, selector string) *Key {
	tb.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	return &Key{Domain: domain, Selector: selector, Signer: k}
}

// NewEd25519Key makes an Ed25519 key (RFC 8463).
func NewEd25519Key(tb testing.TB, domain, selector string) *Key {
	tb.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return &Key{Domain: domain, Selector: selector, Signer: k}
}

// RecordName is where the key's record lives (RFC 6376 §3.6.2.1).
func (k *Key) RecordName() string { return k.Selector + "._domainkey." + k.Domain }

// Record is the key's DNS TXT record (RFC 6376 §3.6.1).
func (k *Key) Record() string {
	switch pub := k.Signer.Public().(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			panic(err)
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	}
	panic("unknown key type")
}

// Publish serves the key's record.
func (k *Key) Publish(s *DNSServer) { s.TXT(k.RecordName(), k.Record()) }

// Sign signs msg with go-msgauth's signer (relaxed/relaxed) and returns
// the signed message.
func (k *Key) Sign(tb testing.TB, msg []byte) []byte {
	tb.Helper()
	var out bytes.Buffer
	err := dkim.Sign(&out, bytes.NewReader(msg), &dkim.SignOptions{
		Domain: k.Domain, Selector: k.Selector, Signer: k.Signer,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             []string{"From", "To", "Subject", "Date", "Message-ID"},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

// DKIMSign is the path of Debian's python3-dkim signer, the independent
// implementation signed mail is checked against.
const DKIMSign = "/usr/bin/dkimsign"

// SignExternal signs msg with python3-dkim's dkimsign (an RSA key, the
// given canonicalizations, "relaxed" or "simple"). It skips the test when
// dkimsign is not installed (.ci/run installs it).
func (k *Key) SignExternal(tb testing.TB, msg []byte, hcanon, bcanon string) []byte {
	tb.Helper()
	if _, err := os.Stat(DKIMSign); err != nil {
		tb.Skipf("%s not installed (apt-get install python3-dkim): skipping the independent signer", DKIMSign)
	}
	key, ok := k.Signer.(*rsa.PrivateKey)
	if !ok {
		tb.Fatal("SignExternal needs an RSA key")
	}
	path := filepath.Join(tb.TempDir(), "key.pem")
	p := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(path, p, 0o600); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(DKIMSign, "--hcanon", hcanon, "--bcanon", bcanon, k.Selector, k.Domain, path)
	cmd.Stdin = bytes.NewReader(msg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("dkimsign: %v: %s", err, stderr.String())
	}
	// dkimsign writes the signature field and then the message as given;
	// make the signature's line ends match the message's CRLF.
	if bytes.Contains(msg, []byte("\r\n")) {
		out = bytes.ReplaceAll(bytes.ReplaceAll(out, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
	}
	if !strings.HasPrefix(string(out), "DKIM-Signature:") {
		tb.Fatalf("dkimsign wrote no signature: %.200q", out)
	}
	return out
}
