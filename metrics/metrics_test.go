package metrics_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mugai/mugai/delivery"
	"github.com/mugai/mugai/gateway"
	"github.com/mugai/mugai/internal/smtptest"
	"github.com/mugai/mugai/metrics"
	"github.com/mugai/mugai/sanitize"
	"github.com/mugai/mugai/smtpd"
	"github.com/mugai/mugai/smtpd/reply"
)

// sanitizeFilter is the filter adapter as cmd/mugai builds it: the real
// sanitizer, its report handed to the metrics.
func sanitizeFilter(m *metrics.Metrics) smtpd.Filter {
	s := sanitize.New(sanitize.DefaultPolicy())
	return smtpd.FilterFunc(func(ctx context.Context, env *smtpd.Envelope, dst io.Writer, src *smtpd.Original) (smtpd.FilterResult, error) {
		rep, err := s.MessageContext(ctx, dst, src.Reader())
		m.ObserveReport(rep, err)
		return smtpd.FilterResult{}, gateway.Rejection(err)
	})
}

// relay runs an in-process smtpd with the real observer in front of a
// recording next hop, and an HTTP server with the metrics handler.
type relay struct {
	addr    string // SMTP
	url     string // HTTP
	hop     *smtptest.Server
	metrics *metrics.Metrics
}

func startRelay(t *testing.T) *relay {
	t.Helper()
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, "test-version")
	hop := smtptest.NewServer(t, nil)
	nh := &delivery.NextHop{Addr: hop.Addr, HeloName: "mugai.test", ConnectTimeout: 2 * time.Second,
		CommandTimeout: 2 * time.Second, Logger: slog.New(slog.DiscardHandler)}
	route := smtpd.Route{Name: "default", Filter: sanitizeFilter(m), Begin: nh.Begin}
	srv, err := smtpd.New(smtpd.Config{
		Hostname: "mugai.test",
		Networks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Router: smtpd.RouterFunc(func(_ *smtpd.Envelope, rcpt string) (smtpd.Route, error) {
			if mb, err := smtpd.ParseMailbox(rcpt); err != nil || mb.Domain != "city.example.lg.jp" {
				return smtpd.Route{}, reply.New(reply.MailboxUnavailable, reply.SecurityDeliveryNotAuthorized, "Relay not permitted")
			}
			return route, nil
		}),
		SpoolDir: t.TempDir(),
		Logger:   slog.New(slog.DiscardHandler),
		Observer: m,
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	ready := &metrics.Readiness{Metrics: m}
	ready.SetTargets([]metrics.Target{{Name: "smtp:" + hop.Addr, NextHop: hop.Addr}})
	web := httptest.NewServer(metrics.Handler(reg, ready, nil))
	t.Cleanup(web.Close)
	return &relay{addr: ln.Addr().String(), url: web.URL, hop: hop, metrics: m}
}

func golden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "golden", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// get fetches url and returns the status code and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// sample returns the value of the series written exactly as series
// (name{labels}, labels in Prometheus' sorted order) in a text scrape.
func sample(scrape, series string) (string, bool) {
	for _, line := range strings.Split(scrape, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v, true
		}
	}
	return "", false
}

