package console

import (
	"encoding/json"
	"strings"
)

// report is the sanitizer's Report as the vault keeps it (JSON, schema
// version 1 of docs/report.md), read for display. The console does not
// import the sanitizer (it depends on the vault only); TestReportFields
// checks that these fields cover the sanitizer's, so a field added there
// is noticed here. Reports written before the schema had a version
// (Schema 0) are read too (see upgrade).
type report struct {
	Schema        int           `json:"schema"`
	MessageID     string        `json:"message_id"`
	InputBytes    int64         `json:"input_bytes"`
	OutputBytes   int64         `json:"output_bytes"`
	Parts         []reportPart  `json:"parts"`
	Spoofs        []reportSpoof `json:"spoofs"`
	HTMLConverted bool          `json:"html_converted"`
	Unreadable    bool          `json:"unreadable"`
	// NearDelimiters: lines that began with a boundary, read as content.
	NearDelimiters []string `json:"near_delimiters"`
	Warnings       []string `json:"warnings"`
	Rejected       *struct {
		Kind        string `json:"kind"`
		Limit       string `json:"limit"`
		Reason      string `json:"reason"`
		Replaced    bool   `json:"replaced"`
		Quarantined bool   `json:"quarantined"`
	} `json:"rejected"`
	// LegacyLinksChanged is the total of a Schema 0 report; later ones
	// count per part.
	LegacyLinksChanged int `json:"links_changed,omitempty"`
	// Auth is the relay's sender authentication of the original.
	Auth *reportAuth `json:"auth"`
}

// reportAuth is the report's auth section (docs/report.md, "Auth").
type reportAuth struct {
	Skipped     string          `json:"skipped"`
	Upstream    string          `json:"upstream"`
	Client      string          `json:"client"`
	Helo        string          `json:"helo"`
	Via         string          `json:"via"`
	SPF         authResult      `json:"spf"`
	DKIM        []authResult    `json:"dkim"`
	DMARC       authResult      `json:"dmarc"`
	From        string          `json:"from"`
	FromProblem string          `json:"from_problem"`
	Findings    []reportFinding `json:"findings"`
	Problems    []string        `json:"problems"`
	Action      string          `json:"action"`
}

type authResult struct {
	Result     string   `json:"result"`
	Domain     string   `json:"domain"`
	Identity   string   `json:"identity"`
	Identifier string   `json:"identifier"`
	Policy     string   `json:"policy"`
	Aligned    []string `json:"aligned"`
	Reason     string   `json:"reason"`
}

type reportFinding struct {
	Kind  string `json:"kind"`
	Shown string `json:"shown"`
	Real  string `json:"real"`
	How   string `json:"how"`
}

// Methods are the results as the message page lists them: SPF, each
// DKIM signature, DMARC.
func (a *reportAuth) Methods() []authMethod {
	out := []authMethod{{"SPF", a.SPF}}
	for _, d := range a.DKIM {
		out = append(out, authMethod{"DKIM", d})
	}
	return append(out, authMethod{"DMARC", a.DMARC})
}

// authMethod is one row of the page's table.
type authMethod struct {
	Name string
	authResult
}

// Bad reports a result that counts against the sender (the row is
// marked).
func (r authResult) Bad() bool {
	switch r.Result {
	case "fail", "softfail", "permerror", "temperror":
		return true
	}
	return false
}

// Failed reports whether the sender's authentication failed or showed
// signs of impersonation (the section is marked).
func (a *reportAuth) Failed() bool { return len(a.Problems) > 0 }

