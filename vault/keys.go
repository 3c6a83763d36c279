package vault

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"filippo.io/age"
)

// Key files use age's own formats, so the age command line tools can read
// them: a recipients file has one public key ("age1...") per line, an
// identity file one private key ("AGE-SECRET-KEY-1...") per line; blank
// lines and lines starting with # are ignored in both.

// Default key file names in the vault directory (the embedded default).
const (
	RecipientsFileName = "recipients.txt"
	IdentityFileName   = "identity.txt"
)

// GenerateKey makes a new vault key pair (X25519, the age default).
func GenerateKey() (*age.X25519Identity, error) {
	return age.GenerateX25519Identity()
}

// WriteIdentityFile writes id to a new file at path, mode 0600, in the
// format age-keygen writes. It never replaces an existing file: losing an
// identity loses every original stored for it.
func WriteIdentityFile(path string, id *age.X25519Identity, now time.Time) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# created: %s\n", now.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "# public key: %s\n", id.Recipient())
	fmt.Fprintf(&b, "%s\n", id)
	return writeNewFile(path, b.Bytes(), 0o600)
}

// WriteRecipientsFile writes the public keys to a new file at path, mode
// 0644.
func WriteRecipientsFile(path string, recipients ...*age.X25519Recipient) error {
	var b bytes.Buffer
	b.WriteString("# mugai vault recipients: originals are encrypted to every key below.\n")
	for _, r := range recipients {
		fmt.Fprintf(&b, "%s\n", r)
	}
	return writeNewFile(path, b.Bytes(), 0o644)
}

// writeNewFile creates path (failing if it exists), writes data, and
// syncs the file and its directory.
func writeNewFile(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// LoadRecipients reads a recipients file.
func LoadRecipients(path string) ([]age.Recipient, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vault recipients: %w", err)
	}
	defer f.Close()
	rs, err := age.ParseRecipients(f)
	if err != nil {
		return nil, fmt.Errorf("vault recipients %s: %v", path, err)
	}
	return rs, nil
}

// LoadIdentities reads an identity file. It refuses a file that others
// may read: the identity opens every original.
func LoadIdentities(path string) ([]age.Identity, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vault identity: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("vault identity: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("vault identity %s is readable by others (mode %04o); chmod 600 it", path, st.Mode().Perm())
	}
	ids, err := age.ParseIdentities(f)
	if err != nil {
		return nil, fmt.Errorf("vault identity %s: %v", path, err)
	}
	return ids, nil
}

