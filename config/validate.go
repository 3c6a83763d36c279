package config

import (
	"fmt"
	"maps"
	"net"
	"net/netip"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mugai/mugai/sanitize"
)

// validator checks the decoded values. Problems are reported at the line
// of the key in the user's file; a value that came from the defaults has
// no line of its own and takes its nearest written ancestor's.
type validator struct {
	c *Config
	d *decoder
	// writtenOnly skips values that have no line of their own: the keys
	// a policy copied from the sanitize section are checked there.
	writtenOnly bool
}

func (v *validator) errorf(path, format string, args ...any) {
	if v.d.isBad(path) {
		return
	}
	line, own := v.d.lines[path]
	switch {
	case v.writtenOnly && !own:
		return
	case !own:
		line = v.d.line(path)
	}
	msg := fmt.Sprintf(format, args...)
	if p := displayPath(path); p != "" {
		msg = p + ": " + msg
	}
	v.d.add(line, "%s", msg)
}

// validate checks everything decoding cannot: allowed values, ranges and
// how keys relate to each other.
func validate(c *Config, d *decoder) {
	v := &validator{c: c, d: d}
	v.top()
	v.relay()
	v.delivery()
	v.limits()
	v.sanitize("sanitize", c.Sanitize)
	v.policies()
	v.routes()
	v.oneOf("log.format", c.Log.Format, "text", "json")
	v.oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	v.converters()
	v.vault()
	v.ppap()
	v.auth()
	v.console()
	v.sandbox()
}

