package ppap

import (
	"strings"
	"time"
)

// DefaultWindow is how long after an archive its password mail may come
// (ppap.window).
const DefaultWindow = 24 * time.Hour

// Mail is what the pairing rule reads of a message, for one recipient.
type Mail struct {
	// EnvelopeSender is MAIL FROM in the relay's canonical form; "" is the
	// null sender of bounces, which never pairs.
	EnvelopeSender string
	// HeaderFrom is the address (addr-spec) of the From field, decoded.
	HeaderFrom string
	// Recipient is one RCPT TO address.
	Recipient string
	// Received is when the relay accepted the message, by its own clock.
	Received time.Time
}

// Pairs reports whether later may carry the password of an archive held
// from held: the same envelope sender, the same From address and the same
// recipient, received no earlier than held and at most window after it
// (window ≤ 0 is DefaultWindow). Addresses are compared without regard to
// ASCII letter case, and a domain's one trailing dot is ignored: the
// relay's canonical envelope form lower-cases domains only, and a sender
// does not mean another mailbox by "Yamada@" than by "yamada@".
//
// A message pairs with itself (received at the same instant): a password
// written in the body of the archive's own mail opens it too. A password
// mail that arrives before its archive does not pair; the relay keeps no
// password for later.
//
// Pairing is no proof of who sent the mail — anyone can write a sender —
// and needs none: what opens is delivered to the recipient the archive
// was already addressed to, and the tries a mail may cause are bounded.
func Pairs(held, later Mail, window time.Duration) bool {
	if window <= 0 {
		window = DefaultWindow
	}
	d := later.Received.Sub(held.Received)
	return d >= 0 && d <= window &&
		sameAddress(held.EnvelopeSender, later.EnvelopeSender) &&
		sameAddress(held.HeaderFrom, later.HeaderFrom) &&
		sameAddress(held.Recipient, later.Recipient)
}

// sameAddress compares two addresses; an empty one matches nothing.
func sameAddress(a, b string) bool {
	a, b = strings.TrimSuffix(strings.TrimSpace(a), "."), strings.TrimSuffix(strings.TrimSpace(b), ".")
	return a != "" && strings.Contains(a, "@") && strings.EqualFold(a, b)
}