// recipientNames lists the public keys for the audit log, sorted so the
// same set always reads the same.
func recipientNames(rs []age.Recipient) string {
	names := make([]string, 0, len(rs))
	for _, r := range rs {
		if s, ok := r.(fmt.Stringer); ok {
			names = append(names, s.String())
		} else {
			names = append(names, fmt.Sprintf("%T", r))
		}
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}

// KeyFiles names the key files of a vault.
type KeyFiles struct {
	Recipients, Identity string
	// Created is true when EnsureKeys made a new pair.
	Created bool
}

// EnsureKeys makes the embedded default's key pair: when dir has neither
// a recipients nor an identity file, it creates both (the identity mode
// 0600) and logs where they are; when only the identity exists, it
// writes the recipients file from it. The gateway calls it at start when
// the configuration names no key files. An identity on the gateway itself
// is a convenience for trying mugai; production keeps it elsewhere.
func EnsureKeys(dir string, now time.Time, log *slog.Logger) (KeyFiles, error) {
	kf := KeyFiles{
		Recipients: filepath.Join(dir, RecipientsFileName),
		Identity:   filepath.Join(dir, IdentityFileName),
	}
	if _, err := os.Stat(kf.Recipients); err == nil {
		return kf, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return kf, fmt.Errorf("vault keys: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return kf, fmt.Errorf("vault keys: %w", err)
	}
	var id *age.X25519Identity
	switch ids, err := LoadIdentities(kf.Identity); {
	case err == nil:
		x, ok := ids[0].(*age.X25519Identity)
		if !ok {
			return kf, fmt.Errorf("vault keys: %s holds no X25519 identity to derive %s from", kf.Identity, RecipientsFileName)
		}
		id = x
	case errors.Is(err, fs.ErrNotExist):
		if id, err = GenerateKey(); err != nil {
			return kf, fmt.Errorf("vault keys: %w", err)
		}
		if err := WriteIdentityFile(kf.Identity, id, now); err != nil {
			return kf, fmt.Errorf("vault keys: %w", err)
		}
		kf.Created = true
	default:
		return kf, err
	}
	if err := WriteRecipientsFile(kf.Recipients, id.Recipient()); err != nil {
		return kf, fmt.Errorf("vault keys: %w", err)
	}
	if kf.Created {
		abs, _ := filepath.Abs(kf.Identity)
		log.Warn("vault: created a new key pair; originals are encrypted to its public key, and reading one needs the identity file: keep a copy of it somewhere safe and, in production, only off this machine",
			"identity", abs, "recipients", kf.Recipients, "public_key", id.Recipient().String())
	}
	return kf, nil
}

// An object's key. Each object (an original, a delivered copy) is age
// encrypted with a file key of its own that its header does not carry:
// the header holds only a stanza naming the kind (objectStanza); the key
// is wrapped to the vault's recipients and kept in the index. Purging
// the index's copy of it destroys the object (crypto-erase) wherever the
// object's bytes remain. Entries written before this scheme hold an
// X25519 identity (an "entry key") instead, to which the object was
// encrypted; unwrapKey reads both.
const (
	objectStanza = "mugai-vault-object"
	// fileKeyPrefix starts a wrapped file key, which an identity string
	// ("AGE-SECRET-KEY-1...") never does.
	fileKeyPrefix = "mugai vault file key 1\n"
)

// objectKeyRecipient is the age Recipient of a new object: it keeps the file key
// age makes for the object, to be wrapped for the index, and puts only
// its stanza in the object's header. It costs no public-key operation;
// the one wrap to the vault's recipients (wrapKey) is the only one.
type objectKeyRecipient struct{ key []byte }

// Wrap implements age.Recipient.
func (o *objectKeyRecipient) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	o.key = bytes.Clone(fileKey)
	return []*age.Stanza{{Type: objectStanza}}, nil
}

// fileKeyIdentity opens an object with its file key from the index.
type fileKeyIdentity struct{ key []byte }

// Unwrap implements age.Identity.
func (f fileKeyIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, s := range stanzas {
		if s.Type == objectStanza {
			return f.key, nil
		}
	}
	return nil, age.ErrIncorrectIdentity
}

// encryptObject encrypts r for a new object, returning the encrypted
// stream and the recipient holding its file key (set once encryptObject
// returns).
func encryptObject(r io.Reader) (io.Reader, *objectKeyRecipient, error) {
	k := &objectKeyRecipient{}
	enc, err := age.EncryptReader(r, k)
	if err != nil || len(k.key) == 0 {
		return nil, nil, fmt.Errorf("vault: encrypt: %v", err)
	}
	return enc, k, nil
}

// wrapKey encrypts an object's file key to the vault's recipients.
func wrapKey(fileKey []byte, recipients []age.Recipient) ([]byte, error) {
	var b bytes.Buffer
	w, err := age.Encrypt(&b, recipients...)
	if err != nil {
		return nil, err
	}
	if _, err := io.WriteString(w, fileKeyPrefix+string(fileKey)); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// unwrapKey decrypts an object's key: the identity that opens it.
func unwrapKey(wrapped []byte, identities []age.Identity) (age.Identity, error) {
	r, err := age.Decrypt(bytes.NewReader(wrapped), identities...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, ErrWrongKey
		}
		return nil, fmt.Errorf("decrypt entry key: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(r, 1024))
	if err != nil {
		return nil, fmt.Errorf("decrypt entry key: %w", err)
	}
	if k, ok := bytes.CutPrefix(b, []byte(fileKeyPrefix)); ok {
		return fileKeyIdentity{key: k}, nil
	}
	// An entry written before file keys: an X25519 identity.
	return age.ParseX25519Identity(string(b))
}
