package config

import (
	"net/mail"
	"path/filepath"
	"strings"
	"time"
)

// VaultSection is vault: where the originals are kept, for how long, and
// how they may be released. mugai.yaml describes every key.
type VaultSection struct {
	// Enabled makes the relay store every original before acknowledging it.
	Enabled bool `yaml:"enabled"`
	// Required refuses mail (451 4.3.0) when the original cannot be stored.
	Required bool `yaml:"required"`
	// Backend is "sqlite" or "postgres".
	Backend string `yaml:"backend"`
	// Path is the vault directory (SQLite index, objects, default keys).
	Path string `yaml:"path"`
	// DSN is the PostgreSQL connection string.
	DSN string `yaml:"dsn"`
	// RecipientsFile holds the public keys; "" = Path/recipients.txt,
	// created with a key pair at first start.
	RecipientsFile string `yaml:"recipients_file"`
	// IdentityFile holds the private key for reading; "" =
	// Path/identity.txt.
	IdentityFile string   `yaml:"identity_file"`
	Retention    Duration `yaml:"retention"`
	MaxSize      Size     `yaml:"max_size"`
	// Notice is the notice's line about the original, by language.
	Notice  VaultNotice  `yaml:"notice"`
	Release VaultRelease `yaml:"release"`
}

// VaultNotice is vault.notice: the line each notice ends with when the
// original is kept, in the notice's language (sanitize.language). {id}
// is the vault id, {retention} the retention in words, {expires} the
// date it ends.
type VaultNotice struct {
	JA string `yaml:"ja"`
	EN string `yaml:"en"`
}

// NoticePlaceholders are the words vault.notice may hold.
var NoticePlaceholders = []string{"{id}", "{retention}", "{expires}"}

// VaultRelease is vault.release.
type VaultRelease struct {
	// InternetRelay is host:port of the Internet-side relay; "" = none.
	InternetRelay string  `yaml:"internet_relay"`
	InternetTLS   TLSMode `yaml:"internet_tls"`
	// Address is the template of the Internet-side address
	// ("{local}@inet.city.example.jp"); AddressMap a file of pairs.
	Address    string `yaml:"address"`
	AddressMap string `yaml:"address_map"`
	// MailFrom is the envelope sender of releases; "" = the original's.
	MailFrom string `yaml:"mail_from"`
	// LGWAN is "deny" or "allow".
	LGWAN string `yaml:"lgwan"`
	// LGWANNextHop is host:port; "" = delivery.next_hop (or the maildir).
	LGWANNextHop string `yaml:"lgwan_next_hop"`
}

// Vault backends and LGWAN release modes.
const (
	VaultSQLite   = "sqlite"
	VaultPostgres = "postgres"
	ReleaseDeny   = "deny"
	ReleaseAllow  = "allow"
)

// AllowsLGWAN reports whether originals may be released into the LGWAN.
func (r VaultRelease) AllowsLGWAN() bool { return r.LGWAN == ReleaseAllow }

// KeyFiles resolves the key file names: a name left empty is the
// default file in the vault directory.
func (s VaultSection) KeyFiles() (recipients, identity string) {
	recipients, identity = s.RecipientsFile, s.IdentityFile
	if recipients == "" {
		recipients = filepath.Join(s.Path, "recipients.txt")
	}
	if identity == "" {
		identity = filepath.Join(s.Path, "identity.txt")
	}
	return recipients, identity
}

