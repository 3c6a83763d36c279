package smtpd

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mugai/mugai/smtpd/reply"
)

func TestNewlineWriter(t *testing.T) {
	tests := []struct {
		in        string
		reject    error  // reject mode
		normalize string // normalize mode
	}{
		{"a\r\nb\r\n", nil, "a\r\nb\r\n"},
		{"a\nb\r\n", errBareLF, "a\r\nb\r\n"},
		{"a\rb\r\n", errBareCR, "a\r\nb\r\n"},
		{"a\r\r\n", errBareCR, "a\r\n\r\n"},
		{"a\n\n", errBareLF, "a\r\n\r\n"},
		{"a\r", errBareCR, "a\r\n"}, // a CR at the very end (BDAT)
		{"\r\n.\r\n", nil, "\r\n.\r\n"},
	}
	for _, tt := range tests {
		// Every split point, so state carried between writes is tested.
		for split := 0; split <= len(tt.in); split++ {
			var out bytes.Buffer
			w := newNewlineWriter(&out, BareReject)
			_, err := w.Write([]byte(tt.in[:split]))
			if err == nil {
				_, err = w.Write([]byte(tt.in[split:]))
			}
			if err == nil {
				err = w.Close()
			}
			if !errors.Is(err, tt.reject) || (tt.reject == nil && err != nil) {
				t.Errorf("reject %q split %d: %v, want %v", tt.in, split, err, tt.reject)
			}
			out.Reset()
			w = newNewlineWriter(&out, BareNormalize)
			w.Write([]byte(tt.in[:split]))
			w.Write([]byte(tt.in[split:]))
			if err := w.Close(); err != nil || out.String() != tt.normalize {
				t.Errorf("normalize %q split %d: %q %v, want %q", tt.in, split, out.String(), err, tt.normalize)
			}
		}
	}
}

