package config

import (
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// ConsoleSection is console: the web console and the recipient page,
// served on listen.console when the vault is enabled. mugai.yaml
// describes every key.
type ConsoleSection struct {
	// BaseURL is the console's address as recipients reach it, for the
	// links in notices; "" = derived from listen.console (ConsoleBaseURL).
	BaseURL string    `yaml:"base_url"`
	TLS     ListenTLS `yaml:"tls"`
	// AllowInsecureRemote serves plain HTTP beyond loopback (behind a
	// reverse proxy that terminates TLS).
	AllowInsecureRemote bool     `yaml:"allow_insecure_remote"`
	Language            string   `yaml:"language"`
	SessionLifetime     Duration `yaml:"session_lifetime"`
	IdleTimeout         Duration `yaml:"idle_timeout"`
	LoginAttempts       int      `yaml:"login_attempts"`
	Lockout             Duration `yaml:"lockout"`
	// LGWANApproval makes a release into the LGWAN wait for a second
	// person.
	LGWANApproval bool `yaml:"lgwan_approval"`
	// DownloadRole is the least role that may download originals.
	DownloadRole string `yaml:"download_role"`
	// RecipientSelfRelease lets recipients send the original to their
	// own Internet-side mailbox.
	RecipientSelfRelease bool `yaml:"recipient_self_release"`
	// LinkKeyFile holds the key that signs recipient links; "" =
	// vault.path/console-link.key.
	LinkKeyFile string `yaml:"link_key_file"`
}

// ConsoleLinkKeyFile resolves console.link_key_file.
func (c *Config) ConsoleLinkKeyFile() string {
	if c.Console.LinkKeyFile != "" {
		return c.Console.LinkKeyFile
	}
	return filepath.Join(c.Vault.Path, "console-link.key")
}

// ConsoleBaseURL is console.base_url, or the address of listen.console
// (https when console.tls is set; an empty or unspecified host is the
// hostname, or localhost).
func (c *Config) ConsoleBaseURL() string {
	if c.Console.BaseURL != "" {
		return strings.TrimSuffix(c.Console.BaseURL, "/")
	}
	host, port, err := net.SplitHostPort(c.Listen.Console)
	if err != nil {
		return ""
	}
	if a, err := netip.ParseAddr(host); host == "" || (err == nil && a.IsUnspecified()) {
		host = c.Hostname
		if host == "" {
			host = "localhost"
		}
	}
	scheme := "http"
	if c.Console.TLS.Enabled() {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// loopbackHost reports whether a listen host is loopback only (the same
// rule as console.IsLoopback; config imports no server package).
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

func (v *validator) console() {
	c, s := v.c, v.c.Console
	if c.Listen.Console != "" {
		if p := hostPortProblem(c.Listen.Console, true); p != "" {
			v.errorf("listen.console", "%s", p)
		} else if host, _, _ := net.SplitHostPort(c.Listen.Console); !loopbackHost(host) && !s.TLS.Enabled() && !s.AllowInsecureRemote {
			v.errorf("listen.console", "%s is beyond loopback: set console.tls.cert_file and key_file, or console.allow_insecure_remote: true behind a reverse proxy that terminates TLS", quote(c.Listen.Console))
		}
	}
	switch t := s.TLS; {
	case t.CertFile != "" && t.KeyFile == "":
		v.errorf("console.tls.cert_file", "set key_file too; HTTPS needs both files")
	case t.CertFile == "" && t.KeyFile != "":
		v.errorf("console.tls.key_file", "set cert_file too; HTTPS needs both files")
	}
	if s.BaseURL != "" {
		u, err := url.Parse(s.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			v.errorf("console.base_url", "%s is not a web address; write e.g. https://gw.city.example.lg.jp:8025", quote(s.BaseURL))
		}
	}
	v.oneOf("console.language", s.Language, "ja", "en")
	v.duration("console.session_lifetime", s.SessionLifetime, 5*time.Minute, 7*24*time.Hour)
	v.duration("console.idle_timeout", s.IdleTimeout, time.Minute, 24*time.Hour)
	v.number("console.login_attempts", s.LoginAttempts, 1, 100)
	v.duration("console.lockout", s.Lockout, time.Minute, 24*time.Hour)
	v.oneOf("console.download_role", s.DownloadRole, "viewer", "operator", "admin", "none")
}
