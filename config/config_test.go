package config

import (
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/mugai/mugai/auth"
	"github.com/mugai/mugai/sandbox"
	"github.com/mugai/mugai/sanitize"
)

func mustParse(t *testing.T, in string) *Config {
	t.Helper()
	c, err := Parse("f.yaml", []byte(in))
	if err != nil {
		t.Fatalf("Parse:\n%v", err)
	}
	return c
}

func prefixes(ss ...string) Prefixes {
	out := Prefixes{}
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

// TestDefault pins the defaults DESIGN.md promises: loopback only, any
// domain, delivery into ./mugai-outbox.
func TestDefault(t *testing.T) {
	c := Default()
	want := &Config{
		Listen: Listen{SMTP: "127.0.0.1:2525", Console: "127.0.0.1:8025", ProxyProtocolNetworks: Prefixes{}},
		Relay: Relay{
			Domains:  Domains{},
			Networks: prefixes("127.0.0.0/8", "::1/128"),
			// XFORWARD/XCLIENT from Postfix on this machine (issue 16).
			Forwarders:       prefixes("127.0.0.0/8", "::1/128"),
			InternalNetworks: Prefixes{},
			BareNewlines:     BareReject,
		},
		Delivery: Delivery{
			TLS:            TLSOpportunistic,
			ConnectTimeout: Duration(30 * time.Second),
			CommandTimeout: Duration(5 * time.Minute),
			// The next hop's budgets for the recipients (issue 19).
			RecipientTimeout: Duration(100 * time.Second),
			EnvelopeTime:     Duration(5 * time.Minute),
			PoolSize:         16,
			IdleTimeout:      Duration(10 * time.Second),
		},
		Limits: Limits{
			MessageSize:      50 << 20,
			Recipients:       100,
			Connections:      100,
			ConnectionsPerIP: 20,
			// A fifth of the connections for addresses holding none.
			ConnectionsReservedPercent: 20,
			SessionTime:                Duration(30 * time.Minute),
			CommandTimeout:             Duration(5 * time.Minute),
			DataTimeout:                Duration(5 * time.Minute),
			MinDataRate:                500, // bytes per second, Postfix's smtpd_min_data_rate
			ProtocolErrors:             10,
			Workers:                    0,
			MIMEDepth:                  20,
			MIMEParts:                  500,
			HeaderSize:                 256 << 10,
			LineLength:                 1 << 20,
			PartSize:                   50 << 20,
			DecodedSize:                100 << 20,
			HTMLToken:                  1 << 20,
			SanitizeTime:               Duration(60 * time.Second),
			ArchiveDepth:               3,
			ArchiveEntries:             1000,
			ArchiveSize:                100 << 20,
			ArchiveRatio:               100,
			ImagePixels:                40_000_000,
			ConvertTime:                Duration(20 * time.Second),
			ConvertSize:                32 << 20,
			TextSize:                   8 << 20,
			ConvertMemory:              1 << 30,
			ConvertOutput:              10 << 20,
			PDFPages:                   2000,
			Payloads:                   100,
		},
		Sanitize: SanitizeSection{
			Prefer:         sanitize.PreferText,
			Links:          sanitize.LinksDefang,
			Ambiguous:      sanitize.OutcomeQuarantine,
			OverLimit:      sanitize.OutcomeQuarantine,
			Language:       sanitize.Japanese,
			NoticePosition: sanitize.NoticeTop,
			ExtraHeaders:   []string{},
			Flatten:        sanitize.FlattenAttach,
			Images:         sanitize.ImagesDrop,
			Scripts:        sanitize.ScriptsDrop,
		},
		Log: Log{Format: "text", Level: "info"},
		Vault: VaultSection{
			Enabled:   true,
			Required:  true,
			Backend:   VaultSQLite,
			Path:      "./mugai-vault",
			Retention: Duration(30 * 24 * time.Hour),
			Release:   VaultRelease{InternetTLS: TLSOpportunistic, LGWAN: ReleaseDeny},
			Notice: VaultNotice{
				JA: "原本は {retention}保管しています（受付番号 {id}）。必要な場合は受付番号を添えて管理者にお問い合わせください。",
				EN: "The original is kept for {retention} (reference {id}). If you need it, ask your administrator, quoting the reference.",
			},
		},
		PPAP: PPAP{
			Enabled: true, ByPage: true, ByMail: true, Window: Duration(24 * time.Hour),
			MaxTries: 5, MaxCandidates: 10, MaxMailTries: 20,
		},
		Auth: Auth{
			Enabled:          true,
			OnFail:           auth.FailTag,
			OnTempError:      auth.TempDeliver,
			SubjectTag:       "[なりすまし注意]",
			ProtectedDomains: Domains{},
			Timeout:          Duration(20 * time.Second),
		},
		DNS: DNS{
			Servers:     []string{},
			Timeout:     Duration(2 * time.Second),
			Attempts:    2,
			CacheSize:   10000,
			CacheMaxTTL: Duration(time.Hour),
		},
		Console: ConsoleSection{Language: "ja", SessionLifetime: Duration(12 * time.Hour), IdleTimeout: Duration(30 * time.Minute),
			LoginAttempts: 5, Lockout: Duration(15 * time.Minute), LGWANApproval: true, DownloadRole: "admin", RecipientSelfRelease: true},
		// The sandbox package's own defaults: one fact, two places.
		Sandbox: SandboxSection{Landlock: string(sandbox.LandlockEnforce), Environment: []string{}, ReadPaths: sandbox.DefaultReadPaths()},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Default() =\n%+v\nwant\n%+v", c, want)
	}
	if hop, dir := c.DeliveryTarget(); hop != "" || dir != "./mugai-outbox" {
		t.Errorf("DeliveryTarget() = %q, %q", hop, dir)
	}
	if len(c.Relay.Domains) != 0 || !c.Relay.AllowsClient(netip.MustParseAddr("127.0.0.1")) ||
		c.Relay.AllowsClient(netip.MustParseAddr("192.0.2.1")) {
		t.Error("default relay is not any-domain-from-loopback")
	}
	// Each call is a fresh copy.
	c.Relay.Networks[0] = netip.MustParsePrefix("0.0.0.0/0")
	if Default().Relay.Networks[0] != netip.MustParsePrefix("127.0.0.0/8") {
		t.Error("Default shares memory between calls")
	}
}

// TestDefaultsAgreeWithSanitize keeps mugai.yaml and sanitize's own
// defaults from drifting apart.
func TestDefaultsAgreeWithSanitize(t *testing.T) {
	if got, want := Default().SanitizePolicy(), sanitize.DefaultPolicy(); !reflect.DeepEqual(got, want) {
		t.Errorf("SanitizePolicy() of the defaults =\n%+v\nsanitize.DefaultPolicy() =\n%+v", got, want)
	}
}

// TestEmptyFileMeansDefaults: a file that sets nothing is valid.
func TestEmptyFileMeansDefaults(t *testing.T) {
	for _, in := range []string{"", "\n", "# just a comment\n", "---\n", "~\n", "null\n", "\xEF\xBB\xBF", "{}\n"} {
		c, err := Parse("f.yaml", []byte(in))
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if !reflect.DeepEqual(c, Default()) {
			t.Errorf("Parse(%q) differs from Default()", in)
		}
	}
}

// TestFiveLineRelay is the minimal relay of DESIGN.md's Config section.
func TestFiveLineRelay(t *testing.T) {
	c := mustParse(t, `hostname: gw.city.example.lg.jp
listen: {smtp: "0.0.0.0:25"}
relay: {domains: [City.Example.LG.jp], networks: [192.0.2.25/32]}
delivery: {next_hop: "10.20.30.40:25"}
`)
	if c.Hostname != "gw.city.example.lg.jp" || c.Listen.SMTP != "0.0.0.0:25" {
		t.Errorf("hostname/listen = %q %q", c.Hostname, c.Listen.SMTP)
	}
	if !slices.Equal(c.Relay.Domains, Domains{"city.example.lg.jp"}) {
		t.Errorf("domains = %q (want lower-cased)", c.Relay.Domains)
	}
	if !slices.Equal(c.Relay.Networks, prefixes("192.0.2.25/32")) {
		t.Errorf("networks = %v", c.Relay.Networks)
	}
	if hop, dir := c.DeliveryTarget(); hop != "10.20.30.40:25" || dir != "" {
		t.Errorf("DeliveryTarget() = %q, %q", hop, dir)
	}
	// Everything else is the default.
	d := Default()
	if !reflect.DeepEqual(c.Limits, d.Limits) || !reflect.DeepEqual(c.Sanitize, d.Sanitize) ||
		!reflect.DeepEqual(c.Log, d.Log) || c.Delivery.TLS != d.Delivery.TLS || c.Relay.BareNewlines != d.Relay.BareNewlines {
		t.Error("keys the file did not name lost their defaults")
	}
}

// TestListsReplaceDefaults: yaml.v3 decoding into a filled struct builds a
// new slice for a list, and our list types do the same; a list in the
// user's file must never be merged with the default one.
func TestListsReplaceDefaults(t *testing.T) {
	c := mustParse(t, `relay:
  networks: [10.0.0.0/8]
sanitize:
  extra_headers: [X-Priority]
`)
	if !slices.Equal(c.Relay.Networks, prefixes("10.0.0.0/8")) {
		t.Errorf("networks = %v, want only 10.0.0.0/8", c.Relay.Networks)
	}
	if !slices.Equal(c.Sanitize.ExtraHeaders, []string{"X-Priority"}) {
		t.Errorf("extra_headers = %q", c.Sanitize.ExtraHeaders)
	}

	// Over a base whose lists are longer than the user's.
	base := Default()
	base.Relay.Domains = Domains{"a.jp", "b.jp", "c.jp"}
	base.Sanitize.ExtraHeaders = []string{"A", "B", "C"}
	base.Routes = []Route{{RecipientDomains: Domains{"x.jp"}}, {RecipientDomains: Domains{"y.jp"}}}
	c, err := parse("f.yaml", []byte(`relay: {domains: [z.jp]}
sanitize: {extra_headers: [Z]}
routes: [{recipient_domains: [w.jp]}]
`), base)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Relay.Domains, Domains{"z.jp"}) || !slices.Equal(c.Sanitize.ExtraHeaders, []string{"Z"}) ||
		len(c.Routes) != 1 || !slices.Equal(c.Routes[0].RecipientDomains, Domains{"w.jp"}) {
		t.Errorf("lists merged with the base: domains %q, headers %q, routes %+v", c.Relay.Domains, c.Sanitize.ExtraHeaders, c.Routes)
	}
}

