package fuzz

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/mugai/mugai/config"
)

// FuzzConfig: Parse never panics; it returns a usable Config, or Errors
// that are all about this file, each with a message, sorted by line.
func FuzzConfig(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "config", "testdata", "*.yaml"))
	files = append(files, filepath.Join("..", "config", "mugai.yaml"))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"",
		"hostname: a: b\n",
		"relay:\n  networks: [10.0.0.1/8, bogus, [x]]\n  domains: *a\n",
		"a: &a [*a, *a]\nrelay: {domains: *a}\n",
		"policies:\n  out: {passthrough: true}\nroutes:\n  - {client_networks: [10.0.0.0/8], policy: out}\n",
		"limits: {message_size: 99999999999999999999GiB, session_time: -1h}\n",
		"relay:\n  <<: {bare_newlines: reject}\n",
		"log:\n  level: debug\n  level: info\n",
		"---\n---\n",
		"\xff\xfeh\x00:\x00 \x001\x00",
		"? [a, b]\n: c\n",
		"routes: [~, {}, [x]]\n",
		"converters:\n  pdf: pdftotext - -\n  exe: /bin/sh\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := config.Parse("fuzz.yaml", data)
		if err == nil {
			if c == nil {
				t.Fatal("nil Config without an error")
			}
			if len(c.Relay.Networks) == 0 {
				t.Error("valid config with no relay networks")
			}
			if hop, dir := c.DeliveryTarget(); (hop == "") == (dir == "") {
				t.Errorf("DeliveryTarget() = %q, %q", hop, dir)
			}
			if err := c.SanitizePolicy().Validate(); err != nil {
				t.Errorf("valid config, invalid policy: %v", err)
			}
			for name := range c.Policies {
				p, _, ok := c.NamedPolicy(name)
				if !ok || p.Validate() != nil {
					t.Errorf("policy %q: ok=%v, %v", name, ok, p.Validate())
				}
			}
			return
		}
		if c != nil {
			t.Error("Config returned with an error")
		}
		var es config.Errors
		if !errors.As(err, &es) || len(es) == 0 {
			t.Fatalf("error is not a non-empty Errors: %T %v", err, err)
		}
		for i, e := range es {
			if e.File != "fuzz.yaml" || e.Msg == "" || e.Line < 0 {
				t.Errorf("malformed error %#v", e)
			}
			if i > 0 && es[i-1].Line > e.Line {
				t.Errorf("errors not sorted: %v", es)
			}
		}
	})
}
