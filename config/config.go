// Package config reads mugai's YAML configuration file.
//
// The file format is documented by example in mugai.yaml, which is also the
// built-in default: it is embedded in the binary, decoded first, and the
// user's file is decoded over it, so a file need only name what it changes
// and the documentation cannot drift from the defaults. A list or a map
// (policies, converters) in the user's file replaces the default one.
//
// Decoding is strict: unknown keys, wrong types and invalid values are all
// reported at once as Errors, each "FILE:LINE: message", sorted by line, so
// `mugai check-config` can show an admin every problem in one run.
//
// The package only reads bytes; it never touches the network or the file
// system (apart from Load reading the file), so Parse is safe to fuzz and
// the caller decides what a relative path or an empty hostname means.
package config

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"runtime"
	"strings"

	"github.com/mugai/mugai/sanitize"
)

// defaultYAML is both the admin's reference and the defaults (see the
// package doc). It is only ever read.
//
//go:embed mugai.yaml
var defaultYAML []byte

// defaultName is the file name errors in the embedded default would carry.
const defaultName = "mugai.yaml (built in)"

// DefaultMaildir is where mail goes when neither delivery.next_hop nor
// delivery.maildir is set: a newcomer can try mugai without a mail server.
const DefaultMaildir = "./mugai-outbox"

// Config is the whole configuration file. Field comments are short; the
// authoritative description of every key is mugai.yaml.
type Config struct {
	// Hostname is used in the greeting and our Received: header; "" means
	// the machine's host name, which the caller resolves.
	Hostname string          `yaml:"hostname"`
	Listen   Listen          `yaml:"listen"`
	Relay    Relay           `yaml:"relay"`
	Delivery Delivery        `yaml:"delivery"`
	Limits   Limits          `yaml:"limits"`
	Sanitize SanitizeSection `yaml:"sanitize"`
	// Policies are named overrides of the sanitize section, chosen by
	// routes. Each is decoded over the sanitize section of the same file
	// (after it): a policy in a base (such as the embedded default) would
	// not follow a sanitize section that a later file changes, which is
	// why mugai.yaml defines none.
	Policies map[string]PolicySection `yaml:"policies"`
	// Routes are tried in order; the first that matches wins.
	Routes []Route `yaml:"routes"`
	Log    Log     `yaml:"log"`
	// Auth is sender authentication (SPF, DKIM, DMARC, impersonation);
	// DNS the resolver its checks use.
	Auth Auth `yaml:"auth"`
	DNS  DNS  `yaml:"dns"`
	// Converters name external commands that replace the built-in
	// converter for a file type (see mugai.yaml); empty uses the built-in.
	Converters map[string]string `yaml:"converters"`
	// Vault keeps the originals (see vault.go).
	Vault VaultSection `yaml:"vault"`
	// Console is the web console and recipient page (see console.go).
	Console ConsoleSection `yaml:"console"`
	// PPAP opens password-protected zips held in the vault (see ppap.go).
	PPAP PPAP `yaml:"ppap"`
	// Sandbox is how converter processes are confined.
	Sandbox SandboxSection `yaml:"sandbox"`
}

// SandboxSection confines the converter processes (see mugai.yaml).
type SandboxSection struct {
	// Landlock is "enforce" or "best_effort": whether to convert on a
	// kernel without Landlock.
	Landlock string `yaml:"landlock"`
	// Environment names the variables passed to converters.
	Environment []string `yaml:"environment"`
	// ReadPaths are what external converters may read besides their
	// programs.
	ReadPaths []string `yaml:"read_paths"`
}

// Listen is the inbound SMTP listener.
type Listen struct {
	// SMTP is host:port; the host may be empty (all addresses) and the port
	// 0 (any free port, for tests).
	SMTP string    `yaml:"smtp"`
	TLS  ListenTLS `yaml:"tls"`
	// HTTP is host:port of the metrics and health listener; "" = off.
	HTTP string `yaml:"http"`
	// Console is host:port of the web console (with the vault); "" = off.
	Console string `yaml:"console"`
	// ProxyProtocolNetworks are load balancers that send a PROXY protocol
	// header before SMTP; the address it names is the client.
	ProxyProtocolNetworks Prefixes `yaml:"proxy_protocol_networks"`
}

// ListenTLS names the certificate offered with STARTTLS.
type ListenTLS struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// Enabled reports whether STARTTLS is offered; validation guarantees both
// files are set or neither.
func (t ListenTLS) Enabled() bool { return t.CertFile != "" && t.KeyFile != "" }

// Relay decides who may send mail through the gateway and to whom.
type Relay struct {
	// Domains are the accepted recipient domains, lower-cased; empty
	// accepts any domain. Mail from InternalNetworks may go to any domain
	// (package gateway applies both).
	Domains Domains `yaml:"domains"`
	// Networks are the client networks allowed to send; never empty.
	Networks Prefixes `yaml:"networks"`
	// Forwarders are the clients whose XFORWARD and XCLIENT (who
	// connected to them) mugai believes; they must also be in Networks.
	Forwarders Prefixes `yaml:"forwarders"`
	// InternalNetworks are the LGWAN-side clients; only routes limited to
	// them may use a passthrough policy.
	InternalNetworks Prefixes `yaml:"internal_networks"`
	// BareNewlines says what to do with a bare LF or CR in DATA.
	BareNewlines NewlineMode `yaml:"bare_newlines"`
}