// TestPoliciesReplaceDefaults: the policies of a file replace the default
// policies rather than merging with them.
func TestPoliciesReplaceDefaults(t *testing.T) {
	newBase := func() *Config {
		b := Default()
		b.Policies = map[string]PolicySection{"builtin": {SanitizeSection: SanitizeSection{Links: sanitize.LinksKeep}}}
		return b
	}
	c, err := parse("f.yaml", []byte("policies:\n  mine: {links: remove}\n"), newBase())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Policies["builtin"]; ok || len(c.Policies) != 1 {
		t.Errorf("policies = %v, want only mine", c.Policies)
	}
	c, err = parse("f.yaml", []byte("hostname: gw.example.jp\n"), newBase())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Policies["builtin"]; !ok {
		t.Error("a file without policies lost the default policies")
	}
}

// TestNullValues: a key with no value keeps its default; a list with no
// value is empty (as mugai.yaml's header says).
func TestNullValues(t *testing.T) {
	c := mustParse(t, "hostname:\nlimits:\n  message_size:\nrelay:\n  domains:\nsanitize:\n")
	if c.Limits.MessageSize != 50<<20 {
		t.Errorf("message_size = %v, want the default", c.Limits.MessageSize)
	}
	if len(c.Relay.Domains) != 0 || !reflect.DeepEqual(c.Sanitize, Default().Sanitize) {
		t.Error("unexpected values")
	}
}

