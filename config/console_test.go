package config

import (
	"slices"
	"testing"
)

func TestConsoleValidation(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"remote without TLS", "listen:\n  console: 0.0.0.0:8025\n",
			[]string{`f.yaml:2: listen.console: "0.0.0.0:8025" is beyond loopback: set console.tls.cert_file and key_file, or console.allow_insecure_remote: true behind a reverse proxy that terminates TLS`}},
		{"remote with TLS", "listen:\n  console: 10.0.0.5:8025\nconsole:\n  tls:\n    cert_file: c.pem\n    key_file: k.pem\n", nil},
		{"remote behind a proxy", "listen:\n  console: :8025\nconsole:\n  allow_insecure_remote: true\n", nil},
		{"bad address", "listen:\n  console: 8025\n",
			[]string{`f.yaml:2: listen.console: "8025" is not host:port, e.g. 0.0.0.0:25 (write IPv6 addresses in brackets: "[2001:db8::1]:25")`}},
		{"half TLS", "console:\n  tls:\n    key_file: k.pem\n",
			[]string{`f.yaml:3: console.tls.key_file: set cert_file too; HTTPS needs both files`}},
		{"base_url", "console:\n  base_url: gw.example.jp\n",
			[]string{`f.yaml:2: console.base_url: "gw.example.jp" is not a web address; write e.g. https://gw.city.example.lg.jp:8025`}},
		{"language", "console:\n  language: fr\n",
			[]string{`f.yaml:2: console.language: unknown value "fr"; use ja or en`}},
		{"lifetime", "console:\n  session_lifetime: 30d\n",
			[]string{`f.yaml:2: console.session_lifetime: 720h is out of range; use 5m to 168h`}},
		{"attempts", "console:\n  login_attempts: 0\n",
			[]string{`f.yaml:2: console.login_attempts: 0 is out of range; use 1 to 100`}},
		{"download role", "console:\n  download_role: root\n",
			[]string{`f.yaml:2: console.download_role: unknown value "root"; use viewer, operator, admin or none`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := problems(t, tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestConsoleBaseURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "http://127.0.0.1:8025"},
		{"console:\n  base_url: https://gw.example.lg.jp:8025/\n", "https://gw.example.lg.jp:8025"},
		{"hostname: gw.example.lg.jp\nlisten:\n  console: 0.0.0.0:8443\nconsole:\n  tls:\n    cert_file: c\n    key_file: k\n", "https://gw.example.lg.jp:8443"},
		{"listen:\n  console: \"[::1]:8025\"\n", "http://[::1]:8025"},
	} {
		c := mustParse(t, tc.in)
		if got := c.ConsoleBaseURL(); got != tc.want {
			t.Errorf("%q: %s, want %s", tc.in, got, tc.want)
		}
	}
	if got := mustParse(t, "vault:\n  path: /var/lib/mugai/vault\n").ConsoleLinkKeyFile(); got != "/var/lib/mugai/vault/console-link.key" {
		t.Errorf("link key file %s", got)
	}
}
