package config

import (
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/mugai/mugai/auth"
)

// Auth is the auth section: sender authentication of incoming mail,
// checked on the original before it is rebuilt (see package auth).
type Auth struct {
	// Enabled runs the checks; on by default.
	Enabled bool `yaml:"enabled"`
	// OnFail is what happens to a message that failed authentication.
	OnFail auth.FailAction `yaml:"on_fail"`
	// OnTempError is what happens when a temporary (DNS) error left the
	// result unknown.
	OnTempError auth.TempErrorAction `yaml:"on_temperror"`
	// SubjectTag goes before the subject of suspect mail; "" for none.
	SubjectTag string `yaml:"subject_tag"`
	// HonorReject rejects a DMARC failure of a domain with p=reject.
	HonorReject bool `yaml:"honor_reject"`
	// TrustedAuthservID names the upstream whose Authentication-Results
	// are used instead of checking SPF and DKIM again; "" checks here.
	TrustedAuthservID string `yaml:"trusted_authserv_id"`
	// ProtectedDomains are, besides relay.domains, the domains whose
	// lookalikes are reported.
	ProtectedDomains Domains `yaml:"protected_domains"`
	// ExternalTag goes before the subject of every message from outside.
	ExternalTag string `yaml:"external_tag"`
	// FirstContactNote notes a sender writing to a recipient the first time.
	FirstContactNote bool `yaml:"first_contact_note"`
	// Timeout bounds the checks of one message, DNS included.
	Timeout Duration `yaml:"timeout"`
}

// DNS is the dns section: the resolver of the authentication checks.
type DNS struct {
	// Servers are recursive resolvers as IP:port; empty uses those of
	// /etc/resolv.conf.
	Servers []string `yaml:"servers"`
	// Timeout bounds one query to one server; Attempts is how many
	// rounds over the servers are made.
	Timeout  Duration `yaml:"timeout"`
	Attempts int      `yaml:"attempts"`
	// CacheSize is the most answers kept, 0 for no cache; an answer is
	// kept for its TTL, at most CacheMaxTTL.
	CacheSize   int      `yaml:"cache_size"`
	CacheMaxTTL Duration `yaml:"cache_max_ttl"`
}

// DNSConfig is the dns section as the auth package takes it.
func (c *Config) DNSConfig() auth.DNSConfig {
	size := c.DNS.CacheSize
	if size == 0 {
		size = -1 // auth reads 0 as "default", the file as "no cache"
	}
	return auth.DNSConfig{
		Servers:   cloneList(c.DNS.Servers),
		Timeout:   time.Duration(c.DNS.Timeout),
		Attempts:  c.DNS.Attempts,
		CacheSize: size,
		MaxTTL:    time.Duration(c.DNS.CacheMaxTTL),
	}
}

// AuthConfig is the auth section as an auth.Config, with r (built from
// DNSConfig, and kept across reloads if the caller likes) as its
// resolver. The protected domains are relay.domains and
// auth.protected_domains.
func (c *Config) AuthConfig(r auth.Resolver) auth.Config {
	protected := append(cloneList(c.Relay.Domains), c.Auth.ProtectedDomains...)
	return auth.Config{
		Disabled:          !c.Auth.Enabled,
		Resolver:          r,
		TrustedAuthservID: c.Auth.TrustedAuthservID,
		ProtectedDomains:  protected,
		Timeout:           time.Duration(c.Auth.Timeout),
	}
}

// AuthPolicy is the auth section's policy; the notice language is
// sanitize.language.
func (c *Config) AuthPolicy() auth.Policy {
	a := c.Auth
	return auth.Policy{
		OnFail:           a.OnFail,
		OnTempError:      a.OnTempError,
		SubjectTag:       a.SubjectTag,
		HonorReject:      a.HonorReject,
		ExternalTag:      a.ExternalTag,
		FirstContactNote: a.FirstContactNote,
		Language:         string(c.Sanitize.Language),
	}
}

func (v *validator) auth() {
	a := v.c.Auth
	v.oneOf("auth.on_fail", string(a.OnFail), string(auth.FailTag), string(auth.FailQuarantine), string(auth.FailReject))
	v.oneOf("auth.on_temperror", string(a.OnTempError), string(auth.TempDeliver), string(auth.TempDefer))
	for _, k := range []struct{ path, value string }{{"auth.subject_tag", a.SubjectTag}, {"auth.external_tag", a.ExternalTag}} {
		if p := tagProblem(k.value); p != "" {
			v.errorf(k.path, "%s", p)
		}
	}
	if id := a.TrustedAuthservID; id != "" {
		if p := hostnameProblem(id); p != "" {
			v.errorf("auth.trusted_authserv_id", "%s is not a host name (the authserv-id the upstream writes first in its Authentication-Results): %s", quote(id), p)
		}
	}
	v.duration("auth.timeout", a.Timeout, time.Second, 5*time.Minute)

	d := v.c.DNS
	for i, s := range d.Servers {
		path := fmt.Sprintf("dns.servers[%d]", i)
		host, _, err := net.SplitHostPort(s)
		if p := hostPortProblem(s, false); p != "" {
			v.errorf(path, "%s", p)
		} else if _, aerr := netip.ParseAddr(host); err != nil || aerr != nil {
			v.errorf(path, "%s: write the resolver's IP address, e.g. 192.0.2.53:53 (a name would need a resolver to find it)", quote(s))
		}
	}
	v.duration("dns.timeout", d.Timeout, 100*time.Millisecond, time.Minute)
	v.number("dns.attempts", d.Attempts, 1, 10)
	v.number("dns.cache_size", d.CacheSize, 0, 1_000_000)
	v.duration("dns.cache_max_ttl", d.CacheMaxTTL, time.Second, 24*time.Hour)
}

// tagProblem checks a subject tag: one short line of text.
func tagProblem(s string) string {
	if len(s) > 64 {
		return quote(s) + " is longer than 64 bytes"
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0xfffd {
			return quote(s) + " holds a control character or invalid text"
		}
	}
	return ""
}
