package metrics

import "github.com/mugai/mugai/sanitize"

// ObserveAuth records the sender authentication of one message: the
// Report's auth section, which the gateway gives for every message it
// checked (also one refused or held before the rebuild).
func (m *Metrics) ObserveAuth(rec *sanitize.AuthReport) {
	if rec == nil {
		return
	}
	if rec.Skipped != "" {
		m.authVerdicts.WithLabelValues("skipped").Inc()
		return
	}
	m.authVerdicts.WithLabelValues(bounded(rec.Action, "deliver", "quarantine", "reject", "defer")).Inc()
	for _, r := range []struct{ method, result string }{
		{"spf", rec.SPF.Result}, {"dkim", rec.DKIMSummary()}, {"dmarc", rec.DMARC.Result},
	} {
		m.authResults.WithLabelValues(r.method, bounded(r.result, "pass", "fail", "softfail", "neutral", "none", "temperror", "permerror")).Inc()
	}
	for _, p := range rec.Problems {
		m.authProblems.WithLabelValues(bounded(p, "dmarc", "spf", "dkim", "from", "display-name", "lookalike", "temperror")).Inc()
	}
}

// bounded is v when it is one of the known values, else "other": a label
// value never comes from anything unbounded.
func bounded(v string, known ...string) string {
	for _, k := range known {
		if v == k {
			return v
		}
	}
	return "other"
}
