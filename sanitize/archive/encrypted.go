package archive

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"golang.org/x/text/encoding/japanese"

	"github.com/mugai/mugai/sanitize/archive/zipcrypt"
)

// Errors of OpenEncrypted and Encrypted.Decrypt. A wrong password and a
// damaged archive are told apart: ErrPassword means the quick check (the
// traditional check byte, the AES verification value) failed, so the
// password is wrong and nothing was decrypted; ErrDamaged means the archive
// itself is broken, whatever the password.
var (
	// ErrNotEncrypted: the zip has no encrypted entry; Walk reads it.
	ErrNotEncrypted = errors.New("archive: zip has no encrypted entry")
	// ErrPassword: the password does not open any encrypted entry.
	ErrPassword = errors.New("archive: wrong password")
	// ErrDamaged: the zip is broken (its structure, or encrypted data that
	// passed the password check but does not authenticate — which, for
	// one wrong password in 256 or 65,536, is also what a wrong password
	// that passed the check gives).
	ErrDamaged = errors.New("archive: damaged encrypted zip")
)

// Encrypted is a password-protected zip file held in memory, parsed once so
// that many passwords can be tried against it cheaply: Check costs the
// decryption of 12 bytes (traditional encryption) or one PBKDF2 derivation
// (AES, about a millisecond), whatever the archive's size.
//
// Decrypt turns it into a plain zip — the same members, in the same order,
// under the same raw names and name flags, their data decrypted but still
// compressed — which Walk (and so the sanitizer's flattening, with its
// limits) reads exactly like any other zip. Decrypting never decompresses
// beyond the Limits, so a zip bomb behind a password costs no more than an
// open one. An Encrypted is read-only after OpenEncrypted and may be used
// concurrently.
type Encrypted struct {
	data    []byte
	lim     Limits
	entries []encEntry
	first   int // the entry Check tries: the first that can be decrypted
}

// flagDataDescriptor is general purpose bit 3 (APPNOTE 4.4.4): CRC-32
// and sizes follow the data in a data descriptor.
const flagDataDescriptor = 1 << 3

type encScheme int

const (
	schemePlain       encScheme = iota // not encrypted, or a directory
	schemeTraditional                  // APPNOTE 6.1
	schemeAES                          // WinZip AE-1, AE-2
	schemeUnsupported                  // encrypted in a way this reader cannot decrypt
)

type encEntry struct {
	zipEntry
	scheme encScheme
	aes    aesField
	why    string // for schemeUnsupported: what the encryption is
}

// aesField is the WinZip AES extra field (0x9901): vendor version
// (1 = AE-1, 2 = AE-2), vendor ID "AE", strength, and the compression
// method the data had before it was encrypted (the header's method is 99).
type aesField struct {
	version  uint16
	strength zipcrypt.Strength
	method   uint16
}

// OpenEncrypted parses a password-protected zip: the central directory
// with archive/zip, each encrypted entry's scheme, and the same checks Walk
// makes before reading (entry count, overlapping data). Errors: a
// *LimitError or *OverlapError (hostile), ErrDamaged (wrapping archive/zip's
// error or saying which entry is broken), ErrNotEncrypted, or ErrUnsupported
// when every encrypted entry uses an encryption this reader does not know
// (PKWARE strong encryption, an unknown AES field).
func OpenEncrypted(data []byte, lim Limits) (*Encrypted, error) {
	lim = lim.withDefaults()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("%w: %w", ErrDamaged, err)
	}
	if len(zr.File) > lim.Entries {
		return nil, &LimitError{What: limitEntries, Limit: int64(lim.Entries)}
	}
	a := &Encrypted{data: data, lim: lim, entries: make([]encEntry, len(zr.File)), first: -1}
	plain := make([]zipEntry, len(zr.File))
	for i, f := range zr.File {
		plain[i] = inspectZip(f, int64(len(data)))
		if plain[i].damaged != "" {
			return nil, fmt.Errorf("%w: entry %q: %s", ErrDamaged, plain[i].path, plain[i].damaged)
		}
	}
	if err := checkOverlap(plain); err != nil {
		return nil, err
	}
	encrypted, unsupported := 0, ""
	for i := range plain {
		e := &a.entries[i]
		e.zipEntry = plain[i]
		if err := e.classify(); err != nil {
			return nil, err
		}
		switch e.scheme {
		case schemePlain:
			continue
		case schemeUnsupported:
			unsupported = e.why
		default:
			if a.first < 0 {
				a.first = i
			}
		}
		encrypted++
	}
	switch {
	case encrypted == 0:
		return nil, ErrNotEncrypted
	case a.first < 0:
		return nil, fmt.Errorf("archive: %s: %w", unsupported, ErrUnsupported)
	}
	return a, nil
}

