package smtpd

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"time"
)

// BareNewlines says what happens to a bare CR or LF inside DATA.
type BareNewlines int

const (
	// BareReject refuses the message with 550 5.6.0, like Postfix's
	// smtpd_forbid_bare_newline: a different reading of line ends by two
	// MTAs is what SMTP smuggling exploits (RFC 5321 §2.3.8).
	BareReject BareNewlines = iota
	// BareNormalize turns each bare CR or LF into CRLF.
	BareNormalize
)

// Defaults for zero Config fields: the documented defaults of mugai's
// configuration file (config/mugai.yaml, limits and delivery), which a
// test of package gateway holds them to. Limits have no "unlimited"
// value: an attacker controls what they bound.
const (
	DefaultMaxMessageBytes = 50 << 20 // limits.message_size
	// DefaultMaxRecipients is RFC 5321 §4.5.3.1.8's minimum.
	DefaultMaxRecipients  = 100
	DefaultMaxConnections = 100
	// DefaultMaxConnectionsPerIP is Postfix's default destination
	// concurrency: an upstream Postfix opens no more.
	DefaultMaxConnectionsPerIP = 20
	DefaultSessionTime         = 30 * time.Minute
	// DefaultMinDataRate is Postfix's smtpd_min_data_rate (bytes/second).
	DefaultMinDataRate    = 500
	DefaultCommandTimeout = 5 * time.Minute // RFC 5321 §4.5.3.2.7
	DefaultDataTimeout    = 5 * time.Minute
	// DefaultProcessTimeout bounds the work after the end of data. It is
	// below Postfix's smtp_data_done_timeout (600s): past that the upstream
	// gives up and retries, so finishing later only risks a duplicate.
	DefaultProcessTimeout = 5 * time.Minute
	// DefaultRecipientTimeout is Postfix's smtpd_proxy_timeout: below the
	// 5 minutes an upstream MTA waits for a RCPT reply (RFC 5321
	// §4.5.3.2.3), and it includes the connection to the next hop.
	DefaultRecipientTimeout  = 100 * time.Second
	DefaultEnvelopeTime      = 5 * time.Minute
	DefaultMaxProtocolErrors = 10
	DefaultSpoolMemoryBytes  = 1 << 20
	// DefaultProxyHeaderTimeout is Postfix's smtpd_upstream_proxy_timeout:
	// a load balancer sends its PROXY header at once.
	DefaultProxyHeaderTimeout = 5 * time.Second
)

