package console

import (
	"encoding/json"
	"strings"
)

// report is the sanitizer's Report as the vault keeps it (JSON), read for
// display. The console does not import the sanitizer (it depends on the
// vault only); report_test.go checks that these fields cover the
// sanitizer's, so a field added there is noticed here.
type report struct {
	MessageID     string       `json:"message_id"`
	InputBytes    int64        `json:"input_bytes"`
	OutputBytes   int64        `json:"output_bytes"`
	Parts         []reportPart `json:"parts"`
	HTMLConverted bool         `json:"html_converted"`
	LinksChanged  int          `json:"links_changed"`
	Warnings      []string     `json:"warnings"`
	Rejected      *struct {
		Kind     string `json:"kind"`
		Reason   string `json:"reason"`
		Replaced bool   `json:"replaced"`
	} `json:"rejected"`
}

type reportPart struct {
	Path           string   `json:"path"`
	DeclaredType   string   `json:"declared_type"`
	SniffedType    string   `json:"sniffed_type"`
	Charset        string   `json:"charset"`
	CharsetGuessed bool     `json:"charset_guessed"`
	Entry          string   `json:"entry"`
	Filename       string   `json:"filename"`
	Size           int64    `json:"size"`
	SHA256         string   `json:"sha256"`
	Action         string   `json:"action"`
	Reason         string   `json:"reason"`
	Removed        []string `json:"removed"`
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
	return &r
}

// Type is the detected type, else the declared one.
func (p *reportPart) Type() string {
	if p.SniffedType != "" && p.SniffedType != "application/octet-stream" {
		return p.SniffedType
	}
	return p.DeclaredType
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

// Removed reports whether the part did not reach the recipient as it was.
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
	if r.Rejected != nil {
		what := "refused "
		if r.Rejected.Replaced {
			what = "replaced by notice "
		}
		out = append(out, what+r.Rejected.Kind)
	}
	return out
}
