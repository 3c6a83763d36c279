package config

import (
	"slices"
	"testing"
	"time"

	"github.com/mugai/mugai/auth"
)

func TestAuthValidation(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"unknown on_fail", "auth:\n  on_fail: drop\n",
			[]string{`f.yaml:2: auth.on_fail: unknown value "drop"; use tag, quarantine or reject`}},
		{"unknown on_temperror", "auth:\n  on_temperror: tag\n",
			[]string{`f.yaml:2: auth.on_temperror: unknown value "tag"; use deliver or defer`}},
		{"tag with a control character", "auth:\n  subject_tag: \"[x]\\r\\nBcc: a@b\"\n",
			[]string{`f.yaml:2: auth.subject_tag: "[x]\r\nBcc: a@b" holds a control character or invalid text`}},
		{"authserv-id not a host name", "auth:\n  trusted_authserv_id: \"mx; spf=pass\"\n",
			[]string{`f.yaml:2: auth.trusted_authserv_id: "mx; spf=pass" is not a host name (the authserv-id the upstream writes first in its Authentication-Results): character ';' is not allowed`}},
		{"protected domain with a wildcard", "auth:\n  protected_domains: [\"*.lg.jp\"]\n",
			[]string{`f.yaml:2: auth.protected_domains: "*.lg.jp": wildcards are not supported; list each domain exactly (subdomains are never included)`}},
		{"timeout out of range", "auth:\n  timeout: 10m\n",
			[]string{`f.yaml:2: auth.timeout: 10m is out of range; use 1s to 5m`}},
		{"dns server by name", "dns:\n  servers: [ns.example.jp:53]\n",
			[]string{`f.yaml:2: dns.servers: "ns.example.jp:53": write the resolver's IP address, e.g. 192.0.2.53:53 (a name would need a resolver to find it)`}},
		{"dns server without port", "dns:\n  servers: [192.0.2.53]\n",
			[]string{`f.yaml:2: dns.servers: "192.0.2.53" is not host:port, e.g. mail.example.lg.jp:25 (write IPv6 addresses in brackets: "[2001:db8::1]:25")`}},
		{"dns attempts", "dns:\n  attempts: 0\n",
			[]string{`f.yaml:2: dns.attempts: 0 is out of range; use 1 to 10`}},
		{"cache ttl", "dns:\n  cache_max_ttl: 0s\n",
			[]string{`f.yaml:2: dns.cache_max_ttl: 0s is out of range; use 1s to 24h`}},
		{"valid", "auth:\n  on_fail: quarantine\n  external_tag: \"[外部]\"\n  trusted_authserv_id: mx.city.example.lg.jp\n" +
			"dns:\n  servers: [192.0.2.53:53, \"[2001:db8::53]:53\"]\n  cache_size: 0\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := problems(t, tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestAuthConversion(t *testing.T) {
	c, err := Parse("f.yaml", []byte("relay:\n  domains: [city.example.lg.jp]\nsanitize:\n  language: en\n"+
		"auth:\n  enabled: false\n  on_fail: reject\n  honor_reject: true\n  protected_domains: [soumu.go.jp]\n  timeout: 5s\n"+
		"dns:\n  servers: [192.0.2.53:53]\n  cache_size: 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	ac := c.AuthConfig(nil)
	if !ac.Disabled || ac.Timeout != 5*time.Second || !slices.Equal(ac.ProtectedDomains, []string{"city.example.lg.jp", "soumu.go.jp"}) {
		t.Errorf("AuthConfig = %+v", ac)
	}
	if p := c.AuthPolicy(); p.OnFail != auth.FailReject || !p.HonorReject || p.Language != "en" || p.SubjectTag != "[なりすまし注意]" {
		t.Errorf("AuthPolicy = %+v", p)
	}
	if d := c.DNSConfig(); d.CacheSize != -1 || !slices.Equal(d.Servers, []string{"192.0.2.53:53"}) || d.Timeout != 2*time.Second {
		t.Errorf("DNSConfig = %+v", d)
	}
	if c.Relay.Domains[0] != "city.example.lg.jp" || len(c.Relay.Domains) != 1 {
		t.Errorf("AuthConfig changed relay.domains: %v", c.Relay.Domains)
	}
}
