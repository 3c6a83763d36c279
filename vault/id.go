package vault

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"
)

// Vault ids are 80 random bits in Crockford's base32 (no I, L, O or U,
// so a person can read one out on the telephone), written as four groups
// of four: "7K3M-9QXA-2B4C-D5E6". The id is what the notice shows and
// `mugai vault get` takes; 80 bits keep ids of several instances sharing
// one database apart without coordination (the primary key catches the
// impossible rest).
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var idEncoding = base32.NewEncoding(crockford).WithPadding(base32.NoPadding)

// idLen is the length of an id without its dashes.
const idLen = 16

// newID returns a fresh vault id.
func newID() string {
	var b [10]byte
	rand.Read(b[:]) // never fails (crypto/rand documents it)
	return groupID(idEncoding.EncodeToString(b[:]))
}

func groupID(s string) string {
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}

// ParseID reads a vault id as a person may type it: in any letter case,
// with or without dashes and spaces, and with O for 0 and I or L for 1
// (Crockford's rule). It returns the canonical form.
func ParseID(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case '-', ' ':
			continue
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if r > 0x7f || !strings.ContainsRune(crockford, r) {
			return "", fmt.Errorf("%w: %q is not a vault id (16 letters and digits, e.g. 7K3M-9QXA-2B4C-D5E6)", ErrNotFound, s)
		}
		b.WriteRune(r)
	}
	if b.Len() != idLen {
		return "", fmt.Errorf("%w: %q is not a vault id (16 letters and digits, e.g. 7K3M-9QXA-2B4C-D5E6)", ErrNotFound, s)
	}
	return groupID(b.String()), nil
}

// objectKey is where an entry's encrypted original is kept in the Store:
// under the day it was received, so a directory never grows without
// bound and the orphan sweep can look at recent days only.
func objectKey(id string, day string) string {
	return day + "/" + strings.ReplaceAll(id, "-", "")
}