// isEnvName reports whether s is a variable name a converter may be
// given: a letter or underscore, then letters, digits and underscores.
func isEnvName(s string) bool {
	for i, c := range s {
		if !(c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}

func (v *validator) sandbox() {
	s := v.c.Sandbox
	v.oneOf("sandbox.landlock", s.Landlock, "enforce", "best_effort")
	for i, name := range s.Environment {
		if !isEnvName(name) {
			v.errorf(fmt.Sprintf("sandbox.environment[%d]", i), "%s is not a variable name; write the name only (its value is taken from the gateway's environment)", quote(name))
		}
	}
	for i, p := range s.ReadPaths {
		path := fmt.Sprintf("sandbox.read_paths[%d]", i)
		switch {
		case !strings.HasPrefix(p, "/"):
			v.errorf(path, "%s is not an absolute path", quote(p))
		case filepath.Clean(p) == "/":
			v.errorf(path, "the root directory would let converters read every file; name the directories they need")
		}
	}
}

// ConverterTypes are the file types an external command may convert
// (converters in mugai.yaml), each instead of the built-in converter.
func ConverterTypes() []string {
	return []string{"pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "rtf", "doc", "xls", "ppt"}
}

func (v *validator) converters() {
	for _, name := range slices.Sorted(maps.Keys(v.c.Converters)) {
		path := "converters." + name
		if !slices.Contains(ConverterTypes(), name) {
			v.errorf(path, "unknown file type %s; use one of %s", quote(name), orList(ConverterTypes()))
			continue
		}
		args := strings.Fields(v.c.Converters[name])
		switch {
		case len(args) == 0:
			v.errorf(path, "empty command; remove the key to use the built-in converter")
		case strings.ContainsAny(v.c.Converters[name], "|&;<>$`\\\"'"):
			v.errorf(path, "%s: the command is run without a shell; write the program and its arguments only", quote(v.c.Converters[name]))
		}
	}
}

func (v *validator) top() {
	c := v.c
	if c.Hostname != "" {
		if _, err := netip.ParseAddr(c.Hostname); err == nil {
			v.errorf("hostname", "%s is an IP address; use the host name other servers know this one by", quote(c.Hostname))
		} else if p := hostnameProblem(c.Hostname); p != "" {
			v.errorf("hostname", "%s is not a valid host name: %s", quote(c.Hostname), p)
		}
	}
	if c.Listen.SMTP == "" {
		v.errorf("listen.smtp", "missing; write host:port, e.g. 0.0.0.0:25")
	} else if p := hostPortProblem(c.Listen.SMTP, true); p != "" {
		v.errorf("listen.smtp", "%s", p)
	}
	if c.Listen.HTTP != "" {
		if p := hostPortProblem(c.Listen.HTTP, true); p != "" {
			v.errorf("listen.http", "%s", p)
		}
	}
	t := c.Listen.TLS
	switch {
	case t.CertFile != "" && t.KeyFile == "":
		v.errorf("listen.tls.cert_file", "set key_file too; STARTTLS needs both files")
	case t.CertFile == "" && t.KeyFile != "":
		v.errorf("listen.tls.key_file", "set cert_file too; STARTTLS needs both files")
	}
}

func (v *validator) relay() {
	r := v.c.Relay
	if len(r.Networks) == 0 {
		v.errorf("relay.networks", "empty, so no client could send mail; list at least one network, e.g. [192.0.2.25/32]")
	}
	v.oneOf("relay.bare_newlines", string(r.BareNewlines), string(BareReject), string(BareNormalize))
}

func (v *validator) delivery() {
	d := v.c.Delivery
	if d.NextHop != "" {
		if p := hostPortProblem(d.NextHop, false); p != "" {
			v.errorf("delivery.next_hop", "%s", p)
		}
		if d.Maildir != "" {
			v.errorf("delivery.maildir", "set either delivery.next_hop or delivery.maildir, not both")
		}
	}
	v.oneOf("delivery.tls", string(d.TLS), string(TLSNone), string(TLSOpportunistic), string(TLSRequired))
	if d.ServerName != "" {
		if _, err := netip.ParseAddr(d.ServerName); err != nil {
			if p := hostnameProblem(d.ServerName); p != "" {
				v.errorf("delivery.server_name", "%s is not a valid host name: %s", quote(d.ServerName), p)
			}
		}
	}
	v.duration("delivery.connect_timeout", d.ConnectTimeout, time.Second, time.Hour)
	v.duration("delivery.command_timeout", d.CommandTimeout, time.Second, time.Hour)
	v.duration("delivery.recipient_timeout", d.RecipientTimeout, time.Second, time.Hour)
	v.duration("delivery.envelope_time", d.EnvelopeTime, time.Second, 24*time.Hour)
	v.number("delivery.pool_size", d.PoolSize, 0, 1000)
	v.duration("delivery.idle_timeout", d.IdleTimeout, time.Second, time.Hour)
}

// The bounds below are sanity checks, not recommendations: wide enough for
// any real deployment, narrow enough to catch a unit mistake (5 instead
// of 5MiB) or a value that would switch a defence off in practice.
func (v *validator) limits() {
	l := v.c.Limits
	const (
		KiB = 1 << 10
		MiB = 1 << 20
		GiB = 1 << 30
	)
	v.size("limits.message_size", l.MessageSize, KiB, 2*GiB)
	v.number("limits.recipients", l.Recipients, 1, 100_000)
	v.number("limits.connections", l.Connections, 1, 100_000)
	v.number("limits.connections_per_ip", l.ConnectionsPerIP, 1, 100_000)
	if l.ConnectionsPerIP > l.Connections && l.Connections >= 1 {
		v.errorf("limits.connections_per_ip", "%d is more than limits.connections (%d)", l.ConnectionsPerIP, l.Connections)
	}
	// 90 at most: some connections must be left for the clients that
	// already hold one (an MTA sends several messages at once).
	v.number("limits.connections_reserved_percent", l.ConnectionsReservedPercent, 0, 90)
	v.duration("limits.session_time", l.SessionTime, time.Second, 24*time.Hour)
	v.duration("limits.command_timeout", l.CommandTimeout, time.Second, time.Hour)
	v.duration("limits.data_timeout", l.DataTimeout, time.Second, time.Hour)
	v.size("limits.min_data_rate", l.MinDataRate, 1, GiB)
	v.number("limits.protocol_errors", l.ProtocolErrors, 1, 10_000)
	v.number("limits.workers", l.Workers, 0, 4096)
	v.number("limits.mime_depth", l.MIMEDepth, 1, 100)
	v.number("limits.mime_parts", l.MIMEParts, 1, 100_000)
	v.size("limits.header_size", l.HeaderSize, KiB, 64*MiB)
	// RFC 5321 section 4.5.3.1.6: a line may be 1000 octets with CRLF, so
	// a smaller limit would refuse conforming mail.
	v.size("limits.line_length", l.LineLength, 1000, 64*MiB)
	v.size("limits.part_size", l.PartSize, KiB, 4*GiB)
	v.size("limits.decoded_size", l.DecodedSize, KiB, 16*GiB)
	v.size("limits.html_token", l.HTMLToken, KiB, 256*MiB)
	v.duration("limits.sanitize_time", l.SanitizeTime, time.Second, time.Hour)
	v.number("limits.archive_depth", l.ArchiveDepth, 1, 20)
	v.number("limits.archive_entries", l.ArchiveEntries, 1, 1_000_000)
	v.size("limits.archive_size", l.ArchiveSize, KiB, 16*GiB)
	v.number("limits.archive_ratio", l.ArchiveRatio, 2, 100_000)
	v.number("limits.image_pixels", l.ImagePixels, 1, 1_000_000_000)
	v.duration("limits.convert_time", l.ConvertTime, time.Second, time.Hour)
	v.size("limits.convert_size", l.ConvertSize, KiB, 16*GiB)
	v.size("limits.text_size", l.TextSize, 64*KiB, GiB)
	v.size("limits.convert_memory", l.ConvertMemory, 64*MiB, 64*GiB)
	v.size("limits.convert_output", l.ConvertOutput, KiB, 4*GiB)
	v.number("limits.pdf_pages", l.PDFPages, 1, 1_000_000)
	v.number("limits.payloads", l.Payloads, 1, 100_000)
}

// sanitize checks a sanitize section (or the sanitize keys of a policy,
// given as a section with unset keys holding valid values).
func (v *validator) sanitize(path string, s SanitizeSection) {
	v.oneOf(path+".prefer", string(s.Prefer), string(sanitize.PreferText), string(sanitize.PreferHTML))
	v.oneOf(path+".links", string(s.Links), string(sanitize.LinksKeep), string(sanitize.LinksDefang), string(sanitize.LinksRemove))
	outcomes := []string{string(sanitize.OutcomeReject), string(sanitize.OutcomeNotice), string(sanitize.OutcomeQuarantine)}
	v.oneOf(path+".ambiguous", string(s.Ambiguous), outcomes...)
	v.oneOf(path+".over_limit", string(s.OverLimit), outcomes...)
	v.oneOf(path+".language", string(s.Language), string(sanitize.Japanese), string(sanitize.English))
	v.oneOf(path+".notice_position", string(s.NoticePosition), string(sanitize.NoticeTop), string(sanitize.NoticeBottom))
	v.oneOf(path+".flatten", string(s.Flatten), string(sanitize.FlattenAttach), string(sanitize.FlattenInline))
	v.oneOf(path+".images", string(s.Images), string(sanitize.ImagesDrop), string(sanitize.ImagesReencode))
	v.oneOf(path+".scripts", string(s.Scripts), string(sanitize.ScriptsDrop), string(sanitize.ScriptsText))
	for i, h := range s.ExtraHeaders {
		if p := headerNameProblem(h); p != "" {
			v.errorf(fmt.Sprintf("%s.extra_headers[%d]", path, i), "%s", p)
		}
	}
}

// policyName keeps names simple: they appear in logs and in routes.
var policyName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

func (v *validator) policies() {
	for _, name := range slices.Sorted(maps.Keys(v.c.Policies)) {
		path := "policies." + name
		switch {
		case name == "default" || name == "passthrough":
			v.errorf(path, "the name %s is reserved; choose another", quote(name))
		case !policyName.MatchString(name):
			v.errorf(path, "the name %s is not allowed; use letters, digits, - and _ (at most 64)", quote(name))
		}
		if !v.c.Policies[name].Passthrough {
			written := &validator{c: v.c, d: v.d, writtenOnly: true}
			written.sanitize(path, v.c.Policies[name].SanitizeSection)
			continue
		}
		for _, f := range fieldsOf(reflect.TypeFor[SanitizeSection]()) {
			if p := path + "." + f.name; v.d.lines[p] != 0 {
				v.errorf(p, "a passthrough policy forwards mail unchanged, so %s would have no effect; remove it", f.name)
			}
		}
	}
}

func (v *validator) routes() {
	c := v.c
	for i, r := range c.Routes {
		path := fmt.Sprintf("routes[%d]", i)
		if len(r.RecipientDomains) == 0 && len(r.SenderDomains) == 0 && len(r.ClientNetworks) == 0 {
			v.errorf(path, "a route needs recipient_domains, sender_domains or client_networks to match on (mail no route matches already takes the sanitize section)")
		}
		if r.NextHop != "" {
			if p := hostPortProblem(r.NextHop, false); p != "" {
				v.errorf(path+".next_hop", "%s", p)
			}
		}
		if r.Policy == "" || r.Policy == "default" {
			continue
		}
		ps, ok := c.Policies[r.Policy]
		if !ok {
			v.errorf(path+".policy", "no policy named %s under policies", quote(r.Policy))
			continue
		}
		if !ps.Passthrough {
			continue
		}
		// Passthrough skips sanitizing altogether. It is meant for mail
		// leaving the LGWAN, so the only thing allowed to select it is the
		// client's network, and only an internal one: a sender domain is
		// forged at will, and a recipient domain is chosen by the sender.
		why := fmt.Sprintf("policy %s forwards mail unsanitized (passthrough)", quote(r.Policy))
		if len(r.RecipientDomains) > 0 {
			v.errorf(path+".recipient_domains", "%s, so its routes may match only by client_networks; remove recipient_domains", why)
		}
		if len(r.SenderDomains) > 0 {
			v.errorf(path+".sender_domains", "%s, so its routes may match only by client_networks; remove sender_domains", why)
		}
		if len(r.ClientNetworks) == 0 && !v.d.isBad(path+".client_networks") {
			v.errorf(path+".policy", "%s, so its routes must match by client_networks inside relay.internal_networks", why)
		}
		for j, p := range r.ClientNetworks {
			if !c.Relay.InternalNetworks.Covers(p) {
				v.errorf(fmt.Sprintf("%s.client_networks[%d]", path, j), "%s is not inside relay.internal_networks; %s, which is allowed only for clients on the LGWAN side", p, why)
			}
		}
	}
}

// oneOf checks an enumerated value.
func (v *validator) oneOf(path, value string, allowed ...string) {
	if slices.Contains(allowed, value) {
		return
	}
	v.errorf(path, "unknown value %s; use %s", quote(value), orList(allowed))
}

// orList writes "a, b or c".
func orList(xs []string) string {
	if len(xs) == 1 {
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

func (v *validator) number(path string, n, lo, hi int) {
	if n < lo || n > hi {
		v.errorf(path, "%d is out of range; use %d to %d", n, lo, hi)
	}
}

func (v *validator) size(path string, s, lo, hi Size) {
	if s < lo || s > hi {
		v.errorf(path, "%v is out of range; use %v to %v", s, lo, hi)
	}
}

func (v *validator) duration(path string, d Duration, lo, hi time.Duration) {
	if time.Duration(d) < lo || time.Duration(d) > hi {
		v.errorf(path, "%v is out of range; use %v to %v", d, Duration(lo), Duration(hi))
	}
}

// hostPortProblem checks host:port syntax and says what is wrong, or
// returns "". A listen address may omit the host (all addresses) and use
// port 0 (any free port); a next hop may not.
func hostPortProblem(s string, listen bool) string {
	example := "mail.example.lg.jp:25"
	if listen {
		example = "0.0.0.0:25"
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Sprintf("%s is not host:port, e.g. %s (write IPv6 addresses in brackets: \"[2001:db8::1]:25\")", quote(s), example)
	}
	n, err := strconv.Atoi(port)
	lo := 1
	if listen {
		lo = 0
	}
	if err != nil || strings.Trim(port, "0123456789") != "" || n < lo || n > 65535 {
		return fmt.Sprintf("%s: the port must be a number from %d to 65535", quote(s), lo)
	}
	if host == "" {
		if listen {
			return ""
		}
		return fmt.Sprintf("%s: the host is missing, e.g. %s", quote(s), example)
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return ""
	}
	if p := hostnameProblem(host); p != "" {
		return fmt.Sprintf("%s: the host is not a valid IP address or host name: %s", quote(s), p)
	}
	return ""
}

// headerNameProblem checks a header field name for extra_headers.
func headerNameProblem(h string) string {
	if h == "" {
		return "empty header name"
	}
	// RFC 5322 section 3.6.8: printable US-ASCII except colon.
	for i := 0; i < len(h); i++ {
		if h[i] < 33 || h[i] > 126 || h[i] == ':' {
			return fmt.Sprintf("%s is not a header name; write the name alone, e.g. X-Priority", quote(h))
		}
	}
	lower := strings.ToLower(h)
	switch {
	case strings.HasPrefix(lower, "content-") || lower == "mime-version":
		return fmt.Sprintf("%s cannot be copied: the sanitizer writes its own MIME headers", quote(h))
	case strings.HasPrefix(lower, "x-mugai-"):
		// A copied X-Mugai-Sanitized would let a sender forge our verdict.
		return fmt.Sprintf("%s cannot be copied: mugai's own headers are never taken from the sender", quote(h))
	}
	return ""
}
