package config

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestEveryKeyDocumented keeps mugai.yaml complete: every key of the Go
// structs is written in it with a comment, or, for the entries of
// policies and routes, named in the comment above that section. (The
// converse, that mugai.yaml has no key the structs lack, holds because
// Default decodes it strictly.)
func TestEveryKeyDocumented(t *testing.T) {
	lines := strings.Split(string(defaultYAML), "\n")
	d := newDecoder("mugai.yaml")
	root := d.document(defaultYAML)
	if root == nil {
		t.Fatalf("mugai.yaml: %v", d.errs)
	}
	d.config(root, new(Config))

	paths := keyPaths("", reflect.TypeFor[Config]())
	if len(paths) < 60 {
		t.Fatalf("keyPaths found only %d keys: %q", len(paths), paths)
	}
	for _, path := range paths {
		if i := strings.IndexAny(path, "*["); i >= 0 {
			// "policies.*.links" and "routes[].policy" are described
			// above policies: and routes:.
			section := strings.TrimSuffix(path[:i], ".")
			key := lastKey(path)
			if !strings.Contains(sectionComment(t, lines, section), key) {
				t.Errorf("%s: key %q is not described in the comment above %s:", path, key, section)
			}
			continue
		}
		line, ok := d.lines[path]
		if !ok {
			t.Errorf("%s is missing from mugai.yaml", path)
			continue
		}
		if !strings.Contains(lines[line-1], " #") && (line < 2 || !strings.HasPrefix(strings.TrimSpace(lines[line-2]), "#")) {
			t.Errorf("mugai.yaml:%d: %s has no comment on or above its line", line, path)
		}
	}
}

// sectionComment returns the comment block directly above a top-level key.
func sectionComment(t *testing.T, lines []string, key string) string {
	t.Helper()
	for i, l := range lines {
		if strings.HasPrefix(l, key+":") {
			j := i
			for j > 0 && strings.HasPrefix(lines[j-1], "#") {
				j--
			}
			return strings.Join(lines[j:i], "\n")
		}
	}
	t.Fatalf("no top-level %s: in mugai.yaml", key)
	return ""
}

// commentExample extracts the example in mugai.yaml's comments that
// starts with the line "#   first", up to the first line without the
// "#   " indent.
func commentExample(t *testing.T, first string) string {
	t.Helper()
	var b strings.Builder
	in := false
	for _, l := range strings.Split(string(defaultYAML), "\n") {
		if l == "#   "+first {
			in = true
		}
		if in {
			if !strings.HasPrefix(l, "#   ") {
				break
			}
			b.WriteString(strings.TrimPrefix(l, "#   ") + "\n")
		}
	}
	if b.Len() == 0 {
		t.Fatalf("no example starting %q in mugai.yaml", first)
	}
	return b.String()
}

// TestCommentExamples keeps the examples in mugai.yaml's comments valid.
func TestCommentExamples(t *testing.T) {
	relay := commentExample(t, "hostname: gw.city.example.lg.jp")
	c := mustParse(t, relay)
	if hop, _ := c.DeliveryTarget(); hop == "" || len(c.Relay.Domains) == 0 {
		t.Errorf("the header example is not a relay:\n%s", relay)
	}
	both := commentExample(t, "policies:") + commentExample(t, "routes:") +
		"relay:\n  internal_networks: [10.20.0.0/16]\n"
	c = mustParse(t, both)
	if len(c.Policies) != 2 || len(c.Routes) != 2 {
		t.Errorf("examples parsed to %d policies, %d routes:\n%s", len(c.Policies), len(c.Routes), both)
	}
	// Each documented example value ("Example: key: value") is valid.
	re := regexp.MustCompile(`Example: ([a-z_]+): (.+)$`)
	for i, l := range strings.Split(string(defaultYAML), "\n") {
		m := re.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		if _, err := Parse("example", []byte(wrapInSection(t, i, m[1]+": "+m[2]))); err != nil {
			t.Errorf("mugai.yaml:%d: example %q: %v", i+1, m[1]+": "+m[2], err)
		}
	}
}

// wrapInSection puts a "key: value" example from line i of mugai.yaml
// under the sections that contain that line.
func wrapInSection(t *testing.T, i int, kv string) string {
	t.Helper()
	lines := strings.Split(string(defaultYAML), "\n")
	var section, sub string
	for _, l := range lines[:i] {
		switch {
		case l != "" && l[0] != ' ' && l[0] != '#':
			section, sub = strings.TrimSuffix(l, ":"), ""
			if strings.Contains(section, ": ") {
				section = ""
			}
		case strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "   ") && strings.HasSuffix(l, ":"):
			sub = strings.TrimSpace(strings.TrimSuffix(l, ":"))
		case strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "   ") && !strings.HasPrefix(strings.TrimSpace(l), "#"):
			sub = ""
		}
	}
	out := kv + "\n"
	if sub != "" {
		out = sub + ":\n  " + out
	}
	if section != "" {
		out = section + ":\n" + indent(out)
	}
	return out
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
}
