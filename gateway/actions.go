package gateway

import "github.com/mugai/mugai/sanitize"

// actions summarises a report in short words for the per-message log
// line; the words are derived from the Report, the one record.
func actions(rep *sanitize.Report) []string {
	if rep == nil {
		return nil
	}
	return rep.LogActions()
}