type reportPart struct {
	Path           string   `json:"path"`
	DeclaredType   string   `json:"declared_type"`
	SniffedType    string   `json:"sniffed_type"`
	Kind           string   `json:"kind"`
	Encoding       string   `json:"encoding"`
	Charset        string   `json:"charset"`
	CharsetGuessed bool     `json:"charset_guessed"`
	Entry          string   `json:"entry"`
	Filename       string   `json:"filename"`
	Size           int64    `json:"size"`
	SHA256         string   `json:"sha256"`
	Action         string   `json:"action"`
	Cause          string   `json:"cause"`
	Reason         string   `json:"reason"`
	Output         string   `json:"output"`
	Members        int      `json:"members"`
	Removed        []string `json:"removed"`
	Mismatch       bool     `json:"mismatch"`
	Truncated      bool     `json:"truncated"`
	LinksChanged   int      `json:"links_changed"`
	URLsChanged    int      `json:"urls_changed"`
	Verbatim       bool     `json:"verbatim"`
	Resource       bool     `json:"resource"`
	Unchosen       bool     `json:"unchosen"`
}

type reportSpoof struct {
	Field   string `json:"field"`
	Name    string `json:"name"`
	Shown   string `json:"shown"`
	Address string `json:"address"`
}

// parseReport reads a Report; nil when there is none or it does not
// parse (the page then says so).
func parseReport(b []byte) *report {
	if len(b) == 0 {
		return nil
	}
	var r report
	if json.Unmarshal(b, &r) != nil {
		return nil
	}
	r.upgrade()
	return &r
}

// upgrade reads a Schema 0 report as Schema 1 where the difference
// matters to the pages: a file cut out of a text had its encoding in
// declared_type. (Its causes are still the first word of the reason,
// "corrupt: pdftext: ...", which the pages show as they are.)
func (r *report) upgrade() {
	if r.Schema != 0 {
		return
	}
	for i := range r.Parts {
		p := &r.Parts[i]
		if p.Action == "payload-removed" && p.Encoding == "" {
			p.Encoding, p.DeclaredType = p.DeclaredType, ""
		}
	}
}

// LinksChanged counts the links and web addresses changed in the message.
func (r *report) LinksChanged() int {
	n := r.LegacyLinksChanged
	for i := range r.Parts {
		n += r.Parts[i].LinksChanged + r.Parts[i].URLsChanged
	}
	return n
}

// Type is the detected type, else the declared one, else (a file cut
// out of a text) its encoding.
func (p *reportPart) Type() string {
	switch {
	case p.SniffedType != "" && p.SniffedType != "application/octet-stream":
		return p.SniffedType
	case p.DeclaredType != "":
		return p.DeclaredType
	}
	return p.Encoding
}

// Why is the cause of a drop or skip and what more the report says.
func (p *reportPart) Why() string {
	switch {
	case p.Cause == "":
		return p.Reason
	case p.Reason == "":
		return p.Cause
	}
	return p.Cause + ": " + p.Reason
}

// Name is the file name, or the member's path inside an archive.
func (p *reportPart) Name() string {
	if p.Entry != "" {
		if p.Filename != "" {
			return p.Filename + " › " + p.Entry
		}
		return p.Entry
	}
	return p.Filename
}

// Changed reports whether the part did not reach the recipient as it was.
func (p *reportPart) Changed() bool {
	switch p.Action {
	case "dropped", "converted", "reencoded", "payload-removed", "signature-removed", "body-from-html":
		return true
	}
	return len(p.Removed) > 0
}

// Dropped reports whether the part was removed altogether.
func (p *reportPart) Dropped() bool {
	return p.Action == "dropped" || p.Action == "payload-removed" || p.Action == "signature-removed"
}

// kinds lists what a report removed or converted, as "action type"
// words the dashboard counts.
func (r *report) kinds() []string {
	var out []string
	for i := range r.Parts {
		p := &r.Parts[i]
		if p.Changed() {
			out = append(out, p.Action+" "+p.Type())
		}
		for _, x := range p.Removed {
			out = append(out, "removed "+strings.ToLower(x))
		}
	}
	if len(r.Spoofs) > 0 {
		out = append(out, "display name shows another address")
	}
	if r.Rejected != nil {
		what := "refused "
		switch {
		case r.Rejected.Quarantined:
			what = "quarantined "
		case r.Rejected.Replaced:
			what = "replaced by notice "
		}
		out = append(out, what+r.Rejected.Kind)
	}
	return out
}
