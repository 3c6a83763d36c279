package config

import (
	"slices"
	"testing"
	"time"
)

func TestVaultValidation(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"backend", "vault:\n  backend: mysql\n",
			[]string{`f.yaml:2: vault.backend: unknown value "mysql"; use sqlite or postgres`}},
		{"sqlite without path", "vault:\n  path: \"\"\n",
			[]string{`f.yaml:2: vault.path: empty; the sqlite backend keeps the vault in this directory, e.g. /var/lib/mugai/vault`}},
		{"postgres without dsn", "vault:\n  enabled: false\n  backend: postgres\n",
			[]string{`f.yaml:1: vault.dsn: empty; the postgres backend needs a connection string, e.g. postgres://mugai@db.example.lg.jp/mugai?sslmode=verify-full`}},
		{"postgres dsn", "vault:\n  enabled: false\n  backend: postgres\n  dsn: db.example.jp\n",
			[]string{`f.yaml:4: vault.dsn: "db.example.jp" is not a PostgreSQL connection string: write a URL (postgres://user@host/db) or key=value pairs (host=... dbname=...)`}},
		{"postgres enabled needs shared keys", "vault:\n  enabled: true\n  backend: postgres\n  dsn: postgres://db/mugai\n",
			[]string{`f.yaml:1: vault.recipients_file: set it with the postgres backend: every instance must encrypt to the same public keys, so none may create its own`}},
		{"retention unit", "vault:\n  retention: 30\n",
			[]string{`f.yaml:2: vault.retention: 30s is out of range; use 1h to 87600h`}},
		{"retention words", "vault:\n  retention: 30 days\n",
			[]string{`f.yaml:2: vault.retention: "30 days" is not a duration; write a number with s, m or h, e.g. 30s, 5m or 1h30m`}},
		{"max_size", "vault:\n  max_size: 100KiB\n",
			[]string{`f.yaml:2: vault.max_size: 100KiB is out of range; use 1MiB to 1048576GiB`}},
		{"internet relay", "vault:\n  release:\n    internet_relay: mail.example.jp\n",
			[]string{`f.yaml:3: vault.release.internet_relay: "mail.example.jp" is not host:port, e.g. mail.example.lg.jp:25 (write IPv6 addresses in brackets: "[2001:db8::1]:25")`}},
		{"address without local", "vault:\n  release:\n    address: inet.city.example.jp\n",
			[]string{`f.yaml:3: vault.release.address: "inet.city.example.jp" has no {local}; write e.g. {local}@inet.city.example.jp`}},
		{"address bad domain", "vault:\n  release:\n    address: \"{local}@inet city\"\n",
			[]string{`f.yaml:3: vault.release.address: "{local}@inet city" does not make an address; write e.g. {local}@inet.city.example.jp`}},
		{"mail_from", "vault:\n  release:\n    mail_from: Vault <v@x.jp>\n",
			[]string{`f.yaml:3: vault.release.mail_from: "Vault <v@x.jp>" is not an address; write it alone, e.g. vault@city.example.jp`}},
		{"lgwan", "vault:\n  release:\n    lgwan: yes\n",
			[]string{`f.yaml:3: vault.release.lgwan: unknown value "yes"; use deny or allow`}},
		{"notice without id", "vault:\n  notice:\n    ja: 原本は保管しています。\n",
			[]string{`f.yaml:3: vault.notice.ja: "原本は保管しています。" does not name {id}, the vault id a recipient quotes to get the original`}},
		{"notice placeholder", "vault:\n  notice:\n    en: \"Kept for {days} ({id})\"\n",
			[]string{`f.yaml:3: vault.notice.en: "Kept for {days} ({id})" holds an unknown placeholder; use {id}, {retention}, {expires}`}},
		{"notice empty", "vault:\n  notice:\n    en: \"\"\n",
			[]string{`f.yaml:3: vault.notice.en: empty; the notice must say how to get the original, with {id}`}},
		{"notice lines", "vault:\n  notice:\n    en: \"{id}\\nmore\"\n",
			[]string{`f.yaml:3: vault.notice.en: must be one line`}},
		{"quarantine", "sanitize:\n  ambiguous: quarantine\n  over_limit: quarantine\npolicies:\n  p:\n    over_limit: quarantine\n", nil},
		{"unknown key", "vault:\n  retension: 7d\n",
			[]string{`f.yaml:2: unknown key "retension" in vault (did you mean "retention"?)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := problems(t, tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestVaultConfig(t *testing.T) {
	c := mustParse(t, "vault:\n  enabled: true\n  path: /var/lib/mugai/vault\n  retention: 90d\n  max_size: 200GiB\n"+
		"  release:\n    internet_relay: mail.inet.example.jp:25\n    address: \"{local}@inet.city.example.jp\"\n    lgwan: allow\n")
	v := c.Vault
	if !v.Enabled || !v.Required || v.Retention != Duration(90*24*time.Hour) || v.MaxSize != 200<<30 || !v.Release.AllowsLGWAN() {
		t.Errorf("vault section: %+v", v)
	}
	if r, i := v.KeyFiles(); r != "/var/lib/mugai/vault/recipients.txt" || i != "/var/lib/mugai/vault/identity.txt" {
		t.Errorf("key files: %s %s", r, i)
	}
}
