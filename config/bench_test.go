package config

import (
	"os"
	"testing"
)

// BenchmarkDefault is what every `mugai file` and `mugai sanitize` run
// without -config pays: the embedded mugai.yaml as a Config.
func BenchmarkDefault(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Default()
	}
}

// BenchmarkParse is a user's file of a few dozen lines decoded over the
// defaults, as at start-up and on each SIGHUP.
func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/routes.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("routes.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseEmbedded decodes mugai.yaml as a user's file: the
// largest file a user is likely to have (a copy of the documentation).
func BenchmarkParseEmbedded(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("mugai.yaml", defaultYAML); err != nil {
			b.Fatal(err)
		}
	}
}