// AllowsClient reports whether a client at addr may send mail.
func (r *Relay) AllowsClient(addr netip.Addr) bool { return r.Networks.Contains(addr) }

// NewlineMode is relay.bare_newlines.
type NewlineMode string

const (
	// BareReject refuses a message with a bare LF or CR: a different
	// reading of line ends by the next hop is what SMTP smuggling exploits.
	BareReject NewlineMode = "reject"
	// BareNormalize turns every bare LF or CR into CRLF.
	BareNormalize NewlineMode = "normalize"
)

// Delivery is where sanitized mail goes.
type Delivery struct {
	NextHop string  `yaml:"next_hop"`
	Maildir string  `yaml:"maildir"`
	TLS     TLSMode `yaml:"tls"`
	// CAFile is a PEM bundle for verifying the next hop; "" = system roots.
	CAFile string `yaml:"ca_file"`
	// ServerName is the name verified in the certificate; "" = the host of
	// NextHop.
	ServerName     string   `yaml:"server_name"`
	ConnectTimeout Duration `yaml:"connect_timeout"`
	CommandTimeout Duration `yaml:"command_timeout"`
	// RecipientTimeout bounds the next hop's answer for one recipient
	// (the connection included, for the first); EnvelopeTime its answers
	// for all recipients of a message together.
	RecipientTimeout Duration `yaml:"recipient_timeout"`
	EnvelopeTime     Duration `yaml:"envelope_time"`
	// PoolSize is the most idle connections kept per next hop for the
	// next messages (0: a connection per message); IdleTimeout how long
	// one is kept.
	PoolSize    int      `yaml:"pool_size"`
	IdleTimeout Duration `yaml:"idle_timeout"`
}

// TLSMode is delivery.tls.
type TLSMode string

const (
	TLSNone          TLSMode = "none"
	TLSOpportunistic TLSMode = "opportunistic"
	// TLSRequired uses STARTTLS and verifies the certificate.
	TLSRequired TLSMode = "required"
)

// Limits bound what a client or a message may use. The sanitizer's share
// of them reaches sanitize through SanitizePolicy.
type Limits struct {
	MessageSize      Size `yaml:"message_size"`
	Recipients       int  `yaml:"recipients"`
	Connections      int  `yaml:"connections"`
	ConnectionsPerIP int  `yaml:"connections_per_ip"`
	// ConnectionsReservedPercent of Connections (the last ones) are kept
	// for client addresses that hold no connection yet; see
	// ReservedConnections.
	ConnectionsReservedPercent int      `yaml:"connections_reserved_percent"`
	SessionTime                Duration `yaml:"session_time"`
	// CommandTimeout is the time from a reply to the end of the client's
	// next command line: a total, not a pause between reads.
	CommandTimeout Duration `yaml:"command_timeout"`
	// DataTimeout and MinDataRate bound the receipt of a message: it must
	// arrive within DataTimeout plus what its size earns at MinDataRate
	// bytes per second (see smtpd.Config).
	DataTimeout    Duration `yaml:"data_timeout"`
	MinDataRate    Size     `yaml:"min_data_rate"`
	ProtocolErrors int      `yaml:"protocol_errors"`
	// Workers is the number of concurrent sanitizations; 0 means one per
	// CPU, see WorkerCount.
	Workers      int      `yaml:"workers"`
	MIMEDepth    int      `yaml:"mime_depth"`
	MIMEParts    int      `yaml:"mime_parts"`
	HeaderSize   Size     `yaml:"header_size"`
	LineLength   Size     `yaml:"line_length"`
	PartSize     Size     `yaml:"part_size"`
	DecodedSize  Size     `yaml:"decoded_size"`
	HTMLToken    Size     `yaml:"html_token"`
	SanitizeTime Duration `yaml:"sanitize_time"`
	// The converters' share: archives, images, and each conversion.
	ArchiveDepth   int      `yaml:"archive_depth"`
	ArchiveEntries int      `yaml:"archive_entries"`
	ArchiveSize    Size     `yaml:"archive_size"`
	ArchiveRatio   int      `yaml:"archive_ratio"`
	ImagePixels    int      `yaml:"image_pixels"`
	ConvertTime    Duration `yaml:"convert_time"`
	ConvertSize    Size     `yaml:"convert_size"`
	TextSize       Size     `yaml:"text_size"`
	ConvertMemory  Size     `yaml:"convert_memory"`
	ConvertOutput  Size     `yaml:"convert_output"`
	PDFPages       int      `yaml:"pdf_pages"`
	Payloads       int      `yaml:"payloads"`
}

// ReservedConnections is how many connections ConnectionsReservedPercent
// keeps, rounded down: always fewer than Connections.
func (l *Limits) ReservedConnections() int {
	return l.Connections * l.ConnectionsReservedPercent / 100
}