// classify works out how e is encrypted, failing for an entry whose data
// is too short to hold what its encryption puts in front of it.
func (e *encEntry) classify() error {
	f := e.f
	if !zipEncrypted(f) || isDirName(f.Name) {
		// A directory has no data to decrypt, whatever its flags say.
		return nil
	}
	field, isAES := findExtra(f.Extra, extraAES)
	switch {
	case f.Flags&(flagStrongEncrypted|flagMaskedHeader) != 0:
		// APPNOTE section 7, Strong Encryption Specification: certificate
		// and password based, never written by the tools mail comes from.
		e.scheme, e.why = schemeUnsupported, "PKWARE strong encryption"
	case isAES || f.Method == 99:
		if !isAES || len(field) < 7 {
			return fmt.Errorf("%w: entry %q: method 99 (AES) without a valid AES extra field", ErrDamaged, e.path)
		}
		af := aesField{
			version:  binary.LittleEndian.Uint16(field),
			strength: zipcrypt.Strength(field[4]),
			method:   binary.LittleEndian.Uint16(field[5:]),
		}
		if string(field[2:4]) != "AE" || (af.version != 1 && af.version != 2) || af.strength.KeyLen() == 0 {
			e.scheme, e.why = schemeUnsupported, fmt.Sprintf("unknown AES encryption (vendor %q, version %d, strength %d)", field[2:4], af.version, field[4])
			return nil
		}
		if e.compressed < int64(af.strength.Overhead()) {
			return fmt.Errorf("%w: entry %q: %d bytes of data cannot hold the %v salt, verifier and authentication code", ErrDamaged, e.path, e.compressed, af.strength)
		}
		e.scheme, e.aes = schemeAES, af
	default:
		if e.compressed < zipcrypt.TraditionalHeaderLen {
			return fmt.Errorf("%w: entry %q: %d bytes of data cannot hold the 12-byte encryption header", ErrDamaged, e.path, e.compressed)
		}
		e.scheme = schemeTraditional
	}
	return nil
}

func isDirName(name string) bool {
	return name != "" && (name[len(name)-1] == '/' || name[len(name)-1] == '\\')
}

// Scheme names the encryption of the first entry Check tries:
// "zipcrypto" (PKWARE traditional), "aes-128", "aes-192" or "aes-256".
func (a *Encrypted) Scheme() string {
	e := &a.entries[a.first]
	if e.scheme == schemeAES {
		return fmt.Sprintf("aes-%d", e.aes.strength.KeyLen()*8)
	}
	return "zipcrypto"
}

// raw is the entry's data as stored (encrypted, compressed).
func (a *Encrypted) raw(e *encEntry) []byte {
	return a.data[e.dataStart : e.dataStart+e.compressed]
}

// Check reports whether password passes the quick check of the first
// encrypted entry: the traditional check byte (one wrong password in 256
// passes it) or the AES verification value (one in 65,536). Decrypt makes
// the full check. Each of passwordForms is tried.
func (a *Encrypted) Check(password string) bool {
	for _, pw := range passwordForms(password) {
		if a.check(&a.entries[a.first], pw) {
			return true
		}
	}
	return false
}

func (a *Encrypted) check(e *encEntry, pw []byte) bool {
	raw := a.raw(e)
	if e.scheme == schemeTraditional {
		return zipcrypt.NewTraditional(pw).CheckHeader(raw, checkByte(e.f))
	}
	n := e.aes.strength.SaltLen()
	k, err := zipcrypt.DeriveAES(pw, raw[:n], e.aes.strength)
	return err == nil && k.Verify(raw[n:n+zipcrypt.VerifierLen])
}

// checkByte is what the last byte of the traditional encryption header
// must decrypt to (APPNOTE 6.1.6): the high byte of the CRC-32, or, when
// bit 3 defers the CRC to a data descriptor, of the DOS time, as Info-ZIP
// writes it (the writer encrypts before it knows the CRC).
func checkByte(f *zip.File) byte {
	if f.Flags&flagDataDescriptor != 0 {
		return byte(f.ModifiedTime >> 8) // the raw DOS time, which Modified is made from
	}
	return byte(f.CRC32 >> 24)
}

