package console

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mugai/mugai/vault"
)

// A recipient link is <base URL>/r/<token>. The token binds a vault id, a
// recipient and an expiry with an HMAC-SHA256 (RFC 2104) under a key
// that only the gateways hold, so it cannot be guessed from the vault id
// (which the notice shows) or changed to another message or recipient:
//
//	version (1) | vault id without dashes (16) | expiry, Unix seconds (5) |
//	recipient tag (4) | MAC (16)
//
// in unpadded base64url: 56 characters. The tag (the first bytes of the
// SHA-256 of the lower-cased address) picks which of the message's
// recipients the link is for, without putting the address in the URL;
// the MAC covers the whole address. The MAC is cut to 128 bits, plenty
// for a value an attacker must guess online, at the page's rate limit.
//
// The sanitized copy of a message goes to every recipient of its
// transaction alike, so a link made for one recipient would be read by
// the others — Bcc recipients' links included. A transaction with
// several recipients therefore gets an entry link (version 2): the same
// layout with a zero tag and a MAC over the vault id and expiry alone.
// Its page asks the person for their own address and acts only for an
// address that is one of the envelope recipients (which it never shows);
// the guesses count against the link's rate limit. Per-recipient links
// need one recipient per transaction: Postfix's
// <transport>_destination_recipient_limit = 1 (docs/operations.md).

const (
	tokenVersion = 1
	// entryVersion is a link bound to the vault entry, not a recipient.
	entryVersion = 2
	tokenIDLen   = 16
	tokenLen     = 1 + tokenIDLen + 5 + 4 + 16
	linkKeyLen   = 32
)

// Links makes and checks recipient links.
type Links struct {
	base string
	key  []byte
}

// NewLinks makes links under baseURL (the console's address as the
// recipients reach it, e.g. "https://gw.city.example.lg.jp:8025") with
// key (LoadLinkKey).
func NewLinks(baseURL string, key []byte) (*Links, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("console: base URL %q is not an http(s) URL without query", baseURL)
	}
	if len(key) < 16 {
		return nil, errors.New("console: the link key is too short")
	}
	return &Links{base: strings.TrimSuffix(baseURL, "/"), key: key}, nil
}

// BaseURL is the console's base URL, the one the sanitizer must not
// defang in the notice.
func (l *Links) BaseURL() string { return l.base }

// URL returns the recipient page's address for the vault entry id and
// recipient rcpt, valid until expires (the entry's retention: Entry.Expires,
// or the time received plus vault.retention). The sanitizer's notice
// calls it for each recipient.
func (l *Links) URL(id, rcpt string, expires time.Time) (string, error) {
	tok, err := l.Token(id, rcpt, expires)
	if err != nil {
		return "", err
	}
	return l.base + "/r/" + tok, nil
}

// URLFor returns the link the notice of a message to rcpts carries: with
// one recipient, bound to it (URL); with several, an entry link whose
// page asks for the person's address (EntryURL), because every recipient
// reads the same notice.
func (l *Links) URLFor(id string, rcpts []string, expires time.Time) (string, error) {
	if len(rcpts) == 1 {
		return l.URL(id, rcpts[0], expires)
	}
	return l.EntryURL(id, expires)
}

// EntryURL returns the recipient page's address for the vault entry id,
// bound to no recipient (see URLFor), valid until expires.
func (l *Links) EntryURL(id string, expires time.Time) (string, error) {
	tok, err := l.token(entryVersion, id, "", expires)
	if err != nil {
		return "", err
	}
	return l.base + "/r/" + tok, nil
}

// Token returns the token of URL.
func (l *Links) Token(id, rcpt string, expires time.Time) (string, error) {
	if rcpt == "" {
		return "", errors.New("console: a link needs a recipient")
	}
	return l.token(tokenVersion, id, rcpt, expires)
}

// token makes a token of version v; rcpt is "" for an entry link.
func (l *Links) token(v byte, id, rcpt string, expires time.Time) (string, error) {
	id, err := vault.ParseID(id)
	if err != nil {
		return "", err
	}
	b := make([]byte, 0, tokenLen)
	b = append(b, v)
	b = append(b, strings.ReplaceAll(id, "-", "")...)
	var exp [8]byte
	binary.BigEndian.PutUint64(exp[:], uint64(max(expires.Unix(), 0)))
	b = append(b, exp[3:]...)
	if v == entryVersion {
		b = append(b, 0, 0, 0, 0)
	} else {
		b = append(b, recipientTag(rcpt)...)
	}
	b = append(b, l.mac(b[:1+tokenIDLen+5], rcpt)...)
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func recipientTag(rcpt string) []byte {
	h := sha256.Sum256([]byte(strings.ToLower(rcpt)))
	return h[:4]
}

// mac is the token's MAC over its fixed fields (the version first) and
// the recipient ("" in an entry link, whose version differs).
func (l *Links) mac(fields []byte, rcpt string) []byte {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte("mugai recipient link\x00"))
	m.Write(fields)
	m.Write([]byte{0})
	m.Write([]byte(strings.ToLower(rcpt)))
	return m.Sum(nil)[:16]
}

// link is a token that was read: not yet checked against an entry.
type link struct {
	token   string
	id      string
	expires time.Time
	tag     []byte
	fields  []byte
	sum     []byte
	// entry is set for an entry link (bound to no recipient).
	entry bool
}

var errBadToken = errors.New("console: not a valid recipient link")

