package metrics

import "github.com/prometheus/client_golang/prometheus"

// ppapEvents are the events of a held password-protected zip (PPAP), the
// label values of mugai_ppap_archives_total.
var ppapEvents = []string{"held", "opened_page", "opened_mail", "expired", "locked"}

func newPPAPMetrics(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "ppap",
		Name: "archives_total",
		Help: "Password-protected zips, by event: held (one per recipient), opened_page (by the password typed on the recipient page), opened_mail (by the password mail), expired (ppap.window ended unopened), locked (too many wrong passwords on the page)."},
		[]string{"event"})
	reg.MustRegister(c)
	for _, e := range ppapEvents {
		c.WithLabelValues(e)
	}
	return c
}

// PPAPArchive counts an event of a held zip (gateway.PPAPObserver).
func (m *Metrics) PPAPArchive(event string) { m.ppap.WithLabelValues(event).Inc() }