func (v *validator) vault() {
	s := v.c.Vault
	v.oneOf("vault.backend", s.Backend, VaultSQLite, VaultPostgres)
	switch s.Backend {
	case VaultSQLite:
		if s.Path == "" {
			v.errorf("vault.path", "empty; the sqlite backend keeps the vault in this directory, e.g. /var/lib/mugai/vault")
		}
	case VaultPostgres:
		switch {
		case s.DSN == "":
			v.errorf("vault.dsn", "empty; the postgres backend needs a connection string, e.g. postgres://mugai@db.example.lg.jp/mugai?sslmode=verify-full")
		case !strings.HasPrefix(s.DSN, "postgres://") && !strings.HasPrefix(s.DSN, "postgresql://") && !strings.Contains(s.DSN, "="):
			v.errorf("vault.dsn", "%s is not a PostgreSQL connection string: write a URL (postgres://user@host/db) or key=value pairs (host=... dbname=...)", quote(s.DSN))
		}
		if s.Enabled && s.RecipientsFile == "" {
			v.errorf("vault.recipients_file", "set it with the postgres backend: every instance must encrypt to the same public keys, so none may create its own")
		}
	}
	// Whole hours, at most ten years: the sweep works in those terms, and
	// a retention in seconds is a unit mistake.
	v.duration("vault.retention", s.Retention, time.Hour, 3650*24*time.Hour)
	if s.MaxSize != 0 {
		v.size("vault.max_size", s.MaxSize, 1<<20, 1<<50)
	}
	r := s.Release
	if r.InternetRelay != "" {
		if p := hostPortProblem(r.InternetRelay, false); p != "" {
			v.errorf("vault.release.internet_relay", "%s", p)
		}
	}
	v.oneOf("vault.release.internet_tls", string(r.InternetTLS), string(TLSNone), string(TLSOpportunistic), string(TLSRequired))
	if r.Address != "" {
		if p := vaultTemplateProblem(r.Address); p != "" {
			v.errorf("vault.release.address", "%s", p)
		}
	}
	if r.MailFrom != "" {
		if a, err := mail.ParseAddress(r.MailFrom); err != nil || a.Name != "" || !strings.Contains(r.MailFrom, "@") {
			v.errorf("vault.release.mail_from", "%s is not an address; write it alone, e.g. vault@city.example.jp", quote(r.MailFrom))
		}
	}
	for _, n := range []struct{ key, text string }{{"vault.notice.ja", s.Notice.JA}, {"vault.notice.en", s.Notice.EN}} {
		v.noticeText(n.key, n.text)
	}
	v.oneOf("vault.release.lgwan", r.LGWAN, ReleaseDeny, ReleaseAllow)
	if r.LGWANNextHop != "" {
		if p := hostPortProblem(r.LGWANNextHop, false); p != "" {
			v.errorf("vault.release.lgwan_next_hop", "%s", p)
		}
	}
}

// noticeText checks a vault.notice line: one line of text that names the
// vault id (the notice is how a recipient finds the original), with only
// known placeholders.
func (v *validator) noticeText(key, text string) {
	switch {
	case strings.TrimSpace(text) == "":
		v.errorf(key, "empty; the notice must say how to get the original, with {id}")
	case strings.ContainsAny(text, "\r\n"):
		v.errorf(key, "must be one line")
	case len(text) > 1000:
		v.errorf(key, "longer than 1000 bytes")
	case !strings.Contains(text, "{id}"):
		v.errorf(key, "%s does not name {id}, the vault id a recipient quotes to get the original", quote(text))
	default:
		rest := text
		for _, p := range NoticePlaceholders {
			rest = strings.ReplaceAll(rest, p, "")
		}
		if i := strings.Index(rest, "{"); i >= 0 && strings.Contains(rest[i:], "}") {
			v.errorf(key, "%s holds an unknown placeholder; use %s", quote(text), strings.Join(NoticePlaceholders, ", "))
		}
	}
}

// vaultTemplateProblem checks an address template (the same rule as
// vault.CheckTemplate; config does not import the vault).
func vaultTemplateProblem(t string) string {
	if !strings.Contains(t, "{local}") {
		return quote(t) + " has no {local}; write e.g. {local}@inet.city.example.jp"
	}
	a := strings.NewReplacer("{local}", "user", "{domain}", "example.jp").Replace(t)
	at := strings.LastIndex(a, "@")
	if at <= 0 || strings.ContainsAny(a, " <>\"") {
		return quote(t) + " does not make an address; write e.g. {local}@inet.city.example.jp"
	}
	if p := hostnameProblem(a[at+1:]); p != "" {
		return quote(t) + ": the domain is not valid: " + p
	}
	return ""
}
