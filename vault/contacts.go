package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
)

// maxContactRcpts bounds the recipients one HasWritten question names.
const maxContactRcpts = 100

// HasWritten reports whether a message whose From field showed the
// address from was delivered to any of the recipients to before: the
// question of auth.first_contact_note ("has this sender written to this
// recipient before?"). Addresses compare without regard to letter case.
// The index knows the authors of the messages whose outcome it recorded
// (RecordOutcome's Headers.From), from schema version 4 on, also after an
// original was purged; a message still in flight does not count.
func (v *Vault) HasWritten(ctx context.Context, from string, to []string) (bool, error) {
	from = strings.ToLower(strings.TrimSpace(from))
	if from == "" || len(to) == 0 {
		return false, nil
	}
	if len(to) > maxContactRcpts {
		to = to[:maxContactRcpts]
	}
	// search_rcpts is the recipients, lower case, one per line: a
	// recipient is a whole line of it.
	args := []any{from, "\n"}
	var or []string
	for _, r := range to {
		args = append(args, "%\n"+escapeLike(strings.ToLower(r))+"\n%")
		or = append(or, "(CAST($2 AS TEXT) || search_rcpts || CAST($2 AS TEXT)) LIKE $"+strconv.Itoa(len(args))+` ESCAPE '\'`)
	}
	var one int
	err := v.ix.db.QueryRowContext(ctx, `SELECT 1 FROM entries WHERE author = $1 AND delivered = 1 AND (`+
		strings.Join(or, " OR ")+`) LIMIT 1`, args...).Scan(&one)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	}
	return false, fmt.Errorf("vault index: has written: %w", err)
}

// authorOf is the address a decoded From field shows ("山田 <a@b.jp>",
// "a@b.jp"), lower case; "" when it shows none.
func authorOf(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		return strings.ToLower(a.Address)
	}
	// A display name net/mail refuses (unquoted specials): the address
	// in the last angle brackets.
	if i := strings.LastIndexByte(from, '<'); i >= 0 {
		if j := strings.IndexByte(from[i:], '>'); j > 0 {
			from = from[i+1 : i+j]
		}
	}
	from = strings.TrimSpace(from)
	if strings.Count(from, "@") == 0 || strings.ContainsAny(from, " <>,") {
		return ""
	}
	return strings.ToLower(from)
}