// WorkerCount resolves Workers: 0 means one worker per CPU.
func (l *Limits) WorkerCount() int {
	if l.Workers > 0 {
		return l.Workers
	}
	return runtime.NumCPU()
}

// SanitizeSection is the default way messages are rebuilt. The value
// types are sanitize's own, so a validated section converts without loss.
type SanitizeSection struct {
	Prefer         sanitize.Prefer         `yaml:"prefer"`
	Links          sanitize.LinkMode       `yaml:"links"`
	Ambiguous      sanitize.Outcome        `yaml:"ambiguous"`
	OverLimit      sanitize.Outcome        `yaml:"over_limit"`
	Language       sanitize.Language       `yaml:"language"`
	NoticePosition sanitize.NoticePosition `yaml:"notice_position"`
	ExtraHeaders   []string                `yaml:"extra_headers"`
	Flatten        sanitize.FlattenMode    `yaml:"flatten"`
	Images         sanitize.ImageMode      `yaml:"images"`
	Scripts        sanitize.ScriptMode     `yaml:"scripts"`
}

// PolicySection is one entry of policies: the sanitize section with the
// keys the entry names laid over it (the decoder decodes each entry over
// a copy of the section), so a policy holds every sanitize key.
type PolicySection struct {
	// Passthrough forwards messages unchanged; validation allows it only on
	// routes limited to relay.internal_networks, and with no other key.
	Passthrough     bool `yaml:"passthrough"`
	SanitizeSection `yaml:",inline"`
}

// Route chooses a policy and next hop for the messages it matches: every
// list that is set must match, and a list matches when any item does; the
// first route that matches wins (package gateway applies them). Validation
// refuses a route with no condition.
type Route struct {
	RecipientDomains Domains  `yaml:"recipient_domains"`
	SenderDomains    Domains  `yaml:"sender_domains"`
	ClientNetworks   Prefixes `yaml:"client_networks"`
	// Policy names an entry of policies; "" and "default" mean the
	// sanitize section.
	Policy string `yaml:"policy"`
	// NextHop, when set, replaces the delivery section's destination.
	NextHop string `yaml:"next_hop"`
}

// Log configures log/slog.
type Log struct {
	Format string `yaml:"format"` // "text" or "json"
	Level  string `yaml:"level"`  // "debug", "info", "warn" or "error"
}

// SlogLevel converts Level; validation guarantees it is known.
func (l Log) SlogLevel() slog.Level {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(l.Level)); err != nil {
		return slog.LevelInfo
	}
	return lv
}

// DeliveryTarget is where mail goes when no route overrides it: exactly
// one of nextHop and maildir is non-empty. With neither configured it is
// DefaultMaildir, so the default configuration delivers somewhere harmless.
func (c *Config) DeliveryTarget() (nextHop, maildir string) {
	if c.Delivery.NextHop == "" && c.Delivery.Maildir == "" {
		return "", DefaultMaildir
	}
	return c.Delivery.NextHop, c.Delivery.Maildir
}

// Default returns the embedded defaults (mugai.yaml). Each call decodes a
// fresh copy, so callers may modify the result.
func Default() *Config {
	c, err := parse(defaultName, withoutComments(defaultYAML), new(Config))
	if err != nil {
		// The embedded file is tested; failing here is a build mistake,
		// not something a user can cause.
		panic(fmt.Sprintf("config: embedded default is invalid:\n%v", err))
	}
	return c
}

// withoutComments blanks the lines of data that hold only a comment,
// keeping the line count. Most of mugai.yaml is comments, and yaml.v3
// spends three quarters of its time collecting them for the node tree,
// which every program that reads a config pays at start. It suits
// mugai.yaml, which has no multi-line text a "#" line could be part of;
// TestEmbeddedFileParses checks that the full file decodes the same.
func withoutComments(data []byte) []byte {
	out := make([]byte, 0, len(data))
	for line := range bytes.Lines(data) {
		if t := bytes.TrimLeft(line, " "); len(t) > 0 && t[0] == '#' {
			line = []byte("\n")
		}
		out = append(out, line...)
	}
	return out
}

// Parse decodes data over the defaults and validates the result. filename
// is used only in error messages. On failure it returns a nil *Config and
// an Errors listing every problem found.
func Parse(filename string, data []byte) (*Config, error) {
	return parse(filename, data, Default())
}

// maxFileSize bounds what Load reads and Parse accepts. Real files are a
// few KiB; the bound stops a mistake such as -config /dev/zero, and a
// hostile input, from costing unbounded time and memory.
const maxFileSize = 1 << 20

// Load reads the file at path and parses it. An error reading the file is
// returned as is (an *fs.PathError naming the file), so errors.Is works.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// displayPath turns an internal key path into what an admin reads in a
// message: list indexes are dropped because the line number already says
// which item is meant.
func displayPath(path string) string {
	if !strings.Contains(path, "[") {
		return path
	}
	var b strings.Builder
	skip := false
	for _, r := range path {
		switch {
		case r == '[':
			skip = true
		case r == ']':
			skip = false
		case !skip:
			b.WriteRune(r)
		}
	}
	return b.String()
}