// TestWindowsFile: an admin's editor may add a byte order mark and CRLF
// line ends, or save as UTF-16.
func TestWindowsFile(t *testing.T) {
	c := mustParse(t, "\xEF\xBB\xBFhostname: gw.example.jp\r\nrelay:\r\n  domains: [a.jp]\r\n")
	if c.Hostname != "gw.example.jp" || !slices.Equal(c.Relay.Domains, Domains{"a.jp"}) {
		t.Errorf("got %q %q", c.Hostname, c.Relay.Domains)
	}
	utf16 := []byte{0xFF, 0xFE}
	for _, r := range "hostname: gw.example.jp\r\n" {
		utf16 = append(utf16, byte(r), 0)
	}
	c = mustParse(t, string(utf16))
	if c.Hostname != "gw.example.jp" {
		t.Errorf("UTF-16: hostname %q", c.Hostname)
	}
}

// TestAliases: anchors and aliases are plain YAML and work; errors in an
// aliased value are reported where the alias is used.
func TestAliases(t *testing.T) {
	c := mustParse(t, `relay:
  networks: &lan [10.0.0.0/8, 192.0.2.0/24]
  internal_networks: [10.0.0.0/8]
policies:
  strict: &strict {links: remove}
  stricter: *strict
routes:
  - client_networks: *lan
    policy: stricter
`)
	if !slices.Equal(c.Routes[0].ClientNetworks, c.Relay.Networks) || c.Policies["stricter"].Links != sanitize.LinksRemove {
		t.Errorf("aliases not resolved: %+v", c)
	}
}