func TestScrapeAfterMessages(t *testing.T) {
	r := startRelay(t)
	const from, to = "yamada@example.jp", "soumu@city.example.lg.jp"

	// Delivered: a PDF and an executable dropped, a text attachment kept.
	if err := smtp.SendMail(r.addr, nil, from, []string{to}, golden(t, "mixed-attachments.eml")); err != nil {
		t.Fatalf("mixed-attachments: %v", err)
	}
	// Rejected by the sanitizer (fail closed): 550 5.6.0.
	err := smtp.SendMail(r.addr, nil, from, []string{to}, golden(t, "ambiguous-two-boundaries.eml"))
	if err == nil || !strings.Contains(err.Error(), "550") {
		t.Fatalf("ambiguous message: %v, want 550", err)
	}
	// A recipient outside the relay domains: 550 at RCPT, no message.
	err = smtp.SendMail(r.addr, nil, from, []string{"x@example.com"}, []byte("Subject: x\r\n\r\nx\r\n"))
	if err == nil || !strings.Contains(err.Error(), "550") {
		t.Fatalf("foreign recipient: %v, want 550", err)
	}
	// An HTML message: converted, its link defanged.
	html := "From: a@example.jp\r\nTo: " + to + "\r\nSubject: html\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>See <a href=\"https://example.jp/\">this</a> and <a href=\"https://example.jp/2\">that</a>.</p>\r\n"
	if err := smtp.SendMail(r.addr, nil, from, []string{to}, []byte(html)); err != nil {
		t.Fatalf("html: %v", err)
	}
	if n := len(r.hop.WaitMessages(2, 5*time.Second)); n != 2 {
		t.Fatalf("next hop got %d messages, want 2", n)
	}

	// Sessions end asynchronously after QUIT: wait for the gauge.
	var scrape string
	for deadline := time.Now().Add(5 * time.Second); ; {
		_, scrape = get(t, r.url+"/metrics")
		if v, _ := sample(scrape, "mugai_smtp_sessions_open"); v == "0" || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("scrape:\n%s", scrape)
	want := map[string]string{
		`mugai_smtp_sessions_total`:                                          "4",
		`mugai_smtp_sessions_open`:                                           "0",
		`mugai_messages_in_flight`:                                           "0",
		`mugai_messages_total{result="delivered",step="deliver"}`:            "2",
		`mugai_messages_total{result="rejected",step="filter"}`:              "1",
		`mugai_smtp_replies_total{code="220",stage="connect"}`:               "4",
		`mugai_smtp_replies_total{code="250",stage="rcpt"}`:                  "3",
		`mugai_smtp_replies_total{code="550",stage="rcpt"}`:                  "1",
		`mugai_smtp_replies_total{code="250",stage="data"}`:                  "2",
		`mugai_smtp_replies_total{code="550",stage="data"}`:                  "1",
		`mugai_sanitize_messages_total{kind="",outcome="sanitized"}`:         "2",
		`mugai_sanitize_messages_total{kind="ambiguous",outcome="rejected"}`: "1",
		`mugai_sanitize_actions_total{action="dropped",type="pdf"}`:          "1",
		`mugai_sanitize_actions_total{action="dropped",type="executable"}`:   "1",
		`mugai_sanitize_actions_total{action="text-attachment",type="text"}`: "1",
		`mugai_sanitize_actions_total{action="html-to-text",type="html"}`:    "1",
		`mugai_sanitize_actions_total{action="links-changed",type="html"}`:   "2",
		`mugai_message_size_bytes_count`:                                     "3",
		`mugai_sanitize_duration_seconds_count`:                              "3",
		`mugai_delivery_duration_seconds_count`:                              "2",
		`mugai_build_info{version="test-version"}`:                           "1",
		`mugai_config_reloads_total{result="failure"}`:                       "0",
		`mugai_config_last_reload_successful`:                                "1",
	}
	for series, v := range want {
		got, ok := sample(scrape, series)
		if !ok {
			t.Errorf("no series %s", series)
		} else if got != v {
			t.Errorf("%s = %s, want %s", series, got, v)
		}
	}
	// Bytes: in is what the client sent, out what the sanitizer wrote
	// (the rejected message wrote nothing).
	in := len(golden(t, "mixed-attachments.eml")) + len(golden(t, "ambiguous-two-boundaries.eml")) + len(html)
	if got, _ := sample(scrape, `mugai_message_bytes_total{direction="in"}`); got != fmt.Sprint(in) {
		t.Errorf("bytes in = %s, want %d", got, in)
	}
	if got, _ := sample(scrape, `mugai_message_bytes_total{direction="out"}`); got == "0" || got == "" {
		t.Errorf("bytes out = %q", got)
	}
	// Nothing a sender wrote becomes a label value.
	for _, s := range []string{"yamada", "soumu", "setup.exe", "見積書", "example.com"} {
		if strings.Contains(scrape, s) {
			t.Errorf("scrape contains sender-controlled text %q", s)
		}
	}
}

// TestObserveReport covers the outcomes and actions that a relay test
// does not reach easily.
func TestObserveReport(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, "v")
	m.ObserveReport(&sanitize.Report{
		Rejected: &sanitize.Rejection{Kind: "limit", Replaced: true},
		Parts: []sanitize.PartReport{
			{Action: sanitize.ActionPayloadRemoved, Encoding: "uuencode"},
			{Action: sanitize.ActionPayloadRemoved, Encoding: "evil\nlabel"},
			{Action: sanitize.ActionDropped, DeclaredType: "application/x-attacker-chosen-" + strings.Repeat("z", 100)},
			{Action: sanitize.ActionDropped, SniffedType: "application/octet-stream", DeclaredType: "application/zip"},
			{Action: sanitize.ActionBody, CharsetGuessed: true},
			{Action: sanitize.ActionSignatureRemoved, DeclaredType: "application/pkcs7-signature"},
		},
	}, nil)
	m.ObserveReport(nil, context.DeadlineExceeded)
	m.ObserveReport(nil, &sanitize.RejectError{Kind: "something new"})
	m.ConfigReloaded(false)

	web := httptest.NewServer(metrics.Handler(reg, &metrics.Readiness{}, nil))
	defer web.Close()
	_, scrape := get(t, web.URL+"/metrics")
	for series, v := range map[string]string{
		`mugai_sanitize_messages_total{kind="limit",outcome="replaced"}`:         "1",
		`mugai_sanitize_messages_total{kind="",outcome="failed"}`:                "1",
		`mugai_sanitize_messages_total{kind="other",outcome="rejected"}`:         "1",
		`mugai_sanitize_actions_total{action="payload-removed",type="uuencode"}`: "1",
		`mugai_sanitize_actions_total{action="payload-removed",type="other"}`:    "1",
		`mugai_sanitize_actions_total{action="dropped",type="other"}`:            "1",
		`mugai_sanitize_actions_total{action="dropped",type="archive"}`:          "1",
		`mugai_sanitize_actions_total{action="charset-guessed",type="text"}`:     "1",
		`mugai_sanitize_actions_total{action="signature-removed",type="crypto"}`: "1",
		`mugai_config_reloads_total{result="failure"}`:                           "1",
		`mugai_config_last_reload_successful`:                                    "0",
	} {
		if got, ok := sample(scrape, series); !ok || got != v {
			t.Errorf("%s = %q (found %v), want %s", series, got, ok, v)
		}
	}
	if strings.Contains(scrape, "attacker") || strings.Contains(scrape, "evil") {
		t.Error("a sender-controlled type became a label value")
	}
}

