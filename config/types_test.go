package config

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestParseSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Size
		ok   bool
	}{
		{"0", 0, true},
		{"1048576", 1 << 20, true},
		{"256KiB", 256 << 10, true},
		{"256kib", 256 << 10, true},
		{"256 KiB", 256 << 10, true},
		{" 2MiB ", 2 << 20, true},
		{"1KB", 1000, true},
		{"1kb", 1000, true},
		{"5MB", 5_000_000, true},
		{"5mib", 5 << 20, true},
		{"3GB", 3_000_000_000, true},
		{"3GiB", 3 << 30, true},
		{"100B", 100, true},
		{"8589934591GiB", 8589934591 << 30, true},
		{"8589934592GiB", 0, false}, // 2^33 GiB = 2^63 bytes: overflow
		{"", 0, false},
		{"KiB", 0, false},
		{"1K", 0, false},
		{"1M", 0, false},
		{"1.5MiB", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{"0x10", 0, false},
		{"1TiB", 0, false},
		{"ten", 0, false},
	} {
		got, err := parseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"30s", 30 * time.Second, true},
		{"5m", 5 * time.Minute, true},
		{"1h30m", 90 * time.Minute, true},
		{"300ms", 300 * time.Millisecond, true},
		{"90", 90 * time.Second, true}, // a plain number is seconds, not nanoseconds
		{" 10 ", 10 * time.Second, true},
		{"0", 0, true},
		{"-5m", -5 * time.Minute, true}, // parsed; validation refuses it
		{"9223372036", 9223372036 * time.Second, true},
		{"9223372037", 0, false},
		{"", 0, false},
		{"5 minutes", 0, false},
		{"1d", 24 * time.Hour, true},
		{"30d", 30 * 24 * time.Hour, true},
		{"d", 0, false},
		{"1.5d", 0, false},
		{"1d12h", 0, false},
		{"1:30", 0, false},
	} {
		got, err := parseDuration(tt.in)
		if (err == nil) != tt.ok || time.Duration(got) != tt.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v, ok=%v", tt.in, time.Duration(got), err, tt.want, tt.ok)
		}
	}
}

// TestUnmarshalYAML: the value types decode with yaml.v3 alone too, with
// the same messages, each at its line.
func TestUnmarshalYAML(t *testing.T) {
	var v struct {
		Size     Size     `yaml:"size"`
		Duration Duration `yaml:"duration"`
		Networks Prefixes `yaml:"networks"`
		Domains  Domains  `yaml:"domains"`
	}
	if err := yaml.Unmarshal([]byte("size: 1KiB\nduration: 2m\nnetworks: [10.0.0.0/8]\ndomains: [A.jp]\n"), &v); err != nil {
		t.Fatal(err)
	}
	if v.Size != 1024 || time.Duration(v.Duration) != 2*time.Minute || len(v.Networks) != 1 || v.Domains[0] != "a.jp" {
		t.Errorf("decoded %+v", v)
	}
	err := yaml.Unmarshal([]byte("size: 1K\nduration: [1]\nnetworks:\n  - 10.0.0.0/8\n  - bogus\n"), &v)
	want := "yaml: unmarshal errors:\n" +
		"  line 1: \"1K\" is not a size; write a whole number of bytes or a number with KB, KiB, MB, MiB, GB or GiB, e.g. 256KiB (write KB for powers of 1000 or KiB for powers of 1024)\n" +
		"  line 2: want a duration such as 30s or 5m, got a list\n" +
		"  line 5: \"bogus\" is not a network in CIDR form such as 192.0.2.0/24 or 2001:db8::/32"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

// TestSizeAndDurationFromYAML covers the YAML forms, including a number
// that YAML itself reads as an integer.
func TestSizeAndDurationFromYAML(t *testing.T) {
	c := mustParse(t, `limits:
  message_size: 10485760
  header_size: "64KiB"
  line_length: 2mib
  session_time: 600
  command_timeout: "2m"
  data_timeout: 1h
`)
	l := c.Limits
	if l.MessageSize != 10<<20 || l.HeaderSize != 64<<10 || l.LineLength != 2<<20 {
		t.Errorf("sizes = %v %v %v", l.MessageSize, l.HeaderSize, l.LineLength)
	}
	if time.Duration(l.SessionTime) != 10*time.Minute || time.Duration(l.CommandTimeout) != 2*time.Minute ||
		time.Duration(l.DataTimeout) != time.Hour {
		t.Errorf("durations = %v %v %v", l.SessionTime, l.CommandTimeout, l.DataTimeout)
	}
}

func TestSizeString(t *testing.T) {
	for in, want := range map[Size]string{0: "0", 1000: "1000", 1 << 10: "1KiB", 1536: "1536", 50 << 20: "50MiB", 2 << 30: "2GiB", 1 << 40: "1024GiB"} {
		if got := in.String(); got != want {
			t.Errorf("Size(%d).String() = %q, want %q", int64(in), got, want)
		}
		if in > 0 {
			if back, err := parseSize(in.String()); err != nil || back != in {
				t.Errorf("Size %q does not parse back: %v %v", in.String(), back, err)
			}
		}
	}
}

func TestDurationString(t *testing.T) {
	for in, want := range map[time.Duration]string{
		0: "0s", time.Second: "1s", 5 * time.Minute: "5m", 24 * time.Hour: "24h",
		90 * time.Minute: "1h30m", 90 * time.Second: "1m30s", time.Hour + time.Second: "1h0m1s",
		500 * time.Millisecond: "500ms", -5 * time.Minute: "-5m",
	} {
		if got := Duration(in).String(); got != want {
			t.Errorf("Duration(%v).String() = %q, want %q", in, got, want)
		}
	}
}

func TestParsePrefix(t *testing.T) {
	for _, tt := range []struct {
		in, want string
	}{
		{"10.0.0.0/8", "10.0.0.0/8"},
		{" 192.0.2.25/32 ", "192.0.2.25/32"},
		{"2001:db8::/32", "2001:db8::/32"},
		{"::1/128", "::1/128"},
		{"0.0.0.0/0", "0.0.0.0/0"},
		{"10.0.0.1/8", ""},
		{"10.0.0.1", ""},
		{"10.0.0.0/33", ""},
		{"::ffff:10.0.0.0/104", ""},
		{"fe80::/10%eth0", ""},
		{"", ""},
	} {
		p, err := parsePrefix(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("parsePrefix(%q) = %v, want an error", tt.in, p)
			}
			continue
		}
		if err != nil || p.String() != tt.want {
			t.Errorf("parsePrefix(%q) = %v, %v; want %s", tt.in, p, err, tt.want)
		}
	}
}

