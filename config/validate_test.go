package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// problems parses in as file f.yaml and returns its problems as the lines
// `mugai check-config` would print.
func problems(t *testing.T, in string) []string {
	t.Helper()
	c, err := Parse("f.yaml", []byte(in))
	if err == nil {
		if c == nil {
			t.Fatal("Parse returned neither a Config nor an error")
		}
		return nil
	}
	if c != nil {
		t.Error("Parse returned a Config along with an error")
	}
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("error %T is not Errors: %v", err, err)
	}
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return lines
}

// TestValidation has one case per rule; each asserts every line printed.
func TestValidation(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		// Decoding.
		{"unknown converter type", "converters:\n  exe: /bin/cat\n",
			[]string{`f.yaml:2: converters.exe: unknown file type "exe"; use one of pdf, docx, xlsx, pptx, odt, ods, odp, rtf, doc, xls or ppt`}},
		{"converter through a shell", "converters:\n  pdf: pdftotext - - | head\n",
			[]string{`f.yaml:2: converters.pdf: "pdftotext - - | head": the command is run without a shell; write the program and its arguments only`}},
		{"unknown landlock mode", "sandbox:\n  landlock: off\n",
			[]string{`f.yaml:2: sandbox.landlock: unknown value "off"; use enforce or best_effort`}},
		{"environment value instead of name", "sandbox:\n  environment: [LANG=C.UTF-8, TZ]\n",
			[]string{`f.yaml:2: sandbox.environment: "LANG=C.UTF-8" is not a variable name; write the name only (its value is taken from the gateway's environment)`}},
		{"read paths", "sandbox:\n  read_paths:\n    - usr/lib\n    - /usr/share\n    - //\n",
			[]string{`f.yaml:3: sandbox.read_paths: "usr/lib" is not an absolute path`,
				`f.yaml:5: sandbox.read_paths: the root directory would let converters read every file; name the directories they need`}},
		{"bad http listener", "listen:\n  http: localhost\n",
			[]string{`f.yaml:2: listen.http: "localhost" is not host:port, e.g. 0.0.0.0:25 (write IPv6 addresses in brackets: "[2001:db8::1]:25")`}},
		{"unknown image mode", "sanitize:\n  images: keep\n",
			[]string{`f.yaml:2: sanitize.images: unknown value "keep"; use drop or reencode`}},
		{"archive depth out of range", "limits:\n  archive_depth: 50\n",
			[]string{`f.yaml:2: limits.archive_depth: 50 is out of range; use 1 to 20`}},
		{"unknown key", "hostnme: gw.example.jp\n",
			[]string{`f.yaml:1: unknown key "hostnme" (did you mean "hostname"?)`}},
		{"unknown key, dash for underscore", "relay:\n  bare-newlines: reject\n",
			[]string{`f.yaml:2: unknown key "bare-newlines" in relay (did you mean "bare_newlines"?)`}},
		{"unknown key from another section", "relay:\n  maildir: /x\n",
			[]string{`f.yaml:2: unknown key "maildir" in relay (did you mean delivery.maildir?)`}},
		{"unknown key in several sections", "command_timeout: 5m\n",
			[]string{`f.yaml:1: unknown key "command_timeout" (did you mean delivery.command_timeout or limits.command_timeout?)`}},
		{"unknown key in a policy", "policies:\n  strict:\n    colour: red\n",
			[]string{`f.yaml:3: unknown key "colour" in policies.strict`}},
		{"unknown key in a route", "routes:\n  - recipient_domain: [a.jp]\n",
			[]string{`f.yaml:2: unknown key "recipient_domain" in routes (did you mean "recipient_domains"?)`}},
		{"not a number", "limits:\n  recipients: many\n",
			[]string{`f.yaml:2: limits.recipients: want a whole number, got "many"`}},
		{"not a boolean", "policies:\n  p:\n    passthrough: maybe\n",
			[]string{`f.yaml:3: policies.p.passthrough: want true or false, got "maybe"`}},
		{"list for a section", "relay: [a]\n",
			[]string{`f.yaml:1: relay: want a set of keys (key: value lines), got a list`}},
		{"list for a single value", "log:\n  level: [info]\n",
			[]string{`f.yaml:2: log.level: want a single value, got a list`}},
		{"single value for a list", "relay:\n  domains: a.example.jp\n",
			[]string{`f.yaml:2: relay.domains: want a list, got a single value (write [example.lg.jp] or one "- example.lg.jp" line per item)`}},
		{"not a set of keys at all", "hello\n",
			[]string{`f.yaml:1: the file must be a set of keys such as "hostname:" and "listen:", not a single value`}},
		{"duplicate key", "log:\n  level: debug\n  level: warn\n",
			[]string{`f.yaml:3: log.level: given twice (first at line 2)`}},
		{"merge key", "relay:\n  <<: {bare_newlines: reject}\n",
			[]string{`f.yaml:2: relay: merge keys (<<) are not supported; write the keys out, or reuse a whole value with an alias (*name)`}},
		{"syntax error", "hostname: gw.example.jp\nrelay:\n  domains: [a.jp\n",
			[]string{`f.yaml:3: YAML syntax: did not find expected ',' or ']'`}},
		{"syntax error on line 1", "hostname: a: b\n",
			[]string{`f.yaml:1: YAML syntax: mapping values are not allowed in this context`}},
		{"tab indentation", "listen:\n\tsmtp: 0.0.0.0:25\n",
			[]string{`f.yaml:2: YAML syntax: found character that cannot start any token (a tab is not allowed here; indent with spaces)`}},
		{"two documents", "hostname: a.jp\n---\nhostname: b.jp\n",
			[]string{`f.yaml:2: a second YAML document (after ---) is not allowed; keep all settings in one`}},
		{"Shift_JIS", "hostname: gw.example.jp\n# \x93\xfa\x96\x7b\n",
			[]string{`f.yaml:2: the file is not UTF-8 text (byte 0x93); save it as UTF-8, not Shift_JIS or another encoding`}},
		{"control character", "hostname: gw\x00\n",
			[]string{`f.yaml:1: control character U+0000 is not allowed`}},
		{"undefined alias", "relay:\n  domains: *mine\n",
			[]string{`f.yaml:2: YAML syntax: alias *mine refers to no anchor &mine defined before it`}},

		// hostname and listen.
		{"hostname is an address", "hostname: 192.0.2.1\n",
			[]string{`f.yaml:1: hostname: "192.0.2.1" is an IP address; use the host name other servers know this one by`}},
		{"hostname syntax", "hostname: gw_1.example.jp\n",
			[]string{`f.yaml:1: hostname: "gw_1.example.jp" is not a valid host name: character '_' is not allowed`}},
		{"listen without port", "listen:\n  smtp: 0.0.0.0\n",
			[]string{`f.yaml:2: listen.smtp: "0.0.0.0" is not host:port, e.g. 0.0.0.0:25 (write IPv6 addresses in brackets: "[2001:db8::1]:25")`}},
		{"listen empty", "listen:\n  smtp: \"\"\n",
			[]string{`f.yaml:2: listen.smtp: missing; write host:port, e.g. 0.0.0.0:25`}},
		{"listen bad port", "listen:\n  smtp: \":smtp\"\n",
			[]string{`f.yaml:2: listen.smtp: ":smtp": the port must be a number from 0 to 65535`}},
		{"cert without key", "listen:\n  tls:\n    cert_file: c.pem\n",
			[]string{`f.yaml:3: listen.tls.cert_file: set key_file too; STARTTLS needs both files`}},
		{"key without cert", "listen:\n  tls:\n    key_file: k.pem\n",
			[]string{`f.yaml:3: listen.tls.key_file: set cert_file too; STARTTLS needs both files`}},

		// relay.
		{"domain wildcard", "relay:\n  domains: [\"*.example.jp\"]\n",
			[]string{`f.yaml:2: relay.domains: "*.example.jp": wildcards are not supported; list each domain exactly (subdomains are never included)`}},
		{"domain wildcard unquoted", "relay:\n  domains: [*.example.jp]\n",
			[]string{`f.yaml:2: YAML syntax: an unquoted * starts a YAML alias; if this is a domain wildcard, wildcards are not supported: list each domain exactly`}},
		{"domain leading dot", "relay:\n  domains:\n    - ok.jp\n    - .example.jp\n",
			[]string{`f.yaml:4: relay.domains: ".example.jp": wildcards are not supported; list each domain exactly (subdomains are never included)`}},
		{"domain is an address", "relay:\n  domains: [192.0.2.1]\n",
			[]string{`f.yaml:2: relay.domains: "192.0.2.1" is an IP address, not a domain name`}},
		{"domain with user", "relay:\n  domains: [postmaster@example.jp]\n",
			[]string{`f.yaml:2: relay.domains: "postmaster@example.jp": write the domain alone, without the part before @`}},
		{"domain not ASCII", "relay:\n  domains: [例え.jp]\n",
			[]string{`f.yaml:2: relay.domains: "例え.jp" is not a valid domain name: write internationalized names in their ASCII xn-- form`}},
		{"domain label", "relay:\n  domains: [-bad.example.jp]\n",
			[]string{`f.yaml:2: relay.domains: "-bad.example.jp" is not a valid domain name: a label starts or ends with a hyphen`}},
		{"domain double dot", "relay:\n  domains: [a..jp]\n",
			[]string{`f.yaml:2: relay.domains: "a..jp" is not a valid domain name: empty label (two dots in a row, or a leading dot)`}},
		{"network host bits", "relay:\n  networks: [10.1.2.3/8]\n",
			[]string{`f.yaml:2: relay.networks: "10.1.2.3/8" has bits set after the /8; did you mean 10.0.0.0/8?`}},
		{"network is an address", "relay:\n  networks:\n    - 10.0.0.0/8\n    - 192.0.2.25\n",
			[]string{`f.yaml:4: relay.networks: "192.0.2.25" is an address, not a network; write 192.0.2.25/32 for that address alone`}},
		{"network garbage", "relay:\n  networks: [localhost]\n",
			[]string{`f.yaml:2: relay.networks: "localhost" is not a network in CIDR form such as 192.0.2.0/24 or 2001:db8::/32`}},
		{"network IPv4-mapped", "relay:\n  networks: [\"::ffff:10.0.0.0/104\"]\n",
			[]string{`f.yaml:2: relay.networks: "::ffff:10.0.0.0/104" is an IPv4 network in IPv6 form; write it as IPv4`}},
		{"network item is a list", "relay:\n  networks: [[10.0.0.0/8]]\n",
			[]string{`f.yaml:2: relay.networks: want a network such as 192.0.2.0/24, got a list`}},
		{"internal network", "relay:\n  internal_networks: [10.0.0.1/8]\n",
			[]string{`f.yaml:2: relay.internal_networks: "10.0.0.1/8" has bits set after the /8; did you mean 10.0.0.0/8?`}},
		{"networks empty", "relay:\n  networks: []\n",
			[]string{`f.yaml:2: relay.networks: empty, so no client could send mail; list at least one network, e.g. [192.0.2.25/32]`}},
		{"networks null", "relay:\n  networks:\n",
			[]string{`f.yaml:2: relay.networks: empty, so no client could send mail; list at least one network, e.g. [192.0.2.25/32]`}},
		{"bare_newlines", "relay:\n  bare_newlines: strip\n",
			[]string{`f.yaml:2: relay.bare_newlines: unknown value "strip"; use reject or normalize`}},

		// delivery.
		{"next_hop without port", "delivery:\n  next_hop: mail.example.jp\n",
			[]string{`f.yaml:2: delivery.next_hop: "mail.example.jp" is not host:port, e.g. mail.example.lg.jp:25 (write IPv6 addresses in brackets: "[2001:db8::1]:25")`}},
		{"next_hop port 0", "delivery:\n  next_hop: mail.example.jp:0\n",
			[]string{`f.yaml:2: delivery.next_hop: "mail.example.jp:0": the port must be a number from 1 to 65535`}},
		{"next_hop port too big", "delivery:\n  next_hop: 10.0.0.1:65536\n",
			[]string{`f.yaml:2: delivery.next_hop: "10.0.0.1:65536": the port must be a number from 1 to 65535`}},
		{"next_hop without host", "delivery:\n  next_hop: \":25\"\n",
			[]string{`f.yaml:2: delivery.next_hop: ":25": the host is missing, e.g. mail.example.lg.jp:25`}},
		{"next_hop bad host", "delivery:\n  next_hop: 10.0.0.256:25\n",
			[]string{`f.yaml:2: delivery.next_hop: "10.0.0.256:25": the host is not a valid IP address or host name: the last label is all digits`}},
		{"next_hop and maildir", "delivery:\n  next_hop: 10.0.0.1:25\n  maildir: /var/mail/out\n",
			[]string{`f.yaml:3: delivery.maildir: set either delivery.next_hop or delivery.maildir, not both`}},
		{"delivery tls", "delivery:\n  tls: yes\n",
			[]string{`f.yaml:2: delivery.tls: unknown value "yes"; use none, opportunistic or required`}},
		{"server_name", "delivery:\n  server_name: mail server\n",
			[]string{`f.yaml:2: delivery.server_name: "mail server" is not a valid host name: character ' ' is not allowed`}},
		{"connect_timeout syntax", "delivery:\n  connect_timeout: 5 minutes\n",
			[]string{`f.yaml:2: delivery.connect_timeout: "5 minutes" is not a duration; write a number with s, m or h, e.g. 30s, 5m or 1h30m`}},
		{"command_timeout zero", "delivery:\n  command_timeout: 0s\n",
			[]string{`f.yaml:2: delivery.command_timeout: 0s is out of range; use 1s to 1h`}},

		// limits.
		{"size syntax", "limits:\n  message_size: 10K\n",
			[]string{`f.yaml:2: limits.message_size: "10K" is not a size; write a whole number of bytes or a number with KB, KiB, MB, MiB, GB or GiB, e.g. 256KiB (write KB for powers of 1000 or KiB for powers of 1024)`}},
		{"size fraction", "limits:\n  message_size: 1.5MiB\n",
			[]string{`f.yaml:2: limits.message_size: "1.5MiB" is not a size; write a whole number of bytes or a number with KB, KiB, MB, MiB, GB or GiB, e.g. 256KiB`}},
		{"size negative", "limits:\n  part_size: -1\n",
			[]string{`f.yaml:2: limits.part_size: "-1" is not a size; write a whole number of bytes or a number with KB, KiB, MB, MiB, GB or GiB, e.g. 256KiB`}},
		{"size overflow", "limits:\n  decoded_size: 99999999999999999999\n",
			[]string{`f.yaml:2: limits.decoded_size: "99999999999999999999" is too large`}},
		{"size too small", "limits:\n  message_size: 100\n",
			[]string{`f.yaml:2: limits.message_size: 100 is out of range; use 1KiB to 2GiB`}},
		{"size too large", "limits:\n  html_token: 1GiB\n",
			[]string{`f.yaml:2: limits.html_token: 1GiB is out of range; use 1KiB to 256MiB`}},
		{"line_length below RFC 5321", "limits:\n  line_length: 998\n",
			[]string{`f.yaml:2: limits.line_length: 998 is out of range; use 1000 to 64MiB`}},
		{"header_size", "limits:\n  header_size: 0\n",
			[]string{`f.yaml:2: limits.header_size: 0 is out of range; use 1KiB to 64MiB`}},
		{"duration too long", "limits:\n  session_time: 25h\n",
			[]string{`f.yaml:2: limits.session_time: 25h is out of range; use 1s to 24h`}},
		{"duration negative", "limits:\n  data_timeout: -5m\n",
			[]string{`f.yaml:2: limits.data_timeout: -5m is out of range; use 1s to 1h`}},
		{"duration too small", "limits:\n  sanitize_time: 500ms\n",
			[]string{`f.yaml:2: limits.sanitize_time: 500ms is out of range; use 1s to 1h`}},
		{"mime_depth zero", "limits:\n  mime_depth: 0\n",
			[]string{`f.yaml:2: limits.mime_depth: 0 is out of range; use 1 to 100`}},
		{"mime_depth too deep", "limits:\n  mime_depth: 101\n",
			[]string{`f.yaml:2: limits.mime_depth: 101 is out of range; use 1 to 100`}},
		{"mime_parts", "limits:\n  mime_parts: 100001\n",
			[]string{`f.yaml:2: limits.mime_parts: 100001 is out of range; use 1 to 100000`}},
		{"workers negative", "limits:\n  workers: -1\n",
			[]string{`f.yaml:2: limits.workers: -1 is out of range; use 0 to 4096`}},
		{"recipients", "limits:\n  recipients: 0\n",
			[]string{`f.yaml:2: limits.recipients: 0 is out of range; use 1 to 100000`}},
		{"protocol_errors", "limits:\n  protocol_errors: 0\n",
			[]string{`f.yaml:2: limits.protocol_errors: 0 is out of range; use 1 to 10000`}},
		{"connections_per_ip above connections", "limits:\n  connections: 10\n  connections_per_ip: 11\n",
			[]string{`f.yaml:3: limits.connections_per_ip: 11 is more than limits.connections (10)`}},
		{"connections_per_ip above default connections", "limits:\n  connections_per_ip: 200\n",
			[]string{`f.yaml:2: limits.connections_per_ip: 200 is more than limits.connections (100)`}},
		{"connections_reserved_percent", "limits:\n  connections_reserved_percent: 95\n",
			[]string{`f.yaml:2: limits.connections_reserved_percent: 95 is out of range; use 0 to 90`}},
		{"min_data_rate", "limits:\n  min_data_rate: 0\n",
			[]string{`f.yaml:2: limits.min_data_rate: 0 is out of range; use 1 to 1GiB`}},
		{"recipient_timeout", "delivery:\n  recipient_timeout: 0s\n",
			[]string{`f.yaml:2: delivery.recipient_timeout: 0s is out of range; use 1s to 1h`}},
		{"envelope_time", "delivery:\n  envelope_time: 48h\n",
			[]string{`f.yaml:2: delivery.envelope_time: 48h is out of range; use 1s to 24h`}},

		// sanitize and log.
		{"prefer", "sanitize:\n  prefer: rtf\n",
			[]string{`f.yaml:2: sanitize.prefer: unknown value "rtf"; use text or html`}},
		{"links", "sanitize:\n  links: hide\n",
			[]string{`f.yaml:2: sanitize.links: unknown value "hide"; use keep, defang or remove`}},
		{"ambiguous", "sanitize:\n  ambiguous: accept\n",
			[]string{`f.yaml:2: sanitize.ambiguous: unknown value "accept"; use reject, notice or quarantine`}},
		{"over_limit", "sanitize:\n  over_limit: \"\"\n",
			[]string{`f.yaml:2: sanitize.over_limit: unknown value ""; use reject, notice or quarantine`}},
		{"language", "sanitize:\n  language: jp\n",
			[]string{`f.yaml:2: sanitize.language: unknown value "jp"; use ja or en`}},
		{"notice_position", "sanitize:\n  notice_position: middle\n",
			[]string{`f.yaml:2: sanitize.notice_position: unknown value "middle"; use top or bottom`}},
		{"extra header Content-Type", "sanitize:\n  extra_headers: [X-Priority, content-type]\n",
			[]string{`f.yaml:2: sanitize.extra_headers: "content-type" cannot be copied: the sanitizer writes its own MIME headers`}},
		{"extra header ours", "sanitize:\n  extra_headers:\n    - X-Mugai-Sanitized\n",
			[]string{`f.yaml:3: sanitize.extra_headers: "X-Mugai-Sanitized" cannot be copied: mugai's own headers are never taken from the sender`}},
		{"extra header syntax", "sanitize:\n  extra_headers: [\"X-Priority: 1\"]\n",
			[]string{`f.yaml:2: sanitize.extra_headers: "X-Priority: 1" is not a header name; write the name alone, e.g. X-Priority`}},
		{"log format", "log:\n  format: xml\n",
			[]string{`f.yaml:2: log.format: unknown value "xml"; use text or json`}},
		{"log level", "log:\n  level: verbose\n",
			[]string{`f.yaml:2: log.level: unknown value "verbose"; use debug, info, warn or error`}},

		// policies.
		{"policy named default", "policies:\n  default:\n    links: keep\n",
			[]string{`f.yaml:2: policies.default: the name "default" is reserved; choose another`}},
		{"policy named passthrough", "policies:\n  passthrough: {}\n",
			[]string{`f.yaml:2: policies.passthrough: the name "passthrough" is reserved; choose another`}},
		{"policy name syntax", "policies:\n  \"my policy\": {}\n",
			[]string{`f.yaml:2: policies.my policy: the name "my policy" is not allowed; use letters, digits, - and _ (at most 64)`}},
		{"policy value", "policies:\n  strict:\n    links: hide\n",
			[]string{`f.yaml:3: policies.strict.links: unknown value "hide"; use keep, defang or remove`}},
		{"policy extra header", "policies:\n  strict:\n    extra_headers: [MIME-Version]\n",
			[]string{`f.yaml:3: policies.strict.extra_headers: "MIME-Version" cannot be copied: the sanitizer writes its own MIME headers`}},
		{"passthrough with other keys", "policies:\n  out:\n    passthrough: true\n    language: en\n",
			[]string{`f.yaml:4: policies.out.language: a passthrough policy forwards mail unchanged, so language would have no effect; remove it`}},
		{"passthrough with several keys", "policies:\n  out:\n    passthrough: true\n    links: keep\n    language: en\n",
			[]string{
				`f.yaml:4: policies.out.links: a passthrough policy forwards mail unchanged, so links would have no effect; remove it`,
				`f.yaml:5: policies.out.language: a passthrough policy forwards mail unchanged, so language would have no effect; remove it`,
			}},
		{"policy keys not written are checked in sanitize", "sanitize:\n  links: hide\npolicies:\n  strict: {over_limit: notice}\n  loose: {links: keep}\n",
			[]string{`f.yaml:2: sanitize.links: unknown value "hide"; use keep, defang or remove`}},

		// routes.
		{"route without condition", "routes:\n  - next_hop: 10.0.0.1:25\n",
			[]string{`f.yaml:2: routes: a route needs recipient_domains, sender_domains or client_networks to match on (mail no route matches already takes the sanitize section)`}},
		{"route null", "routes:\n  -\n",
			[]string{`f.yaml:2: routes: empty list item; remove the "-" or write a value after it`}},
		{"routes beside bad ones", "routes:\n  - ~\n  - x\n  - {}\n",
			[]string{
				`f.yaml:2: routes: empty list item; remove the "-" or write a value after it`,
				`f.yaml:3: routes: want a set of keys (key: value lines), got a single value`,
				`f.yaml:4: routes: a route needs recipient_domains, sender_domains or client_networks to match on (mail no route matches already takes the sanitize section)`,
			}},
		{"list item null", "sanitize:\n  extra_headers: [X-Priority, ~]\n",
			[]string{`f.yaml:2: sanitize.extra_headers: empty list item; remove the "-" or write a value after it`}},
		{"route undefined policy", "routes:\n  - recipient_domains: [a.jp]\n    policy: strict\n",
			[]string{`f.yaml:3: routes.policy: no policy named "strict" under policies`}},
		{"route next_hop", "routes:\n  - recipient_domains: [a.jp]\n    next_hop: a.jp\n",
			[]string{`f.yaml:3: routes.next_hop: "a.jp" is not host:port, e.g. mail.example.lg.jp:25 (write IPv6 addresses in brackets: "[2001:db8::1]:25")`}},
		{"route domains", "routes:\n  - sender_domains: [\"*.a.jp\"]\n",
			[]string{`f.yaml:2: routes.sender_domains: "*.a.jp": wildcards are not supported; list each domain exactly (subdomains are never included)`}},
		{"passthrough by recipient", passthroughBase + "routes:\n  - recipient_domains: [a.jp]\n    client_networks: [10.1.0.0/16]\n    policy: out\n",
			[]string{`f.yaml:8: routes.recipient_domains: policy "out" forwards mail unsanitized (passthrough), so its routes may match only by client_networks; remove recipient_domains`}},
		{"passthrough by sender", passthroughBase + "routes:\n  - client_networks: [10.1.0.0/16]\n    sender_domains: [a.jp]\n    policy: out\n",
			[]string{`f.yaml:9: routes.sender_domains: policy "out" forwards mail unsanitized (passthrough), so its routes may match only by client_networks; remove sender_domains`}},
		{"passthrough without networks", passthroughBase + "routes:\n  - recipient_domains: [a.jp]\n    policy: out\n",
			[]string{
				`f.yaml:8: routes.recipient_domains: policy "out" forwards mail unsanitized (passthrough), so its routes may match only by client_networks; remove recipient_domains`,
				`f.yaml:9: routes.policy: policy "out" forwards mail unsanitized (passthrough), so its routes must match by client_networks inside relay.internal_networks`,
			}},
		{"passthrough outside internal networks", passthroughBase + "routes:\n  - client_networks:\n      - 10.1.2.0/24\n      - 10.0.0.0/8\n    policy: out\n",
			[]string{`f.yaml:10: routes.client_networks: 10.0.0.0/8 is not inside relay.internal_networks; policy "out" forwards mail unsanitized (passthrough), which is allowed only for clients on the LGWAN side`}},
		{"passthrough with no internal networks", "policies:\n  out: {passthrough: true}\nroutes:\n  - client_networks: [10.1.0.0/16]\n    policy: out\n",
			[]string{`f.yaml:4: routes.client_networks: 10.1.0.0/16 is not inside relay.internal_networks; policy "out" forwards mail unsanitized (passthrough), which is allowed only for clients on the LGWAN side`}},
		{"passthrough inside internal networks", passthroughBase + "routes:\n  - client_networks: [10.1.2.0/24, 10.1.0.0/16]\n    policy: out\n    next_hop: 198.51.100.7:25\n",
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problems(t, tt.in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("input:\n%s\ngot:\n  %s\nwant:\n  %s", tt.in, strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

// passthroughBase defines an internal network and a passthrough policy in
// lines 1 to 6, for the route cases above.
const passthroughBase = `relay:
  networks: [127.0.0.0/8, 10.0.0.0/8]
  internal_networks: [10.1.0.0/16]
policies:
  out:
    passthrough: true
`

// TestManyErrorsAtOnce checks that problems of every kind are all
// reported in one run, in line order, and that a problem does not hide
// others beside it (yaml.v3 skips a whole mapping with a duplicate key).
func TestManyErrorsAtOnce(t *testing.T) {
	in := `log:
  level: verbose
  level: debug
relay:
  networks: [10.0.0.1/8, 192.0.2.0/24, bogus]
  domian: [a.jp]
limits:
  mime_depth: 0
  message_size: lots
sanitize:
  links: hide
routes:
  - policy: missing
`
	want := []string{
		`f.yaml:2: log.level: unknown value "verbose"; use debug, info, warn or error`,
		`f.yaml:3: log.level: given twice (first at line 2)`,
		`f.yaml:5: relay.networks: "10.0.0.1/8" has bits set after the /8; did you mean 10.0.0.0/8?`,
		`f.yaml:5: relay.networks: "bogus" is not a network in CIDR form such as 192.0.2.0/24 or 2001:db8::/32`,
		`f.yaml:6: unknown key "domian" in relay (did you mean "domains"?)`,
		`f.yaml:8: limits.mime_depth: 0 is out of range; use 1 to 100`,
		`f.yaml:9: limits.message_size: "lots" is not a size; write a whole number of bytes or a number with KB, KiB, MB, MiB, GB or GiB, e.g. 256KiB`,
		`f.yaml:11: sanitize.links: unknown value "hide"; use keep, defang or remove`,
		`f.yaml:13: routes: a route needs recipient_domains, sender_domains or client_networks to match on (mail no route matches already takes the sanitize section)`,
		`f.yaml:13: routes.policy: no policy named "missing" under policies`,
	}
	got := problems(t, in)
	if !slices.Equal(got, want) {
		t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	_, err := Parse("f.yaml", []byte(in))
	if err.Error() != strings.Join(want, "\n") {
		t.Errorf("Errors.Error() =\n%s", err)
	}
}

func TestErrorFormat(t *testing.T) {
	for _, tt := range []struct {
		e    Error
		want string
	}{
		{Error{File: "a.yaml", Line: 3, Msg: "bad"}, "a.yaml:3: bad"},
		{Error{File: "a.yaml", Msg: "bad"}, "a.yaml: bad"},
		{Error{Line: 3, Msg: "bad"}, "3: bad"},
		{Error{Msg: "bad"}, "bad"},
	} {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("%#v.Error() = %q, want %q", tt.e, got, tt.want)
		}
	}
	es := Errors{{File: "a", Line: 1, Msg: "x"}, {File: "a", Line: 2, Msg: "y"}}
	if got := es.Error(); got != "a:1: x\na:2: y" {
		t.Errorf("Errors.Error() = %q", got)
	}
}

// TestTooLarge checks the size guard that keeps Parse bounded.
func TestTooLarge(t *testing.T) {
	data := []byte("# " + strings.Repeat("x", maxFileSize) + "\n")
	got := problems(t, string(data))
	want := []string{"f.yaml: the file is larger than 1MiB; a configuration file is a few KiB"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestAliasBomb checks that aliases cannot make checking a small file
// expensive.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("routes: [{recipient_domains: *a9}]\n")
	if got := problems(t, b.String()); len(got) == 0 {
		t.Error("alias bomb accepted")
	}
}

// TestShapeBounds: oversized sections and lists are refused before
// yaml.v3, whose duplicate-key check is quadratic, sees them.
func TestShapeBounds(t *testing.T) {
	var keys, items strings.Builder
	keys.WriteString("policies:\n")
	for i := range maxKeys + 1 {
		fmt.Fprintf(&keys, "  p%d:\n", i)
	}
	items.WriteString("relay:\n  domains:\n")
	for range maxItems + 1 {
		items.WriteString("    - a.jp\n")
	}
	for _, tt := range []struct{ in, want string }{
		{keys.String(), "f.yaml:2: policies: 1001 keys are too many (at most 1000)"},
		{items.String(), "f.yaml:3: relay.domains: 10001 items are too many (at most 10000)"},
	} {
		if got := problems(t, tt.in); !slices.Equal(got, []string{tt.want}) {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}
