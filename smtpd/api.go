package smtpd

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net/netip"
	"time"
)

// Envelope is one mail transaction as the client gave it. The Filter and
// the Delivery may read it but must not modify it.
type Envelope struct {
	// ID is the queue id: 12 characters of RFC 4648 base32, fresh for each
	// transaction. It is in our Received: header, in the 250 reply and in
	// every log line about the message.
	ID string
	// Client is the SMTP client: the address the connection came from,
	// or the one a load balancer's PROXY header named (then Proxy is
	// set). Relay policy, the connection limits and the Router judge it.
	Client netip.AddrPort
	// Proxy is the load balancer (Config.ProxyNetworks) that named Client
	// in its PROXY header; the zero AddrPort without one.
	Proxy netip.AddrPort
	// Helo is the argument of the client's last HELO or EHLO, unverified.
	Helo string
	// Forwarded is who connected to the upstream, as the client (one of
	// Config.Forwarders) reported it with XFORWARD for this transaction
	// or XCLIENT for the session; nil when it reported nothing. Origin
	// gives the original client either way.
	Forwarded *Origin
	// TLS is the state of the inbound connection, nil without STARTTLS.
	TLS *tls.ConnectionState
	// From is the reverse-path, "" for the null sender (RFC 5321 §4.5.5).
	From string
	// Rcpts are the recipients accepted so far, in order. Begin sees it
	// empty; it is complete when the Filter and Deliver run.
	Rcpts []string
	// Size is the client's SIZE= estimate (RFC 1870), 0 when not given.
	Size int64
	// SMTPUTF8 and EightBitMIME record the client's MAIL parameters
	// (RFC 6531, RFC 6152).
	SMTPUTF8, EightBitMIME bool
	// Received is when the MAIL command was accepted.
	Received time.Time
}

// Filter rebuilds the message src into dst. src is the original,
// complete, and may be read more than once (see Original). A Filter must
// stop when ctx ends. A returned error that is (or wraps) a *reply.Reply
// is passed to the client as is (a policy refusal is a 5xx); any other
// error is 451 4.3.0.
type Filter interface {
	Filter(ctx context.Context, env *Envelope, dst io.Writer, src *Original) (FilterResult, error)
}

// FilterFunc adapts a function to Filter.
type FilterFunc func(ctx context.Context, env *Envelope, dst io.Writer, src *Original) (FilterResult, error)

// Filter calls f.
func (f FilterFunc) Filter(ctx context.Context, env *Envelope, dst io.Writer, src *Original) (FilterResult, error) {
	return f(ctx, env, dst, src)
}

// FilterResult is what the log line says about the filtering.
type FilterResult struct {
	// Actions are short words such as "html-to-text" or "dropped:exe".
	Actions []string
	// Log are more fields for the message's log line, after the
	// actions: what the Filter's stages want on it, such as the vault
	// id (vault=ID). Returned with an error too.
	Log []slog.Attr
}

// Delivery is one transaction at the next hop, opened by Route.Begin.
// smtpd calls its methods from one goroutine at a time: AddRecipient for
// each recipient, then at most one Deliver, and Abort whenever the
// transaction ends without a successful Deliver (Abort after Deliver must
// be harmless). A returned error that is (or wraps) a *reply.Reply is
// passed to the client as is.
type Delivery interface {
	// AddRecipient adds a recipient, relayed live at RCPT time so the
	// client learns of a refused recipient from the next hop itself.
	AddRecipient(ctx context.Context, rcpt string) error
	// Deliver sends the message; it returns nil only when the next hop
	// accepted it. It must not let a partial message be accepted when
	// reading msg fails.
	Deliver(ctx context.Context, msg io.Reader) error
	// Abort ends the transaction without delivering; it frees everything.
	Abort()
}

// Route is where the mail of some recipients goes and how it is rebuilt.
// A transaction keeps the Route of its first accepted recipient: its Begin
// opens the Delivery and its Filter rebuilds the message, so a Router may
// return a Route of its own for each transaction, with state shared by
// the two (a later recipient's Route only has its Name compared).
type Route struct {
	// Name identifies the route: two recipients share a transaction only
	// when their routes have the same Name. It is also logged.
	Name string
	// Filter rebuilds the message.
	Filter Filter
	// Begin opens the Delivery; it is called at the transaction's first
	// accepted recipient, so the next hop sees MAIL FROM at that time.
	Begin func(ctx context.Context, env *Envelope) (Delivery, error)
}

// Router chooses the Route for a recipient, for example by client network,
// sender and recipient domain; relay policy on the recipient's domain is
// its job too. An error that is (or wraps) a *reply.Reply is the reply to
// RCPT; any other error is 451 4.3.0.
type Router interface {
	Route(env *Envelope, rcpt string) (Route, error)
}

// RouterFunc adapts a function to Router.
type RouterFunc func(env *Envelope, rcpt string) (Route, error)

// Route calls f.
func (f RouterFunc) Route(env *Envelope, rcpt string) (Route, error) { return f(env, rcpt) }
