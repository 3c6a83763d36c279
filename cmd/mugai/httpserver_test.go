package main

import (
	"fmt"
	"io"
	"net/http"
	"net/smtp"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mugai/mugai/internal/smtptest"
)

var httpListeningLine = regexp.MustCompile(`msg="http listening" addr=(\S+)`)

// writeHTTPConfig writes a gateway config like writeConfig's, with the
// HTTP listener on a free loopback port.
func writeHTTPConfig(t *testing.T, path, nextHop, extra string) {
	t.Helper()
	cfg := fmt.Sprintf("hostname: gw.test.example\nlisten:\n  smtp: 127.0.0.1:0\n  http: 127.0.0.1:0\n  console: 127.0.0.1:0\nrelay:\n  domains: [city.example.lg.jp]\n  networks: [127.0.0.0/8]\ndelivery:\n  next_hop: %s\n  tls: none\n%s%s", nextHop, testDNS(t, nil), extra)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startHTTPGateway runs "mugai serve" with cfgPath and returns it with
// the base URL of its HTTP listener.
func startHTTPGateway(t *testing.T, dir, cfgPath string) (*gatewayProcess, string) {
	t.Helper()
	g := startGateway(t, dir, "-config", cfgPath)
	m := httpListeningLine.FindStringSubmatch(g.waitLog(t, "http listening", 10*time.Second))
	if m == nil {
		t.Fatal("no address in the http listening line")
	}
	return g, "http://" + m[1]
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metricValue returns the value of one series (name{labels} as printed)
// in a text scrape, "" when absent.
func metricValue(scrape, series string) string {
	for _, line := range strings.Split(scrape, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}

// TestServeHTTPListener runs the binary with listen.http set: health and
// readiness, the metrics after a message (the sanitize filter's report
// included), the debug report line with its queue id, reloads, and the
// listener closing with the process.
func TestServeHTTPListener(t *testing.T) {
	next := smtptest.NewServer(t, nil)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "mugai.yaml")
	writeHTTPConfig(t, cfgPath, next.Addr, "log:\n  level: debug\n")
	g, base := startHTTPGateway(t, dir, cfgPath)

	if code, body := httpGet(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if code, body := httpGet(t, base+"/readyz"); code != 200 || !strings.Contains(body, "ok   smtp:"+next.Addr) || !strings.Contains(body, "ok   vault") {
		t.Errorf("/readyz: %d %q", code, body)
	}

	msg := golden(t, "mixed-attachments.eml")
	if err := smtp.SendMail(g.addr, nil, "yamada@example.jp", []string{"soumu@city.example.lg.jp"}, msg); err != nil {
		t.Fatal(err)
	}
	// The debug line carries the whole report with the queue id, the one
	// of the message line that follows it.
	report := g.waitLog(t, "sanitize: report", 10*time.Second)
	id := regexp.MustCompile(` id=(\w+) `).FindStringSubmatch(report)
	if id == nil || !strings.Contains(report, `\"queue_id\":\"`+id[1]+`\"`) || !strings.Contains(report, "setup.exe") {
		t.Errorf("report line: %s", report)
	}
	if line := g.waitLog(t, "smtpd: message", 10*time.Second); id != nil && !strings.Contains(line, "id="+id[1]) {
		t.Errorf("message line has another id: %s", line)
	}

	_, scrape := httpGet(t, base+"/metrics")
	for series, want := range map[string]string{
		`mugai_messages_total{result="delivered",step="deliver"}`:          "1",
		`mugai_smtp_replies_total{code="250",stage="data"}`:                "1",
		`mugai_sanitize_messages_total{kind="",outcome="sanitized"}`:       "1",
		`mugai_sanitize_actions_total{action="dropped",type="pdf"}`:        "1",
		`mugai_sanitize_actions_total{action="dropped",type="executable"}`: "1",
		`mugai_message_bytes_total{direction="in"}`:                        fmt.Sprint(len(msg)),
		`mugai_build_info{version="` + version + `"}`:                      "1",
		`mugai_target_up{target="smtp:` + next.Addr + `"}`:                 "1",
		`mugai_target_up{target="vault"}`:                                  "1",
		`mugai_vault_stored_total{result="stored"}`:                        "1",
		`mugai_vault_store_duration_seconds_count`:                         "1",
	} {
		if got := metricValue(scrape, series); got != want {
			t.Errorf("%s = %q, want %s", series, got, want)
		}
	}
	if !strings.Contains(scrape, "go_goroutines ") || !strings.Contains(scrape, "process_start_time_seconds ") {
		t.Error("no Go runtime or process metrics")
	}

	// A failed reload is counted; a good one too, and a new listen.http
	// is only announced (it needs a restart).
	os.WriteFile(cfgPath, []byte("sanitize:\n  language: klingon\n"), 0o644)
	g.signal(t, syscall.SIGHUP)
	g.waitLog(t, "reload failed", 10*time.Second)
	writeHTTPConfig(t, cfgPath, next.Addr, "")
	os.WriteFile(cfgPath, []byte(strings.Replace(mustRead(t, cfgPath), "http: 127.0.0.1:0", "http: 127.0.0.1:1", 1)), 0o644)
	g.signal(t, syscall.SIGHUP)
	g.waitLog(t, "listen.http changed", 10*time.Second)
	g.waitLog(t, "configuration reloaded", 10*time.Second)
	_, scrape = httpGet(t, base+"/metrics")
	if metricValue(scrape, `mugai_config_reloads_total{result="failure"}`) != "1" ||
		metricValue(scrape, `mugai_config_reloads_total{result="success"}`) != "1" ||
		metricValue(scrape, `mugai_config_last_reload_successful`) != "1" {
		t.Errorf("reload counters:\n%s", grepLines(scrape, "mugai_config_"))
	}

	g.signal(t, syscall.SIGTERM)
	select {
	case err := <-g.done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("mugai did not stop on SIGTERM")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("the HTTP listener outlived the process")
	}
}

// TestServeReadyzNextHopDown: a next hop that refuses connections makes
// /readyz fail while /healthz (the process) stays fine.
func TestServeReadyzNextHopDown(t *testing.T) {
	down := smtptest.DownAddr(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "mugai.yaml")
	writeHTTPConfig(t, cfgPath, down, "")
	_, base := startHTTPGateway(t, dir, cfgPath)
	if code, _ := httpGet(t, base+"/healthz"); code != 200 {
		t.Errorf("/healthz: %d", code)
	}
	if code, body := httpGet(t, base+"/readyz"); code != 503 || !strings.Contains(body, "fail smtp:"+down) {
		t.Errorf("/readyz: %d %q", code, body)
	}
}

// TestServeHTTPListenFails: a taken listen.http is a start-up error.
func TestServeHTTPListenFails(t *testing.T) {
	next := smtptest.NewServer(t, nil)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "mugai.yaml")
	// The next hop's own port is taken, by definition.
	cfg := fmt.Sprintf("listen:\n  smtp: 127.0.0.1:0\n  http: %s\ndelivery:\n  next_hop: %s\nauth: {enabled: false}\n", next.Addr, next.Addr)
	os.WriteFile(cfgPath, []byte(cfg), 0o644)
	_, errOut, code := runBinaryIn(t, dir, nil, "serve", "-config", cfgPath)
	if code != 1 || !strings.Contains(errOut, "listen.http") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
