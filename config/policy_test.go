package config

import (
	"reflect"
	"testing"
	"time"

	"github.com/mugai/mugai/sanitize"
)

// nonDefault sets every sanitize and sanitizer-limit key to a value that
// differs from its default, so a field left unmapped shows up.
const nonDefault = `limits:
  message_size: 11MiB
  mime_depth: 7
  mime_parts: 77
  header_size: 33KiB
  line_length: 2000
  part_size: 12MiB
  decoded_size: 13MiB
  html_token: 44KiB
  sanitize_time: 9s
  archive_depth: 2
  archive_entries: 50
  archive_size: 5MiB
  archive_ratio: 20
  image_pixels: 1000000
  convert_time: 7s
  convert_size: 3MiB
  text_size: 2MiB
  convert_memory: 256MiB
  convert_output: 1MiB
  pdf_pages: 100
  payloads: 7
sanitize:
  prefer: html
  links: keep
  ambiguous: notice
  over_limit: notice
  language: en
  notice_position: bottom
  extra_headers: [X-Priority, Importance]
  flatten: inline
  images: reencode
  scripts: text
`

func TestSanitizePolicyMapsEveryField(t *testing.T) {
	c := mustParse(t, nonDefault)
	want := sanitize.Policy{
		Prefer:         sanitize.PreferHTML,
		Links:          sanitize.LinksKeep,
		Ambiguous:      sanitize.OutcomeNotice,
		OverLimit:      sanitize.OutcomeNotice,
		Language:       sanitize.English,
		NoticePosition: sanitize.NoticeBottom,
		ExtraHeaders:   []string{"X-Priority", "Importance"},
		Flatten:        sanitize.FlattenInline,
		Images:         sanitize.ImagesReencode,
		Scripts:        sanitize.ScriptsText,
		Limits: sanitize.Limits{
			MessageBytes:   11 << 20,
			Depth:          7,
			Parts:          77,
			HeaderBytes:    33 << 10,
			LineBytes:      2000,
			PartBytes:      12 << 20,
			TotalBytes:     13 << 20,
			HTMLTokenBytes: 44 << 10,
			Time:           9 * time.Second,
			ArchiveDepth:   2,
			ArchiveEntries: 50,
			ArchiveBytes:   5 << 20,
			ArchiveRatio:   20,
			ImagePixels:    1000000,
			ConvertTime:    7 * time.Second,
			ConvertBytes:   3 << 20,
			TextBytes:      2 << 20,
			ConvertMemory:  256 << 20,
			ConvertOutput:  1 << 20,
			PDFPages:       100,
			Payloads:       7,
		},
	}
	got := c.SanitizePolicy()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SanitizePolicy() =\n%+v\nwant\n%+v", got, want)
	}
	// Guard against sanitize.Policy growing a field this mapping misses:
	// every field of the result must differ from the default.
	checkAllSet(t, reflect.ValueOf(got), reflect.ValueOf(sanitize.DefaultPolicy()), "Policy")
	if err := got.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}

	// The policy owns its list.
	got.ExtraHeaders[0] = "Changed"
	if c.Sanitize.ExtraHeaders[0] != "X-Priority" {
		t.Error("SanitizePolicy shares ExtraHeaders with the Config")
	}
}

func checkAllSet(t *testing.T, got, def reflect.Value, name string) {
	t.Helper()
	if got.Kind() == reflect.Struct {
		for i := range got.NumField() {
			checkAllSet(t, got.Field(i), def.Field(i), name+"."+got.Type().Field(i).Name)
		}
		return
	}
	if reflect.DeepEqual(got.Interface(), def.Interface()) {
		t.Errorf("%s is not mapped from the config (still the default)", name)
	}
}

func TestNamedPolicy(t *testing.T) {
	c := mustParse(t, `relay:
  internal_networks: [10.0.0.0/8]
sanitize:
  language: en
  extra_headers: [X-Priority]
limits:
  mime_depth: 5
policies:
  strict:
    links: remove
    over_limit: notice
  plain: {}
  noheaders:
    extra_headers: []
  out:
    passthrough: true
routes:
  - client_networks: [10.0.0.0/8]
    policy: out
`)
	base := c.SanitizePolicy()

	for _, name := range []string{"default", ""} {
		p, pass, ok := c.NamedPolicy(name)
		if !ok || pass || !reflect.DeepEqual(p, base) {
			t.Errorf("NamedPolicy(%q) = %+v, %v, %v", name, p, pass, ok)
		}
	}

	p, pass, ok := c.NamedPolicy("strict")
	want := base
	want.Links = sanitize.LinksRemove
	want.OverLimit = sanitize.OutcomeNotice
	if !ok || pass || !reflect.DeepEqual(p, want) {
		t.Errorf("NamedPolicy(strict) = %+v, want %+v (keys not set come from the sanitize section, limits from limits)", p, want)
	}

	if p, _, _ := c.NamedPolicy("plain"); !reflect.DeepEqual(p, base) {
		t.Errorf("an empty policy differs from the sanitize section: %+v", p)
	}
	if p, _, _ := c.NamedPolicy("noheaders"); p.ExtraHeaders != nil || p.Language != sanitize.English {
		t.Errorf("extra_headers: [] did not clear the list: %+v", p)
	}

	p, pass, ok = c.NamedPolicy("out")
	if !ok || !pass || !reflect.DeepEqual(p, base) {
		t.Errorf("NamedPolicy(out) = %+v, %v, %v; want the sanitize section and passthrough", p, pass, ok)
	}

	if p, pass, ok := c.NamedPolicy("missing"); ok || pass || !reflect.DeepEqual(p, sanitize.Policy{}) {
		t.Errorf("NamedPolicy(missing) = %+v, %v, %v", p, pass, ok)
	}
}

// TestPolicyOverSanitizeSection: a policy is decoded over the sanitize
// section wherever the file writes it, and copies none of its keys back.
func TestPolicyOverSanitizeSection(t *testing.T) {
	c := mustParse(t, `policies:
  strict:
    links: remove
    extra_headers: [Importance]
sanitize:
  language: en
  extra_headers: [X-Priority]
`)
	p, _, _ := c.NamedPolicy("strict")
	if p.Language != sanitize.English || p.Links != sanitize.LinksRemove || !reflect.DeepEqual(p.ExtraHeaders, []string{"Importance"}) {
		t.Errorf("NamedPolicy(strict) = %+v, want language from the sanitize section below it", p)
	}
	if s := c.SanitizePolicy(); s.Links != sanitize.LinksDefang || !reflect.DeepEqual(s.ExtraHeaders, []string{"X-Priority"}) {
		t.Errorf("the policy changed the sanitize section: %+v", s)
	}
}
