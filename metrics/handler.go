package metrics

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves the HTTP listener's paths:
//
//	/metrics  the metrics gathered from g, in Prometheus' text format
//	/healthz  200 while the process runs (liveness)
//	/readyz   200 when ready to relay mail, else 503; one line per check
//
// log receives errors gathering metrics; nil discards them.
func Handler(g prometheus.Gatherer, ready *Readiness, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorLog: promLogger{log},
		// A metric that cannot be gathered must not hide the others.
		ErrorHandling: promhttp.ContinueOnError,
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		plain(w, http.StatusOK, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ok, results := ready.Check(r.Context())
		var b strings.Builder
		status := http.StatusOK
		if ok {
			b.WriteString("ready\n")
		} else {
			status = http.StatusServiceUnavailable
			b.WriteString("not ready\n")
		}
		for _, c := range results {
			if c.Err != nil {
				fmt.Fprintf(&b, "fail %s: %v\n", c.Name, c.Err)
			} else {
				fmt.Fprintf(&b, "ok   %s\n", c.Name)
			}
		}
		plain(w, status, b.String())
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		plain(w, http.StatusOK, "mugai: /metrics /healthz /readyz\n")
	})
	return mux
}

// plain writes a short text answer that no cache keeps: a health result
// is only true now.
func plain(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

// promLogger gives promhttp's ErrorLog (Println) to slog.
type promLogger struct{ log *slog.Logger }

func (l promLogger) Println(v ...any) { l.log.Warn("metrics: " + fmt.Sprint(v...)) }