func TestParseDomain(t *testing.T) {
	for _, tt := range []struct {
		in, want string
	}{
		{"example.lg.jp", "example.lg.jp"},
		{"City.Example.LG.JP", "city.example.lg.jp"},
		{"example.jp.", "example.jp"},
		{"localhost", "localhost"},
		{"xn--eckwd4c7c.xn--zckzah", "xn--eckwd4c7c.xn--zckzah"},
		{"a-b.jp", "a-b.jp"},
		{"3com.com", "3com.com"},
		{"", ""},
		{"*.example.jp", ""},
		{".example.jp", ""},
		{"a..jp", ""},
		{"user@example.jp", ""},
		{"192.0.2.1", ""},
		{"[192.0.2.1]", ""},
		{"例え.jp", ""},
		{"\u212Aikaku.jp", ""}, // KELVIN SIGN is not a k
		{"a_b.jp", ""},
		{"-a.jp", ""},
		{"a-.jp", ""},
		{"example.123", ""},
		{strings.Repeat("a", 64) + ".jp", ""},
		{strings.Repeat("a.", 127) + "jp", ""},
	} {
		d, err := parseDomain(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("parseDomain(%q) = %q, want an error", tt.in, d)
			}
			continue
		}
		if err != nil || d != tt.want {
			t.Errorf("parseDomain(%q) = %q, %v; want %q", tt.in, d, err, tt.want)
		}
	}
}

func TestPrefixesContainsAndCovers(t *testing.T) {
	ps := prefixes("10.0.0.0/8", "2001:db8::/32")
	for addr, want := range map[string]bool{
		"10.1.2.3": true, "11.0.0.1": false, "2001:db8::1": true, "2001:db9::1": false,
		"::ffff:10.1.2.3": true, // IPv4 client seen on a dual-stack socket
	} {
		if got := ps.Contains(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Contains(%s) = %v", addr, got)
		}
	}
	if ps.Contains(netip.Addr{}) {
		t.Error("Contains(zero Addr)")
	}
	for p, want := range map[string]bool{
		"10.0.0.0/8": true, "10.20.0.0/16": true, "10.1.2.3/32": true,
		"0.0.0.0/0": false, "8.0.0.0/6": false, "2001:db8:1::/48": true, "::/0": false,
	} {
		if got := ps.Covers(netip.MustParsePrefix(p)); got != want {
			t.Errorf("Covers(%s) = %v", p, got)
		}
	}
}