// passwordForms are the byte strings a typed password may have been
// encrypted with. Zip has no rule for the traditional scheme: Info-ZIP
// and macOS use the bytes of the locale (UTF-8), Windows tools the ANSI
// code page, which on Japanese Windows is CP932 (Shift_JIS); WinZip's AES
// and 7-Zip use UTF-8. So a password that is not ASCII is tried as UTF-8
// and then as Shift_JIS.
func passwordForms(password string) [][]byte {
	forms := [][]byte{[]byte(password)}
	for i := 0; i < len(password); i++ {
		if password[i] >= 0x80 {
			if sjis, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(password)); err == nil {
				forms = append(forms, sjis)
			}
			break
		}
	}
	return forms
}

// Decrypted is the plain zip Decrypt made.
type Decrypted struct {
	// Zip holds every member of the archive in order, under its raw name
	// and name flags (so Walk decodes Shift_JIS, UTF-8 and Unicode Path
	// names exactly as it would in the original), with the opened members'
	// data decrypted and still compressed. It is smaller than the
	// encrypted archive (each opened member loses its encryption header,
	// or salt, verifier and authentication code), and at most twice its
	// size whatever the input (local headers carry the central directory's
	// extra fields).
	Zip []byte
	// Opened counts the members decrypted.
	Opened int
	// Locked are the cleaned paths of encrypted members that are still
	// encrypted in Zip, so Walk reports them as Encrypted: another
	// password, an encryption this reader does not know, or data that does
	// not authenticate.
	Locked []string
}

// Decrypt decrypts every encrypted member the password opens and returns
// the plain zip. The password is first put to the quick check of the
// first encrypted entry (each of its passwordForms); if none passes, the
// error is ErrPassword and nothing else is done. Then each entry is
// checked and decrypted on its own: AES data only after its
// authentication code matched; traditional data is verified by its
// CRC-32, decompressing within the Limits (a member past them is left to
// Walk, which stops at the same limits; its CRC-32 is still checked there).
// If no member opens, the error is ErrPassword when every check failed,
// or ErrDamaged when some passed but their data did not authenticate.
// ctx is checked between entries.
func (a *Encrypted) Decrypt(ctx context.Context, password string) (*Decrypted, error) {
	var pw []byte
	for _, form := range passwordForms(password) {
		if a.check(&a.entries[a.first], form) {
			pw = form
			break
		}
	}
	if pw == nil {
		return nil, ErrPassword
	}
	var buf bytes.Buffer
	buf.Grow(len(a.data))
	zw := zip.NewWriter(&buf)
	out := &Decrypted{}
	v := verifier{lim: a.lim}
	unauthentic := 0
	for i := range a.entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e := &a.entries[i]
		payload, reason := a.decryptEntry(e, pw, &v)
		switch {
		case e.scheme == schemePlain:
		case reason == "":
			out.Opened++
		default:
			if reason == reasonUnauthentic {
				unauthentic++
			}
			out.Locked = append(out.Locked, e.path)
		}
		if err := writePlain(zw, e, payload, reason == "", a.raw(e)); err != nil {
			return nil, fmt.Errorf("archive: write the decrypted zip: %w", err)
		}
	}
	switch {
	case out.Opened > 0:
	case unauthentic > 0:
		return nil, fmt.Errorf("%w: the password passed the check, but the data of %d member(s) does not authenticate", ErrDamaged, unauthentic)
	default:
		return nil, ErrPassword
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("archive: write the decrypted zip: %w", err)
	}
	out.Zip = buf.Bytes()
	return out, nil
}

// Why an encrypted entry stays locked.
const (
	reasonOtherPassword = "another password"
	reasonUnauthentic   = "does not authenticate"
	reasonUnsupported   = "unsupported encryption"
)

// decryptEntry returns e's decrypted (still compressed) data, or why it
// stays locked. Plain entries return their data as is.
func (a *Encrypted) decryptEntry(e *encEntry, pw []byte, v *verifier) ([]byte, string) {
	raw := a.raw(e)
	switch e.scheme {
	case schemePlain:
		return raw, ""
	case schemeUnsupported:
		return nil, reasonUnsupported
	case schemeTraditional:
		t := zipcrypt.NewTraditional(pw)
		if !t.CheckHeader(raw, checkByte(e.f)) {
			return nil, reasonOtherPassword
		}
		payload := make([]byte, len(raw)-zipcrypt.TraditionalHeaderLen)
		t.Decrypt(payload, raw[zipcrypt.TraditionalHeaderLen:])
		if !v.crcMatches(e, payload) {
			return nil, reasonUnauthentic
		}
		return payload, ""
	}
	s := e.aes.strength
	n := s.SaltLen()
	k, err := zipcrypt.DeriveAES(pw, raw[:n], s)
	if err != nil || !k.Verify(raw[n:n+zipcrypt.VerifierLen]) {
		return nil, reasonOtherPassword
	}
	payload, err := k.Decrypt(raw[n+zipcrypt.VerifierLen:len(raw)-zipcrypt.MACLen], raw[len(raw)-zipcrypt.MACLen:])
	if err != nil {
		return nil, reasonUnauthentic
	}
	return payload, ""
}