func TestTypeClass(t *testing.T) {
	for in, want := range map[string]string{
		"":                            "unknown",
		"application/pdf":             "pdf",
		"APPLICATION/PDF; name=x.pdf": "pdf",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document": "office",
		"application/vnd.ms-excel":                      "office",
		"application/vnd.oasis.opendocument.text":       "office",
		"application/vnd.ms-cab-compressed":             "archive",
		"application/zip":                               "archive",
		"application/vnd.microsoft.portable-executable": "executable",
		"application/x-msdownload":                      "executable",
		"text/javascript":                               "script",
		"text/html":                                     "html",
		"text/plain":                                    "text",
		"image/png":                                     "image",
		"video/mp4":                                     "media",
		"message/rfc822":                                "message",
		"application/x-whatever":                        "other",
	} {
		if got := metrics.TypeClass(in); got != want {
			t.Errorf("TypeClass(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestObserveAuth(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, "v")
	m.ObserveAuth(&sanitize.AuthReport{
		SPF:  sanitize.AuthResult{Result: "fail"},
		DKIM: []sanitize.AuthResult{{Result: "fail"}, {Result: "pass"}},
		// A value from a trusted upstream that is no result.
		DMARC:    sanitize.AuthResult{Result: "evil\nvalue"},
		Problems: []string{"dmarc", "lookalike", "evil-problem"},
		Action:   "reject",
	})
	m.ObserveAuth(&sanitize.AuthReport{Skipped: "internal", Action: "deliver"})
	m.ObserveAuth(nil)

	web := httptest.NewServer(metrics.Handler(reg, &metrics.Readiness{}, nil))
	defer web.Close()
	_, scrape := get(t, web.URL+"/metrics")
	for series, v := range map[string]string{
		`mugai_auth_results_total{method="spf",result="fail"}`:    "1",
		`mugai_auth_results_total{method="dkim",result="pass"}`:   "1",
		`mugai_auth_results_total{method="dmarc",result="other"}`: "1",
		`mugai_auth_verdicts_total{action="reject"}`:              "1",
		`mugai_auth_verdicts_total{action="skipped"}`:             "1",
		`mugai_auth_problems_total{problem="dmarc"}`:              "1",
		`mugai_auth_problems_total{problem="lookalike"}`:          "1",
		`mugai_auth_problems_total{problem="other"}`:              "1",
	} {
		if got, ok := sample(scrape, series); !ok || got != v {
			t.Errorf("%s = %q (found %v), want %s", series, got, ok, v)
		}
	}
	if strings.Contains(scrape, "evil") {
		t.Error("an unbounded value became a label value")
	}
}