func TestSpool(t *testing.T) {
	dir := t.TempDir()
	s := newSpool(dir, 10, 100)
	s.Write([]byte("0123456789"))
	if s.f != nil {
		t.Fatal("spilled to a file at the memory limit")
	}
	s.Write([]byte("abcdef"))
	if s.f == nil {
		t.Fatal("not spilled to a file past the memory limit")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("spool file not unlinked: %v", entries)
	}
	for range 2 { // the reader can be made twice
		if got, _ := io.ReadAll(s.Reader()); string(got) != "0123456789abcdef" {
			t.Fatalf("read back %q", got)
		}
	}
	if _, err := s.Write(make([]byte, 90)); !errors.Is(err, errSpoolFull) {
		t.Fatalf("write past the limit: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOriginalRereadable: the Filter's source can be read from the start
// any number of times, concurrently, and at any offset, whether the
// spool holds it in memory chunks or in its unlinked file.
func TestOriginalRereadable(t *testing.T) {
	var msg []byte
	for i := 0; len(msg) < 200<<10; i++ {
		msg = fmt.Appendf(msg, "line %d of a message spread over many chunks\r\n", i)
	}
	for _, tt := range []struct {
		name   string
		memMax int64
		file   bool
	}{{"memory", 1 << 20, false}, {"file", 64 << 10, true}} {
		t.Run(tt.name, func(t *testing.T) {
			s := newSpool(t.TempDir(), tt.memMax, 0)
			defer s.Close()
			// Written in uneven pieces, as go-smtp's DATA reader gives them.
			for rest := msg; len(rest) > 0; {
				n := min(len(rest), 1+len(rest)%977)
				if _, err := s.Write(rest[:n]); err != nil {
					t.Fatal(err)
				}
				rest = rest[n:]
			}
			if (s.f != nil) != tt.file {
				t.Fatalf("in a file: %v", s.f != nil)
			}
			o := &Original{s: s}
			if o.Size() != int64(len(msg)) {
				t.Fatalf("size %d", o.Size())
			}
			done := make(chan []byte, 4)
			for range 4 {
				go func() {
					b, _ := io.ReadAll(o.Reader())
					done <- b
				}()
			}
			for range 4 {
				if b := <-done; !bytes.Equal(b, msg) {
					t.Fatalf("a concurrent reader read %d bytes, not the message", len(b))
				}
			}
			// ReadAt across chunk bounds, at the end and past it.
			for _, off := range []int64{0, 1, 4095, 4096, 4097, 12287, 12288, 40000, int64(len(msg)) - 3} {
				p := make([]byte, 9000)
				n, err := o.ReadAt(p, off)
				want := msg[off:min(int(off)+len(p), len(msg))]
				if !bytes.Equal(p[:n], want) || (n < len(p)) != (err == io.EOF) {
					t.Errorf("ReadAt(%d): %d bytes, %v", off, n, err)
				}
			}
			if n, err := o.ReadAt(make([]byte, 1), int64(len(msg))); n != 0 || err != io.EOF {
				t.Errorf("ReadAt at the end: %d %v", n, err)
			}
			if r := io.NewSectionReader(o, 10, 20); true {
				if b, _ := io.ReadAll(r); !bytes.Equal(b, msg[10:30]) {
					t.Errorf("section: %q", b)
				}
			}
		})
	}
	o := NewOriginal([]byte("a\r\n"))
	for range 2 {
		if b, _ := io.ReadAll(o.Reader()); string(b) != "a\r\n" || o.Size() != 3 {
			t.Errorf("NewOriginal: %q", b)
		}
	}
	if b, _ := io.ReadAll(NewOriginal(nil).Reader()); len(b) != 0 {
		t.Errorf("empty: %q", b)
	}
}

func TestReceivedHeader(t *testing.T) {
	env := &Envelope{
		ID:     "ABCDEFGHIJKL",
		Client: netip.MustParseAddrPort("192.0.2.7:2525"),
		Helo:   "mx.example.org",
		Rcpts:  []string{"bob@example.jp"},
	}
	at := time.Date(2025, 4, 1, 9, 30, 0, 0, time.FixedZone("JST", 9*3600))
	want := "Received: from mx.example.org ([192.0.2.7])\r\n" +
		"\tby gw.example.jp (mugai) with ESMTP id ABCDEFGHIJKL\r\n" +
		"\tfor <bob@example.jp>; Tue, 01 Apr 2025 09:30:00 +0900\r\n"
	if got := receivedHeader(env, "gw.example.jp", at); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	env.Client = netip.MustParseAddrPort("[2001:db8::1]:25")
	env.Helo = "bad(helo);x"
	env.Rcpts = append(env.Rcpts, "carol@example.jp")
	env.TLS = &tls.ConnectionState{Version: tls.VersionTLS13, CipherSuite: tls.TLS_AES_128_GCM_SHA256}
	env.SMTPUTF8 = true
	want = "Received: from bad?helo??x ([IPv6:2001:db8::1])\r\n" +
		"\t(using TLSv1.3 with cipher TLS_AES_128_GCM_SHA256)\r\n" +
		"\tby gw.example.jp (mugai) with UTF8SMTPS id ABCDEFGHIJKL; Tue, 01 Apr 2025 09:30:00 +0900\r\n"
	if got := receivedHeader(env, "gw.example.jp", at); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestAllowsClient(t *testing.T) {
	cfg := Config{Networks: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	if !cfg.allowsClient(netip.MustParseAddr("::ffff:10.1.2.3")) {
		t.Error("IPv4-mapped address not matched against an IPv4 network")
	}
	if cfg.allowsClient(netip.MustParseAddr("192.0.2.1")) || cfg.allowsClient(netip.Addr{}) {
		t.Error("foreign or unknown client allowed")
	}
}

func TestConfigValidate(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Fatal("empty config accepted")
	} else {
		for _, want := range []string{"Hostname", "Networks", "Router"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %s", err, want)
			}
		}
	}
	cfg := Config{
		Hostname: "gw.example", Networks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Router: RouterFunc(func(*Envelope, string) (Route, error) { return Route{}, nil }),
	}.withDefaults()
	if err := cfg.validate(); err != nil {
		t.Fatalf("minimal config: %v", err)
	}
	if cfg.MaxMessageBytes != DefaultMaxMessageBytes || cfg.Workers < 1 || cfg.MaxOutputBytes <= cfg.MaxMessageBytes {
		t.Errorf("defaults not applied: %+v", cfg)
	}
}

func TestMapError(t *testing.T) {
	tests := []struct {
		err  error
		code int
		enh  [3]int
	}{
		{errors.New("secret internals"), 451, [3]int{4, 3, 0}},
		{context.DeadlineExceeded, 451, [3]int{4, 3, 0}},
		{&net.OpError{Op: "dial", Err: errors.New("refused")}, 451, [3]int{4, 4, 1}},
		{fmt.Errorf("wrapped: %w", reply.New(reply.OK, reply.Undefined, "fake OK").Because(errors.New("secret internals"))), 451, [3]int{4, 3, 0}}, // never 250 from an error
	}
	for _, tt := range tests {
		r := mapError(tt.err)
		if r.Code != tt.code || [3]int(r.EnhancedCode) != tt.enh || strings.Contains(r.Message, "secret") {
			t.Errorf("mapError(%v) = %d %v %q", tt.err, r.Code, r.EnhancedCode, r.Message)
		}
	}
	if got := safeText("next hop: \x1b[31m日本\r\nsecond"); got != "next hop: ?[31m??????\nsecond" {
		t.Errorf("safeText: %q", got)
	}
}

func TestQueueID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := newQueueID()
		if len(id) != 12 || strings.Trim(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
}

// TestMailbox: the canonical form of what go-smtp hands over, and
// ParseMailbox taking back exactly the canonical forms.
func TestMailbox(t *testing.T) {
	// 254 octets, the most a canonical address may have.
	long := strings.Repeat("a", 68) + "@" + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + "." + strings.Repeat("d", 60) + ".jp"
	for _, tt := range []struct {
		in, want string // want "" : refused
		utf8     bool
	}{
		{"bob@example.jp", "bob@example.jp", false},
		{"Bob@Example.JP.", "Bob@example.jp", false},
		{"bob smith@example.jp", `"bob smith"@example.jp`, false},
		{".bob@example.jp", `".bob"@example.jp`, false},
		{"a..b@example.jp", `"a..b"@example.jp`, false},
		{"!#$&'*+-/=?^_`{|}~@example.jp", "!#$&'*+-/=?^_`{|}~@example.jp", false},
		{"(a),[b];c:@example.jp", `"(a),[b];c:"@example.jp`, false},
		{"bob@[192.0.2.1]", "bob@[192.0.2.1]", false},
		{"bob@[ipv6:2001:DB8:0::1]", "bob@[IPv6:2001:db8::1]", false},
		{"bob@[IPv6:::ffff:192.0.2.1]", "", false},
		{"bob@[192.0.2.01]", "", false},
		{"bob@[tag:x]", "", false},
		{"bob@例え.jp", "bob@xn--r8jz45g.jp", true},
		{"山田@example.jp", "山田@example.jp", true},
		{"bob@xn--zz.jp", "", false},
		{"bob@-example.jp", "", false},
		{"bob@" + strings.Repeat("a", 64) + ".jp", "", false},
		{long, long, false},
		{"x" + long, "", false},
		{"a@b@example.jp", "", false},
		{`a"b@example.jp`, "", false},
		{"a\x00@example.jp", "", true},
		{"a\u0085@example.jp", "", true}, // C1 control NEL
		{"a\u2028@example.jp", "", true},
		{"", "", false}, // the null sender, canonical ""
	} {
		m, err := checkAddress(tt.in, tt.utf8, false)
		got := m.String()
		if err != nil {
			got = ""
		}
		if got != tt.want {
			t.Errorf("checkAddress(%q) = %q (%v), want %q", tt.in, got, err, tt.want)
		}
		if err == nil {
			back, err := ParseMailbox(got)
			if err != nil || back != m {
				t.Errorf("ParseMailbox(%q) = %+v, %v; want %+v", got, back, err, m)
			}
		}
	}
	for _, s := range []string{`"bob"@example.jp`, "bob@EXAMPLE.JP", "bob smith@example.jp", "bob", "@example.jp",
		`"a@b"@example.jp`, `"unterminated@example.jp`, "bob@example.jp.", `"a\"b"@example.jp`} {
		if m, err := ParseMailbox(s); err == nil {
			t.Errorf("ParseMailbox(%q) = %+v, want an error (not canonical)", s, m)
		}
	}
	// String quotes and escapes whatever a Mailbox holds.
	if got := (Mailbox{Local: `a"b\c`, Domain: "x"}).String(); got != `"a\"b\\c"@x` {
		t.Errorf("String = %s", got)
	}
}
