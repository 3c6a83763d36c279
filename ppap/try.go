package ppap

import (
	"context"
	"errors"

	"github.com/mugai/mugai/sanitize/archive"
)

// DefaultMaxMailTries bounds the quick checks one password mail may make
// over all the archives it pairs with (ppap.max_mail_tries).
const DefaultMaxMailTries = 20

// Held is an archive held for opening, parsed by archive.OpenEncrypted.
type Held struct {
	// ID is the caller's name for it (the vault id and the attachment);
	// Try only hands it back.
	ID      string
	Archive *archive.Encrypted
}

// Opened is an archive a candidate opened.
type Opened struct {
	ID string
	// Candidate is the index of the password in the candidates, so the
	// caller can say which line of the mail opened it without keeping or
	// logging the password itself.
	Candidate int
	// Decrypted holds the plain zip to flatten (flatten.Convert, in the
	// sandbox, with the archive limits) and the members that stayed locked.
	Decrypted *archive.Decrypted
}

// Result is what Try did.
type Result struct {
	Opened []Opened
	// Tries counts the quick checks made (archive.Encrypted.Check); a
	// check that passed was followed by one Decrypt.
	Tries int
	// Damaged lists the IDs of archives that some candidate passed the
	// quick check of but whose data did not authenticate, and that no
	// candidate opened: damaged, or a rare wrong password.
	Damaged []string
	// Exhausted is set when the budget ran out with pairs left untried.
	Exhausted bool
}

// Try puts each candidate, best first, to each archive it has not yet
// opened, and stops after maxTries quick checks (≤ 0: DefaultMaxMailTries).
// A check costs microseconds for traditional encryption and about a
// millisecond for AES-256, whatever the archive's size; only a candidate
// that passes it is decrypted in full (archive.Encrypted.Decrypt, bounded
// by the archive's size and limits). Candidate-major order means one
// password that opens several archives of the same sender costs one pass.
//
// Wrong candidates are not failures: the error is only ctx's.
func Try(ctx context.Context, held []Held, candidates []string, maxTries int) (*Result, error) {
	if maxTries <= 0 {
		maxTries = DefaultMaxMailTries
	}
	res := &Result{}
	opened := make([]bool, len(held))
	damaged := make([]bool, len(held))
	for ci, c := range candidates {
		for hi, h := range held {
			if opened[hi] {
				continue
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if res.Tries == maxTries {
				res.Exhausted = true
				return res.finish(held, opened, damaged), nil
			}
			res.Tries++
			if !h.Archive.Check(c) {
				continue
			}
			d, err := h.Archive.Decrypt(ctx, c)
			switch {
			case err == nil:
				opened[hi] = true
				res.Opened = append(res.Opened, Opened{ID: h.ID, Candidate: ci, Decrypted: d})
			case errors.Is(err, archive.ErrDamaged):
				damaged[hi] = true
			case errors.Is(err, archive.ErrPassword):
			default:
				return nil, err
			}
		}
	}
	return res.finish(held, opened, damaged), nil
}

func (r *Result) finish(held []Held, opened, damaged []bool) *Result {
	for i := range held {
		if damaged[i] && !opened[i] {
			r.Damaged = append(r.Damaged, held[i].ID)
		}
	}
	return r
}