func TestDeliveryTarget(t *testing.T) {
	for _, tt := range []struct {
		in, hop, dir string
	}{
		{"", "", "./mugai-outbox"},
		{"delivery: {next_hop: \"mx.example.jp:25\"}", "mx.example.jp:25", ""},
		{"delivery: {maildir: /var/spool/mugai}", "", "/var/spool/mugai"},
	} {
		hop, dir := mustParse(t, tt.in).DeliveryTarget()
		if hop != tt.hop || dir != tt.dir {
			t.Errorf("%q: DeliveryTarget() = %q, %q, want %q, %q", tt.in, hop, dir, tt.hop, tt.dir)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mugai.yaml")
	if err := os.WriteFile(path, []byte("hostname: gw.example.jp\nlog:\n  level: loud\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	var es Errors
	if !errors.As(err, &es) || len(es) != 1 || es[0].File != path || es[0].Line != 3 {
		t.Fatalf("Load: %v", err)
	}
	if err := os.WriteFile(path, []byte("hostname: gw.example.jp\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil || c.Hostname != "gw.example.jp" {
		t.Fatalf("Load = %+v, %v", c, err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want fs.ErrNotExist", err)
	}
}

// TestTestdata keeps the sample configs in testdata/ valid, so they can
// serve as examples.
func TestTestdata(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		if _, err := Load(f); err != nil {
			t.Errorf("%v", err)
		}
	}
}

func TestEmbeddedFileParses(t *testing.T) {
	data, err := os.ReadFile("mugai.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse("mugai.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Error("mugai.yaml parsed over the defaults changes them")
	}
}

func TestHelpers(t *testing.T) {
	l := Limits{Workers: 3}
	if l.WorkerCount() != 3 {
		t.Error("WorkerCount with Workers set")
	}
	if (&Limits{}).WorkerCount() < 1 {
		t.Error("WorkerCount with 0")
	}
	if (Log{Level: "warn"}).SlogLevel().String() != "WARN" || (Log{Level: "debug"}).SlogLevel().String() != "DEBUG" {
		t.Error("SlogLevel")
	}
	if (ListenTLS{CertFile: "c"}).Enabled() || !(ListenTLS{CertFile: "c", KeyFile: "k"}).Enabled() {
		t.Error("ListenTLS.Enabled")
	}
}
