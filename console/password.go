package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/argon2"
)

// HashParams are argon2id's cost parameters (RFC 9106 §3.1).
type HashParams struct {
	// Time is the number of passes, Memory the memory in KiB, Threads
	// the parallelism.
	Time    uint32
	Memory  uint32
	Threads uint8
}

// DefaultHashParams follow RFC 9106 §4's second recommended option
// (t=3, 64 MiB), with two lanes: a quarter of a second on a small server.
var DefaultHashParams = HashParams{Time: 3, Memory: 64 * 1024, Threads: 2}

const (
	saltLen = 16
	keyLen  = 32
	// MinPasswordLength is the shortest password the console accepts
	// (NIST SP 800-63B §5.1.1.2 asks for at least 8; the console guards
	// originals, so more).
	MinPasswordLength = 12
	maxPasswordLength = 1024
)

// HashPassword returns an argon2id hash of password in the PHC string
// format ("$argon2id$v=19$m=65536,t=3,p=2$salt$hash", unpadded base64),
// which keeps its parameters, so they can change without breaking old
// hashes.
func HashPassword(password string, p HashParams) string {
	salt := make([]byte, saltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// errBadHash: a stored hash is not one HashPassword wrote.
var errBadHash = errors.New("console: the stored password hash is not an argon2id hash mugai wrote")

// parseHash reads a PHC string. The parameters are bounded: a hash in
// the database must not make a sign-in take minutes or gigabytes.
func parseHash(s string) (p HashParams, salt, key []byte, err error) {
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" || f[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, errBadHash
	}
	var threads uint32
	if n, err := fmt.Sscanf(f[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); n != 3 || err != nil {
		return p, nil, nil, errBadHash
	}
	if p.Memory < 8 || p.Memory > 1<<20 || p.Time < 1 || p.Time > 64 || threads < 1 || threads > 16 {
		return p, nil, nil, errBadHash
	}
	p.Threads = uint8(threads)
	b64 := base64.RawStdEncoding
	if salt, err = b64.DecodeString(f[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, errBadHash
	}
	if key, err = b64.DecodeString(f[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errBadHash
	}
	return p, salt, key, nil
}

// CheckPassword reports whether password matches the hash.
func CheckPassword(hash, password string) bool {
	p, salt, key, err := parseHash(hash)
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// PasswordProblem says what is wrong with a new password, or "".
func PasswordProblem(pw string) string {
	switch n := utf8.RuneCountInString(pw); {
	case !utf8.ValidString(pw):
		return "the password is not valid UTF-8"
	case n < MinPasswordLength:
		return fmt.Sprintf("the password is too short: at least %d characters", MinPasswordLength)
	case len(pw) > maxPasswordLength:
		return fmt.Sprintf("the password is too long: at most %d bytes", maxPasswordLength)
	}
	return ""
}

// GeneratePassword returns a random password of 20 letters and digits
// (about 103 bits), grouped in fours for reading aloud.
func GeneratePassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	rand.Read(b)
	var s strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			s.WriteByte('-')
		}
		// 256 is not a multiple of 56: the bias (a few percent on some
		// letters) costs well under a bit of the ~103.
		s.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return s.String()
}

// TOTP: RFC 6238 with its common parameters (30 s, 6 digits, HMAC-SHA1),
// which every authenticator app reads from the otpauth:// URL.
const totpPeriod = 30

// NewTOTP makes a secret for account and returns the key (its Secret,
// URL and Image).
func NewTOTP(account string) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{Issuer: "mugai", AccountName: account, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// totpStep checks a code against secret at now, allowing one step of
// clock drift either way (RFC 6238 §5.2), and returns the step it
// matched, so the caller can refuse a code used before.
func totpStep(secret, code string, now time.Time) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 || secret == "" {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	for _, step := range []int64{cur - 1, cur, cur + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totp.ValidateOpts{
			Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}