// Config is the server's configuration. The zero value of a field means
// its default. A Config must not be modified after it was passed to New or
// SetConfig (the slices and TLSConfig are shared with live connections).
type Config struct {
	// Hostname is our name in the greeting and in the Received: header.
	Hostname string

	// Networks are the client networks allowed to connect; others get
	// 554 5.7.1 at connect. It must not be empty.
	Networks []netip.Prefix
	// Router chooses each recipient's Route, and refuses the recipients
	// we do not relay for (the recipient domains: smtpd itself checks
	// only the address's form). Required.
	Router Router

	// Forwarders are the clients (upstream MTAs) whose XFORWARD and
	// XCLIENT commands are accepted: who connected to them, for the trace,
	// the log and sender authentication (see Origin). The commands are
	// advertised to them only; anyone else gets 550 5.7.0, as from
	// Postfix. A forwarder must also be in Networks to connect at all.
	// Empty: nobody.
	Forwarders []netip.Prefix
	// ProxyNetworks are load balancers that send the PROXY protocol
	// header (v1 or v2) before SMTP: a connection from them must start
	// with one, and the address it names is the client for every check
	// (Networks, the connection limits, Forwarders, the Router). A
	// connection from anywhere else that starts with a PROXY header is
	// refused. Empty: no load balancer.
	ProxyNetworks []netip.Prefix
	// ProxyHeaderTimeout bounds the wait for a load balancer's header.
	ProxyHeaderTimeout time.Duration

	// MaxMessageBytes bounds the message as received (SIZE, DATA, BDAT):
	// 552 5.3.4. go-smtp counts the bytes after dot-unstuffing and refuses
	// a message of exactly this size too (its reader reports the limit
	// before it sees the end of data).
	MaxMessageBytes int64
	// MaxOutputBytes bounds the Filter's output: 552 5.3.4. Default: twice
	// MaxMessageBytes plus 1 MiB, room for a notice and re-encoding.
	MaxOutputBytes int64
	// MaxRecipients per transaction: 452 4.5.3 (go-smtp's check).
	MaxRecipients int
	// MaxConnections in total and MaxConnectionsPerIP from one address:
	// over either, 421 4.7.0 at connect.
	MaxConnections, MaxConnectionsPerIP int
	// ReservedConnections are the last of MaxConnections: they are given
	// only to a client address that holds no connection yet, so that a
	// few addresses, each within MaxConnectionsPerIP, cannot take every
	// slot. 0 (the zero value) reserves none.
	ReservedConnections int

	// SessionTime bounds a connection's whole life, processing included.
	SessionTime time.Duration
	// CommandTimeout bounds the time from one of our replies to the end of
	// the client's next command line: a total for the line, however it is
	// sent, not a pause between reads (Postfix's smtpd_timeout with
	// smtpd_per_request_deadline).
	CommandTimeout time.Duration
	// DataTimeout and MinDataRate bound the reading of a message: its
	// deadline starts DataTimeout away and every byte read moves it on by
	// 1/MinDataRate seconds, never further than DataTimeout from now
	// (Postfix's smtpd_min_data_rate). A sender slower than MinDataRate
	// bytes per second is cut after about DataTimeout, a faster one only
	// by SessionTime. With BDAT it applies from the first chunk to the
	// last, commands between chunks included.
	DataTimeout time.Duration
	MinDataRate int64
	// ProcessTimeout bounds the time from the end of data to our reply:
	// waiting for a worker, filtering and delivering.
	ProcessTimeout time.Duration
	// RecipientTimeout bounds the wait for the next hop's verdict on one
	// recipient (Route.Begin, for the first, and Delivery.AddRecipient):
	// past it the recipient and the rest of the transaction get 451 4.4.2.
	RecipientTimeout time.Duration
	// EnvelopeTime bounds the next hop's time for all the recipients of a
	// transaction together: once they have waited that long, further
	// recipients get 452 4.5.3 and the client sends them in a new
	// transaction, while the ones accepted are delivered.
	EnvelopeTime time.Duration
	// MaxProtocolErrors is how many client errors a connection may make;
	// the one that reaches it is answered 421 4.7.0 and the connection is
	// closed. See (*connState).clientError for what counts.
	MaxProtocolErrors int

	// Workers bounds concurrent filtering; default one per CPU. Waiting
	// for a worker counts against SessionTime and ProcessTimeout.
	Workers int
	// BareNewlines is the treatment of a bare CR or LF in DATA.
	BareNewlines BareNewlines
	// TLSConfig enables STARTTLS when set.
	TLSConfig *tls.Config

	// SpoolDir holds the temporary files of messages larger than
	// SpoolMemoryBytes; default os.TempDir(). The files are unlinked as
	// soon as they are created.
	SpoolDir string
	// SpoolMemoryBytes is how much of a message is kept in memory.
	SpoolMemoryBytes int64

	// Logger receives one line per message and connection events;
	// default slog.Default().
	Logger *slog.Logger
	// Now stamps the Received: header and log lines; default time.Now.
	// Timeouts use the real clock: they are network deadlines.
	Now func() time.Time
	// Observer is told about sessions, replies and messages (metrics);
	// nil observes nothing.
	Observer Observer
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if c.MaxOutputBytes == 0 {
		c.MaxOutputBytes = 2*c.MaxMessageBytes + 1<<20
	}
	if c.MaxRecipients == 0 {
		c.MaxRecipients = DefaultMaxRecipients
	}
	if c.MaxConnections == 0 {
		c.MaxConnections = DefaultMaxConnections
	}
	if c.MaxConnectionsPerIP == 0 {
		c.MaxConnectionsPerIP = DefaultMaxConnectionsPerIP
	}
	if c.SessionTime == 0 {
		c.SessionTime = DefaultSessionTime
	}
	if c.MinDataRate == 0 {
		c.MinDataRate = DefaultMinDataRate
	}
	if c.CommandTimeout == 0 {
		c.CommandTimeout = DefaultCommandTimeout
	}
	if c.DataTimeout == 0 {
		c.DataTimeout = DefaultDataTimeout
	}
	if c.ProcessTimeout == 0 {
		c.ProcessTimeout = DefaultProcessTimeout
	}
	if c.RecipientTimeout == 0 {
		c.RecipientTimeout = DefaultRecipientTimeout
	}
	if c.EnvelopeTime == 0 {
		c.EnvelopeTime = DefaultEnvelopeTime
	}
	if c.MaxProtocolErrors == 0 {
		c.MaxProtocolErrors = DefaultMaxProtocolErrors
	}
	if c.Workers == 0 {
		c.Workers = runtime.NumCPU()
	}
	if c.SpoolDir == "" {
		c.SpoolDir = os.TempDir()
	}
	if c.ProxyHeaderTimeout == 0 {
		c.ProxyHeaderTimeout = DefaultProxyHeaderTimeout
	}
	if c.SpoolMemoryBytes == 0 {
		c.SpoolMemoryBytes = DefaultSpoolMemoryBytes
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	return c
}

// validate reports every problem of a Config with defaults applied.
func (c *Config) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Hostname == "" || strings.ContainsAny(c.Hostname, " \t\r\n()[];") {
		// It goes into the greeting and a header: no spaces or specials.
		bad("smtpd: Hostname %q is not a host name", c.Hostname)
	}
	if len(c.Networks) == 0 {
		bad("smtpd: Networks is empty, no client could connect")
	}
	for _, nets := range [][]netip.Prefix{c.Networks, c.Forwarders, c.ProxyNetworks} {
		for _, p := range nets {
			if !p.IsValid() {
				bad("smtpd: invalid network %v", p)
			}
		}
	}
	if c.Router == nil {
		bad("smtpd: Router is required")
	}
	for name, v := range map[string]int64{
		"MaxMessageBytes": c.MaxMessageBytes, "MaxOutputBytes": c.MaxOutputBytes,
		"MaxRecipients": int64(c.MaxRecipients), "MaxConnections": int64(c.MaxConnections),
		"MaxConnectionsPerIP": int64(c.MaxConnectionsPerIP), "MaxProtocolErrors": int64(c.MaxProtocolErrors),
		"ReservedConnections": int64(c.ReservedConnections), "MinDataRate": c.MinDataRate,
		"Workers": int64(c.Workers), "SpoolMemoryBytes": c.SpoolMemoryBytes,
		"SessionTime": int64(c.SessionTime), "CommandTimeout": int64(c.CommandTimeout),
		"DataTimeout": int64(c.DataTimeout), "ProcessTimeout": int64(c.ProcessTimeout),
		"RecipientTimeout": int64(c.RecipientTimeout), "EnvelopeTime": int64(c.EnvelopeTime),
		"ProxyHeaderTimeout": int64(c.ProxyHeaderTimeout),
	} {
		if v < 0 {
			bad("smtpd: %s must not be negative", name)
		}
	}
	if c.ReservedConnections >= c.MaxConnections && c.MaxConnections > 0 {
		bad("smtpd: ReservedConnections (%d) must be below MaxConnections (%d)", c.ReservedConnections, c.MaxConnections)
	}
	if c.BareNewlines != BareReject && c.BareNewlines != BareNormalize {
		bad("smtpd: unknown BareNewlines mode %d", c.BareNewlines)
	}
	return errors.Join(errs...)
}

// allowsClient reports whether addr is in one of the relay networks.
func (c *Config) allowsClient(addr netip.Addr) bool { return containsAddr(c.Networks, addr) }

// trustsForwarder reports whether addr may send XFORWARD and XCLIENT.
func (c *Config) trustsForwarder(addr netip.Addr) bool { return containsAddr(c.Forwarders, addr) }

// isProxy reports whether addr is a load balancer that sends PROXY headers.
func (c *Config) isProxy(addr netip.Addr) bool { return containsAddr(c.ProxyNetworks, addr) }

// containsAddr reports whether one of nets contains addr.
func containsAddr(nets []netip.Prefix, addr netip.Addr) bool {
	addr = addr.Unmap() // an IPv4 client on a dual-stack socket is ::ffff:a.b.c.d
	for _, p := range nets {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}
