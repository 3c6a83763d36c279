package gateway

import (
	"fmt"
	"sort"

	"github.com/mugai/mugai/sanitize"
)

// actions summarises a report in short words for the per-message log line.
func actions(rep *sanitize.Report) []string {
	if rep == nil {
		return nil
	}
	counts := map[string]int{}
	if rep.HTMLConverted {
		counts["html-to-text"]++
	}
	if rep.LinksChanged > 0 {
		counts["links-changed"] += rep.LinksChanged
	}
	for _, p := range rep.Parts {
		switch p.Action {
		case sanitize.ActionDropped:
			t := p.SniffedType
			if t == "" || t == "application/octet-stream" {
				t = p.DeclaredType
			}
			counts["dropped:"+t]++
		case sanitize.ActionTextAttachment:
			counts["text-attachment"]++
		case sanitize.ActionPayloadRemoved:
			counts["payload:"+p.DeclaredType]++
		case sanitize.ActionSignatureRemoved:
			counts["signature-removed"]++
		}
		if p.CharsetGuessed {
			counts["charset-guessed"]++
		}
	}
	if rep.Rejected != nil {
		if rep.Rejected.Replaced {
			counts["replaced:"+rep.Rejected.Kind]++
		} else {
			counts["rejected:"+rep.Rejected.Kind]++
		}
	}
	out := make([]string, 0, len(counts))
	for k, n := range counts {
		if n > 1 {
			k = fmt.Sprintf("%s(%d)", k, n)
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
