package sanitize

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// docSection returns the values in the first column of the tables under
// the heading "## title" or "### title" of docs/report.md (`value`), up to
// the next heading.
func docSection(t *testing.T, doc, title string) []string {
	t.Helper()
	start := regexp.MustCompile(`(?m)^#{2,3} ` + regexp.QuoteMeta(title) + `\n`).FindStringIndex(doc)
	if start == nil {
		t.Fatalf("docs/report.md has no section %q", title)
	}
	body := doc[start[1]:]
	if end := regexp.MustCompile(`(?m)^#{2,3} `).FindStringIndex(body); end != nil {
		body = body[:end[0]]
	}
	var out []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]*)` \\|").FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}

// jsonFields lists the JSON names of a struct type's fields.
func jsonFields(v any) []string {
	var out []string
	typ := reflect.TypeOf(v)
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// TestReportDocumented: docs/report.md describes every field of the
// report, and every value of its enumerations, and nothing else.
func TestReportDocumented(t *testing.T) {
	b, err := os.ReadFile("../docs/report.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	if !strings.Contains(doc, "**schema version 1**") || ReportSchema != 1 {
		t.Errorf("docs/report.md does not describe schema version %d", ReportSchema)
	}
	check := func(section string, want []string) {
		t.Helper()
		slices.Sort(want)
		if got := docSection(t, doc, section); !slices.Equal(got, want) {
			t.Errorf("docs/report.md, %s: documents %v, the code has %v", section, got, want)
		}
	}
	check("Report", jsonFields(Report{}))
	check("Rejection", jsonFields(Rejection{}))
	check("Spoof", jsonFields(Spoof{}))
	check("Part", jsonFields(PartReport{}))
	check("Auth", jsonFields(AuthReport{}))
	check("Auth result", jsonFields(AuthResult{}))
	check("Auth finding", jsonFields(AuthFinding{}))
	var causeNames []string
	for c := range causes {
		causeNames = append(causeNames, string(c))
	}
	check("Causes", causeNames)
	check("Actions", []string{string(ActionContainer), string(ActionBody), string(ActionBodyFromHTML),
		string(ActionTextAttachment), string(ActionDropped), string(ActionConverted), string(ActionReencoded),
		string(ActionExpanded), string(ActionSkipped), string(ActionSignatureRemoved), string(ActionPayloadRemoved)})
	var kinds []string
	for _, k := range []RejectKind{RejectAmbiguous, RejectLimit, RejectMalformed, RejectPolicy} {
		kinds = append(kinds, string(k))
	}
	check("Rejection kinds", kinds)
	limits := []string{string(LimitTime), string(LimitConvertSize)}
	for _, l := range bounds {
		limits = append(limits, string(l))
	}
	check("Limits", limits)
}