// parse reads a token's fields.
func (l *Links) parse(token string) (*link, error) {
	if len(token) != base64.RawURLEncoding.EncodedLen(tokenLen) {
		return nil, errBadToken
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != tokenLen || (b[0] != tokenVersion && b[0] != entryVersion) {
		return nil, errBadToken
	}
	id, err := vault.ParseID(string(b[1 : 1+tokenIDLen]))
	if err != nil {
		return nil, errBadToken
	}
	var exp [8]byte
	copy(exp[3:], b[1+tokenIDLen:1+tokenIDLen+5])
	n := 1 + tokenIDLen + 5
	return &link{token: token, id: id, expires: time.Unix(int64(binary.BigEndian.Uint64(exp[:])), 0),
		fields: b[:n], tag: b[n : n+4], sum: b[n+4:], entry: b[0] == entryVersion}, nil
}

// entryValid checks the MAC of an entry link.
func (l *Links) entryValid(k *link) bool {
	return k.entry && hmac.Equal(l.mac(k.fields, ""), k.sum)
}

// claimed returns which of rcpts the address a person typed on an entry
// link's page is, "" when none, in any letter case (a domain's case never
// matters, and a local part's does not in practice). A case variant of
// one recipient's address can only name that recipient's own mailbox.
func claimed(typed string, rcpts []string) string {
	typed = strings.TrimSpace(typed)
	if typed == "" || len(typed) > 320 {
		return ""
	}
	for _, r := range rcpts {
		if strings.EqualFold(r, typed) {
			return r
		}
	}
	return ""
}

// claimToken vouches, in the forms of an entry link's page, for the
// address the person proved: the actions take it back without asking
// again, and it cannot be changed to another recipient.
func (l *Links) claimToken(token, rcpt string) string {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte("mugai recipient claim\x00" + token + "\x00" + strings.ToLower(rcpt)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// recipient returns which of rcpts the link was made for, checking the
// MAC; "" when none (a forged or altered token).
func (l *Links) recipient(k *link, rcpts []string) string {
	if k.entry {
		return ""
	}
	for _, r := range rcpts {
		if bytes.Equal(recipientTag(r), k.tag) && hmac.Equal(l.mac(k.fields, r), k.sum) {
			return r
		}
	}
	return ""
}

// formToken is the CSRF token of the recipient page's forms: derived
// from the link, so it needs no state.
func (l *Links) formToken(token string) string {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte("mugai recipient form\x00" + token))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// linkKeySetting names the key's fingerprint in the vault's meta table.
const linkKeySetting = "console_link_key"

// LinkKeyFileName is the key file's name in the state directory.
const LinkKeyFileName = "console-link.key"

// LoadLinkKey reads the recipient links' HMAC key from path (hex, mode
// 0600), creating it at first start. Every gateway sharing the vault
// must sign with the same key, so the vault's database records the key's
// fingerprint: the first instance to start claims it, and an instance
// with another key, or with none while one is claimed, refuses to start
// and says to copy the file (the key itself never goes into the
// database: a copy of the database cannot make links).
func LoadLinkKey(ctx context.Context, v *vault.Vault, path string, log *slog.Logger) ([]byte, error) {
	key, err := readKeyFile(path)
	claimed, cerr := v.Setting(ctx, linkKeySetting)
	if cerr != nil {
		return nil, cerr
	}
	switch {
	case errors.Is(err, fs.ErrNotExist) && claimed != "":
		return nil, fmt.Errorf("console: the link key file %s is missing, and the instances sharing this vault sign links with the key of fingerprint %s: copy their key file here (mode 0600)", path, claimed)
	case errors.Is(err, fs.ErrNotExist):
		key = make([]byte, linkKeyLen)
		rand.Read(key)
		if err := writeSecretFile(path, []byte(hex.EncodeToString(key)+"\n")); err != nil {
			return nil, fmt.Errorf("console: link key: %w", err)
		}
		abs, _ := filepath.Abs(path)
		log.Warn("console: created the key that signs recipient links; other gateways sharing this vault need a copy of it",
			"file", abs)
	case err != nil:
		return nil, err
	}
	fp := keyFingerprint(key)
	got, err := v.ClaimSetting(ctx, linkKeySetting, fp)
	if err != nil {
		return nil, err
	}
	if got != fp {
		return nil, fmt.Errorf("console: the link key in %s (fingerprint %s) differs from the one the instances sharing this vault use (fingerprint %s): copy their key file here", path, fp, got)
	}
	return key, nil
}

// keyFingerprint names a key without revealing it.
func keyFingerprint(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("mugai link key fingerprint"))
	return hex.EncodeToString(m.Sum(nil)[:8])
}

// readKeyFile reads a hex key file that only its owner may read.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("console: the link key file %s is readable by others (mode %04o); chmod 600 it", path, st.Mode().Perm())
	}
	b := make([]byte, 256)
	n, _ := f.Read(b)
	key, err := hex.DecodeString(strings.TrimSpace(string(b[:n])))
	if err != nil || len(key) < 16 {
		return nil, fmt.Errorf("console: the link key file %s does not hold a key (hex, at least 16 bytes)", path)
	}
	return key, nil
}

// writeSecretFile writes data to a new file at path, mode 0600, synced,
// through a temporary file renamed into place; it never replaces a file.
func writeSecretFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// Link, not rename: it fails when path exists instead of replacing it.
	if err := os.Link(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