// verifier checks the CRC-32 of traditionally encrypted members, the only
// way to tell their right password from one of the 1 in 256 wrong ones
// that pass the check byte. It decompresses within the same bounds as
// Walk, counting what it decompressed against TotalBytes; once a member
// passes a limit, it and the members after it are taken unverified (Walk
// stops at that limit; a member it does read has its CRC-32 checked by
// archive/zip, so garbage never passes as text).
type verifier struct {
	lim     Limits
	used    int64
	stopped bool
}

// crcMatches reports whether payload, decompressed, has e's CRC-32 and
// size. A method it cannot decompress passes (Walk skips such members).
func (v *verifier) crcMatches(e *encEntry, payload []byte) bool {
	if v.stopped {
		return true
	}
	var r io.Reader
	switch e.f.Method {
	case zip.Store:
		r = bytes.NewReader(payload)
	case zip.Deflate:
		fr := flate.NewReader(bytes.NewReader(payload))
		defer fr.Close()
		r = fr
	default:
		return true
	}
	b := entryBound(v.lim, v.used, int64(len(payload)))
	if clampSize(e.f.UncompressedSize64) > b.max {
		v.stopped = true
		return true
	}
	h := crc32.NewIEEE()
	n, err := io.Copy(h, io.LimitReader(r, b.max+1))
	switch {
	case n > b.max:
		v.stopped = true
		return true
	case err != nil:
		return false
	}
	v.used += n
	return uint64(n) == e.f.UncompressedSize64 && h.Sum32() == e.f.CRC32
}

// writePlain writes e into the plain zip: decrypted (opened) with the
// method it was compressed with and without the encryption flag, or as
// it was (a plain entry, or one that stays locked). Only the extra fields
// Walk reads are kept — the Info-ZIP Unicode Path, and the AES field of a
// locked AES entry — so no stale ZIP64 or timestamp field can disagree
// with the new headers. The sizes go in the local header, never in a data
// descriptor.
func writePlain(zw *zip.Writer, e *encEntry, payload []byte, opened bool, raw []byte) error {
	f := e.f
	fh := &zip.FileHeader{
		Name:               f.Name,
		Flags:              f.Flags &^ flagDataDescriptor,
		Method:             f.Method,
		CRC32:              f.CRC32,
		UncompressedSize64: f.UncompressedSize64,
		CreatorVersion:     f.CreatorVersion,
		ReaderVersion:      20,
		ExternalAttrs:      f.ExternalAttrs,
	}
	keep := []uint16{extraUnicodePath}
	data := raw
	if opened && e.scheme != schemePlain {
		data = payload
		fh.Flags &^= flagEncrypted
		if e.scheme == schemeAES {
			fh.Method = e.aes.method
			if e.aes.version == 2 {
				// AE-2 leaves the CRC-32 out (or, for some writers, in but
				// meaningless): the authentication code stood in for it.
				fh.CRC32 = 0
			}
		}
	} else if e.scheme != schemePlain {
		keep = append(keep, extraAES)
	}
	for _, id := range keep {
		if v, ok := findExtra(f.Extra, id); ok {
			fh.Extra = binary.LittleEndian.AppendUint16(fh.Extra, id)
			fh.Extra = binary.LittleEndian.AppendUint16(fh.Extra, uint16(len(v)))
			fh.Extra = append(fh.Extra, v...)
		}
	}
	if isDirName(f.Name) {
		// Nothing of a directory is encrypted, whatever its flags said.
		fh.Flags &^= flagEncrypted | flagStrongEncrypted | flagMaskedHeader
		fh.Method, fh.CRC32 = zip.Store, 0
		if f.Name[len(f.Name)-1] == '/' {
			// archive/zip writes no data for a directory; Walk skips it.
			fh.UncompressedSize64, data = 0, nil
		}
	}
	fh.CompressedSize64 = uint64(len(data))
	w, err := zw.CreateRaw(fh)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}
